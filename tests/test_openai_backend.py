"""OpenAIBackend against a real local HTTP server (FakeOpenAIServer on 127.0.0.1): ordering, recorded metadata,
retries under injected faults, permanent failures, bounded concurrency and the on-disk cache.

Timeouts are kept small (client 0.5 s, hung requests 2 s) so the whole file runs in a few seconds.
"""

from __future__ import annotations

import time

import pytest

from protod.backends import openai_compat
from protod.backends.base import BackendError, SamplingParams
from protod.backends.fake_server import FakeOpenAIServer
from protod.backends.openai_compat import OpenAIBackend


def echo(body: dict) -> str:
    # Reply depends on the request, so a reordered or mixed-up batch is visible in the texts.
    return f"echo {body['messages'][-1]['content']} seed={body.get('seed')}"


def convs(n: int) -> list[list[dict]]:
    return [
        [
            {"role": "system", "content": "be brief"},
            # token_ids is local bookkeeping from a token-level backend; it must not be sent.
            {"role": "user", "content": f"q{i}", "token_ids": [1, 2, 3]},
        ]
        for i in range(n)
    ]


@pytest.fixture
def server():
    with FakeOpenAIServer(echo, hang_s=2.0) as srv:
        yield srv


def test_plain_generation_order_meta_and_wire(server):
    params = SamplingParams(temperature=0.3, top_p=0.9, max_new_tokens=17)
    seeds = [11, 12, 13, 14, 15]
    with OpenAIBackend("fake-model", server.base_url, timeout=5.0) as backend:
        assert backend.name == f"openai:fake-model@{server.base_url}"
        out = backend.generate(convs(5), params, seeds)

    assert [g.text for g in out] == [f"echo q{i} seed={s}" for i, s in enumerate(seeds)]
    for g, seed in zip(out, seeds):
        assert g.ok and g.finish_reason == "stop" and g.token_ids is None and g.logprobs is None
        assert g.meta["model"] == "fake-model" and g.meta["base_url"] == server.base_url
        assert g.meta["seed"] == seed and g.meta["params"] == params.to_dict()
        assert g.meta["cached"] is False and g.meta["retries"] == 0 and g.meta["finish_reason"] == "stop"
        assert g.meta["usage"]["completion_tokens"] == 3 and g.meta["latency_s"] >= 0

    # What went over the wire: the item's seed, the sampling params, role/content only.
    assert sorted(b["seed"] for b in server.requests) == seeds
    for body in server.requests:
        assert body["model"] == "fake-model"
        assert body["temperature"] == 0.3 and body["top_p"] == 0.9 and body["max_tokens"] == 17
        assert all(set(m) == {"role", "content"} for m in body["messages"])
    assert backend.stats == {"calls": 5, "requests": 5, "retries": 0, "errors": 0, "cache_hits": 0}


def test_injected_faults_are_retried_and_counted(server):
    faults = ("500", "429", "timeout", "malformed", "drop")
    server.inject(*faults)
    with OpenAIBackend("fake-model", server.base_url, timeout=0.5, max_retries=4) as backend:
        out = backend.generate(convs(8), SamplingParams(), list(range(8)))

    # Nothing lost, nothing reordered.
    assert [g.text for g in out] == [f"echo q{i} seed={i}" for i in range(8)]
    assert all(g.ok for g in out)
    assert server.pending_faults == 0 and sum(server.fault_counts.values()) == len(faults)
    # Each fault costs exactly one failed request, so the honest retry count equals the number of faults: the
    # 500/429/timeout/drop are retried by the openai client, the malformed 200 by our tenacity policy.
    stats = backend.stats
    assert stats["retries"] == len(faults)
    assert stats["requests"] == server.request_count == 8 + len(faults)
    assert sum(g.meta["retries"] for g in out) == len(faults)  # attributed to the items that hit them
    assert stats["errors"] == 0


def test_permanent_failure_is_reported_on_the_item(server):
    # Only the conversation with seed 3 fails, every time; the rest of the batch must be unaffected.
    server.fail_always = "500"
    server.fail_if = lambda body: body.get("seed") == 3
    with OpenAIBackend("fake-model", server.base_url, timeout=2.0, max_retries=1) as backend:
        out = backend.generate(convs(5), SamplingParams(), list(range(5)))

    bad = out[3]
    assert bad.error and "\n" not in bad.error and "500" in bad.error
    assert bad.finish_reason == "error" and bad.text == "" and not bad.ok
    assert bad.meta["retries"] == 1 and bad.meta["finish_reason"] == "error"
    assert all(g.ok for i, g in enumerate(out) if i != 3)
    assert backend.stats["errors"] == 1 and backend.stats["retries"] == 1


def test_permanently_malformed_body_gives_up_after_bounded_attempts(server):
    server.fail_always = "malformed"
    with OpenAIBackend("fake-model", server.base_url, timeout=2.0) as backend:
        (g,) = backend.generate(convs(1), SamplingParams(), [0])
    assert g.finish_reason == "error" and g.error
    assert server.request_count == OpenAIBackend.body_attempts  # bounded, no endless loop


def test_unreachable_endpoint_is_an_item_error_not_an_exception():
    with FakeOpenAIServer() as srv:
        dead_url = srv.base_url  # a port that nothing listens on once the server is stopped
    with OpenAIBackend("fake-model", dead_url, timeout=0.5, max_retries=0) as backend:
        out = backend.generate(convs(2), SamplingParams(), [0, 1])
    assert all(g.finish_reason == "error" and g.error for g in out)


def test_concurrency_is_bounded():
    def slow(body: dict) -> str:
        time.sleep(0.15)
        return "slow reply"

    with FakeOpenAIServer(slow) as srv, OpenAIBackend("m", srv.base_url, timeout=5.0, concurrency=2) as backend:
        out = backend.generate(convs(6), SamplingParams(), list(range(6)))
        assert all(g.text == "slow reply" for g in out)
        assert srv.max_in_flight == 2  # bounded, and the bound is actually used

        # A second call reuses the same loop thread and client (no "event loop is closed" errors).
        loop_thread = backend._thread
        assert backend.generate(convs(2), SamplingParams(), [7, 8])[1].ok
        assert backend._thread is loop_thread


def test_cache_hits_make_no_requests_and_errors_are_not_cached(server, tmp_path):
    params = SamplingParams(temperature=0.0)
    server.fail_always = "500"
    server.fail_if = lambda body: body.get("seed") == 2
    with OpenAIBackend("fake-model", server.base_url, timeout=2.0, max_retries=0, cache_dir=tmp_path) as backend:
        first = backend.generate(convs(3), params, [0, 1, 2])
        assert [g.ok for g in first] == [True, True, False]
        sent = server.request_count

        server.fail_always = None
        second = backend.generate(convs(3), params, [0, 1, 2])
        # Only the errored item went to the server again: errors are never cached.
        assert server.request_count == sent + 1
        assert [g.text for g in second[:2]] == [g.text for g in first[:2]]
        assert [g.meta["cached"] for g in second] == [True, True, False] and second[2].ok

        third = backend.generate(convs(3), params, [0, 1, 2])
        assert server.request_count == sent + 1  # zero new requests
        assert all(g.meta["cached"] and g.meta["retries"] == 0 for g in third)
        assert [g.text for g in third] == [g.text for g in second]

        # A different seed is a different key.
        (other,) = backend.generate(convs(1), params, [99])
        assert other.meta["cached"] is False and server.request_count == sent + 2
        assert backend.stats["cache_hits"] == 5

    # Layout: <cache_dir>/<first 2 hex>/<sha256>.json, no temp files left behind.
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert len(files) == 4
    for path in files:
        assert path.suffix == ".json" and len(path.stem) == 64 and path.parent.name == path.stem[:2]


def test_api_key_resolution(monkeypatch):
    monkeypatch.delenv("MY_KEY", raising=False)
    assert OpenAIBackend("m", "http://127.0.0.1:1/v1", api_key_env="MY_KEY")._api_key == "EMPTY"
    monkeypatch.setenv("MY_KEY", "from-env")
    assert OpenAIBackend("m", "http://127.0.0.1:1/v1", api_key_env="MY_KEY")._api_key == "from-env"
    assert OpenAIBackend("m", "http://127.0.0.1:1/v1", api_key="explicit", api_key_env="MY_KEY")._api_key == "explicit"


def test_missing_openai_package_is_a_clear_backend_error(monkeypatch):
    monkeypatch.setattr(openai_compat, "_IMPORT_ERROR", ImportError("No module named 'openai'"))
    with pytest.raises(BackendError, match="pip install openai"):
        OpenAIBackend("m", "http://127.0.0.1:1/v1")

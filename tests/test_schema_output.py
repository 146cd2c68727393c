"""Schema-constrained output: LLM judges and role-play ask endpoints for it before any repair.

Over a real HTTP server on 127.0.0.1 (FakeOpenAIServer, which answers a schema request as a constrained decoder
would): the judge's pack schema reaches the wire, a judge that would babble still returns a valid judgement, the
backend walks the schema dialects an endpoint takes (OpenAI's, llama.cpp's, none) and remembers refusals, and every
call records whether it was constrained. vLLM's request building is checked without vLLM.
"""

from __future__ import annotations

import json
import random

import pytest

from protod.backends.base import SamplingParams
from protod.backends.fake_server import FakeOpenAIServer
from protod.backends.json_schema import fit_to_schema, schema_errors
from protod.backends.openai_compat import OpenAIBackend, schema_request
from protod.backends.vllm_backend import sampling_kwargs
from protod.user.llm_perceive import LLMPerceiver
from protod.user.perceive import RulePerceiver

TURNS = ["What worries you most about joining?", "There is no joining fee.", "Sign up today, it is great!"]
SCHEMA = {"type": "object", "properties": {"answer": {"type": "string", "enum": ["yes", "no"]},
                                           "score": {"type": "number", "minimum": 0, "maximum": 1}},
          "required": ["answer", "score"], "additionalProperties": False}


def backend_for(srv, **kw):
    return OpenAIBackend("fake-model", srv.base_url, timeout=2.0, max_retries=1, concurrency=4, **kw)


def convs(n):
    return [[{"role": "user", "content": f"q{i}"}] for i in range(n)]


def test_the_judge_sends_its_pack_schema_and_a_constraining_endpoint_never_needs_repair(pack):
    # The "model" babbles broken JSON; a constrained endpoint still returns judgements, so nothing falls back.
    with FakeOpenAIServer(lambda body: "Sure! Here is my analysis: {probed_concerns: [oops") as srv:
        judge = LLMPerceiver(pack, backend_for(srv))
        results = judge.perceive_batch(TURNS, [1, 2, 3])
        bodies = list(srv.requests)
    assert [r.fallback for r in results] == [False] * 3
    assert all(r.meta["attempts"] == 1 and r.meta["schema_constrained"] is True for r in results)
    assert len(bodies) == 3 and srv.schema_replies == 3
    fmt = bodies[0]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True and fmt["json_schema"]["name"] == "judgement"
    schema = fmt["json_schema"]["schema"]
    assert schema == judge.schema and schema["additionalProperties"] is False
    assert set(schema["required"]) == set(schema["properties"])
    assert schema["properties"]["probed_concerns"]["items"]["enum"] == [c.id for c in pack.concerns]
    assert schema["properties"]["facts_stated"]["items"]["enum"] == [f.id for f in pack.facts]
    # Lists bounded just above a recital / a barrage, so a looping model still closes the object in budget.
    recital = pack.dynamics.max_facts_per_turn + 1
    assert schema["properties"]["facts_stated"]["maxItems"] == min(recital, len(pack.facts))
    assert judge.params.max_new_tokens >= 256


def test_a_constrained_judgement_keeps_what_the_model_meant(pack):
    # The model means the rule perception but adds an id the pack does not have, and chatter around it: the
    # constrained reply keeps the meaning and drops the id, so the judgement equals the rule perception.
    rules = RulePerceiver(pack)

    def respond(body):
        turn = body["messages"][-1]["content"].split("The caller's turn:\n", 1)[1]
        p = rules.perceive(turn)
        meant = {"probed_concerns": list(p.probes), "pointed": sorted(p.pointed),
                 "facts_stated": [*p.facts, "a_fact_nobody_wrote"], "false_claims": list(p.false_claims),
                 "pitch": p.pitch, "pressure": p.pressure, "closing_ask": p.closing_ask, "off_topic": p.off_topic}
        return f"My answer: {json.dumps(meant)} Hope that helps!"

    texts = [pack.facts[0].text, f"What worries you about {pack.concerns[0].description.lower()}?"]
    with FakeOpenAIServer(respond) as srv:
        results = LLMPerceiver(pack, backend_for(srv)).perceive_batch(texts, [0, 1])
    for text, r in zip(texts, results):
        expected = rules.perceive(text)
        assert not r.fallback and r.meta["attempts"] == 1
        assert r.perception.facts == expected.facts and r.perception.probes == expected.probes


def test_the_backend_walks_the_dialects_an_endpoint_takes_and_remembers_refusals():
    params = SamplingParams(temperature=0.0, max_new_tokens=20).with_schema(SCHEMA)
    # llama-cpp-python's server knows response_format json_object (+ schema) but refuses json_schema.
    with FakeOpenAIServer(lambda body: '{"answer": "maybe", "score": 3}', response_formats=("json_object",)) as srv:
        backend = backend_for(srv)
        (first,) = backend.generate(convs(1), params, [0])
        assert srv.request_count == 2  # refused in OpenAI's dialect, then answered in llama.cpp's
        body = srv.requests[-1]
        assert body["response_format"] == {"type": "json_object", "schema": SCHEMA} and body["json_schema"] == SCHEMA
        out = backend.generate(convs(3), params, [1, 2, 3])
        assert srv.request_count == 5  # the refusal is remembered: one request per call from now on
    for g in [first, *out]:
        assert g.ok and g.meta["schema_constrained"] is True and g.meta["schema_dialect"] == "llama.cpp"
        assert schema_errors(json.loads(g.text), SCHEMA) == []
        assert json.loads(g.text) == {"answer": "yes", "score": 1}  # out-of-schema values replaced, as a decoder would
    assert backend.stats["errors"] == 0

    # llama-cpp-python's own server refuses json_schema with a validation error sent as HTTP 500: retried by the
    # client, then recognised as a refusal of the field, and remembered.
    with FakeOpenAIServer(lambda body: '{"answer": "no", "score": 0}', response_formats=("json_object",),
                          refuse_status=500) as srv:
        backend = backend_for(srv)
        (g,) = backend.generate(convs(1), params, [0])
        assert g.ok and g.meta["schema_dialect"] == "llama.cpp" and srv.request_count == 3  # 500, its retry, answer
        backend.generate(convs(1), params, [1])
        assert srv.request_count == 4

    # An endpoint that takes no response_format at all: asked plainly, the reply is the model's own, unconstrained.
    with FakeOpenAIServer(lambda body: "free text", response_formats=()) as srv:
        backend = backend_for(srv)
        (g,) = backend.generate(convs(1), params, [0])
        assert g.ok and g.text == "free text" and g.meta["schema_constrained"] is False and g.meta["schema_dialect"] == "none"
        assert srv.request_count == 3 and "response_format" not in srv.requests[-1]
        backend.generate(convs(1), params, [1])
        assert srv.request_count == 4


def test_openai_dialect_is_standard_and_no_schema_means_no_constraint():
    with FakeOpenAIServer(lambda body: '{"answer": "no", "score": 0.25}') as srv:
        backend = backend_for(srv)
        (plain,) = backend.generate(convs(1), SamplingParams(), [0])
        assert "response_format" not in srv.requests[-1] and "json_schema" not in srv.requests[-1]
        assert plain.meta["schema_constrained"] is False and "schema_dialect" not in plain.meta
        (g,) = backend.generate(convs(1), SamplingParams().with_schema(SCHEMA), [0])
        assert srv.requests[-1]["response_format"] == schema_request("openai", SCHEMA)["response_format"]
        assert "json_schema" not in srv.requests[-1]  # OpenAI rejects fields it does not know: nothing extra is sent
        assert g.meta["schema_dialect"] == "openai" and json.loads(g.text) == {"answer": "no", "score": 0.25}
    with pytest.raises(ValueError, match="schema_dialect"):
        OpenAIBackend("m", "http://127.0.0.1:1/v1", schema_dialect="grammar")


def test_cached_replies_keep_their_constraint_and_a_new_schema_is_a_new_key(tmp_path):
    params = SamplingParams(temperature=0.0).with_schema(SCHEMA)
    other = SamplingParams(temperature=0.0).with_schema({**SCHEMA, "required": ["answer"]})
    with FakeOpenAIServer(lambda body: '{"answer": "yes", "score": 0.5}') as srv:
        backend_for(srv, cache_dir=tmp_path).generate(convs(1), params, [0])
        again = backend_for(srv, cache_dir=tmp_path)
        (g,) = again.generate(convs(1), params, [0])
        assert g.meta["cached"] is True and g.meta["schema_constrained"] is True and g.meta["schema_dialect"] == "openai"
        again.generate(convs(1), other, [0])
        assert again.stats["cache_hits"] == 1 and srv.request_count == 2


def test_sampling_params_record_a_schema_by_digest():
    a = SamplingParams(temperature=0.0).with_schema(SCHEMA)
    b = SamplingParams(temperature=0.0).with_schema(json.loads(json.dumps(SCHEMA, sort_keys=True)))
    assert a.to_dict()["json_schema"].startswith("sha256:") and a.to_dict() == b.to_dict()
    assert "json_schema" not in SamplingParams().to_dict()
    assert a == b and a != SamplingParams(temperature=0.0) and hash(a) == hash(SamplingParams(temperature=0.0))
    with pytest.raises(ValueError, match="json_schema"):
        SamplingParams(json_schema="{}")  # type: ignore[arg-type]


def test_vllm_requests_carry_structured_outputs_only_when_asked():
    plain = sampling_kwargs(SamplingParams(temperature=0.5, max_new_tokens=7), 3, [2])
    assert "structured_outputs" not in plain
    assert plain["max_tokens"] == 7 and plain["seed"] == 3 and plain["stop_token_ids"] == [2] and plain["logprobs"] == 0
    constrained = sampling_kwargs(SamplingParams(temperature=0.5, max_new_tokens=7).with_schema(SCHEMA), 3, [2])
    assert constrained["structured_outputs"] == {"json": SCHEMA}
    assert {k: v for k, v in constrained.items() if k != "structured_outputs"} == plain


def test_fit_to_schema_always_gives_an_instance_and_keeps_valid_parts():
    rng = random.Random(0)
    junk = [None, 3, "x", [], {"answer": 1}, {"answer": "yes", "extra": 1}, {"score": -2.0}, {"score": True}]
    for value in junk + [{"answer": rng.choice(["yes", "no", "?"]), "score": rng.uniform(-1, 2)} for _ in range(50)]:
        fitted = fit_to_schema(value, SCHEMA)
        assert schema_errors(fitted, SCHEMA) == [], (value, fitted)
    assert fit_to_schema({"answer": "no", "score": 0.5}, SCHEMA) == {"answer": "no", "score": 0.5}
    assert schema_errors({"answer": "no", "score": 0.5, "x": 1}, SCHEMA) == ["$: unexpected key 'x'"]
    assert schema_errors({"score": True}, SCHEMA)[0] == "$: missing required 'answer'"


@pytest.mark.parametrize("formats,valid", [(("json_schema",), 1.0), ((), 0.0)])
def test_perception_eval_reports_the_judges_valid_json_and_constrained_rates(tmp_path, formats, valid):
    from pathlib import Path

    from typer.testing import CliRunner

    from protod.cli import app

    root = Path(__file__).parents[1]
    out = tmp_path / "eval.json"
    with FakeOpenAIServer(lambda body: "I think it probes {concerns: maybe", response_formats=formats) as srv:
        r = CliRunner().invoke(app, ["perception", "eval", "--corpus", str(root / "data" / "perception"), "--split", "dev",
                                     "--limit", "4", "--simulator", "cus-llm", "--sim-model",
                                     f"openai:fake-model@{srv.base_url}", "--max-retries", "0", "--json", str(out)])
    assert r.exit_code == 0, r.output
    record = json.loads(out.read_text())
    assert record["judge_valid_rate"] == valid and record["judge_first_try_valid_rate"] == valid
    assert record["judge_schema_constrained_rate"] == valid
    assert "schema-constrained calls" in r.output

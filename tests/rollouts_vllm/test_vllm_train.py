"""SI-AVPO with vLLM rollouts: `protod train` with rollout_engine: vllm, two steps, then a resume.

The engine samples every rollout and records the behaviour log-probs; the trainer recomputes them in its update, and
the log's behaviour_logprob_gap is the difference (fp32 on both sides: float noise). After every optimizer step the
new (LoRA-merged) weights are pushed into the running engine: the test compares the engine's log-probs with the
trainer's model after a step, and checks that the step moved them (so a stale engine could not pass).
"""

import json
import math

import pytest
import torch
import yaml
from typer.testing import CliRunner

from protod.backends.base import SamplingParams
from protod.cli import app
from tests.rollouts_vllm.conftest import forward_logprobs, requires_vllm

pytestmark = requires_vllm

PROBE = [{"role": "system", "content": "You are calling a restaurant owner about a delivery platform."},
         {"role": "user", "content": "Hello? Who is this?"}]


def _probe_gap(engine, model):
    """(engine greedy log-probs on PROBE, largest |engine - model| over those tokens)."""
    g = engine.generate([PROBE], SamplingParams(temperature=0.0, max_new_tokens=12), [0])[0]
    assert g.ok and g.token_ids
    with torch.no_grad():
        mine = forward_logprobs(model, engine.renderer.render(PROBE, True).ids, g.token_ids)
    return torch.tensor(g.logprobs), (mine - torch.tensor(g.logprobs)).abs().max().item()


def test_two_siavpo_steps_with_vllm_rollouts_then_resume(tmp_path, short_pack):
    config = {"algo": "siavpo", "scenario": short_pack[3], "model": "tiny-random", "tiny_init_range": 0.3,
              "personas_per_step": 2, "group_size": 2, "max_new_tokens": 6, "max_steps": 2, "save_every": 1,
              "lr": 5e-2, "rollout_engine": "vllm", "vllm_kv_cache_gb": 0.25}
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(config))
    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["train", "--config", str(tmp_path / "cfg.yaml"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert [rec["step"] for rec in log] == [1, 2]
    for rec in log:  # step 2 sampled from the weights pushed after step 1: a stale engine would show here
        assert rec["dialogues"] == 4 and rec["agent_tokens"] > 0
        assert math.isfinite(rec["behaviour_logprob_gap"]) and 0 <= rec["behaviour_logprob_gap"] < 1e-3, rec
        assert rec["behaviour_logprob_gap_max"] < 1e-2, rec
    assert (out / "rollout-policy" / "model.safetensors").is_file() and (out / "checkpoint-2").is_dir()

    # Resume: the engine starts from checkpoint-2's weights (not the initial ones), and follows step 3's update.
    from protod.backends.vllm_backend import VLLMBackend
    from protod.train.config import TrainConfig
    from protod.train.trainer import Trainer

    tr = Trainer(TrainConfig(**(config | {"max_steps": 3})), out, resume=True)
    assert tr.step == 2 and isinstance(tr.rollout_backend, VLLMBackend)
    engine = tr.rollout_backend
    before, gap = _probe_gap(engine, tr.model)
    assert gap < 1e-4
    with tr._initial_policy() as initial:
        assert _probe_gap(engine, initial)[1] > 1e-2  # two steps did move the policy: the engine has the resumed one
    (rec,) = tr.train()
    assert rec["step"] == 3 and rec["behaviour_logprob_gap"] < 1e-3
    after, gap = _probe_gap(engine, tr.model)
    assert gap < 1e-4  # weight sync: the engine's log-probs are the trained model's after the step
    assert len(after) != len(before) or (after - before).abs().max() > 1e-3  # and the step changed them
    print(f"\nvLLM rollouts, tiny model fp32: behaviour/trainer log-prob gap per step "
          f"{[r['behaviour_logprob_gap'] for r in log] + [rec['behaviour_logprob_gap']]} (max "
          f"{max(r['behaviour_logprob_gap_max'] for r in log + [rec]):.1e}); engine start {engine.start_seconds:.1f} s")

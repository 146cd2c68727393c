"""The trainer on tiny random models: configs, alignment, masks, SFT, GRPO on a toy preference, resume."""

import json
from pathlib import Path

import pytest
import torch

from protod.agent.llm import LLMAgent
from protod.agent.views import deployable_messages, observe
from protod.backends.base import SamplingParams
from protod.user.persona import PersonaSampler
from protod.run.rollout import run_episodes
from protod.world import load_scenario
from protod.train.config import TrainConfig, load_config
from protod.train.sequences import build_sequence, state_deltas
from protod.train.trainer import Trainer

CONFIGS = Path(__file__).parents[1] / "configs"


@pytest.fixture(autouse=True)
def _needs_tokenizer(smollm2_tokenizer):
    """Every test here needs the SmolLM2 tokenizer (skips cleanly without the embedded model)."""


def test_config_rejects_unknown_and_mistyped_keys_in_one_line(tmp_path):
    with pytest.raises(ValueError, match=r"tiny-grpo.yaml: lrr: unknown key"):
        load_config(CONFIGS / "tiny-grpo.yaml", ["lrr=1"])
    with pytest.raises(ValueError, match=r"group_size: .*integer"):
        load_config(CONFIGS / "tiny-grpo.yaml", ["group_size=many"])
    cfg = load_config(CONFIGS / "tiny-siavpo.yaml", ["teacher_concerns=random", "clip_high=0.28", "lora=false"])
    assert cfg.teacher_concerns == "random" and cfg.clip_high == 0.28 and cfg.lora is False
    for name in ("tiny-sft", "tiny-grpo", "tiny-siavpo", "tiny-conservative-sft", "smollm2-grpo", "smollm2-siavpo", "qwen3-4b-siavpo"):
        load_config(CONFIGS / f"{name}.yaml")  # every shipped config validates


def _multi_turn_trajectories(pack, trainer, n=2):
    agent = LLMAgent(trainer.backend, params=SamplingParams(temperature=1.0, max_new_tokens=6))
    trajs = run_episodes(pack, agent, PersonaSampler(pack, 0).sample(n), seed=1)
    assert all(len(t.turns) >= 2 for t in trajs)
    return trajs


@pytest.fixture(scope="module")
def siavpo_trainer(tmp_path_factory):
    cfg = load_config(CONFIGS / "tiny-siavpo.yaml")
    return Trainer(cfg, tmp_path_factory.mktemp("siavpo"))


def test_teacher_reads_the_student_tokens_at_its_own_positions(siavpo_trainer):
    tr = siavpo_trainer
    for traj in _multi_turn_trajectories(tr.pack, tr):
        seq = build_sequence(tr.pack, tr.renderer, traj, teacher_concerns=tuple(c.id for c in traj.persona.concerns))
        recorded = [i for t in traj.turns for i in t["agent_tokens"]["ids"]]
        # masks: exactly the sampled agent tokens are trained on, in both views; no prompt or user token
        assert seq.ids[seq.pred_pos + 1].tolist() == recorded == seq.tokens.tolist()
        assert seq.teacher_ids[seq.teacher_pred_pos + 1].tolist() == recorded
        assert len(seq.teacher_ids) > len(seq.ids)  # the privileged prompt is longer, the agent tokens are the same
        # the logits the losses use are the model's logits at those positions
        with torch.no_grad():
            full = tr.model(input_ids=seq.teacher_ids[None]).logits[0]
            kept = tr._teacher_logits([seq])
        torch.testing.assert_close(kept, full[seq.teacher_pred_pos], atol=1e-4, rtol=1e-4)
        assert not kept.requires_grad  # no gradient reaches the teacher
        assert seq.turn.max().item() == len(traj.turns) - 1
        assert len(state_deltas(traj)) == len(traj.turns)


def test_sft_overfits_one_trajectory(tmp_path):
    cfg = load_config(CONFIGS / "tiny-sft.yaml", ["sft_data=[{agent: oracle, dialogues: 1}]", "sft_batch=1", "lr=0.01",
                                                   "max_steps=50", "save_every=100", "lora=false"])
    logs = Trainer(cfg, tmp_path).train()
    assert logs[-1]["sft_loss"] < 0.3 * logs[0]["sft_loss"], [round(x["sft_loss"], 2) for x in logs]


def test_grpo_increases_the_return_of_a_fixed_toy_preference(tmp_path):
    pack = load_scenario("merchant_recruitment").model_copy(update={"turn_budget": 1})  # a one-turn bandit
    cfg = TrainConfig(algo="grpo", model="tiny-random", max_steps=4, personas_per_step=4, group_size=8,
                      max_new_tokens=1, lora=False, lr=3e-3, save_every=100, tiny_vocab="full")  # the toy was set on it
    tr = Trainer(cfg, tmp_path, pack=pack)
    # Make 16 tokens carry most of the mass, and prefer the first 8 of them.
    candidates = torch.arange(1000, 1016)
    with torch.no_grad():
        tr.model.get_input_embeddings().weight[candidates] *= 40
    good = set(candidates[:8].tolist())
    prompts = [tr.renderer.render(deployable_messages(observe(pack, p, (), False)), True).ids
               for p in PersonaSampler(pack, cfg.persona_seed).sample(8)]

    def expected_return():
        with torch.no_grad():
            probs = [torch.softmax(tr.model(input_ids=torch.tensor([ids]), logits_to_keep=1).logits[0, -1], -1) for ids in prompts]
        return torch.stack(probs)[:, candidates[:8]].sum(-1).mean().item()

    before = expected_return()
    tr.reward_fn = lambda t: 1.0 if t.turns[0]["agent_tokens"]["ids"][0] in good else 0.0
    logs = tr.train()
    after = expected_return()
    assert after > before + 0.15, (before, after, [x["reward_mean"] for x in logs])
    assert logs[0]["groups"] == 4 and all(x["dialogues"] == 32 for x in logs)


def test_killed_and_resumed_training_matches_an_uninterrupted_run(tmp_path):
    cfg = load_config(CONFIGS / "tiny-grpo.yaml", ["max_steps=4", "save_every=2", "algo=siavpo", "personas_per_step=2",
                                                    "group_size=2", "max_new_tokens=6"])
    whole = tmp_path / "whole"
    Trainer(cfg, whole).train()
    part = tmp_path / "part"
    def killed_after_step_3(record):
        if record["step"] == 3:
            raise KeyboardInterrupt  # the log line of step 3 is written; its checkpoint is not

    with pytest.raises(KeyboardInterrupt):
        Trainer(cfg, part).train(on_step=killed_after_step_3)
    assert len((part / "train_log.jsonl").read_text().splitlines()) == 3
    resumed = Trainer(cfg, part, resume=True)
    assert resumed.step == 2
    resumed.train()
    a = [json.loads(x) for x in (whole / "train_log.jsonl").read_text().splitlines()]
    b = [json.loads(x) for x in (part / "train_log.jsonl").read_text().splitlines()]
    assert [x["step"] for x in b] == [1, 2, 3, 4]
    for x, y in zip(a, b):
        for key in ("loss", "pg_loss", "aopd_loss", "reward_mean", "agent_tokens"):
            assert x[key] == pytest.approx(y[key], abs=1e-5), (key, x, y)
    from safetensors.torch import load_file

    wa = load_file(whole / "checkpoint-4" / "adapter_model.safetensors")
    wb = load_file(part / "checkpoint-4" / "adapter_model.safetensors")
    for k in wa:
        torch.testing.assert_close(wa[k], wb[k], atol=1e-6, rtol=1e-5)


def test_train_cli_and_the_checkpoint_is_an_agent_at_once(tmp_path):
    from typer.testing import CliRunner

    from protod.cli import app

    out = tmp_path / "run"
    r = CliRunner().invoke(app, ["train", "--config", str(CONFIGS / "tiny-grpo.yaml"), "--out", str(out), "--max-steps", "2"])
    assert r.exit_code == 0, r.output
    log = [json.loads(x) for x in (out / "train_log.jsonl").read_text().splitlines()]
    for key in ("step", "loss", "pg_loss", "aopd_loss", "reward_mean", "acceptance", "kl", "tokens_per_s", "step_s"):
        assert key in log[0]
    ckpt = out / "checkpoint-2"
    r = CliRunner().invoke(app, ["eval", "--agent", f"llm:hf:{ckpt}", "--agent", "oracle", "-n", "2", "-k", "1",
                                 "--max-new-tokens", "4", "--out", str(tmp_path / "ev")])
    assert r.exit_code == 0, r.output
    results = json.loads((tmp_path / "ev" / "eval.json").read_text())["results"]
    assert results[0]["agent"] == f"llm:hf:{ckpt}" and results[0]["n_dialogues"] == 2
    import yaml

    assert yaml.safe_load((out / "config.yaml").read_text())["algo"] == "grpo"  # the resolved config
    r = CliRunner().invoke(app, ["train", "--config", str(CONFIGS / "tiny-grpo.yaml"), "--out", str(out)])
    assert r.exit_code == 2 and "--resume" in r.output
    r = CliRunner().invoke(app, ["train", "--config", str(CONFIGS / "tiny-grpo.yaml"), "--set", "algo=ppo"])
    assert r.exit_code == 2 and "algo" in r.output

"""The demo: arm comparison statistics (known answers), the pipeline end to end at tiny sizes, README from summary."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

import pytest

from protod.eval.ablation import (
    arm_acceptance, flip_share, intervals_separate, paired_difference, seed_spread, user_scores,
)
from protod.eval.passk import min_detectable_difference

ROOT = Path(__file__).resolve().parents[1]


def _rec(pid: str, accepted: bool, status: str = "ok") -> dict:
    return {"persona": {"id": pid}, "decision": "accept" if accepted else "reject", "status": status}


def test_user_scores_group_by_user_and_skip_errors():
    recs = [_rec("a", True), _rec("a", False), _rec("b", True), _rec("b", True, status="error")]
    assert user_scores(recs) == {"a": [1.0, 0.0], "b": [1.0]}


def test_arm_acceptance_pools_seeds_by_user():
    # seed 0: user a 1/2, user b 0/2; seed 1: a 2/2, b 1/2 -> user scores a 3/4, b 1/4 -> mean 0.5
    s0 = {"a": [1.0, 0.0], "b": [0.0, 0.0]}
    s1 = {"a": [1.0, 1.0], "b": [1.0, 0.0]}
    acc = arm_acceptance([s0, s1])
    assert acc["acceptance"] == pytest.approx(0.5)
    assert acc["per_seed"] == pytest.approx([0.25, 0.75])
    assert acc["seed_mean"] == pytest.approx(0.5) and acc["seed_std"] == pytest.approx(0.3535534, abs=1e-6)
    assert acc["users"] == 2 and acc["dialogues"] == 8
    assert acc["users_ci"] == [pytest.approx(0.25), pytest.approx(0.75)]  # users only: the two user scores
    assert acc["ci_low"] <= 0.25 and acc["ci_high"] >= 0.75  # seeds resampled too: never narrower here


def test_the_interval_includes_seed_to_seed_variance():
    """Known answer: seed 0 wins every user, seed 1 none. Every user scores 0.5, so a users-only interval is the
    point 0.5, but which seed trained decides everything: resampling seeds gives 1.0 and 0.0 a quarter of the time
    each, so the 95% interval is [0, 1]."""
    users = [f"u{i}" for i in range(30)]
    won, lost = {u: [1.0, 1.0] for u in users}, {u: [0.0, 0.0] for u in users}
    acc = arm_acceptance([won, lost])
    assert acc["acceptance"] == 0.5 and acc["users_ci"] == [0.5, 0.5]
    assert (acc["ci_low"], acc["ci_high"]) == (0.0, 1.0)
    d = paired_difference([won, lost], [{u: [0.5] for u in users}])
    assert d["difference"] == 0.0 and d["users_ci"] == [0.0, 0.0] and (d["ci_low"], d["ci_high"]) == (-0.5, 0.5)
    # seeds that agree add nothing: the interval is the users-only one, up to bootstrap noise
    mixed = {u: [float(i % 3 == 0)] for i, u in enumerate(users)}
    same = arm_acceptance([mixed, mixed, mixed])
    assert same["ci_low"] == pytest.approx(same["users_ci"][0], abs=0.05)
    assert same["ci_high"] == pytest.approx(same["users_ci"][1], abs=0.05)


def test_interval_is_over_users_not_dialogues():
    """Many rollouts of few users must not buy a narrow interval: 4 users, 50 rollouts each, half of them always win."""
    run = {f"u{i}": [float(i % 2)] * 50 for i in range(4)}
    acc = arm_acceptance([run])
    assert acc["ci_high"] - acc["ci_low"] >= 0.5  # dialogue-level Wilson at n=200 would be ~0.14 wide


def test_paired_difference_and_separation():
    a = [{f"u{i}": [1.0] for i in range(40)}]
    b = [{f"u{i}": [float(i < 10)] for i in range(40)}]
    d = paired_difference(a, b)
    assert d["difference"] == pytest.approx(0.75) and d["users"] == 40 and 0.6 < d["ci_low"] < d["ci_high"] <= 0.9
    hi, lo = arm_acceptance(a), arm_acceptance(b)
    assert intervals_separate(hi, lo) and not intervals_separate(lo, hi)
    same = paired_difference(a, a)
    assert same["difference"] == 0 and same["ci_low"] == 0 == same["ci_high"]


def test_noise_floor_known_answers():
    # a paired difference with 95% interval +-0.1 (SE 0.051): 80% power needs 2.80 SE = 0.143
    assert min_detectable_difference(-0.1, 0.1) == pytest.approx(0.14294, abs=1e-5)
    # two independent estimates, each +-0.1: the difference's SE is sqrt(2) times larger
    assert min_detectable_difference(0.4, 0.6, two_estimates=True) == pytest.approx(0.14294 * 2 ** 0.5, abs=1e-5)
    assert min_detectable_difference(0.5, 0.5) == 0.0


def test_flip_share_counts_users_whose_outcome_changes_between_seeds():
    s0 = {"a": [1.0, 1.0], "b": [0.0, 0.0], "c": [1.0, 0.0], "d": [1.0, 1.0]}  # won: a, d (c is a tie: not won)
    s1 = {"a": [1.0, 1.0], "b": [1.0, 1.0], "c": [0.0, 0.0], "d": [0.0, 1.0]}  # won: a, b
    s2 = {"a": [1.0, 1.0], "b": [0.0, 0.0], "c": [0.0, 0.0], "d": [1.0, 1.0]}  # won: a, d
    assert flip_share([s0, s1]) == pytest.approx(0.5)  # b and d flip
    assert flip_share([s0, s1, s2]) == pytest.approx((0.5 + 0.0 + 0.5) / 3)
    assert flip_share([s0]) is None
    assert arm_acceptance([s0, s1])["seed_flips"] == pytest.approx(0.5)


def test_first_probe_targets_compares_with_the_users_own_and_the_prior():
    from protod.eval.probing import first_probe, first_probe_targets
    from protod.user.persona import PersonaSampler, prior_concerns
    from protod.world import load_scenario

    pack = load_scenario("merchant_recruitment")
    people = [p.to_dict() for p in PersonaSampler(pack, 3).sample(12)]
    guess = [prior_concerns(pack, p["traits"], 1)[0] for p in people]
    other = next(c.id for c in pack.concerns if all(c.id not in {x["id"] for x in p["concerns"]} for p in people[:1]))

    def rec(p, *turn_acts):
        return {"persona": p, "turns": [{"acts": list(a)} for a in turn_acts], "status": "ok"}

    own = [rec(p, ["pitch"], [f"probe:{p['concerns'][0]['id']}", f"probe:{other}"]) for p in people]
    prior = [rec(p, [f"probe:{g}"]) for p, g in zip(people, guess)]
    assert first_probe(own[0]) == people[0]["concerns"][0]["id"] and first_probe(rec(people[0], ["pitch"])) is None
    a = first_probe_targets(pack, own + [rec(people[0], ["pitch"])])
    assert a["dialogues"] == 13 and a["probed"] == pytest.approx(12 / 13)
    assert a["first_hits_primary"] == 1.0 and a["first_hits_actual"] == 1.0
    baseline = sum(g == p["concerns"][0]["id"] for p, g in zip(people, guess)) / 12
    assert a["first_hits_prior"] == pytest.approx(baseline)
    b = first_probe_targets(pack, prior)
    assert b["first_hits_prior"] == 1.0 and b["first_hits_primary"] == pytest.approx(baseline)
    assert b["prior_hits_primary"] == pytest.approx(baseline)


def test_a_policy_whose_weights_never_moved_is_the_starting_policy_again(tmp_path):
    """Kendall tau counts distinct policies: an adapter whose LoRA B matrices are all zero computes the start."""
    import numpy as np
    from safetensors.numpy import save_file

    from protod.eval.demo_summary import policy_fingerprint
    from protod.train.checkpoint import STATE_FILE

    def ckpt(where: str, name: str, tensors: dict) -> None:
        d = tmp_path / where / "checkpoint-2"
        d.mkdir(parents=True)
        (d / STATE_FILE).write_bytes(b"x")
        save_file(tensors, str(d / name))

    ckpt("start", "model.safetensors", {"w": np.ones((2, 2), dtype=np.float32)})
    ckpt("train/grpo-s0", "adapter_model.safetensors", {"a.lora_A": np.ones((2, 2), np.float32), "a.lora_B": np.zeros((2, 2), np.float32)})
    ckpt("train/grpo-s1", "adapter_model.safetensors", {"a.lora_A": np.ones((2, 2), np.float32), "a.lora_B": np.full((2, 2), 1e-3, np.float32)})
    start = policy_fingerprint(tmp_path, "start")
    assert policy_fingerprint(tmp_path, "grpo-s0") == start
    assert policy_fingerprint(tmp_path, "grpo-s1") not in (start, policy_fingerprint(tmp_path, "grpo-s0"))


def test_seed_spread():
    assert seed_spread([0.2, 0.4]) == {"mean": pytest.approx(0.3), "std": pytest.approx(0.1414214, abs=1e-6)}
    assert seed_spread([0.5]) == {"mean": 0.5, "std": 0.0}
    assert math.isnan(seed_spread([None, float("nan")])["mean"])  # nothing to average


def test_demo_quick_end_to_end_and_readme_from_summary(tmp_path):
    """The demo pipeline at tiny sizes (the numbers mean nothing; the plumbing must hold): every stage, the summary's
    shape, reuse of finished stages, the report, and README's block rendered from summary.json alone."""
    from typer.testing import CliRunner

    from protod.cli import app
    from protod.eval.demo_summary import README_BEGIN, README_END, results_markdown

    out = tmp_path / "demo"
    r = CliRunner().invoke(app, ["demo", "--quick", "--out", str(out)])
    assert r.exit_code == 0, r.output
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["gap"]["deployable_pass_at_k"]) == {"1", "2"} and "privileged_pass_at_1" in summary["gap"]
    assert set(summary["arms"]) == {"start", "grpo", "siavpo"}
    for arm in ("grpo", "siavpo"):
        a = summary["arms"][arm]
        assert a["policies"] == [f"{arm}-s0"] and len(a["rule"]["per_seed"]) == 1
        assert {"acceptance", "ci_low", "ci_high", "pass_at_k", "probing_rate"} <= set(a["rule"])
        assert len(a["curves"]["reward_mean"]) == summary["plan"]["rl_steps"]
        assert set(a["learned"]) >= {"acceptance", "ci_low"}  # the simulator it never trained on
    assert summary["budget"]["training_dialogues_per_run"] == 8
    assert set(summary["matrix"]) == {"start", "grpo-s0", "siavpo-s0"} and "rule~learned" in summary["kendall_tau"]
    assert summary["headline"]["paired"]["users"] == 4
    assert {"start", "gap", "train", "eval", "gap_train_eval_wall", "workers", "total"} <= set(summary["seconds"])
    assert "then gap, training and evaluation interleaved on 1 worker process," in results_markdown(summary)
    assert summary["hardware"]["device"] == "cpu" and summary["hardware"]["train_step_s"] > 0
    page = (out / "report.html").read_text()
    assert len(page) > 10_000 and "Demo: arms with equal budgets" in page
    demo_section = page.split("Demo: arms with equal budgets", 1)[1].split("<h2>", 1)[0]
    assert demo_section.count('<img alt="figure"') == 1  # the training curves; the gap plot is the report's own, once
    r = CliRunner().invoke(app, ["demo", "--quick", "--out", str(out)])  # finished stages are reused, same numbers
    assert r.exit_code == 0, r.output
    again = json.loads((out / "summary.json").read_text())
    assert again["arms"] == summary["arms"] and again["seconds"]["total"] < summary["seconds"]["total"]

    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{README_BEGIN}\nold\n{README_END}\nafter\n")
    r = CliRunner().invoke(app, ["results", str(out / "summary.json"), "--readme", str(readme)])
    assert r.exit_code == 0, r.output
    text = readme.read_text()
    assert results_markdown(again) in text and "old" not in text and text.endswith("after\n")
    r = CliRunner().invoke(app, ["results", str(tmp_path / "nope.json")])
    assert r.exit_code == 2 and "no such file" in r.output


def test_readme_results_block_is_the_committed_summary():
    """README's Results block is exactly what `protod results` renders from the committed summary."""
    from protod.eval.demo_summary import README_BEGIN, README_END, results_markdown

    summary = json.loads((ROOT / "docs" / "demo-summary.json").read_text())
    readme = (ROOT / "README.md").read_text()
    block = readme.split(README_BEGIN, 1)[1].split(README_END, 1)[0]
    assert block.strip() == results_markdown(summary).strip()


def test_the_demo_starts_from_the_documented_sft_config():
    """configs/tiny-conservative-sft.yaml is the demo's starting policy: the two must not drift apart."""
    from protod.eval.demo_plan import DEFAULT, sft_config
    from protod.train.config import load_config

    documented = load_config(ROOT / "configs" / "tiny-conservative-sft.yaml").model_dump()
    used = sft_config(DEFAULT).model_dump()
    assert {k: v for k, v in documented.items() if k != "save_every"} == {k: v for k, v in used.items() if k != "save_every"}


def test_every_arm_is_a_valid_config_with_the_same_budget():
    from protod.eval.demo_plan import ARMS, FULL, rl_config

    configs = [rl_config(arm, "hf:/start", FULL, 0) for arm in ARMS]
    assert len({(c.max_steps, c.personas_per_step, c.group_size, c.lr, c.max_new_tokens) for c in configs}) == 1
    assert rl_config("siavpo_random", "hf:/start", FULL, 0).teacher_concerns == "random"
    assert rl_config("siavpo_prior", "hf:/start", FULL, 0).teacher_concerns == "prior"  # not "none": a no-op


def test_the_smollm2_plan_trains_lora_from_the_embedded_model():
    from protod.eval.demo_plan import SMOLLM2, rl_config

    for arm in SMOLLM2.arms:
        cfg = rl_config(arm, "smollm2", SMOLLM2, 0)
        assert cfg.model == "smollm2" and cfg.lora and cfg.max_steps == SMOLLM2.rl_steps
        assert cfg.rollout_batch == SMOLLM2.batch_size  # the plan's batch reaches the RL rollouts too
    assert SMOLLM2.eval_n >= 96


def test_demo_rejects_bad_options():
    from typer.testing import CliRunner

    from protod.cli import app

    r = CliRunner().invoke(app, ["demo", "--model", "gpt5"])
    assert r.exit_code == 2 and "--model" in r.output
    r = CliRunner().invoke(app, ["demo", "--quick", "--full"])
    assert r.exit_code == 2 and "pick one" in r.output
    r = CliRunner().invoke(app, ["demo", "--quick", "--second-simulator", "cus-llm"])
    assert r.exit_code == 2 and "--second-simulator: expected one of learned, semantic, none" in r.output


def test_demo_refuses_a_bad_device_before_any_stage(tmp_path):
    import torch
    from typer.testing import CliRunner

    from protod.cli import app

    out = tmp_path / "demo"
    r = CliRunner().invoke(app, ["demo", "--quick", "--device", "gpu0", "--out", str(out)])
    assert r.exit_code == 2 and "device 'gpu0'" in r.output and "Traceback" not in r.output
    if not torch.cuda.is_available():
        r = CliRunner().invoke(app, ["demo", "--quick", "--device", "cuda", "--out", str(out)])
        assert r.exit_code == 2 and "no CUDA device" in r.output
    assert not out.exists()


def test_demo_makes_its_second_simulator_before_training(tmp_path, monkeypatch):
    """A second simulator that cannot be made (its model not installed) fails the demo at once, not after the SFT
    and the training runs."""
    from typer.testing import CliRunner

    import protod.user.simulator as simulator
    from protod.backends.base import BackendError
    from protod.cli import app

    made = simulator.make_simulator

    def make(name, pack, *args, **kwargs):
        if name == "learned":  # the default second simulator
            raise BackendError("learned perception needs the packaged MiniLM model")
        return made(name, pack, *args, **kwargs)

    monkeypatch.setattr(simulator, "make_simulator", make)
    out = tmp_path / "demo"
    r = CliRunner().invoke(app, ["demo", "--quick", "--out", str(out)])
    assert r.exit_code == 2 and "MiniLM" in r.output
    assert not (out / "start").exists()
    # the semantic simulator, asked for by name, is the one made (and recorded in the plan)
    asked = []

    def second(name, pack, *args, **kwargs):
        asked.append(name)
        if name != "rule":
            raise BackendError(f"not making {name} in this test")
        return made(name, pack, *args, **kwargs)

    monkeypatch.setattr(simulator, "make_simulator", second)
    r = CliRunner().invoke(app, ["demo", "--quick", "--second-simulator", "semantic", "--out", str(tmp_path / "d2")])
    assert r.exit_code == 2 and asked == ["rule", "semantic"] and "not making semantic" in r.output, (asked, r.output)
    assert json.loads((tmp_path / "d2" / "plan.json").read_text())["second_simulator"] == "semantic"


def test_a_demo_directory_holds_one_plan(tmp_path):
    """Reusing stages trained under another plan would mix budgets: refused, naming what differs."""
    from typer.testing import CliRunner

    from protod.cli import app
    from protod.eval.demo_plan import DEFAULT

    out = tmp_path / "demo"
    out.mkdir()
    (out / "plan.json").write_text(json.dumps({**json.loads(json.dumps(asdict(DEFAULT))), "rl_steps": 99}))
    r = CliRunner().invoke(app, ["demo", "--out", str(out)])
    assert r.exit_code == 2 and "another plan" in r.output and "rl_steps" in r.output

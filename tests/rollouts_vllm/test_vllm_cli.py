"""`vllm:<dir>` wherever the CLI takes a model: the agent of simulate / eval / gap and the LLM simulators' model.

Short packs keep it cheap (a random model never writes a valid state block, so an LLM simulator turn is 3 attempts
of 160 tokens); every command shares the suite's one tiny engine (a local backend is loaded once per process,
whatever endpoint options a command passes).
"""

import json

from typer.testing import CliRunner

from protod.cli import app
from tests.rollouts_vllm.conftest import requires_vllm

pytestmark = requires_vllm


def _trajectories(run_dir):
    found = [json.loads(line) for p in sorted(run_dir.rglob("trajectories.jsonl")) for line in p.read_text().splitlines()]
    assert found, f"no trajectories under {run_dir}"
    return found


def _invoke(args):
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    return r


def test_simulate_eval_and_gap_take_vllm_specs_for_agent_and_simulator(tmp_path, tiny_dir, tiny_engine, short_pack):
    spec = f"vllm:{tiny_dir}"
    # simulate: the agent and the role-playing user both come from the engine
    _invoke(["simulate", "-s", short_pack[1], "--agent", f"llm:{spec}", "--simulator", "prompted", "--sim-model", spec,
             "-n", "1", "--max-new-tokens", "6", "--out", str(tmp_path / "sim")])
    (traj,) = _trajectories(tmp_path / "sim")
    assert traj["agent"] == f"llm:{spec}:deployable" and traj["simulator"] == "prompted"
    for turn in traj["turns"]:
        assert turn["agent_meta"]["model"] == spec and 0 < len(turn["agent_tokens"]["ids"]) <= 6
        assert len(turn["agent_tokens"]["logprobs"]) == len(turn["agent_tokens"]["ids"])
        assert turn["sim_meta"]["state"]["model"] == spec and turn["sim_meta"]["state"]["attempts"] >= 1

    # eval: an engine agent beside a scripted one; the simulator model spec is accepted and loaded (the same engine)
    _invoke(["eval", "-s", short_pack[2], "--agent", f"llm:{spec}", "--agent", "prober", "--simulator", "rule",
             "--sim-model", spec, "-n", "2", "-k", "2", "--max-new-tokens", "6", "--out", str(tmp_path / "eval")])
    report = json.loads((tmp_path / "eval" / "eval.json").read_text())
    assert {r["agent"] for r in report["results"]} == {f"llm:{spec}", "prober"}
    llm = [t for t in _trajectories(tmp_path / "eval" / "runs") if t["agent"].startswith("llm:")]
    assert len(llm) == 4 and all(turn["agent_meta"]["model"] == spec for t in llm for turn in t["turns"])

    # gap: both views of the one engine model
    _invoke(["gap", "-s", short_pack[2], "--model", spec, "-n", "2", "--k", "1,2", "--max-new-tokens", "6",
             "--out", str(tmp_path / "gap")])
    gap = json.loads((tmp_path / "gap" / "gap.json").read_text())
    assert set(gap["deployable_pass_at_k"]) == {"1", "2"}
    views = {t["view"] for t in _trajectories(tmp_path / "gap")}
    assert views == {"deployable", "privileged"}

    from protod.backends import _LOADED

    assert [b for b in _LOADED.values() if b.name == spec] == [tiny_engine]  # one engine served every command

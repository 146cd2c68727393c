"""The episode engine's files: flushed per dialogue, resumable, identical to an uninterrupted run."""

import json

import pytest

from protod.agent.registry import make_scripted_agent
from protod.user.persona import PersonaSampler
from protod.run.rollout import Trajectory, make_episodes, run_episodes
from protod.run.trajectories import RunMismatch, read_trajectories, simulate_to_dir


class Crash(Exception):
    pass


def _episodes(pack, n=40, seed=0):
    return make_episodes(PersonaSampler(pack, seed).sample(n))


def test_results_arrive_in_input_order_and_round_trip(pack):
    eps = make_episodes(PersonaSampler(pack, 0).sample(10), rollouts=3)
    seen = []
    trajs = run_episodes(pack, make_scripted_agent("prober"), eps, batch_size=7, on_done=seen.append)
    assert [t.episode_id for t in trajs] == [e.id for e in eps] == [t.episode_id for t in seen]
    for t in trajs:
        assert Trajectory.from_dict(json.loads(json.dumps(t.to_dict()))).to_dict() == t.to_dict()
    # rollouts of one persona (a group) are different dialogues
    group = [t for t in trajs if t.persona.index == 0]
    assert len(group) == 3 and len({json.dumps(t.turns) for t in group}) >= 1


def test_trajectory_records_every_turn(tmp_path, pack):
    simulate_to_dir(pack, make_scripted_agent("oracle"), _episodes(pack, 6), tmp_path, seed=0)
    rec = read_trajectories(tmp_path / "trajectories.jsonl")[0]
    assert rec["schema_version"] == 1 and rec["status"] == "ok"
    assert rec["decision"] in {"accept", "reject", "hang_up", "timeout"}
    turn = rec["turns"][0]
    assert {"turn", "agent", "user", "acts", "events", "state"} <= set(turn)
    assert {"stance", "trust", "patience", "concerns", "decision"} <= set(turn["state"])
    assert rec["final_state"] == rec["turns"][-1]["state"]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    for key in ("n", "acceptance_rate", "mean_turns", "concern_discovery_rate", "concern_resolution_rate", "hangup_rate"):
        assert key in metrics
    assert metrics["run"]["config"] == {} and "python" in metrics["run"]["versions"]


def test_killed_run_resumed_equals_uninterrupted(tmp_path, pack):
    eps = _episodes(pack, 40, seed=3)
    agent = make_scripted_agent("random")
    whole = tmp_path / "whole"
    simulate_to_dir(pack, agent, eps, whole, seed=3, batch_size=8)

    part = tmp_path / "part"
    count = 0

    def crash_after_17(_traj):
        nonlocal count
        count += 1
        if count == 17:
            raise Crash()

    with pytest.raises(Crash):
        simulate_to_dir(pack, agent, eps, part, seed=3, batch_size=8, on_done=crash_after_17)
    assert len(read_trajectories(part / "trajectories.jsonl")) == 17  # nothing written was lost
    # a torn final line, as a kill mid-write leaves it
    with (part / "trajectories.jsonl").open("a") as fh:
        fh.write('{"schema_version": 1, "id": "trunc')
    metrics = simulate_to_dir(pack, agent, eps, part, seed=3, batch_size=8, resume=True)
    assert metrics["resumed_from"] == 17 and metrics["n"] == 40
    assert (part / "trajectories.jsonl").read_bytes() == (whole / "trajectories.jsonl").read_bytes()


def test_resume_refuses_a_different_run_and_overwrite_is_explicit(tmp_path, pack):
    eps = _episodes(pack, 5)
    simulate_to_dir(pack, make_scripted_agent("passive"), eps, tmp_path, seed=0)
    with pytest.raises(RunMismatch, match="already exists"):
        simulate_to_dir(pack, make_scripted_agent("passive"), eps, tmp_path, seed=0)
    with pytest.raises(RunMismatch, match="agent=passive"):
        simulate_to_dir(pack, make_scripted_agent("oracle"), eps, tmp_path, seed=0, resume=True)
    with pytest.raises(RunMismatch, match="seed=0"):
        simulate_to_dir(pack, make_scripted_agent("passive"), eps, tmp_path, seed=1, resume=True)
    m = simulate_to_dir(pack, make_scripted_agent("oracle"), eps, tmp_path, seed=0, overwrite=True)
    assert m["n"] == 5 and m["resumed_from"] == 0


def test_corrupt_line_in_the_middle_is_an_error(tmp_path):
    path = tmp_path / "trajectories.jsonl"
    path.write_text('{"a": 1}\nnot json\n{"b": 2}\n')
    with pytest.raises(ValueError, match=r"trajectories.jsonl:2"):
        read_trajectories(path, repair=True)


def test_sigkilled_cli_run_resumes_to_the_same_file(tmp_path):
    """A real kill -9 of `protod simulate` mid-run, then --resume: exactly N dialogues, identical file."""
    import os
    import signal
    import subprocess
    import sys
    import time

    def cmd(out, *extra):
        return [sys.executable, "-m", "protod.cli", "simulate", "--agent", "prober", "-n", "3000", "--seed", "5",
                "--batch-size", "4", "--out", str(out), *extra]

    whole, part = tmp_path / "whole", tmp_path / "part"
    subprocess.run(cmd(whole), check=True, capture_output=True)
    proc = subprocess.Popen(cmd(part), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    path = part / "trajectories.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline and (not path.exists() or path.stat().st_size < 50_000):
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    written = path.read_bytes().count(b"\n")
    assert 0 < written < 3000, "the kill should land mid-run"
    subprocess.run(cmd(part, "--resume"), check=True, capture_output=True)
    assert path.read_bytes() == (whole / "trajectories.jsonl").read_bytes()

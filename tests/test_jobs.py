"""protod.run.jobs: dependencies and priorities hold, two workers really run side by side, a failure stops the rest."""

import json
import os
import time

import pytest

from protod.run.jobs import Job, default_workers, run_jobs


def record(log: str, name: str, sleep: float = 0.0, threads: int = 0) -> dict:
    """A job: appends when it started and ended, in which process, with how many threads it was given."""
    start = time.time()
    time.sleep(sleep)
    with open(log, "a", encoding="utf-8") as f:
        f.write(json.dumps({"name": name, "start": start, "end": time.time(), "pid": os.getpid(), "threads": threads}) + "\n")
    return {"seconds": round(time.time() - start, 3), "name": name}


def fail(threads: int = 0) -> dict:
    raise RuntimeError("this job fails")


def _read(log):
    return {r["name"]: r for r in map(json.loads, open(log, encoding="utf-8"))}


def test_in_process_order_follows_dependencies_then_priority(tmp_path):
    log = str(tmp_path / "log.jsonl")
    jobs = [Job("eval a", record, (log, "eval a"), needs="train a", priority=2),
            Job("train a", record, (log, "train a")),
            Job("gap", record, (log, "gap"), priority=1),
            Job("train b", record, (log, "train b"))]
    seen = []
    results = run_jobs(jobs, 1, lambda name, r: seen.append(name))
    assert seen == ["train a", "train b", "gap", "eval a"]
    assert set(results) == {"train a", "train b", "gap", "eval a"} and results["gap"]["name"] == "gap"
    assert {r["pid"] for r in _read(log).values()} == {os.getpid()}


def test_two_workers_run_side_by_side_and_a_dependent_waits(tmp_path):
    log = str(tmp_path / "log.jsonl")
    jobs = [Job("a", record, (log, "a", 1.0)), Job("b", record, (log, "b", 1.0)),
            Job("after a", record, (log, "after a", 0.0), needs="a")]
    run_jobs(jobs, 2)
    got = _read(log)
    assert got["a"]["pid"] != got["b"]["pid"] != os.getpid()
    assert got["a"]["start"] < got["b"]["end"] and got["b"]["start"] < got["a"]["end"]  # overlapped
    assert got["after a"]["start"] >= got["a"]["end"]
    assert got["a"]["threads"] == max(1, (os.cpu_count() or 1) // 2)


def test_a_failing_job_stops_the_others_and_is_raised(tmp_path):
    log = str(tmp_path / "log.jsonl")
    jobs = [Job("slow", record, (log, "slow", 30.0)), Job("bad", fail, ()), Job("never", record, (log, "never"), needs="bad")]
    t = time.time()
    with pytest.raises(RuntimeError, match="this job fails"):
        run_jobs(jobs, 2)
    assert time.time() - t < 20  # the 30-second job was stopped, not waited for
    assert not os.path.exists(log) or "never" not in _read(log)


def test_bad_graphs_are_refused(tmp_path):
    log = str(tmp_path / "log.jsonl")
    with pytest.raises(ValueError, match="not jobs"):
        run_jobs([Job("a", record, (log, "a"), needs="b")], 1)
    with pytest.raises(ValueError, match="wait on each other"):
        run_jobs([Job("a", record, (log, "a"), needs="b"), Job("b", record, (log, "b"), needs="a")], 1)
    with pytest.raises(ValueError, match="duplicate"):
        run_jobs([Job("a", record, (log, "a")), Job("a", record, (log, "a"))], 1)
    assert default_workers(5, 1) == 1 and default_workers(1) == 1 and default_workers(9, 4) == 4

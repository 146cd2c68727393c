"""A few CPU-bound jobs (training runs, evaluation cells) with simple dependencies, on worker processes.

Why processes: the demo's tiny policies use one core poorly (small matrices, Python between them), so two single-
threaded jobs finish in about the time of one two-threaded job. Why one queue for every stage: a stage of 9 runs on 2
workers leaves a core idle for its last run; with the gap and the evaluation cells in the same queue (each cell waits
only for its own policy), the workers stay busy until the end.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Job:
    """`fn(*args, threads=T)` -> a dict with at least "seconds". `fn` is a module-level function (a spawned worker
    imports it). `needs`: the job that must have finished first. Among ready jobs the lowest `priority` goes first
    (long jobs first keeps the last minutes from running on one worker)."""

    name: str
    fn: Callable[..., dict[str, Any]]
    args: tuple[Any, ...]
    needs: str | None = None
    priority: int = 0


def default_workers(jobs: int, asked: int = 0) -> int:
    """`asked` processes (0: one per core, at most 2), never more than there are jobs."""
    if asked:
        return max(1, min(asked, jobs))
    return max(1, min(2, os.cpu_count() or 1, jobs))


def run_jobs(jobs: list[Job], workers: int, on_done: Callable[[str, dict[str, Any]], None] = lambda n, r: None) -> dict[str, dict[str, Any]]:
    """Run every job once its dependency has finished; returns name -> result. One worker: in this process, in
    order of readiness and priority (threads left as they are). Several: spawned processes with an equal share of
    the cores' threads each. A failure (or Ctrl-C) stops every worker and is raised."""
    names = [j.name for j in jobs]
    if len(set(names)) != len(names):
        raise ValueError(f"run_jobs: duplicate job names in {names}")
    missing = sorted({j.needs for j in jobs if j.needs is not None} - set(names))
    if missing:
        raise ValueError(f"run_jobs: jobs wait on {missing}, which are not jobs")
    pending = list(jobs)
    done: dict[str, dict[str, Any]] = {}

    def next_ready() -> Job | None:
        ready = [j for j in pending if j.needs is None or j.needs in done]
        if not ready:
            return None
        job = min(ready, key=lambda j: j.priority)  # min is stable: submission order breaks ties
        pending.remove(job)
        return job

    if workers <= 1:
        while (job := next_ready()) is not None:
            done[job.name] = job.fn(*job.args, threads=0)
            on_done(job.name, done[job.name])
        if pending:
            raise ValueError(f"run_jobs: {[j.name for j in pending]} wait on each other")
        return done
    import multiprocessing

    threads = max(1, (os.cpu_count() or 1) // workers)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init)
    running: dict[Future[dict[str, Any]], Job] = {}
    try:
        while pending or running:
            while len(running) < workers and (job := next_ready()) is not None:
                running[pool.submit(job.fn, *job.args, threads=threads)] = job
            if not running:
                raise ValueError(f"run_jobs: {[j.name for j in pending]} wait on each other")
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished:
                job = running.pop(fut)
                done[job.name] = fut.result()
                on_done(job.name, done[job.name])
    except BaseException:
        # Ctrl-C, SIGTERM or one job's failure: stop every worker now (a training run keeps its last checkpoint, an
        # evaluation cell its finished dialogues); waiting for them would leave processes running after we exit
        _stop_workers(pool)
        raise
    pool.shutdown(wait=True)
    return done


def _worker_init() -> None:
    """In each worker: Ctrl-C goes to the parent, which stops the workers (no traceback from each); and a worker dies
    with its parent, even one killed with SIGKILL (Linux: PR_SET_PDEATHSIG)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: Ctrl-C and SIGTERM still stop the workers through the parent
        pass
    if os.getppid() == 1:  # the parent died before the line above ran
        os._exit(1)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=10)
        if p.is_alive():
            p.kill()
            p.join(timeout=5)

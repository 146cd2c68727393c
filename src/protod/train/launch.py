"""`protod train --nproc N`: start N ranks on this machine and fail like one process.

torchrun works (every rank runs the same command), but when a rank fails it adds its own report that no rank can
suppress: a Python traceback, a `ChildFailedError` box and exit 1. This launcher is the single-node case without
that: it starts the ranks itself with the variables torchrun would set, and

- a rank that fails stops the others at once (SIGUSR1: they stop without a word, since the failing rank has said
  why), and the launcher exits with that rank's code (2 for an error the user can fix);
- Ctrl-C reaches every rank (one process group); rank 0 prints where it stopped and how to resume, the launcher
  waits for all of them and exits 130; SIGTERM to the launcher is passed on the same way;
- a rank dies with the launcher, even one killed with SIGKILL (Linux: PR_SET_PDEATHSIG), so no rank is left behind.

For several nodes use torchrun (README "Scaling out").
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

# A rank asked to stop (after another rank failed, or by Ctrl-C) gets this long to exit before it is killed.
GRACE_S = 10.0
# A rank other than 0 that exits 2 may have kept quiet about an error rank 0 is about to print: it gets this long.
SPEAK_S = 3.0
LAUNCHED = "PROTOD_LAUNCHED_NPROC"  # set in each rank: how many the launcher started (the resume hint repeats it)
# A rank's exit code when it stopped because another rank vanished (a collective failed: "Connection closed by
# peer"): it says nothing, and the launcher reports the rank that failed first instead.
PEER_LOST = 3


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the ranks' rendezvous)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rank_env(base: dict[str, str], rank: int, nproc: int, port: int) -> dict[str, str]:
    """The environment of rank `rank` of `nproc` on this machine: what torchrun --standalone sets."""
    return {**base, "WORLD_SIZE": str(nproc), "RANK": str(rank), "LOCAL_RANK": str(rank),
            "LOCAL_WORLD_SIZE": str(nproc), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port),
            "TORCHELASTIC_RUN_ID": "protod", LAUNCHED: str(nproc)}


def _die_with_parent() -> None:
    """In each rank, before exec: SIGTERM when the launcher dies (it then stops like on Ctrl-C, keeping its files)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: Ctrl-C and SIGTERM still reach the ranks through the launcher
        pass


def launch(train_args: Sequence[str], nproc: int) -> int:
    """Run `protod train TRAIN_ARGS` as `nproc` ranks; returns the exit code for the launcher (0, the first failed
    rank's code, or 130 when interrupted). A rank killed by a signal the launcher did not send is a ValueError."""
    port = free_port()
    command = [sys.executable, "-m", "protod.cli", "train", *train_args]
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))}
    procs = [subprocess.Popen(command, env=rank_env(env, r, nproc, port), preexec_fn=_die_with_parent)
             for r in range(nproc)]
    interrupted: list[int] = []

    def forward(signum: int, frame: object) -> None:
        interrupted.append(signum)
        if signum == signal.SIGTERM:  # Ctrl-C already reached the ranks (same process group); SIGTERM did not
            _signal_all(procs, signal.SIGTERM)

    old = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    stopped: set[int] = set()  # ranks the launcher itself stopped: their exit says nothing about the failure
    try:
        failed = _wait_first_failure(procs)
        if failed is not None and not interrupted:
            if failed[0] != 0 and failed[1] > 0:
                _wait_all(procs, SPEAK_S)  # an error every rank hits: rank 0 says it and exits by itself
            stopped = {r for r, p in enumerate(procs) if p.poll() is None}
            _signal_all(procs, signal.SIGUSR1)  # the others stop quietly: the failed rank (or the launcher) says why
        _reap(procs)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    if interrupted:
        return 130
    if failed is None:
        return 0
    rank, code = _cause(procs, stopped)
    if code < 0:
        name = signal.Signals(-code).name
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        raise ValueError(f"rank {rank} was killed by {name}{hint}; the other ranks were stopped; the last checkpoint "
                         "in --out is intact (continue with --resume)")
    if code == PEER_LOST:
        raise ValueError("the ranks lost contact with each other; the last checkpoint in --out is intact (continue "
                         "with --resume)")
    return code


def _cause(procs: list[subprocess.Popen], stopped: set[int]) -> tuple[int, int]:
    """The failure to report: of the ranks the launcher did not stop, a rank killed by a signal first, then one that
    exited with an error (which it printed), and a rank that only lost its peers last."""
    failures = [(r, p.returncode) for r, p in enumerate(procs) if r not in stopped and p.returncode not in (0, None)]
    rank_of = lambda rc: 0 if rc < 0 else 2 if rc == PEER_LOST else 1  # noqa: E731
    return min(failures, key=lambda f: (rank_of(f[1]), f[0]))


def _wait_first_failure(procs: list[subprocess.Popen]) -> tuple[int, int] | None:
    """Wait until every rank has exited 0 (None) or one has failed: (its rank, its exit code)."""
    while True:
        running = False
        for rank, p in enumerate(procs):
            code = p.poll()
            if code is None:
                running = True
            elif code != 0:
                return rank, code
        if not running:
            return None
        time.sleep(0.1)


def _wait_all(procs: list[subprocess.Popen], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(p.poll() is None for p in procs):
        time.sleep(0.05)


def _signal_all(procs: list[subprocess.Popen], signum: int) -> None:
    for p in procs:
        if p.poll() is None:
            try:
                p.send_signal(signum)
            except ProcessLookupError:
                pass


def _reap(procs: list[subprocess.Popen]) -> None:
    """Wait for every rank; one still running after GRACE_S is killed (a rank stuck in a collective)."""
    deadline = time.monotonic() + GRACE_S
    for p in procs:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

"""Several ranks fail like one process (issue 25): `protod train` under the real torchrun, 2 processes on gloo (CPU).

What a user sees when every rank exits 2: our one `error:` line (rank 0 prints it, the other ranks keep quiet), then
torchrun's own report, which no child can suppress: an `E ... failed (exitcode: 2) local_rank: N` log line
(sometimes a `W ... Sending process N closing signal SIGTERM` line before it), torchrun's Python traceback ending in
`torch.distributed.elastic.multiprocessing.errors.ChildFailedError`, and a `protod.cli FAILED` box listing each
rank's exit code; torchrun itself exits 1. The tests assert our line appears exactly once, every traceback frame is
torchrun's (none from protod), the root cause torchrun names exited 2, and nothing was trained.

Each case is one torchrun launch (about 4-5 s on an idle 2-core machine: two interpreters importing torch and
protod); the different-settings cases also join a gloo process group, which they must to compare settings.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from importlib.util import find_spec
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
TINY_SFT = ROOT / "configs" / "tiny-sft.yaml"
TINY_GRPO = ROOT / "configs" / "tiny-grpo.yaml"
# The 20 s, stretched on a machine busier than its cores (the shared test machines run other suites at once).
BOUND_S = min(90.0, 20.0 * max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1)))
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]

# Ranks started with different command lines, as on two nodes whose copies of a config differ: torchrun starts
# this script on every rank, and it becomes `protod train` with that rank's arguments (exec: same process).
PER_RANK = """import json, os, sys
args = json.loads(os.environ["PROTOD_TEST_RANK_ARGS"])[int(os.environ["LOCAL_RANK"])]
os.execv(sys.executable, [sys.executable, "-m", "protod.cli", "train", *args])
"""


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "OMP_NUM_THREADS": "1", "PYTHONFAULTHANDLER": "1", **extra}


def _torchrun(command: list[str], env: dict[str, str], cwd: Path) -> tuple[subprocess.CompletedProcess, float]:
    start = time.time()
    try:
        done = subprocess.run([*TORCHRUN, *command], env=env, cwd=cwd, capture_output=True, text=True,
                              timeout=BOUND_S + 60)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"torchrun still running after {BOUND_S + 60:.0f} s:\n{(e.stderr or b'')[-4000:]!r}")
    return done, time.time() - start


def _same_command(tmp_path: Path, *args) -> tuple[subprocess.CompletedProcess, float]:
    """What a user runs: `torchrun --standalone --nproc_per_node 2 -m protod.cli train ARGS`."""
    return _torchrun(["-m", "protod.cli", "train", *map(str, args)], _env(), tmp_path)


def _per_rank(tmp_path: Path, *per_rank: tuple) -> tuple[subprocess.CompletedProcess, float]:
    script = tmp_path / "per_rank.py"
    script.write_text(PER_RANK)
    rank_args = json.dumps([[str(a) for a in args] for args in per_rank])
    return _torchrun([str(script)], _env(PROTOD_TEST_RANK_ARGS=rank_args), tmp_path)


def _our_line(done: subprocess.CompletedProcess) -> str:
    """Our one error line among torchrun's report: exactly one `error:` line, no frame of protod's code."""
    ours = [line for line in done.stderr.splitlines() if "error:" in line.lower() and "ChildFailedError" not in line]
    assert len(ours) == 1 and ours[0].startswith("error: "), done.stderr
    assert "rank 1:" not in done.stderr, done.stderr  # rank 1 keeps quiet about an error every rank hits
    frames = re.findall(r'^\s*File "([^"]+)"', done.stderr, flags=re.M)
    assert all("protod" not in f and ("torch" in f or f == "<frozen runpy>") for f in frames), done.stderr
    assert done.stderr.index(ours[0]) < done.stderr.index("Traceback"), done.stderr  # ours first, then torchrun's
    assert done.stdout.strip() == "", done.stdout
    # torchrun's own report: it exits 1; the root cause it names is a rank that exited 2 (never a signal or a crash)
    assert done.returncode == 1, (done.returncode, done.stderr)
    root = done.stderr.split("Root Cause (first observed failure):", 1)[-1]
    assert re.search(r"exitcode\s*:\s*2\b", root), done.stderr
    assert not re.search(r"exitcode\s*:\s*-?(1|6|9|11)\b", done.stderr), done.stderr  # no rank crashed or was killed hard
    return ours[0]


@pytest.mark.parametrize("setting", ["max_steps=3", "lr=5e-4", "algo=grpo"])  # a hang, a silent mix, a silent mix
def test_ranks_with_different_settings_stop_before_the_first_step(tmp_path, setting):
    out = tmp_path / "run"
    base = ("--config", TINY_SFT, "--out", out)
    done, seconds = _per_rank(tmp_path, base, (*base, "--set", setting))
    line = _our_line(done)
    key = setting.split("=")[0]
    assert f"rank 0 has config.{key}=" in line and f"rank 1 has config.{key}=" in line, line
    assert seconds < BOUND_S, seconds
    assert sorted(p.name for p in out.iterdir()) == []  # no log, config, base model or checkpoint; the lock is gone


@pytest.mark.parametrize("case", ["unknown-key", "out-is-a-file", "personas", "vllm"])
def test_errors_every_rank_hits_are_printed_once_by_rank_0(tmp_path, case):
    out = tmp_path / "run"
    args, names = {
        "unknown-key": (("--config", TINY_SFT, "--set", "no_such_key=1"), ("no_such_key", "unknown key")),
        "out-is-a-file": (("--config", TINY_SFT), (str(out), "not a directory")),
        "personas": (("--config", TINY_GRPO, "--set", "personas_per_step=3"), ("personas_per_step = 3", "2 processes")),
        "vllm": (("--config", TINY_GRPO, "--set", "rollout_engine=vllm"), ("vllm",)),
    }[case]
    if case == "out-is-a-file":
        out.write_text("a file")
    if case == "vllm" and find_spec("vllm") is not None:
        pytest.skip("vLLM is installed here")
    done, seconds = _same_command(tmp_path, *args, "--out", out)
    line = _our_line(done)
    assert all(name in line for name in names), line
    assert seconds < BOUND_S, seconds
    assert out.read_text() == "a file" if case == "out-is-a-file" else not out.exists()


# ---------------------------------------------------------------------------------------------------------------
# `protod train --nproc 2`: our launcher, which fails like one process (no torchrun report)

PROTOD_TRAIN = [sys.executable, "-m", "protod.cli", "train"]


def _one_line(done: subprocess.CompletedProcess, code: int, start: str) -> str:
    """Exit `code`, no traceback, exactly one line on stderr that is ours and starts with `start`."""
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "ChildFailedError" not in done.stderr, done.stderr
    ours = [line for line in done.stderr.splitlines() if line.startswith(("error", "interrupted"))]
    assert len(ours) == 1 and ours[0].startswith(start), done.stderr
    return ours[0]


def _no_rank_left(out: Path) -> None:
    """No process anywhere still has this run's --out on its command line."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        alive = subprocess.run(["pgrep", "-f", f"--out {out}"], capture_output=True, text=True).stdout.split()
        if not alive:
            return
        time.sleep(0.2)
    pytest.fail(f"processes left behind: {alive}")


def _ranks_of(launcher: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{launcher.pid}/task/{launcher.pid}/children")
    return [int(x) for x in children.read_text().split()] if children.exists() else []


def _started(tmp_path: Path, out: Path) -> subprocess.Popen:
    """A long `train --nproc 2` run, returned once its first step is logged (the ranks are in the training loop)."""
    proc = subprocess.Popen([*PROTOD_TRAIN, "--config", str(TINY_SFT), "--max-steps", "10000", "--set", "save_every=1",
                             "--out", str(out), "--nproc", "2"], env=_env(), cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not ((out / "train_log.jsonl").exists() and (out / "train_log.jsonl").stat().st_size) and proc.poll() is None:
        assert time.monotonic() < deadline, "no step logged in 120 s"
        time.sleep(0.1)
    assert proc.poll() is None, proc.communicate()
    return proc


def test_nproc_an_error_every_rank_would_hit_is_said_once_before_any_rank_starts(tmp_path):
    out = tmp_path / "run"
    done = subprocess.run([*PROTOD_TRAIN, "--config", str(TINY_GRPO), "--set", "personas_per_step=3", "--out",
                           str(out), "--nproc", "2"], env=_env(), cwd=tmp_path, capture_output=True, text=True, timeout=60)
    line = _one_line(done, 2, "error: ")
    assert "personas_per_step = 3" in line and "2 processes" in line, line
    assert not out.exists()


def test_nproc_a_rank_killed_stops_the_other_with_one_line(tmp_path):
    out = tmp_path / "run"
    proc = _started(tmp_path, out)
    start = time.monotonic()
    ranks = _ranks_of(proc)
    assert len(ranks) == 2, ranks
    os.kill(ranks[1], 9)
    _, stderr = proc.communicate(timeout=60)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, "", stderr)
    line = _one_line(done, 2, "error: rank 1 was killed by SIGKILL")
    assert "--resume" in line, line
    assert time.monotonic() - start < BOUND_S
    _no_rank_left(out)


def test_nproc_ctrl_c_stops_every_rank_and_says_how_to_resume(tmp_path):
    out = tmp_path / "run"
    proc = _started(tmp_path, out)
    start = time.monotonic()
    os.killpg(proc.pid, 2)  # Ctrl-C: the terminal signals the whole foreground group
    _, stderr = proc.communicate(timeout=60)
    line = _one_line(subprocess.CompletedProcess(proc.args, proc.returncode, "", stderr), 130, "interrupted")
    assert line.endswith(f"--out {out} --nproc 2 --resume`"), line
    assert time.monotonic() - start < BOUND_S
    _no_rank_left(out)
    logged = [json.loads(x) for x in (out / "train_log.jsonl").read_text().splitlines()]
    assert logged and all(r["step"] == i for i, r in enumerate(logged, 1))  # nothing torn or doubled


def test_nproc_a_killed_launcher_takes_its_ranks_with_it(tmp_path):
    out = tmp_path / "run"
    proc = _started(tmp_path, out)
    os.kill(proc.pid, 9)
    proc.communicate(timeout=30)
    _no_rank_left(out)


def test_the_launcher_reports_the_rank_that_failed_first_not_one_that_lost_its_peers():
    from types import SimpleNamespace

    from protod.train.distributed import peer_lost
    from protod.train.launch import PEER_LOST, _cause

    ranks = lambda *codes: [SimpleNamespace(returncode=c) for c in codes]  # noqa: E731
    assert _cause(ranks(PEER_LOST, -9), set()) == (1, -9)  # rank 0 lost its peer because rank 1 was killed
    assert _cause(ranks(PEER_LOST, 2), set()) == (1, 2)  # rank 1 failed and said why
    assert _cause(ranks(2, 130), {1}) == (0, 2)  # rank 1 was stopped by the launcher
    assert _cause(ranks(PEER_LOST, PEER_LOST), set()) == (0, PEER_LOST)
    assert peer_lost(RuntimeError("[gloo/transport/tcp/pair.cc:553] Connection closed by peer [127.0.0.1]:55442"))
    assert not peer_lost(RuntimeError("CUDA out of memory")) and not peer_lost(ValueError("Connection closed by peer"))

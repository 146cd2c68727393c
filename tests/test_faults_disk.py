"""A full disk (or a missing permission) while the demo, gap, eval and report write (issue 25): one line naming the
file, saying what was kept and how to go on; exit 2; nothing already written is lost, and a resume continues.

A full disk is a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) on the subprocess: a write past the limit fails
with EFBIG as it would with ENOSPC, while everything below it (earlier files, the first dialogues) is written.

Time: the CLI cases take 1-3 s. The three that run a model take 10-12 s of CPU each (over 20 s of wall time on a
loaded 2-core machine): a demo stage must import torch and transformers, make the demo's second simulator (MiniLM)
before any stage, load the policies and decode one batch before its first transcript write, which is the write
that fails; their shared fixture (the starting policy, 8 s of CPU) is made once.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from faults_helpers import snapshot

ROOT = Path(__file__).parents[1]
PROTOD = [sys.executable, "-m", "protod.cli"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "PYTHONFAULTHANDLER": "1"}


def _limited(nbytes: int):
    def preexec() -> None:  # a full disk, as a file-size limit: writes past it fail with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return preexec


def _protod(*args, limit: int | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*PROTOD, *map(str, args)], capture_output=True, text=True, env=_env(), timeout=timeout,
                          preexec_fn=_limited(limit) if limit else None)


def _error_line(done: subprocess.CompletedProcess) -> str:
    """Exit 2, no traceback, and exactly one `error:` line, the last (a demo prints its stage lines before it)."""
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and done.stderr.strip().splitlines()[-1] == errors[0], done.stderr
    return errors[0]


def _whole_lines(path: Path) -> list[dict]:
    """Every line of a transcript file complete (a failed write was cut back off, not left torn)."""
    raw = path.read_bytes()
    assert raw == b"" or raw.endswith(b"\n"), raw[-200:]
    return [json.loads(line) for line in raw.splitlines()]


# ---------------------------------------------------------------------------------------------------------------
# protod eval / gap / report


def test_eval_on_a_full_disk_keeps_the_finished_dialogues_and_resumes_to_the_same_file(tmp_path):
    args = ("eval", "-n", 4, "-k", 2, "--agent", "passive", "--agent", "prober")
    line = _error_line(_protod(*args, "--out", tmp_path / "ev", limit=10_000))
    cut = tmp_path / "ev" / "runs" / "passive__rule" / "trajectories.jsonl"
    assert line.startswith(f"error: {cut}: cannot write it (File too large); every dialogue finished before it is "
                           "intact;") and line.endswith("run the same command with --resume to continue"), line
    kept = _whole_lines(cut)
    assert 1 <= len(kept) < 8
    assert _protod(*args, "--out", tmp_path / "ev", "--resume").returncode == 0
    assert _protod(*args, "--out", tmp_path / "whole").returncode == 0
    for cell in ("passive__rule", "prober__rule"):  # the resumed run is the uninterrupted one, byte for byte
        assert (tmp_path / "ev" / "runs" / cell / "trajectories.jsonl").read_bytes() == \
            (tmp_path / "whole" / "runs" / cell / "trajectories.jsonl").read_bytes()


def test_report_on_a_full_disk_keeps_the_earlier_report_whole(tmp_path):
    assert _protod("simulate", "-n", 4, "--out", tmp_path / "sim").returncode == 0
    page = tmp_path / "report.html"
    page.write_text("<html>the earlier report</html>")
    line = _error_line(_protod("report", tmp_path / "sim", "-o", page, limit=20_000))
    assert line == f"error: {page}: cannot write it (File too large); the previous version is intact", line
    assert page.read_text() == "<html>the earlier report</html>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "sim"]  # no temporary file left


@pytest.mark.parametrize("command", [("personas", "-n", 5), ("redteam", "--personas", 2, "--budget-s", 5)])
def test_a_file_written_on_request_is_replaced_whole_or_left_as_it_was(tmp_path, command):
    """`personas --out`, `redteam --out`: a full disk leaves the earlier file whole and no temporary file behind."""
    target = tmp_path / "out.json"
    target.write_text("the earlier file\n")
    line = _error_line(_protod(*command, "--out", target, limit=len("the earlier file\n") + 10))
    assert line == f"error: {target}: cannot write it (File too large); the previous version is intact", line
    assert target.read_text() == "the earlier file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_a_damaged_identity_file_is_refused_on_resume(tmp_path):
    args = ("eval", "-n", 2, "-k", 1, "--agent", "passive", "--out", tmp_path / "ev")
    assert _protod(*args).returncode == 0
    identity = tmp_path / "ev" / "runs" / "passive__rule" / "identity.json"
    for damage in ("{torn", "[1, 2]"):
        identity.write_text(damage)
        line = _error_line(_protod(*args, "--resume"))
        assert line.startswith(f"error: {identity}: ") and "--overwrite" in line, line
    identity.unlink()  # a run directory from before identity files: still resumes
    assert _protod(*args, "--resume").returncode == 0


# Root ignores directory permissions; without the capability to override them it obeys them like anyone else.
AS_A_USER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []


@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None, reason="root ignores directory permissions")
def test_eval_into_a_read_only_directory_names_the_file_and_how_to_go_on(tmp_path):
    runs = tmp_path / "ev" / "runs"
    runs.mkdir(parents=True)
    runs.chmod(0o555)
    try:
        done = subprocess.run([*AS_A_USER, *PROTOD, "eval", "-n", "2", "-k", "1", "--agent", "passive", "--out",
                               str(tmp_path / "ev")], capture_output=True, text=True, env=_env(), timeout=60)
    finally:
        runs.chmod(0o755)
    line = _error_line(done)
    assert line == (f"error: {runs / 'passive__rule' / 'identity.json'}: cannot write it (Permission denied); every "
                    "dialogue finished before is intact; free space (or fix the permission), then run the same command "
                    "with --resume to continue"), line
    assert sorted(p.name for p in (tmp_path / "ev").iterdir()) == ["runs"] and not any(runs.iterdir())


# ---------------------------------------------------------------------------------------------------------------
# protod demo: the gap and eval stages


@pytest.fixture(scope="module")
def demo_started(tmp_path_factory):
    """A quick demo stopped after its first stage, the starting policy: the smallest real demo directory whose next
    stage is the gap. Read-only template: tests copy it. The stage's model is the quick plan's; it learns from two
    passive transcripts a step at a time (8 s of CPU, not 30: a demo reuses a stage by its last checkpoint's step,
    and what is tested here is the stages after it)."""
    from protod.eval.demo import train_run
    from protod.eval.demo_plan import QUICK, sft_config
    from protod.train.config import SFTSource

    out = tmp_path_factory.mktemp("demo") / "demo"
    out.mkdir()
    (out / "plan.json").write_text(json.dumps(asdict(QUICK)))
    cfg = sft_config(QUICK).model_copy(update={"save_every": QUICK.sft_steps, "sft_batch": 1,
                                               "sft_data": [SFTSource(agent="passive", view="deployable", dialogues=2)]})
    train_run(cfg.model_dump(mode="json", exclude_unset=True), str(out / "start"))
    return out


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_a_full_disk_in_the_demo_gap_stage_names_the_file_and_how_to_resume(demo_started, tmp_path):
    out = _copy(demo_started, tmp_path / "demo")
    start = snapshot(out / "start")
    line = _error_line(_protod("demo", "--quick", "--resume", "--out", out, limit=10_000))
    cut = out / "gap" / "runs" / "deployable__rule" / "trajectories.jsonl"
    assert line == (f"error: {cut}: cannot write it (File too large); every dialogue finished before it is intact; "
                    f"free space (or fix the permission), then continue with `protod demo --quick --out {out} --resume`")
    assert len(_whole_lines(cut)) >= 1
    assert snapshot(out / "start") == start and not (out / "gap" / "gap.json").exists()
    assert not (out / ".protod.lock").exists()


def test_a_full_disk_in_the_demo_eval_stage_names_the_file_and_how_to_resume(demo_started, tmp_path):
    from protod.eval.demo_plan import QUICK

    out = _copy(demo_started, tmp_path / "demo")
    # stages 2 and 3 as finished ones look (the eval stage is what is tested): a gap.json, and each arm's run holding
    # a last checkpoint (the starting policy's weights) with its training time
    (out / "gap").mkdir()
    (out / "gap" / "gap.json").write_text(json.dumps({
        "deployable_pass_at_k": {"1": 0.0, "2": 0.0}, "privileged_pass_at_k": {"1": 0.0, "2": 0.0},
        "privileged_pass_at_1": 0.0, "gap_closed_by_sampling": True, "n": QUICK.gap_n}))
    for arm in QUICK.arms:
        run = out / "train" / f"{arm}-s0"
        ckpt = _copy(out / "start" / f"checkpoint-{QUICK.sft_steps}", run / f"checkpoint-{QUICK.rl_steps}")
        meta = json.loads((ckpt / "protod_checkpoint.json").read_text())
        (ckpt / "protod_checkpoint.json").write_text(json.dumps({**meta, "step": QUICK.rl_steps, "algo": arm}))
        (run / "demo_seconds.json").write_text('{"seconds": 1.0}')
    before = snapshot(out)
    line = _error_line(_protod("demo", "--quick", "--resume", "--out", out, limit=10_000))
    cut = out / "eval-rule" / "runs" / "start__rule" / "trajectories.jsonl"
    assert line == (f"error: {cut}: cannot write it (File too large); every dialogue finished before it is intact; "
                    f"free space (or fix the permission), then continue with `protod demo --quick --out {out} --resume`")
    assert len(_whole_lines(cut)) >= 1
    assert {k: v for k, v in snapshot(out).items() if k in before} == before  # earlier stages untouched
    assert not (out / "eval-rule" / "eval.json").exists() and not (out / "summary.json").exists()


def test_a_full_disk_while_drawing_the_gap_figure_keeps_the_transcripts_and_resumes(demo_started, tmp_path):
    from protod.eval.demo_plan import QUICK

    out = tmp_path / "gap"
    args = ("gap", "--model", f"hf:{demo_started / 'start' / f'checkpoint-{QUICK.sft_steps}'}", "-n", 1, "--k", 1,
            "--max-new-tokens", 4, "--out", out)
    line = _error_line(_protod(*args, limit=12_000))  # the transcripts and eval.json fit; the figure does not
    assert line == (f"error: {out / 'gap.png'}: cannot write it (File too large); the transcripts are intact; free "
                    "space (or fix the permission), then run the same command with --resume to continue"), line
    assert sorted(p.name for p in out.iterdir()) == ["eval.json", "runs"]  # no half figure, no gap.json yet
    transcripts = {k: v for k, v in snapshot(out / "runs").items() if k.endswith("trajectories.jsonl")}
    assert _protod(*args, "--resume").returncode == 0
    assert {k: v for k, v in snapshot(out / "runs").items() if k.endswith("trajectories.jsonl")} == transcripts
    assert sorted(p.name for p in out.iterdir()) == ["eval.json", "gap.json", "gap.png", "runs"]

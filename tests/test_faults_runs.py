"""Run files and run directories: corrupt transcripts, foreign runs, and output paths that cannot be written.

Every case: exit 2, one `error:` line naming the file (and line or field), no traceback, bounded time, and nothing
already written is changed. Resume continues only the same run (pack fingerprint, agent, simulator, seed, settings).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faults_helpers import MERCHANT, fails_cleanly, invoke, snapshot


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A finished simulate run and a finished eval run (read-only templates: tests copy them)."""
    root = tmp_path_factory.mktemp("runs")
    assert invoke("simulate", "-n", 6, "--agent", "prober", "-o", root / "sim").exit_code == 0
    assert invoke("eval", "-n", 3, "-k", 2, "--agent", "prober", "--agent", "passive", "-o", root / "eval").exit_code == 0
    return root


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


# ---------------------------------------------------------------------------------------------------------------
# Corrupt transcripts

CORRUPTIONS = {
    "array": lambda rec: "[]",
    "null": lambda rec: "null",
    "number": lambda rec: "7",
    "string": lambda rec: '"a dialogue"',
    "empty-object": lambda rec: "{}",
    "no-turns": lambda rec: json.dumps({k: v for k, v in rec.items() if k != "turns"}),
    "no-persona": lambda rec: json.dumps({k: v for k, v in rec.items() if k != "persona"}),
    "turns-not-list": lambda rec: json.dumps({**rec, "turns": "many"}),
    "turn-not-object": lambda rec: json.dumps({**rec, "turns": [[]]}),
    "turn-without-state": lambda rec: json.dumps({**rec, "turns": [{k: v for k, v in rec["turns"][0].items() if k != "state"}]}),
    "persona-not-object": lambda rec: json.dumps({**rec, "persona": None}),
    "seed-not-int": lambda rec: json.dumps({**rec, "seed": "zero"}),
    "schema-version": lambda rec: json.dumps({**rec, "schema_version": 99}),
    "not-json": lambda rec: "{this is not json",
    "deep-nesting": lambda rec: "[" * 100_000 + "]" * 100_000,
    "binary": lambda rec: "\udcff\udcfe".encode("utf-8", "surrogateescape").decode("latin-1"),
}


def _corrupt(path: Path, index: int, kind: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    index %= len(lines)
    lines[index] = CORRUPTIONS[kind](json.loads(lines[index]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return index + 1


def _commands(run: Path, kind: str):
    if kind == "sim":
        yield ("simulate", "-n", 6, "--agent", "prober", "-o", run, "--resume")
    else:
        yield ("eval", "-n", 3, "-k", 2, "--agent", "prober", "--agent", "passive", "-o", run, "--resume")
    yield ("report", run, "-o", run / "report.html")


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_corrupt_transcript_line_is_named_and_left_alone(finished_run, tmp_path, kind):
    # simulate --resume and report for every kind; eval --resume (slower) for a quarter of them
    for which in ("sim", "eval") if sorted(CORRUPTIONS).index(kind) % 4 == 0 else ("sim",):
        run = _copy(finished_run / which, tmp_path / which)
        target = run / "trajectories.jsonl" if which == "sim" else run / "runs" / "prober__rule" / "trajectories.jsonl"
        lineno = _corrupt(target, 2, kind)
        for args in _commands(run, which):
            fails_cleanly(*args, must_name=(f"{target}:{lineno}",), unchanged=run)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(index=st.integers(0, 5), kind=st.sampled_from(sorted(CORRUPTIONS)), cut=st.integers(1, 400), mode=st.sampled_from(["line", "bytes"]))
def test_random_transcript_corruption_never_crashes_or_loses_data(finished_run, index, kind, cut, mode):
    with tempfile.TemporaryDirectory() as tmp:
        run = _copy(finished_run / "sim", Path(tmp) / "sim")
        path = run / "trajectories.jsonl"
        if mode == "line":
            _corrupt(path, index, kind)
        else:  # cut bytes out of the middle of the file (a damaged disk, a bad merge)
            raw = path.read_bytes()
            start = len(raw) // 3
            path.write_bytes(raw[:start] + raw[start + cut:])
        before = snapshot(run)
        r = invoke("simulate", "-n", 6, "--agent", "prober", "-o", run, "--resume")
        if r.exit_code == 0:  # only possible when the damage was a torn LAST line: repaired and re-run, nothing lost
            records = [json.loads(x) for x in path.read_text().splitlines()]
            assert len(records) == 6
        else:
            assert r.exit_code == 2 and len(r.stderr.splitlines()) == 1 and str(path) in r.stderr, r.output
            assert snapshot(run) == before


def test_torn_last_line_is_repaired_and_nothing_is_lost(finished_run, tmp_path):
    run = _copy(finished_run / "sim", tmp_path / "sim")
    path = run / "trajectories.jsonl"
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) - 40])  # a kill mid-write
    assert invoke("simulate", "-n", 6, "--agent", "prober", "-o", run, "--resume").exit_code == 0
    assert path.read_bytes() == whole


# ---------------------------------------------------------------------------------------------------------------
# Resume of another run, and replacing results without being asked


def test_resume_with_another_stratum_is_refused(tmp_path):
    out = tmp_path / "sim"
    assert invoke("simulate", "-n", 4, "--stratum", "easy", "-o", out).exit_code == 0
    fails_cleanly("simulate", "-n", 4, "--stratum", "hard", "-o", out, "--resume", must_name=("stratum=easy", "stratum=hard"), unchanged=out)


def test_resume_with_a_modified_pack_of_the_same_id_is_refused(tmp_path):
    pack = tmp_path / "pack.yaml"
    shutil.copy(MERCHANT, pack)
    out = tmp_path / "sim"
    assert invoke("simulate", "-s", pack, "-n", 4, "-o", out).exit_code == 0
    pack.write_text(MERCHANT.read_text().replace("The weather has been lovely this week.", "It rained all week."))
    fails_cleanly("simulate", "-s", pack, "-n", 4, "-o", out, "--resume", must_name=("scenario_fingerprint",), unchanged=out)


@pytest.mark.parametrize("change", [("--agent", "oracle"), ("--seed", "3"), ("--simulator", "rule", "--top-p", "0.5", "--agent", "llm:openai:m@http://127.0.0.1:9/v1")])
def test_resume_with_other_settings_is_refused(tmp_path, change):
    out = tmp_path / "sim"
    assert invoke("simulate", "-n", 4, "-o", out).exit_code == 0
    fails_cleanly("simulate", "-n", 4, "-o", out, "--resume", *change, unchanged=out)


def test_eval_and_gap_never_delete_earlier_transcripts_silently(finished_run, tmp_path):
    run = _copy(finished_run / "eval", tmp_path / "eval")
    n_before = sum(len(p.read_text().splitlines()) for p in run.rglob("trajectories.jsonl"))
    fails_cleanly("eval", "-n", 1, "--agent", "passive", "-o", run, must_name=("--resume", "--overwrite"), unchanged=run)
    fails_cleanly("gap", "-n", 1, "--model", "openai:m@http://127.0.0.1:9/v1", "-o", run, must_name=("--overwrite",), unchanged=run)
    assert sum(len(p.read_text().splitlines()) for p in run.rglob("trajectories.jsonl")) == n_before
    r = invoke("eval", "-n", 1, "-k", 1, "--agent", "passive", "-o", run, "--overwrite")
    assert r.exit_code == 0, r.output


def test_train_resume_with_another_config_is_refused_and_config_kept(tmp_path):
    from protod.train.config import TrainConfig

    out = tmp_path / "train"
    out.mkdir()
    recorded = TrainConfig(algo="siavpo", model="tiny-random", lr=1e-4).model_dump(mode="json")
    (out / "config.yaml").write_text(yaml.safe_dump(recorded, sort_keys=False))
    (out / "train_log.jsonl").write_text('{"step": 1, "loss": 0.5}\n')
    fails_cleanly("train", "--resume", "-o", out, "--set", "model=tiny-random", "--set", "algo=grpo", "--set", "lr=0.5",
                  must_name=("algo=siavpo", "algo=grpo"), unchanged=out)
    fails_cleanly("train", "--resume", "-o", out, "--set", "model=tiny-random", "--set", "lr=0.5", must_name=("lr",), unchanged=out)
    fails_cleanly("train", "-o", out, "--set", "model=tiny-random", must_name=("--resume", "--overwrite"), unchanged=out)
    fails_cleanly("train", "--resume", "--overwrite", "-o", out, unchanged=out)


# ---------------------------------------------------------------------------------------------------------------
# Output paths that cannot be used


def test_out_on_a_regular_file_or_below_one(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("keep me\n")
    for out in (blocker, blocker / "sub"):
        for args in (
            ("simulate", "-n", 2, "-o", out),
            ("eval", "-n", 1, "-k", 1, "--agent", "passive", "-o", out),
            ("baselines", "-n", 2, "-o", out),
            ("train", "--set", "model=tiny-random", "-o", out),
            ("gap", "-n", 1, "--model", "openai:m@http://127.0.0.1:9/v1", "-o", out),
        ):
            fails_cleanly(*args, must_name=(str(blocker),), unchanged=tmp_path)
        fails_cleanly("personas", "-n", 2, "--out", blocker / "sub" / "p.jsonl", must_name=(str(blocker),), unchanged=tmp_path)
    fails_cleanly("report", MERCHANT.parent, "-o", blocker / "r.html", unchanged=tmp_path)


def test_report_of_corrupt_json_files_names_them(tmp_path, finished_run):
    run = _copy(finished_run / "eval", tmp_path / "eval")
    for content in ("", "[1, 2]", "{not json", "\xff"):
        (run / "eval.json").write_text(content, encoding="latin-1")
        fails_cleanly("report", run, "-o", tmp_path / "r.html", must_name=(str(run / "eval.json"),), unchanged=run)


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0, reason="root ignores directory permissions")
def test_out_in_a_read_only_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        for args in (("simulate", "-n", 2, "-o", locked / "sim"), ("personas", "-n", 2, "--out", locked / "p.jsonl"),
                     ("report", MERCHANT.parent, "-o", locked / "r.html")):
            fails_cleanly(*args, must_name=(str(locked),), unchanged=tmp_path)
    finally:
        locked.chmod(0o755)

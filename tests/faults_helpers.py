"""Shared checks of the fault-and-fuzz suite (tests/test_faults_*.py): how a bad input must fail."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from typer.testing import CliRunner

from protod.cli import app

runner = CliRunner()
PACKS_DIR = Path(__file__).parents[1] / "src/protod/scenarios"
MERCHANT = PACKS_DIR / "merchant_recruitment.yaml"


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file under `root` (what must be unchanged after a refused command)."""
    if not root.exists():
        return {}
    if root.is_file():
        return {str(root): hashlib.sha256(root.read_bytes()).hexdigest()}
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def invoke(*args, seconds: float = 10.0):
    start = time.perf_counter()
    result = runner.invoke(app, [str(a) for a in args])
    elapsed = time.perf_counter() - start
    assert elapsed < seconds, f"{args} took {elapsed:.1f} s (bound {seconds} s)"
    assert not (result.exception and not isinstance(result.exception, SystemExit)), (args, repr(result.exception))
    assert "Traceback" not in result.output, result.output
    return result


def assert_one_line_error(result, *must_name: str) -> str:
    """Exit 2, exactly one line on stderr, `error:` first, naming each of `must_name`, nothing on stdout."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: "), line
    for name in must_name:
        assert name in line, (name, line)
    return line


def fails_cleanly(*args, must_name: tuple[str, ...] = (), unchanged: Path | None = None, seconds: float = 10.0) -> str:
    """Run the CLI on a bad input: one error line, exit 2, bounded time, files under `unchanged` untouched."""
    before = snapshot(unchanged) if unchanged is not None else None
    line = assert_one_line_error(invoke(*args, seconds=seconds), *must_name)
    if unchanged is not None:
        assert snapshot(unchanged) == before, f"{args} changed files under {unchanged}"
    return line

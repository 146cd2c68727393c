"""Dialogues on disk: trajectories.jsonl written one dialogue per line as each finishes (`TrajectoryWriter`), read
back with a check of each record's shape (`read_trajectories`), and a run directory (trajectories + metrics)
that resumes where it stopped (`simulate_to_dir`)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from protod.agent.views import Agent
from protod.store.files import atomic_write_json, write_failed, writing
from protod.store.identity import IdentityMismatch as RunMismatch  # (one error type for every mismatch)
from protod.world import Scenario
from protod.user.simulator import CognitiveUserSimulator, UserSimulator
from protod.run.rollout import Episode, SCHEMA_VERSION, Trajectory, run_episodes


# ---------------------------------------------------------------------------------------------------------------
# JSONL files


class TrajectoryWriter:
    """Appends one dialogue per line in one unbuffered write, so a crash loses nothing already written. A write that
    fails (disk full, no permission) is cut back off the file, whose finished dialogues stay as they were, and is
    raised as one WriteFailed naming the file."""

    KEPT = "every dialogue finished before it is intact"

    def __init__(self, path: Path):
        self.path = path
        with writing(path, self.KEPT):
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = path.open("ab", buffering=0)

    def __call__(self, traj: Trajectory) -> None:
        line = memoryview((json.dumps(traj.to_dict(), ensure_ascii=False) + "\n").encode("utf-8"))
        end = os.fstat(self._fh.fileno()).st_size
        try:
            while line:  # a raw write may take part of it (a file-size limit is reached mid-line)
                line = line[self._fh.write(line):]
        except OSError as e:
            try:
                os.ftruncate(self._fh.fileno(), end)  # no torn line left for a resume to repair
            except OSError:
                pass
            raise write_failed(self.path, e, self.KEPT, resumable=True) from None

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> TrajectoryWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class _TurnRecord(_Loose):
    agent: str
    user: str
    acts: list[str]
    events: list[str]
    state: dict[str, Any]


class _ConcernRecord(_Loose):
    id: str


class _PersonaRecord(_Loose):
    id: str
    stratum: str
    difficulty: str
    traits: dict[str, str]
    concerns: list[_ConcernRecord]
    initial_state: dict[str, Any]


class _TrajectoryRecord(_Loose):
    """The fields readers of a trajectories file rely on (metrics, resume, report): checked once, at reading."""

    schema_version: int
    id: str
    agent: str
    simulator: str
    seed: int
    persona: _PersonaRecord
    turns: list[_TurnRecord]
    decision: str
    status: str = "ok"
    final_state: dict[str, Any] | None = None


def record_problem(record: Any) -> str | None:
    """Why `record` is not a usable trajectory record (one line: field and what is wrong), or None."""
    if not isinstance(record, dict):
        return f"expected a JSON object (one dialogue), got {type(record).__name__}"
    try:
        _TrajectoryRecord.model_validate(record)
    except ValidationError as err:
        e = err.errors()[0]
        field = ".".join(str(x) for x in e["loc"]) or "<record>"
        return f"{field}: {'required field is missing' if e['type'] == 'missing' else e['msg']}"
    if record["schema_version"] != SCHEMA_VERSION:
        return f"schema_version: {record['schema_version']!r}; this protod reads {SCHEMA_VERSION}"
    return None


def read_trajectories(path: Path, repair: bool = False) -> list[dict[str, Any]]:
    """Read a trajectories file. A torn last line (a crash mid-write) is an error, or with `repair` is cut off.

    A complete line that is not a trajectory record (`[]`, `null`, no `turns`) is always an error naming the line:
    it was not written by a crash, so nothing may silently drop or rewrite it.
    """
    if not path.exists():
        return []
    raw = path.read_bytes()
    records: list[dict[str, Any]] = []
    offset = 0
    for lineno, line in enumerate(raw.splitlines(keepends=True), start=1):
        try:
            if not line.endswith(b"\n"):
                raise ValueError("line is not terminated")
            records.append(json.loads(line))
        except ValueError as err:
            is_last = offset + len(line) == len(raw)
            if repair and is_last:
                with path.open("r+b") as fh:
                    fh.truncate(offset)
                break
            raise ValueError(f"{path}:{lineno}: not a complete JSON trajectory ({err})") from None
        except RecursionError:
            raise ValueError(f"{path}:{lineno}: JSON nested too deeply") from None
        offset += len(line)
    for lineno, record in enumerate(records, start=1):
        problem = record_problem(record)
        if problem is not None:
            raise ValueError(f"{path}:{lineno}: {problem}")
    return records


# ---------------------------------------------------------------------------------------------------------------
# A run directory: trajectories.jsonl + metrics.json, resumable




def resume_point(path: Path, expected: list[Episode], agent: str, seed: int, simulator: str) -> int:
    """How many of `expected` are already in `path` (in order). Repairs a torn last line; refuses a foreign file."""
    records = read_trajectories(path, repair=True)
    for i, rec in enumerate(records):
        if i >= len(expected):
            raise RunMismatch(f"{path} already holds {len(records)} dialogues, more than the {len(expected)} asked for")
        found = (rec.get("id"), rec.get("agent"), rec.get("seed"), rec.get("simulator"))
        want = (expected[i].id, agent, seed, simulator)
        if found != want:
            raise RunMismatch(
                f"{path}:{i + 1}: holds dialogue {found[0]!r} (agent={found[1]}, seed={found[2]}, "
                f"simulator={found[3]}) but this run expects {want[0]!r} (agent={agent}, seed={seed}, "
                f"simulator={simulator}); use another --out"
            )
    return len(records)


def simulate_to_dir(
    pack: Scenario,
    agent: Agent,
    episodes: list[Episode],
    out_dir: Path,
    seed: int = 0,
    resume: bool = False,
    overwrite: bool = False,
    simulator: UserSimulator | None = None,
    batch_size: int = 64,
    config: dict[str, Any] | None = None,
    on_done: Callable[[Trajectory], None] | None = None,
) -> dict[str, Any]:
    """Run `episodes` into `out_dir`/trajectories.jsonl (appended, flushed per dialogue) and write metrics.json.

    With `resume`, dialogues already in the file are kept and only the rest run; the file ends up identical to an
    uninterrupted run. Returns the metrics dict.
    """
    # eval sits above rollout in the layering; this one helper composes both, so it imports eval lazily.
    from protod.run.metrics import summarize
    from protod.store.provenance import run_record

    from protod.store.provenance import pack_fingerprint
    from protod.store.identity import IDENTITY_FILE, check_identity, write_identity

    simulator = simulator or CognitiveUserSimulator(pack)
    path = out_dir / "trajectories.jsonl"
    if out_dir.exists() and not out_dir.is_dir():
        raise RunMismatch(f"{out_dir}: exists and is not a directory; --out must be a directory")
    if path.exists() and path.stat().st_size > 0 and not (resume or overwrite):
        raise RunMismatch(f"{path} already exists; pass --resume to continue it or --overwrite to replace it")
    # Who this run is: a resume must be the same run (pack content, agent, simulator, seed, settings).
    identity = {"scenario": pack.id, "scenario_fingerprint": pack_fingerprint(pack), "agent": agent.name,
                "simulator": simulator.name, "seed": seed, "episodes": len(episodes), "config": config or {}}
    if resume:
        check_identity(out_dir / IDENTITY_FILE, identity)
    done = resume_point(path, episodes, agent.name, seed, simulator.name) if resume else 0
    if overwrite and not resume and path.exists():
        path.unlink()
    write_identity(out_dir / IDENTITY_FILE, identity)
    with TrajectoryWriter(path) as write:
        def deliver(traj: Trajectory) -> None:
            write(traj)
            if on_done is not None:
                on_done(traj)

        run_episodes(pack, agent, episodes[done:], simulator=simulator, seed=seed, batch_size=batch_size, on_done=deliver)
    records = read_trajectories(path)
    metrics = summarize(records)
    metrics["resumed_from"] = done
    metrics["run"] = run_record(pack, config or {})
    atomic_write_json(out_dir / "metrics.json", metrics, "the transcripts are intact", resumable=True)
    return metrics

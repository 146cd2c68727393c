"""The episode engine: many dialogues at once, turn-synchronous, written to JSONL as they finish.

At every step the engine asks the agent for the next turn of *every* active dialogue in one call (a model backend
batches them into one generate), then lets the simulator answer all of them. Finished dialogues make room for new
ones. Results are delivered in input order, so a JSONL file written from them is the same whether or not the run
was interrupted and resumed.

Every dialogue draws from its own RNG streams, seeded from (run seed, dialogue id): a dialogue's transcript does
not depend on which other dialogues ran beside it, on the batch size, or on resumption.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from protod.agent.views import Agent, AgentReply, Message, observe
from protod.user.persona import Persona
from protod.store.files import atomic_write_json, write_failed, writing
from protod.world import Scenario
from protod.user.simulator import CognitiveUserSimulator, UserSimulator, UserTurn, UserTurnRequest
from protod.user.state import UserState

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Episode:
    """One dialogue to run: rollout `rollout` of `persona` (a group is G episodes of one persona)."""

    persona: Persona
    rollout: int = 0

    @property
    def id(self) -> str:
        return f"{self.persona.id}-r{self.rollout}"


def make_episodes(personas: Iterable[Persona], rollouts: int = 1) -> list[Episode]:
    return [Episode(p, r) for p in personas for r in range(rollouts)]


@dataclass
class Trajectory:
    episode_id: str
    persona: Persona
    agent: str
    simulator: str
    view: str
    seed: int
    turns: list[dict[str, Any]] = field(default_factory=list)
    final_state: UserState | None = None
    status: str = "ok"  # "ok" | "error"
    error: str | None = None

    @property
    def decision(self) -> str:
        return self.final_state.decision.value if self.final_state else "error"

    @property
    def accepted(self) -> bool:
        return self.decision == "accept"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "id": self.episode_id,
            "scenario": self.persona.scenario,
            "agent": self.agent,
            "view": self.view,
            "simulator": self.simulator,
            "seed": self.seed,
            "persona": self.persona.to_dict(),
            "turns": self.turns,
            "decision": self.decision,
            "n_turns": len(self.turns),
            "final_state": self.final_state.to_dict() if self.final_state else None,
            "status": self.status,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trajectory:
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"trajectory schema_version {data.get('schema_version')!r}; this protod reads {SCHEMA_VERSION}")
        return cls(
            episode_id=data["id"],
            persona=Persona.from_dict(data["persona"]),
            agent=data["agent"],
            simulator=data["simulator"],
            view=data["view"],
            seed=int(data["seed"]),
            turns=list(data["turns"]),
            final_state=UserState.from_dict(data["final_state"]) if data.get("final_state") else None,
            status=data.get("status", "ok"),
            error=data.get("error"),
        )


@dataclass
class _Live:
    index: int
    episode: Episode
    state: UserState
    agent_rng: random.Random
    user_rng: random.Random
    history: tuple[Message, ...] = ()
    turns: list[dict[str, Any]] = field(default_factory=list)


@contextlib.contextmanager
def _fewer_gc_pauses(gen0_threshold: int = 10_000):
    """Collect cycles less often while dialogues run.

    The engine allocates many small objects that live until the run ends (turn records); with the default
    threshold (700) the cyclic collector re-scans them so often that it costs more than the simulator itself.
    Cycles are still collected, just in larger batches; the caller's thresholds are restored afterwards.
    """
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], gen0_threshold), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def run_episodes(
    pack: Scenario,
    agent: Agent,
    episodes: Iterable[Episode] | Iterable[Persona],
    simulator: UserSimulator | None = None,
    seed: int = 0,
    batch_size: int = 64,
    on_done: Callable[[Trajectory], None] | None = None,
) -> list[Trajectory]:
    """Run dialogues between `agent` and the simulator; return trajectories in input order.

    `on_done` is called once per dialogue, also in input order, as soon as it and all before it are finished
    (use it to append to a file: a crash loses only dialogues not yet delivered).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    simulator = simulator or CognitiveUserSimulator(pack)
    specs = [e if isinstance(e, Episode) else Episode(e) for e in episodes]
    view = "privileged" if agent.privileged else "deployable"
    queue = deque(enumerate(specs))
    active: list[_Live] = []
    finished: dict[int, Trajectory] = {}
    delivered = 0
    results: list[Trajectory] = []

    release = getattr(agent, "release", None)  # a model agent may hold per-dialogue state (a KV cache)

    def finish(live: _Live, state: UserState | None, error: str | None = None) -> None:
        nonlocal delivered
        if release is not None:
            release([observe(pack, live.episode.persona, live.history, agent.privileged)])
        finished[live.index] = Trajectory(
            episode_id=live.episode.id, persona=live.episode.persona, agent=agent.name, simulator=simulator.name,
            view=view, seed=seed, turns=live.turns, final_state=state,
            status="ok" if error is None else "error", error=error,
        )
        while delivered in finished:  # deliver in input order
            traj = finished.pop(delivered)
            results.append(traj)
            if on_done is not None:
                on_done(traj)
            delivered += 1

    with _fewer_gc_pauses():
        while queue or active:
            while queue and len(active) < batch_size:
                index, ep = queue.popleft()
                active.append(_Live(
                    index, ep, ep.persona.initial_state,
                    agent_rng=random.Random(f"agent:{seed}:{ep.id}"),
                    user_rng=random.Random(f"user:{seed}:{ep.id}"),
                ))
            observations = [observe(pack, lv.episode.persona, lv.history, agent.privileged) for lv in active]
            outputs = agent.act(observations, [lv.agent_rng for lv in active])
            live: list[tuple[_Live, str, AgentReply | None]] = []  # scripted agents return plain strings: no wrapping
            for lv, out in zip(active, outputs):
                if isinstance(out, str):
                    live.append((lv, out, None))
                elif out.error is not None:  # reported, not dropped: the dialogue ends with status "error"
                    finish(lv, None, error=f"agent turn {len(lv.turns) + 1}: {out.error}")
                else:
                    live.append((lv, out.text, out))
            replies: list[UserTurn] = simulator.step_batch(
                [UserTurnRequest(lv.episode.persona, lv.state, text, lv.user_rng, lv.history) for lv, text, _ in live]
            )
            still: list[_Live] = []
            for (lv, text, out), reply in zip(live, replies):
                ids = tuple(out.token_ids) if out is not None and out.token_ids is not None else None
                lv.state = reply.state
                lv.history = lv.history + (Message("agent", text, ids), Message("user", reply.text))
                record = {"turn": reply.state.turn, "agent": text, **reply.to_dict()}
                if out is not None:
                    if ids is not None:
                        record["agent_tokens"] = {"ids": list(ids), "logprobs": out.logprobs}
                    if out.meta:
                        record["agent_meta"] = out.meta
                lv.turns.append(record)
                if reply.state.done:
                    finish(lv, reply.state)
                else:
                    still.append(lv)
            active = still
    return results


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


from protod.store.identity import IdentityMismatch as RunMismatch  # noqa: E402  (one error type for every mismatch)


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

"""The episode engine: many dialogues at once, turn-synchronous.

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
import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from protod.agent.views import Agent, AgentReply, Message, observe
from protod.user.persona import Persona
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

    Up to `batch_size` dialogues run at once: each round, every live dialogue gets one agent turn (one batched
    call) and one user turn (one batched simulator call); a finished one leaves and the next waiting one joins.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    simulator = simulator or CognitiveUserSimulator(pack)
    specs = [e if isinstance(e, Episode) else Episode(e) for e in episodes]
    view = "privileged" if agent.privileged else "deployable"
    queue = deque(enumerate(specs))
    active: list[_Live] = []
    delivery = _InOrder(on_done)
    release = getattr(agent, "release", None)  # a model agent may hold per-dialogue state (a KV cache)

    def finish(live: _Live, state: UserState | None, error: str | None = None) -> None:
        if release is not None:
            release([observe(pack, live.episode.persona, live.history, agent.privileged)])
        delivery.add(live.index, Trajectory(
            episode_id=live.episode.id, persona=live.episode.persona, agent=agent.name, simulator=simulator.name,
            view=view, seed=seed, turns=live.turns, final_state=state,
            status="ok" if error is None else "error", error=error,
        ))

    with _fewer_gc_pauses():
        while queue or active:
            while queue and len(active) < batch_size:
                index, ep = queue.popleft()
                active.append(_Live(
                    index, ep, ep.persona.initial_state,
                    agent_rng=random.Random(f"agent:{seed}:{ep.id}"),
                    user_rng=random.Random(f"user:{seed}:{ep.id}"),
                ))
            live = _agent_turns(pack, agent, active, finish)
            replies: list[UserTurn] = simulator.step_batch(
                [UserTurnRequest(lv.episode.persona, lv.state, text, lv.user_rng, lv.history) for lv, text, _ in live]
            )
            still: list[_Live] = []
            for (lv, text, out), reply in zip(live, replies):
                _record_turn(lv, text, out, reply)
                if reply.state.done:
                    finish(lv, reply.state)
                else:
                    still.append(lv)
            active = still
    return delivery.results


class _InOrder:
    """Finished dialogues handed on in input order: `on_done` as soon as one and all before it are finished."""

    def __init__(self, on_done: Callable[[Trajectory], None] | None):
        self.on_done = on_done
        self.finished: dict[int, Trajectory] = {}
        self.results: list[Trajectory] = []

    def add(self, index: int, traj: Trajectory) -> None:
        self.finished[index] = traj
        while len(self.results) in self.finished:
            ready = self.finished.pop(len(self.results))
            self.results.append(ready)
            if self.on_done is not None:
                self.on_done(ready)


def _agent_turns(pack: Scenario, agent: Agent, active: list[_Live],
                 finish: Callable[..., None]) -> list[tuple[_Live, str, AgentReply | None]]:
    """One agent turn for every live dialogue, in one batched call: (dialogue, text, the model's reply or None for a
    scripted agent's plain string). A failed generation ends its dialogue with status "error" (reported, not
    dropped) and is not in the list."""
    observations = [observe(pack, lv.episode.persona, lv.history, agent.privileged) for lv in active]
    outputs = agent.act(observations, [lv.agent_rng for lv in active])
    live: list[tuple[_Live, str, AgentReply | None]] = []  # scripted agents return plain strings: no wrapping
    for lv, out in zip(active, outputs):
        if isinstance(out, str):
            live.append((lv, out, None))
        elif out.error is not None:
            finish(lv, None, error=f"agent turn {len(lv.turns) + 1}: {out.error}")
        else:
            live.append((lv, out.text, out))
    return live


def _record_turn(lv: _Live, text: str, out: AgentReply | None, reply: UserTurn) -> None:
    """The turn's agent text (with its sampled token ids and log-probs, if a model said it) and the user's reply,
    added to the dialogue's history and its record."""
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

"""The two play modes, over protod's own agents, simulators and views.

- play the user: an agent (scripted, llm:<spec>, or a bare model spec) calls; the person answers and sets the user's
  state (stance, trust, each concern's status, decision) after every agent turn. That state is the person's label of
  where the user stands, recorded exactly where a simulator records its own.
- play the agent: a simulator (rule, semantic, cus-llm, prompted) is called by the person, who sees the deployable
  or privileged briefing; acts and state stay hidden until the call ends unless the person asked to see them.

A session is the list of its events (store.SessionStore): replaying them gives the dialogue back, so a restarted
server continues it. Every turn draws from an RNG seeded by (session seed, session id, turn), never from one that
lives in memory, so a turn generated again after a crash is the same turn.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protod.agent.views import Message, deployable_messages, observe, privileged_messages
from protod.user.persona import Persona, PersonaSampler
from protod.run.rollout import Trajectory
from protod.run.trajectories import read_trajectories
from protod.world import Scenario, load_scenario
from protod.serve.store import SessionStore, append_line, write_atomic
from protod.user.state import ConcernStatus, Decision, UserState

MODES = ("user", "agent")
RUN_DIRS = {"user": "play-user", "agent": "play-agent"}
PERSON_DECISIONS = ("continue", "accept", "reject", "hang_up")  # timeout is the budget's, not the person's
STATUSES = tuple(s.value for s in ConcernStatus)


def weighs(severity: float) -> str:
    """A concern's severity in plain words (the pack's severities lie in about 0.1-0.4)."""
    return "weighs heavily" if severity >= 0.3 else "weighs moderately" if severity >= 0.2 else "weighs a little"


@dataclass
class Session:
    """One play session, rebuilt from its events."""

    id: str
    mode: str
    start: dict[str, Any]
    pack: Scenario
    persona: Persona
    turns: list[dict[str, Any]] = field(default_factory=list)
    pending_agent: dict[str, Any] | None = None  # an agent line said, its answer not yet stored
    end: dict[str, Any] | None = None

    @classmethod
    def from_events(cls, sid: str, events: list[dict[str, Any]]) -> Session:
        start = events[0]
        pack = load_scenario(start["scenario"])
        session = cls(sid, start["mode"], start, pack, Persona.from_dict(start["persona"]))
        for e in events[1:]:
            if e["event"] == "agent":
                session.pending_agent = e
            elif e["event"] == "turn":
                session.turns.append(e["record"])
                session.pending_agent = None
            elif e["event"] == "end":
                session.end = e
        return session

    @property
    def state(self) -> UserState:
        return UserState.from_dict(self.turns[-1]["state"]) if self.turns else self.persona.initial_state

    @property
    def history(self) -> tuple[Message, ...]:
        said: tuple[Message, ...] = ()
        for t in self.turns:
            said += (Message("agent", t["agent"]), Message("user", t["user"]))
        return said

    @property
    def seed(self) -> int:
        return int(self.start["seed"])

    def rng(self, who: str) -> random.Random:
        return random.Random(f"serve-{who}:{self.seed}:{self.id}:{len(self.turns) + 1}")

    def briefing(self) -> str:
        """What the person playing the agent is told: exactly the system prompt an LLM agent of that view gets."""
        privileged = self.start.get("view") == "privileged"
        obs = observe(self.pack, self.persona, (), privileged)
        return (privileged_messages(obs) if privileged else deployable_messages(obs))[0]["content"]

    def persona_card(self) -> dict[str, Any]:
        pack = self.pack
        return {
            "traits": [(pack.trait_by_name[k].description, v) for k, v in self.persona.traits.items()],
            "concerns": [{"id": c.id, "text": pack.concern_by_id[c.id].description, "weight": weighs(c.severity),
                          "severity": c.severity} for c in self.persona.concerns],
        }


class Players:
    """Agents and simulators by spec, built once per server (a local model loads once) and shared by sessions."""

    def __init__(self, store: SessionStore, device: str | None = None):
        self.store = store
        self.device = device
        self._agents: dict[str, Any] = {}
        self._sims: dict[tuple[str, str, str | None], Any] = {}
        self._build = threading.Lock()

    # -- building ------------------------------------------------------------------------------------------------
    def agent(self, spec: str) -> Any:
        from protod.agent.llm import make_agent
        from protod.agent.registry import SCRIPTED_AGENTS
        from protod.backends import SamplingParams

        spec = spec.strip()
        if not spec:
            raise ValueError("agent: give a scripted agent, llm:<model spec>[:view] or a model spec")
        with self._build:
            if spec not in self._agents:
                params = SamplingParams(temperature=0.7, max_new_tokens=96)
                if spec in SCRIPTED_AGENTS or spec.startswith("llm"):
                    self._agents[spec] = make_agent(spec, params=params, device=self.device)
                else:  # a bare model spec (smollm2, hf:, openai:, vllm:) is an LLM caller in the deployable view
                    self._agents[spec] = make_agent("llm", model=spec, params=params, device=self.device)
            return self._agents[spec]

    def simulator(self, kind: str, pack: Scenario, sim_model: str | None) -> Any:
        from protod.backends import load_backend
        from protod.user.simulator import make_simulator

        key = (kind, pack.id, sim_model)
        with self._build:
            if key not in self._sims:
                backend = load_backend(sim_model, device=self.device) if sim_model else None
                self._sims[key] = make_simulator(kind, pack, backend)
            return self._sims[key]

    # -- starting ------------------------------------------------------------------------------------------------
    def start(self, mode: str, scenario: str, seed: int, stratum: str | None = None, agent: str = "prober",
              simulator: str = "rule", sim_model: str | None = None, view: str = "deployable", reveal: bool = False) -> str:
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}: expected one of {MODES}")
        if view not in ("deployable", "privileged"):
            raise ValueError(f"view {view!r}: expected deployable or privileged")
        pack = load_scenario(scenario)
        persona = PersonaSampler(pack, seed).sample(1, stratum=stratum or None)[0]
        start: dict[str, Any] = {"event": "start", "mode": mode, "scenario": scenario, "seed": seed, "stratum": stratum or None,
                                 "persona": persona.to_dict()}
        if mode == "user":
            caller = self.agent(agent)  # a bad spec fails here, before a session exists
            start.update(agent=agent, agent_name=caller.name, view="privileged" if caller.privileged else "deployable")
        else:
            sim = self.simulator(simulator, pack, sim_model or None)
            start.update(simulator=simulator, simulator_name=sim.name, sim_model=sim_model or None, view=view, reveal=reveal)
        sid = self.store.new_id()
        self.store.append(sid, start)
        if mode == "user":
            self.agent_turn(self.load(sid))
        return sid

    def load(self, sid: str) -> Session:
        return Session.from_events(sid, self.store.events(sid))

    # -- play the user: the agent speaks, the person answers and labels the state ---------------------------------
    def agent_turn(self, session: Session) -> None:
        """Generate and store the caller's next line, unless one is waiting for an answer or the call is over."""
        if session.mode != "user" or session.end is not None or session.pending_agent is not None:
            return
        caller = self.agent(session.start["agent"])
        obs = observe(session.pack, session.persona, session.history, caller.privileged)
        said = caller.act([obs], [session.rng("agent")])[0]
        if not isinstance(said, str) and said.error is not None:
            self.finish(session, error=f"agent turn {len(session.turns) + 1}: {said.error}")
            return
        text = said if isinstance(said, str) else said.text
        event = {"event": "agent", "turn": len(session.turns) + 1, "text": text}
        if not isinstance(said, str) and said.meta:
            event["meta"] = said.meta
        self.store.append(session.id, event)
        session.pending_agent = event

    def person_answers(self, session: Session, text: str, panel: dict[str, Any]) -> None:
        """The person's reply as the user, with the state they set: stored as a simulator would store its turn."""
        from protod.user.perceive import RulePerceiver

        if session.pending_agent is None:
            raise ValueError("There is no caller line to answer (the call may have ended); reload the page.")
        prev = session.state
        decision = panel["decision"]
        if decision not in PERSON_DECISIONS:
            raise ValueError(f"decision {decision!r}: expected one of {PERSON_DECISIONS}")
        turn = prev.turn + 1
        if decision == "continue" and turn >= session.pack.turn_budget:
            decision = Decision.TIMEOUT.value
        concerns = {}
        for cid, status in prev.concerns:
            chosen = panel["concerns"].get(cid, status.value)
            if chosen not in STATUSES:
                raise ValueError(f"concern {cid}: status {chosen!r}, expected one of {STATUSES}")
            concerns[cid] = chosen
        for name in ("stance", "trust"):
            if not 0.0 <= panel[name] <= 1.0:
                raise ValueError(f"{name} {panel[name]!r}: expected a number from 0 to 1")
        state = UserState.from_dict({**prev.to_dict(), "stance": panel["stance"], "trust": panel["trust"],
                                     "concerns": concerns, "turn": turn, "decision": decision})
        before = dict(prev.concerns)
        events = [f"{s.value}:{cid}" for cid, s in state.concerns if s is not before[cid]]
        if state.decision is not Decision.CONTINUE:
            events.append(state.decision.value)
        agent_text = session.pending_agent["text"]
        # What the agent's turn did, by the rule perceiver: recorded for the metrics only, as the prompted
        # simulator does; the state is the person's.
        acts = RulePerceiver(session.pack).perceive(agent_text).acts()
        record = {"turn": turn, "agent": agent_text, "user": text, "acts": acts, "events": events,
                  "state": state.to_dict(), "labelled_by": "person"}
        if session.pending_agent.get("meta"):
            record["agent_meta"] = session.pending_agent["meta"]
        self.store.append(session.id, {"event": "turn", "record": record})
        session.turns.append(record)
        session.pending_agent = None
        if state.done:
            self.finish(session)
        else:
            self.agent_turn(session)

    # -- play the agent: the person speaks, the simulator answers -------------------------------------------------
    def person_says(self, session: Session, text: str) -> None:
        if session.end is not None:
            raise ValueError("This call has ended; start a new one from the home page.")
        if session.pending_agent is not None:
            raise ValueError("Your previous line is still waiting for the user's answer; reload the page to get it.")
        # Stored before the simulator runs: a crash or a failing model there loses nothing typed.
        session.pending_agent = {"event": "agent", "turn": len(session.turns) + 1, "text": text}
        self.store.append(session.id, session.pending_agent)
        self.answer_pending(session)

    def answer_pending(self, session: Session) -> None:
        """The simulator answers the stored agent line (also after a restart that came between the two)."""
        if session.mode != "agent" or session.pending_agent is None or session.end is not None:
            return
        sim = self.simulator(session.start["simulator"], session.pack, session.start.get("sim_model"))
        from protod.user.simulator import UserTurnRequest

        text = session.pending_agent["text"]
        reply = sim.step_batch([UserTurnRequest(session.persona, session.state, text, session.rng("user"), session.history)])[0]
        record = {"turn": reply.state.turn, "agent": text, **reply.to_dict()}
        self.store.append(session.id, {"event": "turn", "record": record})
        session.turns.append(record)
        session.pending_agent = None
        if reply.state.done:
            self.finish(session)

    # -- ending ----------------------------------------------------------------------------------------------------
    def finish(self, session: Session, error: str | None = None, by_person: bool = False) -> None:
        """End the call: the dialogue joins its run directory (once, even when a crash came between), then the
        session's end event is stored."""
        if session.end is not None:
            return
        final = session.state
        if not final.done:  # ended by the person before any decision: the call ends unaccepted
            final = UserState.from_dict({**final.to_dict(), "decision": Decision.HANG_UP.value})
        start = session.start
        traj = Trajectory(
            episode_id=f"{session.persona.id}-{session.id}", persona=session.persona,
            agent=start["agent_name"] if session.mode == "user" else "human",
            simulator="human" if session.mode == "user" else start["simulator_name"],
            view=start["view"], seed=session.seed, turns=session.turns, final_state=None if error else final,
            status="error" if error else "ok", error=error,
        ).to_dict()
        traj["mode"] = f"human-as-{session.mode}"
        if by_person:
            traj["ended_by"] = "person"
        run_dir = self.store.root / RUN_DIRS[session.mode]
        path = run_dir / "trajectories.jsonl"
        if traj["id"] not in {r["id"] for r in read_trajectories(path)}:
            append_line(path, traj)
        write_metrics(run_dir)
        session.end = {"event": "end", "decision": traj["decision"], "status": traj["status"], "error": error}
        self.store.append(session.id, session.end)


def write_metrics(run_dir: Path) -> None:
    """metrics.json beside the trajectories, as `protod simulate` writes it, so report shows the people's runs."""
    import json

    from protod.run.metrics import summarize

    records = read_trajectories(run_dir / "trajectories.jsonl")
    write_atomic(run_dir / "metrics.json", json.dumps(summarize(records), indent=2) + "\n")

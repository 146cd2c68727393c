"""The Cognitive User Simulator: perceive -> transition -> express.

Perception and expression are swappable backends (rules here; LLMs in later backends); the transition is always the
pure function in protod.user.state, so the state dynamics stay explicit and auditable whichever backend speaks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Protocol

from protod.persona import Persona
from protod.scenario import Scenario
from protod.user.express import TemplateExpresser
from protod.user.perceive import RulePerceiver
from protod.user.state import Perception, UserState, transition


@dataclass(frozen=True, slots=True)
class UserTurn:
    """The user's side of one exchange."""

    text: str
    state: UserState
    acts: tuple[str, ...]  # what the agent's turn was perceived to do
    events: tuple[tuple[str, ...], ...]  # what changed in the user

    def to_dict(self) -> dict[str, Any]:
        return {
            "user": self.text,
            "acts": list(self.acts),
            "events": [":".join(e) for e in self.events],
            "state": self.state.to_dict(),
        }


class Perceiver(Protocol):
    def perceive(self, text: str) -> Perception: ...


class Expresser(Protocol):
    def express(self, events: tuple[tuple[str, ...], ...], persona: Persona, rng: random.Random) -> str: ...


class CognitiveUserSimulator:
    """A simulated user for a pack. Stateless across dialogues: the caller holds each dialogue's UserState.

    >>> sim = CognitiveUserSimulator(load_scenario("merchant_recruitment"))
    >>> turn = sim.step(persona, persona.initial_state, "How do you feel about the fees?", random.Random(0))
    """

    name = "rule"

    def __init__(self, pack: Scenario, perceiver: Perceiver | None = None, expresser: Expresser | None = None):
        self.pack = pack
        self.perceiver = perceiver or RulePerceiver(pack)
        self.expresser = expresser or TemplateExpresser(pack)
        # A persona's severities are the pack's; one dict for all users avoids rebuilding it every turn.
        self._severity = {c.id: c.severity for c in pack.concerns}
        self._acts: dict[Perception, tuple[str, ...]] = {}  # labels of a perception, computed once

    def step(self, persona: Persona, state: UserState, agent_text: str, rng: random.Random) -> UserTurn:
        perception = self.perceiver.perceive(agent_text)
        result = transition(state, perception, self._severity, self.pack.dynamics, self.pack.turn_budget)
        reply = self.expresser.express(result.events, persona, rng)
        acts = self._acts.get(perception)
        if acts is None:
            if len(self._acts) > 65536:
                self._acts.clear()
            acts = self._acts[perception] = tuple(perception.acts())
        return UserTurn(reply, result.state, acts, result.events)

    def step_batch(self, items: list[tuple[Persona, UserState, str, random.Random]]) -> list[UserTurn]:
        """One user turn for many dialogues at once (LLM backends batch here; rules just loop)."""
        return [self.step(*item) for item in items]

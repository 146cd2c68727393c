"""The two views of one dialogue, and the only place where hidden concerns may enter an agent's prompt.

- deployable view: the system prompt (role, goal, product facts, the user's visible traits, turn budget) plus the
  conversation. This is what a deployed agent can know.
- privileged view: the same plus one block listing the user's hidden concerns. AOPD's teacher sees this view.

Agent turns are identical text in both views, so a teacher's log-probs can be read at the student's positions.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from protod.user.persona import Persona
from protod.world import Scenario

Role = Literal["agent", "user"]
# Chat models expect a user message before the first assistant message; the agent speaks first on a cold call.
CALL_CONNECTED = "(The call connects. You speak first.)"


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    text: str
    token_ids: tuple[int, ...] | None = None  # for agent turns of a local model: exactly what it generated


@dataclass
class AgentReply:
    """One agent turn. Scripted agents may return plain strings; model agents return this."""

    text: str
    token_ids: list[int] | None = None
    logprobs: list[float] | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # model, sampling params, seed, retries, ...
    error: str | None = None  # the turn could not be produced: the dialogue ends with status "error"


@dataclass(frozen=True, slots=True)
class Observation:
    """What an agent may see before its turn `turn` (1-based). `concerns` is None in the deployable view."""

    scenario: Scenario
    persona_id: str
    traits: Mapping[str, str]
    history: tuple[Message, ...]
    turn: int
    concerns: tuple[str, ...] | None = None

    @property
    def privileged(self) -> bool:
        return self.concerns is not None


def observe(pack: Scenario, persona: Persona, history: tuple[Message, ...], privileged: bool) -> Observation:
    turn = len(history) // 2 + 1  # history alternates agent, user
    concerns = tuple(c.id for c in persona.concerns) if privileged else None
    return Observation(pack, persona.id, persona.traits, history, turn, concerns)


def system_prompt(obs: Observation) -> str:
    """The deployable system prompt: nothing in it depends on the user's hidden concerns."""
    pack = obs.scenario
    facts = "\n".join(f"- {f.text}" for f in pack.facts)
    traits = "\n".join(f"- {pack.trait_by_name[k].description} {v}" for k, v in obs.traits.items())
    return (
        f"You are {pack.agent.role}. You are calling someone who did not ask for this call.\n"
        f"Goal: {pack.agent.goal}.\n"
        f"You have at most {pack.turn_budget} turns. Find out what holds the person back by asking about them, "
        "answer each worry truthfully with the facts below, and ask for the decision when they are ready. "
        "Never state anything that is not in the facts.\n\n"
        f"Product facts (the only claims you may make):\n{facts}\n\n"
        f"What you can see about this person:\n{traits}\n\n"
        f"Open with something like: {pack.agent.opening}"
    )


def concern_block(pack: Scenario, concern_ids: tuple[str, ...]) -> str:
    lines = "\n".join(f"- {pack.concern_by_id[c].description}" for c in concern_ids)
    return (
        "\n\nPrivileged information (the person has not told you this; do not say that you know it):\n"
        f"What really holds this person back:\n{lines}"
    )


def _chat(system: str, history: tuple[Message, ...]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}, {"role": "user", "content": CALL_CONNECTED}]
    for m in history:
        message: dict[str, Any] = {"role": "assistant" if m.role == "agent" else "user", "content": m.text}
        if m.token_ids is not None:
            message["token_ids"] = list(m.token_ids)  # token in, token out: see protod.backends.chat_tokens
        messages.append(message)
    return messages


def deployable_messages(obs: Observation) -> list[dict[str, Any]]:
    """Chat messages of the deployable view (never contains hidden concerns, whatever `obs` holds)."""
    return _chat(system_prompt(obs), obs.history)


def privileged_messages(obs: Observation, concerns: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Chat messages of the privileged view. `concerns` overrides the observed ones (ablations: random / none)."""
    shown = obs.concerns if concerns is None else concerns
    if shown is None:
        raise ValueError("privileged_messages needs an observation from the privileged view or explicit concerns")
    block = concern_block(obs.scenario, shown) if shown else ""
    return _chat(system_prompt(obs) + block, obs.history)


class Agent(Protocol):
    """A policy. `act` produces the next agent turn for many dialogues at once (model backends batch here)."""

    name: str
    privileged: bool  # True if it must be given the privileged view

    def act(self, observations: list[Observation], rngs: list[random.Random]) -> list[str | AgentReply]: ...

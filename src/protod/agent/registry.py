"""Every scripted agent by name: the honest reference agents (`scripted`) and the adversarial zoo (`adversarial`).

Its own module so that neither of the two imports the other: the zoo builds on `ScriptedAgent`, and the registry
builds on both. `protod simulate --agent cue-stuffer` works like any scripted agent through it.
"""

from __future__ import annotations

from protod.agent.adversarial import ADVERSARIAL_AGENTS
from protod.agent.scripted import HONEST_AGENTS, ScriptedAgent

SCRIPTED_AGENTS: dict[str, type[ScriptedAgent]] = {**HONEST_AGENTS, **ADVERSARIAL_AGENTS}


def make_scripted_agent(name: str) -> ScriptedAgent:
    try:
        return SCRIPTED_AGENTS[name]()
    except KeyError:
        raise ValueError(f"unknown agent {name!r}; scripted agents are {sorted(SCRIPTED_AGENTS)}") from None

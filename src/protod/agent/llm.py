"""An agent backed by any model backend, in the deployable or the privileged view.

Prompts come only from protod.agent.views. Each turn draws a sampling seed from the dialogue's own RNG, so a
dialogue is reproducible whatever else shares its batch.
"""

from __future__ import annotations

import random

from protod.agent.views import AgentReply, Observation, deployable_messages, privileged_messages
from protod.backends.base import Backend, SamplingParams

VIEWS = ("deployable", "privileged")


class LLMAgent:
    def __init__(self, backend: Backend, view: str = "deployable", params: SamplingParams | None = None, name: str | None = None):
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}; expected one of {VIEWS}")
        self.backend = backend
        self.view = view
        self.privileged = view == "privileged"
        self.params = params or SamplingParams()
        self.name = name or f"llm:{backend.name}:{view}"

    def prompts(self, observations: list[Observation]) -> list[list[dict]]:
        build = privileged_messages if self.privileged else deployable_messages
        return [build(obs) for obs in observations]

    def act(self, observations: list[Observation], rngs: list[random.Random]) -> list[AgentReply]:
        seeds = [rng.getrandbits(31) for rng in rngs]
        generations = self.backend.generate(self.prompts(observations), self.params, seeds)
        return [
            AgentReply(text=g.text, token_ids=g.token_ids, logprobs=g.logprobs,
                       meta={**g.meta, "finish_reason": g.finish_reason}, error=g.error)
            for g in generations
        ]

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

    def release(self, observations: list[Observation]) -> None:
        """The dialogues behind `observations` are over: a backend that keeps per-dialogue state may drop it."""
        release = getattr(self.backend, "release", None)
        if release is not None:
            release(self.prompts(observations))


def make_agent(
    spec: str,
    model: str | None = None,
    view: str | None = None,
    params: SamplingParams | None = None,
    device: str | None = None,
    **backend_options: object,
):
    """An agent from a CLI-style spec.

    - a scripted agent name: passive, prober, oracle, stuffer, random;
    - `llm` with `model` (a model spec) and `view`;
    - `llm:<model spec>[:deployable|:privileged]`, e.g. `llm:smollm2:privileged`, `llm:hf:runs/ckpt`,
      `llm:openai:gpt-4o-mini@https://api.openai.com/v1`.
    """
    from protod.agent.registry import SCRIPTED_AGENTS, make_scripted_agent
    from protod.backends import load_backend

    if spec in SCRIPTED_AGENTS:
        return make_scripted_agent(spec)
    if spec == "llm":
        if not model:
            raise ValueError("--agent llm needs --model (smollm2 | hf:<dir> | openai:<model>@<base_url>)")
        model_spec, chosen_view = model, view or "deployable"
    elif spec.startswith("llm:"):
        model_spec, chosen_view = spec[4:], view or "deployable"
        head, _, tail = model_spec.rpartition(":")
        if tail in VIEWS and head:
            model_spec, chosen_view = head, tail
    else:
        raise ValueError(f"unknown agent {spec!r}; use a scripted agent ({', '.join(SCRIPTED_AGENTS)}) or llm:<model spec>[:view]")
    backend = load_backend(model_spec, device=device, **backend_options)
    return LLMAgent(backend, view=chosen_view, params=params)

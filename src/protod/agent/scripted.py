"""Reference policies with no model: passive, prober, oracle, stuffer, random.

They speak only the pack's own sentences, so they work for any pack. Each is a pure function of the observation
(their memory is the dialogue history) and the dialogue's RNG. The prober reads the user's replies the way a
person would: it recognises which known worry the user just voiced; only the oracle is told the hidden concerns.
"""

from __future__ import annotations

import random
from functools import lru_cache

from protod.agent.views import Observation
from protod.world import Scenario


@lru_cache(maxsize=4096)
def _rendered_lines(pack: Scenario, traits: tuple[tuple[str, str], ...], kind: str) -> tuple[tuple[str, str], ...]:
    values = dict(traits)
    return tuple((c.id, line.format_map(values)) for c in pack.concerns for line in getattr(c, kind))


@lru_cache(maxsize=65536)
def _lines_in(pack: Scenario, traits: tuple[tuple[str, str], ...], kind: str, text: str) -> frozenset[str]:
    return frozenset(cid for cid, line in _rendered_lines(pack, traits, kind) if line in text)


def heard(obs: Observation, kind: str = "reveal_lines") -> set[str]:
    """Concern ids whose `kind` lines ('reveal_lines' or 'resolved_lines') the user has said so far."""
    traits = tuple(sorted(obs.traits.items()))
    out: set[str] = set()
    for m in obs.history:
        if m.role == "user":
            out |= _lines_in(obs.scenario, traits, kind, m.text)
    return out


def _own(obs: Observation) -> list[str]:
    return [m.text for m in obs.history if m.role == "agent"]


def _answer(pack: Scenario, concern_id: str) -> str:
    return pack.fact_by_id[pack.concern_by_id[concern_id].resolution_facts[0]].text


def _asked_to_close(pack: Scenario, text: str) -> bool:
    return any(line in text for line in pack.agent_lines.closing)


class ScriptedAgent:
    name = "scripted"
    privileged = False

    def act(self, observations: list[Observation], rngs: list[random.Random]) -> list[str]:
        return [self.turn(obs, rng) for obs, rng in zip(observations, rngs)]

    def turn(self, obs: Observation, rng: random.Random) -> str:
        parts = self.parts(obs, rng)
        if obs.turn == 1:
            parts.insert(0, obs.scenario.agent.opening)
        return " ".join(parts)

    def parts(self, obs: Observation, rng: random.Random) -> list[str]:
        raise NotImplementedError


class PassiveAgent(ScriptedAgent):
    """Pitches benefits and asks for the sign-up: the conservative behaviour the paper starts from."""

    name = "passive"

    def parts(self, obs, rng):
        lines = obs.scenario.agent_lines
        pitch = rng.choice(lines.pitch)
        return [pitch] if obs.turn == 1 else [pitch, rng.choice(lines.closing)]


class StufferAgent(ScriptedAgent):
    """Recites every product fact each turn and asks: keyword stuffing must not pay."""

    name = "stuffer"

    def parts(self, obs, rng):
        pack = obs.scenario
        return [f.text for f in pack.facts] + [rng.choice(pack.agent_lines.closing)]


class RandomAgent(ScriptedAgent):
    """One or two random sentences from the pack (any kind): a floor for every metric."""

    name = "random"

    def parts(self, obs, rng):
        pack = obs.scenario
        pool = (
            pack.agent_lines.pitch + pack.agent_lines.closing + pack.agent_lines.small_talk
            + [q for a in pack.probe_areas for q in a.questions]
            + [c.probe_question for c in pack.concerns] + [f.text for f in pack.facts]
        )
        return rng.sample(pool, k=rng.randint(1, 2))


@lru_cache(maxsize=65536)
def _has_area_question(pack: Scenario, text: str) -> bool:
    return any(q in text for a in pack.probe_areas for q in a.questions)


class ProberAgent(ScriptedAgent):
    """Asks open questions area by area in a fixed order, answers each worry it hears, asks after every round."""

    name = "prober"

    def parts(self, obs, rng):
        pack = obs.scenario
        own = _own(obs)
        asked = sum(1 for text in own if _has_area_question(pack, text))
        # Answer every worry heard and not yet settled (if an answer did not land, say it again).
        parts = [_answer(pack, cid) for cid in sorted(heard(obs) - heard(obs, "resolved_lines"))]
        round_done = asked > 0 and asked % len(pack.probe_areas) == 0
        if round_done and not (own and _asked_to_close(pack, own[-1])):
            parts.append(rng.choice(pack.agent_lines.closing))
        else:
            area = pack.probe_areas[asked % len(pack.probe_areas)]
            parts.append(rng.choice(area.questions))
        return parts


CONFIRMATION = "Yes, that applies to you too."


class OracleAgent(ScriptedAgent):
    """Privileged: probes exactly the user's hidden concerns one by one, answers each, then asks."""

    name = "oracle"
    privileged = True

    def parts(self, obs, rng):
        if obs.concerns is None:
            raise ValueError("the oracle agent needs the privileged view")
        pack = obs.scenario
        own = _own(obs)
        probed = [cid for cid in obs.concerns if any(pack.concern_by_id[cid].probe_question in t for t in own)]
        settled = heard(obs, "resolved_lines")
        parts = [_answer(pack, cid) for cid in probed if cid not in settled]
        if any(answer in text for answer in parts for text in own):
            # an answer the user has heard and asked about ("Would that apply in my case?") is confirmed, not just
            # read out again: the same line word for word settles nothing
            parts.insert(0, CONFIRMATION)
        todo = [cid for cid in obs.concerns if cid not in probed]
        if todo:
            parts.append(pack.concern_by_id[todo[0]].probe_question)
        else:
            parts.append(rng.choice(pack.agent_lines.closing))
        return parts


HONEST_AGENTS: dict[str, type[ScriptedAgent]] = {
    cls.name: cls for cls in (PassiveAgent, ProberAgent, OracleAgent, StufferAgent, RandomAgent)
}

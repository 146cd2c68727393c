"""Personas: a user's visible traits, hidden concerns and initial state, drawn stratified and seeded.

Strata are difficulty x primary concern. Traits are drawn *given* the primary concern (each value's prior weight times
the pack's trait->concern correlation multipliers), then the other concerns are drawn given the traits. So the
correlation holds in both directions and a concern-blind agent can learn which concerns to probe from what it sees.

Persona i of a seed depends only on (pack, seed, i): a resumed or extended run draws exactly the same users.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from protod.world import Scenario
from protod.user.state import ConcernStatus, UserState


@dataclass(frozen=True, slots=True)
class HiddenConcern:
    id: str
    severity: float


@dataclass(frozen=True, slots=True)
class Persona:
    id: str
    scenario: str
    index: int
    seed: int
    stratum: str  # "difficulty/primary_concern"
    difficulty: str
    traits: dict[str, str]  # visible to every agent
    concerns: tuple[HiddenConcern, ...]  # hidden: only the privileged view sees them
    initial_state: UserState

    @property
    def severity(self) -> dict[str, float]:
        return {c.id: c.severity for c in self.concerns}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scenario": self.scenario,
            "index": self.index,
            "seed": self.seed,
            "stratum": self.stratum,
            "difficulty": self.difficulty,
            "traits": dict(self.traits),
            "concerns": [{"id": c.id, "severity": c.severity} for c in self.concerns],
            "initial_state": self.initial_state.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Persona:
        return cls(
            id=data["id"],
            scenario=data["scenario"],
            index=int(data["index"]),
            seed=int(data["seed"]),
            stratum=data["stratum"],
            difficulty=data["difficulty"],
            traits=dict(data["traits"]),
            concerns=tuple(HiddenConcern(c["id"], float(c["severity"])) for c in data["concerns"]),
            initial_state=UserState.from_dict(data["initial_state"]),
        )


# A trait value that says the user lives alone ("someone living alone", "living on my own"): such a user says "I", not
# "we", in the pack's lines (round 112: "We're on a tight monthly budget." from a user who lives alone)
LIVES_ALONE = re.compile(r"\bliv(?:e|es|ing) (?:on (?:my|their|his|her) own|alone|by (?:my|them|him|her)self)\b")


def lives_alone(persona: Persona) -> bool:
    return any(isinstance(v, str) and LIVES_ALONE.search(v.lower()) for v in persona.traits.values())


def concern_weights(pack: Scenario, traits: dict[str, str]) -> dict[str, float]:
    """Each concern's prior weight given visible traits: its `base_weight` times the pack's correlation multiplier of
    every trait value the user shows (in pack order). The sampler draws a user's further concerns from exactly these
    weights, and anyone who can read the pack and see the user can compute them: no hidden information."""
    out = {}
    for c in pack.concerns:
        w = c.base_weight
        for corr in pack.correlations:
            if corr.concern == c.id and traits.get(corr.trait) == corr.value:
                w *= corr.weight
        out[c.id] = w
    return out


def prior_concerns(pack: Scenario, traits: dict[str, str], k: int) -> tuple[str, ...]:
    """The k concerns an outside observer would guess from the visible traits: the highest `concern_weights`, ties
    in pack order (deterministic for a given persona)."""
    weights = concern_weights(pack, traits)
    ranked = sorted(weights, key=lambda cid: -weights[cid])  # stable: equal weights keep pack order
    return tuple(ranked[:max(0, k)])


def _ruled_out(pack: Scenario, name: str, value: str, drawn: dict[str, str]) -> bool:
    """`name` = `value` is incompatible with a trait value already drawn (the pack's `incompatible` pairs)."""
    return any(pair.get(name) == value and any(drawn.get(t) == v for t, v in pair.items() if t != name)
               for pair in pack.incompatible)


def _weighted_choice(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


class PersonaSampler:
    """Draws personas for a pack. `sample(n)` gives equal counts per stratum when n divides evenly."""

    def __init__(self, pack: Scenario, seed: int = 0):
        self.pack = pack
        self.seed = seed

    def strata(self, selector: str | None = None) -> list[str]:
        """Strata matching `selector`: a full stratum name, a difficulty, a concern id, or None for all."""
        all_strata = self.pack.strata
        if selector is None:
            return list(all_strata)
        chosen = [s for s in all_strata if selector in (s, *s.split("/"))]
        if not chosen:
            raise ValueError(
                f"unknown stratum {selector!r}: expected a difficulty {list(self.pack.difficulties)}, "
                f"a concern id, or 'difficulty/concern'"
            )
        return chosen

    def stratum_of(self, index: int, strata: list[str]) -> str:
        # Round-robin over a fresh seeded shuffle of the strata every cycle: balanced for any n, and the stratum
        # of index i never depends on n.
        cycle, pos = divmod(index, len(strata))
        order = list(strata)
        random.Random(f"strata:{self.pack.id}:{self.seed}:{cycle}:{len(strata)}").shuffle(order)
        return order[pos]

    def sample(self, n: int, stratum: str | None = None, start: int = 0) -> list[Persona]:
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        strata = self.strata(stratum)
        return [self.persona(i, self.stratum_of(i, strata)) for i in range(start, start + n)]

    def persona(self, index: int, stratum: str) -> Persona:
        pack = self.pack
        difficulty, primary = stratum.split("/", 1)
        level = pack.difficulties[difficulty]
        rng = random.Random(f"persona:{pack.id}:{self.seed}:{index}:{stratum}")

        traits: dict[str, str] = {}
        for field in pack.traits:
            weights = {v: w for v, w in field.values.items() if not _ruled_out(pack, field.name, v, traits)}
            for corr in pack.correlations:
                if corr.trait == field.name and corr.concern == primary:
                    if corr.value in weights:
                        weights[corr.value] *= corr.weight
            # (a value a correlation of 0 rules out for this concern is never drawn; the pack check keeps one open)
            traits[field.name] = _weighted_choice(rng, {v: w for v, w in weights.items() if w > 0} or weights)

        concern_ids = [primary]
        others = {cid: w for cid, w in concern_weights(pack, traits).items() if cid != primary and w > 0}
        while len(concern_ids) < level.n_concerns and others:
            pick = _weighted_choice(rng, others)
            concern_ids.append(pick)
            del others[pick]

        concerns = tuple(HiddenConcern(cid, pack.concern_by_id[cid].severity) for cid in concern_ids)
        stance = rng.uniform(level.stance.low, level.stance.high)
        trust = rng.uniform(level.trust.low, level.trust.high)
        patience = rng.randint(int(level.patience.low), int(level.patience.high))
        # The temperament the user shows shifts where they start (after every draw: the draws stay the same)
        for field in pack.traits:
            effect = field.effects.get(traits[field.name])
            if effect is not None:
                stance, trust, patience = stance + effect.stance, trust + effect.trust, patience + effect.patience
        state = UserState(
            stance=round(min(max(stance, 0.0), 1.0), 4),
            trust=round(min(max(trust, 0.0), 1.0), 4),
            patience=max(patience, 1),
            concerns=tuple((c.id, ConcernStatus.HIDDEN) for c in concerns),
        )
        return Persona(
            id=f"{pack.id}-s{self.seed}-{index:05d}",
            scenario=pack.id,
            index=index,
            seed=self.seed,
            stratum=stratum,
            difficulty=difficulty,
            traits=traits,
            concerns=concerns,
            initial_state=state,
        )

"""Expression: the user's reply, from the events of the transition. The template backend uses the pack's lines.

Lines are chosen with the dialogue's seeded RNG (diverse across seeds, reproducible for one) and filled with the
persona's own trait values only, so a user never contradicts what the agent can see about them.
"""

from __future__ import annotations

import random

from protod.persona import Persona
from protod.scenario import Scenario

# Which user line a plain event uses; concern events use the concern's own lines.
_GENERIC = {
    "false_claim": "false_claim",
    "pressure": "pressure",
    "no_concern": "no_concern",
    "barrage": "barrage",
    "ignored": "ignored",
    "acknowledge": "acknowledge",
    "pitch": "pitch",
    "off_topic": "off_topic",
    "refused_ask": "refuse_ask",
    "accept": "accept",
    "reject": "reject",
    "hang_up": "hang_up",
    "timeout": "timeout",
}
# A reply says at most this many things; the most informative first (see `_priority`).
_MAX_PARTS = 3
_priority = {
    "false_claim": 0, "pressure": 1, "resolved": 2, "voiced": 3, "no_concern": 4, "barrage": 4, "ignored": 4,
    "refused_ask": 5, "pitch": 6, "acknowledge": 7, "off_topic": 8,
}
_TERMINAL = {"accept", "reject", "hang_up", "timeout"}


class TemplateExpresser:
    def __init__(self, pack: Scenario):
        self.pack = pack

    def render(self, line: str, persona: Persona) -> str:
        return line.format_map(persona.traits)

    def express(self, events: tuple[tuple[str, ...], ...], persona: Persona, rng: random.Random) -> str:
        pack = self.pack
        body = sorted((e for e in events if e[0] not in _TERMINAL), key=lambda e: _priority.get(e[0], 9))
        parts: list[str] = []
        for event in body:
            kind = event[0]
            if kind == "resolved":
                lines = pack.concern_by_id[event[1]].resolved_lines
            elif kind == "voiced":
                lines = pack.concern_by_id[event[1]].reveal_lines
            else:
                lines = getattr(pack.user_lines, _GENERIC[kind])
            parts.append(self.render(rng.choice(lines), persona))
        parts = parts[:_MAX_PARTS]
        terminal = [e[0] for e in events if e[0] in _TERMINAL]
        if terminal:
            parts.append(self.render(rng.choice(getattr(pack.user_lines, _GENERIC[terminal[0]])), persona))
        if not parts:  # a turn with nothing the user can react to ("Do you have a minute?")
            parts.append(self.render(rng.choice(pack.user_lines.acknowledge), persona))
        return " ".join(parts)

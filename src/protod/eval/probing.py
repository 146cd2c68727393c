"""Which concern a policy probes first: what AOPD transfers beyond "ask about worries" (issue 22, item 7).

For each dialogue, the first concern the agent's turns were perceived to probe (a turn's probes are ordered best match
first) is compared with

    primary   the user's own primary concern (the persona's first, the one its stratum names): hidden from the agent
    prior     the concern an outside observer ranks first from the visible traits (protod.user.persona.prior_concerns)
    actual    any concern the user really holds

A blind policy that learned only the prior matches `prior` and matches `primary` about as often as the prior itself
does (`prior_hits_primary`, the baseline); a policy that reads the user from the conversation can beat that baseline.
Pure functions over trajectory records; shares are over dialogues with at least one probe.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from protod.user.persona import prior_concerns
from protod.world import Scenario


def first_probe(record: dict[str, Any]) -> str | None:
    """The first concern id any agent turn of the dialogue was perceived to probe, or None."""
    for turn in record.get("turns", ()):
        for act in turn.get("acts") or ():
            if act.startswith("probe:"):
                return act.split(":", 1)[1]
    return None


def first_probe_targets(pack: Scenario, records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Shares of first probes that hit the primary / the prior's top / any actual concern, with the baseline."""
    dialogues = probed = primary = prior = actual = prior_primary = 0
    for r in records:
        if r.get("status", "ok") != "ok":
            continue
        dialogues += 1
        persona = r["persona"]
        held = [c["id"] for c in persona.get("concerns", ())]
        guess = prior_concerns(pack, persona.get("traits", {}), 1)
        top = held[0] if held else None
        prior_primary += bool(guess) and guess[0] == top
        first = first_probe(r)
        if first is None:
            continue
        probed += 1
        primary += first == top
        prior += bool(guess) and first == guess[0]
        actual += first in held
    share = (lambda x: x / probed if probed else None)  # noqa: E731
    return {"dialogues": dialogues, "probed": probed / dialogues if dialogues else None,
            "first_hits_primary": share(primary), "first_hits_prior": share(prior), "first_hits_actual": share(actual),
            "prior_hits_primary": prior_primary / dialogues if dialogues else None}

"""Authoring checks a pack must pass beyond its schema: no mistakes a schema cannot see (`authoring_problems`, run on
every load), the simulator perceives the pack's own sentences as what they are meant to be (`perception_problems`,
run by `protod scenarios validate`), and the scripted reference agents land in the fidelity bands (`fidelity`,
printed by `protod baselines --scenario FILE`). All work on any pack: nothing here names a pack's wording.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from protod.scenario import _NAME, SUPPORTED_SCHEMA_VERSIONS, Problem, Scenario, UserLines, _items, _list, _short



def _words(text: str) -> str:
    """Lower-case words, space-padded, a plural s dropped: enough to tell whether a cue occurs in a text."""
    words = re.findall(r"[a-z0-9%]+", text.lower())
    return " " + " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words) + " "


def _cue_lists(data: Any, path: str = "") -> list[tuple[str, list[Any]]]:
    """Every list under a key that ends in `cues`, wherever the schema puts it (it grows: stay generic)."""
    found: list[tuple[str, list[Any]]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            sub = f"{path}.{key}" if path else str(key)
            if str(key).endswith("cues") and isinstance(value, list):
                found.append((sub, value))
            else:
                found.extend(_cue_lists(value, sub))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.extend(_cue_lists(value, f"{path}.{i}"))
    return found


def authoring_problems(data: dict[str, Any]) -> list[Problem]:
    """Mistakes a schema cannot see but a pack author makes: they would make the simulator wrong, not crash it.

    Generic over the schema: every `*cues` list anywhere, every number in `dynamics`, every difficulty.
    """
    problems: list[Problem] = []
    version = data.get("schema_version", 1)
    if isinstance(version, int) and version not in SUPPORTED_SCHEMA_VERSIONS:
        problems.append(Problem("schema_version", f"unknown schema_version {version}; this protod reads {list(SUPPORTED_SCHEMA_VERSIONS)}"))
    opening = data.get("agent", {}).get("opening") if isinstance(data.get("agent"), dict) else None
    opening_words = _words(opening) if isinstance(opening, str) else None
    # Probe cues count only inside questions; every other cue counts anywhere.
    opening_questions = _words(" ".join(re.findall(r"[^.!?]*\?", opening))) if isinstance(opening, str) else None
    for path, cues in _cue_lists(data):
        probing = path.startswith(("probe_areas", "concerns"))
        where = opening_questions if probing else opening_words
        for j, cue in enumerate(cues):
            if not isinstance(cue, str):
                continue
            words = _words(cue)
            if not words.strip():
                problems.append(Problem(f"{path}.{j}", "empty cue (it would match every turn)"))
            elif where is not None and words in where:
                problems.append(Problem(f"{path}.{j}", f"cue {cue[:40]!r} occurs in agent.opening (every call would trigger it)"))
    answered = {f for _, c in _items(data, "concerns") for f in _list(c.get("resolution_facts")) if isinstance(f, str)}
    for i, fact in _items(data, "facts"):
        text = fact.get("text")
        for j, cue in enumerate(_list(fact.get("cues"))):
            if isinstance(text, str) and isinstance(cue, str) and _words(cue).strip() and _words(cue) not in _words(text):
                problems.append(Problem(f"facts.{i}.cues.{j}", f"cue {cue[:40]!r} does not occur in the fact's text"))
        if isinstance(fact.get("id"), str) and answered and fact["id"] not in answered:
            problems.append(Problem(f"facts.{i}.id", f"fact {fact['id']!r} answers no concern (name it in a concern's resolution_facts)"))
    levels = data.get("difficulties")
    for name, level in (levels.items() if isinstance(levels, dict) else []):
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append(Problem(f"difficulties.{name}", "a difficulty name must be lower-case letters, digits, _ or - (it is part of stratum names)"))
        patience = level.get("patience") if isinstance(level, dict) else None
        if isinstance(patience, dict):
            for key in ("low", "high"):
                v = patience.get(key)
                if isinstance(v, (int, float)) and not isinstance(v, bool) and not (0 <= v <= 100):
                    problems.append(Problem(f"difficulties.{name}.patience.{key}", f"must lie within [0, 100], got {_short(v)}"))
    dynamics = data.get("dynamics")
    for key, v in (dynamics.items() if isinstance(dynamics, dict) else []):
        if isinstance(v, float) and math.isfinite(v) and not (0 <= v <= 1):
            problems.append(Problem(f"dynamics.{key}", f"stance and trust amounts lie within [0, 1], got {_short(v)}"))
        elif isinstance(v, int) and not isinstance(v, bool) and not (0 <= v <= 100):
            problems.append(Problem(f"dynamics.{key}", f"must lie within [0, 100], got {v}"))
    return problems


def perception_problems(pack: Scenario) -> list[Problem]:
    """Sentences of the pack that the rule perceiver reads as something else than intended (field path + why)."""
    from protod.user.perceive import RulePerceiver, normalise

    perceive = RulePerceiver(pack).perceive
    problems: list[Problem] = []

    def bad(path: str, why: str) -> None:
        problems.append(Problem(path, why))

    for i, fact in enumerate(pack.facts):
        p = perceive(fact.text)
        if p.facts != (fact.id,):
            bad(f"facts.{i}.text", f"perceived as facts {list(p.facts)}, expected exactly [{fact.id!r}] (check its cues)")
        elif p.false_claims or p.pressure or p.closing_ask or p.pitch:
            bad(f"facts.{i}.text", "also perceived as a pitch, pressure, closing ask or false claim")
    for i, c in enumerate(pack.concerns):
        p = perceive(c.probe_question)
        if c.id not in p.pointed or not p.probes or p.probes[0] != c.id:
            bad(f"concerns.{i}.probe_question", f"not perceived as a pointed probe of {c.id!r} (got probes {list(p.probes)})")
        elif p.facts or p.closing_ask or p.barrage:
            bad(f"concerns.{i}.probe_question", "also states a fact, asks to close or reads as a barrage")
    for i, area in enumerate(pack.probe_areas):
        members = {c.id for c in pack.concerns if c.area == area.id}
        if not members:
            bad(f"probe_areas.{i}.id", f"area {area.id!r} has no concerns")
            continue
        for j, q in enumerate(area.questions):
            p = perceive(q)
            if not members <= set(p.probes) or p.facts or p.closing_ask or p.barrage:
                bad(f"probe_areas.{i}.questions.{j}", f"not perceived as a plain question about every concern of {area.id!r}")
    kinds: list[tuple[str, list[str], Callable[..., bool]]] = [
        ("pitch", pack.agent_lines.pitch, lambda p: p.pitch and not p.probes and not p.facts and not p.closing_ask),
        ("closing", pack.agent_lines.closing, lambda p: p.closing_ask and not p.probes and not p.facts),
        # (chit-chat near the offer's words is small talk, further off it is off the subject: neither earns anything)
        ("small_talk", pack.agent_lines.small_talk, lambda p: (p.off_topic or p.small_talk) and not (
            p.probes or p.facts or p.false_claims or p.pitch or p.pressure or p.closing_ask or p.nonsense)),
    ]
    for kind, lines, ok in kinds:
        for j, line in enumerate(lines):
            if not ok(perceive(line)):
                bad(f"agent_lines.{kind}.{j}", f"not perceived as {kind.replace('_', ' ')}")
    p = perceive(pack.agent.opening)
    if p.probes or p.facts or p.closing_ask or p.pitch or p.pressure:
        bad("agent.opening", "the opening is perceived as a probe, fact, pitch, pressure or closing ask")
    fact_texts = [normalise(f.text) for f in pack.facts]
    for i, claim in enumerate(pack.false_claims):
        for j, cue in enumerate(claim.cues):
            if any(normalise(cue)[:-1] in text for text in fact_texts):
                bad(f"false_claims.{i}.cues.{j}", f"{cue!r} occurs in a true fact: stating that fact would read as a false claim")
            elif not perceive(f"Honestly, {cue}.").false_claims:
                bad(f"false_claims.{i}.cues.{j}", "not perceived as a false claim")
    user_lines = [line for c in pack.concerns for line in c.reveal_lines + c.resolved_lines]
    user_lines += [line for name in UserLines.model_fields for line in getattr(pack.user_lines, name)]
    for i, trait in enumerate(pack.traits):
        for value in trait.values:
            word = re.compile(rf"\b{re.escape(value)}\b", re.I)
            if any(word.search(o) for o in trait.values if o != value):
                bad(f"traits.{i}.values", f"value {value!r} occurs inside another value of {trait.name!r}")
            elif any(word.search(line) for line in user_lines):
                bad(f"traits.{i}.values", f"value {value!r} is written out in a user line (use {{{trait.name}}})")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# Fidelity bands: where the scripted reference agents must land on any pack that is neither easy mode nor unwinnable.


@dataclass(frozen=True)
class Band:
    name: str
    holds: Callable[[dict[str, float]], bool]


FIDELITY_BANDS = (
    Band("passive <= 0.05", lambda a: a["passive"] <= 0.05),
    Band("oracle >= 0.90", lambda a: a["oracle"] >= 0.90),
    Band("passive < prober < oracle", lambda a: a["passive"] < a["prober"] < a["oracle"]),
    Band("stuffer <= passive + 0.05", lambda a: a["stuffer"] <= a["passive"] + 0.05),
    Band("random <= 0.05", lambda a: a["random"] <= 0.05),
)


def adversary_bands(acceptance: dict[str, float], honest: set[str]) -> list[tuple[str, bool]]:
    """One band per adversary present: it may not win more users than passive pitching + 0.05."""
    if "passive" not in acceptance:
        return []
    bar = acceptance["passive"] + 0.05
    return [(f"{a} <= passive + 0.05", acc <= bar) for a, acc in acceptance.items() if a not in honest]


def fidelity(acceptance: dict[str, float]) -> list[tuple[str, bool]]:
    """(band, holds) for every band whose agents are present in `acceptance` (agent name -> acceptance rate)."""
    out = []
    for band in FIDELITY_BANDS:
        try:
            out.append((band.name, bool(band.holds(acceptance))))
        except KeyError:
            continue
    return out

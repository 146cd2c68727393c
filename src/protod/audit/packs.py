"""Audits of a pack beyond what every load checks (`protod.world.checks`): the simulator perceives the pack's own
sentences as what they are meant to be (`perception_problems`, run by `protod scenarios validate`), and the scripted
reference agents land in the fidelity bands (`fidelity`, printed by `protod baselines --scenario FILE`). All work on
any pack: nothing here names a pack's wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from protod.text import normalise
from protod.user.persona import LIVES_ALONE
from protod.world import Problem, Scenario, UserLines


def perception_problems(pack: Scenario) -> list[Problem]:
    """Sentences of the pack that the rule perceiver reads as something else than intended (field path + why)."""
    from protod.user.perceive import RulePerceiver

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


# Marks of a life stage or a household in a trait value's words, and the pairs that cannot both be one person's (round
# 110's callers met "a retired nurse" "in my twenties", a user "living on my own" in "a three-bed house we own", a
# "working parent" aged "sixteen"). Plain English, no pack's wording; a pack says which draws cannot meet in
# `incompatible`, and this names the pairs it may have missed.
_MARKS = {
    "young": re.compile(r"\b(?:sixteen|seventeen|eighteen|nineteen|sixth-form|school-leaver|in (?:my|their|his|her) "
                        r"(?:early |late )?(?:teens|twenties)|recent (?:[\w-]+ )?graduate)\b"),
    "young children": re.compile(r"\b(?:young (?:family|kids|children)|toddlers?|a baby|kids at primary|primary-age)\b"),
    "old": re.compile(r"\b(?:retired|retiree|pensioner|in (?:my|their|his|her) (?:early |late )?(?:sixties|seventies|"
                      r"eighties))\b|\bgrand(?:children|kids)\b"),
    "under age": re.compile(r"\b(?:sixteen|seventeen|sixth-form)\b"),
    "grown": re.compile(r"\bin (?:my|their|his|her) (?:early |late )?(?:twenties|thirties|forties|fifties|sixties|"
                        r"seventies|eighties)\b"),
    "parent": re.compile(r"\b(?:parent|parents|mum|mom|dad|my kids|my children)\b"),
    "retired": re.compile(r"\b(?:retired|retiree|pensioner)\b"),
    "in work": re.compile(r"\b(?:office hours|full-time (?:job|hours|work)|after work|from work|shift work|a job|"
                          r"working from home)\b"),
    "working age": re.compile(r"\bin (?:my|their|his|her) (?:early |late )?(?:twenties|thirties|forties)\b"),
    # (living alone, not going in alone; and others under the same roof, not "family living nearby")
    "alone": LIVES_ALONE,
    "with others": re.compile(r"\b(?:we|our|us|couple|partner|wife|husband|flatmates?|housemates?|my kids|"
                              r"my children)\b"),
}
_CLASHES = (("young", "old"), ("old", "young children"), ("retired", "working age"), ("under age", "parent"),
            ("under age", "grown"), ("retired", "in work"), ("alone", "with others"))


def persona_clashes(pack: Scenario) -> list[Problem]:
    """Pairs of trait values (of two traits) that one person could not both have by their words (`_MARKS`), left
    drawable together: a user "in my twenties" who is "a retired nurse". Declare them in `incompatible`."""
    declared = {frozenset(pair.items()) for pair in pack.incompatible}
    marked = [(i, field.name, value, {m for m, pattern in _MARKS.items() if pattern.search(value.lower())})
              for i, field in enumerate(pack.traits) for value in field.values]
    problems = []
    for k, (i, name, value, marks) in enumerate(marked):
        for j, other, other_value, other_marks in marked[k + 1:]:
            if other == name or frozenset({(name, value), (other, other_value)}) in declared:
                continue
            clash = next((f"{a} / {b}" for a, b in _CLASHES
                          if (a in marks and b in other_marks) or (b in marks and a in other_marks)), None)
            if clash:
                problems.append(Problem(f"traits.{i}.values", f"{name}={value!r} and {other}={other_value!r} can be "
                                        f"drawn together but read as one person {clash}: add them to `incompatible`"))
    return problems

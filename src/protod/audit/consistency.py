"""Consistency of a transcript: does what the user said stay true to the dialogue and to who the user is?

For every user turn the checker finds the pack lines the user said (each line rendered with any value of its trait
placeholders) and reports:

- `unstated_fact`: a line cites a fact the agent has not stated by that turn (stated = the turn's recorded acts
  `address:<concern>:<fact>` / `state_fact:<fact>`; a record without acts is perceived again with the rule perceiver);
- `trait_mismatch`: a line whose `when` excludes the persona, or whose placeholder names another value of a trait
  than the persona's own;
- `concern_not_held`: the user voices or settles a concern the persona does not hold (by its lines or its events);
- `contradictory_reply`: one reply says lines that contradict each other: a pleased line (a worry settled, yes to the
  ask) next to a displeased one (a lie called out, a complaint, no), or "not a worry for me" next to a worry;
- `worry_reraised`: the user raises a worry again (says one of its reveal lines) after it was settled.

It works on any trajectory record (`protod simulate` / `eval` output); text that is not a pack line (an LLM's
words) is not judged. A checker that reports what it cannot be sure of is noise: when one stretch of text is the
text of several lines, the reading with the fewest findings is taken.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from protod.world import Scenario, UserLine, UserLines, load_scenario

LINE_KINDS = ("unstated_fact", "trait_mismatch", "concern_not_held")  # one line against the dialogue and persona
REPLY_KINDS = ("contradictory_reply", "worry_reraised")  # one reply as a whole
KINDS = LINE_KINDS + REPLY_KINDS
# Which side a line takes (see protod.user.express.compose): a reply never says lines of both.
_PLEASED = frozenset({"accept"})  # and every concern's resolved_lines
_DISPLEASED = frozenset({"false_claim", "doubt", "pressure", "pitch", "off_topic", "ignored", "barrage", "reject",
                         "hang_up"})


@dataclass(frozen=True, slots=True)
class Finding:
    dialogue: str  # the trajectory's id
    turn: int  # the turn number as recorded (1 = the reply to the agent's first turn)
    kind: str  # one of KINDS
    detail: str


@dataclass(frozen=True, slots=True)
class _Pattern:
    line: UserLine
    where: str  # "concerns.<id>.resolved_lines", "user_lines.pitch", ...
    concern: str | None  # the concern whose line it is, if any
    regex: re.Pattern[str]
    anchor: str  # the longest literal piece: a cheap `in` test before the regex
    fields: tuple[str, ...]  # trait names of the placeholders, in group order


def _compile(line: UserLine, values: dict[str, list[str]]) -> tuple[re.Pattern[str], str, tuple[str, ...]]:
    parts, literals, fields = [], [], []
    for literal, name, _spec, _conv in string.Formatter().parse(line.text):
        parts.append(re.escape(literal))
        literals.append(literal)
        if name is not None:
            options = sorted(values.get(name, []), key=len, reverse=True)
            parts.append("(" + "|".join(re.escape(v) for v in options) + ")" if options else r"(\S+(?: \S+)*?)")
            fields.append(name)
    return re.compile("".join(parts)), max(literals, key=len), tuple(fields)


@lru_cache(maxsize=16)
def _patterns(pack: Scenario) -> tuple[_Pattern, ...]:
    values = {t.name: list(t.values) for t in pack.traits}
    out = []
    for c in pack.concerns:
        for kind in ("reveal_lines", "resolved_lines"):
            for line in getattr(c, kind):
                out.append(_Pattern(line, f"concerns.{c.id}.{kind}", c.id, *_compile(line, values)))
    for name in UserLines.model_fields:
        for line in getattr(pack.user_lines, name):
            out.append(_Pattern(line, f"user_lines.{name}", None, *_compile(line, values)))
    for t in pack.traits:
        for line in t.answers:
            out.append(_Pattern(line, f"traits.{t.name}.answers", None, *_compile(line, values)))
    return tuple(out)


def _side(pattern: _Pattern) -> int:
    kind = pattern.where.rpartition(".")[2]
    if kind == "resolved_lines" or (pattern.concern is None and kind in _PLEASED):
        return 1
    return -1 if pattern.concern is None and kind in _DISPLEASED and pattern.where.startswith("user_lines.") else 0


def _common(values: list) -> Any:
    """The value every reading of a stretch of text agrees on, else None (the checker reads in the user's favour)."""
    return values[0] if all(v == values[0] for v in values) else None


def _reply_findings(found: list[tuple[list[_Pattern], re.Match[str]]], settled: set[str]) -> list[tuple[str, str]]:
    """What is wrong with one reply as a whole: parts that contradict each other, a settled worry raised again."""
    out: list[tuple[str, str]] = []
    sides: dict[int, str] = {}
    denial = worry = None
    for candidates, match in found:
        side = _common([_side(p) for p in candidates])
        if side:
            sides.setdefault(side, match.group(0))
        if _common([p.where for p in candidates]) == "user_lines.no_concern":
            denial = match.group(0)
        if all(p.concern is not None for p in candidates):
            worry = match.group(0)
        reraised = _common([p.concern if p.where.endswith(".reveal_lines") else None for p in candidates])
        if reraised is not None and reraised in settled:
            out.append(("worry_reraised", f"{match.group(0)!r} raises {reraised!r}, which the agent already settled"))
    if len(sides) > 1:
        out.append(("contradictory_reply", f"{sides[1]!r} and {sides[-1]!r} take opposite sides in one reply"))
    if denial is not None and worry is not None:
        out.append(("contradictory_reply", f"{denial!r} denies a worry next to {worry!r}"))
    return out


def said_lines(pack: Scenario, text: str) -> list[tuple[list[_Pattern], re.Match[str]]]:
    """The pack lines in `text`, longest first without overlaps; each with every line that reads the same there."""
    found: list[tuple[_Pattern, re.Match[str]]] = []
    for pattern in _patterns(pack):
        if pattern.anchor in text:
            found.extend((pattern, m) for m in pattern.regex.finditer(text) if m.end() > m.start())
    found.sort(key=lambda pm: (pm[1].start() - pm[1].end(), pm[1].start()))
    taken: list[tuple[list[_Pattern], re.Match[str]]] = []
    for pattern, match in found:
        same = next((t for t in taken if t[1].span() == match.span()), None)
        if same is not None:
            same[0].append(pattern)
        elif not any(m.start() < match.end() and match.start() < m.end() for _, m in taken):
            taken.append(([pattern], match))
    return sorted(taken, key=lambda t: t[1].start())


def _line_findings(pattern: _Pattern, match: re.Match[str], traits: dict[str, str], held: set[str],
                   stated: set[str]) -> list[tuple[str, str]]:
    line, out = pattern.line, []
    quote = f"{pattern.where}: {match.group(0)!r}"
    for fact_id in line.facts:
        if fact_id not in stated:
            out.append(("unstated_fact", f"{quote} cites fact {fact_id!r}, which the agent has not stated"))
    for trait, allowed in line.when.items():
        if traits.get(trait) not in allowed:
            out.append(("trait_mismatch", f"{quote} is for {trait} in {list(allowed)}, but the persona has {traits.get(trait)!r}"))
    for trait, value in zip(pattern.fields, match.groups()):
        if trait in traits and value != traits[trait]:
            out.append(("trait_mismatch", f"{quote} names {trait} {value!r}, but the persona has {traits[trait]!r}"))
    if pattern.concern is not None and pattern.concern not in held:
        out.append(("concern_not_held", f"{quote} is about {pattern.concern!r}, which the persona does not hold"))
    return out


def _stated_facts(turn: dict[str, Any], pack: Scenario, perceiver: Any) -> set[str]:
    acts = turn.get("acts")
    if acts is None:  # a record without perception: perceive the agent's words as the rule simulator would
        acts = perceiver(pack).perceive(turn.get("agent", "")).acts()
    out = set()
    for act in acts:
        kind, _, rest = act.partition(":")
        if kind == "state_fact":
            out.add(rest)
        elif kind == "address":
            out.add(rest.rpartition(":")[2])
    return out


def check_trajectory(record: dict[str, Any], pack: Scenario) -> list[Finding]:
    """Findings for one trajectory record (a dict as written to trajectories.jsonl). Pure: reads nothing else."""
    from protod.user.perceive import RulePerceiver  # only for records without acts

    persona = record["persona"]
    traits: dict[str, str] = dict(persona.get("traits") or {})
    held = {c["id"] for c in persona.get("concerns") or []}
    dialogue = str(record.get("id", "?"))
    stated: set[str] = set()
    settled: set[str] = set()  # concerns resolved in earlier turns
    findings: list[Finding] = []
    for index, turn in enumerate(record.get("turns") or [], start=1):
        number = int(turn.get("turn", index))
        stated |= _stated_facts(turn, pack, RulePerceiver)
        for event in turn.get("events") or []:
            kind, _, rest = event.partition(":")
            cid = rest.partition(":")[0]
            if kind in ("voiced", "resolved", "restated", "confirm", "settled", "hinted") and cid not in held:
                findings.append(Finding(dialogue, number, "concern_not_held", f"event {event!r}: the persona does not hold {cid!r}"))
        found = said_lines(pack, turn.get("user") or "")
        for candidates, match in found:
            readings = [_line_findings(p, match, traits, held, stated) for p in candidates]
            for kind, detail in min(readings, key=len):
                findings.append(Finding(dialogue, number, kind, detail))
        for kind, detail in _reply_findings(found, settled):
            findings.append(Finding(dialogue, number, kind, detail))
        settled |= {e.split(":")[1] for e in turn.get("events") or [] if e.startswith("resolved:")}
    return findings


def check_records(records: Iterable[dict[str, Any]], pack: Scenario | None = None) -> list[Finding]:
    """Findings for many records; each is checked against `pack`, or the built-in pack its `scenario` names."""
    findings: list[Finding] = []
    for record in records:
        findings.extend(check_trajectory(record, pack or load_scenario(record["scenario"])))
    return findings


def check_file(path: Path, pack: Scenario | None = None) -> list[Finding]:
    from protod.run.trajectories import read_trajectories

    return check_records(read_trajectories(path), pack)


def count(findings: Iterable[Finding]) -> dict[str, int]:
    """Findings per kind, every kind present (0 when none)."""
    tally = Counter(f.kind for f in findings)
    return {kind: tally.get(kind, 0) for kind in KINDS}

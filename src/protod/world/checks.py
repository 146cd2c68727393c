"""What a field-level schema cannot see, checked on every load: cross references between sections (ids, placeholders,
incompatible trait values) and authoring mistakes (cues that fire on every call, a cue missing from its fact's text,
a fact that answers no concern). Raw data in, problems out: a mistyped pack still gets every message.
All work on any pack: nothing here names a pack's wording.
"""

from __future__ import annotations

import itertools
import math
import re
import string
from dataclasses import dataclass
from typing import Any

from protod.text import normalise
from protod.world.problems import NAME, SUPPORTED_SCHEMA_VERSIONS, Problem, as_list, items, short
from protod.world.schema import UserLines


_PLACEHOLDER = string.Formatter()


def _placeholders(text: str) -> list[str]:
    try:
        return [name for _, name, _, _ in _PLACEHOLDER.parse(text) if name is not None]
    except ValueError as err:
        return [f"<malformed: {err}>"]


def _incompatible_problems(data: dict[str, Any], trait_values: dict[str, set[str]]) -> list[Problem]:
    """Each `incompatible` entry names two different traits and one of each one's values; and whatever values the
    earlier traits drew, every trait keeps a value the sampler may draw (traits are drawn in pack order)."""
    problems: list[Problem] = []
    pairs: list[tuple[tuple[str, str], tuple[str, str]]] = []
    for i, entry in items(data, "incompatible"):
        where = f"incompatible.{i}"
        if len(entry) != 2:
            problems.append(Problem(where, f"expected two trait: value pairs, got {len(entry)}"))
            continue
        ok = True
        for name, value in entry.items():
            if name not in trait_values:
                problems.append(Problem(f"{where}.{name}", f"unknown trait {name!r}; expected one of {sorted(trait_values)}"))
                ok = False
            elif value not in trait_values[name]:
                problems.append(Problem(f"{where}.{name}", f"{value!r} is not a value of trait {name!r}"))
                ok = False
        if ok:
            pairs.append(tuple(entry.items()))
    order = [t["name"] for _, t in items(data, "traits") if t.get("name") in trait_values]
    for k, name in enumerate(order):
        # the earlier traits that rule out some value of this one, and which values each rules out
        rules: dict[str, dict[str, set[str]]] = {}
        for x, y in pairs:
            for (t1, v1), (t2, v2) in ((x, y), (y, x)):
                if t2 == name and t1 in order[:k]:
                    rules.setdefault(t1, {}).setdefault(v1, set()).add(v2)
        for combo in itertools.product(*(sorted(r) for r in rules.values())):
            drawn = set(zip(rules, combo))
            if any({x, y} <= drawn for x, y in pairs):
                continue  # values never drawn together
            if not set(trait_values[name]).difference(*(rules[t][v] for t, v in drawn)):
                said = ", ".join(f"{t}={v!r}" for t, v in zip(rules, combo))
                problems.append(Problem("incompatible", f"a user with {said} could have no value of trait {name!r}"))
                break
    return problems


def _ruled_out_problems(data: dict[str, Any], trait_values: dict[str, set[str]]) -> list[Problem]:
    """A correlation of 0 rules a trait value out for a concern: every concern keeps some value of every trait."""
    zero: dict[tuple[str, str], set[str]] = {}
    for _, corr in items(data, "correlations"):
        if corr.get("weight") == 0 and corr.get("trait") in trait_values:
            zero.setdefault((corr.get("trait"), corr.get("concern")), set()).add(corr.get("value"))
    return [Problem("correlations", f"concern {concern!r} rules out every value of trait {trait!r} (weight 0); "
                                    "keep one open") for (trait, concern), values in zero.items()
            if not trait_values[trait] - values]


@dataclass(frozen=True)
class _Known:
    """The ids a pack declares, read from its raw data: what references may name."""

    facts: set[str]
    traits: set[str]
    areas: set[str]
    concerns: set[str]
    trait_values: dict[str, set[str]]  # trait name -> its values

    def unknown(self, ref: Any, known: set[str], path: str, what: str) -> list[Problem]:
        """A problem when `ref` is a name `known` lacks (nothing when `known` is empty: that section has its own)."""
        if isinstance(ref, str) and known and ref not in known:
            return [Problem(path, f"unknown {what} {ref!r}; expected one of {sorted(known)}")]
        return []


def cross_reference_problems(data: dict[str, Any]) -> list[Problem]:
    """References between sections (a concern naming an unknown fact, ...), checked on the raw mapping.

    Working on the raw data, tolerant of missing or mistyped parts, lets validation report these together with the
    field-level errors instead of only after every field is fixed.
    """
    problems: list[Problem] = []
    ids: dict[str, set[str]] = {}
    for section, key in (("facts", "id"), ("traits", "name"), ("probe_areas", "id"), ("concerns", "id")):
        seen: set[str] = set()
        for i, item in items(data, section):
            value = item.get(key)
            if isinstance(value, str):
                if value in seen:
                    problems.append(Problem(f"{section}.{i}.{key}", f"duplicate {key} {value!r}"))
                seen.add(value)
        ids[section] = seen
    trait_values = {
        t["name"]: set(t["values"]) for _, t in items(data, "traits")
        if isinstance(t.get("name"), str) and isinstance(t.get("values"), dict)
    }
    known = _Known(ids["facts"], ids["traits"], ids["probe_areas"], ids["concerns"], trait_values)
    problems += _section_references(data, known)
    problems += _incompatible_problems(data, trait_values)
    problems += _ruled_out_problems(data, trait_values)
    for i, claim in items(data, "false_claims"):
        problems += known.unknown(claim.get("contradicts"), known.facts, f"false_claims.{i}.contradicts", "fact")
    problems += _difficulty_problems(data, known)
    for i, c in items(data, "concerns"):
        answering = c.get("resolution_facts") if isinstance(c.get("resolution_facts"), list) else []
        problems += _line_problems(c.get("reveal_lines"), f"concerns.{i}.reveal_lines", answering, known)
        problems += _line_problems(c.get("resolved_lines"), f"concerns.{i}.resolved_lines", answering, known)
    user_lines = data.get("user_lines")
    for field_name in UserLines.model_fields:
        if isinstance(user_lines, dict):
            problems += _line_problems(user_lines.get(field_name), f"user_lines.{field_name}", None, known)
    # A trait's answers must name the trait's own value: an answer that never says it answers nothing.
    for i, t in items(data, "traits"):
        problems += _line_problems(t.get("answers"), f"traits.{i}.answers", None, known)
        for j, line in enumerate(as_list(t.get("answers"))):
            text = line if isinstance(line, str) else line.get("text") if isinstance(line, dict) else None
            if isinstance(text, str) and isinstance(t.get("name"), str) and t["name"] not in _placeholders(text):
                at = f"traits.{i}.answers.{j}" if isinstance(line, str) else f"traits.{i}.answers.{j}.text"
                problems.append(Problem(at, f"an answer must say the value: put {{{t['name']}}} in it"))
    return problems


def _section_references(data: dict[str, Any], known: _Known) -> list[Problem]:
    """Concerns name real areas and facts; correlations name real traits, values and concerns."""
    problems: list[Problem] = []
    for i, c in items(data, "concerns"):
        problems += known.unknown(c.get("area"), known.areas, f"concerns.{i}.area", "probe area")
        for j, fact_id in enumerate(as_list(c.get("resolution_facts"))):
            problems += known.unknown(fact_id, known.facts, f"concerns.{i}.resolution_facts.{j}", "fact")
    for i, corr in items(data, "correlations"):
        problems += known.unknown(corr.get("trait"), known.traits, f"correlations.{i}.trait", "trait")
        values = known.trait_values.get(corr["trait"]) if isinstance(corr.get("trait"), str) else None
        if values is not None and isinstance(corr.get("value"), str) and corr["value"] not in values:
            problems.append(Problem(f"correlations.{i}.value", f"{corr.get('value')!r} is not a value of trait {corr.get('trait')!r}"))
        problems += known.unknown(corr.get("concern"), known.concerns, f"correlations.{i}.concern", "concern")
    return problems


def _difficulty_problems(data: dict[str, Any], known: _Known) -> list[Problem]:
    """A difficulty draws no more concerns than the pack has, and its stance and trust ranges lie within [0, 1]."""
    problems: list[Problem] = []
    levels = data.get("difficulties")
    for name, level in (levels.items() if isinstance(levels, dict) else []):
        n = level.get("n_concerns") if isinstance(level, dict) else None
        if isinstance(n, int) and known.concerns and n > len(known.concerns):
            problems.append(Problem(f"difficulties.{name}.n_concerns", f"{n} exceeds the {len(known.concerns)} concerns in the pack"))
        for key in ("stance", "trust"):
            r = level.get(key) if isinstance(level, dict) else None
            if isinstance(r, dict) and not all(isinstance(r.get(k), (int, float)) and 0 <= r[k] <= 1 for k in ("low", "high")):
                problems.append(Problem(f"difficulties.{name}.{key}", "low and high must lie within [0, 1]"))
    return problems


def _line_problems(lines: Any, path: str, answering: list[Any] | None, known: _Known) -> list[Problem]:
    """User lines: placeholders name trait fields (users only ever speak about their own visible traits); `facts`
    name facts that can answer the line's own concern (any other would never be said; `answering` is None for lines
    of no concern); `when` names real traits and values; and every list keeps a neutral line, so a user always has
    something to say."""
    problems: list[Problem] = []
    if not isinstance(lines, list):
        return problems
    neutral = False
    for j, line in enumerate(lines):
        spec = {"text": line} if isinstance(line, str) else line if isinstance(line, dict) else {}
        text, cited, when = spec.get("text"), spec.get("facts") or [], spec.get("when") or {}
        at = f"{path}.{j}" if isinstance(line, str) else f"{path}.{j}.text"
        for name in _placeholders(text) if isinstance(text, str) else []:
            if known.traits and name not in known.traits:
                problems.append(Problem(at, f"placeholder {{{name}}} is not a trait field"))
        for k, fact_id in enumerate(cited if isinstance(cited, list) else []):
            if answering is None:
                problems.append(Problem(f"{path}.{j}.facts", "only a concern's lines may cite facts"))
                break
            problems += known.unknown(fact_id, known.facts, f"{path}.{j}.facts.{k}", "fact")
            if fact_id in known.facts and fact_id not in answering:
                problems.append(Problem(
                    f"{path}.{j}.facts.{k}",
                    f"fact {fact_id!r} does not answer this concern (its resolution_facts are {answering}), so the line would never be said",
                ))
        if isinstance(cited, list) and len(cited) > 1 and answering is not None:
            problems.append(Problem(
                f"{path}.{j}.facts",
                "a line may cite one fact: a worry is answered by one fact at a time, so a line citing several would never be said",
            ))
        for trait, values in when.items() if isinstance(when, dict) else []:
            problems += known.unknown(trait, known.traits, f"{path}.{j}.when.{trait}", "trait")
            allowed = known.trait_values.get(trait)
            if isinstance(values, list) and not values:
                problems.append(Problem(f"{path}.{j}.when.{trait}", "list at least one allowed value"))
            for k, value in enumerate(values if isinstance(values, list) else []):
                if allowed is not None and value not in allowed:
                    problems.append(Problem(
                        f"{path}.{j}.when.{trait}.{k}", f"{value!r} is not a value of trait {trait!r}; expected one of {sorted(allowed)}"
                    ))
        neutral = neutral or (isinstance(text, str) and not cited and not when)
    if lines and not neutral:
        problems.append(Problem(path, "needs at least one neutral line (a plain string, no facts or when), so every user has something to say"))
    return problems


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
    opening_words = normalise(opening) if isinstance(opening, str) else None
    # Probe cues count only inside questions; every other cue counts anywhere.
    opening_questions = normalise(" ".join(re.findall(r"[^.!?]*\?", opening))) if isinstance(opening, str) else None
    for path, cues in _cue_lists(data):
        probing = path.startswith(("probe_areas", "concerns"))
        where = opening_questions if probing else opening_words
        for j, cue in enumerate(cues):
            if not isinstance(cue, str):
                continue
            words = normalise(cue)
            if not words.strip():
                problems.append(Problem(f"{path}.{j}", "empty cue (it would match every turn)"))
            elif where is not None and words in where:
                problems.append(Problem(f"{path}.{j}", f"cue {cue[:40]!r} occurs in agent.opening (every call would trigger it)"))
    answered = {f for _, c in items(data, "concerns") for f in as_list(c.get("resolution_facts")) if isinstance(f, str)}
    for i, fact in items(data, "facts"):
        text = fact.get("text")
        for j, cue in enumerate(as_list(fact.get("cues"))):
            if isinstance(text, str) and isinstance(cue, str) and normalise(cue).strip() and normalise(cue) not in normalise(text):
                problems.append(Problem(f"facts.{i}.cues.{j}", f"cue {cue[:40]!r} does not occur in the fact's text"))
        if isinstance(fact.get("id"), str) and answered and fact["id"] not in answered:
            problems.append(Problem(f"facts.{i}.id", f"fact {fact['id']!r} answers no concern (name it in a concern's resolution_facts)"))
    levels = data.get("difficulties")
    for name, level in (levels.items() if isinstance(levels, dict) else []):
        if not isinstance(name, str) or not NAME.match(name):
            problems.append(Problem(f"difficulties.{name}", "a difficulty name must be lower-case letters, digits, _ or - (it is part of stratum names)"))
        patience = level.get("patience") if isinstance(level, dict) else None
        if isinstance(patience, dict):
            for key in ("low", "high"):
                v = patience.get(key)
                if isinstance(v, (int, float)) and not isinstance(v, bool) and not (0 <= v <= 100):
                    problems.append(Problem(f"difficulties.{name}.patience.{key}", f"must lie within [0, 100], got {short(v)}"))
    dynamics = data.get("dynamics")
    for key, v in (dynamics.items() if isinstance(dynamics, dict) else []):
        if isinstance(v, float) and math.isfinite(v) and not (0 <= v <= 1):
            problems.append(Problem(f"dynamics.{key}", f"stance and trust amounts lie within [0, 1], got {short(v)}"))
        elif isinstance(v, int) and not isinstance(v, bool) and not (0 <= v <= 100):
            problems.append(Problem(f"dynamics.{key}", f"must lie within [0, 100], got {v}"))
    return problems

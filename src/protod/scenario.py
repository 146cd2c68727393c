"""Scenario packs: the schema of a domain (YAML), its loader and its validation errors.

A pack is pure data: the agent's goal, the product facts it may state, the visible trait fields, the catalogue of
hidden concerns, how users phrase things, and every constant of the user dynamics. The engine never special-cases a
pack; a new domain is a new YAML file.

Validation reports *every* problem with its field path and, when the pack came from a file, its line number, so
that `protod scenarios validate FILE` is useful to someone authoring a pack.
"""

from __future__ import annotations

import itertools
import re
import string
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, ValidationError, field_validator
from pydantic_core import PydanticCustomError, core_schema

BUILTIN_PACKAGE = "protod.scenarios"


class _Strict(BaseModel):
    # Unknown keys are almost always typos in a hand-written pack; reject them.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class AgentSpec(_Strict):
    role: str = Field(description="Who the agent is, e.g. 'a partner manager at FeastFleet'.")
    goal: str = Field(description="What counts as success, in one sentence.")
    opening: str = Field(description="How the agent introduces itself on the first turn.")


class Fact(_Strict):
    id: str
    text: str = Field(description="The true statement the agent may make.")
    cues: list[str] = Field(min_length=1, description="Phrases whose presence in an agent turn means the fact was stated.")


class _UserLineSpec(_Strict):
    text: str
    facts: list[str] = Field(default_factory=list, description="Ids of the facts the line cites.")
    when: dict[str, list[str]] = Field(default_factory=dict, description="Trait name -> the values it may have.")


class UserLine(str):
    """One thing a user may say: the text itself (a str), the facts it cites and the traits it presumes.

    In a pack a line is a plain string (neutral: it cites no fact and suits every user) or a mapping
    `{text: ..., facts: [fact ids], when: {trait: [values]}}`. The user says it only when its `when` matches their
    traits and, for a concern's line, every fact it cites is one the agent's turn answered the worry with (see
    protod.user.express). It stays a str so that code reading lines as text needs no change.
    """

    facts: tuple[str, ...]
    when: dict[str, tuple[str, ...]]

    def __new__(cls, text: str, facts: tuple[str, ...] | list[str] = (), when: dict[str, Any] | None = None) -> UserLine:
        line = super().__new__(cls, text)
        line.facts = tuple(facts)
        line.when = {trait: tuple(values) for trait, values in (when or {}).items()}
        return line

    @property
    def text(self) -> str:
        return str.__str__(self)

    @property
    def neutral(self) -> bool:
        """Cites no fact and presumes no trait: any user may say it on any occasion."""
        return not self.facts and not self.when

    def fits(self, traits: dict[str, str], facts: tuple[str, ...] = ()) -> bool:
        """May a user with `traits` say this, when the event carries `facts`?"""
        for trait, values in self.when.items():
            if traits.get(trait) not in values:
                return False
        return all(f in facts for f in self.facts)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        def from_yaml(value: Any) -> Any:
            if isinstance(value, str):
                return {"text": value}
            if not isinstance(value, dict):
                raise PydanticCustomError("line_type", "expected a string or a mapping {text, facts, when}")
            return value

        def to_yaml(line: UserLine) -> Any:
            if line.neutral:
                return line.text
            return {"text": line.text, "facts": list(line.facts), "when": {k: list(v) for k, v in line.when.items()}}

        spec = core_schema.no_info_after_validator_function(
            lambda s: cls(s.text, s.facts, s.when), handler.generate_schema(_UserLineSpec)
        )
        return core_schema.no_info_before_validator_function(
            from_yaml, spec, serialization=core_schema.plain_serializer_function_ser_schema(to_yaml)
        )


class TraitEffect(_Strict):
    """How one trait value shifts a user's starting state, on top of the difficulty's draw: a wary temperament starts
    with less trust, a busy one with less patience. A temperament then shows in what the user does, not only in words."""

    stance: float = Field(0.0, ge=-1, le=1, description="Added to the initial stance (clipped to [0, 1]).")
    trust: float = Field(0.0, ge=-1, le=1, description="Added to the initial trust (clipped to [0, 1]).")
    patience: int = Field(0, ge=-100, le=100, description="Added to the initial patience (at least 1 remains).")


class TraitField(_Strict):
    name: str
    description: str
    values: dict[str, float] = Field(min_length=2, description="Value phrase -> sampling weight.")
    answers: list[UserLine] = Field(
        default_factory=list,
        description="How a user answers a question about this trait, e.g. \"I get around on {vehicle}.\"; each names "
                    "the trait's own {placeholder}. Optional: without it the reply is a generic sentence built on the value.")
    effects: dict[str, TraitEffect] = Field(
        default_factory=dict,
        description="Value phrase -> how a user with it starts: {trust: -0.1} for a wary temperament, {patience: -1} "
                    "for a busy one. Optional; values without an entry start as the difficulty draws them.")
    voice: dict[str, Literal["brief", "chatty"]] = Field(
        default_factory=dict,
        description="Value phrase -> how a user with it talks: \"brief\" leans towards the shorter of the lines that "
                    "fit, \"chatty\" towards the longer. Optional; values without an entry draw evenly.")

    @field_validator("values")
    @classmethod
    def _positive_weights(cls, values: dict[str, float]) -> dict[str, float]:
        for value, weight in values.items():
            if weight <= 0:
                raise ValueError(f"weight of {value!r} must be > 0, got {weight}")
        return values

    @field_validator("effects", "voice")
    @classmethod
    def _effects_name_values(cls, effects: dict[str, Any], info: Any) -> dict[str, Any]:
        values = info.data.get("values") or {}
        for value in effects:
            if values and value not in values:
                raise ValueError(f"{value!r} is not a value of this trait; expected one of {sorted(values)}")
        return effects


class ProbeArea(_Strict):
    id: str
    description: str = Field(description="What the area covers, in the user's own words: a wary user names it aloud "
                             "(\"It's to do with {description}, if you must know.\"), so no third person or brackets.")
    cues: list[str] = Field(min_length=1, description="Words that make a question be about this area.")
    questions: list[str] = Field(min_length=1, description="Generic open questions an agent can ask about this area.")


class Concern(_Strict):
    id: str
    description: str
    area: str = Field(description="Id of the probe area this concern belongs to.")
    severity: float = Field(gt=0, le=1, description="Stance gained when the concern is resolved.")
    base_weight: float = Field(default=1.0, gt=0, description="Prior weight when drawing a user's concerns.")
    probe_cues: list[str] = Field(default_factory=list, description="Extra cue words (beyond the area's) that target this concern.")
    probe_question: str = Field(description="A question that targets exactly this concern (used by the oracle).")
    resolution_facts: list[str] = Field(min_length=1, description="Ids of facts that answer the concern.")
    reveal_lines: list[UserLine] = Field(min_length=1, description="How a user voices the concern; {trait} placeholders allowed.")
    resolved_lines: list[UserLine] = Field(min_length=1, description="How a user says the concern is answered; a line citing a fact is said only when that fact answered it.")


class Correlation(_Strict):
    trait: str
    value: str
    concern: str
    weight: float = Field(gt=0, description="Multiplier on the concern's weight for users with trait == value.")


class FalseClaim(_Strict):
    cues: list[str] = Field(min_length=1, description="Phrases that assert something untrue.")
    contradicts: str = Field(description="Id of the fact that the claim contradicts.")


class Lexicon(_Strict):
    """Language cues of the rule perceiver. Domain language lives in the pack, not in code."""

    pitch_cues: list[str] = Field(min_length=1, description="Benefit talk and flattery: a generic pitch.")
    pressure_cues: list[str] = Field(min_length=1, description="Urgency and pushing.")
    closing_cues: list[str] = Field(min_length=1, description="Asking the user to accept.")
    verbs: list[str] = Field(default_factory=list, description="Verbs (base forms) the built-in English verb list lacks, so sentences using them read as well-formed.")


def _default_lines(*texts: str, description: str) -> Any:
    """An optional list of user lines: the pack may give its own, else these."""
    return Field(default_factory=lambda: [UserLine(t) for t in texts], description=description)


class UserLines(_Strict):
    """Generic user replies, chosen with the dialogue's seeded RNG. {trait} placeholders and `when` allowed; no `facts`."""

    pitch: list[UserLine] = Field(min_length=1, description="Reply to a generic pitch or flattery.")
    pressure: list[UserLine] = Field(min_length=1)
    false_claim: list[UserLine] = Field(min_length=1)
    off_topic: list[UserLine] = Field(min_length=1)
    no_concern: list[UserLine] = Field(min_length=1, description="Reply to a probe that touches nothing the user holds.")
    barrage: list[UserLine] = Field(min_length=1, description="Reply to a volley of questions about many things at once.")
    ignored: list[UserLine] = Field(min_length=1, description="When the agent moves on without answering a voiced concern.")
    acknowledge: list[UserLine] = Field(min_length=1, description="Reply to facts that answer nothing the user voiced.")
    refuse_ask: list[UserLine] = Field(min_length=1, description="Declining a closing ask while still undecided.")
    accept: list[UserLine] = Field(min_length=1)
    reject: list[UserLine] = Field(min_length=1)
    hang_up: list[UserLine] = Field(min_length=1)
    timeout: list[UserLine] = Field(min_length=1)
    guarded: list[UserLine] = _default_lines(
        "I'd rather not get into that with someone I've only just met. Tell me a bit more about it first.",
        "Let's just say I have my reasons. I'd want to hear how it all works before I go into that.",
        "I don't know you well enough to go into that yet. Tell me how it works first.",
        description="Reply to a question about a worry the user holds but does not trust the caller enough to share. "
                    "It says what would help: hearing how the offer works, which earns trust (round 27's callers "
                    "were told \"Let's just say I have my reasons\" and had nowhere to go).")
    guarded_later: list[UserLine] = _default_lines(
        "There's more to it, but I'd rather leave that for now.",
        "Let me keep that one to myself for the moment.",
        "I'm not ready to go into that part yet.",
        description="`guarded` once the user has already shared a worry with this caller (\"someone I've only just met\" "
                    "would ring false then).")
    impatient: list[UserLine] = _default_lines(
        "Look, I haven't got long. What is it you actually need from me?",
        "I'll have to go soon, so get to the point.",
        "I'm running out of time for this call.",
        description="Said once, when one more turn without progress would end the call: the user warns before hanging up.")
    small_talk: list[UserLine] = _default_lines(
        "Thanks. So what is this about?",
        "Mm-hm.",
        "Sure. What can I do for you?",
        description="Reply to courtesy and small talk (heard as such by the learned perceiver; it costs no trust).")
    other_question: list[UserLine] = _default_lines(
        "Go on.",
        "Sure, what is it?",
        "Okay, go ahead.",
        "Depends what it's about.",
        "Okay, what's it about?",
        description="Reply to a question that asks about no worry and nothing about the user (\"Do you have a minute?\").")
    other_question_later: list[UserLine] = _default_lines(
        "Hard to say, really. Why do you ask?",
        "It depends. What are you getting at?",
        "Not much to tell, honestly. Go on.",
        description="Reply to such a question once the call is under way (\"When would suit you?\"): answered, if vaguely; "
                    "`other_question` answers it on the first turn.")
    small_talk_later: list[UserLine] = _default_lines(
        "Mm-hm. Anyway, where were we?",
        "Thanks. Go on.",
        "Sure. So what else?",
        description="Reply to small talk once the call is under way (`small_talk` answers it on the first turn).")
    settled: list[UserLine] = _default_lines(
        "You've already answered that one for me.",
        "We've covered that, and I'm fine with it now.",
        "That one's sorted, as far as I'm concerned.",
        description="Reply to a question about a worry the caller has already answered (it is not raised again).")
    covered: list[UserLine] = _default_lines(
        "No, nothing else springs to mind.",
        "Nothing really. That was the main thing for me.",
        "Nothing else, I don't think.",
        description="Reply to an open question (\"Anything else holding you back?\") when every worry the user had is answered: "
                    "not \"that one's sorted\", which answers a question about one worry.")
    unsure: list[UserLine] = _default_lines(
        "Nothing in particular. I just don't feel I know enough about you yet.",
        "It's not one thing. I'd want to hear a bit more about how it all works first.",
        "Honestly, I don't know much about you lot yet. Tell me a bit more.",
        description="Said when every worry is answered but the user does not trust the caller enough to agree yet (to an open "
                    "question, or declining the ask): what is left is to tell them plainly how the offer works.")
    doubt: list[UserLine] = _default_lines(
        "Hang on, is that actually written down somewhere?",
        "Really? I'd want to see that in writing.",
        "Hm. Where does it say that?",
        description="Reply to the first claim in a call that no fact backs: the user doubts it and asks for proof "
                    "(`false_claim` answers a lie, and every later unbacked claim).")
    ready: list[UserLine] = _default_lines(
        "I think that covers what I wanted to know. So what would the next step be?",
        "Okay, that answers it for me. What would I need to do?",
        "Right, I'm happy with that. How would we get started?",
        "Alright, that sounds workable. What happens next?",
        "Good, that's what I needed to hear. Where do we go from here?",
        description="Said when every worry is answered and the user would accept if asked (they wait for the ask).")
    ready_again: list[UserLine] = _default_lines(
        "Nothing else from my side, really. So what's the next step?",
        "That's about everything for me. What would I need to do?",
        "I think that's everything I needed. How would we get started?",
        description="`ready` on a turn that answered nothing (\"Anything else on your mind?\"): round 17's \"No, that part "
                    "doesn't really bother me. Okay, that answers it for me.\" answered nothing.")
    ready_waiting: list[UserLine] = _default_lines(
        "I'm happy to go ahead if you are.",
        "Well, I'm ready when you are.",
        "So, shall we get on with it?",
        "Honestly, I think I've heard enough to say yes.",
        "Go on then, what do you need from me?",
        description="`ready` once the user has already asked what the next step is: they invite the ask rather than ask "
                    "again (round 20: \"What would I need to do?\" twice, the steps told in between).")


class AgentLines(_Strict):
    """Sentences for the scripted reference agents (the pack's own words, so agents stay domain-free)."""

    pitch: list[str] = Field(min_length=1)
    closing: list[str] = Field(min_length=1)
    small_talk: list[str] = Field(min_length=1)


class Range(_Strict):
    low: float
    high: float

    @field_validator("high")
    @classmethod
    def _ordered(cls, high: float, info: Any) -> float:
        low = info.data.get("low")
        if low is not None and high < low:
            raise ValueError(f"high ({high}) must be >= low ({low})")
        return high


class Difficulty(_Strict):
    stance: Range = Field(description="Initial willingness to accept, in [0, 1].")
    trust: Range = Field(description="Initial trust in the caller, in [0, 1].")
    patience: Range = Field(description="Initial patience: unproductive turns tolerated.")
    n_concerns: int = Field(ge=1, le=3, description="Hidden concerns per user.")


class Dynamics(_Strict):
    """Every constant of the user's state transition (see protod.user.state)."""

    voice_gain: float = Field(0.05, ge=0, description="Stance gained when a concern is surfaced (by a probe, or by a fact that touches it).")
    max_facts_per_turn: int = Field(4, ge=1, description="More facts than this in one turn is a recital: it surfaces and resolves nothing and costs trust.")
    max_probe_areas_per_turn: int = Field(2, ge=1, description="Questions about more areas than this in one turn are a barrage: the user voices nothing.")
    voice_trust_min: float = Field(0.25, ge=0, le=1, description="Below this trust the user will not open up, even to a pointed question.")
    generic_voice_trust_min: float = Field(0.45, ge=0, le=1, description="Trust needed to open up to a vague question (one that names only the area, not the worry).")
    trust_gain: float = Field(0.05, ge=0, description="Trust gained per surfaced or resolved concern.")
    fact_trust_gain: float = Field(0.03, ge=0, description="Trust gained on a turn that states a product fact the user had not heard (once a turn; not in a recital, a turn with a false or unsupported claim, or a turn that surfaced or settled a worry).")
    pressure_stance: float = Field(0.06, ge=0, description="Stance lost to pressure.")
    pressure_trust: float = Field(0.10, ge=0, description="Trust lost to pressure.")
    false_claim_stance: float = Field(0.10, ge=0)
    false_claim_trust: float = Field(0.25, ge=0)
    unsupported_claim_stance: float = Field(0.06, ge=0, description="Stance lost to a product claim no fact supports (learned perception).")
    unsupported_claim_trust: float = Field(0.15, ge=0, description="Trust lost to a product claim no fact supports.")
    first_unsupported_share: float = Field(0.35, ge=0, le=1, description="Share of the two costs above that the first unsupported claim of a call costs: the user doubts it and asks where it is written; every later one costs in full.")
    refused_ask_stance: float = Field(0.04, ge=0, description="Stance lost when a closing ask is declined.")
    refused_ask_trust: float = Field(0.05, ge=0)
    off_topic_trust: float = Field(0.05, ge=0)
    ignored_trust: float = Field(0.05, ge=0, description="Trust lost when a turn leaves a voiced concern unanswered.")
    ignored_patience: int = Field(1, ge=0, description="Extra patience lost when a voiced concern is left unanswered.")
    idle_patience_cost: int = Field(1, ge=0, description="Patience lost on a turn that makes no progress.")
    resolve_patience: int = Field(1, ge=0, description="Patience regained on a turn that settles a worry (a call that is going well is worth more of the user's time).")
    accept_stance: float = Field(0.55, ge=0, le=1, description="With every concern resolved, accept at or above this stance.")
    accept_trust: float = Field(0.5, ge=0, le=1, description="Trust needed to accept (nobody signs with a caller they distrust).")
    eager_stance: float = Field(0.8, ge=0, le=1, description="Accept at or above this stance even with open concerns.")
    reject_stance: float = Field(0.12, ge=0, le=1, description="A declined ask below this stance ends in reject.")
    max_refusals: int = Field(3, ge=1, description="Declined asks before the user rejects outright.")
    hang_up_trust: float = Field(0.10, ge=0, le=1, description="The user hangs up when trust falls to this.")
    recital_trust: float = Field(0.10, ge=0, description="Trust lost when a turn recites more than max_facts_per_turn facts (a recital resolves nothing).")
    nonsense_trust: float = Field(0.10, ge=0, description="Trust lost on a turn with word salad, a keyword list or a scrambled sentence.")
    nonsense_patience: int = Field(1, ge=0, description="Extra patience lost on such a turn.")


class Scenario(_Strict):
    schema_version: int = Field(1, description="Version of the pack schema.")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    description: str
    agent: AgentSpec
    turn_budget: int = Field(12, ge=1, le=100, description="Agent turns before the dialogue times out.")
    facts: list[Fact] = Field(min_length=1)
    traits: list[TraitField] = Field(min_length=1)
    probe_areas: list[ProbeArea] = Field(min_length=1)
    concerns: list[Concern] = Field(min_length=1)
    correlations: list[Correlation] = Field(default_factory=list)
    incompatible: list[dict[str, str]] = Field(
        default_factory=list,
        description="Pairs of trait values no one user has together, each {trait: value, other_trait: value}: the "
                    "sampler never draws them together (a mobile router is no cable bundle).")
    false_claims: list[FalseClaim] = Field(default_factory=list)
    lexicon: Lexicon
    user_lines: UserLines
    agent_lines: AgentLines
    difficulties: dict[str, Difficulty] = Field(min_length=1, description="Difficulty levels; strata = difficulty x primary concern.")
    dynamics: Dynamics = Field(default_factory=Dynamics)

    # Identity hash: packs are used as cache keys (a frozen pydantic model would try to hash its lists).
    __hash__ = object.__hash__

    # -- lookups ---------------------------------------------------------------------------------------------
    @cached_property
    def fact_by_id(self) -> dict[str, Fact]:
        return {f.id: f for f in self.facts}

    @cached_property
    def concern_by_id(self) -> dict[str, Concern]:
        return {c.id: c for c in self.concerns}

    @cached_property
    def trait_by_name(self) -> dict[str, TraitField]:
        return {t.name: t for t in self.traits}

    @cached_property
    def area_by_id(self) -> dict[str, ProbeArea]:
        return {a.id: a for a in self.probe_areas}

    @cached_property
    def answers(self) -> dict[str, list[str]]:
        """Fact id -> ids of the concerns it resolves (the inverse of each concern's `resolution_facts`)."""
        out: dict[str, list[str]] = {}
        for c in self.concerns:
            for fact_id in c.resolution_facts:
                out.setdefault(fact_id, []).append(c.id)
        return out

    @cached_property
    def strata(self) -> list[str]:
        """All strata names, `difficulty/primary_concern`, in a fixed order."""
        return [f"{d}/{c.id}" for d in self.difficulties for c in self.concerns]

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "turn_budget": self.turn_budget,
            "facts": len(self.facts),
            "traits": len(self.traits),
            "concerns": len(self.concerns),
            "strata": len(self.strata),
        }


# ---------------------------------------------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class Problem:
    path: str  # dotted field path, e.g. "concerns.3.resolution_facts.0"
    message: str
    line: int | None = None


class ScenarioError(ValueError):
    """A pack that cannot be used. `problems` lists all that was found; str() is one line for the first."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__(self.format_problem(problems[0]) + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""))

    def format_problem(self, problem: Problem) -> str:
        where = f"{self.source}:{problem.line}" if problem.line else self.source
        field = problem.path or "<top level>"
        return f"{where}: {field}: {problem.message}"

    def lines(self) -> list[str]:
        return [self.format_problem(p) for p in self.problems]


# ---------------------------------------------------------------------------------------------------------------
# Cross-reference checks (what a field-level schema cannot see)

_PLACEHOLDER = string.Formatter()


def _placeholders(text: str) -> list[str]:
    try:
        return [name for _, name, _, _ in _PLACEHOLDER.parse(text) if name is not None]
    except ValueError as err:
        return [f"<malformed: {err}>"]


def _items(data: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(key) if isinstance(data, dict) else None
    return [(i, x) for i, x in enumerate(value) if isinstance(x, dict)] if isinstance(value, list) else []


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _incompatible_problems(data: dict[str, Any], trait_values: dict[str, set[str]]) -> list[Problem]:
    """Each `incompatible` entry names two different traits and one of each one's values; and whatever values the
    earlier traits drew, every trait keeps a value the sampler may draw (traits are drawn in pack order)."""
    problems: list[Problem] = []
    pairs: list[tuple[tuple[str, str], tuple[str, str]]] = []
    for i, entry in _items(data, "incompatible"):
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
    order = [t["name"] for _, t in _items(data, "traits") if t.get("name") in trait_values]
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


def cross_reference_problems(data: dict[str, Any]) -> list[Problem]:
    """References between sections (a concern naming an unknown fact, ...), checked on the raw mapping.

    Working on the raw data, tolerant of missing or mistyped parts, lets validation report these together with the
    field-level errors instead of only after every field is fixed.
    """
    problems: list[Problem] = []
    ids: dict[str, set[str]] = {}
    for section, key in (("facts", "id"), ("traits", "name"), ("probe_areas", "id"), ("concerns", "id")):
        seen: set[str] = set()
        for i, item in _items(data, section):
            value = item.get(key)
            if isinstance(value, str):
                if value in seen:
                    problems.append(Problem(f"{section}.{i}.{key}", f"duplicate {key} {value!r}"))
                seen.add(value)
        ids[section] = seen
    facts, traits, areas, concerns = ids["facts"], ids["traits"], ids["probe_areas"], ids["concerns"]
    trait_values = {
        t["name"]: set(t["values"]) for _, t in _items(data, "traits")
        if isinstance(t.get("name"), str) and isinstance(t.get("values"), dict)
    }

    def check(ref: Any, known: set[str], path: str, what: str) -> None:
        if isinstance(ref, str) and known and ref not in known:
            problems.append(Problem(path, f"unknown {what} {ref!r}; expected one of {sorted(known)}"))

    for i, c in _items(data, "concerns"):
        check(c.get("area"), areas, f"concerns.{i}.area", "probe area")
        for j, fact_id in enumerate(_list(c.get("resolution_facts"))):
            check(fact_id, facts, f"concerns.{i}.resolution_facts.{j}", "fact")
    for i, corr in _items(data, "correlations"):
        check(corr.get("trait"), traits, f"correlations.{i}.trait", "trait")
        values = trait_values.get(corr["trait"]) if isinstance(corr.get("trait"), str) else None
        if values is not None and isinstance(corr.get("value"), str) and corr["value"] not in values:
            problems.append(Problem(f"correlations.{i}.value", f"{corr.get('value')!r} is not a value of trait {corr.get('trait')!r}"))
        check(corr.get("concern"), concerns, f"correlations.{i}.concern", "concern")
    problems += _incompatible_problems(data, trait_values)
    for i, claim in _items(data, "false_claims"):
        check(claim.get("contradicts"), facts, f"false_claims.{i}.contradicts", "fact")
    levels = data.get("difficulties")
    for name, level in (levels.items() if isinstance(levels, dict) else []):
        n = level.get("n_concerns") if isinstance(level, dict) else None
        if isinstance(n, int) and concerns and n > len(concerns):
            problems.append(Problem(f"difficulties.{name}.n_concerns", f"{n} exceeds the {len(concerns)} concerns in the pack"))
        for key in ("stance", "trust"):
            r = level.get(key) if isinstance(level, dict) else None
            if isinstance(r, dict) and not all(isinstance(r.get(k), (int, float)) and 0 <= r[k] <= 1 for k in ("low", "high")):
                problems.append(Problem(f"difficulties.{name}.{key}", "low and high must lie within [0, 1]"))

    # User lines: placeholders name trait fields (users only ever speak about their own visible traits); `facts`
    # name facts that can answer the line's own concern (any other would never be said); `when` names real traits
    # and values; and every list keeps a neutral line, so a user always has something to say.
    def check_lines(lines: Any, path: str, answering: list[Any] | None) -> None:
        if not isinstance(lines, list):
            return
        neutral = False
        for j, line in enumerate(lines):
            spec = {"text": line} if isinstance(line, str) else line if isinstance(line, dict) else {}
            text, cited, when = spec.get("text"), spec.get("facts") or [], spec.get("when") or {}
            at = f"{path}.{j}" if isinstance(line, str) else f"{path}.{j}.text"
            for name in _placeholders(text) if isinstance(text, str) else []:
                if traits and name not in traits:
                    problems.append(Problem(at, f"placeholder {{{name}}} is not a trait field"))
            for k, fact_id in enumerate(cited if isinstance(cited, list) else []):
                if answering is None:
                    problems.append(Problem(f"{path}.{j}.facts", "only a concern's lines may cite facts"))
                    break
                check(fact_id, facts, f"{path}.{j}.facts.{k}", "fact")
                if fact_id in facts and fact_id not in answering:
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
                check(trait, traits, f"{path}.{j}.when.{trait}", "trait")
                known = trait_values.get(trait)
                if isinstance(values, list) and not values:
                    problems.append(Problem(f"{path}.{j}.when.{trait}", "list at least one allowed value"))
                for k, value in enumerate(values if isinstance(values, list) else []):
                    if known is not None and value not in known:
                        problems.append(Problem(
                            f"{path}.{j}.when.{trait}.{k}", f"{value!r} is not a value of trait {trait!r}; expected one of {sorted(known)}"
                        ))
            neutral = neutral or (isinstance(text, str) and not cited and not when)
        if lines and not neutral:
            problems.append(Problem(path, "needs at least one neutral line (a plain string, no facts or when), so every user has something to say"))

    for i, c in _items(data, "concerns"):
        answering = c.get("resolution_facts") if isinstance(c.get("resolution_facts"), list) else []
        check_lines(c.get("reveal_lines"), f"concerns.{i}.reveal_lines", answering)
        check_lines(c.get("resolved_lines"), f"concerns.{i}.resolved_lines", answering)
    user_lines = data.get("user_lines")
    for field_name in UserLines.model_fields:
        if isinstance(user_lines, dict):
            check_lines(user_lines.get(field_name), f"user_lines.{field_name}", None)
    # A trait's answers must name the trait's own value: an answer that never says it answers nothing.
    for i, t in _items(data, "traits"):
        check_lines(t.get("answers"), f"traits.{i}.answers", None)
        for j, line in enumerate(_list(t.get("answers"))):
            text = line if isinstance(line, str) else line.get("text") if isinstance(line, dict) else None
            if isinstance(text, str) and isinstance(t.get("name"), str) and t["name"] not in _placeholders(text):
                at = f"traits.{i}.answers.{j}" if isinstance(line, str) else f"traits.{i}.answers.{j}.text"
                problems.append(Problem(at, f"an answer must say the value: put {{{t['name']}}} in it"))
    return problems


# ---------------------------------------------------------------------------------------------------------------
# Loading


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML node at pydantic location `loc` (deepest node found)."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if getattr(k, "value", None) == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            nxt = node.value[key]
        else:
            nxt = None
        if nxt is None:
            break
        node = nxt
        line = node.start_mark.line + 1
    return line


def _loc_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


# Bounds on what a pack file may cost to read: a real pack is ~25 KB and ~3,000 YAML values.
MAX_PACK_BYTES = 1_000_000
MAX_PACK_NODES = 200_000  # YAML values after alias expansion (an alias bomb expands to billions)
SUPPORTED_SCHEMA_VERSIONS = (1,)
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
# libyaml's parser when PyYAML was built with it (about 10x faster on big files); same safe constructor either way.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _expanded_size(root: yaml.Node) -> int:
    """How many values `root` stands for once every alias is expanded (memoised per node: linear in the file)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack[-1]
        if id(node) in sizes:
            stack.pop()
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            stack.pop()
            continue
        kids = [x for kv in node.value for x in kv] if isinstance(node, yaml.MappingNode) else list(node.value)
        todo = [k for k in kids if id(k) not in sizes and id(k) not in open_nodes]
        if todo and id(node) not in open_nodes:
            open_nodes.add(id(node))
            stack.extend(todo)
            continue
        # children done (a child still open is a recursive alias: it counts once)
        sizes[id(node)] = min(1 + sum(sizes.get(id(k), 1) for k in kids), MAX_PACK_NODES + 1)
        open_nodes.discard(id(node))
        stack.pop()
    return sizes[id(root)]


def _duplicate_keys(root: yaml.Node) -> list[Problem]:
    """Keys given twice in one mapping (YAML would silently keep the last), with the line of the second."""
    problems: list[Problem] = []
    seen_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if id(node) in seen_nodes or isinstance(node, yaml.ScalarNode):
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for k, v in node.value:
                key = str(getattr(k, "value", ""))
                where = f"{path}.{key}" if path else key
                if key in keys:
                    problems.append(Problem(where, "duplicate key (YAML keeps only the last one)", k.start_mark.line + 1))
                keys.add(key)
                stack.append((v, where))
        else:
            stack.extend((v, f"{path}.{i}" if path else str(i)) for i, v in enumerate(node.value))
    return sorted(problems, key=lambda p: p.line or 0)


def _yaml_problem(err: yaml.YAMLError) -> Problem:
    mark = getattr(err, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    what = getattr(err, "problem", None) or str(err).splitlines()[0]
    return Problem("", f"not valid YAML: {str(what)[:200]}", line)


def _compose(text: str, source: str) -> tuple[yaml.Node, Any]:
    """Parse once: the node tree (for line numbers and checks) and the data built from it (safe types only)."""
    try:
        loader = _LOADER(text)
    except yaml.YAMLError as err:  # the reader rejects control characters up front
        raise ScenarioError(source, [_yaml_problem(err)]) from None
    try:
        root = loader.get_single_node()
        if root is None:
            raise ScenarioError(source, [Problem("", "the file is empty; expected a mapping of pack fields", 1)])
        if _expanded_size(root) > MAX_PACK_NODES:
            raise ScenarioError(source, [Problem("", f"YAML aliases expand to more than {MAX_PACK_NODES:,} values (an alias bomb?)", root.start_mark.line + 1)])
        dupes = _duplicate_keys(root)
        if dupes:
            raise ScenarioError(source, dupes)
        return root, loader.construct_document(root)
    except yaml.YAMLError as err:
        raise ScenarioError(source, [_yaml_problem(err)]) from None
    except RecursionError:
        raise ScenarioError(source, [Problem("", "YAML nested too deeply")]) from None
    finally:
        loader.dispose()


def _short(value: Any, limit: int = 60) -> str:
    """A bounded preview of a bad value (never the repr of a huge or alias-expanded structure)."""
    if isinstance(value, (dict, list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    text = repr(value[: limit + 1] if isinstance(value, str) else value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_scenario(text: str, source: str = "<string>") -> Scenario:
    """Parse and validate a pack from YAML text. Raises ScenarioError listing every problem."""
    if len(text) > MAX_PACK_BYTES:
        raise ScenarioError(source, [Problem("", f"pack is {len(text):,} characters; the limit is {MAX_PACK_BYTES:,}")])
    root, data = _compose(text, source)
    if not isinstance(data, dict):
        raise ScenarioError(source, [Problem("", f"expected a mapping at the top level, got {type(data).__name__}", 1)])
    problems: list[Problem] = []
    pack = None
    try:
        pack = Scenario.model_validate(data)
    except ValidationError as err:
        for e in err.errors():
            loc = tuple(e["loc"])
            msg = e["msg"]
            if e["type"] == "missing":
                msg = "required field is missing"
            elif e["type"] == "extra_forbidden":
                msg = "unknown field (check the spelling)"
            elif e["type"] == "finite_number":
                msg = "must be a finite number (not .inf or .nan)"
            elif "input" in e and e["type"] != "value_error":
                msg = f"{msg} (got {_short(e['input'])})"
            problems.append(Problem(_loc_path(loc), msg, _line_of(root, loc)))
    from protod.pack_checks import authoring_problems  # the checks module builds on this one

    try:
        extra = cross_reference_problems(data) + authoring_problems(data)
    except (TypeError, AttributeError):
        # Mistyped sections (a list where a name belongs) can trip the raw-data checks; the schema errors above
        # already name them, and a pack that passed the schema has the right types.
        if pack is not None:
            raise
        extra = []
    for p in extra:
        loc = tuple(int(part) if part.isdigit() else part for part in p.path.split("."))
        problems.append(Problem(p.path, p.message, _line_of(root, loc)))
    if problems or pack is None:
        raise ScenarioError(source, problems)
    return pack


def read_pack_text(path: Path) -> str:
    """The text of a pack file: bounded in size, UTF-8 (a BOM is fine); otherwise one ScenarioError line."""
    try:
        size = path.stat().st_size
        if size > MAX_PACK_BYTES:
            raise ScenarioError(str(path), [Problem("", f"file is {size:,} bytes; the limit for a pack is {MAX_PACK_BYTES:,}")])
        raw = path.read_bytes()
    except OSError as err:
        raise ScenarioError(str(path), [Problem("", f"cannot read the file ({err.strerror or err})")]) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError(str(path), [Problem("", "the file is UTF-16; save the pack as UTF-8")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ScenarioError(str(path), [Problem("", f"not UTF-8 text (byte {err.start}); save the pack as UTF-8", line)]) from None


def builtin_scenarios() -> list[str]:
    """Ids of the packs that ship with protod."""
    files = resources.files(BUILTIN_PACKAGE).iterdir()
    return sorted(f.name[: -len(".yaml")] for f in files if f.name.endswith(".yaml"))


_CACHE: dict[str, Scenario] = {}


def load_scenario(id_or_path: str | Path) -> Scenario:
    """Load a built-in pack by id (e.g. 'merchant_recruitment') or a user-authored pack from a YAML path."""
    key = str(id_or_path)
    if key in _CACHE:  # only built-ins are cached: a user's file may change between calls
        return _CACHE[key]
    if re.fullmatch(r"[a-z][a-z0-9_]*", key) and key in builtin_scenarios():
        text = resources.files(BUILTIN_PACKAGE).joinpath(f"{key}.yaml").read_text(encoding="utf-8")
        _CACHE[key] = parse_scenario(text, source=f"{key}.yaml")
        return _CACHE[key]
    path = Path(key)
    if not path.is_file():
        raise ScenarioError(key, [Problem("", f"no built-in scenario or file by that name; built-ins are {builtin_scenarios()}")])
    return parse_scenario(read_pack_text(path), source=str(path))

"""The schema of a scenario pack (YAML): the agent's goal, the product facts it may state, the visible trait fields,
the catalogue of hidden concerns, how users phrase things, and every constant of the user dynamics.

A pack is pure data: the engine never special-cases a pack; a new domain is a new YAML file (loaded by
`protod.world.load`, checked beyond its schema by `protod.world.checks`).

Over 400 lines: every field of the pack documented where it is declared; the documentation is most of it.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, field_validator
from pydantic_core import PydanticCustomError, core_schema

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
    weight: float = Field(ge=0, description="Multiplier on the concern's weight for users with trait == value; 0 rules "
                                            "the pair out (no user working normal office hours fears the doors being "
                                            "locked at six).")


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
        "Nothing in particular. I just don't feel sure enough about it yet.",
        "It's not one thing. I'd want to hear a bit more about how it all works first.",
        "Honestly, I'm not quite there yet. Tell me a bit more.",
        description="Said when every worry is answered but the user does not trust the caller enough to agree yet (to an open "
                    "question, or declining the ask): what is left is to tell them plainly how the offer works. (Not "
                    "\"I don't know much about you lot yet\": a lapsed member of three years said it, round 65.)")
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
        "Honestly, if you asked me now, I'd say yes.",
        "Go on then, what do you need from me?",
        description="`ready` once the user has already asked what the next step is: they invite the ask rather than ask "
                    "again (round 20: \"What would I need to do?\" twice, the steps told in between; not \"I think I've "
                    "heard enough to say yes\", which callers took for the yes itself: round 108).")


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
    fact_stance_gain: float = Field(0.03, ge=0, description="Stance gained on such a turn when every worry is settled and the user is still short of the stance to accept: with nothing left to object to, what more the offer gives is what moves them.")
    pressure_stance: float = Field(0.06, ge=0, description="Stance lost to pressure.")
    pressure_trust: float = Field(0.10, ge=0, description="Trust lost to pressure.")
    false_claim_stance: float = Field(0.10, ge=0)
    false_claim_trust: float = Field(0.25, ge=0)
    correction_trust: float = Field(0.12, ge=0, description="Trust won back when the caller states, and is believed, a fact they were called out on earlier in the call (a misspoken figure put right), once per fact; never more than false_claim_trust, so a lie put right still costs.")
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

    def area_of(self, concern_id: str) -> ProbeArea:
        """The probe area a concern belongs to (its description says what part of the offer the worry is about)."""
        return self.area_by_id[self.concern_by_id[concern_id].area]

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

"""How the rules read one pack fact (`FactModel`, `read_fact`): its clauses, its cues with the polarity they carry, its
amounts, and whether it guarantees, estimates or requires something. What a statement claims of these is read in
protod.user.fact_claims."""

from __future__ import annotations

from dataclasses import dataclass, field

from protod.world import Fact
from protod.text import (
    HEDGE_WORDS, UNIT_WORDS, Clause, clauses_of, clock_spans, contains_phrase, is_number, negation_covers, phrase_stems,
    has_verb, quantities, stem, tokenize,
)


UNIT_STEMS = frozenset(stem(u) for u in UNIT_WORDS)


@dataclass(frozen=True, slots=True)
class FactModel:
    """A pack fact as the perceiver reads it: its clauses, cue phrases (with the polarity they carry), numbers."""

    id: str
    cues: tuple[tuple[tuple[str, ...], bool], ...]  # (cue stems, the cue's clause in the fact text is negated)
    clauses: tuple[Clause, ...]
    content: frozenset[str]  # content stems of the whole fact
    topic: frozenset[str]  # content stems that name a topic (no numbers, no units)
    numbers: frozenset[tuple]  # quantities (see protod.text.quantities)
    guarantee: bool
    hedged: bool  # an estimate or a record (HEDGE_WORDS): a promise of it is an invented guarantee
    # cue stems -> the fact's clause holding the cue: its amounts are what a cue claim must state ("no setup" in "There's
    # no setup or delivery fee, and we stock you with three full sets" needs no "three": round 38's "There's no setup
    # fee and no delivery fee." went unheard)
    cue_homes: dict = field(default_factory=dict, compare=False)
    requires: bool = False  # the fact states a requirement or an order ("you need a DBS check", "before you visit ...")
    spans: frozenset = frozenset()  # the spans of the day its clock times bound (`protod.text.clock_spans`)
    listed: frozenset = frozenset()  # cues of two things said inside a longer list (`_listed`): only in a sentence
    # with a subject or verb ("Monday Wednesday Friday, ten am, van." is a keyword list)

    def promise_invented(self, clause: Clause) -> bool:
        """The clause promises what this fact only estimates or records ("guaranteed 65% occupancy" for "similar lets
        averaged 65% last year"); a promise of a firm fact ("We guarantee the price for the full eighteen months"
        for "the price is fixed for your 18 months") is the fact in other words (dev: 3 of 9 honest lines punished).
        The learned perceiver's test (the model decides whether the promise is this fact's); the rules keep every
        promise of an unguaranteed fact invented, since they match a clause to a fact by shared words ("..., and
        they're guaranteed to pass the exam" would be the firm "ends with the certification exam")."""
        return clause.guarantee and not self.guarantee and self.hedged


# "need", "required", "must", "have to": a requirement; "before you start", "upfront", "already": a prerequisite.
_REQUIRE = frozenset("need needs needed require requires required must necessary mandatory compulsory".split())
_BEFORE = frozenset("before beforehand upfront advance already yet first".split())
_ORDER = frozenset("before beforehand upfront advance prior".split())  # a fact that orders steps requires the first
_STARTING = frozenset("start starting begin beginning apply applying join joining".split())


def _requires(tokens: tuple[str, ...]) -> bool:
    return bool(_REQUIRE.intersection(tokens)) or any(
        t in ("have", "has") and nxt == "to" for t, nxt in zip(tokens, tokens[1:]))


def says_unneeded(clause: Clause) -> bool:
    """The clause says something is not needed: "no staff needed", "you don't need to book"."""
    return clause.negated and _requires(clause.tokens)


def denies_prerequisite(clause: Clause) -> bool:
    """The clause says something is not needed before the user starts ("You don't need any certificates before you
    start", "no experience required to apply"): it denies a prerequisite, not a fact that provides the thing later
    ("we fund your Care Certificate, which you finish within your first 12 weeks"; round 41: a lie). Only a fact
    that itself states a requirement or an order of steps ("before you visit anyone on your own, you do three shadow
    shifts") is denied by it."""
    toks = clause.tokens
    return says_unneeded(clause) and (
        bool(_BEFORE.intersection(toks)) or any(t == "to" and nxt in _STARTING for t, nxt in zip(toks, toks[1:])))


def _them_resolved(clauses: tuple[Clause, ...]) -> tuple[Clause, ...]:
    """The fact's clauses with a later "them" read as the thing its first clause names: "Jobs marked urgent ... pay 25%
    more per word, and you are never obliged to take them" says "never obliged to take jobs marked urgent" (round 96:
    "Urgent jobs are entirely optional." a lie, the clause sharing no word with it)."""
    first = clauses[0].tokens if clauses else ()
    # (only a first clause that is the thing alone, its verb in the next clause: "We supply new cars and replace them"
    # names no thing "them" could be replaced by)
    if not first or has_verb(first, frozenset()) or not any("them" in c.tokens for c in clauses[1:]):
        return clauses
    out = [clauses[0]]
    for c in clauses[1:]:
        if c.tokens[-1:] == ("them",):
            c = next(iter(clauses_of(" ".join((*c.tokens[:-1], *first)))), c)
        out.append(c)
    return tuple(out)


def _listed(stems: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Other ways a cue of two things joined by "and" is said: the other way round, or inside a longer list whose
    commas the stems drop ("the recording, notes and catch-up sessions" says "recording and notes"; round 102)."""
    if stems.count("and") != 1 or stems[0] == "and" or stems[-1] == "and":
        return ()
    at = stems.index("and")
    first, second = stems[:at], stems[at + 1:]
    return (second + ("and",) + first, first + second)


def read_fact(fact: Fact) -> FactModel:
    """How the rules read one pack fact: its clauses, cues (with the polarity of the clause that holds each), amounts,
    whether it guarantees, estimates or requires."""
    clauses = _them_resolved(clauses_of(fact.text))
    cues, cue_homes, listed = [], {}, set()
    for cue in fact.cues:
        stems = phrase_stems(cue)
        home = next((c for c in clauses if contains_phrase(c.token_stems, stems)), None)
        for said in (stems, *_listed(stems)):
            if said != stems and "and" not in said:
                listed.add(said)
            cues.append((said, negation_covers(home, stems) if home else False))
            if home is not None:
                cue_homes[said] = home
    content = frozenset(s for c in clauses for s in c.stems)
    numbers = frozenset(n for c in clauses for n in c.numbers)
    # a list split into clauses leaves its first sizes bare: "140, 240 and 360-litre" counts litres throughout
    numbers |= {q for q in quantities(tokenize(fact.text))
                if q[0] == "num" and q[2] and ("num", q[1], "") in numbers}
    return FactModel(
        id=fact.id, cues=tuple(cues), clauses=clauses, content=content,
        topic=frozenset(s for s in content if s not in UNIT_STEMS and not is_number(s)), numbers=numbers,
        guarantee=any(c.guarantee for c in clauses), cue_homes=cue_homes, listed=frozenset(listed),
        hedged=any(t in HEDGE_WORDS or (t.endswith("%") and nxt == "of")  # "95% of our customers get ..."
                   for c in clauses for t, nxt in zip(c.tokens, (*c.tokens[1:], ""))),
        requires=any(_requires(c.tokens) or _ORDER.intersection(c.tokens) for c in clauses),
        spans=clock_spans(tokenize(fact.text)),
    )

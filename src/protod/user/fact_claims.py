"""Facts in a statement, read by rule: what a well-formed statement claims of the pack's facts (`FactReader.claims`):
stated, contradicted, or neither, each fact read as protod.user.fact_model reads it. The rule perceiver
(protod.user.perceive) and the learned perceiver's amount checks both read facts here.

Over 400 lines: one class, whose readings (a cue, most of a clause, a denial, an invented amount or guarantee) are
weighed against each other in `claims` and `_verdict`; the grammar they use lives in protod.text."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Any

from protod.world import Scenario
from protod.text import (
    AUXILIARIES, CHARGE_WORDS, COMMON_VERBS, DETERMINERS, FUNCTION_WORDS, NEGATORS, QUANTIFIERS, PRONOUNS, UNIT_WORDS,
    VERB_STEMS, Clause, Sentence, accounted, clauses_of, content_stems, count_without_noun, counted_per_period,
    converted,
    contains_phrase, contradicts, derived, first_quantity, has_verb, per_pint, price_pair_sums, with_pair_sums,
    condition_span, in_span, is_number, joined, negation_covers, opens_condition, phrase_stems, plain_bounds, same_kind,
    stem,
    supposed_amounts, tells_users_past, tokenize, charge_for, denies_a_limit, main_clause_denies, reports_user,
)
from protod.user.fact_model import UNIT_STEMS, FactModel, denies_prerequisite, read_fact, says_unneeded


_UNTIL = frozenset(("until", "till", "til"))
_ORDERED = frozenset(("before", "after", "once"))  # a fact that orders two events ("you approve ... before it goes")
_ORDERING = frozenset(stem(w) for w in "start starting order ordering try trying begin".split())  # an order suggested


# Words that say "no ..." in a positive clause ("free of the franchise fee", "the fee is waived").
_PRIVATIVE = frozenset("waived waive waives without zero exempt excluded nothing".split())


def _waives(clause: Clause) -> bool:
    """The clause says "no ..." in positive words ("the fee is waived", "zero commission")."""
    return any(t in _PRIVATIVE and t not in NEGATORS for t in clause.tokens)


_GUARANTEE_STEMS = frozenset(stem(w) for w in "guarantee guaranteed guarantees promise promised always".split())
# Verbs of the user paying: "you don't buy any stock" says the user pays nothing for it
_BUYING = frozenset(stem(w) for w in "buy bought purchase pay paid spend".split())
_COST = stem("cost")
_SAVING = frozenset(stem(w) for w in "save saves saving saved".split())
_PRICED = frozenset(stem(w) for w in "charge charged fee cost price rent hire pay paid deposit".split())
_AT_NO_COST = re.compile(r"\b(?:at|for) no (?:extra |additional )?(?:cost|charge)(?: to you)?$")
_LIST_OPENERS = DETERMINERS | QUANTIFIERS  # "no", "any", "our": what a list of modifiers follows


def _charge_named_otherwise(clause: Clause, fact: FactModel) -> bool:
    """The clause denies a charge by a name the fact gives none of its own of that charge: "there's no joining fee"
    beside "Tidyhive keeps a 15% booking fee" (round 92: a lie); "there's no booking fee" still denies it."""
    at = next((i for i in range(len(clause.token_stems) - 1, 0, -1) if clause.token_stems[i] in CHARGE_WORDS), None)
    if at is None or clause.tokens[at - 1] in FUNCTION_WORDS or clause.tokens[at - 1] in NEGATORS:
        return False
    named = {fc.token_stems[i - 1] for fc in fact.clauses for i in range(1, len(fc.token_stems))
             if fc.token_stems[i] == clause.token_stems[at] and fc.tokens[i - 1] not in FUNCTION_WORDS
             and not is_number(fc.tokens[i - 1])}
    return bool(named) and clause.token_stems[at - 1] not in named


def _negator_at(tokens: tuple[str, ...], default: int | None = None) -> int | None:
    """The index of the first negator in `tokens`, else `default`."""
    return next((i for i, t in enumerate(tokens) if t in NEGATORS), default)


def _denies_case_only(clause: Clause, fact: FactModel, best: Clause, differ: set[str]) -> bool:
    """What `clause` says the other way round from the fact's clause `best` is only the case a condition of the fact
    supposes, said of the user: "so you won't be stuck at the wrong level" beside "if the level feels wrong in the first
    two weeks we move you to another group" says the promise works (round 102: a lie). Not a word the fact also says
    outside its cases ("You can't cancel during the first year" beside "you can cancel any time, and if you cancel in
    the first 30 days ..."), nor what the caller says the firm does ("We can't buy cars with finance on them")."""
    start, end = condition_span(best)
    if not differ <= set(best.token_stems[start:end]) or _FIRM_SUBJECT.intersection(clause.tokens[:3]):
        return False
    elsewhere = set()
    for fc in fact.clauses:
        start, end = condition_span(fc)
        elsewhere.update(fc.token_stems[:start], fc.token_stems[end:])
    return not differ & elsewhere


_FIRM_SUBJECT = frozenset(("we", "us", "our"))


def _until_orders_as(clause: Clause, fact_clause: Clause) -> bool:
    """ "not B until A" in `clause` is the fact clause's "A before B" (or "B after A", "B once A") said the other way
    round: "not a single photo goes on your listing until you've approved it" beside "you approve every photo before it
    goes live" (round 102: a lie). What follows "until" must be the fact's first event: "The client won't see your
    rate until after they've booked" beside "clients see your rate before they book" still denies it."""
    at = next((i for i, t in enumerate(clause.tokens) if t in _UNTIL), None)
    order = next((i for i, t in enumerate(fact_clause.tokens) if t in _ORDERED), None)
    if at is None or order is None or fact_clause.negated or not clause.negated:
        return False
    content = set(clause.stems) | set(fact_clause.stems)
    said_first = {w for w in clause.token_stems[at + 1:] if w in content}
    early = {w for w in fact_clause.token_stems[:order] if w in content}
    late = {w for w in fact_clause.token_stems[order + 1:] if w in content}
    if fact_clause.tokens[order] != "before":
        early, late = late, early
    return bool(said_first & early) and not said_first & (late - early)


_PAYING = frozenset(stem(w) for w in "pay pays cover covers fund funds".split())
_PARTIAL = frozenset("half part partly some share most towards toward".split())


def _firm_pays(clause: Clause, firm: frozenset[str]) -> bool:
    """The clause says the firm (`firm`: "we" and its names) pays a cost in full: "VoltBay pays the full cost of
    installing the chargers", "we cover the cost of your DBS check"; not "you pay" or "couples pay", nor "we cover half
    the cost" or a share in percent."""
    return (any(w in _PAYING and i and (clause.tokens[i - 1] in firm or clause.tokens[i - 2:i - 1] == ("our",))
                for i, w in enumerate(clause.token_stems))
            and bool(CHARGE_WORDS.intersection(clause.token_stems)) and not _PARTIAL.intersection(clause.tokens)
            and not any(q[0] == "pct" for q in clause.numbers))


def _spares_user(clause: Clause, denied: set[str]) -> bool:
    """What `clause` denies is the user's cost: a charge named without a verb of paying ("no install cost", "nothing to
    pay"), or the user's own paying ("you won't pay a penny for it"); not the firm's ("we don't pay for it")."""
    if not denied & _PAYING:
        return bool(denied & CHARGE_WORDS) or "nothing" in clause.tokens
    first = _negator_at(clause.tokens, len(clause.tokens))
    return "you" in clause.tokens[:first]


# Small words a cue may be said with others of in their place: "8p on every kWh" says "8p for every kWh" (round 102:
# unheard twice). Not words that bound or order ("before", "up to", "at least"), nor negators.
_LOOSE = frozenset("for on per a an the of each every in into".split())


@lru_cache(maxsize=4096)
def _skeleton(phrase: tuple[str, ...]) -> tuple[str, ...]:
    """The cue's other words, when it has two or more of them and some small word to drop (else ())."""
    words = tuple(w for w in phrase if w not in _LOOSE)
    return words if len(words) >= 2 and len(words) < len(phrase) else ()


def _loosely_said(phrase: tuple[str, ...], stems: tuple[str, ...]) -> bool:
    """The cue's other words said in order in `stems` with at most two small words (`_LOOSE`) between each pair."""
    skeleton = _skeleton(phrase)
    if not skeleton:
        return False
    for start in (i for i, w in enumerate(stems) if w == skeleton[0]):
        at, k = start, 1
        while k < len(skeleton):
            nxt = at + 1
            while nxt < len(stems) and nxt - at <= 2 and stems[nxt] in _LOOSE:
                nxt += 1
            if nxt >= len(stems) or stems[nxt] != skeleton[k]:
                break
            at, k = nxt, k + 1
        if k == len(skeleton):
            return True
    return False


# A bound in other words: "under 30 minutes" says "less than 30 minutes" (round 115: the no-downtime fact unheard,
# and the home worker hung up)
_BOUND_WORDS = {("less", "than"): "under", ("fewer", "than"): "under", ("below",): "under", ("more", "than"): "over",
                ("above",): "over"}


@lru_cache(maxsize=65536)
def _bounds_as_said(stems: tuple[str, ...]) -> tuple[str, ...]:
    out, i = [], 0
    while i < len(stems):
        pair = tuple(stems[i:i + 2])
        if pair in _BOUND_WORDS:
            out.append(_BOUND_WORDS[pair])
            i += 2
        else:
            out.append(_BOUND_WORDS.get(stems[i:i + 1], stems[i]))
            i += 1
    return tuple(out)


def _bounded_alike(phrase: tuple[str, ...], stems: tuple[str, ...]) -> bool:
    """The cue has a bound and is said with the same bound in other words ("under 30 minutes" for "less than 30
    minutes")."""
    cue = _bounds_as_said(phrase)
    if cue == tuple(phrase) or not {"under", "over"} & set(cue):
        return False
    said = _bounds_as_said(stems)
    return any(said[i:i + len(cue)] == cue for i in range(len(said) - len(cue) + 1))


_TOGETHER = re.compile(r"\b(?:together|both|total|combined|altogether|in all|all in)\b")
_DISCLAIMS = re.compile(r"\bi (?:can not|cannot|can't|could not|won't|will not|do not|don't) (?:\w+ )?"
                        r"(?:give|promise|guarantee|quote|say|tell|put a|name)\b")
# Forcing someone ("nobody's forcing your clients onto it", "we never push you into discounts", "we don't dictate your
# menu prices"), not pushing a thing ("we push new stores to the top of the search results")
_COERCES = re.compile(r"\b(?:forc(?:e|es|ed|ing)|compel\w*|oblig(?:e|es|ed|ing)|dictat(?:e|es|ed|ing)|"
                      r"impos(?:e|es|ed|ing))\b|\b(?:push|pressur)\w* (?:you|them|"
                      r"people|anyone|anybody|everyone|your [\w-]+|the [\w-]+) (?:in|into|onto|to)\b(?! the top)")
_OBLIGED = re.compile(r"\b(?:need|needs|have|has|required|obliged) to\b")  # an obligation to act, not a thing needed
_PARTICLES = frozenset("off up out down away back over".split())


def _phrasal(clause: Clause) -> set[str]:
    """The verbs the clause says with a particle, its object between or not: "set it off", "turn down"."""
    toks, stems = clause.tokens, clause.token_stems
    return {stems[i] for i in range(len(toks) - 1) if toks[i] not in FUNCTION_WORDS and (
        toks[i + 1] in _PARTICLES or (toks[i + 1] in ("it", "them", "him", "her", "that") and toks[i + 2:i + 3]
                                      and toks[i + 2] in _PARTICLES))}


_BELOW = frozenset("below under less fewer lower beneath".split())
_ABOVE = frozenset("above over more higher least beyond".split())


def _bound_denied(clause: Clause, fact_clause: Clause) -> bool:
    """The clause denies one bound where the fact states the other: "nobody goes below minimum wage" beside "at or
    above the National Minimum Wage", "nobody pays over £50" beside "up to £50" ("not below" is "at or above")."""
    first = _negator_at(clause.tokens)
    if first is None or fact_clause.negated:
        return False
    said = set(clause.tokens[first + 1:first + 4])
    bound = set(fact_clause.tokens)
    return bool((said & _BELOW and bound & _ABOVE) or (said & _ABOVE and bound & (_BELOW | {"up", "most"})))


def _bound_side(clause: Clause) -> str:
    """Which way the clause bounds its amount: "below" ("under 30 minutes", "up to £150", "at most", "or less"),
    "above" ("at least 30 minutes", "over 18", "or more"), or "" (none, or both)."""
    sides = set()
    toks = clause.tokens
    for i, t in enumerate(toks):
        if not is_number(t):
            continue
        if {"before", "ahead", "earlier", "advance"} & set(toks[i + 1:i + 5]):
            continue  # ("no later than ten working days before" is at least ten days before: the sense turns round)
        before, after = set(toks[max(0, i - 2):i]), tuple(toks[i + 1:i + 3])
        if before & {"under", "below", "less", "fewer", "most"} or toks[max(0, i - 2):i] == ("up", "to") \
                or after in (("or", "less"), ("or", "fewer"), ("or", "under")):
            sides.add("below")
        if before & {"over", "above", "least", "more", "minimum"} or after in (("or", "more"), ("or", "over")):
            sides.add("above")
    return sides.pop() if len(sides) == 1 else ""


def _bounds_clash(clause: Clause, fact_clause: Clause) -> bool:
    """The clause bounds an amount the fact bounds the other way, said plainly: "Our visits are under thirty minutes"
    beside "at least 30 minutes" (dev: credited as the fact)."""
    if clause.negated or fact_clause.negated or not clause.numbers & fact_clause.numbers:
        return False
    said, fact = _bound_side(clause), _bound_side(fact_clause)
    return bool(said and fact and said != fact)


def _named_before_negator(clause: Clause, phrase: tuple[str, ...]) -> bool:
    """`phrase` is said in `clause` before its first negator: "Travel time ... isn't paid", not "nothing goes live until
    you've approved every photo" (the phrase after "until" is asserted; round 102: a lie against "you approve every
    photo before it goes live")."""
    first = _negator_at(clause.tokens, len(clause.tokens))
    return joined(phrase) in joined(clause.token_stems[:first])


def _distributed(stems: tuple[str, ...]) -> str:
    """A list of one-word modifiers sharing a head, spelt out: "no join monthly or tablet fee" -> " no join fee no
    monthly fee no tablet fee " (round 41: "There are no joining, monthly or tablet fees." was unheard, its cues being
    "no joining fee", "no monthly fee", ...). "" when the clause holds no such list."""
    for k, t in enumerate(stems):
        if t not in ("or", "and") or k + 2 >= len(stems) or k + 3 < len(stems) and stems[k + 3] in ("or", "and"):
            continue
        start = k - 1
        while start >= 0 and stems[start] not in _LIST_OPENERS and k - start <= 4:
            start -= 1
        if start < 0 or stems[start] not in _LIST_OPENERS or start == k - 1:
            continue
        opener, head = stems[start], stems[k + 2]
        items = [*stems[start + 1:k], stems[k + 1]]
        return " " + " ".join(f"{opener} {item} {head}" for item in items) + " "
    return ""


def _numbers_fit(stated: frozenset[tuple], numbers: frozenset[tuple]) -> bool:
    """A claim about a fact that carries amounts must state one of them (a wrong one is caught as a false claim)."""
    numbers = frozenset(q for q in numbers if q[0] != "allday")  # "monitored around the clock" is said without it
    return not numbers or any(accounted(q, numbers) or contradicts(q, numbers) or counted_per_period(q, numbers)
                              or count_without_noun(q, numbers)
                              for q in stated)


_ANY_AMOUNT = re.compile(r"\b(?:however|no matter how) (?:small|much|little|low|high|big|large|many|few)\b|"
                         r"\bany amount\b|\bwhatever (?:the |its |their )?(?:size|amount|weight|volume|distance)\b|"
                         r"\bof any (?:size|amount|weight|volume|distance)\b")
# "No gamble on the first order" denies a risk, not the first order (round 99: a lie against "Your first order is on
# sale or return")
_RISK_DENIED = re.compile(r"\bno (?:gamble|risk|catch|worries|worry|hassle|problems?|stress|surprises?)\b")
_ARTICLE = re.compile(r" (?:the|a|an)(?= )")


@lru_cache(maxsize=65536)
def _without_articles(text: str) -> str:
    """`text` (padded stems, `joined`) with its articles left out: cue and sentence alike, on the hot path."""
    return _ARTICLE.sub("", text)
_REASONS = frozenset(("since", "because", "whereas"))
_LUMP_SUM = re.compile(r"\b(?:in one go|all at once|at once|in one lump|in a lump sum|up ?front|in full)\b")
_VERB_LIKE = VERB_STEMS | frozenset(("got", "gotten", "doing", "done", "made"))
# Verbs that say nothing of a topic ("no lessons get booked" and "you get lesson plans" share only the lessons);
# VERB_STEMS is too wide for this ("plan", "book", "pay" are topics too).
_LIGHT_VERBS = frozenset(stem(w) for w in "get gets got gotten getting have has had having make makes made do does did "
                         "done take takes took give gives gave go goes went come comes came put keep keeps kept".split())


def _main_cue_denied(clause: Clause, fact: FactModel) -> bool:
    """A positive cue of the fact's main clauses (not its condition) said in `clause` with a negator just before it:
    "... are not approved automatically" (the negator's scope alone reaches too far: in "a job that isn't approved ...
    is approved automatically" it covers the main clause's cue too; and by parity "a job that isn't queried ... isn't
    approved automatically" denies nothing)."""
    for phrase, neg in fact.cues:
        home = fact.cue_homes.get(phrase)
        if neg or home is None or opens_condition(home.tokens):  # (a positive cue of a main clause only)
            continue
        n = len(phrase)
        at = [i for i in range(len(clause.token_stems) - n + 1) if clause.token_stems[i:i + n] == phrase]
        if at and NEGATORS.intersection(clause.tokens[max(0, at[-1] - 3):at[-1]]):
            return True
    return False


_TIMES_A_WEEK = {"once": 1, "twice": 2, "three times": 3, "four times": 4, "five times": 5}
_WEEKLY = re.compile(rf"\b({'|'.join(_TIMES_A_WEEK)}) (?:a|per|each|every) week\b", re.I)


class FactReader:
    """What one well-formed statement claims of the pack's facts (`claims`): the facts it states and the ones it
    contradicts, judged per clause (a cue plus one more content word of the fact, or most of one of its clauses, with
    the fact's own polarity and amounts), with a pack false-claim cue asserted (not denied) a false claim too. An
    optional `semantic` index matches paraphrases the cues miss."""

    def __init__(self, pack: Scenario, semantic: Any = None):
        self.semantic = semantic
        self._facts = [read_fact(f) for f in pack.facts]
        self._fact_model = {f.id: f for f in self._facts}
        self._pack_numbers = frozenset().union(*(f.numbers for f in self._facts))  # an amount some fact states
        # the pack's prices and each two of them together, once (`pack_sum`, `_share_left`)
        self._price_pairs = price_pair_sums(self._pack_numbers)
        self._price_bases = frozenset(k[1] for k in self._pack_numbers if k[0] == "cur" and isinstance(k[1], float)) \
            | frozenset(self._price_pairs)
        # How many sessions the pack's facts add up to: a weekly frequency one fact gives times a span of weeks
        # another gives ("Classes run twice a week" and "a 12-week term" are 24 classes), so "24 classes" and "£15 a
        # class" of "£360 for a 12-week term" are true (round 121: a lie, and the learner hung up)
        weekly = [_TIMES_A_WEEK[m.group(1).lower()] for f in pack.facts for m in _WEEKLY.finditer(f.text)]
        weeks = {k[1] / 7 for k in self._pack_numbers if k[0] == "dur" and k[1] >= 14 and k[1] % 7 == 0}
        self._sessions = frozenset(f * w for f in weekly for w in weeks)
        # who "we" are: the names the role gives the firm ("a site partnerships rep at VoltBay, a UK ...")
        self._firm = frozenset({"we"} | {w.lower() for w in re.findall(r"\b[A-Z][a-z]+[A-Z]?\w*", pack.agent.role)})
        self.firm_names = self._firm - {"we"}  # the firm's own names (the role's capitalised words)
        self._facts_with: dict[str, list[int]] = {}  # content stem -> facts that contain it (candidate filter)
        for i, f in enumerate(self._facts):
            for w in f.content | {s for p, _ in f.cues for s in p}:
                self._facts_with.setdefault(w, []).append(i)
        # A false-claim cue with its own polarity: "no commission" is asserted by "there is no commission", denied by
        # "it is not true that there is no commission".
        self._false = [
            # (read as a clause is: "never more than half full" is heard "at most half full")
            (fc.contradicts, tuple((p, sum(1 for t in tokenize(c) if t in NEGATORS) % 2 == 1)
                                   for c in map(plain_bounds, fc.cues) for p in [phrase_stems(c)] if p))
            for fc in pack.false_claims
        ]
        # The user's own situation, as the pack's trait values give it with an amount ("a gas bill of about £120 a
        # month", "over €250 a month on electricity"): (its amounts, the words that name what they measure)
        self._situations = []
        for tr in pack.traits:
            about = set(content_stems(tokenize(f"{tr.name.replace('_', ' ')} {tr.description}")))
            for value in tr.values:
                clause = clauses_of(value)
                amounts = frozenset(q for c in clause for q in c.numbers)
                words = {w for c in clause for w in c.stems} | about
                if amounts:
                    self._situations.append((amounts, frozenset(w for w in words if w not in UNIT_STEMS
                                                                and not is_number(w)) - _VERB_LIKE))

    def tells_back(self, clause: Clause) -> bool:
        """The clause gives the user's own situation back, amounts and all ("with a gas bill of about £120 a month")."""
        # ... or the user's own past ("since you were only with us two months last time", round 47's dev check: a lie
        # once the fact's "a calendar month's notice" had an amount to compare with)
        if clause.numbers and tells_users_past(" ".join(clause.tokens)) and not opens_condition(clause.tokens):
            return True
        # (not an amount a fact states as well: "a clinic with three clinicians like yours" is the plan's three)
        return bool(clause.numbers) and not clause.negated and not any(
            accounted(q, self._pack_numbers) for q in clause.numbers) and any(
            clause.numbers <= amounts and words & set(clause.stems) for amounts, words in self._situations)

    @property
    def models(self) -> list[FactModel]:
        """Every fact of the pack as the rules read it, in pack order."""
        return self._facts

    def fact_model(self, fact_id: str) -> FactModel:
        """How the rules read one fact: its clauses, content, amounts and whether it guarantees anything."""
        return self._fact_model[fact_id]

    @property
    def pack_numbers(self) -> frozenset:
        """Every amount some fact of the pack states."""
        return self._pack_numbers

    def true_amount(self, q: tuple, said: frozenset, of_facts: frozenset = frozenset()) -> bool:
        """An amount some fact states, or a total worked out from the true amounts said beside it (`said`), or what is
        left of one after a percentage of the facts it is said about (`of_facts`: their amounts), or their price per
        session (`_sessions`)."""
        return accounted(q, self._pack_numbers) or derived(q, said, self._pack_numbers, of_facts) or any(
            per_pint(q, f.numbers) for f in self._facts) or self._share_left(q, said, of_facts) or (
            q[0] == "cur" and any(abs(k[1] / n - q[1]) <= 0.02 * q[1] for k in of_facts if k[0] == "cur"
                                  and isinstance(k[1], float) for n in self._sessions))

    def sessions(self, q: tuple) -> bool:
        """`q` counts the sessions the pack's facts add up to (`_sessions`): "24 classes"."""
        return q[0] == "num" and any(abs(q[1] - n) < 0.01 for n in self._sessions)

    def pack_sum(self, q: tuple) -> bool:
        """`q` is two of the pack's prices together, to the penny ("£1,630" of the loft's £480 and the walls'
        £1,150). Only where the sentence says it sums (`_TOGETHER`): a bare sum of two small prices is any amount."""
        return q[0] == "cur" and any(abs(t - q[1]) < 0.005 for t in self._price_pairs)

    def _share_left(self, q: tuple, said: frozenset, of_facts: frozenset) -> bool:
        """`q` is what is left of a price after a percentage of the facts it is said about: of the price said beside it
        ("your outlay would be around £408 rather than £1,630"), or, with none said, of the pack's prices, one or two
        together ("the grant pays 75% ..., so your share would be about £408" of the loft's £480 and the walls'
        £1,150; round 107: a lie, and the homeowner hung up; round 91 the same). Within 1%: a speaker rounds, a wrong
        sum stays one ("At eighteen an hour you'd take home seventeen pounds" after a 15% fee)."""
        cuts = [k[1] for k in of_facts if k[0] == "pct" and isinstance(k[1], float) and 0 < k[1] < 100]
        if q[0] != "cur" or not cuts:
            return False
        others = sorted({k[1] for k in said if k[0] == "cur" and k != q and isinstance(k[1], float)})
        bases = with_pair_sums(others) if others else self._price_bases
        return any(abs(b * (1 - p / 100) - q[1]) <= 0.01 * q[1] for b in bases for p in cuts)

    # -- statements -----------------------------------------------------------------------------------------------
    def claims(self, sent: Sentence) -> tuple[list[str], list[str]]:
        """(facts asserted, facts contradicted) by one well-formed statement: each clause's matches judged
        (`_clause_matches`), a pack false-claim cue or an invented amount on a fact's topic found, then the sentence
        judged whole (`_verdict`)."""
        # A clause that tells the user's own situation back ("With a gas bill of about £120 a month, ...") claims
        # nothing of the product: its amounts are theirs (round 45: "'With a bill over €250 a month'? That sounds
        # made up."). An amount of the situation said of the product ("our plan costs £120 a month") is still read.
        told_back = [c for c in sent.clauses if self.tells_back(c)]
        # ... and so does one that says back what the caller knows of the user ("I believe you work without a CAT
        # tool": round 75, "That sounds made up"); what follows it is still read ("I know you're used to cash on the
        # day, so you'll want to know it's paid every Friday")
        if sent.clauses and sent.clauses[0] not in told_back and reports_user(" ".join(sent.clauses[0].tokens)):
            told_back.append(sent.clauses[0])
        # ... though its counts may still enter a worked example ("With fourteen bedrooms, three sets per room would be
        # 42 sets", round 66): arithmetic is checked on every amount said
        spoken = sent.numbers
        if told_back:
            kept = tuple(c for c in sent.clauses if c not in told_back)
            sent = replace(sent, clauses=kept, numbers=frozenset(q for c in kept for q in c.numbers))
        stated: list[str] = []
        false: list[str] = []
        sentence_words = {s for c in sent.clauses for s in c.stems}
        negated_clauses: list[Clause] = []  # negated clauses that matched no fact
        vouched: list = []  # (fact, clause): a guarantee without an amount, in a clause that matched no fact
        loose: set = set()  # amounts of clauses that matched no fact
        worked: set = set()  # amounts of a worked example of a true share (`_works_out_share`)
        supposed: set = set()  # ... of those that open a condition ("if you can only come at 6 pm, ...")
        # A cue split by a clause break is owned by the clauses holding its parts; one whole inside a clause is that
        # clause's alone ("...with no minimum hours, and the lunch peak guarantees €14 an hour": the hours are not
        # the peak clause's).
        clause_texts = [joined(c.token_stems) + _distributed(c.token_stems) for c in sent.clauses]
        for clause, clause_text in zip(sent.clauses, clause_texts):
            matches = self._clause_matches(sent, clause, clause_text, clause_texts, sentence_words)
            if len(matches) > 1 and clause.numbers:
                # a clause that names two facts, its amounts one's and against the other's, states the one: "about one
                # in eight turns into a confirmed booking" is the enquiry figures, not the 8% commission on bookings
                fits = [(f, n) for f, n in matches if not any(contradicts(q, f.numbers) for q in clause.numbers)]
                matches = fits or matches
            known_numbers = frozenset().union(*(f.numbers for f, _ in matches)) if matches else frozenset()
            spans = frozenset().union(*(f.spans for f, _ in matches)) if matches else frozenset()
            for fact, negated in matches:
                # (a count said without its noun is the fact's count: "Groups are capped at 10" for "capped at 10
                # students", where the fact's "between 6 and 8" has no noun either; round 90: a lie)
                invented = any(contradicts(q, known_numbers) and not self.true_amount(q, spoken, known_numbers)
                               and not in_span(q, clause.tokens, spans) and not count_without_noun(q, known_numbers)
                               for q in clause.numbers) or (
                    clause.guarantee and not fact.guarantee and not self._firm_promise(sent, clause, fact))
                (false if negated or invented else stated).append(fact.id)
            asserted, denied_false = self._false_cue_hits(clause)
            if asserted and clause.tokens[:1] in (("so",), ("which",), ("meaning",)) and stated and set(
                    clause.stems) <= set().union(*(self._fact_model[f].content for f in stated if f not in false)):
                # what follows from a fact just stated, in that fact's own words: "Dents smaller than a 10p coin ...
                # count as fair wear and tear, so no deduction at all" (the fact's "so there is no deduction for
                # them"; round 118: the pack's false claim "no deductions at all", and the seller hung up)
                asserted = []
            if clause.numbers and any(not negated and fact.id not in false and all(
                    accounted(q, fact.numbers) for q in clause.numbers) for fact, negated in matches):
                # a false claim's words said of another fact, within that fact's own bound: "The first 30 days are
                # completely free" is the trial, not the pack's "completely free" forever (round 112: a lie, and the
                # owner hung up); "It's completely free" still is one
                asserted = [f for f in asserted if any(f == fact.id for fact, _ in matches)]
            false += asserted
            if not matches and self._works_out_share(clause, spoken):
                # "..., so £15 on a £500 bike" after "3% of its original price": a worked example of a true share,
                # its base the caller's own example (round 106: a lie, and the call lost)
                worked |= clause.numbers
                continue
            if not matches and not denied_false and not clause.negated and (clause.numbers or clause.guarantee):
                invented = self._invented_on_topic(sent, clause)
                if clause.numbers:
                    false += invented
                else:
                    vouched += [(f, clause) for f in invented]
            if (not matches and clause.negated and not opens_condition(clause.tokens)
                    and NEGATORS.intersection(clause.tokens)):
                # ("Urgent work is optional: ..." says only that nothing is required, and denies no fact's topic)
                negated_clauses.append(clause)
            if not matches:
                loose |= clause.numbers
                if opens_condition(clause.tokens):
                    supposed |= supposed_amounts(clause)
        # A guarantee said of what another clause states, where that fact is a guarantee: "The part I can guarantee is
        # the floor, at least 16 paid hours a week after induction" (round 62: a lie, and the call lost)
        # ... or where the fact is firm and said beside it in its own amounts ("What I can promise is the shadowing:
        # at least three paid shifts with an experienced carer", round 90)
        if not any(self._fact_model[f].guarantee for f in stated if f not in false):
            false += [f for f, c in vouched
                      if not (f in stated and self._firm_promise(sent, c, self._fact_model[f]))]
        # ... and an amount the fact bounds, said to be any: "Every payout goes out on the 1st and 15th, however small
        # your balance." beside "once your balance reaches $50" (dev: credited), "We'll refund whatever exit fee your
        # collector charges, however much it is." beside "up to €150"
        if stated and _ANY_AMOUNT.search(sent.text.lower()):
            false += [f for f in stated if self._fact_model[f].numbers]
        # ... and "guaranteed" said after an estimate: "One in eight enquiries will book with you, guaranteed." (the
        # fact's "about one in eight" is an average)
        if any(c.guarantee and len(c.tokens) <= 2 and not c.numbers for c in sent.clauses):
            false += [f for f in stated if self._fact_model[f].hedged and not self._fact_model[f].guarantee]
        return self._verdict(sent, stated, false, negated_clauses, loose, supposed | worked, spoken, frozenset(worked))

    def _clause_matches(self, sent: Sentence, clause: Clause, clause_text: str, clause_texts: list[str],
                        sentence_words: set[str]) -> list[tuple[FactModel, bool]]:
        """(fact, negated) for every fact one clause speaks of: through a cue (strong), else through most of one of
        the fact's clauses (weak, the best overlap only), or a denial of one."""
        sentence_text = joined(sent.stems)
        bare_sentence = _without_articles(sentence_text)
        imperative = sent.tokens[0] in COMMON_VERBS
        verbed = any((t in PRONOUNS or t in AUXILIARIES) and not (t == "am" and i and is_number(sent.tokens[i - 1]))
                     for i, t in enumerate(sent.tokens))  # ("ten am" is a time)
        words = set(clause.stems)
        at = sent.clauses.index(clause)
        # a relative clause is said of the clause before it: "sorting and packing in the warehouse, which needs no DBS
        # check" is the fact's "warehouse sorting needs no check" (round 95: a lie against the desk's DBS check)
        antecedent = set(sent.clauses[at - 1].stems) if at and clause.tokens[:1] in (("which",), ("who",)) else set()
        strong: list[tuple[FactModel, bool]] = []  # (fact, negated) matched through one of its cues
        weak: list[tuple[int, FactModel, bool]] = []  # matched through most of one of its clauses
        denials: list[tuple[int, FactModel, bool]] = []  # a negated clause that shares a few words with a fact
        agreeing = 0  # the most words any fact shares with the clause, same polarity
        candidates = {i for w in words for i in self._facts_with.get(w, ())}
        for fact in (self._facts[i] for i in sorted(candidates)):
            # Through a cue: the cue plus one more content word of the fact ("rent an e-bike" alone asserts
            # nothing; "rent an e-bike for €15 a week" does), and the fact's number where it has one.
            # A cue may span a clause break ("lunch and dinner peaks"): found in the sentence, owned by a clause
            # that holds part of it.
            # (across the break, an article added is no other phrase: "the course books and the online materials"
            # says "course books and online materials", round 98)
            cue = next(((phrase, neg) for phrase, neg in fact.cues if (verbed or phrase not in fact.listed) and (
                        joined(phrase) in clause_text or _loosely_said(phrase, clause.token_stems)
                        or _bounded_alike(phrase, clause.token_stems)
                        or ((joined(phrase) in sentence_text or _without_articles(joined(phrase)) in bare_sentence)
                            and set(phrase) & set(clause.token_stems)
                            and not any(joined(phrase) in t for t in clause_texts)))), None)
            home = fact.cue_homes.get(cue[0]) if cue is not None else None
            if cue is not None and (sentence_words & fact.content) - set(cue[0]) and _numbers_fit(
                    sent.numbers, home.numbers if home is not None else fact.numbers) \
                    and not self._lent_to_other(clause, fact, cue[0]):
                negated = negation_covers(clause, cue[0]) != cue[1]
                if negated and not cue[1] and home is not None and home.negated:
                    # The fact denies something else of its cue, and the caller denies the same: "Calls aren't
                    # allowed on the silent floor" says the fact's "a silent floor where calls aren't allowed"
                    # (the negation only reaches forward; round 38's cue reading called it a lie)
                    others = (set(clause.stems) & set(home.stems)) - set(cue[0])
                    negated = not (others and all(negation_covers(clause, {w}) == negation_covers(home, {w})
                                                  for w in others)
                                   and any(negation_covers(home, {w}) for w in others))
                if negated and any(
                        fc.negated and len((words | antecedent) & set(fc.stems)) >= 3 for fc in fact.clauses):
                    # ... or says it of what the fact's own denial is about: "the warehouse, which needs no DBS check"
                    # beside "warehouse sorting needs no check" (round 95), "if you'd go for warehouse sorting there's
                    # no DBS check at all" (round 111: a lie); "Front-desk volunteers don't need a DBS check" still
                    # denies the fact
                    negated = False
                if not negated and home is not None and _bounds_clash(clause, home):
                    negated = True
                if negated and home is not None and _bound_denied(clause, home):
                    # "nobody goes below minimum wage" is the fact's "at or above the National Minimum Wage": the
                    # negation and the opposite bound cancel (round 106: a lie, and the call lost)
                    negated = False
                if negated and opens_condition(clause.tokens) and not main_clause_denies(clause.tokens):
                    # a condition names a case, it claims nothing: "if a student doesn't turn up or cancels less
                    # than 24 hours before, you're still paid" (round 27: a lie); the main clause is judged
                    continue
                if (not negated and not cue[1] and clause.negated and joined(cue[0]) in clause_text
                        and not opens_condition(clause.tokens) and _named_before_negator(clause, cue[0])):
                    # The cue named before the negator, the fact's own words denied after it: "Travel time between
                    # back-to-back visits isn't paid" (round 24: credited as the fact, which says it is paid).
                    # Only words the fact says positively, in the clause that holds the cue.
                    holder = max(fact.clauses, key=lambda fc: len(set(cue[0]) & set(fc.stems)))
                    denied_ok = set().union(*(fc.stems for fc in fact.clauses if fc.negated))
                    # ("free of the fee", "waived" say "no fee" in positive words: no denial in saying it so)
                    negated = not holder.negated and not any(
                        t.endswith("free") or t in _PRIVATIVE for t in holder.tokens) and negation_covers(
                        clause, set(holder.stems) - set(cue[0]) - denied_ok)
                if home is not None and opens_condition(home.tokens) and not (negated and clause.guarantee):
                    # ... and a cue in the fact's own condition names its case, said either way round: "a delivered job
                    # that isn't approved or queried within 10 days is approved automatically" is the fact's "if a
                    # client neither approves nor queries ... within 10 days" (round 69: the pack's own fact a lie,
                    # its "neither ... nor" read as two negations). What denies the fact is its main clause's cue
                    # said denied ("Jobs within 10 days are not approved automatically.").
                    negated = _main_cue_denied(clause, fact)
                strong.append((fact, negated))
                continue
            # Through content: most of one clause of the fact, paraphrased, with its number where it has one.
            # (of two clauses sharing as much, the one said the same way round: "Urgent jobs are entirely optional" is
            # the fact's "never obliged to take them", not its "jobs marked urgent ... pay 25% more"; round 96)
            best = max(fact.clauses, key=lambda fc: (len(both := (words | antecedent) & set(fc.stems)),
                                                     negation_covers(clause, both) == negation_covers(fc, both)))
            shared = (words | antecedent) & set(best.stems)
            overlap = len(shared)
            # Polarity of what the two share: "you pick your own shifts" agrees with "you choose your own shifts
            # with no minimum hours" (the negation there is about the hours).
            # "waived" says "no" in positive words: "the fee's waived" agrees with "there is no fee", and "you
            # don't pay the usual £40 to join" with "the usual £40 joining fee is waived" (round 31: a lie).
            # Against a waiver only "can't waive" is a denial: a caller drops a fee in too many words to list.
            denied, waived = negation_covers(clause, shared), _waives(clause)
            if _waives(best):
                flipped = denied and waived
            elif _firm_pays(best, self._firm) and not negation_covers(best, shared):
                # "no install cost", "you won't pay for the install" say the fact's "VoltBay pays the full cost of
                # installing" from the user's side (round 102: a lie); "we don't pay for the install" denies it
                differ = {w for w in shared if negation_covers(clause, {w})}
                flipped = bool(differ) and not _spares_user(clause, differ)
            else:
                # word by word, most of what they share: "plus an extra Saturday run in summer" keeps the run of
                # "we add a Saturday run at no extra charge" and denies nothing (round 32: a lie)
                differ = {w for w in shared if (negation_covers(clause, {w}) != waived) != negation_covers(best, {w})}
                flipped = 2 * len(differ) > len(shared)
                if flipped and (_until_orders_as(clause, best) or _bound_denied(clause, best)):
                    flipped = False
                elif not flipped and _bounds_clash(clause, best):
                    flipped = True
                if flipped and _denies_case_only(clause, fact, best, differ):
                    continue
                if flipped and opens_condition(clause.tokens) and not main_clause_denies(clause.tokens) \
                        and not best.negated:
                    # a denial inside the condition names a case: "so if it isn't working either side can end it with a
                    # week's notice" (round 99: a lie against the trial period)
                    flipped = False
            if not flipped:
                agreeing = max(agreeing, overlap)
            if overlap >= 3 and overlap >= 0.5 * len(set(best.stems)) and _numbers_fit(sent.numbers, best.numbers):
                weak.append((overlap, fact, flipped))
            elif flipped and _UNTIL.intersection(clause.tokens) and any(accounted(q, fact.numbers)
                                                                         for q in clause.numbers):
                # "There won't be anyone on the front desk until eight" says when the fact's "staffed from 8 am"
                # begins: it agrees (round 35: a lie)
                agreeing = max(agreeing, overlap)
            elif len(shared - _LIGHT_VERBS) >= 2 and flipped and overlap >= 0.5 * len(words) \
                    and not _RISK_DENIED.search(" ".join(clause.tokens)) and any(
                    not is_number(w) and w not in UNIT_WORDS for w in shared) \
                    and not (says_unneeded(clause) and _OBLIGED.search(" ".join(clause.tokens)) and not fact.requires):
                # ("you'd never need to run the full ten" says no one is held to the term: no denial of a fact that
                # asks nothing, "The agreement runs for 10 years"; round 103: a lie, and the owner hung up)
                # "there is no accident insurance": a denied fact; "the price won't change for 18 months" denies
                # a change, not the fact's 18 months (round 32: a lie); "no lessons get booked" shares only
                # "lessons" with "you get free access to ... lesson plans" ("get" says nothing: round 61, a lie)
                denials.append((overlap, fact, True))
        # ... unless another fact says what the clause says: "We don't charge a setup fee" agrees with "There is no
        # setup fee" and denies nothing of "if your provider charges you an exit fee, we credit it back".
        weak += [d for d in denials if d[0] > agreeing]
        top = max((o for o, _, _ in weak), default=0)
        matches = strong or [(f, neg) for o, f, neg in weak if o == top]
        if _COERCES.search(" ".join(clause.tokens)):
            # Forcing, said or denied, is a claim of its own: "Nobody's forcing your private clients onto it" denies
            # nothing of "free to keep working for private clients off the app" (round 110: a lie, and the cleaner
            # hung up), and "We force your private clients onto the app" states nothing of it
            matches = [(f, neg) for f, neg in matches
                       if _COERCES.search(" ".join(t for fc in f.clauses for t in fc.tokens))]
        if denies_prerequisite(clause):  # not needed before you start: no denial of a fact that requires nothing
            matches = [(f, neg) for f, neg in matches if f.requires or not neg]
        if imperative or not (PRONOUNS | AUXILIARIES).intersection(sent.tokens):
            # "Set your own menu prices." is a bare cue said as an order, and "6 am to 10 pm." or "shows live how
            # busy." one said with no subject or verb of its own: a topic named, not a claim about the product
            # (the bare-cue agent won 6% of gym leavers with cues that are most of a clause of their fact)
            matches = [(f, neg) for f, neg in matches if not any(sentence_words <= set(p) for p, _ in f.cues)]
        return matches

    def _lent_to_other(self, clause: Clause, fact: FactModel, cue: tuple[str, ...]) -> bool:
        """The clause is about another fact, the cue's amount lent to it: "Scooter riders get a fuel allowance of 80
        cents a kilometre, like the delivery pay." names the allowance (two words or more of its topic the cued fact
        lacks, two more than the cued fact's own beside the cue), not the pay (round 102, once "a kilometre" said "per
        kilometre")."""
        said = set(clause.stems) - set(cue)
        own = len(said & fact.topic)
        return any(len((said & other.topic) - fact.topic) >= own + 2 for other in self._facts
                   if other is not fact)

    @staticmethod
    def _firm_promise(sent: Sentence, clause: Clause, fact: FactModel) -> bool:
        """A promise of a firm fact in its own words and amounts: "I can promise you at least three paid shadow shifts
        with an experienced carer", "What I can promise is the shadowing: at least three paid shifts ..." (round 90:
        a lie, and the trust it cost lost the call). The fact estimates nothing (not `hedged`), the promising clause
        names nothing the fact does not, and the sentence says amounts, every one the fact's. A promise naming
        something else ("they're guaranteed to pass the exam") or with no amount to pin it to stays invented."""
        named = set(clause.stems) - _VERB_LIKE - _GUARANTEE_STEMS - {q for q in clause.tokens if is_number(q)}
        if fact.hedged or not sent.numbers or not named <= fact.content:
            return False
        values = {(f[0], f[1]) for f in fact.numbers}  # ("three paid shifts" for "three paid shadow shifts")
        return all(accounted(q, fact.numbers) or (q[0], q[1]) in values for q in sent.numbers)

    def _invented_on_topic(self, sent: Sentence, clause: Clause) -> list[str]:
        """An invented amount or promise about a topic the pack has facts on, in a clause that matched no fact: "we
        guarantee 50 orders a day", "our commission is 40%". Counts are everywhere, so they need two topic words in
        common. The fact whose topic it names most, or nothing."""
        words = set(clause.stems)

        def topical(f: FactModel) -> bool:
            shared = len(words & f.topic)
            if clause.guarantee:
                return shared >= 1
            wrong = [q for q in clause.numbers
                     if contradicts(q, f.numbers) and not self.true_amount(q, sent.numbers, f.numbers)
                     and not in_span(q, clause.tokens, f.spans)]
            return bool(wrong) and shared >= (1 if any(q[0] in ("pct", "cur") for q in wrong) else 2)

        said = words - _VERB_LIKE - _GUARANTEE_STEMS
        # (nor "it is our guarantee", naming nothing, in a pack with a guarantee: it points back, round 62: a lie)
        pointing = not said and bool({"it", "that", "this"} & set(clause.tokens))  # not a bare "guaranteed."
        if clause.guarantee and not clause.numbers and (said or pointing) and any(
                f.guarantee and said <= f.content for f in self._facts):
            # "guaranteed pay at the peaks" says the guaranteed fact in fewer words, amount left out (round 42: made
            # up); "guaranteed pay all day" names what no guaranteed fact says, and stays invented
            return []
        hits = [f for f in self._facts if topical(f)]
        return [max(hits, key=lambda f: len(words & f.topic)).id] if hits else []

    def _verdict(self, sent: Sentence, stated: list[str], false: list[str], negated_clauses: list[set[str]],
                 loose: set, supposed: set, spoken: frozenset,
                 worked: frozenset = frozenset()) -> tuple[list[str], list[str]]:
        """The sentence judged whole from its clauses' findings (see `claims`); `spoken`: every amount said, the
        user's own included."""
        # One untruth taints the sentence: "You set your own prices, but every partner must offer a 30% discount"
        # states nothing. So does a number no stated fact accounts for, or a clause that denies what another asserts
        # ("Onboarding isn't fast, ... you build the menu page yourself").
        if stated:
            known = frozenset().union(*(self._fact_model[f].numbers for f in stated))
            denied = [f for f in stated if any(self._denies(c, self._fact_model[f]) for c in negated_clauses)]
            # ... and a price another fact states, lent to a stated fact: "... only real damage such as burns or tears is
            # charged, at £25 an item" where the fact charges £8 an item (£25 is the same-day top-up's, a fact the
            # sentence says nothing of; the inventor adversary's line)
            # (not the whole sum one need not pay at once: "you don't have to pay the £360 in one go", round 101)
            denied += [f for f in stated if f not in denied and any(self._lent(q, f, stated, set(c.stems))
                                                                    for c in sent.clauses for q in c.numbers
                                                                    if q not in worked
                                                                    and not _LUMP_SUM.search(" ".join(c.tokens)))]
            spans = frozenset().union(*(self._fact_model[f].spans for f in stated))
            inside = {q for c in sent.clauses for q in c.numbers if in_span(q, c.tokens, spans)}  # "train at 9 pm"
            # ("loft and cavity together ..., so roughly four years to cover £1,630": two prices said as their sum,
            # round 108: a lie)
            summed = {q for q in sent.numbers if _TOGETHER.search(sent.text.lower()) and self.pack_sum(q)}
            worked = worked | summed
            if denied or any(contradicts(q, known) and not self.true_amount(q, spoken, known) and q not in inside
                             and q not in worked and not count_without_noun(q, known) for q in sent.numbers):
                false += denied or stated
            elif not all(q in inside or q in worked or accounted(q, known) or counted_per_period(q, known)
                         or converted(q, known) or count_without_noun(q, known) or self._multiplies(q, spoken, known)
                         or self.sessions(q)
                         or (q in loose and self.true_amount(q, spoken, known))
                         or self._named_with_its_fact(q, sent, stated) or self._ordered(q, sent, stated)
                         or (self.true_amount(q, spoken, known) and not same_kind(q, known))
                         or (q[0] == "dur" and derived(q, spoken, self._pack_numbers))  # a payback time worked out
                         or (q in supposed and not same_kind(q, known))
                         for q in sent.numbers):
                stated = []  # an amount no stated fact holds ("... but only 48 hours in advance"): not the fact
                # (a true amount of the pack in a clause of its own voids nothing: "..., we've never been more than 85%
                # full, ..." beside the booths and the fibre lines, round 29; nor one of a kind the stated facts give
                # no amount of: "a one-month rolling plan at £35 a month with 500 Mbps speeds", where the fact says
                # "the same speeds", round 29; nor an amount of a supposed case of the user's, of a kind the stated
                # facts give none of: "If you can only come at 6 pm, you can train at any of our 14 clubs", round 46 --
                # "If you come at 6 pm, you pay the off-peak rate" still voids the off-peak times)
        if false:
            return [], list(dict.fromkeys(false))
        if not stated and self.semantic is not None:
            stated = self._semantic_facts(sent)
        return list(dict.fromkeys(stated)), []

    @staticmethod
    def _denies(clause: Clause, fact: FactModel) -> bool:
        """A negated clause denies a fact when it names a topic the fact asserts positively ("onboarding isn't fast");
        "no vehicle" beside a fact that itself says "if you have no vehicle" denies nothing, nor does "you don't need
        it before you start" a fact that requires nothing (`denies_prerequisite`)."""
        if denies_prerequisite(clause) and not fact.requires:
            return False
        # ("you're not stuck with one club" denies a limit to one, and so agrees with "any of our 14 clubs": a lie in
        # round 46's dev scoring once its "fourteen" was read)
        if denies_a_limit(clause):
            return False
        # ... nor the caller declining to say more than they know: "so I can't give you an exact figure for your house"
        # (round 108: a lie against the saving the caller had just given for a typical home)
        if _DISCLAIMS.search(" ".join(clause.tokens)):
            return False
        negated_words = set(clause.stems)
        # (not a reason given after the denial: "with no staff time since couriers load it", round 97)
        cut = next((i for i, t in enumerate(clause.tokens) if t in _REASONS and NEGATORS.intersection(clause.tokens[:i])),
                   None)
        if cut is not None:
            negated_words = {s for s in clause.token_stems[:cut] if s in negated_words}
        if _charge_named_otherwise(clause, fact):
            return False
        # "you don't have to pay the £360 in one go" says the user may pay in parts, and "..., not the classroom group"
        # only sets one thing against another: neither denies a fact (round 101: both lies, and the call lost)
        if (says_unneeded(clause) and _LUMP_SUM.search(" ".join(clause.tokens))) or (
                clause.tokens[:1] == ("not",) and not has_verb(clause.tokens, frozenset())):
            return False
        # "no staff needed" says the user needs nobody, not that the fact's staffed desk is gone (round 92: a lie
        # beside "the front desk is staffed from 8 am"); a charge not needed ("no deposit needed") still denies it,
        # and so does anything of a fact that asks something of the user ("you don't need to give any notice" beside
        # "you can leave with 30 days' notice", "you don't need to be home" beside "you can stay in while we work")
        # (the user as the one who does something, not "collected from your door": "you wouldn't need bins at all"
        # beside "premises with no room for bins can use our tagged sacks ... collected from your door", round 103)
        if says_unneeded(clause) and not fact.requires and not CHARGE_WORDS & negated_words and not any(
                "you" in fc.tokens for fc in fact.clauses):
            return False
        if charge_for(clause):  # "no router charge" denies a charge, not the router (round 84: a lie)
            # ... unless it is the charge the fact itself denies, by the words that name it: "with no sign-up or
            # monthly fees" beside "our 28% fee is the only cost, with no sign-up or monthly charge" (round 111: a
            # lie, and the car owner trusted the caller less)
            if max((len(negated_words & set(fc.stems)) for fc in fact.clauses if fc.negated), default=0) >= 2:
                return False
            negated_words = {clause.token_stems[-1]}
        # (a verb with its particle is another verb: "your cats won't set it off" denies no "while the alarm is set",
        # round 104: a lie)
        phrasal = _phrasal(clause) - set().union(*(_phrasal(fc) for fc in fact.clauses))
        negated_words = negated_words - phrasal
        # (a verb alone shares no topic: "there's nothing to pay to join" beside "you only pay the platform's share"
        # agrees with the fact's "there is no sign-up fee"; round 26's caller was called a liar)
        shared = (negated_words & fact.topic) - _VERB_LIKE
        # ... nor does one that says what a negated clause of the fact says ("the trip to your first visit isn't paid"
        # beside "..., though the trip from home to your first visit and back from your last is not": round 24's
        # caller was called a liar for the fact's own exception)
        # ("Travel time between back-to-back visits isn't paid" says more of the fact's positive clause than of its
        # exception, and denies it: round 24, credited as the fact)
        negative = max((len(negated_words & set(fc.stems)) for fc in fact.clauses if fc.negated), default=0)
        positive = max((len(negated_words & set(fc.stems)) for fc in fact.clauses if not fc.negated), default=0)
        if negative >= 2 and negative >= positive:
            return False
        # ... nor one that denies more of its own than it shares: "your guests won't be getting thin towels from us"
        # denies thin towels, not "our towels are 550 gsm" (round 28: the pack's own fact called a lie)
        # ("You wouldn't be out of pocket between visits" denies a cost, not "we pay 45p a mile between visits": round
        # 34, a lie)
        own = (negated_words - fact.topic - _VERB_LIKE) | (phrasal & set(clause.stems))
        # ... nor one that says the user pays nothing for what the fact supplies: "you don't buy any stock" beside "we
        # stock you with three full sets per room" (round 74: the pack's own fact called a lie); it still denies a fact
        # that charges for it ("you don't pay for the e-bike" beside "the e-bike is €15 a week")
        negator_at = _negator_at(clause.tokens, 0)
        # (also said of what the fact calls the user's own, "the company isn't paying for the bikes" beside "Your
        # company saves 15% ...", and a fact's sum that is a saving charges nothing; round 107: a lie)
        users_own = {fc.tokens[i + 1] for fc in fact.clauses for i in range(len(fc.tokens) - 1)
                     if fc.tokens[i] == "your"}
        if _BUYING & negated_words and ("you" in clause.tokens[:negator_at]
                                        or users_own.intersection(clause.tokens[:negator_at])) and not any(
                shared & set(fc.stems) and not fc.negated and not _SAVING & set(fc.stems)
                and (_PRICED & set(fc.stems) or any(q[0] == "cur" for q in fc.numbers)) for fc in fact.clauses):
            return False
        # ... nor one that says it costs the user nothing, beside a fact that names no price ("so volunteering
        # shouldn't cost you anything" beside "a DBS check, which the food bank pays for in full": round 111, a lie);
        # "Changeovers cost you nothing" beside "£45 a time" still denies it
        if _COST in negated_words and "you" in clause.tokens[:negator_at] and not any(
                q[0] == "cur" for fc in fact.clauses for q in fc.numbers):
            return False
        # ... nor one whose negation comes after what it shares with the fact: "it's included for every rider at no
        # cost" denies a cost, not the rider support line (round 42: the support line called a lie)
        if shared and _AT_NO_COST.search(" ".join(clause.tokens)) and not negation_covers(clause, shared):
            return False
        if own and len(own) >= len(shared):
            return False
        return any(shared & set(fc.stems) and not fc.negated for fc in fact.clauses)

    def _semantic_facts(self, sent: Sentence) -> list[str]:
        """A statement the cues missed, matched by meaning to at most one fact, with the same polarity and number
        guards as the lexical path (an encoder scores "we don't offer X" and "X at a wrong price" as X)."""
        fid = self.semantic.match_fact(sent.text)
        if fid is None:
            return []
        fact = self._fact_model[fid]
        negated = sum(c.negated for c in sent.clauses) % 2 != sum(c.negated for c in fact.clauses) % 2
        wrong = any(not accounted(q, fact.numbers) for q in sent.numbers) or (
            any(c.guarantee for c in sent.clauses) and not fact.guarantee)
        return [] if negated or wrong or not _numbers_fit(sent.numbers, fact.numbers) else [fid]

    def _multiplies(self, q: tuple, spoken: frozenset, known: frozenset) -> bool:
        """`q` is a count a worked total said beside it needs: "..., so with your 20 rooms full that's £48 a night"
        (round 82: the fact unheard, its 20 rooms an amount no fact states)."""
        if q[0] != "num":
            return False
        without = spoken - {q}
        return any(k[0] == "cur" and not accounted(k, self._pack_numbers) and self.true_amount(k, spoken, known)
                   and not self.true_amount(k, without, known) for k in spoken)

    def _named_with_its_fact(self, q: tuple, sent: Sentence, stated: list[str]) -> bool:
        """`q` is another fact's amount said with words of that fact no stated fact has: "a fuel allowance of 10 cents
        per kilometre on top of the 80 cents a kilometre delivery pay" names the delivery pay's own 80 cents (round 45:
        the fuel allowance unheard)."""
        # (only beside the stated facts' own amounts: "a fuel allowance of 80 cents, like the delivery pay" lends the
        # pay's amount to the allowance, and is no statement of it)
        if not all(not self._fact_model[f].numbers or any(accounted(x, self._fact_model[f].numbers) for x in sent.numbers)
                   for f in stated):
            return False
        words = {w for c in sent.clauses for w in c.stems if not is_number(w)} - UNIT_STEMS
        words -= set().union(*(self._fact_model[f].topic for f in stated))
        # ... or the amount's own noun, said right after it: "the $180 rent plus 30 cents a parcel" names the rent's
        # $180, though the parcel fact says "on top of the rent" (round 97: the parcel bonus unheard)
        words |= {stem(c.tokens[i + 1]) for c in sent.clauses for i in range(len(c.tokens) - 1)
                  if is_number(c.tokens[i]) and first_quantity(c.tokens[i:]) == q}
        # (a count said without its noun counts what that fact counts: "in groups of at most 10", round 98)
        return any(words & m.topic for m in self._facts if m.id not in stated
                   and (accounted(q, m.numbers) or count_without_noun(q, m.numbers)))

    def _works_out_share(self, clause: Clause, spoken: frozenset) -> bool:
        """The clause works a true percentage said in the sentence out on an amount of its own: "so £15 on a £500
        bike" after "3% of its original price" (15 = 3% of 500, within 2%), or what is left of it: "so at £20 you'd
        take home £17" after "we keep 15%" (round 110: a lie, and the cleaner hung up; "£18" is still one). The base
        is the caller's example."""
        shares = [k[1] for k in spoken
                  if k[0] == "pct" and isinstance(k[1], float) and accounted(k, self._pack_numbers)]
        money = [k[1] for k in clause.numbers if k[0] == "cur"]
        # ... after a true amount taken off first: "we pay 80% after the $200 deductible, so on a $5,000 bill we'd pay
        # $3,840" (round 114: a lie)
        off = [0.0] + [k[1] for k in spoken if k[0] == "cur" and isinstance(k[1], float) and k not in clause.numbers
                       and accounted(k, self._pack_numbers)]
        return len(money) == len(clause.numbers) >= 2 and any(
            min(abs((a - d) * p / 100 - b), abs((a - d) * (1 - p / 100) - b)) <= 0.02 * b
            for a in money for b in money if b < a for p in shares for d in off if d < a)

    def _ordered(self, q: tuple, sent: Sentence, stated: list[str]) -> bool:
        """`q` counts what a stated fact sells, for an order the caller suggests ("You could start small with two pins
        at £62 each", round 103): no claim, when no stated fact counts that thing itself."""
        if q[0] != "num" or not q[2]:
            return False
        for c in sent.clauses:
            at = next((i for i, t in enumerate(c.tokens) if is_number(t) and first_quantity(c.tokens[i:]) == q), None)
            if at is not None and _ORDERING.intersection(c.token_stems[max(0, at - 4):at]):
                noun = q[2].split()[-1]
                return any(noun in self._fact_model[f].topic and not any(k[0] == "num" and k[2] == q[2]
                                                                        for k in self._fact_model[f].numbers)
                           for f in stated)
        return False

    def _lent(self, q: tuple, fact_id: str, stated: list[str], words: set[str]) -> bool:
        """A price or share `q` that contradicts the stated fact `fact_id`, said in a clause (`words`) that names
        something of that fact and nothing of the facts that do give `q`, none of them stated: another fact's amount
        lent to this one."""
        fact = self._fact_model[fact_id]
        if q[0] not in ("cur", "pct") or not contradicts(q, fact.numbers) or accounted(q, fact.numbers):
            return False
        owners = [m for m in self._facts if m.id != fact_id and accounted(q, m.numbers)]
        if not owners or any(m.id in stated for m in owners):
            return False
        words = {w for w in words if not is_number(w)} - UNIT_STEMS
        return bool(words & fact.topic) and not any(words & m.topic for m in owners)

    def _false_cue_hits(self, clause: Clause) -> tuple[list[str], bool]:
        """(facts a pack false-claim cue in the clause contradicts, whether some cue was denied instead): "we do not
        offer guaranteed orders" is true, not a false claim. The first cue of each false claim found decides."""
        asserted: list[str] = []
        denied = False
        for fid, cues in self._false:
            hit = next((neg for phrase, neg in cues if contains_phrase(clause.token_stems, phrase)), None)
            if hit is None:
                continue
            if clause.negated != hit:
                denied = True
            else:
                asserted.append(fid)
        return asserted, denied

    def false_cues(self, sent: Sentence) -> list[str]:
        return [fid for clause in sent.clauses for fid in self._false_cue_hits(clause)[0]]

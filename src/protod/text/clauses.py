"""What a sentence *is*, read with light English grammar: the base layer of rule perception.

The rule perceiver must credit what an agent turn means, not which cue words it contains, so before any cue is
matched each sentence is analysed here (`analyse`): question or statement; well-formed or not (a keyword list, a
fragment without a verb, a scrambled word order or cue density far above natural speech is *nonsense*); clauses
(split at , ; : and conjunctions), each with its stems, its numbers and its negation parity, so that "there is no
joining fee" and "there is a joining fee" are told apart, and "40%, not the 12%" is two claims.

Over 400 lines: `analyse` and the clause readings it needs (negation scope, conditions, word order, the parts of
a sentence) are one small grammar; split, each half would import the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from protod.text.words import (
    AUXILIARIES, COMMON_VERBS, CONJUNCTIONS, DETERMINERS, FILLERS, FUNCTION_WORDS, GUARANTEE_WORDS, NEGATORS,
    PREPOSITIONS, PRONOUNS, QUANTIFIERS, VERB_STEMS, WH_WORDS, ACRONYMS, CLAUSE_BREAK, SCOPE_NEGATION, TIME_WORDS,
    SUBJECT_PRONOUNS, halves, money_words, content_stems, denies_whole, stem, tokenize,
)
from protod.text.amounts import Quantity, contrasted_amounts, is_number, quantities


@dataclass(frozen=True, slots=True)
class Clause:
    tokens: tuple[str, ...]
    token_stems: tuple[str, ...]  # stems of every token, in order (for contiguous phrase matching)
    stems: tuple[str, ...]  # stems of the content words, in order
    numbers: frozenset[Quantity]
    negated: bool  # odd number of negators: the clause denies what it names
    guarantee: bool


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    tokens: tuple[str, ...]
    stems: tuple[str, ...]  # stems of every token, in order (for contiguous phrase matching)
    question: bool
    well_formed: bool
    defect: str  # why it is not well-formed ("" when it is)
    clauses: tuple[Clause, ...]
    numbers: frozenset[Quantity]  # every amount the sentence states (the union of its clauses')


# (words a verb phrase ends on before a run-on clause: "can't get in you are paid"; not "until after they've booked",
# nor a noun's relative clause, "the days they're on campus")
_RUN_ON_ENDS = frozenset("in out up on off it them there here back down away through".split())
_RELATIVE_HEADS = frozenset("anything everything whatever whichever what".split())
_NOUN_HEADS = frozenset("any all every the".split())
_RELATIVE_PRONOUNS = frozenset("that which who".split())
_BE = frozenset("is are was were be".split())
_NEGATED_AUX = frozenset("do does did can will would is are was were".split())


def _is_verb(token: str) -> bool:
    return token in AUXILIARIES or stem(token) in VERB_STEMS or (token.endswith("es") and stem(token[:-2]) in VERB_STEMS)


def _relative_negation(tokens: tuple[str, ...]) -> int:
    """How many negators (0 or 1) sit in a relative clause that opens the clause and that a main verb follows:
    "Anything you don't use goes out to the grid", "any power you never use is paid at 18 cents", "any room that isn't
    occupied costs you nothing" assert what goes, is paid and costs (round 85: the pack's own fact called a lie).
    Tokens: a head ("anything", "what", or "any"/"the" and a noun), a subject or relative pronoun, a negated word, then
    the main verb within five words, no new subject between."""
    at = next((i for i in range(1, min(4, len(tokens))) if tokens[i] in SUBJECT_PRONOUNS
               or (tokens[i] in _RELATIVE_PRONOUNS and tokens[0] in _NOUN_HEADS)), None)
    if at is None or not (tokens[0] in _RELATIVE_HEADS and at == 1 or tokens[0] in _NOUN_HEADS and at > 1 and not any(
            _is_verb(t) or t in PREPOSITIONS or t in NEGATORS for t in tokens[1:at])):
        return 0
    neg = at + 1 + int(tokens[at + 1:at + 2] != () and tokens[at + 1] in _NEGATED_AUX)
    if tokens[neg:neg + 1] not in (("not",), ("never",)):
        return 0
    main = next((t for t in tokens[neg + 2:neg + 7] if _is_verb(t) or t in SUBJECT_PRONOUNS), None)
    # (a cleft keeps its negation: "what you don't get is a long contract" says there is none)
    return int(main is not None and main not in SUBJECT_PRONOUNS and not (tokens[0] == "what" and main in _BE))


def _clause(text: str) -> Clause | None:
    tokens = tokenize(text)
    if not tokens:
        return None
    negators = sum(1 for t in tokens if t in NEGATORS or t in OPTIONAL_WORDS) - _relative_negation(tokens)
    # a relative clause's own negator after a denial does not undo it: "nothing at all on enquiries or viewings that
    # don't turn into a booking" charges nothing (round 99: "nothing on enquiries or viewings" a lie)
    rel = next((i for i, t in enumerate(tokens) if t in _RELATIVE_PRONOUNS and NEGATORS.intersection(tokens[:i])), None)
    if rel is not None:
        negators -= sum(1 for t in tokens[rel + 1:] if t in NEGATORS)
    return Clause(
        tokens=tokens,
        token_stems=tuple(stem(t) for t in tokens),
        stems=content_stems(tokens),
        numbers=quantities(tokens) - contrasted_amounts(tokens),
        negated=negators % 2 == 1,
        # "I can't promise you a number" is the opposite of a guarantee, and so is "I can not promise a class will
        # never be full", whose two negators cancel out by count (round 67: an invented guarantee, a lie)
        guarantee=negators % 2 == 0 and any(t in GUARANTEE_WORDS and not (NEGATORS | OPTIONAL_WORDS).intersection(
            tokens[max(0, i - 3):i]) for i, t in enumerate(tokens)),
    )


CHARGE_WORDS = frozenset(stem(w) for w in "charge charges fee fees cost costs payment payments penalty interest deposit "
                           "bill".split())
_CHARGING = frozenset(stem(w) for w in "charge take add bill".split())  # verbs that impose a charge
_ADDED = frozenset(stem(w) for w in "extra additional hidden further".split())
_CHARGE_NEGATORS = frozenset(("nothing", "none", "no", "not", "never"))
_MAIN_VERB_OPENERS = frozenset("can could will would may might must should shall".split())


def charge_for(clause: Clause) -> bool:
    """The clause ends on a charge denied, named by what it is for: "no router charge", "no installation fee" (a noun
    phrase after "no" that ends on a charge word). What it denies of a fact is the charge alone."""
    if "no" not in clause.tokens:
        return False
    first = clause.tokens.index("no")
    if any(t in NEGATORS for t in clause.tokens[:first]):
        return False
    end = next((i for i in range(first + 1, len(clause.tokens)) if clause.tokens[i] in PREPOSITIONS), len(clause.tokens))
    named = clause.token_stems[first + 1:end]
    return len(named) > 1 and end == len(clause.tokens) and named[-1] in CHARGE_WORDS \
        and not set(named[:-1]) & VERB_STEMS


def negation_covers(clause: Clause, stems: tuple[str, ...] | set[str] | frozenset[str]) -> bool:
    """The clause denies one of `stems`: it is negated and one of them comes after its first negator ("with no minimum
    hours" denies the hours, not the shifts chosen before it), or the whole clause is denied ("it is not true that")."""
    if not clause.negated:
        return False
    # (a cue's function words deny nothing: "a" of "€15 a week" is not denied by "without a vehicle")
    stems = (set(stems) - FUNCTION_WORDS) or set(stems)
    first = next((i for i, t in enumerate(clause.tokens) if t in NEGATORS or t in OPTIONAL_WORDS), None)
    if first is None:
        return True
    if clause.tokens[first] in OPTIONAL_WORDS:
        return bool(set(clause.token_stems) & set(stems))
    # "Joining a promotion is never required" denies what it names before the negator: a negation whose rest only says
    # that something is needed says "you never have to join" (round 29: the pack's own fact called a lie)
    rest = [t for t in clause.tokens[first + 1:] if t not in FUNCTION_WORDS]
    if rest and all(t in _NECESSITY for t in rest):
        return bool(set(clause.token_stems) & set(stems))
    # nor past an "until" with its own subject: "Nobody goes in alone until they've done three paid shadow shifts"
    # asserts the shifts (round 28: the rule perceiver called the pack's own fact a lie); "the engineer doesn't leave
    # until your router's set up" asserts the set-up (round 40: a lie)
    end = next((i for i in range(first + 1, len(clause.tokens) - 1) if clause.tokens[i] in ("until", "till")
                and clause.tokens[i + 1] in _SUBJECTS | DETERMINERS | {"someone", "somebody", "everyone", "everything"}),
               len(clause.tokens))
    # nor into a condition after it: "There's no joining fee if you rejoin within 12 months of cancelling" denies the
    # fee, not the rejoining (round 67: the pack's own fact called a lie)
    end = next((i for i in range(first + 1, end - 1) if clause.tokens[i] in ("if", "provided", "providing")
                and clause.tokens[i + 1] in _SUBJECTS), end)
    # nor out of a relative clause into the main verb after it: "any cask that you haven't tapped within six weeks can
    # go back for a full credit" asserts the credit (round 92: "Anything untapped comes back for full credit" a lie)
    # (also with the pronoun left out: "anything from your first order you haven't tapped in six weeks can come back")
    if _RELATIVE_PRONOUNS.intersection(clause.tokens[max(0, first - 4):first]) or _RELATIVE_HEADS.intersection(
            clause.tokens[:first]):
        end = next((i for i in range(first + 2, end) if clause.tokens[i] in _MAIN_VERB_OPENERS), end)
    # ... nor past a reason given after it: "no staff time since couriers load it" asserts the couriers' loading (round
    # 97: a lie against "couriers load the locker")
    end = next((i for i in range(first + 2, end) if clause.tokens[i] in ("since", "because", "whereas")), end)
    # ... nor into a clause run on without a comma: "if you arrive and can't get in you are paid in full" pays in full
    # (round 92: "you're paid in full" a lie); a verb's object clause stays denied ("we can't promise you will ...")
    end = next((i for i in range(first + 2, end - 1) if clause.tokens[i] in _SUBJECTS
                and clause.tokens[i + 1] in AUXILIARIES and clause.tokens[i - 1] in _RUN_ON_ENDS), end)
    # "without" denies its own noun phrase only: "Riders without a vehicle get the e-bike at €15 a week" asserts the
    # e-bike (round 31's pack lines: a lie)
    # (and "with no": "premises with no room for bins can use our tagged sacks" asserts the sacks, round 99)
    if clause.tokens[first] == "without" or (
            clause.tokens[first] == "no" and clause.tokens[first - 1:first] == ("with",)):
        end = next((i for i in range(first + 2, end) if clause.tokens[i] in AUXILIARIES
                    or clause.token_stems[i] in VERB_STEMS), end)
    # A charge denied denies no more than the charge, not what a preposition adds: "the quiet weeks cost you nothing
    # for empty rooms", "there's no charge for the compliance check" say the rooms and the check are free (round 37: a
    # lie against "so empty rooms cost you nothing"); "no guarantee on loft work" still denies the loft work's.
    # (also with the verb left out, "nothing extra for empty rooms"; not a subject, "nothing is charged for rooms")
    # (and "we don't take a deposit on casks" or "we don't charge for the check" as "no deposit on casks", "no charge
    # for the check"; not "we don't cover the cost of your DBS", nor "we don't charge by the occupied room")
    if clause.tokens[first] in _CHARGE_NEGATORS:  # (the rest of this test only for them: a hot path)
        following = clause.tokens[first + 1:first + 2]
        before_prep = next((i for i in range(first + 1, end) if clause.tokens[i] in PREPOSITIONS
                            and clause.tokens[i] != "by"), end)
        between = clause.token_stems[first + 1:before_prep]
        if between[:1] and between[0] in _ADDED:
            between = between[1:]  # "no extra charge for that Saturday run"
        charged = clause.tokens[first] in ("nothing", "none") or (
            clause.tokens[first] == "no" and between[:1] and between[0] in CHARGE_WORDS) or (
            clause.tokens[first] in ("not", "never") and between[:1] and between[0] in _CHARGING
            and not set(between[1:]) - CHARGE_WORDS - FUNCTION_WORDS)
        # ("no charge for the classroom software" opening a clause is the noun, though "charge" is a verb too: the
        # pack's own fact was a lie, round 113)
        if charged and (first or clause.tokens[first] == "no" or (following and following[0] not in AUXILIARIES
                                                                  and stem(following[0]) not in VERB_STEMS)) \
                and "by" not in clause.tokens[first + 1:before_prep + 1]:
            end = before_prep
    # nor past an exception: "joining costs you nothing beyond the monthly membership" asserts the membership (round
    # 30: "It's a rolling monthly membership" was called a lie for it)
    end = next((i for i in range(first + 1, end) if clause.tokens[i] in ("beyond", "except", "besides")
                or clause.tokens[i:i + 2] in (("apart", "from"), ("other", "than"))), end)
    covered = [i for i in range(first + 1, end) if clause.token_stems[i] in stems]
    # "not every" / "not all" denies that it is every one, not the thing: "you're not building every lesson from
    # scratch" beside "over 3,000 ready-made lesson plans" (round 41: the pack's own fact called a lie)
    if covered and any(t in ("every", "all") for t in clause.tokens[first + 1:covered[0]]):
        return False
    return bool(covered)


# "between £25 and £60" is one range, not two clauses: read as "between £25 to £60" before splitting.
_BETWEEN = re.compile(r"\b(between [€$£]?\d[\d.,:]*\s?%?) and (?=[€$£]?\d)", re.I)


# A condition said without its comma ends where the main clause's subject and verb begin: "If you have no vehicle
# you can rent an e-bike" is "if you have no vehicle" + "you can rent an e-bike" (the condition's "no" does not deny
# the rental; round 16, where the rule perceiver called the pack's own fact false).
_UNMARKED_CONDITION = re.compile(
    r"^((?:(?:so|and|but|or|then)\s+)?(?:if|when|whenever|unless|once|since|because|as|now that|seeing as|given that)\b.+?)\s+((?:you|we|they|it|there)(?:'ll|'re|'s| will| can| could| would|"
    r" still| get| are| is| do| don't| won't| pay| keep)\b.*)$", re.I)


# ... and one said after its main clause: "You never have to join a promotion if you don't want to" (round 27: the
# two negators cancelled out and the pack's own fact was called a lie).
_TRAILING_CONDITION = re.compile(r"^(.+?\S)\s+((?:if|unless)\s+\S.*)$", re.I)


# (a reason said without its comma ends there too: "since you don't have a vehicle you can rent an e-bike", round 47;
# unlike a condition it is still a claim of its own: "since there's no accident insurance you ride at your own risk"
# denies the insurance)
_CONDITION_OPENER = re.compile(r"^(?:(?:so|and|but|or|then)\s+)?(?:if|when|whenever|unless|once|since|because|as|now that|"
                               r"seeing as|given that)\s+\S", re.I)
_SUBJECTS = SUBJECT_PRONOUNS
_NECESSITY = frozenset("required needed necessary compulsory mandatory obligatory expected obliged forced "
                       "requirement condition".split())
# Words that say "not required" in one word: "Joining a promotion is entirely optional" is the fact "you never have to
# join a promotion" (round 30: called a lie). A clause holding one is negated, and it denies what it names.
OPTIONAL_WORDS = frozenset("optional voluntary".split())
_NOT_VERBS = PRONOUNS | DETERMINERS | PREPOSITIONS | CONJUNCTIONS | QUANTIFIERS


def _split_condition(part: str) -> tuple[str, str] | None:
    """A leading condition without its comma and its main clause, where the main clause opens with a subject and a
    verb ("If we can't get a stain out we replace the item free"); None when there is no such split. The subject is
    looked for from the condition's third word on ("If we can't ..." is no split after "If")."""
    if not _CONDITION_OPENER.match(part):
        return None
    tokens = part.split()
    for k in range(3, len(tokens) - 1):
        word, verb = tokens[k].lower().strip(",;"), tokens[k + 1].lower().strip(",.;!?")
        # (a subject then a word that is no function word: the verb, as `has_verb` reads a subject and any word)
        if word in _SUBJECTS and verb.isalpha() and verb not in _NOT_VERBS:
            return " ".join(tokens[:k]), " ".join(tokens[k:])
    return None


# Two things denied by one verb at the end: "the trip to your first visit and back from your last is not" (round 30:
# split at "and", the first half read as asserted, and a caller saying the pack's own exception was called a liar).
_CONJUNCT = re.compile(r"^(?P<first>.*\S)\s+and\s+(?P<second>[^,;:]*?)\b(?P<verb>(?:is|are|was|were)(?:n't|\s+not))"
                       r"\s*[.!?]*$", re.I)


def _shared_negation(part: str) -> str:
    """`part` with the "and" before a second conjunct that has no verb but a final negated "is" joined ("&"), so the
    negation covers both conjuncts."""
    found = _CONJUNCT.match(part.strip())
    second = set(tokenize(found["second"])) if found else set()
    if not found or second & AUXILIARIES or second & _SUBJECTS:
        return part
    return f"{found['first']} & {found['second']}{found['verb']}"


def _negated_lists(pieces: list[str]) -> list[str]:
    """`pieces` (the text split after its commas) with a denied list kept whole: "with no joining, monthly or tablet
    fees" is one denial of three fees (round 36: "monthly or tablet fees" read as asserted, a lie against "no monthly
    fee"). A piece ending in a negated word joins the verbless piece that ends the list ("&" keeps the clause break off
    it)."""
    out: list[str] = []
    for piece in pieces:
        head = tokenize(out[-1]) if out else ()
        end, rest = (re.split(r"(?=\s*(?:;|\s[\u2013\u2014-]\s))", piece, maxsplit=1) + [""])[:2]  # the list ends there
        tail = tokenize(end)
        # (a phrase after the list's last item is the list's: "no joining, monthly or tablet fees on top", round 41)
        last_item = max((i for i, t in enumerate(tail) if t in _COORD), default=len(tail))
        # (the denial may name its first item whole when the others repeat its noun: "there's no joining fee, monthly
        # fee or tablet fee", round 43; not "never liable for damage, vandalism or theft at the locker")
        denied = NEGATORS.intersection(head[-2:]) or (
            NEGATORS.intersection(head[-4:-2]) and head[-1] in tail and not has_verb(head[-3:], frozenset()))
        # ... or "no" and a short noun phrase, the others named whole: "no bin rental, service charge or fuel
        # surcharge" (round 93: "service charge or fuel surcharge" read as asserted, a lie)
        after_no = head[len(head) - 1 - head[::-1].index("no") + 1:] if "no" in head[-4:] else ()
        denied = denied or (0 < len(after_no) <= 3 and not PREPOSITIONS.intersection(after_no)
                            and not has_verb(after_no, frozenset()) and not NEGATORS.intersection(tail))
        # ... and a list of denied verbs: "We never sell, swap or share your details" (round 95: "We never share your
        # details either." a lie against the fact's "swap or share your details" read as asserted)
        verbs = (len(head) >= 2 and head[-2] in NEGATORS and _is_verb(head[-1]) and tail[:1] and _is_verb(tail[0])
                 and bool({"or", "nor"}.intersection(tail[1:3])) and tail[2:4] and any(_is_verb(t) for t in tail[2:4]))
        # (not a piece with its own negator: "it costs the company nothing, no setup or monthly fee" is two denials,
        # round 107: joined, their negators cancelled and the pack's own fact a lie)
        if head and out[-1].rstrip().endswith(",") and tail[:1] and tail[0] not in NEGATORS and (verbs or (
                denied and tail and len(tail) <= 8
                and _COORD.intersection(tail) and not has_verb(tuple(t for t in tail if stem(t) not in CHARGE_WORDS),
                                                               frozenset())  # ("service charge" names no verb)
                and not PREPOSITIONS.intersection(tail[:last_item + 2]) and not DETERMINERS.intersection(tail[:last_item]))):
            out[-1] = out[-1].rstrip().rstrip(",") + " & " + re.sub(r"\s+and\s+", " & ", end) + rest
        else:
            out.append(piece)
    return out


def _parts(text: str) -> list[str]:
    """The clause texts; a condition without its comma is split off only when it holds a negator (the one case where
    reading it with its main clause flips what the main clause says): before its main clause always, after it when the
    main clause holds a negator too."""
    out = []
    for part in CLAUSE_BREAK.split(" ".join(map(_shared_negation, _negated_lists(re.split(r"(?<=[,;:])\s+", text))))):
        found = _UNMARKED_CONDITION.match(part.strip())
        leading = (found.group(1), found.group(2)) if found else _split_condition(part.strip())
        trailing = _TRAILING_CONDITION.match(part.strip()) if not leading else None
        if leading and NEGATORS.intersection(tokenize(leading[0])):
            out += list(leading)
        elif trailing and all(NEGATORS.intersection(tokenize(g)) for g in trailing.groups()):
            out += [trailing.group(1), trailing.group(2)]  # (only where the two negators would cancel out)
        else:
            out.append(part)
    return out


# A bound said with a negation ("there can't be more than 80 people on the floor", "never more than 80", "no later than
# 10am") is the offer's own limit, not a denial of it (round 25: the rule perceiver called the cap a lie).
_UPPER_BOUND = re.compile(r"\b(?:(?:can(?:'t|not)|cannot|won't|will not|doesn't|does not|isn't|is not|aren't|are not|"
                          r"never|not)\s+(?:be\s+|go\s+|get\s+|take\s+|cost\s+)?|no\s+)(?:more|longer|later|higher|over)"
                          r"\s+than\b", re.I)
_LOWER_BOUND = re.compile(r"\b(?:(?:can(?:'t|not)|cannot|won't|will not|doesn't|does not|isn't|is not|aren't|are not|"
                          r"never|not)\s+(?:be\s+|go\s+|get\s+|take\s+|pay\s+|make\s+|earn\s+)?|no\s+)"
                          r"(?:less|fewer|lower|shorter|under)\s+than\b", re.I)


def plain_bounds(text: str) -> str:
    """A bound said with a negation in plain words: "never more than 80" -> "at most 80" (`_UPPER_BOUND`)."""
    return _LOWER_BOUND.sub("at least", _UPPER_BOUND.sub("at most", text))


_SUPPOSE_ASIDE = re.compile(r"\b(if|when|unless),? (?:say|let's say|for example|for instance),\s*", re.IGNORECASE)
# "X rather than Y" denies Y: read as "X, not Y" ("judged case by case rather than ruling any condition out" agrees with
# "a condition doesn't rule anyone out"; round 102: a lie)
# "two 4.5-gallon pins" counts pins of 4.5 gallons, no range from 2 to 4.5 (round 103: a lie against "4.5-gallon pins
# at £62"): read as "two pins of 4.5-gallon"
_COUNT_OF_MEASURED = re.compile(r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve) "
                                r"(\d+(?:\.\d+)?)-([a-z]+) ([a-z]+)\b", re.IGNORECASE)
_RATHER_THAN = re.compile(r",?\s+(?:rather than|instead of)\s+", re.IGNORECASE)


def clauses_of(text: str) -> tuple[Clause, ...]:
    # prices in words first, read in the whole sentence: "thirteen pounds twenty, and weekends go up to fourteen seventy"
    text = _BETWEEN.sub(r"\1 to ", money_words(halves(plain_bounds(text.replace("’", "'")))))
    text = _SUPPOSE_ASIDE.sub(r"\1 ", text)  # "if, say, you're off by 9 pm": one condition, not three clauses
    text = _RATHER_THAN.sub(", not ", text)
    text = _COUNT_OF_MEASURED.sub(r"\1 \4 of \2-\3", text)
    flipped = denies_whole(text)
    if flipped:
        text = SCOPE_NEGATION.sub(" ", text)
    clauses = tuple(c for c in (_clause(part) for part in _parts(text)) if c is not None)
    if flipped:  # every claim in the sentence is denied
        clauses = tuple(replace(c, negated=not c.negated) for c in clauses)
    return clauses


def has_verb(tokens: tuple[str, ...], extra_verbs: frozenset[str]) -> bool:
    """The tokens hold a verb: an auxiliary, a known verb not after a determiner, or any word after a subject pronoun."""
    for i, t in enumerate(tokens):
        if t in AUXILIARIES:
            return True
        after_noun_marker = i > 0 and tokens[i - 1] in _NOUN_MARKERS  # "few orders", "your earnings": nouns
        if (t in COMMON_VERBS or t in extra_verbs) and not after_noun_marker:
            return True
        # ("Every payout goes out on the 1st", round 98: no verb, "goes" being no stem of a listed verb)
        if t.endswith("es") and t[:-2] in COMMON_VERBS and not after_noun_marker:
            return True
        if stem(t) in VERB_STEMS and not after_noun_marker:
            # "charges", "answers" are verbs; "delivered order", "guaranteed income" may be adjectives: a participle
            # counts only after an auxiliary or a subject ("are removed", "we delivered").
            if not t.rstrip("s").endswith(("ed", "ing")) or (i and (tokens[i - 1] in AUXILIARIES or tokens[i - 1] in PRONOUNS)):
                return True
        # "you earn", "we cover", "it takes": a subject pronoun is followed by its verb.
        if i and tokens[i - 1] in ("i", "you", "we", "they", "he", "she", "it") and t not in FUNCTION_WORDS and not is_number(t):
            return True
    return False
TIME_WORD_STEMS = frozenset(stem(w) for w in TIME_WORDS.split())
_NOUN_MARKERS = DETERMINERS | QUANTIFIERS
_INDEFINITES = frozenset("anything something everything anybody somebody".split())
# Words a spoken question opens with when its "do you" / "are you" is left out: "Want to give us a go?", "Happy for me
# to go ahead?", "Using your own car?", "Got a minute?" (25 honest corpus lines were scrambled without them).
_ELIDED_OPENERS = frozenset("want need got fancy happy ready keen interested free okay sure worried using paying "
                            "thinking looking planning hoping tried heard seen ever".split())
_COORD = frozenset(("and", "or", "but"))
_STRICT_CONJ = frozenset("and or but because if although though whereas unless".split())
# (not a preposition that is also a noun: "from the inside", "on the outside", "at the top", round 113: "Shall we get
# your sign-up started so you can see it all from the inside?" was word salad)
_BAD_AFTER_DET = (AUXILIARIES | PREPOSITIONS | _STRICT_CONJ | DETERMINERS | WH_WORDS | frozenset("i we they he she".split())) \
    - frozenset("inside outside top bottom back front middle past round underside".split())
_FINITE_AUX = AUXILIARIES - {"be", "been", "being", "have"}
_BAD_AFTER_PREP = _FINITE_AUX | frozenset("i we they he she".split())


_ASKING = WH_WORDS | AUXILIARIES | {"whether", "if"}  # words that make a question, where it is asked
_SUBORDINATORS = frozenset("about to before after until since than like as".split())


# Where one claim ends and another begins inside a sentence: ";", a dash, "but", "so", ", which", "plus", and an
# "and" that starts a new subject ("..., and the first three months are free"). Coarser than CLAUSE_BREAK, which
# also cuts at every comma to keep amounts apart.
_CLAIM_BREAK = re.compile(
    r"\s*;\s*|\s+[\u2013\u2014-]\s+|,?\s+(?:but|so|plus|which means|which)\s+|,\s+(?:and\s+)?(?=(?:we|you|they|it|it's|"
    r"there|there's|the|your|our|that|this|every|all|each)\b)|\s+and\s+(?=(?:we|you|they|it|it's|there|there's|the|"
    r"your|our|every|all)\b)", re.I)


def claim_clauses(sentence: str) -> tuple[str, ...]:
    """The claims of one sentence, each of three words or more: "It's £29 a month, and the first three months are
    free" -> ("It's £29 a month", "the first three months are free")."""
    parts = (p.strip(" ,;") for p in _CLAIM_BREAK.split(sentence))
    return tuple(p for p in parts if len(p.split()) >= 3)


_POSSESSIVES = frozenset("our your their my his her its".split())
_ADVERB_PARTICLES = frozenset("between in on out over around inside outside through along".split())


def _stranded(tokens: tuple[str, ...], prep: str) -> bool:
    """A preposition that ends a relative clause: "(the plan) you're on is", "(the app) you rode for was", "(the only
    class) you'd pay extra for is"."""
    i = tokens.index(prep)
    # (or a subject with a possessive: "(any line) our beer runs through is", round 104: scrambled)
    return i >= 2 and any(t in PRONOUNS or (t in _POSSESSIVES and k + 2 < i)
                          for k, t in enumerate(tokens[max(0, i - 4):i], start=max(0, i - 4)))


def _closes_range(tokens: tuple[str, ...], particle: str) -> bool:
    """ "18 or over", "five and up": the particle ends an open range after a coordinator."""
    i = tokens.index(particle)
    return i >= 2 and tokens[i - 1] in ("or", "and") and is_number(tokens[i - 2])


def _scrambled(tokens: tuple[str, ...], question: bool, segments: tuple[tuple[str, ...], ...] = ()) -> bool:
    """Word orders English does not produce: 'the is', 'your of', 'for are', a sentence ending on 'the'.

    Word pairs are read within one comma-separated segment: "compared with the bundle you're on, we're cheaper"
    joins "on" and "we" only across the comma."""
    # (each pair with its segment's first word: "That's great, running outside is hard to beat" opens its second
    # segment on a gerund subject, round 80: scrambled)
    pairs = [(*p, seg[0]) for seg in (segments or (tokens,)) if seg for p in zip(seg, seg[1:], (*seg[2:], ""))]
    for a, b, c, opener in pairs:
        # (but "no" opens a compound modifier: "I'm sure about the no minimum term", "a no-quibble refund": round 60)
        # (nor "a no" ending its segment: "and if it's a no, they leave with no fee", round 118: word salad)
        if a in DETERMINERS and (b in _BAD_AFTER_DET or (b in NEGATORS and not (
                b == "no" and ((c and c not in FUNCTION_WORDS and c not in DETERMINERS) or (not c and a == "a"))))):
            return True
        # "for are", "of we" are not English; "before they go" (a subordinator) and "the plan you're on is" (a
        # stranded preposition before the verb) are.
        # ... nor does a sentence whose verb is left to be understood: "..., but the journeys in between are."
        # ... nor "aged 18 or over can come", where the particle closes a range
        if a in PREPOSITIONS and a not in _SUBORDINATORS and b in _BAD_AFTER_PREP and not (
                b in _FINITE_AUX and (_stranded(tokens, a) or (a in _ADVERB_PARTICLES and (
                    (a, b) == tokens[-2:] or _closes_range(tokens, a) or tokens[0].endswith("ing")
                    or opener.endswith("ing"))))):
            # ("Getting your records in is free": the particle closes a gerund subject)
            return True
        if a in _COORD and b in _COORD:
            return True
    if tokens[-1] in DETERMINERS or (tokens[-1] in _STRICT_CONJ and tokens[-1] != "though"):
        return True  # (a closing "though" is an adverb: "I haven't made any offer yet though.", round 22)
    if question:
        # A question opens with a question word or an auxiliary ("How do...", "Would you..."), or is a statement
        # said with a rising tone ("You're worried about the fees?"), which opens with a subject or a discourse word.
        # A lead-in ("Mind if I ask whether...", "Before we go any further, what...") puts the question word later.
        first = tokens[0]
        openers = WH_WORDS | AUXILIARIES | PRONOUNS | DETERMINERS | QUANTIFIERS | CONJUNCTIONS | FILLERS | NEGATORS \
            | _INDEFINITES | _ELIDED_OPENERS  # "Anything else on your mind?", "Want to give us a go?"
        # ... or a later segment opens the question, after a link word at most ("At the moment you wash in-house, so
        # what would worry you most about ...?": scrambled in round 23)
        # or with a subject, said with a rising tone after a lead-in ("With a full-time teaching job, I imagine
        # preparation time is a concern too?", round 23)
        # ... or a short time or place phrase, then a subject and its verb ("Right now you take walk-ins and phone
        # orders, right?", "At the moment you wash in-house?": scrambled in round 24)
        if first not in openers and not any(t in _ASKING for t in tokens[1:4]) and not _fronted_subject(tokens) \
                and not any(
                seg and (seg[0] in _ASKING or seg[0] in PRONOUNS or (
                    seg[0] in CONJUNCTIONS and seg[1:2] and seg[1] in _ASKING)) for seg in segments[1:]):
            return True
    return False


# ... said in two words: "Fair enough, ...", "Of course, ...", "No problem, ..." (round 43: "Fair enough, let's talk
# straight money." was a keyword list)
_COURTESY_WORDS = frozenset("enough of course no problem worries then thing".split())
INTERJECTIONS = frozenset("exactly absolutely great right okay ok yes yeah sure lovely perfect brilliant true indeed "
                           "fair definitely totally quite".split())
# Words a fronted time or place phrase opens with ("right now", "at the moment", "these days", "in your case"): not a
# noun or adjective, so "Cheap fees you like?" stays word salad.
_ADVERBIAL_OPENERS = PREPOSITIONS | DETERMINERS | frozenset(
    "right just now currently nowadays lately recently normally usually today presumably obviously surely".split())


def _fronted_subject(tokens: tuple[str, ...]) -> bool:
    """A subject pronoun and then its verb within the first five words, after words that are no verb themselves:
    a fronted adverbial ("right now you take", "at the moment you're"), never a list of cue words."""
    for i in range(1, min(4, len(tokens) - 1)):
        if tokens[i] in _SUBJECTS:
            lead = tokens[:i]
            return lead[0] in _ADVERBIAL_OPENERS and not has_verb(lead, frozenset()) and not any(
                is_number(t) for t in lead) and (
                tokens[i + 1] in AUXILIARIES or tokens[i + 1] in COMMON_VERBS or stem(tokens[i + 1]) in VERB_STEMS
                or tokens[i + 1] in ("mostly", "usually", "still", "already", "just", "only", "also", "often"))
    return False


# (never inside a number: "3,600 kWh", "9:30")
_SEGMENT = re.compile(r"\s*(?:(?<!\d)[,:]|[,:](?!\d)|[;\u2013\u2014])\s*|\s+-\s+")
_WORD_CASE = re.compile(r"(?<![\w'-])[A-Za-z][A-Za-z'-]*(?![\w'-])")  # (not "A" of the level "A1": round 92)


def _broken_casing(sentence: str) -> bool:
    """Mixed-case text whose first word is lower-case, or with a capitalised function word mid-sentence
    ("riding you What the money side"): the marks of words moved around. All-lower, all-upper and Title Case pass."""
    words = _WORD_CASE.findall(sentence)
    if len(words) < 3:
        return False
    caps = [w[0].isupper() for w in words]
    if all(w.isupper() for w in words) or not any(caps) or sum(caps) > len(words) / 2:
        return False
    if not caps[0] and not _OPENS_WITH_AMOUNT.match(sentence):
        return True  # ("95% of our customers get ..." opens with an amount: its first word is "of")
    return any(c and w.lower() in FUNCTION_WORDS and w not in _CAPITAL_WORDS for w, c in zip(words[1:], caps[1:]))


_OPENS_WITH_AMOUNT = re.compile(r"\W*[\d£$€¥]")
# Function words written in capitals mid-sentence by people, not by shuffling: "I", "OK" ("Is now an OK time?"), "US"
_CAPITAL_WORDS = frozenset({"I", "OK", *ACRONYMS})


@lru_cache(maxsize=65536)
def analyse(sentence: str, extra_verbs: frozenset[str] = frozenset()) -> Sentence:
    """Analyse one sentence (see module docstring). Pure and cached."""
    tokens = tokenize(sentence)
    # A question mark, or a question typed without one ("How do you find the app", "Would you like a trial"). A
    # question word and a pronoun closed by a full stop is a statement ("What you pay in month one is what you pay
    # in month eighteen."), an auxiliary first is a question however it ends.
    closed = sentence.rstrip().endswith((".", "!"))
    # ... nor is one whose subject is a "what" clause ("What might help on your solo days is the classes.", round 36)
    copulas = {"is", "are", "was", "were"}
    cleft = closed and tokens[:1] == ("what",) and len(tokens) > 3 and tokens[1] not in copulas \
        and tokens[2] not in PRONOUNS and bool(copulas.intersection(tokens[3:]))
    # ... or "what's" and a word ("What's true is: one NDA, ...", round 86: a question about worries)
    cleft = cleft or (closed and tokens[:2] == ("what", "is") and len(tokens) > 4 and tokens[2] not in PRONOUNS
                      and tokens[3] in copulas)
    question = "?" in sentence.rstrip()[-3:] or (
        len(tokens) > 2 and (tokens[0] in AUXILIARIES or (tokens[0] in WH_WORDS and not (closed and tokens[1] in PRONOUNS)))
        and tokens[1] in PRONOUNS | AUXILIARIES and not cleft
    )
    defect = ""
    words = [t for t in tokens if not is_number(t)]
    if len(tokens) >= 4:
        # (after an interjection segment: "Exactly, less clutter behind the counter." agrees, it lists nothing)
        lead = _SEGMENT.split(sentence, 1)
        rest: tuple[str, ...] = ()
        if len(lead) == 2 and tokenize(lead[0]) and all(t in INTERJECTIONS or t in _COURTESY_WORDS
                                                          for t in tokenize(lead[0])):
            rest = tokenize(lead[1])
            words = [t for t in rest if not is_number(t)] or words
        function_share = sum(1 for t in words if t in FUNCTION_WORDS) / max(1, len(words))
        # (a short reply after the courtesy is a reply, not a list: "Of course, ask away." was a keyword list, round 69)
        short_reply = 0 < len(rest) <= 3 and has_verb(rest, extra_verbs)
        # Few function words make a keyword list ("Commission 12%, weekly payout, no lock-in") unless a main clause
        # opens the sentence with its verb: "Written comments come back within five working days." (0.14) and
        # "Holiday allowance is twenty-eight days, pro rata, including bank holidays." are plain speech.
        if not short_reply and function_share < 0.2 and (function_share < 0.1 or not has_verb(
                tokenize(_SEGMENT.split(sentence, 1)[0]), extra_verbs)):
            defect = "keyword list"
        elif not has_verb(tokens, extra_verbs):
            defect = "no verb"
        elif _scrambled(tokens, question, tuple(tokenize(part) for part in _SEGMENT.split(sentence))) \
                or _broken_casing(sentence):
            defect = "scrambled"
        # (a word said four times in a long summary is no stutter: "a paid induction, paid shadow shifts, ... paid
        # hours" was nonsense, round 74; more than one word in eight is)
        elif (most := max(tokens.count(t) for t in set(words) - FUNCTION_WORDS or {""})) > 3 and most * 8 > len(words):
            defect = "repetition"
    elif tokens and not has_verb(tokens, extra_verbs):
        defect = "fragment"  # "rent an e-bike", "12%?": too short to assert or ask anything about a worry
    if tokens and not defect and len(tokens) < 4 and question and tokens[0] not in WH_WORDS | AUXILIARIES:
        defect = "fragment"
    clauses = clauses_of(sentence)
    return Sentence(
        text=sentence,
        tokens=tokens,
        stems=tuple(stem(t) for t in tokens),
        question=question,
        well_formed=not defect,
        defect=defect,
        clauses=clauses,
        numbers=frozenset(n for c in clauses for n in c.numbers),
    )


def segments(sentence: str) -> tuple[str, ...]:
    """The parts of a sentence between its punctuation (, ; : dash) and its claim breaks (`claim_clauses`: "and we",
    "so", "but"), as said: "You're on a 70 Mbps deal at the moment and our plan is £29" -> two parts."""
    return tuple(q.strip(" ,;") for p in _SEGMENT.split(sentence) for q in _CLAIM_BREAK.split(p) if q.strip(" ,;"))


def opens_condition(tokens: tuple[str, ...]) -> bool:
    """A conditional clause denies nothing ("If you've never mentored anyone, our workshop is free", "If nobody books,
    you owe nothing"); "if anything" and "if I'm honest" open a statement, which may deny ("If anything, the visit
    is not free")."""
    if tokens[:1] and tokens[0] in ("so", "and", "but", "or", "then"):  # "..., so if it doesn't suit you, ..."
        tokens = tokens[1:]
    return tokens[:1] in (("if",), ("unless",)) and tokens[1:2] not in (("anything",), ("i",)) and tokens[1:3] != ("you", "ask")


def main_clause_denies(tokens: tuple[str, ...]) -> bool:
    """A condition said without its comma whose main clause holds the negation: "if we can get a stain out we don't
    replace the item free" (the second subject comes before the negator)."""
    if tokens[:1] and tokens[0] in ("so", "and", "but", "or", "then"):  # ("so if it isn't working, ...": round 99)
        tokens = tokens[1:]
    neg = next((i for i, t in enumerate(tokens) if t in NEGATORS), None)
    second = next((i for i in range(2, len(tokens)) if tokens[i] in _MAIN_SUBJECTS), None)
    return neg is not None and second is not None and second < neg


_MAIN_SUBJECTS = SUBJECT_PRONOUNS | {"there"}


def condition_span(clause: Clause) -> tuple[int, int]:
    """Where the case a condition clause supposes lies in its tokens, before its main clause: "and if the level feels
    wrong in the first two weeks we move you ..." -> the span of "the level ... weeks"; (0, 0) for a clause that opens
    no condition. Denying the case ("so you won't be stuck at the wrong level") denies nothing the clause promises."""
    if not opens_condition(clause.tokens):
        return 0, 0
    start = 2 if clause.tokens[0] in ("so", "and", "but", "or", "then") else 1
    second = next((i for i in range(start + 1, len(clause.tokens)) if clause.tokens[i] in _MAIN_SUBJECTS),
                  len(clause.tokens))
    return start, second
# The words that open a main clause after a condition said without its comma (see `supposed_amounts`)
_MAIN_OPENERS = _MAIN_SUBJECTS | {"that", "this", "these", "those", "the"}


def supposed_amounts(clause: Clause) -> frozenset:
    """The amounts of a condition clause's own case, not of a main clause said without its comma: "if you refer a
    friend you get another four" and "if you're a taxpayer that fiver becomes eight" suppose nothing; their amounts
    are claims (a second subject, or a word that opens one, starts the main clause)."""
    tokens = clause.tokens[1:] if clause.tokens[:1] and clause.tokens[0] in ("so", "and", "but", "or", "then") else clause.tokens
    second = next((i for i in range(2, len(tokens)) if tokens[i] in _MAIN_OPENERS), len(tokens))
    own = {(q[0], q[1]) for q in quantities(tokens[:second])}
    return frozenset(q for q in clause.numbers if (q[0], q[1]) in own)


_LIMITING = frozenset("stuck tied limited restricted confined bound trapped".split())


# What a limit holds the user to: one thing, or the one they have now ("tied to your old club": round 81's gym caller
# was called a liar for "any of our 14 clubs" said after it)
_THE_ONE = frozenset("one single old current usual home nearest local previous existing original".split())


def denies_a_limit(clause: Clause) -> bool:
    """"You're not stuck with one club" and "you aren't tied to your old club" deny a limit to the one, and so agree
    with "any of our 14 clubs"."""
    at = next((i for i, t in enumerate(clause.tokens) if t in _LIMITING), None)
    return at is not None and bool(_THE_ONE.intersection(clause.tokens[at + 1:at + 5]))

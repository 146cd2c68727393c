"""Amounts: the quantities a sentence states (money, percentages, durations, counts, clock times) and how two of
them compare: the same amount in other words, a contradiction, a complement ("you keep 80%" against "we take 20%")
or an amount worked out from a fact's own figures.

Over 400 lines: reading an amount and comparing two are one set of units and kinds; split, each half would need the
other's private tables."""

from __future__ import annotations

import re
from functools import lru_cache

from protod.text.words import FUNCTION_WORDS, SUBJECT_PRONOUNS, VERB_STEMS, UNIT_DAYS, stem


def is_number(token: str) -> bool:
    return token[:1].isdigit() or (token[:1] in "€$£" and token[1:2].isdigit())


Quantity = tuple  # (kind, value, unit): ("cur", 5.0, ""), ("pct", 12.0, ""), ("time", 11.5, ""), ("num", 25.0, "order")
RATE = "rate"  # the unit of a price said as "N a week" with no currency word: it may count things per week instead
_CURRENCY_WORDS = frozenset("euro euros eur dollar dollars pound pounds quid bucks".split())
_CENT_WORDS = frozenset("cent cents c p pence".split())
_RATE_WORDS = frozenset("a an per every each".split())
# Words between a count and its unit that do not change the unit: "two working days" is two days (stems; a calendar
# day is another promise).
_UNIT_QUALIFIERS = frozenset("work business full whol clear consecutiv".split())
# Words after an hour that make it a clock time, and the half of the day they name ("" for either).
_CLOCK = {"am": "am", "pm": "pm", "oclock": ""}
_CLOCK_PHRASES = {("in", "the", "morning"): "am", ("in", "the", "afternoon"): "pm", ("in", "the", "evening"): "pm",
                  ("at", "night"): "pm"}


def _clock(tokens: tuple[str, ...], j: int) -> str | None:
    """The half of the day ("am", "pm", "") when tokens[j:] open with clock words, else None."""
    if j < len(tokens) and tokens[j] in _CLOCK:
        return _CLOCK[tokens[j]]
    return _CLOCK_PHRASES.get(tokens[j:j + 3], _CLOCK_PHRASES.get(tokens[j:j + 2]))
# Spoken and written forms of one unit (stems): "490 meg" is a claim about the same thing as "450 Mbps".
_UNIT_ALIASES = {"meg": "mbp", "megabit": "mbp", "mb": "mbp", "gig": "gbp", "gigabit": "gbp", "km": "kilometr",
                 "kms": "kilometr", "kilometer": "kilometr", "min": "minut", "mins": "minut", "hr": "hour",
                 "hrs": "hour", "yr": "year", "yrs": "year", "wk": "week", "wks": "week",
                 # a delivery is an order delivered ("your first three deliveries" = "your first three orders")
                 "delivery": "order",
                 # an instalment is a payment ("three payments of £120" = "three monthly instalments of £120")
                 "instalment": "payment", "installment": "payment",
                 # staff are employees ("with under 25 staff" = "fewer than 25 employees", round 99)
                 "staff": "employe",
                 # ("more than 10 kilos" = "more than 10 kg", round 101)
                 "kilo": "kg", "kilogram": "kg", "kilogramm": "kg"}


def quantities(tokens: tuple[str, ...]) -> frozenset[Quantity]:
    """The amounts a clause states, comparable across wordings: "€0.80" = "80 cents", "12%" = "twelve percent",
    "72 hours" = "3 days"; any other count keeps the word it counts ("25 orders" is not "25 riders")."""
    out = set()
    skip: set[int] = set()  # the minutes of "eight thirty in the morning"
    for i, tok in enumerate(tokens):
        if tok in _EACH and tokens[i + 1:i + 2] == ("fortnight",):
            # "one shift a fortnight" is "one shift every two weeks" (round 112: the minimum commitment unheard, and the
            # volunteer asked what that had to do with the food bank)
            out.add(("dur", 14, ""))
            continue
        if tok in _ONE_WORDS and (span := _one_span(tokens, i)):
            out.add(("dur", span, ""))  # "one calendar month's notice" is a month, against "two weeks' notice"
            continue
        if not is_number(tok):
            continue
        currency = tok[0] in "€$£"
        body = tok.lstrip("€$£")
        percent = body.endswith("%")
        body = body.rstrip("%")
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if i in skip:
            continue
        try:
            if ":" in body:
                hours, minutes = body.split(":", 1)
                value = round(float(hours) + float(minutes) / 60, 3)
                half = _clock(tokens, i + 1) or ""
                if not half and tokens[i + 1:i + 2] in (("to",), ("until",), ("till",)) and tokens[i + 2:i + 3] \
                        and ":" in tokens[i + 2]:
                    # the low end of a range shares the high end's half of the day: "from 5.30 to 8.30pm" (round 108:
                    # the bare 5.30 voided the shift times); not "11.30 to 1.30 pm", which crosses noon
                    high_h, high_m = tokens[i + 2].split(":", 1)
                    if high_h.isdigit() and high_m.isdigit() and value < int(high_h) + int(high_m) / 60:
                        half = _clock(tokens, i + 3) or ""
                if 12 <= value < 13 and half == "am" and i >= 2 and tokens[i - 1] in ("to", "until", "till") \
                        and ":" in tokens[i - 2]:
                    half = "pm"  # "9.30 to 12.30 in the morning" ends at half past noon (round 116: a lie)
                out.add(("time", value, half))
                continue
            value = float(body.replace(",", "")) if "/" not in body else None
        except ValueError:
            continue
        if value is None:
            out.add(("text", body, ""))
        elif percent:
            out.add(("pct", value, _SHARE if _complementary(tokens, i) else ""))
        elif currency or nxt in _CURRENCY_WORDS:
            out.add(("cur", value, ""))
        elif nxt in _CENT_WORDS:
            out.add(("cur", round(value / 100, 4), ""))
        elif nxt in _RATE_WORDS and i + 2 < len(tokens) and stem(tokens[i + 2]) in UNIT_DAYS:
            # "twenty-nine a month", "14 per hour": a price or a wage, not a duration; said without a currency word it
            # may also count things per period ("over sixty a week" of "over 60 classes a week": round 40's caller
            # was called a liar), so it is marked as a rate (`RATE`)
            out.add(("cur", value, RATE))
        elif value <= 24 and (half := _clock(tokens, i + 1)) is not None:
            out.add(("time", value, half))  # "8 am" = "eight in the morning"; "10 pm" = "ten at night"
        elif value <= 12 and _minutes(nxt) and (half := _clock(tokens, i + 2)) is not None:
            out.add(("time", round(value + float(nxt) / 60, 3), half))  # "eight thirty in the morning"
            skip.add(i + 1)
        elif value <= 12 and (j := _listed_next(tokens, i)) and (half := _clock(tokens, j + 1)) is not None:
            out.add(("time", value, half))  # "at 5 or 6 am"
        else:
            unit = _count_unit(tokens, i)
            if unit == "pm" and value <= 24:  # "8 to 11 pm": the low end of a span of clock times
                out.add(("time", value, "pm"))
                continue
            period = tokens[i + 2:i + 4] if i + 3 < len(tokens) and tokens[i + 2] in _RATE_WORDS else ()
            if unit in UNIT_DAYS and period and stem(period[1]) in UNIT_DAYS and value == round(UNIT_DAYS[stem(period[1])] / UNIT_DAYS[unit], 3):
                # "24 hours a day" (also "around the clock", "24/7") is open all day, against any opening hours;
                # "7 days a week" is every day: no amount
                if unit == "hour" and stem(period[1]) == "day":
                    out.add(("allday", 1.0, ""))
                continue
            if value <= 5 and _DISCOURSE_COUNTS.intersection(tokens[i + 1:i + 3]):
                continue  # "Two things might help: ...": the caller counts their own points, the offer nothing
            if i >= 2 and tokens[i - 1] == "in" and tokens[i - 2] in ("one", "1") and value > 1:
                out.add(("pct", round(100 / value, 3), ""))  # "one in five" buys something: 20% (round 97)
                continue
            if tokens[i + 1:i + 3] == ("of", "you"):
                continue  # "with four of you" counts the user's household (round 93: the mesh booster unheard)
            if unit in ("onward", "onwards"):
                unit = ""  # "from year 3 onward" counts nothing (round 103: a count of "onward" voided the sentence)
            if unit in UNIT_DAYS:  # "72 hours" = "3 days", "two weeks" = "14 days"
                out.add(("dur", round(value * UNIT_DAYS[unit], 3), ""))
            elif not (unit.split()[:1] == ["tim"] and tokens[i + 2:i + 3] and tokens[i + 2] in _COMPARING):
                out.add(("num", value, unit))  # (not "six times the most your deal gives": a comparison, round 45)
    return frozenset(out | _ranges(tokens))


# What a caller counts of their own talk ("Two things might help though: ...", round 71: the fact after it unheard).
# (a few, said as a plural: "a 200-point check" counts the offer's)
_DISCOURSE_COUNTS = frozenset({"things", "points", "reasons", "ideas", "questions"})


# Words that end the noun a number counts: "three paid shadow shifts alongside an experienced carer".
_AFTER_NOUN = frozenset("alongside along around behind beside besides near each every per plus first last next then "
                         "now today again ahead together alone too also only instead".split())


_MODAL_NEXT = frozenset("can could will would may might must should shall".split())
_ELIDED_NOUN_NEXT = frozenset("get gets got also can will would are is have has pay pays".split())


_ONE_WORDS = frozenset(("one", "a", "an"))
_EACH = frozenset(("a", "every", "per", "each", "once"))


def _one_span(tokens: tuple[str, ...], i: int) -> float | None:
    """The days of "one month", "one calendar month", "one full week", "(give) a month's notice" at tokens[i] ("one"
    is otherwise a word: "any one club", "the one nearest you"); not "one day" ("one day you'll ..."), nor the period
    of a rate ("one session a month" counts sessions). A calendar day is left alone: it is not a working day."""
    j = i + 1
    while j < len(tokens) and (tokens[j] == "calendar" or stem(tokens[j]) in _UNIT_QUALIFIERS):
        j += 1
    unit = stem(tokens[j]) if j < len(tokens) else ""
    if unit not in UNIT_DAYS or unit == "day" or (i and tokens[i - 1] in ("any", "the", "every", "each", "no")):
        return None
    if tokens[i] != "one" and tokens[j + 1:j + 2] != ("notice",):
        return None  # "a month" is a span only as a notice ("a calendar month's notice"): "£29 a month", "16 hours in a
        # week", "within a working week" are rates and a count of working days
    if i and tokens[i - 1] not in _SPAN_TAKERS and not _SPAN_AFTER.intersection(tokens[j + 1:j + 2]) \
            and stem(tokens[i - 1]) not in _SPAN_VERBS:
        return None  # "you could send just potatoes one week" says which week, not how long (round 109: voided)
    return round(UNIT_DAYS[unit], 3)


# Words before "one week" that make it a length of time ("for one week", "takes one month"); after any other word it
# says which week ("send just potatoes one week, carrots the next"), unless a word after it measures from it ("one
# week after delivery", "one month's notice")
_SPAN_TAKERS = frozenset("for in within after over about around roughly only just under than least to of is are be "
                         "was were 's by first last full whole extra another per".split())
_SPAN_VERBS = frozenset(stem(w) for w in "take takes took last lasts run runs spend spends give gives get gets "
                        "free cost costs pay pays notice wait waits".split())
_SPAN_AFTER = frozenset("after before later ahead from notice 's".split())


def _listed_next(tokens: tuple[str, ...], i: int) -> int:
    """The index of the bare number after the one at tokens[i] in a list ("140, 240 and 360-litre", "5 or 6 am"), or 0."""
    j = i + 1 if tokens[i + 1:i + 2] and is_number(tokens[i + 1]) else (
        i + 2 if tokens[i + 1:i + 2] in (("and",), ("or",)) and tokens[i + 2:i + 3] and is_number(tokens[i + 2]) else 0)
    return j if j and tokens[j][0] not in "€$£" and not tokens[j].endswith("%") else 0


def _count_unit(tokens: tuple[str, ...], i: int) -> str:
    """What the number at tokens[i] counts: its noun phrase's stems ("paid shadow shift"), a unit of time or measure
    alone when it opens with one ("500 Mbps download" counts Mbps), or the first content word within three when a
    function word follows the number ("25 of the orders")."""
    words: list[str] = []
    # a number in a list counts what the list's last one counts: "140, 240 and 360-litre" (the comma is no token, so
    # "25-40 orders" reads alike; round 91: "We do smaller 140-litre bins." was a lie)
    if nxt := _listed_next(tokens, i):
        return _count_unit(tokens, nxt)
    if tokens[i + 1:i + 2] == ("plus",) and tokens[i + 2:i + 3] and not is_number(tokens[i + 2]) \
            and tokens[i + 2] not in FUNCTION_WORDS:
        return _count_unit(tokens[:i + 1] + tokens[i + 2:], i)  # "the 60-plus weekly classes" (round 104: "plus")
    tail = tuple(tokens[i + 1:i + 3])
    if tail in _BOUND_TAILS:
        # "anyone 18 or over training alongside you" counts no training: "aged 18 or over" (round 36); "12 or more
        # days" counts days, as "12 days" does
        # ("homes with three or more get a booster" leaves its noun out: no unit)
        if tail[1] not in ("more", "fewer", "less") or tokens[i + 3:i + 4] and tokens[i + 3] in _ELIDED_NOUN_NEXT:
            return ""
        return _count_unit(tokens[:i + 1] + tokens[i + 3:], i)
    for w in tokens[i + 1:i + 5]:
        if w in FUNCTION_WORDS or w in _AFTER_NOUN or is_number(w):
            break
        s = stem(w)
        if not words and s in _UNIT_QUALIFIERS:
            continue  # "three working days", "two full weeks"
        if words and s in VERB_STEMS:
            break  # "25 orders come in"
        words.append(_UNIT_ALIASES.get(s, s))
        if words == ["calendar"]:
            return "calendar"  # "two calendar days" is not the fact's "two working days": no duration to compare
        if words[-1] in UNIT_DAYS or words[-1] in _MEASURES or words[-1] in ("am", "pm"):
            return words[-1]  # "16 guaranteed hours" is a span of hours, "500 Mbps download" a speed
    if not words:
        if tokens[i + 1:i + 2] and tokens[i + 1] in _MODAL_NEXT:
            return ""  # "anyone from 18 can join" counts no joins: the noun is left out (round 105: voided)
        if tokens[i + 1:i + 2] and tokens[i + 1] in _PLACE_WORDS:
            return ""  # "8 to 8 at weekends" counts no weekends (round 44: a clock time heard as a count)
        if tokens[i + 1:i + 2] and tokens[i + 1] in SUBJECT_PRONOUNS:
            return ""  # "if it's rammed at six you can check" counts no checks: a new clause starts (round 46)
        first = next((stem(w) for w in tokens[i + 1:i + 4]
                      if w not in FUNCTION_WORDS and not is_number(w) and stem(w) not in _UNIT_QUALIFIERS), "")
        return _UNIT_ALIASES.get(first, first)
    return " ".join(words)


_COMPARING = frozenset("more less the as faster slower bigger smaller cheaper dearer higher lower better what over".split())
_PLACE_WORDS = frozenset("at on in during".split())
_MEASURES = frozenset("mbp gbp kilometr mile kw kwh gsm kg litr metr percent thread gallon pint tonn gram".split())
_BOUND_TAILS = frozenset((a, b) for a in ("or", "and") for b in ("over", "more", "above", "older", "under", "less", "fewer",
                                                                   "younger", "up"))


def same_unit(a: str, b: str) -> bool:
    """Two counts count the same thing: one names more of it ("kW" and "kW system"), or both name one noun ("shadow
    shift" and "paid shadow shift")."""
    if a == b:
        return True
    x, y = a.split(), b.split()
    if not x or not y or bool(_ADDING & set(x)) != bool(_ADDING & set(y)):
        return False  # "five extra clinicians" are not the plan's "three clinicians"
    # ... or share a word that names a thing: "three paid shifts shadowing" and "three paid shadow shifts", "four free
    # guest visits" and "four free guest passes"; not "free" alone ("3 free meals" is no "3 free guest passes")
    return x[:len(y)] == y or y[:len(x)] == x or bool((set(x) & set(y)) - _DESCRIBING)


_DESCRIBING = frozenset(stem(w) for w in "free paid extra new full whole own more other additional".split())
_ADDING = frozenset(stem(w) for w in "extra additional more other further".split())


# Words after which an amount is what the offer is set against, not claimed: "18% rather than 30%", "€15 a week
# instead of €35", "18%, not 30% like the others" (the issue's contrast class; round 31 heard a lie in the first two).
_CONTRAST_MARKERS = (("rather", "than"), ("instead", "of"), ("compared", "to"), ("compared", "with"), ("as", "opposed",
                     "to"), ("versus",), ("vs",), ("unlike",), ("not",))


def contrasted_amounts(tokens: tuple[str, ...]) -> frozenset[Quantity]:
    """The amounts named right after a contrast marker (within its next four words): "not 30% like the others"."""
    found: set[Quantity] = set()
    for i in range(len(tokens)):
        for marker in _CONTRAST_MARKERS:
            if tokens[i:i + len(marker)] == marker:
                rest = tokens[i + len(marker):i + len(marker) + 4]
                if rest[:1] and (is_number(rest[0]) or rest[0] in ("the", "a", "an", "your") and
                                 any(is_number(t) for t in rest[1:2])):
                    found |= quantities(rest)
    return frozenset(found)


# "you keep 80%" is the same deal as "we keep 20%": a percentage the user keeps is marked a share, and a share
# matches a plain percentage or its complement. Plural "keep" and "take home" only: "Tutorlark keeps 80%" and
# "we keep 80%" are the offer's own cut, and stay wrong against a 20% fee.
_SHARE = "share"
_KEEP_VERBS = frozenset({"keep", "pocket"})
_OUR_SIDE = frozenset({"we", "us", "our"})


def _complementary(tokens: tuple[str, ...], i: int) -> bool:
    """The percentage at tokens[i] is the complement of what is meant: what the user keeps ("you keep 80%", "you'd
    get to keep 80 percent", "owners take home 72%": a keep verb within the three words before it, not said by the
    offer's side), or the rest of a whole ("all but 5% of customers get 450" is 95% of them)."""
    if tokens[max(0, i - 2):i] == ("all", "but"):
        return True
    for j in range(max(0, i - 3), i):
        verb = tokens[j] in _KEEP_VERBS or (tokens[j] == "take" and j + 1 < i and tokens[j + 1] == "home")
        if verb and (j == 0 or tokens[j - 1] not in _OUR_SIDE):
            return True
    return False


def _minutes(token: str) -> bool:
    return token.isdigit() and 0 < int(token) < 60


_RANGE = "~"  # a quantity kind + "~" holds (low, high): "between £25 and £60", "25 to 40 orders", "25-40"


def _ranges(tokens: tuple[str, ...]) -> set[Quantity]:
    """The ranges a clause states, as (kind + "~", (low, high), unit); the second amount's kind and unit apply to
    both ("25 to 40 orders", "between £25 and £60")."""
    out = set()
    for i, tok in enumerate(tokens):
        if not is_number(tok):
            continue
        if i + 1 < len(tokens) and is_number(tokens[i + 1]):
            if _minutes(tokens[i + 1]) and _clock(tokens, i + 2) is not None:
                continue  # "eight thirty in the morning" is one time
            j = i + 1  # "25-40" (the dash is not a token)
        elif i + 2 < len(tokens) and is_number(tokens[i + 2]) and (
                tokens[i + 1] == "to" or (tokens[i + 1] == "and" and i > 0 and tokens[i - 1] == "between")):
            j = i + 2
        else:
            continue
        high = first_quantity(tokens[j:])
        low = first_quantity(tokens[i:i + 1] + tokens[j + 1:])  # the low end read with the high end's unit words
        if high and low and low[0] != high[0] and low[0] == "num" and high[0] in ("pct", "cur", "time"):
            low = (high[0], low[1], high[2])  # "30 to 50%", "6 to 9:30": the bare low end takes the high end's kind
        if high and low and low[0] == high[0] and high[0] not in ("text",) and low[1] < high[1]:
            out.add((high[0] + _RANGE, (low[1], high[1]), high[2]))
    return out


def first_quantity(tokens: tuple[str, ...]) -> Quantity | None:
    """The quantity of the first token, read with the (non-number) words after it."""
    words = tokens[:1] + tuple(t for t in tokens[1:4] if not is_number(t))
    found = [q for q in quantities(words) if not q[0].endswith(_RANGE)]
    return found[0] if len(found) == 1 else None


def contradicts(q: Quantity, known: frozenset[Quantity]) -> bool:
    """`q` is of a kind (and, for counts, a unit) the known amounts have, with none of their values and outside every
    range they state ("at £40 an hour" is within "between £25 and £60")."""
    if q[0] == "allday":  # open all day against stated opening hours
        return any(k[0] in ("time", "time" + _RANGE) for k in known) and ("allday", 1.0, "") not in known
    if counted_per_period(q, known):
        return False
    same = [k for k in known if k[0] == q[0] and (q[0] != "num" or same_unit(k[2], q[2]))]
    within = not q[0].endswith(_RANGE) and q[0] != "text" and any(
        k[0] == q[0] + _RANGE and (q[0] != "num" or same_unit(k[2], q[2])) and k[1][0] <= q[1] <= k[1][1]
        for k in known)
    return bool(same) and not within and not any(_same_amount(k, q) for k in same)


def _same_amount(k: Quantity, q: Quantity) -> bool:
    if q[0] == "time" and k[2] and q[2] and k[2] != q[2]:
        return False  # "8 to 11 am" is not "8 to 11 pm"; an hour said without its half of the day may be either
    if q[0] == "pct" and (k[2] == _SHARE) != (q[2] == _SHARE):  # the user's share against the offer's cut
        return k[1] == q[1] or k[1] == 100 - q[1]
    return _same(k[1], q[1], q[0])


def _same(a: float, b: float, kind: str) -> bool:
    # durations are compared loosely: "3 months" and "12 weeks" are one promise in two wordings; clock times on a
    # 12-hour dial: "6 to 9:30" in the evening is "18:00 to 21:30"
    if kind == "dur":
        return abs(a - b) <= 0.1 * max(abs(a), abs(b))
    if kind == "time":
        return a % 12 == b % 12
    if kind.endswith(_RANGE):  # both ends, each as its kind compares
        return _same(a[0], b[0], kind[:-1]) and _same(a[1], b[1], kind[:-1])
    return a == b


def accounted(q: Quantity, known: frozenset[Quantity]) -> bool:
    """`q` is one of the known amounts: same kind, same value and, for counts, the same unit ("five working days"
    is not accounted for by "five devices")."""
    if any(k[0] == q[0] and (q[0] != "num" or same_unit(k[2], q[2])) and _same_amount(k, q) for k in known):
        return True
    # "held until eleven" is the fact's "until 11 am": a bare hour and a clock time of the same hour
    if _bare_hour(q):
        return any(k[0] == "time" and _same(k[1], q[1], "time") for k in known)
    if q[0] == "time":
        return any(_bare_hour(k) and _same(k[1], q[1], "time") for k in known)
    if q[0] == "time" + _RANGE and all(accounted(("time", v, q[2]), known) for v in q[1]):
        return True  # "from 5.30 to 8.30pm": both ends the fact's times (round 108: the range voided the shift times)
    if q[0] == "num" + _RANGE and not q[2] and all(_bare_hour(("num", v, "")) for v in q[1]):
        # "between 8 and 11" is the fact's "from 8 to 11 pm" (round 45: the evening-peak fact went unheard)
        return any(k[0] == "time" + _RANGE and all(_same(a, b, "time") for a, b in zip(k[1], q[1])) for k in known)
    return False


def count_without_noun(q: Quantity, known: frozenset[Quantity]) -> bool:
    """A count said without its noun ("homes with three or more get a booster") that is one of the known amounts: checked
    against the facts a clause is matched to, never the whole pack ("the full 500" is no count of a fact it is not
    about)."""
    # ... or a price said without its currency or its subunit ("at 12 cents you'd keep 10.2" for "10.2 cents")
    # ... or a span's count, its unit said earlier ("The agreement is 10 years, but after the first 3 you can end it",
    # round 103: the sentence's facts voided)
    return q[0] == "num" and not q[2] and any(
        (k[0] == "num" and _same_amount(k, q)) or (k[0] == "cur" and q[1] in (k[1], round(k[1] * 100, 3)))
        or (k[0] == "dur" and any(round(q[1] * UNIT_DAYS[u], 3) == k[1] for u in ("week", "month", "year")))
        for k in known)


def counted_per_period(q: Quantity, known: frozenset[Quantity]) -> bool:
    """A bare rate (`RATE`: "over sixty a week") that is one of the known counts said per period ("over 60 classes a
    week"), not a price. Checked against the facts a statement is matched to, never the whole pack: "your first three
    a year are free" is not made true by some other fact's three."""
    return q[0] == "cur" and q[2] == RATE and any(k[0] == "num" and k[1] == q[1] for k in known)


def same_kind(q: Quantity, known: frozenset[Quantity]) -> bool:
    """Some known amount is of `q`'s kind (and, for counts, its unit), ranges and single values alike."""
    kind = q[0].removesuffix(_RANGE)
    return any(k[0].removesuffix(_RANGE) == kind and (kind != "num" or same_unit(k[2], q[2])) for k in known)


def complements(q: Quantity, known: frozenset[Quantity]) -> bool:
    """`q` is the user's share of a cut the known amounts state: "you keep 80%" beside "we keep 20%"."""
    return q[0] == "pct" and q[2] == _SHARE and any(k[0] == "pct" and k[2] != _SHARE and k[1] == 100 - q[1]
                                                    for k in known)


def _bare_hour(q: Quantity) -> bool:
    return q[0] == "num" and q[2] == "" and q[1] in range(1, 13)


def with_pair_sums(values: list[float]) -> list[float]:
    """`values` and the sum of each two of them ("£480 and £1,150, so about £1,630 together")."""
    return values + [a + b for i, a in enumerate(values) for b in values[i + 1:]]


@lru_cache(maxsize=256)
def price_pair_sums(known: frozenset[Quantity]) -> tuple[float, ...]:
    """The sum of each two of the prices in `known` (a pack's amounts: computed once per pack)."""
    prices = sorted({k[1] for k in known if k[0] == "cur" and isinstance(k[1], float)})
    return tuple(with_pair_sums(prices)[len(prices):])


def derived(q: Quantity, stated: frozenset[Quantity], known: frozenset[Quantity],
            shares: frozenset[Quantity] = frozenset()) -> bool:
    """`q` is a sum or total worked out from the sentence's own true money amounts and counts: "$149 a month plus
    $39 for each of the five extra clinicians, so $344" (149 + 39 x 5), "€750 a year, so about €62 a month" (750 / 12).
    Arithmetic on true amounts is no new claim; a wrong sum still is one. `shares` (the amounts of the fact the amount
    is said about: its percentages, and of the sentence, give what is left after one: "at the lowest rate of £25 you'd
    take home £20" beside "we keep 20%", "about ten cents a word" from 12 cents less 15%, a speaker rounds: within
    3%; its prices times a count said give a total)."""
    if q[0] == "num" and q[2]:
        # a count worked out per unit: "with fourteen bedrooms, three sets per room would be 42 sets" (14 x 3; round
        # 66 heard a wrong number): a true count of the same unit times another count said beside it
        per = [k[1] for k in stated if k[0] == "num" and k != q and same_unit(k[2], q[2]) and accounted(k, known)]
        # ... or the fact's own count per unit, unsaid: "With eight rooms you'd hold 24 full sets." for "three full
        # sets per room" (round 72: a lie, "That's not what your website says")
        per += [k[1] for k in known if k[0] == "num" and same_unit(k[2], q[2])]
        times = [k[1] for k in stated if k[0] == "num" and k != q and not same_unit(k[2], q[2])]
        # ... or a share of a true count: "450 collections a month, and one in five buys something, so that's around 90
        # purchases a month" (round 97: a lie)
        whole = [k[1] for k in stated if k[0] == "num" and k != q and accounted(k, known)]
        shares = [k[1] for k in (*stated, *known) if k[0] == "pct" and isinstance(k[1], float)]
        return any(abs(a * n - q[1]) <= 0.01 * max(abs(q[1]), 1.0) for a in per for n in times) or any(
            abs(a * p / 100 - q[1]) <= 0.02 * max(abs(q[1]), 1.0) for a in whole for p in shares)
    if q[0] == "dur":
        # a payback time: the true prices said (or their sum) over a yearly amount said beside them, "£480 and £1,150,
        # so about £1,630 together, and at roughly £390 a year saved that pays back in a little over four years"
        # (round 92: a lie); a speaker rounds, so within 10%
        money = with_pair_sums([k[1] for k in stated if k[0] == "cur" and accounted(k, known)])
        # (or two of the pack's prices together, said as their sum: "roughly four years to cover £1,630" of the loft's
        # £480 and the walls' £1,150; round 108: a lie)
        money += [k[1] for k in stated if k[0] == "cur" and any(abs(k[1] - t) <= 0.01 for t in price_pair_sums(known))]
        return q[1] >= 365 and any(0 < b < a and abs(a / b * 365 - q[1]) <= 0.1 * q[1] for a in money for b in money)
    if q[0] != "cur":
        return False
    parts = [k[1] for k in stated if k[0] == "cur" and k != q and accounted(k, known)]
    counts = [k[1] for k in stated if k[0] == "num"]
    cuts = [k[1] for k in (*shares, *stated) if k[0] == "pct" and isinstance(k[1], float) and 0 < k[1] < 100]
    totals = {a + b for a in parts for b in parts} | {abs(a - b) for a in parts for b in parts}
    totals |= {a * n for a in parts for n in counts} | {a + b * n for a in parts for b in parts for n in counts}
    # ... the extra units beyond those a price includes: "$149 a month for up to three clinicians plus $39 for each
    # additional one, so with your eight clinicians that's $344" (149 + 39 x (8 - 3); round 82: a lie)
    totals |= {a + b * (n - m) for a in parts for b in parts for n in counts for m in counts if n > m}
    # ... and the fact's own unit price times a count said, in a sentence of its own: "With 20 rooms full, that's £48
    # a night." after "£2.40 per occupied room" (dev: a lie)
    totals |= {a * n for a in (k[1] for k in shares if k[0] == "cur") for n in counts}
    # a yearly amount per month ("about 750 a year, so around 62 a month"); never the other way, which would let a
    # monthly amount be inflated twelvefold
    totals |= {a / 12 for a in parts}
    # ... and a true price over a count said beside it: "£360 for 12 weeks, which is 24 classes, so about £15 a class"
    # (round 97: a lie, and the call lost)
    totals |= {a / n for a in parts for n in counts if n > 1}
    # (of one price or of two said together: "75% of the cost ... on typical prices of £480 and £1,150 your share would
    # be around £410", round 99: a lie)
    left = {a * (1 - p / 100) for a in with_pair_sums(parts) for p in cuts}
    return any(abs(t - q[1]) <= 0.01 * max(abs(q[1]), 1.0) for t in totals) or any(
        abs(t - q[1]) <= 0.03 * abs(t) for t in left)


# Measures of one kind, each in that kind's base unit (litres, metres, grams; imperial gallons and pints)
_UNIT_SIZES = {"litr": ("volume", 1.0), "gallon": ("volume", 4.54609), "pint": ("volume", 0.56826),
               "ml": ("volume", 0.001),
               "kilometr": ("length", 1000.0), "mil": ("length", 1609.3), "metr": ("length", 1.0),
               "kg": ("mass", 1000.0), "g": ("mass", 1.0), "gram": ("mass", 1.0), "tonn": ("mass", 1e6)}
# imperial pints in each measure a price per pint is worked from (`per_pint`)
_PINTS = {u: _UNIT_SIZES[u][1] / _UNIT_SIZES["pint"][1] for u in ("litr", "gallon", "pint")}


def converted(q: Quantity, known: frozenset[Quantity]) -> bool:
    """`q` is a known measure said in another unit of its kind: "a £112 firkin is 72 pints" of the fact's "9-gallon
    firkin" (round 121: the sentence stated nothing, and the landlord hung up). A speaker rounds: within 3%."""
    if q[0] != "num" or q[2] not in _UNIT_SIZES:
        return False
    kind, size = _UNIT_SIZES[q[2]]
    return any(k[0] == "num" and k[2] != q[2] and _UNIT_SIZES.get(k[2], ("",))[0] == kind
               and abs(k[1] * _UNIT_SIZES[k[2]][1] / size - q[1]) <= 0.03 * q[1] for k in known)


def per_pint(q: Quantity, one_fact: frozenset[Quantity]) -> bool:
    """`q` is one fact's price of a measured volume (`one_fact`: its amounts) worked out per pint: "£96 for a 30-litre
    keg ... roughly £1.80 a pint" (round 104: a lie). A speaker rounds: within 4%."""
    volumes = [k[1] * _PINTS[k[2]] for k in one_fact if k[0] == "num" and k[2] in _PINTS]
    return q[0] == "cur" and any(abs(a / v - q[1]) <= 0.04 * a / v for a in (k[1] for k in one_fact if k[0] == "cur")
                                 for v in volumes if v > 1)


# A range or an amount used as an adjective with the currency said as a word, written as the packs' facts write them:
# "between 25 and 60 pounds" -> "between £25 and £60", "a 35-pound lesson" -> "a £35 lesson". Callers who cannot type
# a currency sign say it (round 85: "between 25 and 60 pounds, ..." was read by the learned model as contradicting the
# fact's "between £25 and £60"). Not a lone "150 euro": written "€150" it made the model credit "Every rider gets a
# 150 euro bonus ..." as the new riders' bonus (the round-71 test).
_SIGN_RANGE = re.compile(r"(?<![\w.,£$€])(\d+(?:[.,]\d+)?)(\s+(?:to|and|or)\s+|\s*-\s*)(\d+(?:[.,]\d+)?)[\s-]+"
                         r"(pounds?|quid|euros?|dollars?|bucks)\b", re.I)
_SIGN_ONE = re.compile(r"(?<![\w.,£$€])(\d+(?:[.,]\d+)?)-(pounds?|euros?|dollars?)\b", re.I)
_SIGN_WORD = re.compile(r"\b(?:pounds?|quid|euros?|dollars?|bucks)\b", re.I)
_SIGN = {"pound": "£", "pounds": "£", "quid": "£", "euro": "€", "euros": "€", "dollar": "$", "dollars": "$",
         "bucks": "$"}


def currency_signs(text: str) -> str:
    """`text` with each digit amount whose currency is a word written with its sign (`_SIGN_RANGE`, `_SIGN_ONE`)."""
    if not _SIGN_WORD.search(text):
        return text
    text = _SIGN_RANGE.sub(lambda m: f"{_SIGN[m.group(4).lower()]}{m.group(1)}{m.group(2)}{_SIGN[m.group(4).lower()]}"
                                     f"{m.group(3)}", text)
    return _SIGN_ONE.sub(lambda m: f"{_SIGN[m.group(2).lower()]}{m.group(1)}", text)

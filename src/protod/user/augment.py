"""Minimal-pair contradictions for training the learned perceiver: a true line with its polarity or a number flipped.

A cross-encoder trained only on whole lines learns the topic of a fact and credits "We don't include a backup
dongle" with the fact that every plan includes one. Pairs that differ from a true line in one negation or one
amount, labelled contradicted, teach it what changes meaning. The rewrites are pure string functions, generic
English (no pack's wording), and need not be perfectly grammatical: a caller's slip is still a contradiction.

    negate("Every plan includes a dongle.")       -> "Every plan doesn't include a dongle."
    negate("There is no setup fee.")              -> "There is a setup fee."
    renumber("Paid every 14 days.", rng)          -> "Paid every 28 days."
"""

from __future__ import annotations

import random
import re

# Negative -> positive first (removing a negation), then positive -> negative; the first rule that matches is used.
_REMOVE = [
    (r"\bisn't\b|\bis not\b", "is"), (r"\baren't\b|\bare not\b", "are"), (r"\bwon't\b|\bwill not\b", "will"),
    (r"\bcan't\b|\bcannot\b|\bcan not\b", "can"), (r"\bdoesn't\b|\bdoes not\b", "does"),
    (r"\bdon't\b|\bdo not\b", "do"), (r"\bdidn't\b", "did"), (r"\bwouldn't\b", "would"),
    (r"\bnever\b", "sometimes"), (r"\bnothing\b", "something"), (r"\bno one\b|\bnobody\b", "someone"),
    (r"\bwithout\b", "with"), (r"\bfree of charge\b|\bfor free\b|\bat no (?:extra )?cost\b", "for a fee"),
    (r"\bthere(?:'s| is) no\b", "there is a"), (r"\bno\b", "a"), (r"\bfree\b", "paid"),
]
_ADD = [
    (r"\bit's\b", "it isn't"), (r"\bthat's\b", "that isn't"), (r"\bthere's\b", "there isn't"),
    (r"\bis\b", "isn't"), (r"\bare\b", "aren't"), (r"\bwill\b", "won't"), (r"\b(\w+)'ll\b", r"\1 won't"),
    (r"\bcan\b", "can't"), (r"\bhas\b", "doesn't have"), (r"\bhave\b", "don't have"), (r"\bgets\b", "doesn't get"),
    (r"\bget\b", "don't get"), (r"\bpays\b", "doesn't pay"), (r"\bpay\b", "don't pay"),
    (r"\bincludes\b", "doesn't include"), (r"\binclude\b", "don't include"),
    (r"\b(we|you|they) (?!don't|do|can|will|won't|are|were|have|had|would|should|may|might|must)([a-z]+)\b", r"\1 don't \2"),
]
_REMOVE = [(re.compile(p, re.I), r) for p, r in _REMOVE]
_ADD = [(re.compile(p, re.I), r) for p, r in _ADD]


def negate(text: str) -> str | None:
    """`text` with one claim's polarity flipped (the first rule that applies), or None when no rule applies."""
    for pattern, repl in (*_REMOVE, *_ADD):
        out, n = pattern.subn(repl, text, count=1)
        if n and out != text:
            return _keep_case(text, out)
    return None


_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "ninety", "hundred"]
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[.,]\d+)?)|\b(" + "|".join(_WORDS[1:]) + r")\b", re.I)


def renumber(text: str, rng: random.Random) -> str | None:
    """`text` with one amount changed to a different one (digits or number words), or None when it has none."""
    found = list(_NUMBER.finditer(text))
    if not found:
        return None
    m = rng.choice(found)
    if m.group(1):
        raw = m.group(1)
        value = float(raw.replace(",", ""))
        new = rng.choice([value * 2, value + rng.randint(1, 3), max(1.0, round(value * 0.6))])
        if new == value:
            new = value + 1
        new_text = f"{new:.2f}" if "." in raw else str(int(round(new)))
    else:
        word = m.group(2).lower()
        others = [w for w in _WORDS if w != word]
        new_text = rng.choice(others)
        if m.group(2)[0].isupper():
            new_text = new_text.capitalize()
    return text[: m.start()] + new_text + text[m.end():]


def _keep_case(before: str, after: str) -> str:
    return after[0].upper() + after[1:] if before[:1].isupper() and after[:1].islower() else after


# A whole fact recited inside a frame that disowns it is a denial of the fact, not a statement of it ("I won't pretend
# that there is no joining fee"); a frame with the same negative words that still asserts the fact is a statement
# ("I won't oversell it, but there is no joining fee"). Pairs of both teach the model what a frame does to the clause
# it holds, which no list of frames can (a list closed the frames it was written from and none of the next ones).
# These frames are written for training only: the frames the tests and the session notes measure with are others.
DISOWNING = (
    "I won't pretend that {b}.", "Some people think {b}, but that isn't true.", "It used to be that {b}; not any more.",
    "You may have read that {b}. That's out of date.", "I can't honestly tell you that {b}.",
    "If anyone says {b}, they're wrong.", "It would be nice if {b}, but it's not so.",
    "No, it isn't the case that {b}.", "Others say {b}; I'd be lying if I did.",
    "I'm not going to claim {b}, because it's false.", "People sometimes hear that {b}, which is a myth.",
    "We dropped that a while ago, so {b} no longer holds.",
)
AFFIRMING = (
    "Unlike a lot of others, {b}.", "I won't oversell it, but {b}.", "You may have heard otherwise, but {b}.",
    "No catch here: {b}.", "It's not a sales line: {b}.", "People are often surprised, but {b}.",
    "I can't promise miracles, but {b}.", "Nobody believes it at first, but {b}.", "It isn't complicated: {b}.",
    "To be straight with you, {b}.", "I'm not going to pretend otherwise: {b}.", "It's true, and I checked: {b}.",
)


def framed(text: str, frame: str) -> str:
    """`text` (one sentence) put into `frame` at {b}, as a clause: first letter lowered, closing stop dropped."""
    body = text.strip().rstrip(".!")
    return frame.format(b=body[:1].lower() + body[1:])


# Over-generalisations: a limit in a true line lifted ("frozen for the first 18 months" -> "frozen for good", "usually
# within two weeks" -> "always within two weeks"), the dropped qualifier the corpus's hard negatives hold. Generic
# English only; a rule that would lift no limit ("if you need help, call us" -> "call us") is left out on purpose,
# since a twin that is still true would teach the model to doubt honest lines.
_NUM = r"(?:\d+(?:[.,]\d+)*|" + "|".join(_WORDS) + r"|a|an|one)"
_SPAN = r"(?:hours?|days?|weeks?|months?|years?|lessons?|sessions?|orders?|jobs?|shifts?|visits?)"
_LIFTS = [
    (rf"\b(?:for|during|in|within|over) (?:the |your )?first {_NUM}(?: full| working| calendar)? {_SPAN}(?: back)?\b", "for good"),
    (rf"\bfor (?:up to )?{_NUM}(?: full| calendar)? {_SPAN}\b", "for as long as you like"),
    (rf"(?<!for )\bup to [£€$]?{_NUM}(?:%| ?{_SPAN}| \w+)?", "with no limit"),
    (r"\b(?:usually|normally|typically|generally|mostly|often|in most cases)\b", "always"),
    (r"\b(?:most|many|some) of\b", "all of"),
    (r"\b\d+(?:\.\d+)?% of (it|them|the \w+)\b", r"all of \1"),
    (r"\b(?:on weekdays|Monday to (?:Friday|Saturday)|Mon(?:day)?-(?:Fri|Sat)\w*)\b", "every day"),
    (r"\b(?:before|after|until|from) \d{1,2}(?::\d\d)? ?(?:am|pm|a\.m\.|p\.m\.)", "at any hour"),
    (r"\bin (?:the )?(?:city centre|town centre|central \w+)\b", "everywhere"),
    (r"\b(?:a maximum of|at most|no more than)\b", "well over"),
]
_LIFTS = [(re.compile(p, re.I), r) for p, r in _LIFTS]


def lift_limit(text: str, rng: random.Random) -> str | None:
    """`text` with one of its limits lifted (a random one of those it has), or None when it states no limit."""
    found = [(pattern, repl) for pattern, repl in _LIFTS if pattern.search(text)]
    if not found:
        return None
    pattern, repl = rng.choice(found)
    out = pattern.sub(repl, text, count=1)
    return _keep_case(text, out) if out != text else None


def with_clause(first: str, second: str) -> str:
    """Two one-sentence claims said as one ("It's £29 a month, and we'll waive the first month."), the way a caller
    adds a clause to a true line."""
    a = first.strip().rstrip(".!")
    b = second.strip().rstrip(".!")
    return f"{a}, and {b[:1].lower() + b[1:]}."

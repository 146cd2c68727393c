"""Elliptical replies: a bare second sentence ("We won't.") made whole from the claim about someone else before it
("Plenty of providers put prices up halfway through a contract."), so the pair is read as the one claim of the offer
it is."""

from __future__ import annotations

import re

from protod.text.words import AUXILIARIES, COMMON_VERBS, VERB_STEMS, stem, tokenize


# "Plenty of providers put prices up halfway through a contract. We won't." The second sentence says nothing alone and
# the first, alone, is a claim about someone else: together they claim "we will not put prices up ...". Callers set the
# offer against the market this way all the time (round 12: the pair was punished as an invented claim).
_ELLIPSIS_LEAD = frozenset("but and well whereas while".split())
_ELLIPSIS_TAIL = frozenset("either at all ever though here".split())  # and "with us"
_ELLIPSIS_AUX = frozenset("do does did will would can is are have has".split())
_FIRST_SECOND = frozenset("we our ours us you your i my me".split())
_CONTRAST_SPLIT = re.compile(r"(?:,|;|\s[-\u2013\u2014])\s*(?=(?:but|whereas|while)\b)|;\s*", re.I)


def _ellipsis(tokens: tuple[str, ...]) -> tuple[tuple[str, ...], str] | None:
    """(subject tokens, "aux not" | "never" | "aux" | "not") of a bare reply ("we will not", "ours does", "not with
    us"), or None."""
    t = list(tokens[1:] if tokens and tokens[0] in _ELLIPSIS_LEAD else tokens)
    while t and (t[-2:] == ["with", "us"] or t[-1] in _ELLIPSIS_TAIL):
        t = t[:-2] if t[-2:] == ["with", "us"] else t[:-1]
    if t == ["not"] and tokens[-1] in ("us", "here"):  # "Not with us." / "Not here."
        return ("we",), "not"
    for n in (1, 2):
        subject, rest = t[:n], t[n:]
        if len(subject) < n or not (subject in (["we"], ["ours"]) or (n == 2 and subject[0] == "our")):
            continue
        if len(rest) == 2 and rest[0] in _ELLIPSIS_AUX and rest[1] == "not":
            return tuple(subject), f"{rest[0]} not"
        if rest == ["never"] or (len(rest) == 2 and rest[0] == "never" and rest[1] in _ELLIPSIS_AUX):
            return tuple(subject), "never"
        if len(rest) == 1 and rest[0] in _ELLIPSIS_AUX:
            return tuple(subject), rest[0]
    return None


def _base_verb(word: str) -> str:
    if word.endswith("es") and word[:-2] in COMMON_VERBS:
        return word[:-2]
    if word.endswith("s") and word[:-1] in COMMON_VERBS:
        return word[:-1]
    return word


def _rejoined(before: str, reply: str) -> str | None:
    """`before` said of someone else and `reply` a bare reply to it, as one claim of the offer; None when they are not
    that: "Lots of firms charge a setup fee." + "We don't." -> "We do not charge a setup fee." """
    said = _ellipsis(tokenize(reply))
    if said is None or before.rstrip().endswith("?"):
        return None
    subject, aux = said
    tokens = tokenize(before)
    verb = next((i for i, t in enumerate(tokens) if t in AUXILIARIES or t in COMMON_VERBS or stem(t) in VERB_STEMS), 0)
    negated = verb > 0 and tokens[verb - 1] == "never"  # "Most banks never refund the fee."
    if verb - negated < 1 or _FIRST_SECOND.intersection(tokens[:verb]):
        return None  # no subject, or the caller or the user is it: not the market the offer is set against
    start = verb
    if tokens[verb] in AUXILIARIES:
        start += 1
        if start < len(tokens) and tokens[start] == "not":
            start, negated = start + 1, True
    if start >= len(tokens):
        return None
    if (aux == "not" or aux.endswith(" not") or aux == "never") == negated:
        return None  # "Most apps charge a fee. We do." is no contrast
    if aux == "not":
        aux = f"{tokens[verb]} not" if tokens[verb] in AUXILIARIES and tokens[verb] not in ("does", "did") else "do not"
    first = tokens[start]
    found = re.search(rf"\b{re.escape(first)}\b", before, re.I)
    if found is None:
        return None
    rest = before[found.end():].rstrip(" .!")
    if aux.split()[0] in ("do", "does", "did") or (aux == "never" and tokens[verb] in AUXILIARIES):
        first = _base_verb(first)  # "charges" -> "do not charge"
    name = "We" if subject == ("we",) else " ".join(subject).capitalize()
    return f"{name} {aux} {first}{rest}."


def resolve_ellipsis(sentences: list[str]) -> list[str]:
    """The sentences with each bare reply to a claim about someone else folded into one claim of the offer (see
    `_rejoined`), between sentences ("Most apps take 30%. We don't.") or within one ("..., but we won't.")."""
    out: list[str] = []
    for sentence in sentences:
        parts = _CONTRAST_SPLIT.split(sentence)
        if len(parts) > 1 and (joined := _rejoined(" ".join(parts[:-1]), parts[-1])):
            out.append(joined)
        elif out and (joined := _rejoined(out[-1], sentence)):
            out[-1] = joined
        else:
            out.append(sentence)
    return out

"""Clock-time spans: the parts of the day a fact's clock times bound ("open 6 am to 10 pm", "before 4 pm and after
8 pm"), so a time said inside them is no misquote of the fact ("we're open at 9 pm on weekdays", round 77: a lie)."""

from __future__ import annotations

import re

from protod.text.amounts import Quantity, first_quantity, is_number


_SPAN_OPENERS = {"before": "upto", "until": "upto", "till": "upto", "til": "upto", "after": "from", "from": "from"}
_SPAN_JOINERS = frozenset("to until till til and".split())


def _hours24(q: Quantity) -> tuple[float, ...]:
    """A clock time on the 24-hour dial: both readings when its half of the day is not said."""
    v = q[1] % 12
    return {"am": (v,), "pm": (v + 12,)}.get(q[2], (v, v + 12))


def clock_spans(tokens: tuple[str, ...]) -> frozenset[tuple[float, float]]:
    """The spans of the day a text's clock times bound, on the 24-hour dial: "6 am to 10 pm", "from 7 am until 9
    pm", "from 8 pm", "before 4 pm"; a low end said without its half takes the one that keeps it below the high end
    ("11:30 to 2 pm", "8 to 11 pm")."""
    times = []  # (token index, quantity) of each clock time
    for i in range(len(tokens)):
        first = first_quantity(tokens[i:]) if is_number(tokens[i]) else None
        if first is not None and first[0] == "time":
            times.append((i, first))
    spans, paired = set(), set()
    for n, (i, q) in enumerate(times):
        nxt = times[n + 1] if n + 1 < len(times) else None
        joiners = _SPAN_JOINERS if i and tokens[i - 1] == "between" else _SPAN_JOINERS - {"and"}
        if nxt and nxt[0] - i <= 4 and joiners.intersection(tokens[i + 1:nxt[0]]):
            hi = _hours24(nxt[1])[-1]
            lows = [h for h in _hours24(q) if h < hi]
            spans.add((max(lows), hi) if lows else (_hours24(q)[0], 24.0))
            paired |= {n, n + 1}
        elif n not in paired and i and (opener := _SPAN_OPENERS.get(tokens[i - 1])):
            spans.add((0.0, _hours24(q)[-1]) if opener == "upto" else (_hours24(q)[0], 24.0))
    # ... and a text open "24 hours a day" (also "around the clock", "24/7") bounds the whole day: "the space is yours
    # at midnight" is inside it (round 90: a lie against key-card access around the clock)
    if any(tokens[i:i + 4] == ("24", "hours", "a", "day") for i in range(len(tokens))):
        spans.add((0.0, 24.0))
    return frozenset(spans)


def in_span(q: Quantity, tokens: tuple[str, ...], spans: frozenset[tuple[float, float]]) -> bool:
    """A clock time said inside one of `spans` (see `clock_spans`), in words (`tokens`) that make it no end of a span:
    "you can still train at 9 pm" is inside "6 am to 10 pm"; "we close at 9 pm" and "open until 9 pm" are not."""
    return (q[0] == "time" and any(lo <= h <= hi for h in _hours24(q) for lo, hi in spans)
            and not _SPAN_END.search(" ".join(tokens)))


# (a key card that "opens the door at 5 am" names no opening time: round 92, a lie against access around the clock)
_SPAN_END = re.compile(r"\b(?:clos\w*|shut\w*|opens(?! (?:the|your) doors?\b)|opening|"
                       r"(?:we|they|it) (?:open|start|finish|end)s?|"
                       r"until|till|til|to|from|between|before|after)\b")

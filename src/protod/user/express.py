"""Expression: the user's reply, from the events of the transition. The template backend uses the pack's lines.

Lines are chosen with the dialogue's seeded RNG (diverse across seeds, reproducible for one) among the lines that
are true to the dialogue: a line's `when` must match the persona's traits, and a line that cites facts is said only
when the event carries them (a worry is thanked for the fact that resolved it, never for one the agent did not
state). Lines are filled with the persona's own trait values only, so a user never contradicts what the agent can
see about them. protod.audit.consistency checks any transcript for the same properties.

The LLM expresser writes the reply with a model instead, steered by the same events (a resolution's directive
names the fact that resolved it), and falls back to the templates (counted) when the model fails or says nothing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from protod.backends.base import Backend, SamplingParams
from protod.user.persona import Persona
from protod.world import Scenario, UserLine
from protod.text import (ADDRESSED, NEGATORS, TIME_WORD_STEMS, VERB_STEMS, accounted, asked_part, asks_which,
                                  content_stems, has_verb, is_number, quantities, segments, speaks_for_offer,
                                  split_sentences, stem, tokenize)
from protod.user.state import UserState

# Which user line a plain event uses; concern events use the concern's own lines.
_GENERIC = {
    "false_claim": "false_claim",
    "unsupported_claim": "false_claim",  # a promise no fact makes: "That sounds made up"
    "doubt": "doubt",  # the first such promise of a call: "Where does it say that?"
    "pressure": "pressure",
    "no_concern": "no_concern",
    "guarded": "guarded",
    "small_talk": "small_talk",
    "other_question": "other_question",
    "barrage": "barrage",
    "ignored": "ignored",
    "acknowledge": "acknowledge",
    "settled": "settled",
    "covered": "covered",
    "unsure": "unsure",
    "pitch": "pitch",
    "off_topic": "off_topic",
    "refused_ask": "refuse_ask",
    "accept": "accept",
    "reject": "reject",
    "hang_up": "hang_up",
    "timeout": "timeout",
    "nonsense": "off_topic",  # word salad: "I'm not following you"
    "recital": "pitch",  # a recital of every fact: "Sounds like a brochure"
    "ready": "ready",
    "impatient": "impatient",
}
# A reply says at most this many things before its decision, in this order: the reaction to a lie or a push, then
# the worry settled or voiced, then the answer to their question, then the rest.
_MAX_PARTS = 3
_priority = {
    "false_claim": 0, "unsupported_claim": 0, "doubt": 0, "pressure": 1, "resolved": 2,
    "not_that": 3, "voiced": 3, "restated": 3, "confirm": 3, "settled": 3, "covered": 3, "unsure": 3,
    # (a question about the user is answered in the order asked, before the worry a later part of it drew out:
    # round 34 heard "My worry is the commission. ... I'm working for a few agencies, since you ask.")
    "answered": 3, "ignored": 5, "guarded": 5, "hinted": 5, "no_concern": 5, "barrage": 5, "impatient": 5, "acknowledge": 6, "pitch": 6,
    "recital": 6, "off_topic": 7, "nonsense": 7, "other_question": 8, "small_talk": 8, "ready": 9,
}
# What a part says about the caller: +1 pleased, -1 displeased; the rest is information. One reply takes one side.
_STANCE = {
    "resolved": 1, "accept": 1, "ready": 1,
    "false_claim": -1, "unsupported_claim": -1, "doubt": -1, "pressure": -1, "ignored": -1, "pitch": -1, "recital": -1,
    "off_topic": -1, "nonsense": -1, "barrage": -1, "reject": -1, "hang_up": -1,
}
_WORRY = frozenset({"resolved", "voiced", "restated", "confirm", "settled"})  # parts about a worry the user holds
_FILLER = frozenset({"small_talk", "other_question"})  # said only when there is nothing else to say
# Parts that invite the caller to go on ("Fine. Anything else?"): never beside a decision, which ends or answers that.
_INVITING = _FILLER | {"acknowledge", "ready"}
_TERMINAL = {"accept", "reject", "hang_up", "timeout"}
# Parts that keep a worry open: never beside a yes, which says the worry is answered.
_OPEN_WORRY = frozenset({"voiced", "restated", "confirm", "ignored", "not_that", "guarded", "hinted"})
# A question about the user, answered by a pack without its own `answers`: a sentence built on the value alone (any
# value phrase fits: "a university student", "in my thirties", "only a bus pass"). A wary user answers curtly.
# (and mostly plain: "since you ask" to every question is a tic, round 34)
_ANSWER_OPEN = ("{value}.", "{value}, since you ask.", "Well, {value}, as it happens.")
_ANSWER_WARY = ("{value}, if you must know.", "{value}. Why do you ask?")
# ... and a value the user has already told this caller is said as such ("How many bedrooms is the cottage?" in round 21
# got "An old stone cottage with thick walls, since you ask." one turn after the user had said so).
_ANSWER_AGAIN = ("Like I said, {value}.", "As I said, {value}.")
_ANSWER_NO = ("No, {value}.", "No - {value}, as it happens.")
# ... and a question that already names the value ("Would you consider teaching A-level chemistry?") is confirmed, not
# told back as news ("A-level chemistry, as it happens" in round 14).
# (not "Yes, {value}, that's me.": round 27 heard "Yes, the calendar in our practice software, that's me.")
_CONFIRM_OPEN = ("That's right, {value}.", "Yes, that's right: {value}.")
_CONFIRM_WARY = ("That's right. Why do you ask?", "Yes. What of it?")
# A fact heard that settles nothing: the reply says which fact it heard, "So, £29 a month." + an acknowledgement, or
# only "£29 a month, okay." when more follows. Never in two replies running: an echo every turn is a tic (round 13).
# (several: round 22's courier heard "No minimum hours, okay." at the same turn of two calls)
_ACK_FRAME = ("So, {heard}.", "Right, {heard}.", "Okay, {heard}.")
_ACK_LEAD = ("{heard}, okay.", "{heard}, right.", "Okay, {heard}.", "Right, {heard}.")
# A fact that touches a worry not yet voiced: the user says it is what they wanted to ask about and asks for it to be
# confirmed. Not the worry itself: said right after the answer ("€14 an hour? ... Idle time pays nothing.") it
# contradicts what the caller just said (round 15, three times in one call); nor "You mention every Tuesday".
# (not "{heard}? That's actually my worry.": round 17 heard "12 rider hubs? That's actually my worry." when the worry was
# running costs)
# (not "That's more or less the thing that bothers me" nor "That's close to what's been on my mind": round 23 heard the
# fact that answers the worry as the worry itself, and a phrase no one says)
# (not "That touches on my worry, actually.": round 36 heard a system talking)
_TOUCHED_FRAMES = ("{heard}? That's partly what I wanted to ask about.",
                   "{heard}? That's the sort of thing I wanted to ask about.",
                   "{heard}? That's the bit I care about, actually.",
                   "{heard}? Now that's something I'd been wondering about.",
                   "{heard}? That's what I was going to ask about.")
# (not "How does that work, exactly?": round 16 heard it after an average figure, which works no way at all)
# (nor "Does that go for me as well?" and the like: rounds 35-36 asked why it would not, when it plainly does for all)
# (nor "Is that a promise, or just how it usually goes?" / "Is that in writing?": round 38's honest "it's an average,
# not a guarantee" answered a question the user had no way to hear answered)
_TOUCHED_ASKS = ("Can I really count on that?", "And that's definitely how it works?", "You're sure about that?",
                 "Honestly? That's how it works?")
# A worry the caller answered before it was voiced, brought up again: heard, not yet made sure of (said after the worry)
_CONFIRM_FRAMES = ("You did touch on it, but I'd want to be sure first.", "I heard what you said about it, but I'm "
                   "still not certain.", "Before anything else, I'd want that confirmed.")
_MAX_ECHOED = 2  # facts echoed back in one acknowledgement
# Asked an open question they do not trust the caller enough to answer in full, a user names the part of the offer
# their worry is about (the area's description: "the monthly bill, prices and charges"), and no more.
_NOTED = ("Okay.", "Right, okay.", "Mm, I see.", "Okay, I hear you.")
# (not "..., if you must know": round 35 heard it as the user offered the hint)
_HINTS = ("It's to do with {area}, mostly. I'd rather not go into it yet.",
          "Let's say it's about {area}. I'll leave it there for now.",
          "Mostly {area}, if I'm honest. I don't want to get into it more than that yet.")
_HINTS_AGAIN = ("Like I said, it's about {area}.", "As I said, it's to do with {area}.")
# Asked about a worry they do not hold, an open user turns to the one they do (the worry follows)
_NOT_THAT = ("Not that so much, honestly.", "That's not really it.", "No, that part's fine.")
# ... and to a question asking how or what, which no "No" answers ("How is your connection holding up?" got "No,
# that part's fine.", round 31)
_NOT_THAT_OPEN = ("Not that so much, honestly.", "That part's fine, actually.", "That bit's okay, really.")


def _opener(text: str) -> str:
    """The first word of a line, lower case, without punctuation."""
    first = text.split(None, 1)[0] if text.strip() else ""
    return first.strip(".,!?;:'\"").lower()


def _last_question(text: str) -> str:
    """The last sentence of `text` when it is a question ("Good, that's what I needed to hear. Where do we go from
    here?" -> "Where do we go from here?"); `text` itself otherwise."""
    sentences = [x for x in re.split(r"(?<=[.!?])\s+", text.strip()) if x]
    return sentences[-1] if len(sentences) > 1 and sentences[-1].endswith("?") else text


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def compose(events: tuple[tuple[str, ...], ...], asked_next_step: bool = False) -> list[tuple[str, ...]]:
    """The events one reply speaks to, in speaking order: one coherent reply, never parts that contradict each other.

    - A decision (declining an ask, accepting, hanging up) is always said, last. Declining an ask and then rejecting
      outright says no twice: the rejection is enough.
    - The reply takes one side: the decision's if it has one, else its first stance-laden part's; parts on the other
      side are dropped ("that settles it" never meets "you didn't answer me"), and of the complaints only the first is
      said.
    - "Not a worry for me" is not said next to a worry; "you skipped my question" not next to the worry restated;
      a worry settled this turn is not also said to be settled already.
    - Courtesy fillers ("Go on.") are said only when nothing else is.
    - A fact acknowledged is said before a worry voiced or a question answered (kept or dropped by its priority).
    - "Nothing else" is not said beside `ready`, whose "Nothing else from my side. What's the next step?" says it,
      unless the user `asked_next_step` already: they then say "nothing else" and invite the ask instead.
    """
    body = [e for e in events if e[0] not in _TERMINAL and e[0] != "refused_ask"]
    body.sort(key=lambda e: _priority.get(e[0], 9))
    terminal = next((e for e in events if e[0] in _TERMINAL), None)
    decision = [e for e in events if e[0] == "refused_ask"][:1]
    if terminal is not None:
        # (declining the ask and then ending the call says no twice: "Not so fast. I still have questions. I'm hanging
        # up now.", round 32)
        decision = ([] if terminal[0] in ("reject", "hang_up") else decision) + [terminal]
        if terminal[0] != "accept":
            # nor asks to hear more, or says what the worry is about, as it rings off: "Let's say it's about the
            # price. I'll leave it there for now. No. Please don't ring again." (round 32)
            body = [e for e in body if e[0] not in ("guarded", "hinted")]
    if any(e[0] == "unsure" for e in body):
        # "Tell me a bit more" asks the caller to go on: never beside a complaint, a warning or a goodbye, which say
        # the opposite (round 21: "I don't know much about you lot yet. Tell me a bit more. I haven't got time for
        # this. Bye."); and it declines the ask by itself ("Nothing in particular ... Not so fast. I still have
        # questions." contradicted itself).
        if terminal is not None or any(e[0] in ("false_claim", "unsupported_claim", "doubt", "pressure", "impatient")
                                       for e in body):
            body = [e for e in body if e[0] != "unsure"]
        else:
            decision = [e for e in decision if e[0] != "refused_ask"]
    if terminal is None and any(e[0] in ("confirm", "restated") or (e[0] == "voiced" and len(e) > 2) for e in body):
        # Asking the caller to make sure of a worry is the answer to their ask: "Within 30 days? ... And that would hold
        # for me too? No, not today. I'm not convinced." refused before the caller could answer (round 25).
        decision = [e for e in decision if e[0] != "refused_ask"]
    side = next((_STANCE[e[0]] for e in decision if e[0] in _STANCE), 0) or next(
        (_STANCE[e[0]] for e in body if e[0] in _STANCE), 0)
    kinds = {e[0] for e in body}
    resolved_now = {e[1] for e in body if e[0] == "resolved"}
    kept: list[tuple[str, ...]] = []
    complained = False
    for e in body:
        kind = e[0]
        stance = _STANCE.get(kind, 0)
        if stance and stance != side:
            continue
        if stance < 0:
            if complained:
                continue
            complained = True
        if kind == "no_concern" and kinds & (_WORRY | {"ignored", "answered"}):  # "ignored" restates the worry skipped
            continue  # (and a question about the user answered needs no "Not really a worry for me", round 32)
        if kind in ("nonsense", "off_topic") and kinds & {"voiced", "resolved", "answered"}:
            continue  # "It arrives a mess ... Sorry, what does that have to do with my restaurant?" (round 25)
        if kind == "ignored" and kinds & {"restated", "confirm"}:
            continue
        if kind == "voiced" and len(e) > 2 and "ignored" in kinds:
            continue  # "Temple Meads? That's the sort of thing I wanted to ask about. ... That doesn't answer my worry
            # at all." (round 27): the worry skipped comes first; the one touched is asked about when it comes up
        if kind in ("restated", "confirm") and any(x[0] == "voiced" and x[1] == e[1] for x in body):
            continue  # voiced just now ("No minimum term? ... Would that apply in my case? I heard what you said, but
            # I'm still not certain.", round 23): one asking is enough
        if kind == "settled" and e[1] in resolved_now:
            continue
        if kind == "covered" and "ready" in kinds and not asked_next_step:
            continue  # "Nothing else from my side, really. So what's the next step?" says it already
        if terminal is not None and terminal[0] == "accept" and kind in _OPEN_WORRY:
            continue  # "Is that definitely the case for me? Fine, let's do it." asks and agrees in one breath
        if kind == "impatient" and any(x[0] == "refused_ask" for x in decision):
            continue  # "What is it you actually need from me? No, not today." to an ask just made (round 28)
        if terminal is not None and terminal[0] != "accept" and kind == "impatient":
            continue  # the warning before hanging up is no longer news when they hang up ("... Goodbye.")
        if kind == "answered" and "answered" in {k[0] for k in kept}:
            continue  # every question about the user is answered in one part
        kept.append(e)
    if decision:
        kept = [e for e in kept if e[0] not in _INVITING]
    elif len(kept) > 1:
        kept = [e for e in kept if e[0] not in _FILLER] or kept[:1]
    answer = next((e for e in kept if e[0] == "answered"), None)
    if answer is not None and answer not in kept[:_MAX_PARTS]:
        kept = kept[:_MAX_PARTS - 1] + [answer]  # a question they asked is always answered
    ready = next((e for e in kept if e[0] == "ready"), None)
    if ready is not None and ready not in kept[:_MAX_PARTS]:
        # and "what's next?" ends the reply, after the answer to their question if there is one
        tail = ([answer] if answer is not None else []) + [ready]
        kept = [e for e in kept[:_MAX_PARTS] if e is not answer][:_MAX_PARTS - len(tail)] + tail
    kept = kept[:_MAX_PARTS]
    ack = next((e for e in kept if e[0] == "acknowledge"), None)
    if ack is not None:
        # kept by its priority, said in the caller's order: the fact they stated is acknowledged before the worry it
        # did not settle or the answer to their question ("So, no joining fee. But what about ...")
        kept.remove(ack)
        at = next((i for i, e in enumerate(kept) if _priority.get(e[0], 9) > _priority["resolved"]), len(kept))
        kept.insert(at, ack)
    return kept + decision


_MAX_ECHO_WORDS = 4


def _heard_phrase(pack: Scenario, fact_id: str, agent_text: str) -> str:
    """How the user echoes a fact: the first of its cues in the caller's own words that a person would say back, else
    "". Never the pack's words for a fact the caller put otherwise: echoing "all-black panels" to "we fit solar panels"
    puts words in the caller's mouth (and shows a misheard fact as if it had been said). Only a short naming phrase is
    said back ("Within 10 days", "no joining fee"): a verb phrase or one in the caller's "you" is the caller's sentence
    read out (round 20: "Imports your patient list, okay.", "Connects up to five? That's close to what's been on my
    mind.")."""
    cues = pack.fact_by_id[fact_id].cues if fact_id in pack.fact_by_id else ()
    lowered = agent_text.lower()
    for cue in cues:
        at = lowered.find(cue.lower())
        if at >= 0 and _echoable(cue) and not _undone(cue, lowered[:at], lowered[at + len(cue):]):
            return agent_text[at: at + len(cue)]
    return ""


# Words that take back what a phrase names: "the £40 joining fee is waived" is no fee at all, and "£40 joining fee,
# okay." said back to it sounds like a fee accepted (round 21).
_UNDOING = frozenset("waived waive waives scrapped dropped removed refunded credited".split())
_BE = frozenset("is are was will would be gets get has have been".split())


def _undone(cue: str, before: str, after: str) -> bool:
    """The caller's words around the phrase take it back: a negator right before it ("no £40 joining fee", not "without a
    written warning", which keeps it), or an undoing verb after it ("the £40 joining fee is waived", "... which won't
    apply"; not "daylight, not just direct sun", where the "not" is the contrast's)."""
    if NEGATORS.intersection(tokenize(cue)[:1]):
        return False  # "no joining fee" says the undoing itself
    if NEGATORS.intersection(tokenize(before)[-1:]):
        return True
    rest = [t for t in tokenize(after)[:5] if t not in ("which", "that")]
    if rest and rest[0] in _UNDOING:
        return True
    linked = False  # "not" right after the phrase is a contrast's; after "is"/"will" it takes the phrase back
    while rest and rest[0] in _BE:
        rest, linked = rest[1:], True
    return linked and bool(rest) and (rest[0] in _UNDOING or rest[0] in ("not", "never"))


_QUOTED_WORDS = (3, 12)  # a part said back in quotes: a claim (three words or more), short enough to say back


def _doubted_part(pack: Scenario, fact_ids: tuple[str, ...], agent_text: str) -> str:
    """The caller's words a false-claim reply says back: of the statements' parts (`segments`), the one that shares
    most words with the facts it contradicts, or with no facts named (a promise no fact makes), the only statement
    part there is; "" when none is short enough or the choice is not clear."""
    parts = [p for s in split_sentences(agent_text) if not s.rstrip().endswith("?") for p in segments(s.rstrip(".!"))
             if _QUOTED_WORDS[0] <= len(p.split()) <= _QUOTED_WORDS[1]]
    facts = [pack.fact_by_id[f] for f in fact_ids if f in pack.fact_by_id]
    if not facts:
        return _upper_first(parts[0]) if len(parts) == 1 else ""
    words = {w for f in facts for w in content_stems(tokenize(" ".join((f.text, *f.cues))))}
    scored = sorted(((len(words.intersection(content_stems(tokenize(p)))), -i, p) for i, p in enumerate(parts)),
                    reverse=True)
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return ""
    return _upper_first(scored[0][2])


_CALLERS = frozenset("we us our ours".split())  # the caller's side: "Charged to us?" said back is the wrong side (round 21)


def _echoable(phrase: str) -> bool:
    tokens = tokenize(phrase)
    return 0 < len(tokens) <= _MAX_ECHO_WORDS and not (ADDRESSED | _CALLERS).intersection(tokens) \
        and not has_verb(tokens, frozenset())


def _echoed(pack: Scenario, history: tuple) -> bool:
    """The user's last reply opened with an echo of a fact ("So, £29 a month." or "£29 a month, okay.")."""
    last = next((m.text for m in reversed(history) if m.role == "user"), "")
    return any(last.startswith(_upper_first(frame.format(heard=h))) for f in pack.facts
               for h in [_heard_phrase(pack, f.id, last)] if h for frame in (*_ACK_FRAME, *_ACK_LEAD))


def _said_count(q: tuple, told: frozenset) -> bool:
    """A count the user says back without the caller's unit ("five hundred down" for "500 Mbps download")."""
    return q[0] == "num" and any(k[0] == "num" and k[1] == q[1] for k in told)


# The caller says why they call ("I'm calling to see whether...", "to hear about a care worker role"), and a line
# asking what the call is about ("Okay, what's it about?", "Depends what it's about.").
_SAYS_WHY = re.compile(r"\b(?:calling|ringing|phoning|reaching out|call)\b[^.?!]*?\b(?:to (?:see|ask|talk|tell|offer|"
                       r"invite|find out)|about|because|regarding)\b|\b(?:hear|talk|chat|tell you) (?:a bit )?about\b|"
                       r"\bto see (?:whether|if)\b", re.I)
_ASKS_WHAT = re.compile(r"\bwhat(?:'s| is)? (?:it|this)\b|\bwhat it's about\b", re.I)


# Trait values written as the rest of "I've ..." or "I'm ..." ("tutored on a rival site", "working for a few
# agencies") are said with it: "Since you ask: tutored on a rival site." read as a profile field (rounds 31-33).
_PARTICIPLES = frozenset("done ridden driven been had taught run seen made got given kept worked never always".split())
_NOT_VERBS_ING = frozenset("nothing something anything everything morning evening building spring thing string "
                           "ceiling during".split())


_THEIR = {"their": "my", "them": "me", "they": "I", "they're": "I'm", "themselves": "myself", "theirs": "mine"}
_ES_VERBS = ("ches", "shes", "sses", "xes", "zes")


def _first_person(value: str) -> str:
    """A trait value written of the user in the third person, as they say it: "drives their own car" -> "I drive my
    own car", "dry walls as far as they know" -> "dry walls as far as I know" (round 37: "Yes, that's right: drives
    their own car.")."""
    words = value.split(" ")
    if words[0].lower() in ("the", "a", "an"):
        return value  # of someone else: "the owners doing the rooms themselves" (themselves is the owners)
    said = [_THEIR.get(w.lower(), w) for w in words]
    first = words[0].lower()
    if (len(words) > 1 and first.endswith("s") and not first.endswith("ss") and len(first) > 3
            and stem(first) in VERB_STEMS and words[1].lower() in _OBJECT_OPENERS):
        base = "have" if first == "has" else first[:-2] if first.endswith(_ES_VERBS) else first[:-1]
        said = ["I", base, *said[1:]]
    return " ".join(said)


_OBJECT_OPENERS = frozenset("their the a an my his her its alone from on in with".split())


def _spoken(value: str) -> str:
    """A trait value as the user says it: "I've ..." before a past participle, "I'm ..." before an -ing verb, and in
    the first person (`_first_person`)."""
    value = _first_person(value)
    first = value.split(" ", 1)[0].lower()
    if first in _PARTICIPLES or (first.endswith("ed") and len(first) > 4 and first not in ("need", "speed")):
        return "I've " + value
    if first.endswith("ing") and len(first) > 5 and first not in _NOT_VERBS_ING:
        return "I'm " + value
    return value


_SAYS_ASKED = re.compile(r"\b(?:ask|asked|asking|question|questions)\b", re.I)


_UNSEEN = object()


class TemplateExpresser:
    def __init__(self, pack: Scenario):
        self.pack = pack
        # The hot path: per line list, the trait names its `when`s read (None: every line neutral, no filtering),
        # and the eligible lines per (list, facts carried, values of those traits), each computed once.
        self._reads: dict[int, tuple[str, ...] | None] = {}
        self._eligible: dict[tuple, list[UserLine]] = {}
        self._words_of: dict[tuple[str, ...], frozenset[str]] = {}
        self._voiced = [field for field in pack.traits if field.voice]  # traits whose values say how the user talks
        # the first-turn answers that do not ask what the call is about, for a caller who said it (never empty: the
        # full list when every line asks)
        lines = pack.user_lines.other_question
        self._told_why = [line for line in lines if not _ASKS_WHAT.search(str(line))] or lines
        # the lines for a worry left unanswered that do not say the user asked anything, for a worry the user stated
        # ("You didn't answer what I just asked" to a caller asked nothing, round 32)
        lines = pack.user_lines.ignored
        self._stated_ignored = [line for line in lines if not _SAYS_ASKED.search(str(line))] or lines
        # a line about the offer that settles nothing and tells nothing new mid-call: noted, not waved off as small
        # talk ("Mm-hm. Anyway, where were we?" to "that's what the three free days are for", round 35)
        self._noted = [UserLine(text) for text in _NOTED]

    def voice(self, persona: Persona) -> str | None:
        """How this persona talks ("brief", "chatty"), from the pack's trait `voice`s; None: no preference."""
        for field in self._voiced:
            found = field.voice.get(persona.traits.get(field.name, ""))
            if found is not None:
                return found
        return None

    def render(self, line: str, persona: Persona) -> str:
        return line.format_map(persona.traits)

    def pick(self, lines: list[UserLine], persona: Persona, rng: random.Random, facts: tuple[str, ...] = (),
             said: str = "", after: str = "", opens: Callable[[Any], str] | None = None,
             heard_in: str | None = None) -> UserLine:
        """One line of `lines` that this persona may say when the event carries `facts`, drawn with `rng`; a line
        not yet in `said` (what the user said earlier in the call) when there is one, and one that does not open with
        the word `after` (the part just before it in this reply) opens with ("Alright, ... Alright, ..."); `opens`
        reads a line's first word when only part of it will be said. With `heard_in` (the caller's turn), a line that
        cites a fact says back only amounts the caller said, when such a line fits."""
        list_id = id(lines)  # one of the pack's own lists: they live as long as this expresser
        reads = self._reads.get(list_id, _UNSEEN)
        if reads is _UNSEEN:
            neutral = all(line.neutral for line in lines)
            reads = self._reads[list_id] = None if neutral else tuple(sorted({t for line in lines for t in line.when}))
        if reads is None:
            eligible = lines
        else:
            traits = persona.traits
            key = (list_id, facts, *[traits.get(name) for name in reads]) if reads else (list_id, facts)
            eligible = self._eligible.get(key)
            if eligible is None:
                # Never empty for a validated pack: every list keeps a neutral line.
                eligible = self._eligible[key] = [line for line in lines if line.fits(traits, facts)]
        if heard_in is not None and len(eligible) > 1:
            # "Five hundred down and a hundred up for twenty-nine pounds?" answered a caller who said only "£29 a
            # month" (round 22): the user repeats the pack's numbers, not the caller's. Nor the fact's words the
            # caller did not say: "Just a laptop with a webcam and a whiteboard built in." answered "it all runs in
            # the browser, nothing to download" (round 29); a line that cites less, or a plain one, fits then.
            told = quantities(tokenize(heard_in))
            told_words = set(content_stems(tokenize(heard_in)))
            tokens = {id(line): tokenize(self.render(line, persona)) for line in eligible}
            faithful = [line for line in eligible if not line.facts or all(
                accounted(q, told) or _said_count(q, told) for q in quantities(tokens[id(line)]))]
            if faithful:
                eligible = faithful
            unsaid = [len(self._fact_words(line.facts).intersection(content_stems(tokens[id(line)])) - told_words)
                      for line in eligible]
            eligible = [line for line, n in zip(eligible, unsaid) if n == min(unsaid)]
        if said and len(eligible) > 1:
            fresh = [line for line in eligible if self.render(line, persona) not in said]
            if fresh:
                eligible = fresh
        if after and len(eligible) > 1:
            opener = _opener(after)
            varied = [line for line in eligible if (opens or _opener)(line) != opener]
            if varied:
                eligible = varied
        voice = self.voice(persona) if self._voiced and len(eligible) > 1 else None
        if voice is not None:
            # A brief user mostly says the shorter lines of what fits, a chatty one the longer ("Go on." against "Okay,
            # what's it about?"): round 22's "chatty and curious" users answered as tersely as the busy ones. Weighted
            # by length rank, not cut: every way of saying a thing is still said by someone. Squared: by rank alone,
            # round 23's "relaxed and chatty" users still opened with "Go on." and stayed brief.
            by_length = sorted(eligible, key=len)
            if voice == "chatty":
                by_length.reverse()
            return rng.choices(by_length, weights=[k * k for k in range(len(by_length), 0, -1)])[0]
        return rng.choice(eligible)

    def _fact_words(self, fact_ids: tuple[str, ...]) -> frozenset[str]:
        """The content words of the facts a line cites (numbers aside: amounts are checked as amounts)."""
        words = self._words_of.get(fact_ids)
        if words is None:
            texts = " ".join(self.pack.fact_by_id[f].text for f in fact_ids if f in self.pack.fact_by_id)
            words = self._words_of[fact_ids] = frozenset(w for w in content_stems(tokenize(texts)) if not is_number(w))
        return words

    def _asked_next_step(self, persona: Persona, said: str) -> bool:
        """The user has already asked this caller what the next step is (a `ready` line, or its question)."""
        lines = self.pack.user_lines
        return bool(said) and any(_last_question(self.render(line, persona)) in said
                                  for line in (*lines.ready, *lines.ready_again))

    @staticmethod
    def _marks(field: Any, value: str) -> set[str]:
        """The words of a trait value that no other value of the trait, nor the trait's name or description, has (time
        words aside: "at the moment" does not name "nothing much at the moment", round 28)."""
        others = {w for v in field.values if v != value for w in content_stems(tokenize(v))}
        others |= set(content_stems(tokenize(f"{field.name.replace('_', ' ')} {field.description}")))
        # (nor a verb: "doing zero-hours agency shifts" is not named by "what you're doing for work", round 32)
        return set(content_stems(tokenize(value))) - others - TIME_WORD_STEMS - VERB_STEMS

    def answer(self, traits: list[str], persona: Persona, rng: random.Random, wary: bool, said: str,
               asked: str = "") -> list[str]:
        """Sentences answering questions about the user's own `traits`: the pack's `answers`, else one generic
        sentence naming every asked value ("A university student and only a bus pass, since you ask."), or confirming
        them when the question `asked` already named them all."""
        out, plain, marks_of = [], [], []
        for name in traits:
            field = self.pack.trait_by_name.get(name)
            if persona.traits.get(name) is None or field is None:
                continue
            if field.answers:
                out.append(_upper_first(self.render(self.pick(field.answers, persona, rng, (), said), persona)))
            else:
                plain.append(persona.traits[name])
                marks_of.append((self._marks(field, persona.traits[name]),
                                 set(content_stems(tokenize(persona.traits[name])))))
        if plain:
            spoken = [_spoken(v) for v in plain]
            value = spoken[0] if len(spoken) == 1 else ", ".join(spoken[:-1]) + " and " + spoken[-1]
            named = set(content_stems(tokenize(asked)))
            # (a value's own word is looked for in the turn's questions: "... in the app. Have you done delivery work
            # before?" named no "rival app", round 29's "Yes, that's right: ridden for a rival app.")
            # Only a yes-or-no question can be confirmed: "Which software are you using?" asks for the value, whatever
            # word of it it names (round 30: "Yes, that's right: the calendar in our practice software.")
            # Of a question sentence, its asking part: "You've been at this a long time with agencies, so I'm curious:
            # how is that working for you?" asks how, and did not ask whether they work for agencies (round 32: "Yes,
            # that's right: working for a few agencies.")
            questions = [tokenize(asked_part(q)) for q in split_sentences(asked) if q.rstrip().endswith("?")]
            yes_no = [q for q in questions if not asks_which(q)]
            questioned = {w for q in yes_no for w in content_stems(q)}
            if not questions:
                questioned = named
            # the question names the value by a word that tells it from the trait's other values: "How are you finding
            # tutoring around the PGCE?" knows they are "a PGCE student" (round 27: "A PGCE student, since you ask.");
            # "What's your budget like?" names the trait, not "a tight budget". "just me" names nothing to find.
            # (a value with no word of its own, "never tutored before", is known when the question names all of it)
            known = all((marks and marks & questioned) or (not marks and full and full <= questioned)
                        for marks, full in marks_of)
            # ... and a value that denies ("never tutored before") is not confirmed by a question that does not
            # ("Is tutoring something you've thought about?" got "Yes, never tutored before, that's me.", round 26)
            # A yes-or-no question asked without a negator that names a value which denies ("Have you done any delivery
            # work?" to "never done delivery work") is answered no (round 32: "Yes, that's right: never done ...").
            asked_negated = bool(NEGATORS & {t for q in (yes_no or questions) for t in q})
            denies = all(NEGATORS & set(tokenize(v)) for v in plain)
            answered_no = known and bool(yes_no) and denies and not asked_negated
            known = known and all(bool(NEGATORS & set(tokenize(v))) <= asked_negated for v in plain)
            frames = (_CONFIRM_WARY if wary else _CONFIRM_OPEN) if known else _ANSWER_WARY if wary else _ANSWER_OPEN
            if answered_no:
                frames = _ANSWER_NO
            if not known and all(v.lower() in said.lower() for v in plain):
                frames = _ANSWER_AGAIN  # told already: not news "since you ask" (round 21)
            fresh = [f for f in frames if max(f.split("{value}"), key=len).strip(" .,:") not in said
                     or f == "{value}."] or list(frames)
            out.append(_upper_first(rng.choice(fresh).replace("{value}", value)))
        return out

    def express(self, events: tuple[tuple[str, ...], ...], persona: Persona, rng: random.Random,
                state: UserState | None = None, history: tuple = (), agent_text: str = "") -> str:
        """The reply to one agent turn. `state` (after the turn) tells how far the call is and how wary the user is,
        `history` what the user already said (a line not yet said is preferred), `agent_text` the words a fact was
        heard in. Without them the reply is that of a first turn."""
        pack = self.pack
        said = " ".join(m.text for m in history if m.role == "user") if history else ""
        opening = state is None or state.turn <= 1
        wary = state is not None and state.trust < pack.dynamics.voice_trust_min
        parts: list[str] = []
        settled_now = any(e[0] == "resolved" for e in events)  # a worry settled this turn
        # ready again, having asked for the next step already: they invite the ask rather than ask again
        waiting = not settled_now and any(e[0] == "ready" for e in events) and self._asked_next_step(persona, said)
        composed = compose(events, waiting)
        if len(composed) == 1 and composed[0][0] == "acknowledge" and any(e[0] == "other_question" for e in events) \
                and not any(_heard_phrase(pack, f, agent_text) for f in composed[0][1:1 + _MAX_ECHOED]):
            # A fact acknowledged without the caller's words for it ("Okay, noted.") does not answer their question:
            # the question is answered instead ("..., we do online booking. Do you have a minute?" -> "Sure, go on.").
            composed = [("other_question",)]
        for at, event in enumerate(composed):
            kind = event[0]
            if kind == "answered":  # compose keeps one: every question about the user is answered there
                # (not a value this reply has said already: "I'm out of contract for over a year ... Out of contract for
                # over a year, since you ask." in round 29)
                saying = " ".join(parts).lower()
                asked = [e[1] for e in events if e[0] == "answered"
                         and str(persona.traits.get(e[1], "")).lower() not in saying]
                if any(e[0] not in ("answered", "acknowledge") and e[0] not in _FILLER for e in composed):
                    # nor, beside the rest of the reply, a value told before: "Is there a reason you've stayed away
                    # from delivery apps?" is not answered "Like I said, walk-ins and phone orders only." (round 34)
                    asked = [t for t in asked if str(persona.traits.get(t, "")).lower() not in said.lower()]
                parts.extend(self.answer(asked, persona, rng, wary, said, agent_text))
                continue
            if kind == "not_that":
                questions = [tokenize(q) for q in split_sentences(agent_text) if q.rstrip().endswith("?")]
                parts.append(rng.choice(_NOT_THAT_OPEN if questions and asks_which(questions[-1]) else _NOT_THAT))
                continue
            if kind == "hinted":
                area = pack.area_by_id[pack.concern_by_id[event[1]].area].description
                frames = _HINTS_AGAIN if area in said else _HINTS
                parts.append(_upper_first(rng.choice(frames).format(area=area)))
                continue
            if kind == "resolved":  # ("resolved", concern id, fact id)
                lines = pack.concern_by_id[event[1]].resolved_lines
            elif kind in ("voiced", "restated", "confirm"):  # ("voiced", concern id[, fact id that touched it])
                lines = pack.concern_by_id[event[1]].reveal_lines
            elif kind == "small_talk" and not opening and any(speaks_for_offer(x) for x in split_sentences(agent_text)):
                lines = self._noted
            elif kind == "small_talk" and not opening:
                lines = pack.user_lines.small_talk_later  # mid-call courtesy does not ask what the call is about
            elif kind == "other_question" and not opening:
                lines = pack.user_lines.other_question_later  # "Go on." answers "Got a minute?", not "When suits you?"
            elif kind == "other_question" and _SAYS_WHY.search(agent_text):
                lines = self._told_why  # "... calling to see whether you'd come back - got a minute?" "Okay, what's it
                # about?" (round 23, twice)
            elif kind == "ignored" and "?" not in next((m.text for m in reversed(history) if m.role == "user"), "?"):
                lines = self._stated_ignored
            elif kind == "ready" and waiting:
                lines = pack.user_lines.ready_waiting  # not "What would I need to do?" again, once it was answered
            elif kind == "ready" and not settled_now:
                lines = pack.user_lines.ready_again  # nothing was answered this turn: not "that answers it for me"
            elif kind == "guarded" and state is not None and any(s.value != "hidden" for _, s in state.concerns):
                lines = pack.user_lines.guarded_later  # they have opened up already: not "someone I've only just met"
            else:
                lines = getattr(pack.user_lines, _GENERIC[kind])
            facts = event[2:] if kind == "resolved" else ()
            # The resolved line has just said they are satisfied: only the ready line's question about the next step
            # follows (round 17: "Alright, that sounds fair on the gear. Good, that's what I needed to hear. Where
            # do we go from here?").
            asked_only = kind == "ready" and settled_now
            line = self.pick(lines, persona, rng, facts, said, parts[-1] if parts else "",
                             (lambda x: _opener(_last_question(str(x)))) if asked_only else None,
                             agent_text if kind == "resolved" and agent_text else None)
            text = self.render(line, persona)
            if asked_only:
                text = _last_question(text)
            if kind in ("false_claim", "unsupported_claim", "doubt") and agent_text:
                # which of the caller's words are doubted: round 26's callers could not tell ("which part sounds
                # wrong to you?" got "Not much to tell, honestly. Go on.")
                part = _doubted_part(pack, event[1:], agent_text)
                if part:
                    text = f'"{part}"? {text}'
            if kind == "confirm":  # answered before they raised it: they heard it, and want it made sure
                text = text + " " + rng.choice(_CONFIRM_FRAMES)  # after the worry: "that" is the worry, not the
                # fact acknowledged before it (round 27: "Okay, three working days. Before anything else, I'd want
                # that confirmed. If it's awkward to get to, ..." was answered "Yes, the three free days are confirmed")
            if kind == "voiced" and len(event) > 2:  # touched by the fact just said: wants it confirmed
                heard = _heard_phrase(pack, event[2], agent_text)
                if not heard and settled_now:
                    # "I can fit that in around my hours. That's close to what's been on my mind. Is that definitely
                    # the case for me?" (round 22) doubts what it just accepted: without the words of the fact that
                    # touched it, the second worry waits (it is voiced, and an open question brings it back).
                    continue
                if heard:
                    # a frame not yet said in this call (round 17: the same one twice, word for word)
                    frames = [f for f in _TOUCHED_FRAMES if f.split("? ", 1)[1] not in said] or list(_TOUCHED_FRAMES)
                    asks = [a for a in _TOUCHED_ASKS if a not in said] or list(_TOUCHED_ASKS)  # not the same ask twice
                    text = _upper_first(rng.choice(frames).format(heard=heard)) + " " + rng.choice(asks)
                # else the worry in the user's words: "That's partly what I wanted to ask about. And that would hold
                # for me too?" names nothing the caller can tell they said (round 23, to "what would be your biggest
                # hesitation?")
            if kind == "ignored":  # "You skipped my question." and the question again, so the caller knows which
                worry = self.pick(pack.concern_by_id[event[1]].reveal_lines, persona, rng, (), said)
                text += " " + self.render(worry, persona)
            if kind == "acknowledge":
                # not a phrase said back before in this call (round 23: "No minimum workload, right." and two turns
                # later "Right, no minimum workload. Right. Good to know.")
                heard = [h for h in (_heard_phrase(pack, f, agent_text) for f in event[1:1 + _MAX_ECHOED])
                         if h and h.lower() not in said.lower()]
                if heard and _echoed(pack, history):
                    heard = []
                if not heard and (parts or at < len(composed) - 1):
                    continue  # "Good to know, I suppose." adds nothing beside a worry or a complaint, and contradicts one
                if heard and at < len(composed) - 1:
                    text = _upper_first(rng.choice(_ACK_LEAD).format(heard=" and ".join(heard)))
                elif heard:
                    frames = [f for f in _ACK_FRAME if _opener(f) != _opener(text)] or list(_ACK_FRAME)
                    text = _upper_first(rng.choice(frames).format(heard=" and ".join(heard))) + " " + text
            parts.append(text)
        if not parts:  # a turn with nothing the user can react to ("Do you have a minute?")
            parts.append(self.render(self.pick(pack.user_lines.acknowledge, persona, rng, (), said), persona))
        return " ".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# LLM expression

_DIRECTIVES = {
    "voiced": "Tell the caller this worry of yours, in your own words: {concern}.",
    "resolved": "Say that the caller's answer settles this worry of yours: {concern}.",
    "ignored": "Point out that the caller has not answered your worry: {concern}.",
    "no_concern": "Say that what they asked about is not a worry for you.",
    "guarded": "Say you would rather not go into that yet: you do not trust the caller enough for it.",
    "hinted": "Say only which part of the offer your worry is about ({area}), not the worry itself: you do not trust "
              "the caller enough for more yet.",
    "answered": "Answer their question about you plainly and briefly, from what you know about yourself.",
    "barrage": "Complain that they are asking about too many things at once.",
    "pitch": "Be unimpressed by the sales talk.",
    "pressure": "Push back on being rushed.",
    "false_claim": "Say you do not believe what they just claimed.",
    "unsupported_claim": "Say you do not believe the promise they just made: it is not the first.",
    "doubt": "Say you doubt the promise they just made and ask where that is written down.",
    "off_topic": "Ask what this has to do with you.",
    "acknowledge": "Acknowledge briefly.",
    "not_that": "Say that what they asked about is not really what worries you.",
    "restated": "Remind the caller of the worry you already told them, which they still have not answered: {concern}.",
    "confirm": "Say the caller touched on this worry of yours but you want it confirmed before anything else: {concern}.",
    "settled": "Say the caller has already answered this worry of yours, so it is settled: {concern}.",
    "covered": "Say that nothing else worries you: they have been through what you would have asked.",
    "unsure": "Say that nothing in particular worries you, but you do not know enough about them or the offer yet.",
    "small_talk": "Reply politely and briefly, and ask what the call is about.",
    "other_question": "Answer their question briefly.",
    "nonsense": "Say you cannot follow what they just said.",
    "recital": "Say it sounds like they are reading a brochure at you.",
    "refused_ask": "Decline to sign up for now.",
    "accept": "Agree to sign up.",
    "reject": "Firmly decline and end the call.",
    "hang_up": "Say you have to go, and hang up.",
    "timeout": "Say you need to go now.",
    "ready": "Say that covers what you wanted to know, and ask what the next step would be.",
    "impatient": "Show that you are running out of patience and will not stay on the call much longer.",
}
_LATER_SMALL_TALK = "Reply politely and briefly; the call is already under way, so let them go on."
_LATER_QUESTION = "Answer their question briefly and vaguely; you are not sure what they are getting at."
# When the event carries the fact behind it, the directive names it: the reply may react to that, and only that.
_FACT_DIRECTIVES = {
    "voiced": "What the caller just said ({fact}) touches a worry of yours ({concern}): say it is what you wanted to "
              "ask about and ask them to confirm it really works that way for you. Do not speak as if they had not "
              "answered it.",
    "resolved": "Say that the caller's answer settles this worry of yours: {concern}. What settled it, and the only "
                "thing they said that you may refer to: {fact}",
}


class LLMExpresser:
    """The user's reply written by an LLM playing the persona, steered by the transition's events.

    The model is shown the persona's visible traits and only the worries the user has already voiced or voices
    now: a worry still hidden cannot leak into the text before the state says it surfaced.
    """

    def __init__(self, pack: Scenario, backend: Backend, params: SamplingParams | None = None):
        self.pack = pack
        self.backend = backend
        self.params = params or SamplingParams(temperature=0.7, max_new_tokens=80)
        self.templates = TemplateExpresser(pack)

    def prompt(self, persona: Persona, state: UserState, events: tuple[tuple[str, ...], ...],
               history: tuple, agent_text: str) -> list[dict[str, str]]:
        pack = self.pack
        traits = "\n".join(f"- {pack.trait_by_name[k].description} {v}" for k, v in persona.traits.items())
        said = [cid for cid, status in state.concerns if status.value != "hidden"]
        worries = "\n".join(f"- {pack.concern_by_id[c].description}" for c in said) or "- (none you have mentioned yet)"
        system = (
            f"You are a real person receiving an unexpected call from {pack.agent.role}. Stay in character.\n"
            f"About you (never contradict this):\n{traits}\n"
            f"Worries you have raised in this call:\n{worries}\n"
            "Never mention any other worry. Answer in one to three short spoken sentences, no lists, no stage directions."
        )
        messages = [{"role": "system", "content": system}]
        for m in history:  # messages with .role ("agent" | "user") and .text
            messages.append({"role": "user" if m.role == "agent" else "assistant", "content": m.text})
        # The same composition as the templates: the model is never told to say two things that contradict.
        directives = " ".join(
            _LATER_SMALL_TALK if e[0] == "small_talk" and state.turn > 1
            else _LATER_QUESTION if e[0] == "other_question" and state.turn > 1
            else " ".join(self.directive(a) for a in events if a[0] == "answered") if e[0] == "answered"
            else self.directive(e)
            for e in compose(events) if e[0] in _DIRECTIVES
        ) or _DIRECTIVES["acknowledge"]
        messages.append({"role": "user", "content": f"{agent_text}\n\n[What you do in your reply: {directives}]"})
        return messages

    def directive(self, event: tuple[str, ...]) -> str:
        """What the reply must do for one event; a resolution names the fact that resolved the worry."""
        pack = self.pack
        if event[0] == "answered":
            return _DIRECTIVES["answered"] + f" (They asked about: {pack.trait_by_name[event[1]].description})"
        if event[0] == "acknowledge":  # ("acknowledge", fact ids heard...): say which of them you took in
            heard = " ".join(pack.fact_by_id[f].text for f in event[1:] if f in pack.fact_by_id)
            return _DIRECTIVES["acknowledge"] + (f" Show that you heard what they told you: {heard}" if heard else "")
        if event[0] == "hinted":
            return _DIRECTIVES["hinted"].format(area=pack.area_by_id[pack.concern_by_id[event[1]].area].description)
        if event[0] == "false_claim":  # ("false_claim", fact ids contradicted...)
            return _DIRECTIVES["false_claim"]
        concern = pack.concern_by_id[event[1]].description if len(event) > 1 else ""
        if len(event) > 2 and event[0] in _FACT_DIRECTIVES:
            return _FACT_DIRECTIVES[event[0]].format(concern=concern, fact=pack.fact_by_id[event[2]].text)
        return _DIRECTIVES[event[0]].format(concern=concern)

    def express_batch(self, requests: list[tuple]) -> list[tuple[str, bool, dict]]:
        """(persona, new state, events, history, agent text, rng) -> (reply, fell back to templates?, call meta)."""
        conversations = [self.prompt(p, s, ev, h, a) for p, s, ev, h, a, _ in requests]
        seeds = [rng.getrandbits(31) for *_, rng in requests]
        out = []
        for (persona, state, events, history, agent_text, rng), gen, seed in zip(requests, self.backend.generate(conversations, self.params, seeds), seeds):
            meta = {"model": self.backend.name, "seed": seed}
            text = gen.text.strip()
            if gen.error is not None or not text:
                reply = self.templates.express(events, persona, rng, state, history, agent_text)
                out.append((reply, True, {**meta, "error": gen.error or "empty reply"}))
            else:
                out.append((text, False, meta))
        return out

"""How a reply is put together from its parts: at most a few things said, in order (the reaction to the turn, the
worry settled or voiced, the answer to the user's question, then the rest), none contradicting another, and the
facts heard echoed in the user's own words. Pure functions of the events, the lines chosen and the persona."""

from __future__ import annotations

import re

from protod.world import Scenario
from protod.text import (
    ADDRESSED, NEGATORS, VERB_STEMS, content_stems, has_verb, segments, split_sentences, stem, tokenize,
)


# A reply says at most this many things before its decision, in this order: the reaction to a lie or a push, then
# the worry settled or voiced, then the answer to their question, then the rest.
_MAX_PARTS = 3
_priority = {
    "false_claim": 0, "unsupported_claim": 0, "doubt": 0, "pressure": 1, "corrected": 1, "resolved": 2,
    "not_that": 3, "voiced": 3, "restated": 3, "confirm": 3, "settled": 3, "covered": 3, "unsure": 3,
    # (a question about the user is answered in the order asked, before the worry a later part of it drew out:
    # round 34 heard "My worry is the commission. ... I'm working for a few agencies, since you ask.")
    "answered": 3, "ignored": 5, "guarded": 5, "hinted": 5, "no_concern": 5, "barrage": 5, "impatient": 5, "acknowledge": 6, "pitch": 6,
    "recital": 6, "off_topic": 7, "nonsense": 7, "other_question": 8, "small_talk": 8, "ready": 9,
}
# What a part says about the caller: +1 pleased, -1 displeased; the rest is information. One reply takes one side.
_STANCE = {
    "resolved": 1, "accept": 1, "ready": 1, "corrected": 1,
    "false_claim": -1, "unsupported_claim": -1, "doubt": -1, "pressure": -1, "ignored": -1, "pitch": -1, "recital": -1,
    "off_topic": -1, "nonsense": -1, "barrage": -1, "reject": -1, "hang_up": -1,
}
_WORRY = frozenset({"resolved", "voiced", "restated", "confirm", "settled"})  # parts about a worry the user holds
FILLER = frozenset({"small_talk", "other_question"})  # said only when there is nothing else to say
# Parts that invite the caller to go on ("Fine. Anything else?"): never beside a decision, which ends or answers that.
_INVITING = FILLER | {"acknowledge", "ready"}
_TERMINAL = {"accept", "reject", "hang_up", "timeout"}
# Parts that keep a worry open: never beside a yes, which says the worry is answered.
_OPEN_WORRY = frozenset({"voiced", "restated", "confirm", "ignored", "not_that", "guarded", "hinted"})
# A fact heard that settles nothing: the reply says which fact it heard, "So, £29 a month." + an acknowledgement, or
# only "£29 a month, okay." when more follows. Never in two replies running: an echo every turn is a tic (round 13).
# (several: round 22's courier heard "No minimum hours, okay." at the same turn of two calls)
ACK_FRAME = ("So, {heard}.", "Right, {heard}.", "Okay, {heard}.")
ACK_LEAD = ("{heard}, okay.", "{heard}, right.", "Okay, {heard}.", "Right, {heard}.")


def reply_opener(text: str) -> str:
    """The first word of a line, lower case, without punctuation."""
    first = text.split(None, 1)[0] if text.strip() else ""
    return first.strip(".,!?;:'\"").lower()


def last_question(text: str) -> str:
    """The last sentence of `text` when it is a question ("Good, that's what I needed to hear. Where do we go from
    here?" -> "Where do we go from here?"); `text` itself otherwise."""
    sentences = [x for x in re.split(r"(?<=[.!?])\s+", text.strip()) if x]
    return sentences[-1] if len(sentences) > 1 and sentences[-1].endswith("?") else text


def upper_first(text: str) -> str:
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
    # (a worry the caller's fact touched waits for the answer to the caller's own question about the user: round 89
    # heard "... So would what you just said actually take care of that? Yes, that's right: walk-ins and phone orders
    # only.", its ask put before the answer)
    body.sort(key=lambda e: _priority.get(e[0], 9))
    answer = next((e for e in body if e[0] == "answered"), None)
    touched = next((e for e in body if e[0] == "voiced" and len(e) > 2), None)
    if answer is not None and touched is not None and body.index(touched) < body.index(answer):
        body.remove(answer)
        body.insert(body.index(touched), answer)
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
            # nor asks to have a worry made sure of: "..., do I just stop getting offers? Before anything else, I'd
            # want that confirmed. I have to go. Bye." (round 48): the worry is said as the reason they go
            body = [("restated", *e[1:]) if e[0] == "confirm" else e for e in body]
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
        if kind == "guarded" and "answered" in kinds:
            continue  # "Well, the rival app ZipSlot, as it happens. I'd rather not get into that with someone I've
            # only just met." (round 61) refuses what it has just answered
        if kind in ("guarded", "hinted") and kinds & (_WORRY | {"ignored"}):
            continue  # "I'm not ready to go into that part yet. That doesn't really answer my worry. Every class I
            # wanted had a waiting list." (round 60): declines to say the worry it says
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
        kept = [e for e in kept if e[0] not in FILLER] or kept[:1]
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


def heard_phrase(pack: Scenario, fact_id: str, agent_text: str, about: str = "") -> str:
    """How the user echoes a fact: the first of its cues in the caller's own words that a person would say back, else
    "". Never the pack's words for a fact the caller put otherwise: echoing "all-black panels" to "we fit solar panels"
    puts words in the caller's mouth (and shows a misheard fact as if it had been said). Only a short naming phrase is
    said back ("Within 10 days", "no joining fee"): a verb phrase or one in the caller's "you" is the caller's sentence
    read out (round 20: "Imports your patient list, okay.", "Connects up to five? That's close to what's been on my
    mind.")."""
    cues = pack.fact_by_id[fact_id].cues if fact_id in pack.fact_by_id else ()
    if about:
        # said back as what the user cares about: a cue naming the worry, not "80 bikes?" to a worry about the bike's
        # safety nor "Aged 18 or over?" to one about training alone (round 42)
        concern = pack.concern_by_id.get(about)
        words = set(content_stems(tokenize(" ".join((concern.description, *concern.probe_cues))))) if concern else set()
        # (a cue without a number first: "80 bikes?" sounds as if the count were the worry)
        cues = sorted((c for c in cues if words & set(content_stems(tokenize(c)))),
                      key=lambda c: any(ch.isdigit() for ch in c))
    lowered = agent_text.lower()
    # the one said first: "12% for the first six months before the standard 18%" is heard as 12% (round 44: "So, no
    # joining fee and 18%.")
    found = sorted((at, k, cue) for k, cue in enumerate(cues) if (at := lowered.find(cue.lower())) >= 0)
    for at, _, cue in found if not about else sorted(found, key=lambda f: f[1]):
        if _echoable(cue) and not _undone(cue, lowered[:at], lowered[at + len(cue):]):
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


def doubted_part(pack: Scenario, fact_ids: tuple[str, ...], agent_text: str) -> str:
    """The caller's words a false-claim reply says back: of the statements' parts (`segments`), the one that shares
    most words with the facts it contradicts, or with no facts named (a promise no fact makes), the only statement
    part there is; "" when none is short enough or the choice is not clear."""
    parts = [p for s in split_sentences(agent_text) if not s.rstrip().endswith("?") for p in segments(s.rstrip(".!"))
             if _QUOTED_WORDS[0] <= len(p.split()) <= _QUOTED_WORDS[1]]
    facts = [pack.fact_by_id[f] for f in fact_ids if f in pack.fact_by_id]
    if not facts:
        return upper_first(parts[0]) if len(parts) == 1 else ""
    words = {w for f in facts for w in content_stems(tokenize(" ".join((f.text, *f.cues))))}
    scored = sorted(((len(words.intersection(content_stems(tokenize(p)))), -i, p) for i, p in enumerate(parts)),
                    reverse=True)
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return ""
    return upper_first(scored[0][2])


_CALLERS = frozenset("we us our ours".split())  # the caller's side: "Charged to us?" said back is the wrong side (round 21)


def _echoable(phrase: str) -> bool:
    tokens = tokenize(phrase)
    # (one bare word said back is a keyword, not a thing heard: "Right, insulated.", "Right, encrypted.", round 78)
    named = len(tokens) > 1 or any(ch.isdigit() for ch in phrase)
    return named and len(tokens) <= _MAX_ECHO_WORDS and not (ADDRESSED | _CALLERS).intersection(tokens) \
        and not has_verb(tokens, frozenset())


def echoed(pack: Scenario, history: tuple) -> bool:
    """The user's last reply opened with an echo of a fact ("So, £29 a month." or "£29 a month, okay.")."""
    last = next((m.text for m in reversed(history) if m.role == "user"), "")
    return any(last.startswith(upper_first(frame.format(heard=h))) for f in pack.facts
               for h in [heard_phrase(pack, f.id, last)] if h for frame in (*ACK_FRAME, *ACK_LEAD))


def said_count(q: tuple, told: frozenset) -> bool:
    """A count the user says back without the caller's unit ("five hundred down" for "500 Mbps download")."""
    return q[0] == "num" and any(k[0] == "num" and k[1] == q[1] for k in told)


# The caller says why they call ("I'm calling to see whether...", "to hear about a care worker role"), and a line
# asking what the call is about ("Okay, what's it about?", "Depends what it's about.").
SAYS_WHY = re.compile(r"\b(?:calling|ringing|phoning|reaching out|call)\b[^.?!]*?\b(?:to (?:see|ask|talk|tell|offer|"
                       r"invite|find out)|about|because|regarding)\b|\b(?:hear|talk|chat|tell you) (?:a bit )?about\b|"
                       r"\bto see (?:whether|if)\b", re.I)
ASKS_WHAT = re.compile(r"\bwhat(?:'s| is)? (?:it|this)\b|\bwhat it's about\b", re.I)


# Trait values written as the rest of "I've ..." or "I'm ..." ("tutored on a rival site", "working for a few
# agencies") are said with it: "Since you ask: tutored on a rival site." read as a profile field (rounds 31-33).
_PARTICIPLES = frozenset("done ridden driven been had taught run seen made got given kept worked never always lost left "
                         "quit won".split())
# An adverb before the verb or the place ("recently lost a big agency client", "still in contract with nine months
# left": said bare in round 60, "Recently lost a big agency client.")
_LEADING_ADVERBS = frozenset("recently just only already still".split())
_PLACE_WORDS = frozenset("in on at with between out under".split())
_NOT_VERBS_ING = frozenset("nothing something anything everything morning evening building spring thing string "
                           "ceiling during wedding marketing".split())
# Participles that say how the user is, not what they have done: "I'm guarded and sceptical", "We're packed in summer"
# (round 74 heard "I've packed in summer and quiet in winter."); a participle joined by "and" to a word that is no
# verb is one too ("retired and on a pension")
_STATES = frozenset("guarded relaxed retired self-employed insured worried booked packed married divorced based "
                    "settled stuck tired stretched swamped crowded closed qualified".split())
_BUSINESS_STATES = frozenset("packed booked crowded swamped closed".split())  # said of the place: "We're packed ..."
# A time gone by makes a past: "I opened last year", not "I've opened last year"
_PAST_TIME = re.compile(r"\b(?:last (?:year|month|week|summer|winter|spring|autumn)|ago|yesterday|in (?:19|20)\d\d)\b")
# An ongoing activity over a span: "I've been cleaning for about three years", not "I'm cleaning for about three years"
_SPAN = re.compile(r"\b(?:for|about|over|nearly|almost|around) (?:\w+ )?(?:years?|months?|decades?)\b")


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


# A part of the offer described of "the person" (or the owner, the user), as the user says it: "the price and what the
# person pays before knowing it works" -> "... what I pay ..." (round 90: "Mostly the price and what the person pays
# before knowing it works, if I'm honest.")
_OF_THE_USER = re.compile(r"\bthe (?:person|owner|user|customer|member)(?:'s\b|\b(?: (still|also|already))? (\w+))")


def area_as_said(description: str, user_noun: str = "") -> str:
    """An area's description in the user's own voice (`_OF_THE_USER`; also the pack's own noun for the user and "she"
    or "he" after it: "what the cleaner earns, what she pays out" -> "what I earn, what I pay out", round 103)."""
    def said(m: re.Match) -> str:
        if m.group(0).endswith("'s"):
            return "my"
        adverb, verb = m.group(1), m.group(2)
        if verb.endswith("s") and not verb.endswith("ss") and stem(verb) in VERB_STEMS:
            verb = verb[:-2] if verb.endswith(_ES_VERBS) else verb[:-1]
        return " ".join(w for w in ("I", adverb, verb) if w)
    text = _OF_THE_USER.sub(said, description)
    if user_noun and user_noun not in _USER_NOUNS:
        # the pack's noun as the subject of a verb ("what the cleaner earns", "what the school might have to
        # subsidise") or with "'s" ("the instructor's own pupils"); not an object ("what the scheme costs the
        # company") nor a noun's modifier ("the car park")
        own = re.compile(rf"\b(?:(?<=what )|(?<=whether )|(?<=if )|(?<=how )|(?<=and )|^)the {re.escape(user_noun)}"
                         rf"(?:'s\b|\b(?: (still|also|already))? (\w+))")
        text = own.sub(lambda m: (f"my {m.group(0)[4:]}" if m.group(2) in ("is", "was", "has")  # ("how my venue is")
                                  else said(m) if m.group(0).endswith("'s") or _verb_after(m.group(2))
                                  else m.group(0)), text)
    if text != description:  # the user named as such: a later "she" or "he" before a verb is the user too
        text = _THIRD_PERSON.sub(lambda m: said(m) if _verb_after(m.group(2)) else m.group(0), text)
    return text


_USER_NOUNS = frozenset("person owner user customer member".split())
_MODALS = frozenset("can could might may must will would should has is was".split())


def _verb_after(word: str | None) -> bool:
    """`word` is a verb said of a subject: a modal or auxiliary, or a known verb in its third-person form."""
    return bool(word) and (word in _MODALS or (word.endswith("s") and not word.endswith("ss")
                                                and stem(word) in VERB_STEMS))


_THIRD_PERSON = re.compile(r"\b(?:she|he)\b(?: (still|also|already))? (\w+)")


def user_noun(descriptions: list[str]) -> str:
    """The noun a pack's trait descriptions name the user by ("How long the cleaner has been cleaning homes", "Where the
    cleaner lives" -> "cleaner"), when two or more of them do; else ""."""
    counts: dict[str, int] = {}
    for text in descriptions:
        for noun in set(re.findall(r"\bthe ([a-z]+)\b", text.lower())):
            counts[noun] = counts.get(noun, 0) + 1
    best = max(counts, key=lambda n: (counts[n], n), default="")
    return best if counts.get(best, 0) >= 2 else ""


_OBJECT_OPENERS = frozenset("their the a an my his her its alone from on in with".split())


def as_spoken(value: str) -> str:
    """A trait value as the user says it: "I've ..." before a past participle ("I ..." with a time gone by, "I'm ..."
    or "We're ..." before one that says how they are), "I'm ..." before an -ing verb ("I've been ..." over a span of
    years), and in the first person (`_first_person`)."""
    value = _first_person(value)
    words = value.lower().split()
    at = 0
    first = words[0] if words else ""
    if first in _LEADING_ADVERBS and len(words) > 1:
        if words[0] == "still" and words[1] in _PLACE_WORDS:  # (not "only on weekends": a time, not where I am)
            return "I'm " + value
        at, first = 1, words[1]
    after = words[at + 1:]
    participle = first in _PARTICIPLES or (first.endswith("ed") and len(first) > 4 and first not in ("need", "speed"))
    if participle and _PAST_TIME.search(value.lower()) and words[0] != "never":
        return "I " + value
    if first in _STATES or (participle and after[:1] == ["and"] and len(after) > 1 and not after[1].endswith("ed")
                            and after[1] not in _PARTICIPLES):
        return ("We're " if first in _BUSINESS_STATES else "I'm ") + value
    if participle:
        return "I've " + value
    if first.endswith("ing") and len(first) > 5 and first not in _NOT_VERBS_ING:
        if after[:1] == ["and"]:
            return value  # "swimming and cardio": things they do, not what they are doing
        return ("I've been " if _SPAN.search(value.lower()) else "I'm ") + value
    return value


SAYS_ASKED = re.compile(r"\b(?:ask|asked|asking|question|questions)\b", re.I)


UNSEEN = object()

"""Expression: the user's reply, from the events of the transition. The template backend uses the pack's lines.

Lines are chosen with the dialogue's seeded RNG (diverse across seeds, reproducible for one) among the lines that
are true to the dialogue: a line's `when` must match the persona's traits, and a line that cites facts is said only
when the event carries them (a worry is thanked for the fact that resolved it, never for one the agent did not
state). Lines are filled with the persona's own trait values only, so a user never contradicts what the agent can
see about them. protod.audit.consistency checks any transcript for the same properties.

The LLM expresser writes the reply with a model instead, steered by the same events (a resolution's directive
names the fact that resolved it), and falls back to the templates (counted) when the model fails or says nothing.

Over 400 lines: the template voice and the reply frames it chooses among; the frames (data, each with the round
that showed why) are most of the length.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from typing import Any

from protod.user.persona import Persona, lives_alone
from protod.world import Scenario, UserLine
from protod.text import (
    NEGATORS, TIME_WORD_STEMS, VERB_STEMS, WH_WORDS, accounted, analyse, asked_part, asks_indirectly, asks_open_worry,
    asks_which, content_stems, is_number, names_offer, negation_covers, plain_lower, quantities,
    speaks_for_offer, split_sentences, tokenize,
)
from protod.user.state import UserState
from protod.user.compose import (
    ACK_FRAME, ACK_LEAD, ASKS_WHAT, FILLER, SAYS_ASKED, SAYS_WHY, UNSEEN, compose, doubted_part, echoed, heard_phrase,
    area_as_said, last_question, reply_opener, said_count, as_spoken, upper_first, user_noun,
)


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


def _plain_stems(text: str) -> set[str]:
    """Content stems with an adverb's -ly dropped: "you recently graduated" tells "a recent maths graduate" (round 74:
    "A recent maths graduate, as it happens." to the caller who had just said so)."""
    return {w[:-2] if len(w) > 5 and w.endswith("ly") else w for w in content_stems(tokenize(text))}


# A question about the user, answered by a pack without its own `answers`: a sentence built on the value alone (any
# value phrase fits: "a university student", "in my thirties", "only a bus pass"). A wary user answers curtly.
# (and mostly plain: "since you ask" to every question is a tic, round 34)
# (nor "..., since you ask.": rounds 60-62's callers heard it as a tic in every other call, often where nothing was asked)
_ASKS_WHY = re.compile(r"^(?:(?:so|and|okay|ok|right|well)[, ]+)*(?:why|how come|what(?:'s| has| have| is)? "
                       r"(?:got|made|makes|making|brought|brings|bringing|drawn|drew|led|leads|prompted|pushed|put|"
                       r"attracted) you)\b")  # ("What's making you want to get your Italian going again?", round 97)
def _denying(value: str) -> bool:
    """The trait value denies something ("never tutored before", "no car"); "a spare line doing nothing" has a line
    (round 97: "No, a spare line doing nothing." to "Is there a spare line you could put it on?")."""
    tokens = tokenize(value)
    return bool((NEGATORS - {"nothing"}) & set(tokens)) or tokens[:1] == ("nothing",)


_ANSWER_OPEN = ("{value}.", "Well, {value}.", "{value}, as it happens.")
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
# (nor "Honestly? That's how it works?": three callers in rounds 47-48 heard a machine)
_TOUCHED_ASKS = ("Can I really count on that?", "And that's definitely how it works?", "You're sure about that?")
# ... and after the worry in the user's own words, with no words of the fact to point at: what the caller said, named
# as such ("We're in rural County Mayo. It rains nine days out of ten here. ... You're sure about that?" asked the
# caller to vouch for the user's own claim, round 70)
_WORRY_SAID = frozenset({"voiced", "restated", "confirm"})  # events whose reply says the worry in the user's words
_TOUCHED_ASKS_AFTER = ("So you're saying that's taken care of?", "So that's covered, is it?",
                       # (two were said three times in one call and heard as a machine: round 80)
                       # (not "So would that actually take care of it?" nor "Is that really the whole answer to it?":
                       # round 89's callers heard them ask after a fix no one had offered)
                       # (nor "Does what you just said really cover that?": five callers in rounds 108-109 heard the
                       # user doubt an answer that plainly covered it; nor "Is that what you meant just now?", after
                       # "My week doesn't work like that." in round 110; nor "So that wouldn't be a problem with
                       # you?" and "Are you saying that won't happen with you?", whose plain answer "No, you won't be
                       # without internet" is no yes, round 115)
                       "And you're telling me that's covered?", "So that's sorted, then?")
_TOUCHED_AREA = ("That's actually what I was wondering about: {area}.", "That was on my mind, actually: {area}.")
# A worry the caller answered before it was voiced, brought up again: heard, not yet made sure of (said after the worry)
_CONFIRM_FRAMES = ("You did touch on it, but I'd want to be sure first.", "I heard what you said about it, but I'm "
                   "still not certain.", "Before anything else, I'd want that confirmed.")
_MAX_ECHOED = 2  # facts echoed back in one acknowledgement
# Asked an open question they do not trust the caller enough to answer in full, a user names the part of the offer
# their worry is about (the area's description: "the monthly bill, prices and charges"), and no more.
# A worry settled, said plainly where every line of the pack's says what the caller would not promise
_SETTLED_PLAIN = ("Okay, that covers it for me.", "Right, that deals with that, then.", "Fair enough, that answers it.")


def _denied_stems(text: str) -> set[str]:
    """The content stems the caller's turn denies ("I won't promise it reaches every corner" -> reach, corner)."""
    return {w for x in split_sentences(text) for c in analyse(x).clauses if c.negated
            for w in c.stems if negation_covers(c, {w})}


_NOTED = ("Okay.", "Right, okay.", "Mm, I see.", "Okay, I hear you.")
# Keeping a worry back right after being told how the offer works: not asking to be told it first (round 72: "Right,
# Fibre 500. I don't know you well enough to go into that yet. Tell me how it works first.")
_GUARDED_TOLD = ("That helps a bit, but I'm not ready to go into my side of it yet.",
                 "Okay. I'd still rather not say what's bothering me just yet.")
# A worry left unanswered, said beside another the caller has just drawn out with a question: the caller answered
# nothing to be told it does not answer (round 81: "Shared Wi-Fi is always a mess. ... That doesn't answer my worry at
# all. If it's awkward to get to, ..." to "what would worry you most about it?")
_IGNORED_BESIDE = ("And there's still what I said before.", "That, and what I mentioned earlier.",
                   "And the other thing still stands.")
# Saying no with every worry settled and only trust lacking: the reason is the caller, not the offer (round 71: "No.
# Riding isn't for me. Please don't call again." right after "Three days? That's quicker than I expected.")
_REJECT_UNSURE = ("It all sounds fine on paper, but I don't know you well enough to sign up. It's a no for now.",
                  "I've nothing left to ask, I just don't feel sure enough about you lot. I'll say no for now.")
# ... and declining the ask, not yet a no: not "Nothing in particular", which answers a question nobody asked (round 74:
# "Shall we get you started ...?" got "30 days' notice, okay. Nothing in particular. I just don't feel sure ...")
_UNSURE_ASKED = ("Not just yet. I don't feel sure enough about it.",
                 "Not yet, honestly. I'd want to hear a bit more about how it all works first.",
                 "I'm not quite there yet. Tell me a bit more.")
# (not "..., if you must know": round 35 heard it as the user offered the hint)
# (not "Let's say it's about ...": heard as refusing the question asked, round 47)
# (nor "..., mostly. I'd rather not go into it yet.": it says what it declines to say, round 60's callers, twice: "the
# hours, the crowds and the classes, mostly. I'd rather not go into it yet." The vagueness is the reserve.)
# (nor "Honestly, it's {area} I'd want to be sure about.": an area said as a clause broke it, round 61's "it's the
# patients, and whether they turn up I'd want to be sure about")
# (nor "It's more about {area}, really." / "It's to do with {area}, mostly.": to "How's delivery going for you?" they
# point at nothing said before, round 85: "More about than what?")
_HINTS = ("The main thing for me is {area}.", "Mostly {area}, if I'm honest.", "What I'd think about is {area}.")
_HINTS_AGAIN = ("Like I said, it's about {area}.", "As I said, it's to do with {area}.")
# ... when a worry about that part was settled already: another side of it, not the same one said again (round 70:
# "Like I said, it's about how fast and reliable it is." after "that's my main gripe sorted")
_HINTS_OTHER = ("That part's sorted. It's still {area}, just a different side of it.",
                "It's still {area}, but a different side of it.")
# Asked about a worry they do not hold, an open user turns to the one they do (the worry follows)
_NOT_THAT = ("Not that so much, honestly.", "That's not really it.", "No, that part's fine.")
# The caller put right what the user called them out on (a misspoken figure): taken, said plainly
_CORRECTED = ("Okay, that makes more sense.", "Right, that's more like it.", "Okay, thanks for putting that straight.")
# ... and to a question asking how or what, which no "No" answers ("How is your connection holding up?" got "No,
# that part's fine.", round 31)
_NOT_THAT_OPEN = ("Not that so much, honestly.", "That part's fine, actually.", "That bit's okay, really.")


_OWNED_SLOT = re.compile(r"\b((?:[Mm]y|[Yy]our|[Oo]ur|[Hh]is|[Hh]er|[Tt]heir) )\{(\w+)\}")
_ARTICLE = re.compile(r"^(?:a|an|the) ", re.I)


class _OwnedFormatter(string.Formatter):
    """Formats a line's trait slots; `!o` drops the value's article ("my {car}" -> "my old car")."""

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "o":
            return _ARTICLE.sub("", str(value))
        return super().convert_field(value, conversion)


_OWNED_FORMATTER = _OwnedFormatter()

# "we" said as "I" by a user who lives alone ("That's fine for us." -> "That's fine for me."); not the "we" of the
# caller and the user ("Anyway, where were we?", "shall we get on with it?", "let's")
_WE = re.compile(r"\b(we're|we've|we'd|we'll|we are|we were|we|us|ours|our|ourselves)\b", re.I)
_AS_I = {"we're": "I'm", "we've": "I've", "we'd": "I'd", "we'll": "I'll", "we are": "I am", "we were": "I was",
         "we": "I", "us": "me", "ours": "mine", "our": "my", "ourselves": "myself"}
_WITH_THE_CALLER = frozenset("where what how shall should can could do did are were will would let".split())


def _singular(line: str) -> str:
    def swap(m: re.Match) -> str:
        before = re.findall(r"[\w']+", line[:m.start()])
        if before and before[-1].lower() in _WITH_THE_CALLER:
            return m.group(0)
        word = _AS_I[m.group(1).lower()]
        return word[0].upper() + word[1:] if m.group(1)[0].isupper() else word
    return _WE.sub(swap, line)


class TemplateExpresser:
    def __init__(self, pack: Scenario):
        self.pack = pack
        # The hot path: per line list, the trait names its `when`s read (None: every line neutral, no filtering),
        # and the eligible lines per (list, facts carried, values of those traits), each computed once.
        self._reads: dict[int, tuple[str, ...] | None] = {}
        self._eligible: dict[tuple, list[UserLine]] = {}
        self._words_of: dict[tuple[str, ...], frozenset[str]] = {}
        self._voiced = [field for field in pack.traits if field.voice]  # traits whose values say how the user talks
        self._user_noun = user_noun([field.description for field in pack.traits])  # ("the cleaner": area_as_said)
        # the first-turn answers that do not ask what the call is about, for a caller who said it (never empty: the
        # full list when every line asks)
        lines = pack.user_lines.other_question
        self._told_why = [line for line in lines if not ASKS_WHAT.search(str(line))] or lines
        # the lines for a worry left unanswered that do not say the user asked anything, for a worry the user stated
        # ("You didn't answer what I just asked" to a caller asked nothing, round 32)
        lines = pack.user_lines.ignored
        self._stated_ignored = [line for line in lines if not SAYS_ASKED.search(str(line))] or lines
        # a line about the offer that settles nothing and tells nothing new mid-call: noted, not waved off as small
        # talk ("Mm-hm. Anyway, where were we?" to "that's what the three free days are for", round 35)
        self._noted = [UserLine(text) for text in _NOTED]
        self._settled_plain = [UserLine(text) for text in _SETTLED_PLAIN]
        self._reject_unsure = [UserLine(text) for text in _REJECT_UNSURE]
        self._unsure_asked = [UserLine(text) for text in _UNSURE_ASKED]
        self._guarded_told = [UserLine(text) for text in _GUARDED_TOLD]
        self._ignored_beside = [UserLine(text) for text in _IGNORED_BESIDE]

    def voice(self, persona: Persona) -> str | None:
        """How this persona talks ("brief", "chatty"), from the pack's trait `voice`s; None: no preference."""
        for field in self._voiced:
            found = field.voice.get(persona.traits.get(field.name, ""))
            if found is not None:
                return found
        return None

    def render(self, line: str, persona: Persona) -> str:
        # a trait value that opens the line opens a sentence ("{specialism} needs research." said "legal contracts
        # needs research.", round 65); after a possessive it drops its article ("My {own_car} costs me a fortune"
        # said "My an old dual-control car ...", round 92)
        line = _OWNED_SLOT.sub(lambda m: m.group(1) + "{" + m.group(2) + "!o}", line)
        if lives_alone(persona):
            line = _singular(line)
        return upper_first(_OWNED_FORMATTER.vformat(line, (), persona.traits))

    def pick(self, lines: list[UserLine], persona: Persona, rng: random.Random, facts: tuple[str, ...] = (),
             said: str = "", after: str = "", opens: Callable[[Any], str] | None = None,
             heard_in: str | None = None, values_told: tuple[str, ...] = ()) -> UserLine:
        """One line of `lines` that this persona may say when the event carries `facts`, drawn with `rng`; a line
        not yet in `said` (what the user said earlier in the call) when there is one, and one that does not open with
        the word `after` (the part just before it in this reply) opens with ("Alright, ... Alright, ..."); `opens`
        reads a line's first word when only part of it will be said. With `heard_in` (the caller's turn), a line that
        cites a fact says back only amounts the caller said, when such a line fits."""
        list_id = id(lines)  # one of the pack's own lists: they live as long as this expresser
        reads = self._reads.get(list_id, UNSEEN)
        if reads is UNSEEN:
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
                accounted(q, told) or said_count(q, told) for q in quantities(tokens[id(line)]))]
            if faithful:
                eligible = faithful
            unsaid = [len(self._fact_words(line.facts).intersection(content_stems(tokens[id(line)])) - told_words)
                      for line in eligible]
            eligible = [line for line, n in zip(eligible, unsaid) if n == min(unsaid)]
        if said and len(eligible) > 1:
            fresh = [line for line in eligible if self.render(line, persona) not in said]
            if fresh:
                eligible = fresh
        if values_told and len(eligible) > 1:
            # not a trait value the caller has said to them, told back as news ("I'm a freelance software developer.
            # Some months ..." after "I understand you freelance as a software developer", round 72)
            fresh = [line for line in eligible if not any(v in self.render(line, persona).lower() for v in values_told)]
            if fresh:
                eligible = fresh
        if after and len(eligible) > 1:
            opener = reply_opener(after)
            varied = [line for line in eligible if (opens or reply_opener)(line) != opener]
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

    def _names_step(self, agent_text: str) -> bool:
        """The caller's turn names the step they ask for in the pack's closing words ("sign the agreement")."""
        lowered = f" {plain_lower(agent_text)} "
        return any(f" {cue.lower()}" in lowered for cue in self.pack.lexicon.closing_cues)

    def _asked_next_step(self, persona: Persona, said: str) -> bool:
        """The user has already asked this caller what the next step is (a `ready` line, or its question)."""
        lines = self.pack.user_lines
        return bool(said) and any(last_question(self.render(line, persona)) in said
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
                out.append(self.render(self.pick(field.answers, persona, rng, (), said), persona))
            else:
                plain.append(persona.traits[name])
                marks_of.append((self._marks(field, persona.traits[name]),
                                 _plain_stems(persona.traits[name])))
        if plain:
            spoken = [as_spoken(v) for v in plain]
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
            if not questions:
                # ... and a question put as a wish to hear asks for the value when it asks what or how ("first I'd
                # like to hear what your experience with the other app was like": round 46, "Yes, that's right:
                # I've ridden for a rival app.")
                questions = [tokenize(asked_part(q)) for q in split_sentences(asked) if asks_indirectly(q)]
                yes_no = [q for q in questions if not WH_WORDS & set(q)]
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
            denies = all(_denying(v) for v in plain)
            answered_no = known and bool(yes_no) and denies and not asked_negated
            known = known and all(_denying(v) <= asked_negated for v in plain)
            # ... and a value the caller's own statement told ("I saw you've worked in a care home before. ... I'd love
            # to hear whether you'd ever go back into care work." was answered "I've worked in a care home before.",
            # round 70: an echo, not an answer) is confirmed, unless a question asks how or what of it ("You've been at
            # this a long time with agencies, so I'm curious: how is that working for you?")
            told = bool(marks_of) and len(yes_no) == len(questions) and all(
                full and full <= _plain_stems(asked) for _, full in marks_of)
            known = known or (told and not denies)
            # A value the caller's statements already said, beside a question that asks what or how of something else
            # ("I know you already work with a few agencies and another platform. What would a new platform have to get
            # right for you to bother with it?" got "I'm still on another platform, as it happens.", round 72): the
            # caller knows it and did not ask it; the rest of the reply answers the question.
            stated = {w for x in split_sentences(asked) if not x.rstrip().endswith("?") for w in _plain_stems(x)}
            if questions and len(yes_no) < len(questions) and all(
                    (marks and marks <= stated) or (full and full <= stated) for marks, full in marks_of):
                return out
            # ... nor a question asking why of a value it names ("What's got you wanting to pick Italian back up?":
            # round 90's "Italian, as it happens.")
            why = [q for x in split_sentences(asked) if x.rstrip().endswith("?")
                   for q in [asked_part(x)] if _ASKS_WHY.match(plain_lower(q))]
            in_why = {w for q in why for w in _plain_stems(q)}
            if why and all((marks and marks <= in_why) or (full and full <= in_why) for marks, full in marks_of):
                return out
            frames = (_CONFIRM_WARY if wary else _CONFIRM_OPEN) if known else _ANSWER_WARY if wary else _ANSWER_OPEN
            if answered_no:
                frames = _ANSWER_NO
            if not known and all(v.lower() in said.lower() for v in plain):
                frames = _ANSWER_AGAIN  # told already: not news "since you ask" (round 21)
            fresh = [f for f in frames if max(f.split("{value}"), key=len).strip(" .,:") not in said
                     or f == "{value}."] or list(frames)
            out.append(upper_first(rng.choice(fresh).replace("{value}", value)))
        return out

    def express(self, events: tuple[tuple[str, ...], ...], persona: Persona, rng: random.Random,
                state: UserState | None = None, history: tuple = (), agent_text: str = "") -> str:
        """The reply to one agent turn. `state` (after the turn) tells how far the call is and how wary the user is,
        `history` what the user already said (a line not yet said is preferred), `agent_text` the words a fact was
        heard in. Without them the reply is that of a first turn."""
        pack = self.pack
        said = " ".join(m.text for m in history if m.role == "user") if history else ""
        values_told: tuple[str, ...] = ()
        if any(e[0] in _WORRY_SAID for e in events):  # (only a worry's lines carry profile values: not every reply)
            caller = set(content_stems(tokenize(" ".join([*(m.text for m in history if m.role == "agent"), agent_text]))))
            values_told = tuple(str(v).lower() for v in persona.traits.values()
                                if isinstance(v, str) and (stems := set(content_stems(tokenize(v)))) and stems <= caller)
        opening = state is None or state.turn <= 1
        wary = state is not None and state.trust < pack.dynamics.voice_trust_min
        parts: list[str] = []
        settled_now = any(e[0] == "resolved" for e in events)  # a worry settled this turn
        # ready again, having asked for the next step already: they invite the ask rather than ask again
        waiting = not settled_now and any(e[0] == "ready" for e in events) and self._asked_next_step(persona, said)
        composed = compose(events, waiting)
        if len(composed) == 1 and composed[0][0] == "acknowledge" and any(e[0] == "other_question" for e in events) \
                and not any(heard_phrase(pack, f, agent_text) for f in composed[0][1:1 + _MAX_ECHOED]):
            # A fact acknowledged without the caller's words for it ("Okay, noted.") does not answer their question:
            # the question is answered instead ("..., we do online booking. Do you have a minute?" -> "Sure, go on.").
            composed = [("other_question",)]
        answered_at: list[int] = []  # the parts answering a question about the user, and the values they say
        answered_values: list[str] = []
        for at, event in enumerate(composed):
            kind = event[0]
            if kind == "answered":  # compose keeps one: every question about the user is answered there
                # (not a value this reply has said already: "I'm out of contract for over a year ... Out of contract for
                # over a year, since you ask." in round 29)
                saying = " ".join(parts).lower()
                asked = [e[1] for e in events if e[0] == "answered"
                         and str(persona.traits.get(e[1], "")).lower() not in saying]
                if any(e[0] not in ("answered", "acknowledge") and e[0] not in FILLER for e in composed):
                    # nor, beside the rest of the reply, a value told before: "Is there a reason you've stayed away
                    # from delivery apps?" is not answered "Like I said, walk-ins and phone orders only." (round 34)
                    asked = [t for t in asked if str(persona.traits.get(t, "")).lower() not in said.lower()]
                answers = self.answer(asked, persona, rng, wary, said, agent_text)
                answered_at = list(range(len(parts), len(parts) + len(answers)))
                answered_values = [str(persona.traits.get(t, "")).lower() for t in asked]
                parts.extend(answers)
                continue
            if kind == "corrected":
                parts.append(rng.choice(_CORRECTED))
                continue
            if kind == "not_that":
                questions = [tokenize(q) for q in split_sentences(agent_text) if q.rstrip().endswith("?")]
                parts.append(rng.choice(_NOT_THAT_OPEN if questions and asks_which(questions[-1]) else _NOT_THAT))
                continue
            if kind == "hinted":
                area = area_as_said(pack.area_of(event[1]).description, self._user_noun)
                frames = _HINTS_AGAIN if area in said else _HINTS
                same_part = [c.id for c in pack.concerns if c.area == pack.concern_by_id[event[1]].area]
                if area in said and state is not None and any(
                        status == "resolved" and cid != event[1] and cid in same_part for cid, status in state.concerns):
                    frames = _HINTS_OTHER  # not the worry of that part already settled: another one of it
                parts.append(upper_first(rng.choice(frames).format(area=area)))
                continue
            if kind == "resolved":  # ("resolved", concern id, fact id)
                lines = pack.concern_by_id[event[1]].resolved_lines
                # not what the caller has just said they will not promise: "I won't promise it reaches every corner
                # of a two-bed" got "Okay, if the signal reaches every room, that's sorted." (round 111)
                denied = _denied_stems(agent_text)
                if denied:
                    kept = [line for line in lines if NEGATORS.intersection(tokenize(line.text))
                            or not denied.intersection(content_stems(tokenize(line.text)))]
                    lines = kept if any(line.neutral for line in kept) else kept + self._settled_plain
            elif kind in _WORRY_SAID:  # ("voiced", concern id[, fact id that touched it])
                lines = pack.concern_by_id[event[1]].reveal_lines
            elif kind == "small_talk" and not opening and any(speaks_for_offer(x) for x in split_sentences(agent_text)):
                lines = self._noted
            elif kind == "small_talk" and not opening:
                lines = pack.user_lines.small_talk_later  # mid-call courtesy does not ask what the call is about
            elif kind == "other_question" and not opening:
                lines = pack.user_lines.other_question_later  # "Go on." answers "Got a minute?", not "When suits you?"
            elif kind == "other_question" and (SAYS_WHY.search(agent_text) or _NAMED_WITH_WHAT.search(agent_text)
                                               or any(names_offer(x) for x in split_sentences(agent_text))):
                lines = self._told_why  # "... calling to see whether you'd come back - got a minute?" "Okay, what's it
                # about?" (round 23, twice); nor after "We do online booking and reminders for small clinics." or
                # "We're looking for maths tutors." (round 65, three calls of four)
            elif kind == "ignored" and any(e[0] == "voiced" for e in events):
                lines = self._ignored_beside
            elif kind == "ignored" and "?" not in next((m.text for m in reversed(history) if m.role == "user"), "?"):
                lines = self._stated_ignored
            elif kind == "ready" and waiting:
                lines = pack.user_lines.ready_waiting  # not "What would I need to do?" again, once it was answered
            elif kind == "ready" and not settled_now:
                lines = pack.user_lines.ready_again  # nothing was answered this turn: not "that answers it for me"
            elif kind == "guarded" and state is not None and any(s.value != "hidden" for _, s in state.concerns):
                lines = pack.user_lines.guarded_later  # they have opened up already: not "someone I've only just met"
            elif kind == "guarded" and any(e[0] == "acknowledge" for e in events):
                lines = self._guarded_told  # just told how it works: not "Tell me how it works first" (round 72)
            elif kind == "unsure" and any(e[0] == "refused_ask" for e in events):
                lines = self._unsure_asked
            elif kind == "reject" and any(e[0] == "unsure" for e in events):
                lines = self._reject_unsure  # every worry settled, only trust short: not "Riding isn't for me."
            else:
                lines = getattr(pack.user_lines, _GENERIC[kind])
            if kind == "refused_ask" and opening:
                # (nothing has been said yet to doubt "still": "Not so fast. I've still got doubts." to the call's
                # first line, round 100)
                lines = [x for x in lines if not re.search(r"\bstill\b", str(x), re.I)] or lines
            facts = event[2:] if kind == "resolved" else ()
            # The resolved line has just said they are satisfied: only the ready line's question about the next step
            # follows (round 17: "Alright, that sounds fair on the gear. Good, that's what I needed to hear. Where
            # do we go from here?").
            asked_only = kind == "ready" and settled_now
            line = self.pick(lines, persona, rng, facts, said, parts[-1] if parts else "",
                             (lambda x: reply_opener(last_question(str(x)))) if asked_only else None,
                             agent_text if kind == "resolved" and agent_text else None,
                             values_told=values_told if kind in _WORRY_SAID else ())
            text = self.render(line, persona)
            if kind == "restated" and said and text in said:
                # Every line of the worry said already: not the same words again ("I'd pay and then not go. That's
                # what happened last time." twice running, round 47), but where it lies.
                area = area_as_said(pack.area_of(event[1]).description, self._user_noun)
                text = upper_first(rng.choice(_HINTS_AGAIN).format(area=area))
            if asked_only:
                text = last_question(text)
            if kind == "accept" and (self._asked_next_step(persona, said) or self._names_step(agent_text)):
                # The caller has said what the next step is: "Fine, count me in." without "What do you need from me?"
                # (round 102: asked right after "Will you sign the agreement and send me that crop list?")
                told = [x for x in split_sentences(text) if not x.rstrip().endswith("?")]
                text = " ".join(told) or text
            if kind in ("false_claim", "unsupported_claim", "doubt") and agent_text:
                # which of the caller's words are doubted: round 26's callers could not tell ("which part sounds
                # wrong to you?" got "Not much to tell, honestly. Go on.")
                part = doubted_part(pack, event[1:], agent_text)
                if part:
                    text = f'"{part}"? {text}'
            if kind == "resolved" and len(event) > 2 and agent_text and not heard_phrase(pack, event[2], agent_text):
                # settled by what the caller said in an earlier turn: they say which ("Alright, that sounds better
                # than the scrum I remember." to a question that said nothing of it, round 94)
                earlier = next((h for m in reversed(history) if m.role == "agent"
                                for h in [heard_phrase(pack, event[2], m.text)] if h), "")
                if earlier:
                    text = f"{upper_first(earlier)}, you said. {text}"  # (a cue is a phrase: "other 12p", round 95)
            if kind == "confirm":  # answered before they raised it: they heard it, and want it made sure
                text = text + " " + rng.choice(_CONFIRM_FRAMES)  # after the worry: "that" is the worry, not the
                # fact acknowledged before it (round 27: "Okay, three working days. Before anything else, I'd want
                # that confirmed. If it's awkward to get to, ..." was answered "Yes, the three free days are confirmed")
            if kind == "voiced" and len(event) > 2:  # touched by the fact just said: wants it confirmed
                heard = heard_phrase(pack, event[2], agent_text, about=event[1])
                if not heard and settled_now and not agent_text.rstrip().endswith("?"):
                    # "I can fit that in around my hours. That's close to what's been on my mind. Is that definitely
                    # the case for me?" (round 22) doubts what it just accepted: without the words of the fact that
                    # touched it, the second worry waits (it is voiced, and an open question brings it back)...
                    # unless the caller has just asked about it ("... you get a certificate stating your CEFR level.
                    # Would something official like that be useful for you?" got only the class size settled, round
                    # 110: the question went unanswered)
                    continue
                asks = [a for a in _TOUCHED_ASKS if a not in said] or list(_TOUCHED_ASKS)  # not the same ask twice
                if heard:
                    # a frame not yet said in this call (round 17: the same one twice, word for word)
                    frames = [f for f in _TOUCHED_FRAMES if f.split("? ", 1)[1] not in said] or list(_TOUCHED_FRAMES)
                    text = upper_first(rng.choice(frames).format(heard=heard)) + " " + rng.choice(asks)
                elif not (state is not None and state.turn <= 1) and any(
                        not x.rstrip().endswith("?") for x in split_sentences(agent_text)):
                    # (not on the call's first turn, where what touched it was the caller saying who they are: "How
                    # do I know this isn't one of those fraud calls? And you're telling me that's covered?", round 111)
                    # else the worry in the user's words: "That's partly what I wanted to ask about. And that would
                    # hold for me too?" names nothing the caller can tell they said (round 23, to "what would be your
                    # biggest hesitation?"); after a statement, then whether what the caller just told them holds, not
                    # the worry alone as if nothing had answered it (round 40: "Honestly, it's the faff. Ringing the
                    # old lot to cancel, ..." right after "we tell your old provider and handle the changeover")
                    after = [a for a in _TOUCHED_ASKS_AFTER if a not in said] or list(_TOUCHED_ASKS_AFTER)
                    # (the worry's own question goes: the caller has just answered it, round 89: "Every cheap deal
                    # I've had doubled ... What happens to your price after a year? Does what you just said really
                    # cover that?" right after "the £29 is fixed for the full 18 months")
                    told = [x for x in split_sentences(text) if not x.rstrip().endswith("?")]
                    if told and agent_text.rstrip().endswith("?") and asks_open_worry(split_sentences(agent_text)[-1]):
                        # asked what worries them, the user says it, without asking whether what the caller said
                        # before the question covers it ("These sites all want a slice of every wedding. ... And
                        # you're telling me that's covered?" to "What would be your main worry ...?", round 116)
                        text = " ".join(told)
                    else:
                        if not told:
                            # a worry said only as questions is the questions the caller has just answered: the part
                            # of the offer it is about, then the ask ("What happens after the year? Do staff have to
                            # hand it back? So you're saying that's taken care of?" right after the 3% ownership fee,
                            # round 114)
                            told = [rng.choice(_TOUCHED_AREA).format(area=area_as_said(
                                pack.area_of(event[1]).description, self._user_noun))]
                        text = " ".join(told) + " " + rng.choice(after)
            if kind == "ignored":  # "You skipped my question." and the question again, so the caller knows which
                worry = self.render(self.pick(pack.concern_by_id[event[1]].reveal_lines, persona, rng, (), said),
                                    persona)
                if said and worry in said:
                    # every line of it said: where it lies, not the same words again (round 61: "That doesn't really
                    # answer my worry. It was always packed after work. ..." twice in three turns)
                    worry = upper_first(rng.choice(_HINTS_AGAIN).format(
                        area=area_as_said(pack.area_of(event[1]).description, self._user_noun)))
                text += " " + worry
            if kind == "acknowledge":
                # not a phrase said back before in this call (round 23: "No minimum workload, right." and two turns
                # later "Right, no minimum workload. Right. Good to know.")
                heard = [h for h in (heard_phrase(pack, f, agent_text) for f in event[1:1 + _MAX_ECHOED])
                         if h and h.lower() not in said.lower()]
                if heard and echoed(pack, history):
                    heard = []
                if not heard and (parts or at < len(composed) - 1):
                    continue  # "Good to know, I suppose." adds nothing beside a worry or a complaint, and contradicts one
                if heard and at < len(composed) - 1:
                    # one thing said back before the rest, not a list ("Five-day induction and experienced carer,
                    # right. Agencies promise ...", round 76: a keyword echo)
                    text = upper_first(rng.choice(ACK_LEAD).format(heard=heard[0]))
                elif heard:
                    frames = [f for f in ACK_FRAME if reply_opener(f) != reply_opener(text)] or list(ACK_FRAME)
                    text = upper_first(rng.choice(frames).format(heard=" and ".join(heard))) + " " + text
            parts.append(text)
        if answered_at and answered_values and all(answered_values):
            # ... nor an answer a later part of the reply gives in full: "How do you get around?" got "A petrol scooter.
            # Right now I'm getting around with a petrol scooter. Riding all day would mean costs I can't cover." (round
            # 40: the restated worry says the value)
            rest = " ".join(x for k, x in enumerate(parts) if k not in answered_at).lower()
            if all(v in rest for v in answered_values):
                parts = [x for k, x in enumerate(parts) if k not in answered_at]
        if not parts:  # a turn with nothing the user can react to ("Do you have a minute?")
            parts.append(self.render(self.pick(pack.user_lines.acknowledge, persona, rng, (), said), persona))
        return " ".join(_once_each_opener(parts))


# A company named with what it is: "Sam from Minster Linen Services, the commercial laundry in York", "a partner
# manager at FeastFleet, the food delivery platform" (round 67: "Sure, what is it?" twice)
_NAMED_WITH_WHAT = re.compile(r"\b(?:from|at|with) [A-Z][\w'&-]*(?: [A-Z][\w'&-]*)*, (?:the|a|an) [a-z]")


# Words a spoken part opens on that a person says once a reply ("Well, school hours only. ... Well, I'm ready when you
# are.", round 66)
_OPENERS = frozenset("well okay ok right alright so look honestly fine".split())
_OPENER = re.compile(r"(\w+)[,.!]?(?:\s+|$)")
_CLOSER = re.compile(r",\s*(\w+)[.!]$")


def _once_each_opener(parts: list[str]) -> list[str]:
    """The parts with an opener word ("Well, ...") a part before already opened on left off the later part."""
    used: set[str] = set()
    out: list[str] = []
    for text in parts:
        found = _OPENER.match(text)
        word = found.group(1).lower() if found else ""
        if word in _OPENERS and word in used:
            text = upper_first(text[found.end():])
            if not text:
                continue  # "Okay." said already
        elif word in _OPENERS:
            used.add(word)
        # ... or closed on ("Flex membership, okay. Okay. I'd still rather not say ...", round 90)
        closing = _CLOSER.search(text)
        if closing and closing.group(1).lower() in _OPENERS:
            used.add(closing.group(1).lower())
        out.append(text)
    return out or parts


# ---------------------------------------------------------------------------------------------------------------
# LLM expression

DIRECTIVES = {
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
    "corrected": "Say the caller has now put right what you called them out on earlier, and you accept it.",
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
LATER_SMALL_TALK = "Reply politely and briefly; the call is already under way, so let them go on."
LATER_QUESTION = "Answer their question briefly and vaguely; you are not sure what they are getting at."
# When the event carries the fact behind it, the directive names it: the reply may react to that, and only that.
FACT_DIRECTIVES = {
    "voiced": "What the caller just said ({fact}) touches a worry of yours ({concern}): say it is what you wanted to "
              "ask about and ask them to confirm it really works that way for you. Do not speak as if they had not "
              "answered it.",
    "resolved": "Say that the caller's answer settles this worry of yours: {concern}. What settled it, and the only "
                "thing they said that you may refer to: {fact}",
}

"""Perception: what an agent turn *did* (probe, answer, pitch, pressure, false claim, nonsense, ...), read from its text.

The rule perceiver reads meaning with light English grammar (protod.text: sentences, questions,
well-formedness, clauses, negation, amounts) and uses the pack's cues only as anchors; see `RulePerceiver`. It is a
pure function of (pack, text) and therefore cached. Text that speaks for the system or the user ("SYSTEM: the user
accepts", a fake state block) is removed first (protod.text.sanitize): only what the agent says *to the user* can
move the user.

What a statement claims of the pack's facts is read by `protod.user.fact_claims`; the LLM perceiver (a judge model
asked for the same acts as JSON, with the rules as its fallback) is `protod.user.llm_perceive`.

Over 400 lines: one class, the rule perceiver; its probe reading and its turn reading share the pack's cue
index and trait words (what a statement claims of the facts is protod.user.fact_claims).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Sequence


from protod.world import Scenario
from protod.text import (
    ADDRESSED, AUXILIARIES, FUNCTION_WORDS, WH_WORDS, INTERJECTIONS, NEGATORS, TIME_WORD_STEMS, VERB_STEMS, Clause,
    Sentence,
    analyse, asked_part, asks_consent, asks_for_time, asks_how_it_goes, asks_how_things_stand, asks_indirectly, asks_open_worry,
    asks_which,
    hedges_claim, is_number, leaves_choice_open, unclefted, caller_wishes, calms, checks_about_user, contains_phrase,
    acknowledges, content_stems, courtesy_only, joined, names_offer, open_worry_words, opens_condition, phrase_stems,
    polite_only, says_yes,
    spoken_sentences, without_users_past, asks_if_it_suits, EXAMPLE_LEADS,
    SUBJECT_PRONOUNS, speaks_for_offer, states_purpose, stem, threatens_loss, tokenize, urges_decision,
)
from protod.text import normalise  # noqa: F401  (moved to protod.text; this path re-exports it one release)
from protod.user.fact_claims import FactModel, FactReader
from protod.user.fact_model import UNIT_STEMS
from protod.user.state import Perception


def _phrases(cues: list[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(p for p in (phrase_stems(c) for c in cues) if p)


def _has_any(stems: tuple[str, ...], phrases: tuple[tuple[str, ...], ...]) -> bool:
    text = joined(stems)
    return any(joined(p) in text for p in phrases)


_EMBEDDING = frozenset("curious wonder wondering wondered ask asking asked know tell sure idea about".split())


def _asking_wh(tokens: tuple[str, ...]) -> set[str]:
    """The question words (`_WH`) that ask: opening the part ("Where do you work?"), inverted before an auxiliary, or
    after a word that embeds a question ("I'm curious where you usually work from"); not one that opens a subordinate
    clause ("When you need to see clients, where do you meet them?" asks where, not when: round 44 heard "Normal
    office hours."); "what hours", "which days" ask when."""
    out = set()
    for i, t in enumerate(tokens):
        if t in _WH:
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if nxt in AUXILIARIES or (i > 0 and tokens[i - 1] in _EMBEDDING) or (i == 0 and nxt not in _SUBJECT_PRONOUNS):
                out.add(t)
        elif t in ("what", "which") and _TIMES.intersection(tokens[i + 1:i + 4]):
            out.add("when")  # "What sort of hours would you be looking for?" asks when (round 47: not answered)
    if _ASKS_WHY.search(" ".join(tokens)):
        out.add("why")
    return out


_TIMES = frozenset("hours days times evenings shifts".split())


_SUBJECT_PRONOUNS = SUBJECT_PRONOUNS | {"there"}
_PARTICLES = frozenset("around about up out off over along through away back down".split())
_MOVING = frozenset("get gets getting got go goes going went move moving travel travelling traveling".split())


_SAID_BEFORE = frozenset(("that", "this", "it"))


def _loose_particles_out(tokens: tuple[str, ...]) -> tuple[str, ...]:
    # ... and the verb of what the caller said ("Does that work for you?" asks whether the offer suits, not what the
    # user does for work: round 74, "Well, in-house with freelance work on the side.")
    return tuple(t for i, t in enumerate(tokens) if (t not in _PARTICLES or (i and tokens[i - 1] in _MOVING))
                 and not (i > 1 and tokens[i - 1] in _SAID_BEFORE and tokens[i - 2] in AUXILIARIES))


def _asks_anew(tokens: tuple[str, ...]) -> bool:
    """A part of a question that is a question of its own ("..., and what do you do for work?"), not examples of the
    part before it ("..., money-wise or in how you'd have to work day to day?")."""
    while tokens and tokens[0] in ("and", "but", "so", "also", "then", "or"):
        tokens = tokens[1:]
    return bool(tokens) and tokens[0] in WH_WORDS | AUXILIARIES


_QUANTITY = frozenset("many much long often old far big".split())

# A question for the user's view of something ("how would you feel about riding in the evenings?", "what did you
# think of the carers' visits?") asks their opinion, not a fact of their situation: it asks only a trait that is
# itself a view ("How the person feels about doing care work"). Round 46: "Well, evenings and weekends, as it
# happens." and "Well, no car and uses buses, as it happens." ("Have you ever thought about tutoring?" and "How have
# you found the tutoring?" still ask about the user's own situation.)
_ATTITUDE = re.compile(r"\b(?:feel|feels|felt|feeling)\s+(?:about|when|if|with|towards?)\b"
                       r"|\bwhat\s+(?:do|did|would|does)\s+(?:you|they)\s+(?:\w+\s+)?(?:think|make)\s+(?:of|about)\b"
                       r"|\b(?:views?|opinions?|thoughts)\s+(?:on|of|about)\b")
_VIEW_STEMS = frozenset(stem(w) for w in "feel feels think thinks view views sees opinion attitude".split())


def _measure(tokens: Sequence[str], opening: bool = False) -> str | None:
    """"how many" (and "how much", "how long", ...) where the words ask for a quantity, "how" / "what" / ... for
    another question word, None for none (a description that opens with no question word: no constraint). With
    `opening`, only the first word counts (a description's "How many locations the owner runs")."""
    toks = list(tokens)
    for i, t in enumerate(toks[:1] if opening else toks):
        if t == "how":
            nxt = toks[i + 1] if i + 1 < len(toks) else ""
            return f"how {nxt}" if nxt in _QUANTITY else "other"
        if t in ("what", "which", "where", "who", "when", "whether"):
            return "other"
    return None


# Words that say "now" (`asked_traits`: a description's own "now" is echoed by "at the moment", round 108)
_NOW = re.compile(r"\b(?:at the moment|currently|right now|these days|nowadays|at present|now|today)\b")
_NOW_STEMS = frozenset(stem(w) for w in "now today current currently".split())


def _infinitive(tokens: Sequence[str]) -> bool:
    """A verb said after "to" ("a yes to switch your collections"): a verbless request, not a keyword list."""
    return any(a == "to" and b not in FUNCTION_WORDS and not is_number(b)
               and (stem(b) in VERB_STEMS or c in _OBJECT_OPENERS)
               for a, b, c in zip(tokens, tokens[1:], (*tokens[2:], "")))


_OBJECT_OPENERS = frozenset("your the a an our my their his her it them us you me this that".split())


# "Who are you with at the moment?" asks which firm serves them (round 109: "Well, a family with two teenagers.")
_WHO_WITH = re.compile(r"\bwho (?:are you|you are|is it you are) (?:currently |now |still )?with\b")
_SUPPLIER = frozenset(stem(w) for w in "provider supplier company firm insurer".split())
_ONE_OF_THOSE = re.compile(r"\b(?:have|has|got|own|use|access to|run|drive|keep)(?: [\w']+){0,2}? (?:one|ones|any|them|"
                           r"it)\b")
_DEFERS_ASK = re.compile(r"\b(?:but|though|although)[,\s]+(?:first|before (?:that|we do(?: that)?|i do(?: that)?|"
                         r"we get (?:to|into) (?:that|it)|anything else))\b[\s,:;\u2013\u2014-]*", re.I)
_PARTS = re.compile(r"\s*[,;:]\s*|\s+[\u2013\u2014-]\s+|\s+(?:and|but|so)\s+")
_NAME_ONLY = frozenset(stem(w) for w in "count type style status level size kind".split())
_WH = frozenset(("where", "when", "who", "why"))  # (how and what open most descriptions)
# Asking why in other words ("What made you want to learn it?", "What are you hoping to get out of it?", "What's got
# you thinking about selling?"): asks the trait a "Why ..." description names (round 108: "It depends. What are you
# getting at?")
_ASKS_WHY = re.compile(r"\bwhat(?:'s| is| has| had)? (?:made|makes|got|gets|brought|brings|drew|draws|drawing|led|leads|"
                       r"prompted|attracts|attracted|attracting)"
                       r" (?:you|them)\b|\bwhat(?:'s| is| was) (?:the|your) (?:main |real |big )?(?:reason|goal|aim)\b|"
                       r"\b(?:hoping|hope|want|wanting|looking|expecting) to get out of\b|"
                       r"\bwhat (?:are|were|would) you (?:hoping|wanting) (?:for|from)\b")
# Verbs that say little of what a question is about ("have you got", "do you make", "how's it going")
_LIGHT_VERBS = frozenset(stem(v) for v in "get got gotten have had do doing done make made take took go going went come "
                         "give put let keep see say find think know want like need feel look".split())
# Stems of the words that only say when ("right now", "today", "this week", "at once"): see `_pushes`.
_WHEN = frozenset(stem(w) for w in "right now today tonight immediately straight away at once this week minute moment "
                  "call asap tomorrow soon".split())
# Words that judge rather than name a topic: a cue made of them alone yields to a topic cue in the same question.
_JUDGING = frozenset(stem(w) for w in "problem problems issue issues trouble worry worries concern concerns difficulty "
                     "difficulties".split())
# An approving word said on its own before the sentence goes on ("Great, so ...", "Wonderful!", "Perfect - ..."); and
# the approving words an interjection may be besides INTERJECTIONS
_INTERJECTED = re.compile(r"^\W*[\w']+\s*(?:[,.!;:]|\s[\u2013\u2014-]\s)")
_APPROVING = frozenset("wonderful fantastic amazing lovely excellent super awesome cool".split())
# A statement asks to close only as a proposal: "Let's get you signed up", "I can sign you up today".
_ASK_OPENERS = frozenset("let please i we so then great okay ok alright shall why".split())


def _cue_spans(stems: tuple[str, ...], index: tuple) -> list[tuple[int, tuple[str, str]]]:
    """(position, owner) of every cue phrase found in `stems` (repeats included), longest first, a token used by one
    phrase only."""
    used = [False] * len(stems)
    spans: list[tuple[int, tuple[str, str]]] = []
    text = joined(stems)
    for phrase, owner in index:
        if joined(phrase) not in text:
            continue
        n = len(phrase)
        for i in range(len(stems) - n + 1):
            if stems[i] == phrase[0] and stems[i:i + n] == phrase and not any(used[i:i + n]):
                used[i:i + n] = [True] * n
                spans.append((i, owner))
    return spans


def _cue_owners(stems: tuple[str, ...], index: tuple) -> list[tuple[str, str]]:
    """Owner of every cue phrase found in `stems` (see `_cue_spans`)."""
    return [owner for _, owner in _cue_spans(stems, index)]


# Words and marks that join the things a question asks about: "the pay, the hours or the travel?". A question without
# any asks about one thing, whatever else it names on the way.
_EXAMPLES_AFTER = re.compile(r",\s*(?:" + "|".join(" ".join(w) for w in sorted(EXAMPLE_LEADS)) + r"|e\.g\.)\s")
_LIST_ITEM_BREAK = re.compile(r",\s*(?:or\s+|and\s+)?|\s+(?:or|and)\s+")
_APOLOGY_WORDS = frozenset("ah oh sorry my mistake bad apologies apology pardon".split())
_WITH_US = frozenset((("with", "us"), ("for", "us")))
_COORDINATED = re.compile(r",|/|\b(?:or|and|nor|plus|either)\b")


# A lead that sets a worry aside before the question: what it names is not what is asked.
_SETS_ASIDE = re.compile(r"^\W*(?:(?:so|and|but|okay|ok|well|right|now)\W+)?"
                         r"(?:if (?:it'?s not|it is not|that'?s not|that is not|it isn'?t|that isn'?t)\b|if not\b|"
                         r"apart from\b|other than\b|besides\b|aside from\b|(?:setting|leaving|putting) aside\b)", re.I)


def _owned(tokens: tuple[str, ...]) -> set[str]:
    """The content words of "your ..." phrases: up to three content words after "your"."""
    out: set[str] = set()
    for i, t in enumerate(tokens):
        if t == "your":
            for w in tokens[i + 1:i + 4]:
                stems = content_stems((w,))
                if not stems:
                    break
                out.update(stems)
    return out


def _lists_words(text: str) -> bool:
    """A part of the verbless sentence (between commas) is words without grammar: "Commission, fifteen percent, no
    monthly fee.", "Occupancy 65%, June to August 90%." list cues, where "No joining fee, no deposit." and "165 a
    month, no contract beyond the 30 days' notice." say something (a determiner or a preposition in every part)."""
    parts = [tokens for part in re.split(r"[,;:]", text) if (tokens := tokenize(part))]
    # ... and one that opens on a content word ("hours €17 an hour 100% of every tip.": cues run together) where
    # spoken fragments open on a number, a determiner, a negator or a preposition ("Thirty minutes minimum for every
    # visit.", "No contract beyond ..."); only the first part: later ones continue a list ("No joining fee, no
    # deposit, month to month with 30 days' notice.", round 63: nonsense, and the call lost)
    first = parts[0] if parts else ()
    return bool(first and content_stems(first[:1]) and not is_number(first[0])) or any(
        len(content_stems(tokens)) == len(tokens) for tokens in parts)


# (and "which is a great place to start" of the user's level, round 92)
_APPRAISED = frozenset("start news idea thing move step sign one place way point position choice".split())
_INTENSIFIERS = frozenset("really such so very quite".split())


def _appraises(tokens: tuple[str, ...]) -> bool:
    """The clause only appraises what came before: "which is a great start", "that's great" (not "it's a win-win")."""
    return (len(tokens) <= 8 and tokens[:1] in (("which",), ("that",), ("this",))
            and tokens[1:2] in (("is",), ("was",), ("sounds",), ("seems",))
            # (one word of praise, the rest small words)
            and sum(1 for t in tokens[2:] if not (t in FUNCTION_WORDS or t in _APPRAISED or t in _INTENSIFIERS)) <= 1)


# Praise of what the user has, as it is: "I've heard great things about your noodles", "your reviews are amazing",
# "I love your menu" (round 90: "Sounds like a brochure." to the call's first line). Not what the offer would do for
# it ("It's a great opportunity for someone with your experience", "a real investment in your shop").
_PRAISES_USERS = re.compile(r"\bthings (?:about|of) your\b|^(?:and )?your (?:[\w-]+ ){1,3}(?:is|are|was|were|look|looks|"
                            r"sound|sounds|seem|seems)(?: really| so| very| just| absolutely)? [\w-]+$|"
                            r"\b(?:i|we) (?:really )?(?:love|loved|like|liked) your\b")
_WE = frozenset("we our us ours".split())


def _praises_users(tokens: tuple[str, ...]) -> bool:
    """The clause praises what the user has (`_PRAISES_USERS`)."""
    return bool(_PRAISES_USERS.search(" ".join(tokens)))


# A verbless statement opening on one of these denies something ("No fixed hours at all.", "Not a penny.").
_DENIALS = frozenset("no not never zero none".split())


# Words that point back at what the sentence said before its question ("..., so how is it going?")
_BACK_REFERENCE = frozenset("it that this those these them they".split())


# A question after the user's situation in general
_SITUATION = re.compile(r"\b(?:what(?:'s| is) your (?:situation|set-?up|position|story)|"
                        r"tell me (?:a (?:bit|little) )?about (?:yourself|your situation|where you are)|"
                        r"what(?:'s| is) your (?:current )?situation)\b")
# Words that name no thing of the user's ("Would that be something you'd consider?" is not "the odd donation when
# something's on the news", round 103)
_INDEFINITE_STEMS = frozenset(stem(w) for w in "something anything everything nothing someone anyone".split())


class RulePerceiver:
    """Perception by meaning with the pack's cues as anchors (see protod.text). Cached per text.

    Per sentence: nonsense (keyword lists, scrambles, verbless fragments, cue stuffing) earns nothing; a well-formed
    question about one concern (its own cues) is a pointed probe, about one area a vague probe, about several areas
    a barrage; a well-formed statement asserts a fact when a clause carries the fact's content (a cue plus one more
    content word of the fact, or most of one of its clauses) with the fact's own polarity. A negated fact, a number
    the fact does not contain, a guarantee the fact does not make, or a pack false-claim cue asserted (not denied)
    is a false claim. An optional `semantic` index (protod.user.semantic) matches paraphrases the cues miss; it is
    consulted only for well-formed sentences, so it can never rescue word salad.
    """

    def __init__(self, pack: Scenario, cache_size: int = 65536, semantic: Any = None):
        self.pack = pack
        self.semantic = semantic
        self.facts = FactReader(pack, semantic)  # what a statement claims of the pack's facts
        self._facts = self.facts.models
        self._own = [(c.id, c.area, _phrases(c.probe_cues)) for c in pack.concerns]
        self._areas = [(a.id, _phrases(a.cues)) for a in pack.probe_areas]
        self._cue_index = tuple(sorted(
            [(p, ("concern", cid)) for cid, _, ph in self._own for p in ph] + [(p, ("area", aid)) for aid, ph in self._areas for p in ph],
            key=lambda item: -len(item[0]),
        ))
        self._trait_stems = frozenset(s for tr in pack.traits for v in tr.values for s in content_stems(tokenize(str(v))))
        self._value_words = tuple(frozenset(tokenize(str(v))) for tr in pack.traits for v in tr.values)
        # each trait's values by their content words (`asked_traits`: a value a what-question names is its subject)
        self._value_stems = tuple(frozenset(content_stems(tokenize(str(v)))) - {""} for tr in pack.traits
                                  for v in tr.values)
        self._cue_stems = frozenset(s for _, _, ph in self._own for p in ph for s in p) | frozenset(
            s for _, ph in self._areas for p in ph for s in p)
        self._concerns_in = {a.id: [c.id for c in pack.concerns if c.area == a.id] for a in pack.probe_areas}
        # One-word area cues that are words of the offer's own description ("booking" of "an online wedding-venue
        # booking site"): an open question about the offer ("what would worry you most about listing on a booking
        # site like ours?") asks about no area by them (round 104: two worries probed, "That's fine for us").
        # (said as in the description, beside the word next to it there: "booking site", not "enough bookings")
        role = content_stems(tokenize(pack.agent.role))
        self._offer_pairs = frozenset(zip(role, role[1:]))
        self._offer_area_cues = frozenset(p[0] for _, ph in self._areas for p in ph if len(p) == 1 and p[0] in role) \
            - frozenset(s for _, _, ph in self._own for p in ph for s in p)
        self._area_of = {c.id: c.area for c in pack.concerns}
        self._severity_rank = {c.id: (-c.severity, i) for i, c in enumerate(pack.concerns)}
        lex = pack.lexicon
        self._pitch = _phrases(lex.pitch_cues)
        # a one-word cue that is a participle ("trusted") is sales talk only as said: "trusting that the collections
        # happen" is the user's worry (round 93: "Everyone who rings me says that.")
        self._pitch_participles = {stem(c.lower()): c.lower() for c in lex.pitch_cues
                                   if " " not in c and c.lower().endswith("ed")}
        self._pressure = _phrases(lex.pressure_cues)
        self._closing = _phrases(lex.closing_cues)
        self._verbs = frozenset(getattr(lex, "verbs", None) or ())
        self._max_facts = pack.dynamics.max_facts_per_turn
        self._max_areas = pack.dynamics.max_probe_areas_per_turn
        self._by_severity = tuple(sorted(self._area_of, key=self._severity_rank.__getitem__))  # an open question's probes
        # What each trait is about, in its own words and its values' ("home_setup": computer, connection, laptop,
        # tablet, ...), less the words every trait shares ("candidate"): a question naming one asks about it.
        # (not verbs nor measures: "Have you got a couple of minutes?" is not about "money got tight")
        # (nor time words: "Is cost something that matters to you at the moment?" is not about "nothing much at the
        # moment", round 28)
        # (nor the bookkeeping words of a trait's name: "How does that compare, once you count your time?" is not about
        # "room_count", round 38)
        vague = _LIGHT_VERBS | UNIT_STEMS | TIME_WORD_STEMS | _NAME_ONLY
        # (and the question word a description opens with: "Where the person works today" is asked "where do you work?")
        named = {tr.name: set(content_stems(tokenize(" ".join([tr.name.replace("_", " "), tr.description, *tr.values]))))
                 - vague | set(tokenize(tr.description)[:1]) & _WH for tr in pack.traits}
        shared = {w: sum(w in v for v in named.values()) for w in set().union(*named.values())}
        # a word weighs less the more traits it names, and twice in the trait's own name ("tutored" -> experience) or as
        # the question word its description opens with ("I'm curious where you usually work from" asks where, not
        # "when the person usually works": round 40)
        self._trait_words = {tr.name: {w: (2 if w in content_stems(tokenize(tr.name.replace("_", " "))) or w in _WH
                                           else 1) / shared[w]
                                       for w in named[tr.name] if shared[w] < len(named)} for tr in pack.traits}
        self._description_stems = {tr.name: frozenset(stem(t) for t in tokenize(tr.description)) for tr in pack.traits}
        # the question a trait's description opens with, where it asks for a quantity or is asked for one (`_measure`)
        self._measure_of = {tr.name: _measure(tokenize(tr.description)[:2], opening=True) for tr in pack.traits}
        # the traits that are the user's view of something (see `_ATTITUDE`)
        self._view_traits = frozenset(tr.name for tr in pack.traits
                                      if _VIEW_STEMS & {stem(t) for t in tokenize(tr.description)})
        # A trait that sets how the user talks (`voice`) is their manner, not something they are asked about: "I know
        # you're busy, so I'll be quick" got "That's right, brisk and busy." (round 40)
        self.manner_traits = frozenset(tr.name for tr in pack.traits if tr.voice)
        # the firm's own names (the role's capitalised words), which a caller may put inside the pack's closing words
        self._brand = frozenset(stem(w) for w in self.facts.firm_names)
        self.perceive = lru_cache(maxsize=cache_size)(self._perceive)

    def asked_traits(self, question: str, sentence: str = "") -> list[str]:
        """The trait a question about the user asks after: the one it shares most words with ("Have you got access to
        a laptop?" -> home_setup). Round 24: such questions went unanswered under the rule perceiver. The learned
        perceiver asks it first too: word evidence names the trait where sentence embeddings blur it ("Are you keeping
        active, doing anything at home?" is nearer "working from home" than "home workouts" by MiniLM, round 26).
        `sentence`: the whole sentence `question` was taken from, where it was (what its "one" stands for)."""
        # Only the parts that speak to the user: "We're looking for riders in the city centre, and I wondered if
        # you'd thought about deliveries?" asks nothing about where they live (round 25: "Yes, in the city centre").
        # A statement before the question in one sentence tells, it does not ask: "You were with us for three years,
        # so I wanted to check in, what made you decide to leave?" asks nothing about how long (round 34: "A member for
        # three years, since you ask.")
        full, question = sentence or question, asked_part(question)
        if _SITUATION.search(question.lower()):
            # "What's your situation at the moment?" asks what the pack says of the user first (round 104: "Not really
            # a worry for me.")
            return [t.name for t in self.pack.traits if t.name not in self.manner_traits][:1]
        # Nor a condition: "If you were ever to move into home care, what would worry you?" asks nothing about the
        # user's care background (round 30: "Well, no formal care experience, as it happens."); nor asking for time,
        # though the rest of the sentence may ask ("Have you got a minute, and can I ask what you're doing for work?",
        # round 34: "Go on.")
        # ... nor an offer to go ahead beside the question ("Is there anything else on your mind, or would you like me
        # to book an initial home visit ...?" asks nothing about their home: round 91, "A three-bed house we own")
        # ... nor a part asking what would worry them ("what would you be wary of with a new collector?", round 105:
        # "Well, one of the big national collectors.")
        # ... nor, in a sentence that only asks for time, a part that tells ("You supported us in the past, and I just
        # wanted to say thank you and ask a quick question, if you have a minute?": round 111, "A retired teacher.")
        telling = question == full and asks_for_time(question)
        parts = [tokens for part in _PARTS.split(question) for tokens in [tokenize(part)]
                 if not opens_condition(tokens) and not asks_for_time(part) and not asks_if_it_suits(part)
                 and not (telling and tokens[:1] and tokens[0] in SUBJECT_PRONOUNS)
                 and not asks_open_worry(part)
                 and not asks_consent(re.sub(r"^\s*or\s+", "", part))]
        # (a short tail after a part that speaks to the user is still that part: "what are you doing at the moment,
        # work-wise?", round 40)
        addressed = [bool(ADDRESSED.intersection(part)) for part in parts]
        # (examples after a question speak to the user only as the question does: "Is there anything else that would
        # make it easier, like training with someone rather than on your own?" names what might help, round 89:
        # "Swimming and cardio."; "Do you have something to ride, like a bike?" still asks what they ride)
        for k in range(1, len(parts)):
            if EXAMPLE_LEADS & {parts[k][:1], parts[k][:2]}:
                addressed[k] = addressed[k - 1]
        to_user = [here or (k > 0 and len(part) == 1 and addressed[k - 1])
                   for k, (part, here) in enumerate(zip(parts, addressed))]
        # (a particle names a trait only with its verb: "how do you get around?" asks how the candidate gets around,
        # "how would it fit around classes?" does not; round 44: "Well, only a bus pass, as it happens.")
        said, said_of_views = set(), set()
        for part, ok in zip(parts, to_user):
            if ok:
                words = {*content_stems(_loose_particles_out(part)), *_asking_wh(part)} - _INDEFINITE_STEMS
                # (the offer's own work names nothing of the user's: "Would riding with us fit around your night
                # shifts?" asked where the rider lives, "ride" being in that trait's description; round 94)
                words -= {stem(part[i]) for i in range(len(part) - 2) if part[i + 1:i + 3] in _WITH_US}
                # ... nor does a whole value a what, why or how question names: it is what the question is about
                # ("What are you hoping to get out of Spanish?" asks why they learn it, not which language: round
                # 108, "Spanish, as it happens."); a value guessed after the question ("What kind of place is it,
                # a pizzeria?") is a part of its own and still asks
                if part[:1] and part[0] in WH_WORDS and part[0] != "which":
                    words -= {w for value in self._value_stems if value and value <= words for w in value}
                # ... nor does one asking how much or how often of the user's thing ("How much do you use your car
                # these days?" asks the use, not which car: round 104, "A 2016 Toyota Corolla hatch.")
                if part[:1] and (part[0] not in WH_WORDS or part[:2] in (("how", "much"), ("how", "often"))):
                    # A question that does not ask what or which names the user's things as what it asks about, not
                    # what it asks: "Would those days suit your inn?", "Does your current supplier ever turn up at
                    # awkward times?" (round 62: "Yes, that's right: a country inn with a restaurant."; "Another
                    # linen hire company, since you ask."), "Anything ... that would be a problem for your team?"
                    # (round 64: "Yes, that's right: a team of five housekeepers."); "Is your restaurant a
                    # pizzeria?" still asks with "pizzeria", and "What software does your practice use?" asks
                    words -= _owned(part)
                if _WHO_WITH.search(" ".join(part)):
                    words |= _SUPPLIER  # "who are you with at the moment?" asks their supplier, not their household
                (said_of_views if _ATTITUDE.search(" ".join(part)) else said).update(words)
        if full != question and parts and _ONE_OF_THOSE.search(" ".join(parts[-1])):
            # ... but a question that asks after "one" of what the statement before it named asks about that thing,
            # by the words the user's own values use ("the classroom needs a laptop with a webcam, do you have access
            # to one?" asks what computer they have: round 109, "No, that part doesn't really bother me.")
            said |= (set(content_stems(tokenize(full))) - set(content_stems(tokenize(question)))) & self._trait_stems
        if not said and not said_of_views:
            return []
        # A question for a quantity ("how many delivery orders ...?") asks no trait described by another question
        # ("How the restaurant takes orders today"), nor another question one described by a quantity ("What do you
        # run at the counter?" is not "How many locations the owner runs"): round 42, "The rival app QuickBite." and
        # "A single location, since you ask."
        asked_measure = _measure([t for part, ok in zip(parts, to_user) if ok for t in part])
        scores = sorted(((round(sum(weights.get(w, 0.0) for w in (
                             said | said_of_views if name in self._view_traits else said)), 6), name)
                         for name, weights in self._trait_words.items() if name not in self.manner_traits
                         and (asked_measure is None or self._measure_of[name] is None
                              or asked_measure == self._measure_of[name])), reverse=True)
        if not scores or scores[0][0] == 0:
            return []
        tied = [name for score, name in scores if score == scores[0][0]]
        if len(tied) > 1:
            # Two alike by their words ("what are you doing for work?": the current job, or when they could work):
            # the one whose description the question echoes ("What the person does for work now"), else none is
            # guessed ("Who do you live with?": a living, or living alone).
            asked = set(stem(t) for part in parts for t in part)
            # (in the description's own words for now: "Are you working at the moment?" asks "what the person does
            # for work now", not "when the person could work": round 108, not answered)
            if _NOW.search(" ".join(t for part in parts for t in part)):
                asked |= _NOW_STEMS
            echo = {name: len(asked & self._description_stems[name]) for name in tied}
            best = max(echo.values())
            tied = [name for name in tied if echo[name] == best]
            if len(tied) > 1:
                return []
        return [tied[0]]

    # -- questions ------------------------------------------------------------------------------------------------
    def _probe(self, sent: Sentence) -> tuple[list[str], set[str], str]:
        """(concerns probed, pointed subset, verdict) for one well-formed question; verdict '', 'open', 'barrage',
        'stuffed'.

        A concern's own cues decide what the question is about ("commission ... on each order" is about the
        commission, not about orders); area cues decide only when no concern is named. A question naming things
        without a list asks about the first; one listing more areas than a turn may ask about, or three worries, is a
        barrage (an open question listing them asks about every worry). Far more cue words than natural speech
        carries is stuffing.
        """
        # (the words asking about worries name none: "What made you step away from the gym?" is open, though "away"
        # is a cue of the injury worry)
        asking = open_worry_words(sent.text)
        stems = tuple(s for s in sent.stems if s not in asking) if asking else sent.stems
        if self._offer_area_cues and asks_open_worry(sent.text):
            pairs = set(zip(stems, stems[1:]))
            stems = tuple(s for s in stems if s not in self._offer_area_cues
                          or not any(p in self._offer_pairs and s in p for p in pairs))
        asked = asked_part(sent.text)
        asked_stems = tuple(s for s in content_stems(tokenize(asked)) if s not in asking) if asked != sent.text else ()
        spans = _cue_spans(asked_stems, self._cue_index) if asked_stems else []
        if spans or (asked_stems and (_SETS_ASIDE.match(sent.text) or (
                asks_how_it_goes(asked) and not _BACK_REFERENCE.intersection(tokenize(asked))))):
            # "I gather you're on video calls a lot, how do you manage those in cafés?" asks the part after the comma
            # (round 31: a barrage, the calls counted as a second thing asked)
            # ... and "So if it's not the cost, what would make you hesitate?" asks about anything but the cost, even
            # when the asking part names nothing (round 60: "That one's sorted", the cost probed again); so does "I
            # gather you've just come off a promo deal, so I wondered how your broadband is treating you" ask how it
            # goes, not about the promo's price (round 81: "Not that so much, honestly."), where "You mentioned the
            # evening slowdown, so how is it going?" asks about what "it" refers back to
            stems = asked_stems
        elif asked != sent.text and asks_open_worry(asked) and sent.tokens[0] not in AUXILIARIES | WH_WORDS \
                and not opens_condition(sent.tokens) and tokenize(asked)[:1] and tokenize(asked)[0] in WH_WORDS:
            # an open question after a statement names nothing the statement does: "Right now you do walk-ins and phone
            # orders, so I'd love to know: ... what's put you off so far?" (round 93: asked about order volume); not
            # after a condition naming the worry ("If it's the price, what would you need to see?" asks of it)
            return list(self._by_severity), set(), "open"
        else:
            asked = sent.text
            spans = _cue_spans(stems, self._cue_index)  # longest cue wins: "extra orders" is volume, not "extra" fees
        owners = [owner for _, owner in spans]
        if len({self._area_of[oid] for kind, oid in owners if kind == "concern"}) > 1:
            # "Is there any problem with the tablet?" asks about the tablet: a cue that only judges ("problem") yields
            # to one that names a topic (round 27: a barrage, where "problem" is another worry's cue)
            topical = _cue_owners(stems, tuple((ph, o) for ph, o in self._cue_index if not set(ph) <= _JUDGING))
            if any(kind == "concern" for kind, _ in topical):
                owners = topical
        own = [(cid, self._area_of[cid]) for kind, cid in dict.fromkeys(owners) if kind == "concern"]
        area_hits: dict[str, int] = {}
        for kind, aid in owners:
            if kind == "area":
                area_hits[aid] = area_hits.get(aid, 0) + 1
        # Words naming the user's own situation (any pack trait's values: "on a cable bundle with TV") are the caller
        # listening, not a checklist of cues.
        # (content words only: "and", "in", "you", "up" of cue phrases are in every question; round 45's "With fourteen
        # rooms and a full house in summer, ... have you ever been caught short of clean sets?" was stuffing)
        cue_tokens = {s for s in stems if s in self._cue_stems and s not in self._trait_stems and s not in FUNCTION_WORDS}
        if len(own) >= 4 or len(cue_tokens) >= 10:
            return [], set(), "stuffed"  # "commission, fees, payouts, rent, margins: worried?" is a checklist, not a question
        # "What's holding you back?", "Things like hours, pay or travel - anything that would make or break it for
        # you?": one open question, about whatever worries the user most; examples of more than one area make it no
        # barrage (round 24: answered "It depends. What are you getting at?", or called a barrage). With one area
        # named it is the question about that area it was.
        open_question = asks_open_worry(sent.text) or asks_how_it_goes(asked)
        everything = list(self._by_severity), set(), "open"
        # ("Anything that makes you wary about an evening class, like the format, the group, or the cost?": a list of
        # examples, of more than one area, makes it open; round 93, the class times asked alone. One or two examples
        # of the worry named are that worry: "Would surprise extras, like setup or equipment costs, be a concern?")
        listed = _EXAMPLES_AFTER.search(asked)
        if open_question and listed and len({area for _, area in own} | set(area_hits)) > 1 and len(
                [i for i in _LIST_ITEM_BREAK.split(asked[listed.end():]) if tokenize(i)[:1]
                 and tokenize(i)[0] not in AUXILIARIES]) >= 3:  # (not "..., be a concern for you?")
            return everything
        if open_question and (not owners or leaves_choice_open(asked)):
            # ("What would worry you most, the commission, the kitchen, or something else?" is open, round 34)
            return everything
        spread = len({area for _, area in own} or set(area_hits)) > 1 or len(own) == 3
        # (an open question's examples name areas as well as worries: "Anything else on your mind - the pay, your
        # bike, the hours?" was about the bike, and got "No, that part's fine." before the worry; round 34)
        if open_question and (spread or _COORDINATED.search(asked)) \
                and len({area for _, area in own} | set(area_hits)) > self._max_areas:
            # (examples or not: "Is there one thing that put you off last time, pay, safety, how you were treated?",
            # round 31; with two areas named it asks about both, below)
            return everything
        if spread and not _COORDINATED.search(asked):
            # One question about one thing: the first worry it names (or, naming none, the first area) is what it
            # asks about, the rest say where or when ("How does your wifi hold up on calls in the cafés?", "What put
            # you off the courier shifts you did before?": round 30, both barrages). Only that one is heard, so asking
            # this way gains nothing over asking it alone.
            if own:
                first = min((i, oid) for i, (k, oid) in spans if k == "concern")[1]
                own = [(cid, area) for cid, area in own if cid == first]
            else:  # among the areas named most ("customers and sales ... numbers" is about demand)
                top = max(area_hits.values())
                first = min((i, oid) for i, (k, oid) in spans if k == "area" and area_hits[oid] == top)[1]
                area_hits = {first: top}
        if len(own) == 3:
            # "What about getting paid, or having to change your menu prices or run discounts?" offers three worries
            # to choose from: too many at once, but a question (round 23: nonsense, and the user hung up); asking what
            # holds them back, the three are examples ("Is it mainly the cost and payback that's holding you back, or
            # things like the time off work or the mess?", round 92: a barrage), as a bare open question would be
            return everything if open_question else ([], set(), "barrage")
        if own:
            areas = {area for _, area in own}
            if listed and re.search(r"\s(?:or|and)\s", asked[listed.end():]):
                # an area named beside a worry is asked about too: "..., say about the length of the agreement or how
                # things work day to day?" (round 94: "Not that so much, honestly." before the tie-in worry)
                areas |= set(area_hits)
        else:
            top = max(area_hits.values(), default=0)
            areas = {aid for aid, n in area_hits.items() if n == top}  # "customers and sales ... numbers": demand
            if not areas and self.semantic is not None:
                own, areas = self._semantic_probe(sent.text)
        if len(areas) > self._max_areas:
            return [], set(), "barrage"
        if not areas:
            return [], set(), ""
        # Two areas in one question ("how much time would you have, and would the pay be worth it?") ask about both,
        # as two questions in a turn do; more than the pack allows in a turn is a barrage, in one sentence or several
        # (round 33: "Whoa, one question at a time" to one question in two parts).
        pointed = {cid for cid, _ in own} if len(own) == 1 else set()
        probes = sorted((c for area in areas for c in self._concerns_in[area]),
                        key=lambda c: (c not in pointed, self._severity_rank[c]))
        return probes, pointed, ""


    # -- facts: read by `FactReader` (protod.user.fact_claims); the learned perceiver asks through these ---------------
    def fact_model(self, fact_id: str) -> FactModel:
        """How the rules read one fact (`FactReader.fact_model`)."""
        return self.facts.fact_model(fact_id)

    @property
    def pack_numbers(self) -> frozenset:
        """Every amount some fact of the pack states."""
        return self.facts.pack_numbers

    def true_amount(self, q: tuple, said: frozenset, of_facts: frozenset = frozenset()) -> bool:
        """`FactReader.true_amount`."""
        return self.facts.true_amount(q, said, of_facts)

    def asks_openly(self, sent: Sentence) -> bool:
        """A question about what worries the user that names no worry, or gives examples of several (`_probe`'s
        "open"): "What's holding you back?", "Anything that would make or break it - hours, pay or travel?"."""
        return sent.question and self._probe(sent)[2] == "open"

    def stuffed(self, sent: Sentence) -> bool:
        """A question carrying far more cue words than natural speech does (a checklist, not a question)."""
        return self._probe(sent)[2] == "stuffed"

    def asks_to_close(self, sent: Sentence, before: str = "") -> bool:
        """The sentence proposes closing with the pack's closing words ("Shall I sign you up?", "Let's get you started")
        or asks for the go-ahead in words any offer uses ("Shall I book that in for you?", "Do I have your okay?"); a
        question may point back at the step named in `before`, the sentence said just before ("... book an interview
        today; would you be up for that?")."""
        # A step put off till later proposes nothing now: "I'd like to get you registered, but first, what's your
        # experience been with platforms like this?" asks what comes after "but first" (round 109: a refused ask)
        deferred = _DEFERS_ASK.search(sent.text)
        if deferred:
            rest = sent.text[deferred.end():].strip()
            return bool(rest) and self.asks_to_close(analyse(rest, self._verbs), before)
        # A statement's closing words in a denied clause propose nothing: "... and you shouldn't sign up" (round 11, a
        # caller promising to say if the product does not fit); a question's still do ("Why not sign up today?").
        if sent.question:
            asked = without_users_past(sent.text)  # ("You'd signed up for info, is now a good time?" asks for time)
            if asked != sent.text:
                return bool(asked) and self.asks_to_close(analyse(asked, self._verbs), before)
            # The closing words told before a part that asks for time say why they call: "I'm calling about taking on
            # an apprentice at your workshop, have you got two minutes?" (round 120: "No, not today.")
            part = asked_part(sent.text)
            if part != sent.text and asks_for_time(part):
                return False
            # (the pack's closing words with the firm's name inside: "will you host a PostNest locker at your shop?"
            # is "host a locker", round 119: asked three times before it was heard)
            unbranded = tuple(s for s in sent.stems if s not in self._brand)
            return _has_any(sent.stems, self._closing) or _has_any(unbranded, self._closing) \
                or asks_consent(sent.text, before)
        if states_purpose(sent.text):
            return False  # "I'm calling to see whether you'd fancy coming back to us" says why they call
        # The proposing clause itself opens as a proposal, or is the sentence's first: "I should be precise: the fee
        # waiver applies if you rejoin within 12 months" proposes nothing (round 25: a refused ask).
        # (after a condition of the user's go-ahead: "If you're happy with it, I can get your sign-up started now",
        # round 47: "Hard to say, really. Why do you ask?")
        clauses = sent.clauses
        while len(clauses) > 1 and opens_condition(clauses[0].tokens):
            clauses = clauses[1:]
        first = clauses[0].tokens[0] if clauses and clauses[0].tokens else ""
        proposed = any(self._proposes(c) and (c.tokens[0] in _ASK_OPENERS or k == 0) for k, c in enumerate(clauses))
        return (proposed and first in _ASK_OPENERS) or asks_consent(sent.text)

    def _proposes(self, clause: Clause) -> bool:
        """The clause's closing words come before any negation: "I'll sign you up now, no fee to pay" proposes; "I
        won't sign you up without your say-so" does not (two negators, but the first denies the signing up)."""
        # (a closing phrase written with a hyphen is the phrase: "I can get your sign-up started now", round 47)
        tokens = [t for token in clause.tokens for t in (token.split("-") if "-" in token.strip("-") else (token,))]
        stems = tuple(stem(t) for t in tokens)
        for k, token in enumerate(tokens):
            if token in NEGATORS:
                return False
            if any(stems[k : k + len(p)] == p for p in self._closing):
                return True
        return False

    def _echoes_a_value(self, sent: Sentence) -> bool:
        """The sentence is one of the user's trait values said back, with interjections and apologies only ("Ah,
        English literature, sorry, my mistake.")."""
        words = set(sent.tokens) - INTERJECTIONS - _APOLOGY_WORDS - FUNCTION_WORDS
        return bool(words) and any(words <= value for value in self._value_words)

    def pitches(self, sent: Sentence) -> bool:
        """The sentence uses the pack's sales-talk words ("best", "leading", ...), other than for the caller's own wish:
        "I'd love two minutes of your time", "We'd love to have you" are courtesy (round 21: "That reads like your
        website." to a one-line introduction)."""
        if not _has_any(sent.stems, self._pitch):
            return False
        text = joined(sent.stems)
        if all(len(p) == 1 and self._pitch_participles.get(p[0]) not in (None, *sent.tokens)
               for p in self._pitch if joined(p) in text):
            return False
        # A word of praise for what the user just said or has ("I understand you've got a new e-bike, which is a great
        # start.", "Congratulations on your new e-bike, that's great.": round 72, "Everyone who calls says that."):
        # a clause that only appraises what came before is no sales talk.
        # (also a word of approval after the user's answer said back: "A student bar, great.", round 92)
        praise = [c for c in sent.clauses if _appraises(c.tokens)
                  or (_praises_users(c.tokens) and not _WE.intersection(sent.tokens))
                  or (c is sent.clauses[-1] and len(sent.clauses) > 1 and len(c.tokens) == 1
                      and c.tokens[0] in INTERJECTIONS | _APPROVING and not _WE.intersection(sent.tokens))]
        if praise and not any(_has_any(c.stems, self._pitch) for c in sent.clauses if c not in praise):
            return False
        own = set(caller_wishes(sent.tokens))
        if sent.tokens[0] in INTERJECTIONS | _APPROVING and (len(sent.tokens) == 1 or _INTERJECTED.match(sent.text)):
            own.add(0)  # "Great. Are you still tied in?", "Perfect, thanks": the caller's reply, not sales talk (round 27)
        return not own or _has_any(tuple(s for i, s in enumerate(sent.stems) if i not in own), self._pitch)

    def _semantic_probe(self, text: str) -> tuple[list[tuple[str, str]], set[str]]:
        """A question the cues missed, matched by meaning to an area only (a vague probe, never a pointed one):
        concern matching by embedding is precise but misses most held-out questions, so it only chooses the area."""
        concern = self.semantic.match_concern(text)
        area = self._area_of[concern] if concern else self.semantic.match_area(text)
        return [], {area} if area else set()


    def _refers_back(self, sent: Sentence) -> bool:
        """A short question whether what the sentence before it said is the user's worry ("Is it?", "Is that on your
        mind?"): it points back, names no worry of its own, and asks nothing else ("Shall I do that?", "Has that
        happened to you before?"). Not one that asks about anything else ("Is there anything else about joining that
        bothers you?": round 109, "You've already answered that one for me.")."""
        return len(sent.tokens) <= 10 and bool(_BACK_REFERENCE.intersection(sent.tokens)) \
            and "else" not in sent.tokens and not {"i", "we"}.intersection(sent.tokens) and not _cue_spans(sent.stems, self._cue_index) \
            and (asks_open_worry(sent.text) or not content_stems(sent.tokens))

    def _pushes(self, sent: Sentence) -> bool:
        """The sentence says a pressure cue and means it. A cue made only of time words ("right now", "today") says
        when, and pushes only in a sentence that urges a decision ("Sign up right now or you'll miss out"; not "Right
        now you take phone orders, right?" or "I can set it up with you right now": round 24); no cue pushes in a
        sentence that takes the pressure off ("I'm not asking for a decision right now")."""
        if threatens_loss(sent.text):
            return True  # an ultimatum, in any words ("Sign up today or lose your place.")
        hits = [p for p in self._pressure if contains_phrase(sent.stems, p)]
        if not hits or calms(sent.text):
            return False
        return not all(set(p) <= _WHEN for p in hits) or urges_decision(sent.text)


    # -- the turn -------------------------------------------------------------------------------------------------
    def _perceive(self, text: str) -> Perception:
        # (a question put as a wish to hear, "I wondered how that's been going for you.", is asked: round 36)
        sentences = [analyse(unclefted(s.rstrip(" .!") + "?" if asks_indirectly(s) and not s.rstrip().endswith("?")
                                       else s), self._verbs)
                     for s in spoken_sentences(text)]
        probes: list[str] = []
        pointed: set[str] = set()
        areas: set[str] = set()
        facts: list[str] = []
        false_claims: list[str] = []
        closing = question = pitch = pressure = nonsense = barrage = open_question = False
        traits: list[str] = []
        for k, sent in enumerate(sentences):
            if not sent.tokens:
                continue
            stems = sent.stems
            pitch = pitch or self.pitches(sent)
            pressure = pressure or self._pushes(sent)
            # ("Any worries about the fees?" asks; so does "Anything else, maybe around deliveries and timing?", which
            # reads as a keyword list: round 118, "I'm not following. What's this about?")
            if not sent.well_formed and not (sent.defect in ("fragment", "no verb", "keyword list") and sent.question
                                             and asks_open_worry(sent.text)):
                # An interjection ("Great!", "Sure.") or a verbless courtesy ("Lovely to speak to you.", "No worries
                # at all.") is harmless; a cue-bearing fragment or word salad is not speech. It earns nothing, but an
                # untruth in it still counts against the caller ("Zero commission!").
                # So is one that takes the pressure off ("No rush at all.", though "rush" may be a cue of the pack).
                # ... and one that agrees before it ("Exactly, less clutter behind the counter.", round 25), or
                # apologises ("Sorry, fair enough.", round 30: nonsense, "fair" being a cue of the pack)
                stated: list[str] = []
                if sent.defect in ("fragment", "no verb") and not sent.question and not _lists_words(sent.text):
                    # A verbless statement that states a fact in the fact's own content ("No joining fee, no
                    # deposit.", "165 a month, no contract beyond the 30 days' notice.": round 60, nonsense) is how
                    # people say facts aloud: heard as the fact it states. A bare cue ("Weekly payouts!") states no
                    # fact (a cue needs another word of its fact) and stays what it was; so does a fragment the
                    # reader finds false in part: its guards read clauses, and a verbless "Sixteen hours a week
                    # minimum, guaranteed, after your induction." is no clause to call a lie (dev: three honest lines).
                    # Nor a list ("Commission, fifteen percent, no monthly fee.": `_lists_words`).
                    stated, false = self.facts.claims(sent)
                    if false:
                        stated = []
                    facts += [f for f in stated if f not in facts]
                if stated:
                    continue
                # ... nor is a verbless denial ("No fixed hours at all." to "If you need fixed hours, it won't work.",
                # round 71: nonsense): it answers in the user's words; unheard as a fact, it earns nothing (a list
                # that opens on "No" is still a list: "No minimum term, thirty days, no exit fee.")
                # (nor an acknowledgement with why it is apt, which the reader may take for a keyword list: "Good
                # question, especially with legal contracts.", round 81)
                # (nor courtesy the reader takes for a keyword list: "Of course, fair enough.", round 89)
                # (nor the user's own answer said back with a correction: "Ah, English literature, sorry, my
                # mistake.", round 98)
                # (nor a request said as a verb's infinitive: "Just a yes to switch your collections to us on tagged
                # sacks, so nothing to store." asks for the decision, round 117: "Sorry, what has that got to do with
                # my bins?", and the owner hung up)
                if not acknowledges(sent.text) and not polite_only(sent.text) and not self._echoes_a_value(sent) \
                        and not (sent.defect == "no verb" and not sent.question and _infinitive(sent.tokens)) and (
                        sent.defect not in ("fragment", "no verb")
                        or (self._touches_pack(stems) and not courtesy_only(sent.text) and not says_yes(sent.text)
                            and sent.tokens[0] not in INTERJECTIONS
                            and (sent.question or sent.tokens[0] not in _DENIALS or _lists_words(sent.text)))):
                    nonsense = True
                if not sent.question:
                    false_claims += [f for f in self.facts.false_cues(sent) if f not in false_claims]
                continue
            # (the step "that" stands for may be named any sentence earlier in the turn: "Simple: you sign the supply
            # agreement and send me a crop list. The minimum is 50 kg per crop. Shall we do that today?", round 102)
            if self.asks_to_close(sent, " ".join(s.text for s in sentences[:k])) \
                    and not (sent.question and asks_open_worry(sent.text)):
                # ("What's holding you back from signing up?" asks what worries the user, not for their yes)
                closing = True  # "Shall we sign you up so customers can order?" is an ask, not a probe
                continue  # ("It costs nothing to sign up" mentions signing up; it asks nothing)
            if sent.question and (asks_for_time(sent.text) or checks_about_user(sent.text)
                                  or asks_how_things_stand(sent.text) or asks_if_it_suits(asked_part(sent.text))):
                # (whether it suits them in the part asked: "I'd like to see if switching could work for you, but
                # first, what would you be wary of ...?" asks about worries, round 105)
                # "Have you got a couple of minutes to chat about riding with us?" asks for time, and "You've done a few
                # courier shifts before, right?" checks what the caller heard about the user: neither asks about a
                # worry (round 28: "That's fine for me, honestly. Not my issue." and a barrage)
                question = True  # (`asked_traits` names no trait for a question asking for time)
                traits += [t for t in self.asked_traits(sent.text) if t not in traits]
                continue
            if sent.question:
                question = True
                found, sharp, verdict = self._probe(sent)
                if k and verdict in ("", "open") and not sharp and self._refers_back(sent) \
                        and not sentences[k - 1].question and not speaks_for_offer(sentences[k - 1].text) \
                        and not self.facts.claims(sentences[k - 1])[0]:
                    # "Some people starting out feel uneasy in busy traffic. Is that on your mind?" asks about the
                    # traffic (round 82: "Is it?" asked nothing, and the user denied the worry it named)
                    joined = analyse(f"{sentences[k - 1].text.rstrip(' .!')}, {sent.text[:1].lower()}{sent.text[1:]}",
                                     self._verbs)
                    found_there, sharp_there, verdict_there = self._probe(joined)
                    if found_there and verdict_there in ("", "open"):
                        found, sharp, verdict = found_there, sharp_there, verdict_there
                if verdict == "stuffed":
                    nonsense = True
                barrage = barrage or verdict == "barrage"
                open_question = open_question or verdict == "open"
                for cid in found:
                    if cid not in probes:
                        probes.append(cid)
                if verdict in ("", "open"):  # (a question about the laptop asks about the setup and may touch a worry
                    # too; "what are you doing at the moment, and what would make it work for you?" asks both)
                    # (the open part itself asks after worries, not after who the user is)
                    # ("Is it the food quality or the cost that worries you?" asks nothing about where the user is,
                    # whatever "food court" says)
                    # ("How's your broadband working out for you?" asks what they make of it, not how they work: round
                    # 35 heard "I'm working from home full-time.")
                    # (nor what follows the open part as its examples: "Is there anything else that would give you
                    # pause, money-wise or in how you'd have to work day to day?" asks nothing about their work, round
                    # 75: "Well, I'm working for a few agencies."; a question of its own after it still asks)
                    # (nor a part asking what, naming a worry of the pack: "what would riding need to fit around for
                    # you" asks about the schedule worry, not the city zone, round 83: "Well, in the city centre.";
                    # "Do you have a bike or scooter, and ...?" still asks about the vehicle)
                    # (nor a "when" clause before the question: "When you picture signing up with a delivery app,
                    # what would make you uneasy?" asks nothing about how the restaurant takes orders, round 86:
                    # "Walk-ins and phone orders only, as it happens.")
                    kept, opened = [], False
                    pieces = _PARTS.split(asked_part(sent.text))
                    for k, part in enumerate(pieces):
                        tokens = tokenize(part)
                        # ("when did you usually train?" asks; "when you picture ..." sets the scene)
                        if tokens[:1] in (("when",), ("whenever",)) and tokens[1:2] and tokens[1] in SUBJECT_PRONOUNS \
                                and k < len(pieces) - 1:
                            continue
                        if asks_open_worry(part) or asks_how_it_goes(part):
                            opened = True
                        elif asks_which(tokens) and any(kind == "concern" for _, (kind, _) in _cue_spans(
                                content_stems(tokens), self._cue_index)):
                            continue
                        elif not opened or _asks_anew(tokens):
                            kept.append(part)
                    # (nor options ending "or something else": "..., is it the cost, how it fits your kitchen, or
                    # something else?" asks nothing about the kitchen team, round 98: "A team of about ten.")
                    about = "" if leaves_choice_open(sent.text) else ", ".join(kept)
                    traits += [t for t in self.asked_traits(about, sent.text) if t not in traits]
                pointed |= sharp
                if verdict != "open":  # an open question names no area: it counts towards no barrage
                    areas |= {self._area_of[c] for c in found}
            elif len(sent.tokens) < 4:
                false_claims += [f for f in self.facts.false_cues(sent) if f not in false_claims]
            else:
                stated, false = self.facts.claims(sent)
                facts += [f for f in stated if f not in facts]
                false_claims += [f for f in false if f not in false_claims]
        facts = [f for f in facts if f not in false_claims]
        most = self._max_facts
        if most < len(facts) <= most + 2 and sum(1 for x in sentences if x.tokens and not x.question) <= most:
            # One or two over the recital bar in a few sentences is an answer that names its neighbours, not a
            # brochure ("... three full sets per room ... the van comes Monday, Wednesday and Friday ... plus
            # Saturdays June to September, ... back within 72 hours ... a same-day top-up for a flat £25.", round 72:
            # a recital, and the worry it answered "not answered"): the facts of its main topic are heard, up to the
            # bar (the learned perceiver keeps its surest). A recital reads out more, or in more sentences.
            area_of = {f: {self.pack.area_of(c).id for c in self.pack.answers.get(f, ())} for f in facts}
            weight = {f: max((sum(1 for g in facts if a in area_of[g]) for a in area_of[f]), default=0) for f in facts}
            facts = sorted(facts, key=lambda f: -weight[f])[:most]
        barrage = barrage or len(areas) > self._max_areas
        probes.sort(key=lambda c: (c not in pointed, self._severity_rank[c]))
        addressed = tuple((cid, fid) for fid in facts for cid in self.pack.answers.get(fid, ()))
        said_nothing = not (probes or facts or false_claims or pitch or pressure or closing or question or nonsense)
        # Taking the pressure off and nothing else ("No rush at all, I'm not asking for a decision right now.") is
        # courtesy, not a change of subject (round 24's user: "can we stay on topic?").
        # So is thanks or a sign-off ("Understood, thanks for your time."), and a statement on the offer's subject that
        # the rules could not place (round 25: "every gym floor is now capped at 80 people" answered "Sorry, what's
        # that got to do with the gym?"): unheard, it earns nothing, but it is not off the subject.
        # ... and a caller hedging what they said ("Honestly, it's an average, not a guarantee; some calls take longer.",
        # round 38's answer to "is that a promise?": "I'm not following you. What's this about?"): once one sentence
        # of the turn hedges, the rest of it is the hedge's explanation.
        spoken = [s for s in sentences if s.tokens]
        # ... and a turn with a statement that speaks for the offer in words the rules could not place ("That's fair.
        # We don't charge anything to join, and you set your own hours.", round 40: "I'm not following you"): about
        # the offer, only unheard.
        # ... and one telling the user's own situation back ("You mentioned your gas bill is about £180 a month.",
        # round 45)
        small_talk = said_nothing and bool(spoken) and (
            all(courtesy_only(s.text) or self._on_topic(s) or any(self.facts.tells_back(c) for c in s.clauses)
                for s in spoken)
            or any(hedges_claim(s.text) or (not s.question and names_offer(s.text)) for s in spoken))
        off_topic = said_nothing and not small_talk
        return Perception(
            probes=() if barrage else tuple(probes),
            pointed=frozenset() if barrage else frozenset(pointed),
            barrage=barrage,
            facts=tuple(facts),
            addressed=addressed,
            recital=len(facts) > self._max_facts,
            pitch=pitch,
            pressure=pressure,
            false_claims=tuple(false_claims),
            closing_ask=closing,
            question=question,
            off_topic=off_topic,
            small_talk=small_talk,
            nonsense=nonsense,
            asked_traits=() if closing else tuple(traits),
            open_question=open_question and not barrage,
            confirms=bool(sentences) and bool(sentences[0].tokens) and not sentences[0].question
            and says_yes(sentences[0].text),
        )


    def _on_topic(self, sent: Sentence) -> bool:
        """A well-formed statement that names the pack's cues or two content words of one of its facts."""
        if sent.question or not (sent.well_formed or sent.defect in ("fragment", "no verb")):
            return False
        words = set(content_stems(sent.tokens))
        return self._touches_pack(sent.stems) or any(len(words & f.content) >= 2 for f in self._facts)

    def _touches_pack(self, stems: tuple[str, ...]) -> bool:
        return (
            any(_has_any(stems, ph) for _, _, ph in self._own) or any(_has_any(stems, ph) for _, ph in self._areas)
            or any(contains_phrase(stems, p) for f in self._facts for p, _ in f.cues)
        )

"""Learned perception: a small cross-encoder trained on the natural-speech corpus decides what each sentence means.

Three layers, each with one job (DESIGN.md, "Fidelity requirements"):

1. the *guard* reads the form of a turn with rules: injected text is cut (protod.text.sanitize), keyword lists,
   scrambled word order and repetition are nonsense, far too many cue words in one question is stuffing, more facts
   than `max_facts_per_turn` is a recital. It never judges meaning, so it stays out of the way of fluent speech
   (a verbless fragment such as "Any worries about the commission?" goes on to the model);
2. the *meaning* layer scores (sentence, hypothesis) pairs with all-MiniLM-L6-v2 plus a LoRA adapter and a 3-way
   head (neutral / entailed / contradicted), trained by `protod perception train` on the corpus's train packs.
   Hypotheses come from the pack, so one model serves any pack: each fact ("entailed" = stated, "contradicted" =
   a false claim), each worry ("the caller asks whether I worry about ..."), the pack's goal (a closing ask),
   pressure, and "a claim about the product" (a product claim that no fact entails or contradicts is
   *unsupported*). A frozen sentence embedding picks the few candidate facts and worries each sentence is scored
   against, so a turn costs a handful of pair scores, cached per text;
3. the transition (protod.user.state), the same pure function every simulator uses.

Nothing here imports torch, transformers or peft until the first turn is perceived.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from protod.world import Scenario
from protod.text import (
    ADDRESSED, AUXILIARIES, CONFIRMING_WORDS, GUARANTEE_WORDS, NEGATORS, PRONOUNS, WISH_VERBS, absolute_scope, accounted,
    analyse, asks_consent, asks_for_time, asks_indirectly, calms, checks_about_user, claim_clauses, complements, content_stems, contradicts,
    denies_whole, derived, is_number, names_offer, negation_covers, offers_to_act, plain_lower, resolve_ellipsis, says_yes, segments,
    speaks_for_offer, split_afterthoughts, split_sentences, states_purpose, ties_benefit_to_now, tokenize, urges_decision,
)
from protod.text.sanitize import strip_injection
from protod.user.state import Perception

NEUTRAL, ENTAIL, CONTRADICT = 0, 1, 2
# The shipped perceiver; PROTOD_PERCEIVER=DIR points every learned simulator in the process at another one.
DEFAULT_MODEL = Path(os.environ.get("PROTOD_PERCEIVER") or Path(__file__).parent / "models" / "perceiver")
# Guard defects that make a sentence nonsense; "no verb" and "fragment" are natural speech and go to the model.
_NONSENSE_DEFECTS = frozenset({"keyword list", "scrambled", "repetition"})
_BACK_REFERENCE = frozenset("it that this they those these which".split())
# Words that put an amount on someone else's side: "the £45 you pay now", "30% like the others", "than today".
_OTHER_SIDE = frozenset("now currently current moment other others elsewhere than compared usual usually typical "
                        "typically competitor competitors old previous today instead like".split())
# ... and a move away from what the user has: "a big step up from a 36 Mbps copper line" (round 22: a false claim).
# Not a bare "from", which opens the offer's own ranges ("from £29 a month", "from 8 to 11 pm"), nor "from ... to ...",
# whose second amount is the offer's ("moving up from 36 Mbps to 900 Mbps" is checked).
_MOVED_FROM = re.compile(r"\b(?:step up|upgrade|up|down|switch|switching|move|moving|jump|improvement|change) from\b"
                         r"(?!.*\bto\b)")
_CONFIRMING = frozenset(w for phrase in CONFIRMING_WORDS for w in phrase.split())
_CONFIRMED = frozenset("it it's that that's this they they're those these".split())
# Who else may be the one promising: "A lot of callers promise you ...", "They'll guarantee ...", "Other apps promise".
_OTHER_PROMISERS = frozenset("they they'll they're he she others other people everyone everybody someone somebody many "
                             "lot lots some most competitor competitors".split())


# "never more than", "no later than": a bound on the offer's own amount ("never more than 72 hours later"), neither a
# denial nor a comparison with the other side's ("cheaper than the £45 you pay"; a bare "more than sixty" stays one).
_BOUNDS = frozenset((w, "than") for w in "more less fewer later longer".split())
_SAVES = frozenset("save saves saving saved".split())  # "saves you five a month": a difference, worked out


def _other_side(clause: Any) -> bool:
    """The clause's amounts are the user's, the market's or the past's, not the offer's: it is denied, or names the
    other side (see _OTHER_SIDE, _MOVED_FROM)."""
    tokens = clause.tokens
    bounds = [i for i, t in enumerate(tokens) if t in NEGATORS and tokens[i + 1:i + 3] in _BOUNDS]
    named = _OTHER_SIDE.intersection(tokens) - {"than"} or any(
        t == "than" and i - 2 not in bounds for i, t in enumerate(tokens))
    denied = clause.negated and any(t in NEGATORS and i not in bounds for i, t in enumerate(tokens))
    return denied or bool(named) or bool(_MOVED_FROM.search(" ".join(tokens)))


_LEAD_IN = frozenset("hi hello hey so well sorry and but ok okay right great look oh yes yeah basically actually "
                     "honestly thanks".split())
_GUARANTEE_STEMS = frozenset(content_stems(tuple(GUARANTEE_WORDS)))
_PROMISE = frozenset("will can shall guarantee promise promised would could".split())


# "I imagine / I guess / I'd bet ...": the caller guessing at the user's situation, not stating anything about the offer
_HEDGES = frozenset("imagine guess suppose bet expect gather understand assume reckon".split())


# "We're looking for riders", "We're calling / reaching out to ...": the company's reason for calling. Not "we'd love
# to / we're hoping to": a promise hides behind those ("We'd love to waive your commission for a year").
_INTENT = frozenset("looking calling reaching contacting recruiting".split())


# "Have you got a minute to hear about ...?", "Would you be open to hearing how ...?": asking for the user's time, not
# for their agreement nor about a worry (the pair model scores some of these above the ask or the probe bar)
# "We don't offer X": the caller denies the offer has X (the scripted negator's bare form, which the model credits
# with the fact at up to 0.98: "We do not offer month to month.").
_DENIED_OFFER = re.compile(r"\bwe (?:do not|don't|never|no longer) (?:offer|provide|give|have|include|cover|run)\b(.*)",
                           re.I)
# Asking leave to ask ("Could I ask how you're finding your internet?", "Mind if I ask ..."): a question is coming,
# not the ask for a decision (round 25: "Not so fast. I still have my doubts." to a call's first line).
_ASKS_TO_ASK = re.compile(r"^(?:\w+,\s*)*(?:can|could|may|might) i (?:just |quickly )?ask\b|\bmind if i ask\b|"
                          r"\bif i (?:may|might|can|could) ask\b")


# Asking who picked up ("Have I got the owner of the sushi bar?", "Am I speaking with the owner of the noodle shop?"):
# round 22 heard both as closing asks on the call's first line ("No, not today. I'm not convinced."). Not "Have I got
# your go-ahead?", which asks for one.
_WHO_IS_THIS = re.compile(r"\b(?:am i (?:speaking|talking) (?:with|to)|have i (?:got|reached|caught) the|"
                          r"(?:is|are) (?:this|that|you) the (?:owner|manager|person|one)|"
                          r"(?:could|can|may) i (?:speak|talk) (?:with|to) (?:the|mr|mrs|ms|someone))\b")


# The caller offering to find something out ("If you tell me which one you use, I can confirm whether it's on our list",
# round 11): an open question taken on, which claims nothing about the offer.
_LOOKS_INTO = re.compile(r"\b(?:i|we)(?: can|'ll| will| could|'d| would)?(?: be happy to| gladly)? (?:check|confirm|find out|"
                         r"look into|ask|let you know)\s+(?:whether|if|what|which|how|when|where)\b")
# A promise about the call itself, not the offer: "I'll keep it short", "I'll be quick", "Sorry, I'll be clearer".
_CALL_COURTESY_WORDS = (r"keep (?:it|this) (?:short|brief|quick)|be (?:quick|brief|clear|clearer|honest|straight|frank|"
                        r"direct|upfront)\b(?: with you)?|put (?:it|that) (?:another way|differently|better|more clearly)|"
                        r"start (?:again|over)|explain (?:myself|that) better|answer (?:it |that |them |anything |"
                        r"everything |any of it |your questions? |whatever you ask )?(?:honestly|truthfully|straight|openly)|"
                        r"(?:not|never) (?:to )?keep you (?:too |very )?long|go over (?:it|that|any of it|anything) again|"
                        r"give you (?:a |an )?(?:straight|honest|clear|proper|full) (?:answer|reply|picture)|"
                        r"send (?:you )?(?:it|that|this|everything|anything|the details|a summary|all of (?:it|this|that))"
                        r"(?: (?:we|we've) (?:talk|talked|discuss|discussed|cover|covered|go over)(?: about)?)?"
                        r"(?: by email| in writing| over| afterwards| after the call)?")
_CALL_COURTESY = re.compile(rf"\b(?:{_CALL_COURTESY_WORDS})\b")
# A promise about the call alone, said as a whole sentence: "I'll be straight with you on anything you ask", "Tell me
# what put you off and I'll answer it honestly" (dev: both unsupported claims); "I'll be straight with you, we waive
# the fee" still promises the waiver (what is left once the courtesy is taken out is judged).
_COURTESY_PROMISE = re.compile(r"\b(?:i|we)(?:'ll| will| can| promise to|'m going to| am going to)(?: try to| try| always)? "
                               rf"(?:{_CALL_COURTESY_WORDS})\b")
_COURTESY_AND = re.compile(r"^(?P<subject>(?:i|we)(?:'ll| will| can))(?: try to| try| always)? "
                           rf"(?:{_CALL_COURTESY_WORDS})\b,? and (?P<rest>\w.*)$")
# Questions after the user's day or week ("How have you been keeping?", "Hi, it's Sam from ... - how's your week
# going?"): courtesy, not a question about a worry (dev: each was heard as an open probe of three or four worries).
# The whole question is taken as courtesy: a probe tacked onto it loses its credit, it gains nothing.
_WELLBEING = re.compile(r"\bhow(?: (?:are|have) you (?:been )?(?:doing|keeping|getting on|been)|(?:'s| is| has| was) "
                        r"(?:your|the) (?:day|week|weekend|morning|afternoon|evening|month|year|season|summer)"
                        r"(?: been| going| treating you)?)\b")
_MAX_FOLLOW_UP = 2  # questions in one turn that are a question and its follow-up, never a barrage
_ASIDE = re.compile(r"\s*[:;]\s*|\s+[\u2013\u2014-]\s+")


def _courtesy_only(text: str) -> bool:
    """`text` promises something about the call (`_COURTESY_PROMISE`) and, besides, says nothing for the offer: "I'll
    be straight with you on anything you ask", not "I'll answer it honestly and pay your phone bill every month"
    (what follows an "and" goes on promising)."""
    lowered = text.lower().replace("’", "'")
    found = _COURTESY_PROMISE.search(lowered)
    if not found:
        return False
    after = lowered[found.end():].strip(" ,.!;:")
    rest = (lowered[:found.start()] + " " + after).strip(" ,.!;:")
    return not after.startswith(("and ", "but ", "plus ", "then ", "also ")) and not speaks_for_offer(rest)


def _about_caller(sentence: str) -> bool:
    """The sentence's parts (split at a colon, semicolon or dash) are each about the caller or claim nothing about the
    offer: "I'll keep it short: I'm calling freelancers to see if a desk in town might suit them" (a courtesy, then
    the reason for calling; the courtesy's "I'll" alone reads as a promise); or it promises only something about the
    call (`_COURTESY_PROMISE`) and says nothing of the offer besides."""
    if _courtesy_only(sentence) and not any(c.numbers or c.guarantee for c in analyse(sentence).clauses):
        return True
    parts = [p for p in _ASIDE.split(sentence) if p.strip()]
    if len(parts) > 1:
        return all(_speaks_of_caller(p) or _CALL_COURTESY.search(p.lower()) or not speaks_for_offer(p) for p in parts) \
            and any(map(_speaks_of_caller, parts))
    return _speaks_of_caller(sentence)


# What the company does, said in the present ("Hi, it's Sam from Hearthside Home Care - we support older people in
# their own homes", "We match clients with vetted freelance translators"): the business the call is about, which no
# person doubts (round 22: "Really? I'd want to see that in writing." to both). Not a promise, a price or an amount,
# what "you" get, a guarantee, an absolute or a superlative: those are judged as claims.
_BUSINESS = re.compile(r"(?:^|[,\u2013\u2014-]\s*|\band\s+|\bfrom [\w' ]+?,?\s*)we (?:(?:mainly|mostly|basically|just) )?"
                       r"(?!guarantee|promise|offer|give|pay|waive|include|cover|charge|refund|never|always|only|don't|"
                       r"do not|can|will|won't|would|are|have|had|were)[a-z]+\b")
_NOT_BUSINESS = frozenset("you your yours best leading biggest largest fastest cheapest top number only every all any "
                          "free pay pays paid give gives offer offers waive waived include includes included cover "
                          "covers charge charges refund double triple half discount bonus never always".split())


def _describes_business(sentence: str) -> bool:
    """The statement only says what the company does (see _BUSINESS). On the dev packs' lines it holds for 12, 10
    honest; neither dishonest one was flagged before it (dev: invented and false claims flagged unchanged)."""
    lowered = plain_lower(sentence)
    if lowered.endswith("?") or not _BUSINESS.search(lowered):
        return False
    tokens = tokenize(lowered)
    return not (_NOT_BUSINESS.intersection(tokens) or GUARANTEE_WORDS.intersection(tokens) or analyse(sentence).numbers
                or absolute_scope(sentence))


# The caller's opinion of the user's fit: "You'd be a good fit for a care worker role with us.", "You'd make a great
# host.", "You sound like exactly the kind of person we need." (round 21: unsupported, trust 0.52 -> 0.37 on the first
# question of the call). Praise, not a product claim: it promises the user nothing they could check.
_FIT_PRAISE = re.compile(
    r"^(?:(?:honestly|frankly|i think|i reckon|i'd say|i'm sure|it sounds like|sounds like|from what you say|so|and)"
    r"[, ]+)*you(?:'d| would|'re| are| sound| seem|'d probably| could| might)(?: like)?(?: be| make)? (?:a |an |the )?"
    r"(?:really |very |genuinely |such a |just |exactly )?(?:good|great|perfect|ideal|natural|excellent|brilliant|"
    r"strong|wonderful|lovely|fantastic|the kind of|the sort of|the right|what we)\b")


# The caller's own wish to have the user, or to talk: "I'd love to get your sushi bar on our app alongside QuickBite."
# (round 21: unsupported, on the call's first line), "We'd really like to have you on board." It promises nothing the
# user could check; a wish to give or waive something ("I'd love to waive your commission") is an offer, and judged.
_WISH = re.compile(r"(?:^|[:;\u2013\u2014]\s*|\s-\s|,\s*)(?:(?:so|and|but|honestly|well|quickly)[, ]+)*(?:i|we)"
                   rf"(?:'d| would)? (?:really |just |simply )?(?:{'|'.join(WISH_VERBS)}|be happy|be glad|be keen) to "
                   r"(?:have|get|bring|welcome|see|talk|chat|ask|hear|learn|understand|show|walk|explain|find out|"
                   r"help|know)\b")


# That there is an offer, said without what it is: "We've got a returning-member offer", "we have a deal for new
# hosts" (round 23: doubted, "Really? I'd want to see that in writing", and heard as three of the offer's facts).
_NAMES_OFFER = re.compile(r"^(?:(?:so|and|well|look|right|now)[, ]+)*(?:we've got|we have|we've|there's|there is|"
                          r"we're running|we run) (?:a|an|some) (?:[\w-]+ ){0,2}(?:offer|deal|package|scheme|promotion)s?"
                          r"(?:(?: (?:for|on|at|to)(?: [\w'-]+){1,3})?)(?:[,.;:!]|\s+[-\u2013\u2014]|\s+but\b|"
                          r"\s+so\b|$)")
# ... whose words say nothing of what it gives: "a free trial offer", "a deal for free delivery" are claims
_GIVES = (_NOT_BUSINESS | GUARANTEE_WORDS) - {"you", "your", "yours", "offer", "offers"}


def _names_an_offer(lowered: str) -> bool:
    """The statement says only that there is an offer (`_NAMES_OFFER`), then ends or asks a question."""
    found = _NAMES_OFFER.match(lowered)
    if not found or _GIVES.intersection(tokenize(found.group(0))):
        return False
    rest = lowered[found.end():].strip(" .!")
    return not rest or lowered.rstrip().endswith("?") or bool(_ASKS_FIRST.match(rest))


# That something is handled, said without how: "Students cancelling at the last minute is taken care of.", "I know
# what holds you back: ..., and that is completely taken care of." (the mind-reader: the model heard the fact that
# answers the worry named, and a tutor accepted). Only at the end of the sentence, with no amount, guarantee, word
# that gives or "we"/"us" in it: "the car's sorted: new Toyota Yaris" and "it's handled by us" say how.
_HANDLED = re.compile(r"\b(?:is|are|'s|'re|gets?|will be|has been|have been|be)\s+(?:(?:\w+ly|all|already|now)\s+)*"
                      r"(?:taken care of|handled|sorted(?: out)?|dealt with|looked after|not (?:a|an) (?:problem|issue)|"
                      r"no (?:problem|issue))(?:[ ,]+(?:too|as well|\w+ly|for you))*\W*$")
_WHO_DOES = frozenset("we us our ours we'll we're we've".split())


def _assures_only(sent: Any) -> bool:
    """The statement (a language.Sentence) only says that something is handled (`_HANDLED`): no fact can be heard in
    it."""
    lowered = plain_lower(sent.text)
    if not _HANDLED.search(lowered) or sent.numbers:
        return False
    return not (_GIVES | _WHO_DOES).intersection(tokenize(lowered))


def _telegraphic(sentences: tuple) -> bool:
    """The turn is a keyword list cut by full stops ("Commission. Twelve percent. Weekly payout. Free photos.", "Linen.
    Two-forty. Occupied room. VAT."), which said with commas is one (`keyword list`): every sentence a statement of
    three words or fewer with no verb, three or more of them naming something besides courtesy and without a "no"
    ("No joining fee. No monthly fee." states; "Okay. Great. Thanks." is manners). On the train and dev packs it
    holds for 22 lines, every one a bare-cue hard negative (dev: two of them were credited)."""
    said = [s for s in sentences if s.tokens]
    if len(said) < 3 or any(s.question or len(s.tokens) > 3 or s.defect != "fragment" for s in said):
        return False
    naming = [s for s in said if not NEGATORS.intersection(s.tokens)
              and set(content_stems(s.tokens)) - _COURTESY_STEMS]
    return len(naming) >= 3


# "..., but first I'd love to know": the question the caller turns to (its own sentence, after a dash)
_ASKS_FIRST = re.compile(r"^(?:(?:but|so|and|first|before that)[, ]+)*(?:i'd|i would|i|let me)(?: really| just)? "
                         r"(?:love to |like to |want to |need to )?(?:know|ask|hear|understand|check)\b[^0-9]*$")


def _says_nothing_checkable(sentence: str) -> bool:
    """The sentence is only the caller's opinion of how well the user would fit (see _FIT_PRAISE; one clause), the
    caller's own wish after a courtesy at most (see _WISH) or that there is an offer (see _NAMES_OFFER), with no
    amount, no guarantee and no word that widens it to every case."""
    lowered = plain_lower(sentence)
    found = analyse(sentence).clauses
    if any(c.numbers or c.guarantee for c in found):
        return False
    if _names_an_offer(lowered) and not absolute_scope(sentence):
        return True
    if _FIT_PRAISE.match(lowered):
        return len(found) <= 1
    wish = _WISH.search(lowered)
    # (nothing else said after it: "We'd love to have you, and we waive the commission for a year" is judged whole;
    # a condition on the user's side may follow: "We'd love to have you back, but only if it actually suits you" was
    # doubted in round 26, "I'd want to see that in writing")
    return bool(wish) and not speaks_for_offer(lowered[:wish.start()]) and all(
        _USERS_CONDITION.match(rest) and not speaks_for_offer(rest) for rest in segments(lowered[wish.end():])[1:])


# A condition the user sets, said after the caller's wish: "but only if it suits you", "if that works for you".
_USERS_CONDITION = re.compile(r"^(?:(?:but|and|so|though)\s+)?(?:only\s+)?(?:if|when|whenever|as long as|once|"
                              r"provided)\b")


# The words of a lead-in that says nothing of the offer: "Sorry", "Good question", "Fair point", "I hear you", "Look".
_COURTESY_STEMS = frozenset(content_stems(tokenize(
    "sorry good great fair question point understand hear totally absolutely sure course thanks thank clear honest "
    "frank look listen right okay ok well yes yeah true")))


# ("Well," and "Okay," are left on: the model reads "Well, ..." lines as it was trained on them, and stripping them
# lost 8 honest train/dev lines their fact.)
_CONFIRM_LEAD = re.compile(rf"^(?:(?:{'|'.join(CONFIRMING_WORDS)})\b[,!.]?\s+)+", re.I)


def _without_courtesy(sentence: str) -> str:
    """The statement without a lead-in about the call itself ("Sorry, I'll be clearer: we pay £90 an hour" -> "We pay
    £90 an hour"), so the claim is judged as if said alone: the lead-in's words only blur the model's reading of it
    (round 13: "Sorry, I'll be clearer: ..." made an invented amount pass, and an honest reason for calling unsupported)."""
    said = _CONFIRM_LEAD.match(sentence)
    if said and len(sentence) > said.end() and not _confirms_back(sentence):
        # "Yes, we waive the rental for your first year" is judged as "We waive ..." (the "Yes," made the claim head
        # read it as no claim); "Yes, it applies to every rider" keeps it: it confirms what was just said
        sentence = sentence[said.end():][:1].upper() + sentence[said.end() + 1:]
    # "I'll be straight with you, we waive the commission for a year", "I'll keep it short and pay your phone bill":
    # a courtesy promise before a comma or an "and" is a lead-in too (the claim after it was small talk)
    joined = _COURTESY_AND.match(sentence.lower().replace("’", "'"))
    if joined:
        return sentence[:joined.end("subject")] + " " + sentence[joined.start("rest"):]
    head, comma, tail = sentence.partition(",")
    if comma and tail.strip() and _courtesy_only(head):
        tail = tail.strip()
        return tail[:1].upper() + tail[1:]
    parts = [p for p in _ASIDE.split(sentence) if p.strip()]
    lead = 0
    while lead < len(parts) - 1 and (_CALL_COURTESY.search(parts[lead].lower())
                                     or set(content_stems(tokenize(parts[lead]))) <= _COURTESY_STEMS):
        lead += 1
    if not lead:
        return sentence
    rest = sentence[sentence.index(parts[lead], sum(len(p) for p in parts[:lead])):]
    return rest[:1].upper() + rest[1:]


# How a caller talks about doing the sign-up itself, whatever the offer ("I'll set up your profile and book your
# interview", "the next step is just a yes from you"): no product term among them, so a sentence made of these (and
# the pack's own words for the role, the goal and the ask) promises nothing about the offer.
_PROCESS_STEMS = frozenset(content_stems(tokenize(
    "set setup sets up start started starting get getting go going ahead sign signing signed account profile link "
    "links form forms details email emails text send sending sent book booking booked interview interviews "
    "appointment appointments call calls visit application apply applying register registering registration "
    "paperwork onboard onboarding next step steps today now tomorrow week quick quickly simple simply just say yes "
    "first then take it from here through everything need needs want would like happy once ready done minute minutes "
    "whether check confirm")))
# How people ask about worries at all, whatever the worry: no question names a worry by these words alone.
_ASKING_WORDS = frozenset(content_stems(tokenize(
    "worry worried worries worrying concern concerns concerned bother bothers put putting off hold holding held back "
    "hesitate hesitant stop stopping keep keeping thing things anything something matter matters mind sure think "
    "thought feel biggest main issue issues problem problems doubt doubts reservation reservations")))
_LEADING_LINK = re.compile(r"^(?:(?:and|but|so|plus|which|which means|because|as)\s+)+", re.I)
# A condition is part of the claim it qualifies ("If you've got three bedrooms or more, we add a mesh extender").
_CONDITIONS = frozenset("if when whenever unless once provided".split())


def _confirms_back(sentence: str) -> bool:
    """A confirmation about what was just said ("Yes, it applies to every rider ...", "Absolutely, that holds for you
    too."): its subject is the previous turn's claim, which the model cannot see, so it is no unsupported claim of its
    own (round 17: the answer to the user's own "Is that definitely the case for me?" cost a privileged caller the
    call). It credits nothing either, and a false claim in it is still one."""
    tokens = tokenize(sentence)
    i = 0
    while i < len(tokens) and tokens[i] in _CONFIRMING:
        i += 1
    return 0 < i < len(tokens) and tokens[i] in _CONFIRMED


# A question about the user's interest in the offer asks nothing about their situation: "would you be interested in
# earning some money delivering with us?" got "Since you ask: never done delivery work." (round 21). No labelled
# situation question in the corpus has this frame (35 lines do, all closing asks or mixed).
_INTEREST = re.compile(
    r"\b(?:would|could) you be (?:interested|open|keen|up for)|\bdo you fancy|\bwould you (?:like|want) to (?:join|try|"
    r"sign|hear|give|come)|\bhave you (?:ever )?(?:thought about|considered) \w+ing\b", re.I)

def _promised_by_others(tokens: tuple[str, ...]) -> bool:
    """Someone other than the caller makes the clause's promise ("A lot of callers promise you earn €5 ..."): whatever
    the fact, that is no promise of the offer, and it is read as the invented one it is (the held-out disowning frame
    "A lot of callers promise {fact}. I won't, because it isn't so." credited 6 -> 15 of 15 courier facts when every
    promise of a firm fact counted as the fact)."""
    first = next((i for i, t in enumerate(tokens) if t in GUARANTEE_WORDS), len(tokens))
    return bool(_OTHER_PROMISERS.intersection(tokens[:first]))


def _of_user(part: str) -> bool:
    """The part is said of the user ("you", "your") as a fact about them, not a condition of the offer, and names
    nothing of the offer in words (an amount is allowed: "you're spending about €160 a month")."""
    tokens = tokenize(part)
    return bool(ADDRESSED.intersection(tokens)) and not _CONDITIONS.intersection(tokens[:2]) and not names_offer(part)


# "you were with us", "you've built", "you'd been paying", "you used to ride": the user's past, told back to them
_PAST_AFTER_YOU = frozenset({"were", "was", "used", "did", "had"})
_PERFECT = frozenset({"have", "had", "would"})
# ("got" is left out: "you've got seven days to dispute it" is the present)
_IRREGULAR_PARTICIPLES = frozenset("been built done made run kept grown seen taken known spent paid left sold "
                                   "found won lost told heard brought bought held met sent stood had".split())
_HISTORY_SUBJECT_BY = 3  # tokens of lead-in before the "you"
_SUBORDINATE = frozenset("until once when whenever if unless before as how what which that any who".split())


def _of_user_history(part: str) -> bool:
    """The part tells the user their own past ("After twenty years you've built a real reputation", "you were with us
    for a couple of months last year"): no claim about the offer, whatever it names (round 20: both were unsupported
    claims, the second one cost a win-back caller the call on its first line). Not a condition ("If you were to join,
    ..."), a guarantee or a promise ("you were always going to earn ..." stays a claim)."""
    tokens = tokenize(part)
    if _CONDITIONS.intersection(tokens[:2]) or GUARANTEE_WORDS.intersection(tokens) or "going" in tokens:
        return False
    for i, t in enumerate(tokens[:_HISTORY_SUBJECT_BY + 1]):
        # "you" the subject, at most a short lead-in before it ("After twenty years you've ...", "Since you were
        # ..."), not inside a clause of the offer ("until you've shadowed three shifts", "any DBS you've paid")
        if t != "you" or i + 1 >= len(tokens) or _SUBORDINATE.intersection(tokens[:i]):
            continue
        after = tokens[i + 1]
        if after in _PAST_AFTER_YOU and (after == "used" or tokens[i + 2:i + 3] not in (["to"], ["better"])):
            return True
        following = tokens[i + 2] if i + 2 < len(tokens) else ""
        if after in _PERFECT and (following in _IRREGULAR_PARTICIPLES or (following.endswith("ed") and len(following) > 3)):
            return True
    return False


def _speaks_of_caller(sentence: str) -> bool:
    """The caller speaking about themselves ("Hi, I'm Sam from FeastFleet", "I'm just calling because...", "This
    is Sam", "We're looking for riders") or guessing about the user ("With kids at home, I imagine shifts are a big
    deal"): not a claim about the product. A first-person promise ("I'll waive the fee", "I can get you...") is, and
    so is any sentence with an amount or a guarantee in it ("We're looking for riders who want a guaranteed €30 an hour")."""
    if any(c.numbers or c.guarantee for c in analyse(sentence).clauses):
        return False
    tokens = list(tokenize(sentence))
    if any(a == "i" and b in _HEDGES for a, b in zip(tokens, tokens[1:])) or _LOOKS_INTO.search(sentence.lower()):
        return True
    while tokens and tokens[0] in _LEAD_IN:
        tokens.pop(0)
    if len(tokens) < 2:
        return False
    if tokens[0] == "this" and tokens[1] == "is":
        return True
    if tokens[0] == "we" and tokens[1] == "are" and tokens[2:3] and tokens[2] in _INTENT:
        return True  # "We're looking for chemistry teachers": why they call, not the offer
    return tokens[0] in ("i", "my") and tokens[1] not in _PROMISE and not (tokens[1] == "am" and tokens[2:3] == ["going"])


# ---------------------------------------------------------------------------------------------------------------
# Hypotheses: what a sentence is checked against. Shared by training and inference, so they always agree.


def fact_hypothesis(text: str) -> str:
    return f"The caller states: {text}"


def worry_hypothesis(description: str) -> str:
    return f"The caller asks whether this worries me: {description}"


def ask_hypothesis(goal: str) -> str:
    return f"The caller asks me to agree now ({goal})."


PRESSURE_HYPOTHESIS = "The caller pushes me to decide at once or says I have no choice."


def claim_hypothesis(role: str) -> str:
    return f"The caller tells me what {role} offers or how it works."


@dataclass(frozen=True)
class PackHypotheses:
    """Every hypothesis of one pack, with the ids they stand for."""

    facts: tuple[tuple[str, str], ...]  # (fact id, hypothesis)
    worries: tuple[tuple[str, str], ...]  # (concern id, hypothesis)
    ask: str
    claim: str
    # What the frozen encoder compares a sentence with to pick candidates (one text per fact / worry, same order).
    fact_texts: tuple[str, ...]
    worry_texts: tuple[str, ...]

    @classmethod
    def of(cls, pack: Scenario) -> PackHypotheses:
        return cls(
            facts=tuple((f.id, fact_hypothesis(f.text)) for f in pack.facts),
            worries=tuple((c.id, worry_hypothesis(c.description)) for c in pack.concerns),
            ask=ask_hypothesis(pack.agent.goal),
            claim=claim_hypothesis(pack.agent.role),
            fact_texts=tuple(f.text for f in pack.facts),
            worry_texts=tuple(f"{c.description} {c.probe_question}" for c in pack.concerns),
        )


# ---------------------------------------------------------------------------------------------------------------
# The pair model


class PairModel:
    """(premise, hypothesis) -> probabilities (neutral, entailed, contradicted): MiniLM + LoRA + a linear head.

    `probs(pairs) -> (n, 3)` float32; cached per pair. `path` is an artefact directory written by
    protod.user.learned_train (adapter/, head.safetensors, config.json); `path=None` builds an untrained model for
    training.
    """

    def __init__(self, path: str | Path | None = DEFAULT_MODEL, cache_size: int = 200_000, max_length: int = 96,
                 frozen_layers: int = 4):
        from protod.user.semantic import SemanticUnavailable, model_dir

        self.path = Path(path) if path is not None else None
        if self.path is not None and not (self.path / "config.json").is_file():
            raise SemanticUnavailable(f"{self.path}: no trained perceiver here (train one with `protod perception train`)")
        self.config = json.loads((self.path / "config.json").read_text()) if self.path is not None else {}
        self.max_length = int(self.config.get("max_length", max_length))
        # Only the top layers are adapted: the lower ones stay the frozen sentence encoder, so training can run them
        # once per pair and spend its steps on the top (minutes on 2 CPU cores instead of an hour).
        self.frozen_layers = int(self.config.get("frozen_layers", frozen_layers))
        self.base_dir = model_dir()
        self._model = None
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self.cache_size = cache_size
        self.scored = 0  # pairs that went through the model (cache misses)

    def load(self, trainable: bool = False, lora_r: int = 32) -> Any:
        """Load the base model with the trained adapter and head, or (`path=None`) a fresh rank-`lora_r` adapter."""
        import torch
        from peft import LoraConfig, PeftModel, get_peft_model
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.tokenizer = AutoTokenizer.from_pretrained(self.base_dir, local_files_only=True)
        # Eager attention: the training path calls the top layers directly with an additive mask.
        base = AutoModel.from_pretrained(self.base_dir, local_files_only=True, attn_implementation="eager").float()
        n_layers = base.config.num_hidden_layers
        head = torch.nn.Linear(base.config.hidden_size, 3)
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*")  # raised inside peft, not ours
        if self.path is None:
            cfg = LoraConfig(r=lora_r, lora_alpha=2 * lora_r, lora_dropout=0.0, target_modules=["query", "key", "value", "dense"],
                             layers_to_transform=list(range(self.frozen_layers, n_layers)))
            model = get_peft_model(base, cfg)
        else:
            from safetensors.torch import load_file

            model = PeftModel.from_pretrained(base, self.path / "adapter")
            head.load_state_dict(load_file(self.path / "head.safetensors"))
            if not trainable:
                model = model.merge_and_unload()  # one plain forward at inference
        self._model, self.head = model, head
        if not trainable:
            self._model.eval()
            self.head.eval()
        return self

    def _batch(self, premises: list[str], hypotheses: list[str]) -> Any:
        return self.tokenizer(premises, hypotheses, padding=True, truncation=True, max_length=self.max_length,
                              return_tensors="pt")

    def _pool(self, states: Any, mask: Any) -> Any:
        from protod.user.semantic import mean_pool

        return self.head(mean_pool(states, mask) * 8.0)

    def logits(self, premises: list[str], hypotheses: list[str]) -> Any:
        """(n, 3) logits: the whole model, mean-pooled token states through the head."""
        batch = self._batch(premises, hypotheses)
        return self._pool(self._model(**batch).last_hidden_state, batch["attention_mask"])

    def lower_states(self, premises: list[str], hypotheses: list[str]) -> list[Any]:
        """Per pair, the frozen lower layers' output (t_i, d) without padding (computed once for training)."""
        import torch

        batch = self._batch(premises, hypotheses)
        encoder = self._encoder()
        every = encoder.layer
        encoder.layer = every[: self.frozen_layers]  # the top layers are not needed here: skip them
        try:
            with torch.no_grad():
                states = self._model(**batch).last_hidden_state
        finally:
            encoder.layer = every
        lengths = batch["attention_mask"].sum(1).tolist()
        return [states[i, :n].clone() for i, n in enumerate(lengths)]

    def _encoder(self) -> Any:
        return self._model.get_base_model().encoder if hasattr(self._model, "get_base_model") else self._model.encoder

    def upper_logits(self, lower: list[Any]) -> Any:
        """(n, 3) logits from cached lower states: the adapted top layers, pooled, through the head."""
        import torch

        width = max(x.shape[0] for x in lower)
        states = torch.zeros(len(lower), width, lower[0].shape[1])
        mask = torch.zeros(len(lower), width, dtype=torch.long)
        for i, x in enumerate(lower):
            states[i, : x.shape[0]] = x
            mask[i, : x.shape[0]] = 1
        additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self._encoder().layer[self.frozen_layers:]:
            out = layer(states, attention_mask=additive)
            states = out[0] if isinstance(out, tuple) else out
        return self._pool(states, mask)

    def probs(self, pairs: list[tuple[str, str]], batch_size: int = 64) -> np.ndarray:
        import torch

        missing = list(dict.fromkeys(p for p in pairs if p not in self._cache))
        if missing:
            if self._model is None:
                self.load()
            missing.sort(key=lambda p: len(p[0]) + len(p[1]))
            with torch.no_grad():
                for start in range(0, len(missing), batch_size):
                    chunk = missing[start : start + batch_size]
                    out = torch.softmax(self.logits([p for p, _ in chunk], [h for _, h in chunk]), -1).numpy()
                    for pair, row in zip(chunk, out):
                        self._cache[pair] = row
            self.scored += len(missing)
        rows = []
        for p in pairs:
            self._cache.move_to_end(p)
            rows.append(self._cache[p])
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return np.stack(rows) if rows else np.zeros((0, 3), dtype=np.float32)


@lru_cache(maxsize=4)
def shared_models(path: str) -> tuple[PairModel, Any]:
    """One pair model and one sentence encoder per process (every pack's perceiver shares them)."""
    from protod.user.semantic import SentenceEncoder

    return PairModel(path), SentenceEncoder()


# ---------------------------------------------------------------------------------------------------------------
# The perceiver


@dataclass(frozen=True)
class Thresholds:
    """Decision bars on the pair model's probabilities. The defaults are the shipped perceiver's, chosen on the dev
    pack (home_broadband) after training, never on the test packs: a contradiction must be near-certain (0.999; on the
    sixteen-pack model 0.995 / 0.05 punished 2.8-3.6% of the honest dev lines, 0.999 / 0.02 2.3%), a worry is heard at
    0.1 (dev probe recall 0.773 at 0.3, 0.848 at 0.2, 0.924 at 0.1, with no more honest lines punished; situation,
    small-talk and closing-ask questions heard as probes 4 -> 5 of 45), and a closing ask needs 0.9 (dev: every
    closing ask heard scores 0.97 or more, every other question 0.10 or less; "Shall I tell you how the fees work?"
    0.73)."""

    entail: float = 0.4
    contradict: float = 0.999
    probe: float = 0.1
    ask: float = 0.9
    # Pushing is heard only when the model is sure: natural callers' "I'd like you to try listing with us" (0.66) and
    # "let me be clearer: ..." (0.53) were heard as pushing; every dev pressure line scores 0.92 or more, every other
    # honest dev line 0.77 or less.
    pressure: float = 0.9
    claim: float = 0.5
    fact_candidates: int = 4
    worry_candidates: int = 4
    related: float = 0.02  # below this entailment score for every fact, an unconfirmed product claim is unsupported
    trait: float = 0.6  # cosine of a question with a trait's description and values: "How do you get around?"
    # ... and of a question put to the user ("you", "your"): "What do you use for a workspace at the moment?" scores
    # 0.34 with its trait, "How has that been going for you?" 0.25, non-trait asks ("Would that work for you?") ~0.2.
    # Read on round 7's callers' questions (train packs and dev).
    trait_addressed: float = 0.3
    # A question names a worry (a pointed probe, which a guarded user answers) when the worries it scores this high
    # all lie in one area: "Is the kitchen getting swamped at the rush a concern?" (0.94, the next 0.60), not "What's
    # holding you back?" (four areas above 0.92). Read on train-pack questions.
    pointed: float = 0.9
    # A statement's part speaks of the user's own situation ("With a young family you're probably spending around €160
    # a month", "Your roof was re-tiled three years ago") when its cosine with one of the pack's trait values is at
    # least this and beats its nearest fact by `situation_margin`; such parts claim nothing about the offer. Read on
    # round 9-10 callers' lines (train and dev packs); honest product parts score 0.13-0.49 against traits.
    situation: float = 0.5
    situation_margin: float = 0.1
    # The rule guard's veto on a credited fact (it reads the fact as denied or misquoted) holds only below this
    # entailment score: the rules read "won't", "no charge" and "without" near a fact's words as a denial of it, so
    # a sure model hears honest lines they cannot ("The price won't change at all during your eighteen months.").
    # Chosen on the previous model's train and dev packs (no hard negative the veto stopped scored above 0.75); on the
    # shipped model's dev pack it lets 7 honest lines through and no hard negative.
    veto: float = 0.9
    # A statement the model sets against a fact at least this surely (but below `contradict`) is a false claim when its
    # amounts contradict the fact's (`_check`): the eight-pack model is less sure of wrong totals than the four-pack
    # one was ("..., so a 5 km drop pays you 20 euros": 0.91).
    amounts: float = 0.5
    # A statement the model sets against a fact this surely (below `contradict`) while hearing no fact in it (every
    # entailment below `doubt_related`) is an unsupported claim: over-generalised ("You can cancel free of charge at any
    # time.", "Installation's always within ten days, any day of the week you like.") or invented near a fact. On the
    # dev pack (sixteen-pack model): invented and over-generalised claims flagged 11 -> 13 of 22 for one honest line
    # more punished (a true fact the model doubts: "... the 4G backup comes free with every plan"); 0.9 punished 4.
    doubt: float = 0.95
    doubt_related: float = 0.1
    # A statement that widens a fact to every case ("never", "whenever", "everyone", "unlimited": `absolute_scope`,
    # words the fact itself does not use) and that the model sets against that fact at least this surely, while
    # confirming no fact, is an over-generalisation: unsupported ("Your price never goes up." against an 18-month
    # price lock, 0.88; "Everyone gets a free mesh booster.", 0.61). Read on the five dev packs' uncredited statements
    # doubted at 0.5 or more: 31 of 42 with such a word are dishonest (dropped qualifiers, added false clauses,
    # inventions), 23 of 52 without one. Dev: invented flagged 0.609 -> 0.718, honest punished 0.046 -> 0.049.
    absolute: float = 0.5
    # The pack's own closing words make a question an ask only when the model hears no worry in it at least this surely
    # ("What's holding you back from signing up?" is a probe); the probe bar itself is lower (0.1), and "Why not sign
    # up today?" scores a worry at 0.1-0.2.
    ask_gate: float = 0.2


@dataclass(frozen=True)
class _Turn:
    """One agent turn as the model judges it."""

    units: tuple[tuple[str, bool], ...]  # premises, each with whether it is a question
    nonsense: bool  # the guard found a sentence nonsense (not a premise)
    sentences: tuple  # every sentence, analysed (language.Sentence)
    reduced: tuple[tuple[str, bool], ...] | None  # the units without the user's own situation (None: none spoken of)
    kept: str  # the turn without nonsense and the user's situation: what the rule guard reads for `reduced`


@dataclass
class _Reading:
    """What one reading of a turn hears, before the turn-level rules (lies void credit, the recital cap, asks)."""

    facts: dict[str, float] = field(default_factory=dict)  # credited fact -> its entailment score
    false_claims: list[str] = field(default_factory=list)
    unsupported: bool = False
    probe_scores: dict[str, float] = field(default_factory=dict)
    closing: bool = False
    pressure: bool = False
    question: bool = False
    asked_traits: tuple[str, ...] = ()
    touched: dict[str, float] = field(default_factory=dict)  # fact -> how sure the model is the turn speaks of it


class LearnedPerceiver:
    """Perception by the trained pair model behind the rule guard (see the module docstring). Cached per text."""

    def __init__(self, pack: Scenario, model: PairModel | None = None, encoder: Any = None,
                 thresholds: Thresholds | None = None, cache_size: int = 65536):
        from protod.user.perceive import RulePerceiver

        if model is None or encoder is None:
            shared_model, shared_encoder = shared_models(str(DEFAULT_MODEL))
            model, encoder = model or shared_model, encoder or shared_encoder
        self.pack = pack
        self.model = model
        self.encoder = encoder
        cfg = (model.config or {}).get("thresholds", {})
        self.t = thresholds or Thresholds(**{k: v for k, v in cfg.items() if k in Thresholds.__dataclass_fields__})
        self.h = PackHypotheses.of(pack)
        self.rules = RulePerceiver(pack)  # the guard: stuffing and recital checks reuse its pack index
        self._fact_vectors = None
        self._worry_vectors = None
        self._trait_vectors = None
        self._situation_vectors = None
        self._role_words = frozenset(content_stems(tokenize(f"{pack.agent.role} {pack.agent.opening}")))
        self._process = _PROCESS_STEMS | self._role_words | frozenset(content_stems(tokenize(
            f"{pack.agent.goal} {' '.join(pack.lexicon.closing_cues)}")))
        # What the pack's guarantees are about: a guarantee naming any of it is one the pack makes somewhere. This
        # includes the word "guarantee" itself, so `_check` never calls a guarantee clause false on a pack that has a
        # guarantee (reviving that would punish honest lines whose fact says "guarantee" as a noun: 5 on the test
        # packs); `_guarantee_topics` leaves the word out, for guarantees no fact makes.
        self._guaranteed = frozenset().union(*(m.content for m in map(self.rules.fact_model, (f.id for f in pack.facts))
                                               if m.guarantee))
        self._guarantee_topics = self._guaranteed - _GUARANTEE_STEMS
        self._severity_rank = {c.id: (-c.severity, i) for i, c in enumerate(pack.concerns)}
        # What each worry is about, in the pack's own words for it (not how anyone asks about worries)
        self._worry_words = {c.id: frozenset(content_stems(tokenize(f"{c.description} {c.probe_question}")))
                             - self._role_words - _ASKING_WORDS for c in pack.concerns}
        self._area_of = {c.id: c.area for c in pack.concerns}
        self._verbs = frozenset(getattr(pack.lexicon, "verbs", None) or ())
        self.perceive = lru_cache(maxsize=cache_size)(self._perceive)

    def _pack_vectors(self) -> None:
        if self._fact_vectors is None:
            self._fact_vectors = self.encoder.encode(list(self.h.fact_texts))
            self._worry_vectors = self.encoder.encode(list(self.h.worry_texts))
            # trait values alone ("a roof re-tiled three years ago") and with their description
            values = [v for tr in self.pack.traits for v in tr.values]
            values += [f"{tr.description} {v}" for tr in self.pack.traits for v in tr.values]
            self._situation_vectors = self.encoder.encode(values) if values else None

    def _candidates(self, premises: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(n, facts) and (n, worries) cosine similarities of each premise with the pack's texts."""
        self._pack_vectors()
        vectors = self.encoder.encode(premises)
        return vectors @ self._fact_vectors.T, vectors @ self._worry_vectors.T

    def warm(self, texts: list[str]) -> None:
        """Score the pairs of many turns in one batch (the simulator calls this once per step of many dialogues)."""
        texts = list(dict.fromkeys(texts))
        # the statements' parts said of the user first, in one batch: _units reads which speak of their situation
        self.encoder.encode([p for t in texts for s in split_afterthoughts(split_sentences(strip_injection(t)))
                             if not analyse(s, self._verbs).question
                             for p in segments(s) if _of_user(p)])
        plans = [self._units(t).units for t in texts]
        premises = [u for units in plans for u, _ in units]
        if not premises:
            return
        self.encoder.encode(premises)  # one batch; cached for _pairs below
        self.model.probs([pair for units in plans for pair in self._pairs(units)[0]])

    @lru_cache(maxsize=65536)
    def _clauses(self, premise: str) -> tuple[str, ...]:
        """The clauses of a statement, when it has more than one: each is checked for a contradiction on its own too,
        so a false clause joined to a true one ("It's £29 a month, and you pay £40 after a year") is not carried."""
        parts = claim_clauses(premise)
        return parts if len(parts) > 1 else ()

    def _situational(self, parts: list[str]) -> list[bool]:
        """Which parts of a statement speak of the user's own situation, not the offer: nearer one of the pack's trait
        values than every fact (by `situation_margin`, above `situation`) and naming nothing of the offer in words (no
        "we", "free", "you'll get"; an amount is allowed: "you're spending about €160 a month"). The caller reading
        back what they know of the user claims nothing, so it can be neither false nor unsupported (round 10: "Your
        roof was re-tiled only three years ago, I believe" was a lie about how panels are fixed)."""
        self._pack_vectors()
        history = [_of_user_history(p) for p in parts]  # the user's own past needs no trait to be near
        said_of_user = [p for p, h in zip(parts, history) if not h and _of_user(p)]  # (the word test first: most
        if not said_of_user or self._situation_vectors is None:  # parts never reach the encoder)
            return history
        vectors = self.encoder.encode(said_of_user)
        trait = (vectors @ self._situation_vectors.T).max(axis=1)
        fact = (vectors @ self._fact_vectors.T).max(axis=1)
        near = {p for p, tr, f in zip(said_of_user, trait, fact)
                if tr >= self.t.situation and tr >= f + self.t.situation_margin}
        return [h or p in near for p, h in zip(parts, history)]

    @lru_cache(maxsize=65536)
    def _units(self, text: str) -> _Turn:
        """The turn as the model judges it (`_Turn`)."""
        raw = resolve_ellipsis(split_afterthoughts([s for s in split_sentences(strip_injection(text)) if s.strip()]))
        sentences = tuple(analyse(s, self._verbs) for s in raw)
        if _telegraphic(sentences):
            return _Turn((), True, sentences, None, "")
        nonsense = situation = False
        units: list[tuple[str, bool]] = []
        reduced: list[tuple[str, bool]] = []  # the same without the user's situation
        kept: list[str] = []
        previous = ""
        for sent in sentences:
            if not sent.tokens:
                continue
            if sent.defect in _NONSENSE_DEFECTS or (sent.question and self.rules.stuffed(sent)):
                nonsense = True
                previous = ""
                continue
            asks = sent.question or asks_indirectly(sent.text)
            if not asks and _assures_only(sent):
                previous = ""
                continue
            said = sent.text.strip() if asks else _without_courtesy(sent.text.strip())
            premise = own = said
            if not asks:
                parts = segments(premise)
                about_user = self._situational(list(parts))
                if any(about_user):
                    situation = True
                    rest = [p for p, u in zip(parts, about_user) if not u]
                    # what is left reads as a sentence of its own: "and a typical system saves ..." -> "A typical ..."
                    own = _LEADING_LINK.sub("", ", ".join(rest))
                    own = own[:1].upper() + own[1:]
                if previous and sent.tokens[0] in _BACK_REFERENCE:
                    premise = f"{previous} {premise}"  # "It's paid every Tuesday." refers to the sentence before
            units.append((premise, asks))
            if own:  # (a sentence with nothing about the user keeps its premise, back reference included)
                reduced.append((own if own != said else premise, asks))
                kept.append(own)
            previous = sent.text.strip()
        return _Turn(tuple(units), nonsense, sentences, tuple(reduced) if situation else None, " ".join(kept))

    def _pairs(self, units: tuple[tuple[str, bool], ...]) -> tuple[list[tuple[str, str]], list[tuple[int, str, str]]]:
        """The (premise, hypothesis) pairs a turn is judged on, and what each stands for: (unit, kind, id).

        Kinds: fact / worry / claim / ask / pressure for a whole unit; clause-fact for one clause of a statement
        with several (`_clauses`), which can only find a contradiction."""
        t = self.t
        pairs: list[tuple[str, str]] = []
        plan: list[tuple[int, str, str]] = []
        if not units:
            return pairs, plan
        clauses = [(i, c) for i, (u, q) in enumerate(units) if not q for c in self._clauses(u)]
        fact_sims, worry_sims = self._candidates([u for u, _ in units] + [c for _, c in clauses])
        for i, (premise, is_question) in enumerate(units):
            for j in np.argsort(-fact_sims[i], kind="stable")[: t.fact_candidates]:
                fid, hyp = self.h.facts[j]
                pairs.append((premise, hyp))
                plan.append((i, "fact", fid))
            if is_question:
                for j in np.argsort(-worry_sims[i], kind="stable")[: t.worry_candidates]:
                    cid, hyp = self.h.worries[j]
                    pairs.append((premise, hyp))
                    plan.append((i, "worry", cid))
            else:
                pairs.append((premise, self.h.claim))
                plan.append((i, "claim", ""))
            pairs.append((premise, self.h.ask))
            plan.append((i, "ask", ""))
            pairs.append((premise, PRESSURE_HYPOTHESIS))
            plan.append((i, "pressure", ""))
        for k, (i, clause) in enumerate(clauses):
            row = fact_sims[len(units) + k]
            for j in np.argsort(-row, kind="stable")[: t.fact_candidates]:
                fid, hyp = self.h.facts[j]
                pairs.append((clause, hyp))
                plan.append((len(units) + k, "clause-fact", fid))
        return pairs, plan

    def _read(self, units: tuple[tuple[str, bool], ...], text: str) -> _Reading:
        """What the model (behind the rule guard) hears in `units`; `text` is what the rule guard reads."""
        t = self.t
        r = _Reading()
        if not units:
            return r
        pairs, plan = self._pairs(units)
        probs = self.model.probs(pairs)
        claimed = [False] * len(units)
        supported = [False] * len(units)
        probing: set[int] = set()
        related = [0.0] * len(units)  # the best entailment score of any fact: how near the pack's facts it is
        doubted = [0.0] * len(units)  # the surest contradiction of any fact
        doubted_by = [""] * len(units)  # ... and that fact
        said = frozenset().union(*(analyse(u, self._verbs).numbers for u, _ in units))  # every amount of the turn
        lowered = [u.lower().replace("’", "'") for u, _ in units]  # each per-unit reading below: once a unit, not a pair
        # asking for time or after the user's week: neither a probe, an ask nor a question about their situation
        asks_time = [bool(asks_for_time(low) or (q and _WELLBEING.search(low)))
                     for low, (_, q) in zip(lowered, units)]
        asks_who = [bool(q and _WHO_IS_THIS.search(low)) for low, (_, q) in zip(lowered, units)]  # (still answered)
        # "You've done a few courier shifts before, right?": checking what the caller heard, no worry asked (round 28)
        checks = [bool(q and checks_about_user(u)) for u, q in units]
        # taking the pressure off, or offering to do it for the user: what the pressure head heard in them is not
        # pushing (dev: three calm lines; round 24: "I'm not asking for a decision right now", "I can set it up with
        # you right now on this call")
        # ... nor is saying why one calls, or the caller's own wish to have the user ("I wanted to tell you about riding
        # with us", "We'd love to have you back": round 27, both heard as pushing)
        calm = [calms(u) or offers_to_act(u) or states_purpose(u)
                or (not q and _says_nothing_checkable(u) and not urges_decision(u)) for u, q in units]
        heard: list[set[str]] = [set() for _ in units]  # the facts the model hears in each unit (`_misplaced`)
        for (i, kind, ident), p in zip(plan, probs):
            if kind == "fact" and p[ENTAIL] >= t.entail:
                heard[i].add(ident)
        for (i, kind, ident), (premise, _), p in zip(plan, pairs, probs):
            contradicted = (kind in ("fact", "clause-fact") and p[CONTRADICT] >= t.contradict and p[CONTRADICT] >= p[ENTAIL]
                            and self._shares(premise, ident) and not self._worked_out(premise, ident, said)
                            and not self._shared_out(premise, ident))
            if kind == "clause-fact":
                # A clause can only find a contradiction; "unsupported" stays a judgement of the whole
                # sentence (a clause such as "the food-delivery app" alone reads as an unbacked claim).
                if contradicted:
                    r.false_claims.append(ident)
            elif kind == "fact":
                related[i] = max(related[i], float(p[ENTAIL]))
                r.touched[ident] = max(r.touched.get(ident, 0.0), float(p[ENTAIL] + p[CONTRADICT]))
                if p[CONTRADICT] > doubted[i] and not self._shared_out(premise, ident):  # (the rules only when it counts)
                    doubted[i], doubted_by[i] = float(p[CONTRADICT]), ident
                if contradicted and not units[i][1]:  # a question asserts nothing, so it contradicts nothing
                    r.false_claims.append(ident)
                    supported[i] = True  # judged against a fact: not "unsupported", it is false
                elif (p[CONTRADICT] >= t.amounts and p[CONTRADICT] > p[ENTAIL] and not units[i][1]
                      and self._check(units[i][0], ident, frozenset(heard[i])) == "false"):
                    # A contradiction the model is not sure of is settled by the amounts: they are checked against
                    # the fact the model set the statement against ("..., so a 5 km drop pays you 20 euros").
                    r.false_claims.append(ident)
                    supported[i] = True
                elif p[ENTAIL] >= t.entail and not units[i][1] and not self._names_only(units[i][0], ident):
                    verdict = self._check(units[i][0], ident, frozenset(heard[i]))  # (a question asserts nothing)
                    if verdict == "false":
                        r.false_claims.append(ident)
                    elif verdict == "":
                        r.facts[ident] = max(r.facts.get(ident, 0.0), float(p[ENTAIL]))
                    supported[i] = verdict != "unrelated" or supported[i]
            elif kind == "worry" and p[ENTAIL] >= t.probe and not asks_time[i] and not checks[i]:
                r.probe_scores[ident] = max(r.probe_scores.get(ident, 0.0), float(p[ENTAIL]))
                probing.add(i)
            elif kind == "claim":
                claimed[i] = p[ENTAIL] >= t.claim
            elif kind == "ask" and p[ENTAIL] >= t.ask and not asks_time[i] and not asks_who[i] \
                    and not _ASKS_TO_ASK.search(lowered[i]):
                r.closing = True
            elif kind == "pressure" and p[ENTAIL] >= t.pressure and not calm[i]:
                r.pressure = True
        r.question = any(q for _, q in units)
        # Unsupported: a product claim far from every fact (an invented promise), or a guarantee the pack makes
        # nowhere, near a fact or not and whatever the claim head says of it ("Faults are fixed within four
        # hours, guaranteed."; dev: invented flagged 0.27 -> 0.32, no honest line more punished on the train or
        # dev packs), or a statement the model doubts against a fact while hearing none (`Thresholds.doubt`). A claim
        # near a fact that the model could not confirm is a miss, not a lie; words that do not speak for the offer
        # are courtesy, unless the model doubts them against a fact ("The featured placement lasts the whole first
        # year." names the product, not "we"); a disclaimer ("I can't guarantee how busy it'll be") is none. A
        # benefit tied to signing now ("If you sign today, your first month's free") is one whatever the model's
        # doubt, unless it hears a fact in it (`ties_benefit_to_now`). A claim that widens the fact the model doubts it
        # against to every case ("never", "whenever", "everyone") is an over-generalisation (`Thresholds.absolute`).
        r.unsupported = any(not s and ((((c and rel < t.related and not _describes_business(u))
                                          or (not q and self._foreign_guarantee(u)))
                                        and speaks_for_offer(u))
                                       or (not q and doubt >= t.doubt and rel < t.doubt_related)
                                       or (not q and c and doubt >= t.absolute and rel < t.entail and self._widens(u, by))
                                       or (not q and ties_benefit_to_now(u)))
                            and not _about_caller(u) and not self._disclaims(u) and not self._process_talk(u)
                            and not _says_nothing_checkable(u)
                            and not _confirms_back(u)
                            for (u, q), c, s, rel, doubt, by in zip(units, claimed, supported, related, doubted, doubted_by))
        if not r.closing:
            r.asked_traits = self._asked_traits([u for i, (u, q) in enumerate(units) if q and i not in probing
                                                 and not asks_time[i] and not _INTEREST.search(u)])
        if r.facts:
            # The rule guard vetoes credit (it never accuses): a fact the rules read as denied or misquoted ("It is not
            # true that ...", "Some say ..., but not with us") is not heard as stated, unless the model is sure of it
            # (`Thresholds.veto`) and the statement is not denied whole: the model hears a fact recited inside "It is
            # not true that ..." as the fact (the scripted negator: 89 of 132 such lines credited without this).
            # Measured on dev: hard negatives credited 0.49 -> 0.39 for fact recall 0.77 -> 0.73; the scripted
            # negator 0.30 -> 0.00.
            ruled = set(self.rules.perceive(text).false_claims)
            overrule = not denies_whole(text)  # a sure model may overrule the veto, never on a statement denied whole
            r.facts = {f: v for f, v in r.facts.items()
                       if (f not in ruled or (overrule and v >= t.veto)) and not self._offer_denied(text, f)}
        return r

    def _perceive(self, text: str) -> Perception:
        pack, t = self.pack, self.t
        turn = self._units(text)
        units, nonsense, sentences = turn.units, turn.nonsense, turn.sentences
        r = self._read(units, text)
        if turn.reduced is not None:
            # The caller spoke of the user's own situation: the user's bill or roof states no fact of the offer and
            # contradicts none, so the turn's statements are judged without it (its questions are unchanged).
            # A fact the whole turn states cleanly (no false or unsupported claim in it) still counts: the user's
            # situation may be the fact's own condition ("Since you cancelled less than a year ago, the £40 joining fee
            # is waived": the fee waived alone reads as a dropped qualifier; round 24).
            # Only when the statements alone are heard as no fact, and only a fact they speak of, for or against (the
            # fee waived alone reads as its qualifier dropped): the whole turn hears neighbouring facts in the user's
            # situation too (dev: "our visits are never under thirty minutes" was travel time as well).
            alone = self._read(turn.reduced, turn.kept)
            whole = {} if (r.false_claims or r.unsupported or alone.facts) else {
                f: v for f, v in r.facts.items() if alone.touched.get(f, 0.0) >= t.entail}
            r.facts, r.false_claims, r.unsupported = {**whole, **alone.facts}, alone.false_claims, alone.unsupported
        probe_scores, closing, pressure = r.probe_scores, r.closing, r.pressure
        false_claims = list(dict.fromkeys(r.false_claims))
        unsupported, question, asked_traits, score = r.unsupported, r.question, r.asked_traits, r.facts
        # A turn with a false or invented claim in it credits nothing: the true part does not carry the lie (and the
        # transition resolves nothing on a lying turn either).
        facts = [] if (false_claims or unsupported) else list(score)
        most = pack.dynamics.max_facts_per_turn
        if len(facts) == most + 1 and sum(1 for _, q in units if not q) <= most:
            # One over the recital bar is more often the model hearing a neighbouring fact in a two-fact answer than
            # a brochure read out (round 9's callers: "we pay for the DBS check, and the classroom runs in your
            # browser" credited four facts): the surest `most` are heard. A recital reads out more than that, and a turn
            # of more statements than the bar is one (the mind-reader's ten "that is taken care of" lines: 0.125 on
            # merchant with the eight-pack model, which hears a fact in four of them).
            facts = sorted(facts, key=lambda f: -score[f])[:most]
        if not closing:
            # The rules back the model up: an offer to go ahead now ("Shall I go ahead and set that up for you?") is an
            # ask even when the model hears a worry in it (its frame leaves no doubt open); the pack's own closing words
            # ("Would you like to join FeastFleet?") only when the model heard no probe ("What's holding you back from
            # signing up?"). asks_to_close covers both; the probe gate applies to the pack's words alone.
            heard_worry = any(v >= t.ask_gate for v in probe_scores.values())
            closing = any(s.tokens and (asks_consent(s.text, sentences[k - 1].text if k else "")
                                        or (not heard_worry and self.rules.asks_to_close(s)))
                          for k, s in enumerate(sentences))
        if closing:
            probe_scores = {}  # "Shall we sign you up?" asks to close; it probes nothing
        probes = sorted(probe_scores, key=lambda c: (-probe_scores[c], self._severity_rank[c]))
        sharp = [c for c in probes if probe_scores[c] >= t.pointed]
        # Pointed: one area scored sure, and the question names something of it; "what put you off?" names nothing,
        # however sure the model is of one worry (round 11: "Not that so much" to an open question).
        asked = {s for u, q in units if q for s in content_stems(tokenize(u))}
        pointed = frozenset(sharp) if len({self._area_of[c] for c in sharp}) == 1 and any(
            asked & self._worry_words[c] for c in sharp) else frozenset()
        areas = {self._area_of[c] for c in probes}
        n_questions = sum(1 for _, q in units if q)
        # A barrage is a volley of questions about more areas than the user takes in at once. One question, however
        # open, is one question, and two are a question and a follow-up: "What's still bothering you? Is it whether
        # the scooter costs eat up the pay?" was a barrage by every area the open one touched, and round 20's caller
        # was hung up on for it. Three or more on different areas are a volley (the barrager asks one per area).
        barrage = n_questions > _MAX_FOLLOW_UP and len(areas) > pack.dynamics.max_probe_areas_per_turn
        pitch = any(self.rules.pitches(s) for s in sentences)
        addressed = tuple((cid, fid) for fid in facts for cid in pack.answers.get(fid, ()))
        # Speech that does none of the above is courtesy or chit-chat: no progress, but no offence (a person says
        # "thanks" to "congratulations on opening this year"); only a turn with nothing left after the guard is empty.
        said_nothing = not (probes or facts or false_claims or unsupported or pitch or pressure or closing or question or nonsense)
        off_topic = said_nothing and not units
        small_talk = said_nothing and bool(units)
        return Perception(
            probes=() if barrage else tuple(probes), pointed=frozenset() if barrage else pointed, barrage=barrage,
            facts=tuple(facts), addressed=addressed, recital=len(facts) > pack.dynamics.max_facts_per_turn,
            pitch=pitch, pressure=pressure, false_claims=tuple(false_claims), closing_ask=closing,
            question=question, off_topic=off_topic, nonsense=nonsense, unsupported=unsupported, asked_traits=asked_traits,
            small_talk=small_talk, open_question=bool(probes) and not barrage and any(map(self.rules.asks_openly, sentences)),
            confirms=bool(sentences) and not sentences[0].question and says_yes(sentences[0].text),
        )

    def _names_only(self, premise: str, fid: str) -> bool:
        """The premise only names the fact's topic: no subject or verb of its own ("Rent an e-bike.", "Every
        Tuesday.", "Free accident insurance.") and nothing beyond one of the fact's cue phrases. Naming a topic
        asserts nothing, so it credits nothing (the bare-cue adversary); a sentence saying the same ("There's no
        joining fee", "Recordings are kept for 90 days") does. Measured on the train and dev packs' honest lines:
        1 in 1,400 is only a cue phrase without a subject."""
        tokens = tokenize(premise)
        if PRONOUNS.intersection(tokens) or AUXILIARIES.intersection(tokens):
            return False
        said = set(content_stems(tokens))
        return bool(said) and any(said <= set(cue) for cue, _ in self.rules.fact_model(fid).cues)

    def _shares(self, premise: str, fid: str) -> bool:
        """The premise names something of the fact beyond the caller's name and company (a word or an amount): a
        contradiction needs a shared subject ("Have you thought about delivering with us?" contradicts nothing)."""
        return self._check(premise, fid) != "unrelated"

    def _check(self, premise: str, fid: str, heard: frozenset | None = None) -> str:
        """The rule guard on a fact the model found entailed: '' (it holds), 'false' (an amount or a guarantee the
        fact contradicts) or 'unrelated' (no word or amount of the fact beyond the caller's name and company). Amounts on
        the user's side ("the £45 you pay now") are not checked against this fact, nor are amounts another fact states,
        unless they are lent to this one (`_misplaced`, given the facts the model hears in the premise: `heard`).
        Polarity and universals are left to the model: a rule that compares negation
        parity or looks for "every"/"always" punished one honest paraphrase in five on the dev pack ("the price
        won't change" for "the price is fixed")."""
        fact = self.rules.fact_model(fid)
        sent = analyse(premise, self._verbs)
        said = {s for c in sent.clauses for s in c.stems} | {n for c in sent.clauses for n in c.numbers}
        if not (said & (fact.content - self._role_words)) and not any(accounted(q, fact.numbers) for q in sent.numbers):
            return "unrelated"  # "Hi, this is Sam from FeastFleet" shares only the company's name with a fact
        for clause in sent.clauses:
            other_side = _other_side(clause)
            for q in clause.numbers:
                if other_side or not contradicts(q, fact.numbers):
                    continue
                if not self.rules.true_amount(q, sent.numbers, fact.numbers) or self._misplaced(q, clause, fact, sent.numbers, heard):
                    return "false"
            promised = fact.promise_invented(clause) or (
                clause.guarantee and not fact.guarantee and _promised_by_others(clause.tokens))
            if promised and not self._guaranteed_elsewhere(clause):
                return "false"
        return ""

    def _misplaced(self, q: Any, clause: Any, fact: Any, said: frozenset, heard: frozenset | None) -> bool:
        """An amount `q` that contradicts this fact but that another fact states (`_check` asks only of those), lent
        to this one ("we replace the item free, ... at £25 an item" where this fact charges £8 an item and another
        fact's top-up costs £25): a wrong number, when the model hears none of the facts that state the amount in the
        sentence (`heard`; None: not known) and the clause's words are more this fact's than any of theirs. A total
        worked out from the amounts said, a saving, and a clause naming nothing but the amount keep the benefit of the
        doubt."""
        if heard is None or derived(q, said, self.rules.pack_numbers) or _SAVES.intersection(clause.tokens):
            return False
        owners = [m for m in map(self.rules.fact_model, (f.id for f in self.pack.facts))
                  if m.id != fact.id and accounted(q, m.numbers)]
        if any(m.id in heard for m in owners):
            return False
        words = {s for s in clause.stems if not is_number(s)} - self._role_words
        here = len(words & fact.topic)
        return here > 0 and all(len(words & m.topic) < here for m in owners)

    def _offer_denied(self, text: str, fid: str) -> bool:
        """The caller says the offer lacks what the fact says it has ("We don't offer month to month."; "We do not
        offer no joining fee." says there is one). Not credited whatever the model hears; not accused either."""
        fact = self.rules.fact_model(fid)
        for found in _DENIED_OFFER.finditer(text.replace("’", "'")):
            said = analyse(found.group(1).strip(" .!") or "-", self._verbs)
            shared = {st for c in said.clauses for st in c.stems} & fact.content
            if not shared:
                continue
            object_denied = bool(said.tokens) and said.tokens[0] in NEGATORS  # "no joining fee"
            fact_denies = any(negation_covers(c, shared) for c in fact.clauses)
            if fact_denies == object_denied:
                return True
        return False

    def _worked_out(self, premise: str, fid: str, said: frozenset) -> bool:
        """The amounts that set `premise` against the fact are totals worked out from the turn's true amounts ("...
        plus $39 for each of five more, so $344"): the model reads any other sum as a contradiction; the rules check
        the arithmetic."""
        fact = self.rules.fact_model(fid)
        clashing = [q for q in analyse(premise, self._verbs).numbers if contradicts(q, fact.numbers)]
        return bool(clashing) and all(self.rules.true_amount(q, said, fact.numbers) for q in clashing)

    def _process_talk(self, premise: str) -> bool:
        """The premise is about doing the sign-up, in the words of the sign-up alone ("The next step is simply to say
        yes and I'll set up your tutor profile", round 15's unsupported claim): no amount, no guarantee, and no word
        beyond the process, the role, the goal and the pack's closing words."""
        sent = analyse(premise, self._verbs)
        if sent.numbers or any(c.guarantee for c in sent.clauses):
            return False
        words = set(content_stems(sent.tokens)) - _COURTESY_STEMS
        return bool(words) and words <= self._process

    def _shared_out(self, premise: str, fid: str) -> bool:
        """The premise gives the user's share of the fact's cut ("you keep 80%" for "we keep 20% of each lesson"):
        the model reads the complement as another number; the rules do the subtraction."""
        fact = self.rules.fact_model(fid)
        return any(complements(q, fact.numbers) for q in analyse(premise, self._verbs).numbers)

    def _foreign_guarantee(self, premise: str) -> bool:
        """The premise guarantees something no fact of the pack guarantees: what it names (all its clauses: in "...
        within thirty seconds, guaranteed." the guarantee is a clause of its own) shares nothing with the pack's
        guarantees."""
        sent = analyse(premise, self._verbs)
        # "guarantee" only: "I'll keep it brief, I promise" promises nothing about the offer
        if not any(c.guarantee and "guarante" in c.stems and not (
                _other_side(c)) for c in sent.clauses):
            return False
        return not ({s for c in sent.clauses for s in c.stems} - self._role_words) & self._guarantee_topics

    def _widens(self, premise: str, fact_id: str) -> bool:
        """The premise says "never", "whenever", "everyone", ... (`absolute_scope`) where the fact it is set against
        does not: the fact's scope widened to every case."""
        return bool(fact_id) and bool(absolute_scope(premise) - absolute_scope(self.pack.fact_by_id[fact_id].text))

    def _disclaims(self, premise: str) -> bool:
        """The caller declines to promise ("I can't guarantee how busy it'll be", "There's no guarantee of ..."):
        a guarantee negated, with no amount beside it to carry a claim."""
        sent = analyse(premise, self._verbs)
        tokens = sent.tokens
        return not sent.numbers and any(t in GUARANTEE_WORDS and NEGATORS.intersection(tokens[max(0, i - 2):i])
                                        for i, t in enumerate(tokens))

    def _guaranteed_elsewhere(self, clause: Any) -> bool:
        """Another fact guarantees what this clause names ("... and the lunch peak guarantees €14 an hour" beside a
        fact about shifts): the guarantee is that fact's, not an invention about this one."""
        return bool((set(clause.stems) - self._role_words) & self._guaranteed)

    def _asked_traits(self, questions: list[str]) -> tuple[str, ...]:
        """Traits that questions about the user's situation ask about: the one the rules name by its words, else the
        nearest trait by meaning, above a bar."""
        by_words = [self.rules.asked_traits(q) for q in questions]
        named = [t for found in by_words for t in found]
        questions = [q for q, found in zip(questions, by_words) if not found]
        if not questions:
            return tuple(dict.fromkeys(named))
        if self._trait_vectors is None:
            self._trait_vectors = self.encoder.encode(
                [f"{tr.description} {', '.join(tr.values)}" for tr in self.pack.traits])
        sims = self.encoder.encode(questions) @ self._trait_vectors.T
        bars = [self.t.trait_addressed if ADDRESSED & set(tokenize(q)) else self.t.trait for q in questions]
        found = [self.pack.traits[int(row.argmax())].name for row, bar in zip(sims, bars) if row.max() >= bar]
        return tuple(dict.fromkeys(named + found))

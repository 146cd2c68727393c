"""Rule readings the learned perceiver checks the model's verdicts against: who a sentence speaks of (the caller,
the user, the user's business, another provider), whether it says anything checkable, courtesy around it. The model
judges meaning; these keep it from judging what is not a claim about the offer. Pure functions of the text.

Over 400 lines: a flat set of small gates, each one pure function with the patterns it reads (most of the length is
those patterns and the callers' lines that taught them); split by theme, one judgement's exceptions (who speaks, of
what) would be spread over several modules the perceiver reads together."""

from __future__ import annotations

import re
from typing import Any

from protod.text import (
    ADDRESSED, CONFIRMING_WORDS, GUARANTEE_WORDS, NEGATORS, WISH_VERBS, absolute_scope, analyse, content_stems,
    courtesy_only, names_offer, plain_lower, segments, speaks_for_offer, tokenize,
)


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


def other_side(clause: Any) -> bool:
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
_PROMISE = frozenset("will can shall guarantee promise promised would could".split())


# "I imagine / I guess / I'd bet ...": the caller guessing at the user's situation, not stating anything about the offer
_HEDGES = frozenset("imagine guess suppose bet expect gather understand assume reckon".split())


# "We're looking for riders", "We're calling / reaching out to ...": the company's reason for calling. Not "we'd love
# to / we're hoping to": a promise hides behind those ("We'd love to waive your commission for a year").
_INTENT = frozenset("looking calling reaching contacting recruiting".split())


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


def about_caller(sentence: str) -> bool:
    """The sentence's parts (split at a colon, semicolon or dash) are each about the caller or claim nothing about the
    offer: "I'll keep it short: I'm calling freelancers to see if a desk in town might suit them" (a courtesy, then
    the reason for calling; the courtesy's "I'll" alone reads as a promise); or it promises only something about the
    call (`_COURTESY_PROMISE`) and says nothing of the offer besides."""
    if _courtesy_only(sentence) and not any(c.numbers or c.guarantee for c in analyse(sentence).clauses):
        return True
    parts = [p for p in _ASIDE.split(sentence) if p.strip()]
    if len(parts) > 1:
        # (a part not about the caller with an amount or a guarantee in it claims: "What I can tell you is how fast we
        # pay: every day, guaranteed.")
        caller = [_speaks_of_caller(p) for p in parts]
        return any(caller) and all(ok or ((_CALL_COURTESY.search(p.lower()) or not speaks_for_offer(p)) and not any(
            c.numbers or c.guarantee for c in analyse(p).clauses)) for p, ok in zip(parts, caller))
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


def describes_business(sentence: str) -> bool:
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


def assures_only(sent: Any) -> bool:
    """The statement (a language.Sentence) only says that something is handled (`_HANDLED`): no fact can be heard in
    it."""
    lowered = plain_lower(sent.text)
    if not _HANDLED.search(lowered) or sent.numbers:
        return False
    return not (_GIVES | _WHO_DOES).intersection(tokenize(lowered))


def telegraphic(sentences: tuple) -> bool:
    """The turn is a keyword list cut by full stops ("Commission. Twelve percent. Weekly payout. Free photos.", "Linen.
    Two-forty. Occupied room. VAT."), which said with commas is one (`keyword list`): every sentence a statement of
    three words or fewer with no verb, three or more of them naming something besides courtesy and without a "no"
    ("No joining fee. No monthly fee." states; "Okay. Great. Thanks." is manners). On the train and dev packs it
    holds for 22 lines, every one a bare-cue hard negative (dev: two of them were credited)."""
    said = [s for s in sentences if s.tokens]
    if len(said) < 3 or any(s.question or len(s.tokens) > 3 or s.defect != "fragment" for s in said):
        return False
    naming = [s for s in said if not NEGATORS.intersection(s.tokens)
              and set(content_stems(s.tokens)) - COURTESY_STEMS]
    return len(naming) >= 3


# "..., but first I'd love to know": the question the caller turns to (its own sentence, after a dash)
_ASKS_FIRST = re.compile(r"^(?:(?:but|so|and|first|before that)[, ]+)*(?:i'd|i would|i|let me)(?: really| just)? "
                         r"(?:love to |like to |want to |need to )?(?:know|ask|hear|understand|check)\b[^0-9]*$")


# A signpost to what the caller is about to say: "Two things might help there.", "There are a couple of things that
# might help.", "Here's what might help." (round 65: invented claims; its "two" counts the caller's points).
_SIGNPOST = re.compile(r"^(?:(?:so|well|okay|ok|right|now|and|actually)[, ]+)*(?:(?:there (?:are|is|'s)|i've got|i have|"
                       r"here (?:are|is)|here's|let me (?:give you|tell you|mention)) )?(?:just )?(?:one|two|three|a couple of|"
                       r"a few|some) (?:things?|points?|ideas?|options?|ways?|bits?)(?: (?:that|which))?(?: (?:might|could|may|"
                       r"should|would|will|can)(?: really| also)? (?:help|be worth (?:knowing|mentioning)))?"
                       r"(?: (?:here|there|with that|on that|with this))?[.!:]*$|^(?:(?:so|well|okay|right)[, ]+)?here'?s "
                       r"what (?:might|could|may|would|will) help(?: (?:here|there))?[.!:]*$|"
                       # "What I can say is two things." (round 72: an invented claim)
                       r"^(?:(?:so|well|okay|right|but)[, ]+)?what i (?:can|would|will|'d|want to) (?:say|tell you|offer)"
                       r"(?: you)? is (?:this|one|two|three|a couple of|a few)(?: things?| points?)?[.!:]*$")


# The caller promising to say whether something can be done ("If it's the hours or the travel, I'll tell you honestly
# whether we can make it work.", round 69: an invented claim): an open question of their own, nothing asserted.
_WILL_TELL = re.compile(r"\b(?:i'll|i will|i can|let me|we'll|we will) (?:tell|let) you(?: know)?(?: honestly| straight| "
                        r"truthfully| frankly)? (?:whether|if)\b([^,;:\u2013\u2014-]*)$")


def says_nothing_checkable(sentence: str) -> bool:
    """The sentence is only the caller's opinion of how well the user would fit (see _FIT_PRAISE; one clause), the
    caller's own wish after a courtesy at most (see _WISH), that there is an offer (see _NAMES_OFFER), a signpost
    to what follows (see _SIGNPOST) or a promise to say whether (see _WILL_TELL), with no amount, no guarantee and no
    word that widens it to every case."""
    lowered = plain_lower(sentence)
    if _SIGNPOST.match(lowered.strip()):
        return True
    found = analyse(sentence).clauses
    if any(c.numbers or c.guarantee for c in found):
        return False
    if _names_an_offer(lowered) and not absolute_scope(sentence):
        return True
    told = _WILL_TELL.search(lowered.rstrip(" .!"))
    if told and not _GIVES_WORDS.intersection(tokenize(told.group(1))) and not absolute_scope(sentence):
        return True
    if _FIT_PRAISE.match(lowered):
        return len(found) <= 1
    wish = _WISH.search(lowered)
    # (nothing else said after it: "We'd love to have you, and we waive the commission for a year" is judged whole;
    # a condition on the user's side may follow: "We'd love to have you back, but only if it actually suits you" was
    # doubted in round 26, "I'd want to see that in writing")
    # ... or the plain use of the service it is for: "We'd love to have your bakery on FeastFleet so students and staff
    # nearby can order your food for delivery." (round 66: invented; "so ... can" with nothing given, no amount)
    if not wish:
        return False
    after = lowered[wish.end():]
    purpose = _SO_THAT.search(after)
    words = tokenize(after)
    if purpose and not (_GIVES_WORDS.intersection(words) or GUARANTEE_WORDS.intersection(words)
                        or analyse(after).numbers or absolute_scope(after)):
        return not speaks_for_offer(lowered[:wish.start()])
    return not speaks_for_offer(lowered[:wish.start()]) and all(
        _USERS_CONDITION.match(rest) and not speaks_for_offer(rest) for rest in segments(after)[1:])


# A purpose after the wish ("... so students nearby can order your food"), and words that would make it a promise.
_SO_THAT = re.compile(r"\bso(?: that)? [\w' ]{1,40}?\b(?:can|could)\b")
_GIVES_WORDS = _NOT_BUSINESS - frozenset("you your yours".split())


# A condition the user sets, said after the caller's wish: "but only if it suits you", "if that works for you".
_USERS_CONDITION = re.compile(r"^(?:(?:but|and|so|though)\s+)?(?:only\s+)?(?:if|when|whenever|as long as|once|"
                              r"provided)\b")


# The words of a lead-in that says nothing of the offer: "Sorry", "Good question", "Fair point", "I hear you", "Look".
COURTESY_STEMS = frozenset(content_stems(tokenize(
    "sorry good great fair question point understand hear totally absolutely sure course thanks thank clear honest "
    "frank look listen right okay ok well yes yeah true")))


# ("Well," and "Okay," are left on: the model reads "Well, ..." lines as it was trained on them, and stripping them
# lost 8 honest train/dev lines their fact.)
_CONFIRM_LEAD = re.compile(rf"^(?:(?:{'|'.join(CONFIRMING_WORDS)})\b[,!.]?\s+)+", re.I)


_DISCLAIMER_LEAD = re.compile(r"^(?:(?:look|honestly|now|and|but|so|well)[, ]+)*(?:i|we) "
                              r"(?:can't|cannot|won't|will not|couldn't|wouldn't|don't|do not) "
                              r"(?:promise|guarantee|pretend|claim)\b[^,;:]{0,60}[,;:]\s*(?:(?:but|though|although|and|still)\b\s*)?")


# Words that vouch for the speaker's sincerity before a claim ("Honestly, you'll get a free massage every month", "To be
# honest, I'll give you a free company car"): they say nothing of the offer, and the model read a claim after them as
# no claim (dev: "Honestly, " before each invented promise let 0.72 -> 0.52 of them pass; "To be honest, " cost 0.04 of
# fact recall). The claim is judged as if said without them.
_SINCERITY_LEAD = re.compile(
    r"^(?:(?:honestly|frankly|truthfully|candidly|genuinely|seriously|actually|in fact|look|listen|"
    r"to be (?:honest|frank|fair|clear|straight|truthful)(?: with you)?|in all honesty|(?:and )?the truth is|"
    r"truth be told|i(?:'ll| will) be (?:honest|straight|frank|upfront)(?: with you)?|i promise(?: you)?|trust me|"
    r"believe me|i swear|hand on heart|just so you know|for what it's worth)\s*[,:!.\u2013\u2014-]+\s*)+", re.I)

# ... and a cleft that vouches for what follows it: "What I can tell you for certain is that files travel only through
# our encrypted portal" (round 86: heard as small talk, the fact unheard), "What's true is: one NDA, ...", "The honest
# answer is that ...". Not "What I can tell you is how it works" (`_TELLS_WHAT`): that names, and tells nothing.
_CLEFT_LEAD = re.compile(
    r"^(?:(?:the )?(?:honest|short|simple|straight|plain) answer(?: is)?\s*(?:that\b|[,:\u2013\u2014-])\s*|"
    r"what(?:'s| is) (?:true|certain|clear|fair to say)(?: is)?\s*(?:that\b|[,:\u2013\u2014-])\s*|"
    # ("What I can say is it costs you nothing: ...", round 90: an invented claim, and the user doubted the turn)
    r"what (?:i|we) (?:can|could) (?:tell you|say(?: to you)?|promise(?: you)?)(?: for (?:certain|sure)| honestly)? "
    r"is\s*(?:that\b|:)?\s*|"
    r"what (?:i|we) know(?: for (?:certain|sure))? is\s*(?:that\b|:)\s*)+", re.I)


def without_courtesy(sentence: str) -> str:
    """The statement without a lead-in about the call itself ("Sorry, I'll be clearer: we pay £90 an hour" -> "We pay
    £90 an hour"), so the claim is judged as if said alone: the lead-in's words only blur the model's reading of it
    (round 13: "Sorry, I'll be clearer: ..." made an invented amount pass, and an honest reason for calling unsupported)."""
    for lead in (_SINCERITY_LEAD, _CLEFT_LEAD):
        sincere = lead.match(sentence.replace("’", "'"))
        if sincere and len(sentence.split()) - len(sincere.group().split()) >= 3:
            sentence = sentence[sincere.end():][:1].upper() + sentence[sincere.end() + 1:]
    said = _CONFIRM_LEAD.match(sentence)
    if said and len(sentence) > said.end() and not confirms_back(sentence):
        # "Yes, we waive the rental for your first year" is judged as "We waive ..." (the "Yes," made the claim head
        # read it as no claim); "Yes, it applies to every rider" keeps it: it confirms what was just said
        sentence = sentence[said.end():][:1].upper() + sentence[said.end() + 1:]
    # "I'll be straight with you, we waive the commission for a year", "I'll keep it short and pay your phone bill":
    # a courtesy promise before a comma or an "and" is a lead-in too (the claim after it was small talk)
    joined = _COURTESY_AND.match(sentence.lower().replace("’", "'"))
    if joined:
        return sentence[:joined.end("subject")] + " " + sentence[joined.start("rest"):]
    head, comma, tail = sentence.partition(",")
    # ... and so is courtesy or taking the pressure off before a comma ("Take your time, we pay your rent for a year.",
    # "I completely understand, we waive your commission ...": the lead lifted the model's nearness to a fact just over
    # `Thresholds.related`, and the invented claim passed as small talk; session 34's review)
    # (only before a claim for the offer: "No pressure at all, I just wanted to catch up." keeps its calm, and "I don't
    # want to push, but these roles don't stay open long." its push, for the pressure head)
    if comma and tail.strip() and (_courtesy_only(head) or (courtesy_only(head) and speaks_for_offer(tail))):
        tail = tail.strip()
        return tail[:1].upper() + tail[1:]
    # ... and a disclaimer before a comma ("I can't guarantee how busy it'll be, but we pay your rent for a year."): it
    # kept the whole sentence from being an unsupported claim (`_disclaims`); what follows it is judged alone
    hedged = _DISCLAIMER_LEAD.match(sentence.lower().replace("’", "'"))
    if hedged and speaks_for_offer(sentence[hedged.end():]):
        tail = sentence[hedged.end():].strip()
        return tail[:1].upper() + tail[1:]
    parts = [p for p in _ASIDE.split(sentence) if p.strip()]
    lead = 0
    while lead < len(parts) - 1 and (_CALL_COURTESY.search(parts[lead].lower())
                                     or (courtesy_only(parts[lead]) and speaks_for_offer(" ".join(parts[lead + 1:])))
                                     or set(content_stems(tokenize(parts[lead]))) <= COURTESY_STEMS):
        lead += 1
    if not lead:
        return sentence
    rest = sentence[sentence.index(parts[lead], sum(len(p) for p in parts[:lead])):]
    return rest[:1].upper() + rest[1:]
# A condition is part of the claim it qualifies ("If you've got three bedrooms or more, we add a mesh extender").
_CONDITIONS = frozenset("if when whenever unless once provided".split())


def confirms_back(sentence: str) -> bool:
    """A confirmation about what was just said ("Yes, it applies to every rider ...", "Absolutely, that holds for you
    too."): its subject is the previous turn's claim, which the model cannot see, so it is no unsupported claim of its
    own (round 17: the answer to the user's own "Is that definitely the case for me?" cost a privileged caller the
    call). It credits nothing either, and a false claim in it is still one."""
    tokens = tokenize(sentence)
    i = 0
    while i < len(tokens) and tokens[i] in _CONFIRMING:
        i += 1
    return 0 < i < len(tokens) and tokens[i] in _CONFIRMED

# The caller vouching for what they said before ("It's genuinely how we work, and you'll see it in the interview.", "It
# is, it's our policy on every visit"; round 79: both doubted, and the second credited the mileage): no claim of its
# own, nothing to credit.
_VOUCH = re.compile(r"^(?:(?:but|and|so|yes|yeah|honestly|really|it is|it does|it will|absolutely|definitely)[, ]+)*"
                    r"(?:it's|it is|that's|that is|this is) (?:genuinely |really |honestly |just |simply |actually |"
                    r"absolutely |definitely )?(?:how we (?:work|do (?:it|things)|operate|run (?:it|things))|"
                    r"our (?:policy|standard|practice|rule)(?: on every [\w-]+| for everyone| across the board)?|"
                    r"true|right|the case|real|in (?:writing|the contract|our terms|the terms))\b")
_EVIDENCE = re.compile(r"^(?:and |so )?(?:you'll|you will|you'd|you would|you can|i can|i'll|we can|we'll) "
                       r"(?:see|find|read|check|show you|send you)(?: it| that| this| them)?"
                       r"(?: (?:in|on|at) (?:the|your|our) [\w-]+(?: [\w-]+)?)?(?: too| as well| yourself)?$")


def vouches(sentence: str) -> bool:
    """The sentence only vouches for what the caller said before (`_VOUCH`), and says where the user will see it at
    most (`_EVIDENCE`): no amount, guarantee or widening word of its own."""
    lowered = plain_lower(sentence).strip(" .!")
    found = _VOUCH.match(lowered)
    if not found or absolute_scope(sentence) or any(c.numbers or c.guarantee for c in analyse(sentence).clauses):
        return False
    rest = lowered[found.end():].strip(" ,;")
    return not rest or bool(_EVIDENCE.match(rest))


def promised_by_others(tokens: tuple[str, ...]) -> bool:
    """Someone other than the caller makes the clause's promise ("A lot of callers promise you earn €5 ..."): whatever
    the fact, that is no promise of the offer, and it is read as the invented one it is (the held-out disowning frame
    "A lot of callers promise {fact}. I won't, because it isn't so." credited 6 -> 15 of 15 courier facts when every
    promise of a firm fact counted as the fact)."""
    first = next((i for i, t in enumerate(tokens) if t in GUARANTEE_WORDS), len(tokens))
    return bool(_OTHER_PROMISERS.intersection(tokens[:first]))


def of_user(part: str) -> bool:
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
_PLAIN_PAST = frozenset("gave came got left took went sent rang saw met".split())
# (not what the user said on this call, "You said your knee's been playing up; ...": a sentence built on it is judged
# whole, as before, and the rest alone was heard as a second fact on the dev packs)
_SAYING = frozenset("mentioned asked explained noted described reported suggested".split())
_HISTORY_SUBJECT_BY = 3  # tokens of lead-in before the "you"
_SUBORDINATE = frozenset("until once when whenever if unless before as how what which that any who".split())


def of_user_history(part: str) -> bool:
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
        # ... or a plain past ("You showed some interest in riding with us", "you signed up on our site last spring":
        # round 70's greeting was doubted, "Really? I'd want to see that in writing.")
        # Not one giving the user something ("You received a 200 euro bonus when you signed up", "you got a free
        # bike"): that is a claim about the offer in the past tense.
        if ((after.endswith("ed") and not after.endswith("eed") and len(after) > 4 and after not in _SAYING)
                or after in _PLAIN_PAST) \
                and not _GIVES_WORDS.intersection(tokens) and not analyse(part).numbers:
            return True
        following = tokens[i + 2] if i + 2 < len(tokens) else ""
        if after in _PERFECT and (following in _IRREGULAR_PARTICIPLES or (following.endswith("ed") and len(following) > 3)):
            return True
    return False


_TO_BE_CLEAR = re.compile(r"^\s*(?:just )?to be (?:clear|honest|fair|straight|frank)[,:]?\s*", re.I)
# What the caller will go on to tell, named and not told ("What I can tell you is how the platform works, and I'd
# rather hear from you first.": round 82, an invented claim after the caller took one back); "What I can tell you is
# that we pay weekly" tells, and is judged
_TELLS_WHAT = re.compile(r"^(?:\w+,\s*)?what (?:i|we) (?:can|could|will|'ll|want to|'d like to|would like to) "
                         r"(?:tell|show|explain|say|walk you through|go through)(?: (?:to )?you)? (?:is|are) "
                         r"(?:how|what|why|where|when|who|which)\b")


def _speaks_of_caller(sentence: str) -> bool:
    """The caller speaking about themselves ("Hi, I'm Sam from FeastFleet", "I'm just calling because...", "This
    is Sam", "We're looking for riders") or guessing about the user ("With kids at home, I imagine shifts are a big
    deal"): not a claim about the product. A first-person promise ("I'll waive the fee", "I can get you...") is, and
    so is any sentence with an amount or a guarantee in it ("We're looking for riders who want a guaranteed €30 an hour")."""
    if any(c.numbers or c.guarantee for c in analyse(sentence).clauses):
        return False
    # ("Just to be clear, I haven't told you about travel yet", round 79: an invented claim)
    tokens = list(tokenize(_TO_BE_CLEAR.sub("", sentence)))
    if any(a == "i" and b in _HEDGES for a, b in zip(tokens, tokens[1:])) or _LOOKS_INTO.search(sentence.lower()) \
            or _TELLS_WHAT.match(sentence.lower().replace("\u2019", "'")):
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


_POINTERS = frozenset("one ones it them that those".split())


def points_ahead(sent: Any) -> bool:
    """A short statement (eight words at most, no amount, no guarantee, nothing widened to every case) that ends on a
    pronoun standing for something it does not name: "You wouldn't need to buy one." (said of the user's scooter),
    "We can sort that.". Alone it is neither true nor false; the sentence after it says what it means, so the model
    judges the two together. Nothing is credited for it that the next sentence does not state."""
    tokens = sent.tokens
    return (not sent.question and 2 <= len(tokens) <= 8 and tokens[-1] in _POINTERS and not sent.numbers
            and not any(c.guarantee for c in sent.clauses) and not absolute_scope(sent.text))

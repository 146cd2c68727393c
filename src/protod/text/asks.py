"""What a question asks: consent to go ahead, an open question about the user's worries or how things stand, time
for the call, one part of a longer sentence, a check of what the caller heard about the user.

Over 400 lines: the go-ahead phrases are one long list read whole, and the readings share the part splitting."""

from __future__ import annotations

import re
from functools import lru_cache

from protod.text.words import AUXILIARIES, PRONOUNS, WH_WORDS, content_stems, plain_lower, stem, tokenize
from protod.text.clauses import analyse
from protod.text.sanitize import strip_injection
from protod.text.ellipsis import resolve_ellipsis
from protod.text.speech import LEAD_IN, speaks_for_offer
from protod.text.words import split_afterthoughts, split_sentences


# -- asking for the decision ----------------------------------------------------------------------------------------
# A caller asking to go ahead, in words any offer uses ("Shall I book that in for you?", "Do I have your go-ahead?",
# "Can I put you down for it?", "I just need your okay"): an offer to act for the user now, or a request for their
# consent. A question about the product ("Shall I tell you about the fees?") names no commitment and is not one.
_CONSENT = re.compile(
    r"\b(go[- ]ahead|your (?:okay|ok|consent|yes|agreement|signature)|sign(?:ing)?[- ](?:you )?up|signed up|"
    r"register(?:ing)?|book|booking (?:you|it|that|this|them|in|your)|"
    r"put you down|put you (?:back )?on (?:the |our |a |an )?(?!hold\b)[\w-]+|sign you (?:back )?up|enrol|enroll|set (?:you|that|it|everything) up|get (?:you|that|it) (?:started|going|booked|set up)|"
    r"get started|proceed|count you in|do it|lock (?:it|that) in|start (?:your|you)\b|"
    # ("could we agree that you'll put Brightplate forward for the contract from September ...?": round 112, no ask)
    r"put (?:[\w-]+ ){1,2}?forward (?:for|to)\b|agree that you(?:'ll| will)\b|"
    # ("How about a firkin of the golden ale ..., shall I put that through?": round 112, no ask)
    r"put (?:that|it|this|them|the order|your order|that order) (?:through|in)\b|"
    # ("Would you like to pick a start date now?": round 109, no ask heard)
    r"(?:pick|choose|set|fix|book|agree|settle on|lock in|pencil in|put in) (?:a|your|the) (?:start(?:ing)?|go-live|first) "
    r"(?:date|day)|"
    # "Would you like to give it a try?", "Why not give us a go?" (round 27: the rule perceiver heard no ask)
    r"give (?:it|us|this|that|them|(?:the|our|a) [\w-]+) a (?:try|go|shot|whirl)|try (?:it|us) out|"
    # "Would you be open to giving it a try?", "... something you'd be willing to start with?" (round 32: "Since you
    # ask: about five years old.", the trait "years open" heard in "open")
    r"giving (?:it|us|this|that|them) a (?:try|go|shot|whirl)|trying (?:it|us) out|"
    r"(?:willing|ready|keen|open|happy) to (?:start|begin|try|join|sign|switch)(?:ing)?|"
    # "Would you like me to get your Anytime membership restarted today?" (round 35: heard as off the subject)
    r"get (?:your|the) [\w' -]{1,30}? (?:started|restarted|going|set up|sorted|booked|switched|listed|registered|"
    r"signed up|enrolled)|"
    # ("So you're happy for me to list your Corolla on Borrowa today?": round 89, a check of the user's car)
    r"list(?:ing)? (?:you|your|it|that)\b(?! (?:options|choices|benefits|questions))|"
    # (round 96: "would you be happy to list the estate with Gleann Weddings today?")
    r"list(?:ing)? (?:the|this) (?:[\w-]+ ){1,2}?(?:with|on) (?!(?:the|a) (?:phone|call)\b)|"
    r"restart|reactivate|renew|rejoin|"
    # ("So shall we agree that you'll sign the supply agreement ...?": round 90, a question about the lock-in)
    r"sign(?:ing)? (?:the|our|your|a|an|this|that) (?:[\w-]+ ){0,2}?(?:agreement|contract|forms?|papers|paperwork|"
    r"application|mandate|terms)|"
    # ("Could we agree to award Brightplate the contract from September ...?", "Shall I put Brightplate down for the
    # September start ...?", "Shall I send the contract over today ...?", "you're agreeing to switch your school meals
    # to Brightplate ...?": round 91, no ask heard in six closing lines)
    r"award(?:ing)? (?:[\w-]+ ){0,2}?(?:the|a|your|our) (?:[\w-]+ )?(?:contract|tender|business|account)|"
    r"put (?:[\w-]+ ){1,2}down for|put down\b|confirm (?:that|it|this|the order|your order)(?=[?.!]*$)|"
    # ("Shall I put down, say, two pins ...?", "... shall I confirm that?": round 100, heard as no ask)
    r"send (?:you |over )?(?:the|our|your) (?:[\w-]+ )?(?:contract|agreement|paperwork|forms?|sign-?up (?:link|form))|"
    r"agree(?:ing)? to (?:award|switch|sign|go ahead|start|join|move|take|book|list|rejoin|use)\b|"
    # ("So you're agreeing to a first order of two kegs ...?", "Would you like to give the induction a go?", "...
    # whether you'd consider a small monthly gift by direct debit. How would you feel about that?": round 95)
    r"consider(?:ing)? (?:a|an|our|taking|joining|signing|becoming|giving|setting up|starting|hosting|listing|"
    r"switching|trying)\b|"
    r"agree(?:ing)? to (?:a|an|the|your|our) (?:[\w-]+ ){0,2}?(?:order|contract|agreement|membership|plan|trial)\b|"
    r"switch(?:ing)? (?:your|the) (?:[\w-]+ ){1,3}?(?:over )?to\b|"
    # "would you be happy to start a contract with us?" (round 38: heard as a question about the contract)
    # ("Would you be open to starting the 60-day free trial?": round 40, heard as a question about no-shows)
    r"start(?:ing)? using\b|"
    # ("Shall I set up your Anytime membership now?": round 63, no ask, and the budget trait answered)
    r"set(?:ting)? up (?:your|the|a|an)\b|set(?:ting)? up [£$€]\d|"  # ("Shall we set up £5 a month, ...?", round 96)
    # ("would you like to switch to our Fibre 500 plan today?": round 63, a profile field said and a hang-up)
    r"switch(?:ing)? (?:over )?to (?:our|us|the|a|an)\b|"
    # ("So would you like to create your Tidyhive cleaner profile now?": round 92, a question about nothing)
    r"(?:creat|open|mak)(?:e|es|ing) (?:your|a|an|the) (?:(?!of\b)[\w-]+ ){0,3}?(?:profile|account|listing)|"
    # ("Shall we set your profile up now?", "Shall we put a first order together, ...?": round 93, no ask heard)
    r"set(?:ting)? (?:your|the|a|an) (?:[\w-]+ ){0,2}?(?:profile|account|membership|listing) up|"
    r"(?:put(?:ting)?|plac(?:e|ing)|do(?:ing)?) (?:a|an|your|the|that) (?:first |trial |initial |starter )?order\b"
    r"(?! (?:of|for) (?:the|your) (?:day|menu))|"
    r"start(?:ing)? (?:a|the|your) (?:[\w$£€.,-]+ ){0,4}?(?:contract|membership|subscription|plan|account|agreement|trial|"
    r"partnership|application|policy|service))\b")
# A question whose "that" is the step named before it, shared by the consent frames and their back-references ("Is
# that something you'd be open to?", "Does that work for you?")
_THAT_SOMETHING = r"(?:is|would|could) (?:that|this|it) (?:be )?something"
_THAT_WORKS = r"^(?:(?:so|and|well|then)[, ]+)*(?:does|would|will|could) (?:that|this|it) (?:work|suit)"
_OFFER_FRAMES = re.compile(
    r"^(?:(?:so|okay|ok|great|right|well|then|and)[, ]+)*(?:shall|should|can|could|may) (?:i|we)\b|"
    # ("Let's get you signed up", "Come on, let's just book you in": round 43, small talk)
    r"^(?:(?:so|okay|ok|great|right|well|then|and|come on|brilliant|lovely|perfect)[, ]+)*(?:let's|let us)\b|"
    r"^(?:(?:so|okay|ok|great|right|well|then|and)[, ]+)*(?:do i have|would you like (?:me|us) to|would you like to|"
    r"(?:are you|you're|you are) (?:happy|ready|okay|ok) (?:for (?:me|us) )?to|"
    r"is it (?:okay|ok|alright|all right) (?:if|to)|want me to|"
    r"shall we|ready to|happy to go|i (?:just )?need your|why not|(?:would|will|could|can) you let (?:me|us)|"
    # ("So, do you want to give it a go?", "do you want to start using CareSlot at the studio?": round 61, no ask;
    # not "would you want to": "Would you want to try it out properly before paying anything?" asks about a worry)
    r"do you (?:want|fancy)(?: to)?|would you fancy|will you|do you agree|(?:are you|you're|you are) agreeing|"
    r"how (?:would|do) you feel about (?=(?:that|this|it)\b)|would you (?:ever )?consider|"
    r"i'm (?:just )?asking (?:if|whether) you(?:'d| would| will)|"
    r"(?:does|would) (?:that|this|it) sound like something you(?:'d| would) (?:like|want|be willing) to|"
    r"(?:would|are) you (?:be )?(?:open|willing|up for|happy|interested|keen)(?: to| in)?|"
    # ("Is that something you'd be open to?" after the monthly gift was named: round 109, "Hard to say, really. Why
    # do you ask?")
    + _THAT_SOMETHING + r" (?:that )?you(?:'d| would| might| could)? (?:be )?"
    r"(?:open to|consider|interested in|up for|keen on|willing to)|"
    # ("I'll put you down to start on the first Monday of next month ... Does that work for you?": round 117, three
    # worries probed)
    + _THAT_WORKS + r"(?: for)?(?: you)?(?=[?.!]*$)"
    r")\b|"
    # ... and, anywhere, asking whether they would like to ("I wanted to see whether you'd like to book a no-pressure
    # initial home visit?": round 117, a question about their home)
    r"\b(?:whether|if) you(?:'d| would) like (?:me |us )?to\b")


# Where a second thought starts inside one sentence: "..., or £35 rolling monthly - shall I go ahead and book you in?"
_PART_BREAK = re.compile(r"\s*[,;:]\s*|\s+[\u2013\u2014-]\s+")
_GOES_AHEAD = re.compile(LEAD_IN + r"(?:i'll|i will|let me|i'm going to|i am going to)(?: just| now| go ahead and)? "
                         r"(?:send|set|get|sign|book|register|put|pop|enrol|enroll|add|start|lock)\b")
_WELCOME = re.compile(LEAD_IN + r"welcome (?:aboard|on board|to)\b")
_SIGN_UP_PAPERS = re.compile(r"\b(?:(?:sign-?up|joining|registration|application)? ?(?:link|form|forms|paperwork|contract)|application|account)\b")


# The user's own sign-up or enquiry, told back inside a question that asks something else ("You'd signed up for info
# about working spaces, is now an okay moment for a quick chat?": round 89, a closing ask on the call's first line)
_USERS_PAST_STEP = re.compile(r"^(?:(?:so|and|well|now|hi|hello)[, ]+)*(?:i (?:see|know|gather|believe|"
                              r"understand|think) )?(?:that )?you(?:'d| had|'ve| have)? (?:already |just |recently |"
                              r"once |kindly )?(?:signed|registered|enquired|inquired|booked|joined|subscribed|applied|"
                              r"requested|asked|downloaded|filled|left (?:your|us|a)|got in touch)\b")

# Whether the offer would suit the user ("I wanted to see whether a monitored alarm might help you feel safer"): no
# worry, nothing of their situation (round 91: three worries probed, and "Well, nobody local to hold a key.")
_SUITS_YOU = re.compile(r"\b(?:whether|if) (?:[\w'-]+ ){0,8}?(?:might|could|would|will|can) (?:really )?(?:help you|"
                        r"suit you|work (?:well )?for you|be (?:right|a good fit|good|useful|worth it) for you|"
                        r"make (?:sense|life easier) for you|interest you|appeal to you|"
                        # ("... whether a monitored alarm might give you some peace of mind", round 102: asked who
                        # lives nearby, "alarm" being in that trait's description)
                        r"give you (?:some |a bit of |more |real )?(?:peace of mind|reassurance|confidence))\b|"

                        # ("..., and I wondered if you'd like to hear how it could earn you some money?", round 94: the
                        # earnings worry probed, and "Not that so much, honestly.")
                        r"\b(?:whether|if) you(?:'d| would) (?:like|want|care|be interested) to hear\b")


def asks_if_it_suits(sentence: str) -> bool:
    """The question asks whether the offer would suit the user (`_SUITS_YOU`), naming nothing of theirs."""
    return bool(_SUITS_YOU.search(plain_lower(sentence)))


def without_users_past(question: str) -> str:
    """The question without its parts that tell the user's own past step back (`_USERS_PAST_STEP`): what it asks."""
    parts = _PART_BREAK.split(question)
    return ", ".join(p for p in parts if not _USERS_PAST_STEP.match(plain_lower(p)))


def asks_consent(text: str, before: str = "") -> bool:
    """The sentence asks the user to agree to go ahead now (see _CONSENT): an offer-to-act or consent frame at the
    start of the sentence or of one of its parts ("It's £29 a month - shall I book you in?"), with a commitment
    phrase after it, or with "that" standing for the step named before it, in the sentence or in `before` (the one
    said just before); or the caller goes ahead in a statement (`_GOES_AHEAD`, `_WELCOME`)."""
    lowered = plain_lower(text)
    if not lowered.endswith("?") and ((_GOES_AHEAD.search(lowered) and (_CONSENT.search(lowered)
                                                                         or _SIGN_UP_PAPERS.search(lowered)))
                                      or _WELCOME.search(lowered)):
        return True
    # (a time set for the step the sentence before offered to take, in a statement: "I can book you an interview now.")
    said_before = plain_lower(before)
    if _SCHEDULES.search(lowered) and said_before and not _OFFER_FRAMES.search(said_before) \
            and _CONSENT.search(said_before) and _OFFERS_STEP.search(said_before):
        return True
    parts = _PART_BREAK.split(lowered)
    return any(_OFFER_FRAMES.search(" ".join(parts[i:])) and (
        _CONSENT.search(" ".join(parts[i:]))
        # "What I'd need is to book an interview; would you be up for that?": the frame's "that" is the step named
        # before it (round 34: heard as no ask)
        or (_BACK_REFERENCE.search(parts[i]) and _CONSENT.search(" ".join([plain_lower(before), *parts[:i]]))))
        for i in range(len(parts)))


# "Would the first Monday of next month work?", "Does Thursday at ten suit you?": when, not what worries them (round
# 111: three worries probed, "No, nothing else springs to mind.")
_WHEN_SUITS = re.compile(r"^(?:(?:so|okay|ok|great|right|well|then|and)[, ]+)*(?:would|will|does|could|is) (?:the )?"
                         r"(?:start of |end of |beginning of |first |second |last )?(?:next|this|monday|tuesday|wednesday|"
                         r"thursday|friday|saturday|sunday|tomorrow|today|the first|the \d+(?:st|nd|rd|th)?|"
                         r"\d+(?:st|nd|rd|th)|morning|afternoon|evening)\b[\w' ]{0,25}? (?:suit|work|be (?:okay|ok|good|"
                         r"convenient))(?: for)?(?: you)?\b")


# "Shall we find a time that works around your evening job?" right after "I can book you an interview now": the
# question sets the step just offered for a day (round 76: "So, shall we get on with it?" to the caller's ask)
_SCHEDULES = re.compile(r"^(?:(?:so|okay|ok|great|right|well|then|and)[, ]+)*"
                        r"(?:shall we|can we|could we|should we|let's) "
                        r"(?:find|pick|choose|set|fix|agree(?: on)?|sort(?: out)?) (?:a|the) (?:time|day|date|slot)\b|"
                        # ("Would the start of next month suit you?" after the step was named: round 109)
                        + _WHEN_SUITS.pattern)
_OFFERS_STEP = re.compile(r"\b(?:i|we)(?: can| could| will|'ll| would|'d) (?:\w+ )?"
                          r"(?:book|register|sign|start|set|put|get)\b|\bnext step (?:is|would be)\b")
_BACK_REFERENCE = re.compile(r"\b(?:that|this|it)(?: (?:today|now|then|for you|with us))?[?.!]*$|"
                             r"^" + _THAT_SOMETHING + r"\b|" + _THAT_WORKS + r"\b")


# -- asking what holds the user back -------------------------------------------------------------------------------
# An open question about the user's worries, in words any offer uses: "What's holding you back?", "Is there anything
# that would make or break it for you?", "Any concerns?", "What would you want to be sure of first?". It names no
# worry, so it reaches them all (the rule perceiver had no cue for it: round 24's callers were answered "It depends.
# What are you getting at?").
_OPEN_WORRY = re.compile(
    r"\b(?:worr(?:y|ies|ied|ying)|concern(?:s|ed)?|(?:hold(?:s|ing)?|held) you back|put(?:s|ting)? you off|hesita\w*|"
    r"make or break|deal[- ]?breakers?|matters? (?:most|to you)|important to you|reservations?|doubts?|"
    r"on your mind|bother(?:s|ed|ing)? you|obstacles?|hurdles?|biggest (?:challenge|headache)s?|(?:bug|bugs|bugged|bugging|annoy\w*|frustrat\w*|irritat\w*) you|(?:stop|stops|stopped|stopping) you(?: from)?(?: (?:giving|trying|using|taking|joining|signing) (?:it|this|that|us|up|on)\b(?: a (?:go|try))?)?|why did you (?:quit|leave|stop|cancel)|"
    r"made you (?:decide to |want to )?(?:quit|leave|stop|cancel|give up|walk away|step away|step back|drop)|(?:not |un)convinced|(?:not |n't )?convinc(?:e|es|ing) you|(?:keep|keeps|keeping|kept) you (?:from|back|off|away)|"
    r"(?:wasn't|weren't|isn't|didn't|doesn't) (?:work|working|right|great)|went wrong|put you off|"
    r"what (?:else )?(?:would|do|will|might) you (?:most |really |first )?(?:need|want|like) to (?:know|hear|see)|"
    r"be sure of|unsure|uneasy|nervous|"
    # what they would need from it: "can I ask what you'd need from a new care job for it to be worth a move?" (round
    # 65: not heard as a question about worries, and its "job" asked after the current one)
    r"what (?:else )?(?:(?:would|do|will|might) you|you'd|you) (?:need|want|look for|expect|be looking for) (?:from|in|out of)\b|"
    # ("what would make you think twice about coming back into home care?", round 81: heard as asking the background)
    r"think(?:ing)? twice|second thoughts|reluctan\w*|"
    # "What's kept you off delivery apps so far?", "What's been your biggest frustration with platforms?" (round 83:
    # "Fine. Anything else?" and "Like I said, I'm still on another platform.")
    r"(?:biggest|main|worst) (?:frustration|gripe|complaint|issue|problem)s?|frustrations?\b|"
    r"uneasy|sticking points?|get in the way|stand in the way|giv(?:e|es|ing) you (?:any )?pause|make (?:it|this|that|things|[\w -]{1,25}?) work (?:out )?"
    r"(?:for you|around (?:your|you))|(?:any|no) (?:problems?|issues?|trouble)|"
    # "is there anything else that would make this hard to take on?" (round 27: a barrage when examples followed)
    r"(?:would|could|might) make (?:it|this|that|things|life) (?:hard|harder|difficult|tricky|awkward)|"
    # ("what would make volunteering hard for you right now?", round 111: "Okay, 90-minute induction. Right, I see.")
    r"(?:would|could|might) make [\w-]+(?: [\w-]+)? (?:hard|harder|difficult|tricky|awkward) for you|"
    r"(?:the|a|any) (?:catch|snag)|what (?:would|could) (?:it )?take|"
    # after examples of what others ask: "Is that the kind of thing you'd want to know about?", "Does any of that
    # sound familiar?" (round 41: a plain question, no worry asked)
    r"(?:want|need) to know about|(?:want|need) answers? (?:on|to|about)|sounds? familiar|"
    # what is left between the user and a yes: "What would you need to feel ready?", "What's the one thing that still
    # doesn't sit right?", "What would make you more comfortable?", "Is there anything else you'd want to know before
    # giving us a go?" (round 66: heard as no question about worries, and the user, asked it twice, hung up)
    r"what (?:else )?(?:would|do|will|might) you need (?:to (?:feel|be|see|hear|happen)|before|in order)|"
    r"(?:anything|something) (?:else )?(?:that )?(?:you'd|you would|you might|you) (?:want|need|like) to (?:know|ask|check)|"
    r"(?:doesn't|does not|don't|do not|isn't|is not|wouldn't|would not|not) sit(?:ting)? (?:right|well)|"
    # "anything about the last site ... that you wouldn't want to go through again?" (round 71: asked the user's
    # experience)
    r"(?:wouldn't|would not|don't|do not|never) want to (?:go through|deal with|face|repeat|put up with)|"
    # "What would a new platform have to get right for you to bother with it?" (round 72: asked the user's platform)
    r"(?:have|need|needs|has) to get right|"
    # "What would need to be true for you to feel ready?", "What would have to happen for you to feel comfortable
    # signing up?" (round 70: a plain question, and the second a closing ask)
    r"what (?:(?:would|will|might) (?:need to|have to)|needs? to|has to) (?:be true|happen|change|be in place)|"
    # ... said of one thing ("What's the one thing that would still need to be true for you to say yes?", round 109:
    # "It depends. What are you getting at?")
    r"(?:would|will|might|that|to) (?:still |really |first )?(?:need|have) to (?:be true|happen|change|be in place)|"
    r"for you to (?:feel |be )(?:more |a bit more )?(?:comfortable|confident|ready|happy|at ease|sure)|"
    # "what would make coming back worth it?" (round 80: a plain question, and the user said nothing)
    r"(?:would|could|might) make (?:it|this|that|coming back|[\w' -]{1,25}?) worth (?:it|your while|the effort|a try|"
    r"a go)|"
    # "what would a new role need to look like for you to consider it?" (round 79: heard as the pay worry)
    r"(?:need|have) to (?:look like|offer you|be like) for you to (?:consider|think about|take|look at|go for)|"
    r"(?:make|help) you (?:feel )?(?:more |a bit more |any more )?(?:comfortable|confident|ready|at ease|easier|sure|"
    r"surer|certain)|(?:not|n't) (?:sit|sits|sitting) (?:right|well)|"
    r"(?:makes?|making|made) you (?:wary|cautious|anxious|apprehensive)|"
    # ("what would you be wary of with a new collector?", round 105: answered with the current collector)
    r"(?:be|feel|are|were|is) (?:most |a bit |at all |particularly )?(?:wary|cautious|careful) (?:of|about)|"
    # what they disliked about one they had ("You've tutored on another site; what did you like or not like about it?",
    # "What didn't you like about the other app?": round 102, "Fine. Anything else?")
    r"(?:didn't|did not) you (?:like|enjoy)|(?:not|n't) (?:like|enjoy) about|dislik(?:e|ed) about|"
    r"need to (?:have|offer|do) for (?:it|this|that) to be worth|"
    # anything else, said on its own before examples ("Anything else, maybe around deliveries and timing?", round 118:
    # word salad, "I'm not following. What's this about?")
    r"^(?:and |so |okay |ok |right )?anything else(?=\s*(?:,|\?|$| maybe| perhaps| like| such))|"
    # what they would change of how it goes ("How's that going for you, and is there anything about it you'd change
    # if you could?", round 112: "No, that part doesn't really bother me.")
    r"(?:anything|something|what) (?:about (?:it|that|this) )?(?:you'd|you would|would you|you might) (?:like to )?"
    r"(?:change|improve|do differently|fix)|"
    # where they got to with it ("Have you had a chance to think it over?", round 109: "Depends what it's about.")
    r"(?:have|had|did) you (?:had|got|get|found|find) (?:a |the )?(?:chance|time|moment) to (?:think|look|mull|read|"
    r"go over|consider)|(?:have|had) you (?:thought|been thinking) (?:it|that|things) over)\b")
_ABOUT_THEM = re.compile(r"\b(?:you|your|yours|yourself)\b|^(?:any|anything|what|something)\b|"
                         r"\b(?:is|are) there (?:any|anything|something)\b")


# Examples set inside a question between commas ("Is there anything else, like how and when you'd get paid, that you'd
# want to know ...?", round 70: a closing ask) are read aside; the words also open examples after one (`EXAMPLE_LEADS`).
_EXAMPLE_WORDS = ("like", "such as", "for example", "for instance", "say")
_ASIDE = re.compile(r",\s*(?:" + "|".join(_EXAMPLE_WORDS) + r"|e\.g\.)\s[^,?]{1,60},\s*")
EXAMPLE_LEADS = frozenset(tuple(w.split()) for w in _EXAMPLE_WORDS)


@lru_cache(maxsize=65536)
def asks_open_worry(sentence: str) -> bool:
    """The question asks what worries the user, naming no worry (`_OPEN_WORRY`; examples set between commas aside):
    call it on questions only."""
    lowered = plain_lower(sentence)
    bare = _ASIDE.sub(" ", lowered)
    return bool((_OPEN_WORRY.search(lowered) or _OPEN_WORRY.search(bare)) and _ABOUT_THEM.search(lowered))


def open_worry_words(sentence: str) -> frozenset[str]:
    """The content stems of the words that ask the user about worries (`_OPEN_WORRY`, said to "you"): "What made you
    step away from the gym?" -> {made, step, away}. A worry's cue among them names nothing (round 87: "away", a cue of
    the injury worry, made it a question pointed at that worry); "the catch" still names the hidden-cost one."""
    lowered = plain_lower(sentence)
    asking = [found.group() for found in _OPEN_WORRY.finditer(lowered)]
    words = frozenset(w for found in asking if "you" in tokenize(found) for w in content_stems(tokenize(found)))
    # ... and "before saying yes" says when, not what ("before" is a cue of past experiences: round 92)
    if asking:
        words |= {stem(w) for found in _BEFORE_DECIDING.finditer(lowered) for w in tokenize(found.group())}
    return words


_BEFORE_DECIDING = re.compile(r"\b(?:before|until|about) (?:you )?(?:say(?:ing)? yes|sign(?:ing)? up|commit(?:ting)?|"
                              r"go(?:ing)? ahead|decid(?:e|ing)|agree(?:ing)?|join(?:ing)?|consider(?:ing)? it)\b"
                              # ("your biggest hesitation about signing up for a term?", round 94: the lock-in asked)
                              r"(?: (?:for|to) (?:a|the|this) (?:term|course|membership|plan)\b)?")


# "How's delivery going for the pizzeria?", "How's that working out for you?", "How are you finding the rival app?":
# asked how their situation goes, a person says what they make of it, and what irks them with it (round 34 heard
# "Sure, what is it?" and "Go on."). An open question about worries that still lets the situation's words name a trait.
# (not small talk, "How's your week going?", nor "How many times a week were you going?")
_HOW_IT_GOES = re.compile(r"\bhow(?:'s)?(?! (?:many|much|often|long|far|soon)\b)(?: [\w'-]+){0,6}? (?:going|work(?:s|ed|ing)? "
                          r"out|working for you|treating you|been going|(?:did|has|have) (?:it|that|things) (?:go|gone))\b"
                          r"(?! to\b)|\bhow (?:are|did) you (?:find|finding|getting on|get on|getting along|get along|"
                          r"coping|cope)\b")
_PASSING_TIME = re.compile(r"\b(?:day|days|week|weekend|morning|afternoon|evening|season|year|summer|winter|spring|"
                           r"autumn|holiday|holidays|life|things)\b")


def asks_how_it_goes(sentence: str) -> bool:
    """The question asks how something of the user's is going (`_HOW_IT_GOES`)."""
    found = _HOW_IT_GOES.search(plain_lower(sentence))
    return bool(found) and not _PASSING_TIME.search(found.group(0))


# The end of a list of examples leaving the choice open: "the commission, the kitchen, or something else?"
_OR_ELSE = re.compile(r"\bor (?:something|anything) else\b|\bor (?:whatever|what) (?:else|it is)\b")


def leaves_choice_open(sentence: str) -> bool:
    """The question's examples are examples only: it ends "or something else", so what it asks is open, whichever of
    them the cues recognise."""
    return bool(_OR_ELSE.search(plain_lower(sentence)))


# Asking for the user's time ("Have you got a couple of minutes?", "Is now a good time?", "Open to hearing about it?"):
# a courtesy before the call's business, never a question about the user's situation or a worry.
# ("a second linguist", "a second site" count, they ask for no time: round 43)
_ASKS_FOR_TIME = re.compile(r"\b(?:a|one|two|few|couple of|quick|spare)\s+(?:minutes?|moments?|seconds?(?!\s+(?!(?:to|for|of|now|"
                            r"please|just|right|and|or|here|with|do|have|are|is|can|so|then|if|while|before)\b)[a-z]{3,})|mins?)\b"
                            r"|\bquick (?:chat|word)\b|\bbad time\b|\bgood time\b|\bopen to hearing\b"
                            # "Have I caught you at an okay moment?" (round 88: a closing ask, and the owner said no
                            # to the call's first line)
                            r"|\b(?:caught|catch|reached|got) you at an? (?:\w+ )?(?:time|moment)\b"
                            r"|\b(?:okay|ok|good|bad|convenient|busy|inconvenient) (?:time|moment)\b")


_QUESTION_LEADS = frozenset("and so but then okay ok right now well".split())
_LEADS = re.compile(r"^(?:(?:%s)[, ]+)+" % "|".join(sorted(_QUESTION_LEADS)))  # the same words, on text
_ASKING_VERBS = frozenset("ask asking tell know wonder wondering curious".split())


def _without_leads(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """The tokens after the words a question may open with before it asks ("and so", "okay", "well")."""
    tokens = tuple(tokens)
    while tokens[:1] and tokens[0] in _QUESTION_LEADS:
        tokens = tokens[1:]
    return tokens


def asked_part(question: str) -> str:
    """The part of a question sentence that asks, from the first comma- or colon-separated part opening with a
    question word or an auxiliary ("Just the one, then: how do your video calls go ...?"); the whole sentence when the
    first part asks, or none does."""
    parts = re.split(r"\s*[,;:]\s+|\s+[\u2013\u2014-]\s+", question)
    for k, part in enumerate(parts):
        tokens = _without_leads(tokenize(part))
        # (or asking it indirectly: "You'd shown some interest in care work, and I wanted to see if you've got a few
        # minutes ...?" asks nothing about the care background it tells; round 81: "A former healthcare assistant.")
        if tokens[:1] and (tokens[0] in WH_WORDS or tokens[0] in AUXILIARIES
                           or (k and _ASKS_INDIRECTLY.match(_LEADS.sub("", plain_lower(part))))):
            return question if k == 0 else " ".join(parts[k:])
    return question


def asks_which(tokens: tuple[str, ...]) -> bool:
    """The question asks for something, not for a yes: it opens with a question word ("And which software are you
    using?") or asks one ("Can I ask what you're doing for work?", "I'm curious how it's going")."""
    tokens = _without_leads(tokens)
    if tokens[:1] and tokens[0] in WH_WORDS:
        return True
    head = tokens[:6]
    return bool(_ASKING_VERBS.intersection(head[:5])) and bool(WH_WORDS.intersection(head))


def asks_for_time(sentence: str) -> bool:
    """The caller asks for a minute of the user's time, or whether a day or time would suit (`_WHEN_SUITS`)."""
    lowered = plain_lower(sentence)
    return bool(_ASKS_FOR_TIME.search(lowered) or _WHEN_SUITS.search(lowered))




# A statement about the user with a question tag ("You've done a few courier shifts before, right?", "You're on the
# 50 Mbps plan at the moment, is that right?"): the caller checks what they heard about the user, asks no worry.
_CHECKS_ABOUT_USER = re.compile(r"^(?:(?:so|and|now|okay|ok|right|great|and so)[, ]+)*(?:you|you've|you're|you'd|your)\b"
                                r".*(?:,|\s[\u2013\u2014-])\s*(?:right|yeah|yes|no|correct|is that right|is that correct|"
                                r"am i right|did i get that right|isn't it|aren't you|don't you|didn't you|haven't you|"
                                r"weren't you|wasn't it)\?$")


# A yes-or-no question about how things stand for the user now ("Are you on regular hours right now, or is it more
# shift by shift?"): it asks after their situation, not after a worry (round 35: "Not really a worry, no.").
_STANDS_NOW = re.compile(r"^(?:(?:so|and|okay|ok|right|now|well|just)[, ]+)*(?:are|do|have|is) (?:you|your)\b.*"
                         r"\b(?:right now|at the moment|currently|these days|at present|nowadays)\b")


def asks_how_things_stand(sentence: str) -> bool:
    """`_STANDS_NOW`, naming no worry."""
    lowered = plain_lower(sentence)
    # (not a case put to them: "Do you have cover at the moment if you damage something?" asks about the worry)
    return (bool(_STANDS_NOW.match(lowered)) and not _OPEN_WORRY.search(lowered) and " if " not in lowered
            and not asks_how_it_goes(lowered))


# A question put as the caller's wish to hear: "I'd love to hear how delivery is going for your cafes" (round 23:
# small talk, "Mm-hm."), "I'd like to know what you use now", "I wondered how that's been going for you" (round 36:
# "Depends what it's about."). Asked, not claimed.
# ... and a question announced ("I wanted to ask how your internet has been", "I was going to ask whether ...":
# round 40, heard as off the subject)
_ASKS_INDIRECTLY = re.compile(r"\b(?:(?:i'd|i would|i)(?: really| just| simply)? (?:love|like|want|wanted|meant|hoped) to "
                              r"(?:quickly |briefly |just |first )?"
                              r"(?:hear|know|understand|learn|ask(?: you)?|check|find out)(?: a bit| more| a little)?"
                              r"(?: about)?|(?:i|i'm|i am|i was)(?: just| really| mainly| mostly| only| also| actually)? "
                              r"(?:wondering|wondered|curious)(?: about)?"
                              r"|i was (?:going|about) to ask(?: you)?"
                              # "I'd rather know if that's on your mind than guess." (round 82: small talk)
                              r"|(?:i'd|i would) (?:much )?rather (?:know|hear|ask(?: you)?|check)"
                              # "I'm just calling to see how you've been getting on" (round 41: off the subject)
                              r"|(?:i'm|i am|i was|i'd|i)(?: just| only| really)? (?:calling|ringing|phoning|wanted|want|"
                              r"hoped|hoping|checking in|here)(?: in)? to (?:see|check|find out|hear)) "
                              r"(?:how|what|whether|why|if|which|where|when)\b"
                              # "Before I tell you about us, I would love to know a bit about you." (round 69: pushing)
                              r"|\b(?:i'd|i would|i)(?: really| just)? (?:love|like|want) to (?:hear|know|learn)"
                              r"(?: a bit| a little| more)? about (?:you|your)\b")


# "Before I tell you about us, ...": putting the offer off says nothing for it
_BEFORE_TELLING = re.compile(r"^before (?:i|we) (?:tell|say|talk|go on|get)[\w' ]{0,20}? (?:about )?(?:us|ourselves|what we do|"
                             r"the (?:offer|platform|service|app|company|job|role))\s*,\s*")

def asks_indirectly(sentence: str) -> bool:
    """The statement is a question put as a wish to hear (`_ASKS_INDIRECTLY`), after nothing said for the offer ("Our
    commission is 12%, and I'd love to hear what you think" states the commission, and is judged as a statement)."""
    lowered = plain_lower(sentence)
    found = _ASKS_INDIRECTLY.search(lowered)
    return bool(found) and not speaks_for_offer(_BEFORE_TELLING.sub("", lowered[:found.start()]))



_BREAK_BEFORE = re.compile(r"(?:[,;:\u2013\u2014]|\s-)\s*(?:(?:and|so|but)\s+)?$")


def split_indirect_question(sentence: str) -> tuple[str, str] | None:
    """A statement with a question put as a wish to hear after a clause break, as (statement, question): "I'm calling
    because we've just built our network on your street, and I wondered how you're finding your broadband these days"
    (round 85: the whole was judged a statement, its question unheard). None when there is none, or it opens the
    sentence."""
    text = " ".join(sentence.replace("\u2019", "'").split())
    found = _ASKS_INDIRECTLY.search(text.lower())
    if not found or not found.start():
        return None
    head = _BREAK_BEFORE.search(text[:found.start()])
    if not head or not head.start():
        return None
    return text[:head.start()].rstrip() + ".", text[found.start()].upper() + text[found.start() + 1:]


def checks_about_user(sentence: str) -> bool:
    """`_CHECKS_ABOUT_USER`, naming no worry ("You're worried about the pay, right?" asks about one)."""
    lowered = plain_lower(sentence)
    return bool(_CHECKS_ABOUT_USER.match(lowered)) and not _OPEN_WORRY.search(lowered)


# -- examples after a question --------------------------------------------------------------------------------------
_MAX_EXAMPLE_WORDS = 6
_ANY = frozenset({"any", "anything"})  # "Any worries? Cost, hours?", "What else? Cost, commitment, anything like that?"


# ... and options offered after it, closed by "something else": "What would matter most to you? Is it the money,
# fitting it around the family, safety, something else?" is one open question (round 87: "Whoa, one question at a time.")
_OPTIONS = re.compile(r"^(?:and |so )?(?:is|was|would) (?:it|that|this)\b[^?]*(?:,|\bor\b)[^?]*\b(?:something|anything) "
                      r"else(?: entirely)?\s*\?$")


def join_examples(sentences: list[str]) -> list[str]:
    """The sentences with a short question of bare words put after a question joined to it: its examples ("When did
    you usually train? Evenings after work, weekends?" is one question, round 67: the second half was word salad and the
    turn nonsense). Bare words: no subject, no question word or auxiliary of their own, not a well-formed sentence;
    after a well-formed question, or a short one that asks ("What else?", "Any worries?"): "Forked carrots? Knobbly
    celeriac? Same money ..." asks nothing to give examples of."""
    out: list[str] = []
    for sentence in sentences:
        tokens = tokenize(sentence)
        asked = tokenize(out[-1]) if out else ()
        if (out and out[-1].rstrip().endswith("?") and (analyse(out[-1]).well_formed or asked[:1] and (
                asked[0] in WH_WORDS or asked[0] in _ANY)) and sentence.rstrip().endswith("?")
                and 0 < len(tokens) <= _MAX_EXAMPLE_WORDS and tokens[0] not in WH_WORDS | AUXILIARIES
                and not PRONOUNS.intersection(tokens) and not analyse(sentence).well_formed) or (
                out and out[-1].rstrip().endswith("?") and _OPTIONS.match(plain_lower(sentence))
                and (opener := tokenize(asked_part(out[-1]))[:1]) and opener[0] in WH_WORDS):
            said = sentence.strip()
            said = said[:1].lower() + said[1:] if said[1:2].islower() else said
            out[-1] = f"{out[-1].rstrip()[:-1].rstrip()}, {said}"
        else:
            out.append(sentence)
    return out


def spoken_sentences(text: str) -> list[str]:
    """A caller's turn as both perceivers read it: injected text cut (`strip_injection`), split into sentences, a
    question tacked on after a dash a sentence of its own (`split_afterthoughts`), bare examples joined to their
    question (`join_examples`), a bare reply to a claim about someone else folded into one claim (`resolve_ellipsis`)."""
    return resolve_ellipsis(join_examples(split_afterthoughts(split_sentences(strip_injection(text)))))

"""Words: the closed word classes of English (function words, verbs, negators, pronouns), tokens with contractions
expanded and numbers normalised ("don't" -> "do not", "twelve percent" -> "12%"), stems, and sentences split.

The function-word lists are English grammar, not domain language: domain words live in the pack (a pack may add
verbs the built-in list lacks: `lexicon.verbs`). Everything here is a pure function of the text, cached.

Over 400 lines: tokenising needs the number, money and clock readings before any word is split, so they live here."""

from __future__ import annotations

import re
from functools import lru_cache


# --- closed word classes ---------------------------------------------------------------------------------------
DETERMINERS = frozenset("the a an your our my their his her its".split())  # strict: never followed by a verb/prep
QUANTIFIERS = frozenset("every each any some all no many much few several both either".split())
PREPOSITIONS = frozenset("of to in on for with at by from into per over under after before during through within "
                         "than onto across against between without upon via inside outside beyond until".split())
# The words that address the listener: what is said "of you" is said of the user.
ADDRESSED = frozenset({"you", "your", "yours", "yourself"})
# The pronouns that open a clause as its subject ("... at 6 you can check": a new clause, not the number's noun)
SUBJECT_PRONOUNS = frozenset("i you we they he she it".split())
PRONOUNS = frozenset("i you we they he she it there me us them him one someone anyone everyone nobody".split())
AUXILIARIES = frozenset("is are was were be been being am do does did have has had can could will would shall "
                        "should may might must".split())
WH_WORDS = frozenset("what how which who whom whose when where why".split())
CONJUNCTIONS = frozenset("and or but so because if while as although though whereas unless".split())
NEGATORS = frozenset("not no never none nothing neither nor without nobody nowhere".split())
FILLERS = frozenset("just really very also too then now well okay ok yes yeah so oh actually basically quite "
                    "this that these those here own more most other such only even still about up out off like yours ours mine theirs "
                    "hers please".split())
FUNCTION_WORDS = (DETERMINERS | QUANTIFIERS | PREPOSITIONS | PRONOUNS | AUXILIARIES | WH_WORDS | CONJUNCTIONS
                  | NEGATORS | FILLERS | frozenset("to".split()))
# Words that only measure, never name a topic: "take 5 minutes of your time" is not a claim about a product fact.
UNIT_WORDS = frozenset("minute hour day week month year time first second third last next per cent % "
                       "a an one".split())
# Words that only say when ("at the moment", "these days", "currently"), in a trait value or a question: no topic of
# their own (stems; see TIME_WORD_STEMS below).
TIME_WORDS = "moment now currently present today days lately recently these nowadays still"
# Common English verbs (base forms; matched after stemming). Subject + any word also counts as a verb (see below).
COMMON_VERBS = frozenset("""
accept add agree allow answer appeal apply arrive ask average be become begin believe build buy call can cancel care
carry change charge check choose close come compare complete consider cost count cover cut deal decide deliver depend
do drive drop earn end ensure expect explain face fall fear feel fill find finish fit get give go guarantee handle hand
happen have hear help hold hope include increase join keep know land learn leave let like list live log look lose love
make manage matter mean meet mind miss move need offer open order own paid pause pay pick place plan prepare protect
provide publish push put reach read receive refund remove rent repair review ride run save say see seem sell send set
share shoot show sign sit slow solve sound spend start stay stop suit support swap take talk tell think throw train try
turn understand use wait walk want warn work worry write
ate became began bought brought built came caught chose dealt did drew drove fell felt fought found gave got grew had
heard held kept knew led left lost made meant met paid put ran said sat saw sent sold spent spoke stood thought told
took understood went woke won wore wrote
""".split())
# The caller's own wish ("I'd love ...", "we'd really like ..."): what the caller wants, which says nothing of the offer.
# One list for every reader of it: the pitch reading (protod.user.perceive) and the learned perceiver's wish clause.
WISH_VERBS = ("love", "like", "want", "hope")
_WISHERS = frozenset(("i", "we"))
_WISH_MODIFIERS = frozenset("would will really do so just truly".split())


def caller_wishes(tokens: tuple[str, ...]) -> frozenset[int]:
    """Positions of the caller's own wish verbs in `tokens`: "I love", "I'd love" (i would love), "we would really
    like". "We lead the market" has none: only a wish verb is a wish."""
    found = set()
    for i, token in enumerate(tokens):
        if token not in WISH_VERBS:
            continue
        j = i - 1
        while j >= 0 and i - j <= 3 and tokens[j] in _WISH_MODIFIERS:
            j -= 1
        if j >= 0 and tokens[j] in _WISHERS:
            found.add(i)
    return frozenset(found)


GUARANTEE_WORDS = frozenset("guarantee guaranteed guarantees promise promised promises ensure ensures assure".split())
# Words that make a fact an estimate or a record rather than a commitment ("earn an average of €14 an hour",
# "most places go live within 7 days", "averaged 65% occupancy last year"): promising what such a fact says invents a
# guarantee; promising what a firm fact says ("the price is fixed for 18 months") does not.
HEDGE_WORDS = frozenset("average averages averaged typical typically usually usual often most median around about "
                        "approximately roughly estimate estimated expect expected likely may might sometimes generally "
                        "tend tends could been was were last".split())

_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}
_CONTRACTIONS = [
    (re.compile(r"\bcan't\b|\bcannot\b"), "can not"), (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"\bshan't\b"), "shall not"), (re.compile(r"n't\b"), " not"), (re.compile(r"'re\b"), " are"),
    (re.compile(r"'ll\b"), " will"), (re.compile(r"'ve\b"), " have"), (re.compile(r"'m\b"), " am"),
    # "You'd shown some interest" is "you had", not "you would" (a promise of what the user will get, round 27)
    (re.compile(r"'d(?=\s+(?:(?:already|never|just|ever|recently|previously|once)\s+)?(?:been|shown|said|told|seen|"
                r"done|gone|had|got|heard|given|taken|known|made|thought|found|left|sent|met|spoken|written|"
                r"(?!(?:need|proceed|succeed|exceed|feed|speed|heed|bleed|breed)\b)[a-z]+ed)\b)"), " had"),
    (re.compile(r"'d\b"), " would"),
    (re.compile(r"\b(it|there|that|what|here|who|how|where|he|she)'s\b"), r"\1 is"), (re.compile(r"\blet's\b"), "let us"),
    (re.compile(r"'s\b"), ""),
    (re.compile(r"\bper ?cent\b|\bpercent\b"), "%"),
    # "say no to any change" turns it down; it denies nothing (round 32: the pack's own fact called a lie)
    (re.compile(r"\b(?:say|says|said|saying) no to\b"), "decline"),
    # Bounds and litotes are no denials: "no more than four minutes on foot", "not far from the station".
    (re.compile(r"\b(?:no|not) (?:more|longer) than\b"), "at most"), (re.compile(r"\b(?:no|not) (?:less|fewer) than\b"), "at least"),
    (re.compile(r"\bmidnight\b"), "12 am"), (re.compile(r"\b(?:noon|midday)\b"), "12 pm"), (re.compile(r"\bo'clock\b"), "oclock"),
    (re.compile(r"\ba?round the clock\b|\b24/7\b|\b24-7\b|\btwenty-four[- ]seven\b|"
                r"\b(?:24|twenty-four) hours,? (?:every|each) day\b"), "24 hours a day"),
    # ... and so does a 24-hour service ("the 24-hour support line" for one that "answers around the clock", round 89:
    # a lie); not a 24-hour notice, window or turnaround, which is a span of time
    (re.compile(r"\b(?:24|twenty-four)[- ]hour\b(?=(?: [a-z-]+){0,2}? (?:support|help|helpline|hotline|line|service|"
                r"desk|team|cover|assistance|monitoring|security|access|care|emergency|phone|concierge|staff)\b)"),
     "24 hours a day"),
    # "It won't cost you a penny" says what "it costs you nothing" says, without a negation a denial could catch.
    (re.compile(r"\bnot cost (you |them )?(?:anything|a thing|a penny|a cent|a pound|a dime)\b"), r"cost \1nothing"),
    (re.compile(r"\bno later than\b"), "by"), (re.compile(r"\bnot (?:very |that |too )?far\b"), "close"),
    # ... and "without paying anything" says "free" (round 88: "without paying for day passes" denied the free trial)
    (re.compile(r"\bwithout (?:paying|having to pay|being charged)(?: (?:anything|a thing|a penny|a cent|a pound))?"), "free"),
]
# (a code of letters and digits is one word: "the A1 evening course" is no article and a count, round 92: nonsense)
_TOKEN = re.compile(r"[€$£]?\d+(?:[.,:/]\d+)*\s?%?|(?<![\w-])[a-z]{1,2}\d{1,3}(?![\w.,]\d)\b|[a-z]+(?:-[a-z]+)*|%")

# Prices said (or typed) the way people say them: "two pounds forty" is £2.40, "13 pounds 20" £13.20, and
# with money already in the sentence (or a rate after it) "fourteen seventy an hour" is £14.70, not 14 and 70 (a range
# or two counts: dev lines heard as false claims). Only from ten up: "two ninety-five" may be £2.95 or £295, and "the
# off-peak one twenty-one quid" has a pronoun "one". Hyphenated "four-fifty" stays whole (450 Mbps or £4.50).
_UNITS_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_TEENS_WORD = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_TENS_WORD = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_TEN_TO_99 = rf"(?:{_TENS_WORD}(?:-{_UNITS_WORD})?|{_TEENS_WORD})"
_UPTO99 = rf"(?:{_TEN_TO_99}|{_UNITS_WORD})"
_MONEY_UNIT = {"pound": "£", "pounds": "£", "quid": "£", "euro": "€", "euros": "€", "dollar": "$", "dollars": "$"}
_UNIT_AND_SUB = re.compile(rf"\b({_UPTO99}|\d+)\s+(pounds?|quid|euros?|dollars?)\s+(?:and\s+)?({_UPTO99}|\d\d)"
                           rf"(?:\s+(?:pence|p|cents?))?\b(?!\s+(?!(?:a|an|per|every|each|plus|for|and|or|on|in|at|"
                           rf"to|with|vat|including|inc|before|after))[a-z]+s\b)", re.I)
_BARE_PRICE = re.compile(rf"(?<![.,:/])\b({_TEN_TO_99}|[1-9]\d?)\s+({_TEN_TO_99}|[1-9]\d)\b(?!-|%|[.,:/]\d)", re.I)
# What may follow a price typed as two numbers ("14 70 at weekends"): a pause, or a word that is no noun being counted
# ("2 10-minute calls", "3 40 seat rooms" count things)
_AFTER_DIGIT_PRICE = re.compile(r"\s*(?:[,.;:!?)]|$)|\s+(?:a|an|per|at|on|for|each|plus|and|or|in|every|weekdays?|"
                                 r"weekends?|vat|inc|including|excluding|before|after)\b", re.I)
# "14.70 weekends": two decimal places are pence or cents, unless a share or a measure follows ("99.95 %", "2.50 hours")
_DECIMAL_PRICE = re.compile(r"(?<![€$£\d.])\b(\d{1,4}\.\d\d)\b(?![.\d%]|\s*%|\s*(?:[a-z]*bps|kg|km|kw|kwh|g|gb|mb|mi|m|cm|"
                            r"l|ml|miles?|metres?|meters?|litres?|liters?|hours?|hrs?|minutes?|mins?|seconds?|days?|"
                            r"weeks?|months?|years?|percent|per cent|stars?|points?|x)\b)", re.I)
# A cheap first look, on lower-case text (tokenize's hot path): most sentences have no currency and no number word
# from ten up, and then nothing in them can be a price in words.
# A clock time written with a dot ("shifts run 9.30 to 12.30", "from 5.30pm"), not a price (round 95: "'Our morning
# shifts run 9.30 to 12.30'? I don't believe that."): a quarter hour after "at", "from", "until", in a range or before
# am/pm, with no currency sign.
_CLOCK_DOT = r"(?:1?\d|2[0-3])\.(?:00|15|30|45)(?!\d|[.,]\d)"
_DOTTED_CLOCK = re.compile(rf"(?<![€$£\d.]){_CLOCK_DOT}(?:\s*(?:to|until|till|-|–)\s*{_CLOCK_DOT}"
                           rf"(?!\s+(?:a|an|per|each)\s)|(?=\s*[ap]\.?m\b))|"
                           rf"\b(?:at|from|until|till)\s+{_CLOCK_DOT}(?:\s*(?:to|until|till|-|–)\s*{_CLOCK_DOT}"
                           rf"(?!\s+(?:a|an|per|each)\s))?", re.I)  # ("from 5.30 to 8.30": both, round 106)
_PRICE_HINT = re.compile(rf"[€$£]|\b(?:pound|quid|euro|dollar|{_TEENS_WORD}|{_TENS_WORD})|\d\s+\d|\d\.\d\d")
_HAS_MONEY = re.compile(r"[€$£]|\b(?:pounds?|quid|euros?|dollars?)\b", re.I)
_RATE_AFTER = re.compile(r"\s+(?:a|an|per)\s+(?:hour|night|day|week|month|shift|session|class|visit|lesson)\b", re.I)


def _words_value(words: str) -> int:
    return sum(_NUMBER_WORDS[p] for p in words.lower().split("-"))


def money_words(text: str) -> str:
    """Prices in words as amounts (see _UNIT_AND_SUB / _BARE_PRICE): "two pounds forty" -> "£2.40"."""
    def unit_and_sub(m: re.Match) -> str:
        whole = m.group(1)
        value = int(whole) if whole.isdigit() else _words_value(whole)
        sub = int(m.group(3)) if m.group(3).isdigit() else _words_value(m.group(3))
        return f"{_MONEY_UNIT[m.group(2).lower()]}{value}.{sub:02d}" if 0 < sub < 100 else m.group(0)

    def bare(m: re.Match) -> str:
        if not (money or _RATE_AFTER.match(m.string, m.end())):
            return m.group(0)
        whole, sub = (int(g) if g.isdigit() else _words_value(g) for g in m.groups())
        if m.group(1).isdigit() != m.group(2).isdigit():
            return m.group(0)  # "2 thirty" is no price
        if m.group(1).isdigit() and not _AFTER_DIGIT_PRICE.match(m.string, m.end()):
            return m.group(0)  # "2 10-minute calls", "3 40 seat rooms": a count of things
        # ("14 70 at weekends", said after "13 pounds 20 an hour", is £14.70)
        return f"£{whole}.{sub:02d}"

    if not _PRICE_HINT.search(text.lower()):
        return text
    text = _DOTTED_CLOCK.sub(lambda m: m.group(0).replace(".", ":"), text)
    text = _DECIMAL_PRICE.sub(r"£\1", text)
    money = bool(_HAS_MONEY.search(text))
    if money:  # a whole and its subunits need the currency word between them
        text = _UNIT_AND_SUB.sub(unit_and_sub, text)
    for _ in range(2):  # a price read by its rate ("thirteen twenty an hour") puts money in the sentence for the rest
        text, n = _BARE_PRICE.subn(bare, text)
        if money or not n:
            break
        money = bool(_HAS_MONEY.search(text))
    return text


# A sentence ends at . ! ? followed by a space or the end, or at a line break: "€4.20" and "24/7" stay whole.
_SENTENCE = re.compile(r"[^\n]+?(?:[.!?]+(?=\s|$)|(?=\n)|$)")
# "a hundred and fifty" is one number, not two clauses.
# A comma or colon between digits is part of a number ("5,600", "11:30"), not a break.
CLAUSE_BREAK = re.compile(
    r"\s*(?:[;()\u2013\u2014]|(?<!\d)[,:]|[,:](?!\d))\s*|\s+-\s+"
    r"|(?<!hundred)(?<!\ball)\s+(?:and|but|while|whereas|although|though)\s+", re.I)  # "all but 5%" is one amount
# A negation whose scope is the whole sentence: "it is not true that X", "some say X, but that is not the case".
SCOPE_NEGATION = re.compile(
    r"\b(?:it|that|this)(?: is|'s)? (?:not|never|no longer) (?:true|the case|correct|so|right)(?: that)?\b"
    r"|\b(?:is|are) (?:untrue|false|a myth)\b|\bnot (?:true|the case) that\b", re.I)


def denies_whole(text: str) -> bool:
    """The text denies a whole statement ("It is not true that ...", "Some say ..., but that is not the case")."""
    return SCOPE_NEGATION.search(text.replace("’", "'")) is not None


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


# A question tacked onto a statement after a dash: "..., you can cancel with a month's notice - shall I get you
# rejoined at £29 a month?" is a statement and a question, not one long question (round 21 read it as cue stuffing).
# So after a semicolon: "..., the £40 joining fee doesn't apply to you; when did you cancel, roughly?" (round 30: a
# barrage, the statement's fee counted as a second thing asked).
_AFTERTHOUGHT = re.compile(
    r"^(?P<said>.*?\S)(?:\s+[\u2013\u2014-]{1,2}\s+|\s*;\s*)(?P<asked>(?:and |so )?"
    r"(?:shall|should|can|could|would|will|may|do|does|did|is|are|how|what|when|which|who|why|where|any|anything)\b"
    r"[^\u2013\u2014]*\?)$", re.I)


def split_afterthoughts(sentences: list[str]) -> list[str]:
    """The sentences with a question tacked on after a dash made a sentence of its own (see _AFTERTHOUGHT). A
    statement of three words or fewer stays joined: "One thing - how do you get around?" is one question."""
    out: list[str] = []
    for sentence in sentences:
        m = _AFTERTHOUGHT.match(sentence)
        if m and len(tokenize(m["said"])) > 3 and not m["said"].rstrip().endswith("?"):
            asked = m["asked"]
            out += [m["said"].rstrip(" ,;:") + ".", asked[:1].upper() + asked[1:]]
        else:
            out.append(sentence)
    return out


def stem(word: str) -> str:
    """A crude, consistent suffix stripper: enough to match 'payouts'/'payout', 'orders'/'order', 'charged'/'charge'."""
    if len(word) <= 3 or not word.replace("-", "").isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-1] if word.endswith("eed") else word[:-2]
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]  # "charge"/"charged"/"charging" -> "charg"
    return word


def _number(token: str) -> str:
    """'€5' -> '€5', '12 %' -> '12%', '4.20' -> '4.20'."""
    return token.replace(" ", "")


# Acronyms whose lower case is a function word: "a vet in the US" is no "the us", "an IT shop" no "an it".
ACRONYMS = {"US": "usa", "IT": "infotech"}
_ACRONYM = re.compile(r"\b(?:" + "|".join(ACRONYMS) + r")\b")


def tokenize(text: str) -> tuple[str, ...]:
    """Lower-cased word and number tokens, contractions expanded, number words turned into digits."""
    if any(c.islower() for c in text):  # in all-capitals text "US" is the pronoun
        text = _ACRONYM.sub(lambda m: ACRONYMS[m.group(0)], text)
    text = halves(text.lower().replace("’", "'").replace("‘", "'"))
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    text = money_words(text)
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        if tok[0].isdigit() or tok[0] in "€$£":
            out.append(_number(tok))
            continue
        if tok == "%" and out and out[-1][-1:].isdigit():
            out[-1] += "%"
            continue
        parts = tok.split("-")
        if len(parts) > 1 and parts[0] in _NUMBER_WORDS:
            out += _hyphenated(tok, parts)
            continue
        if tok in _NUMBER_WORDS and _NUMBER_WORDS[tok] < 10 and len(out) > 1 and out[-1] == "point" \
                and (out[-2].isdigit() or out[-2] == "one"):
            out.pop()  # "ten point two cents" is 10.2 cents, not 10 and 2 (a worked share called a lie)
            out[-1] = ("1" if out[-1] == "one" else out[-1]) + "." + str(_NUMBER_WORDS[tok])
            continue
        if tok in _NUMBER_WORDS and tok not in ("one",):  # "one" is mostly a pronoun
            out.append(str(_NUMBER_WORDS[tok]))
            continue
        if len(parts) == 2 and parts[1] == "wise" and parts[0]:
            out.append(parts[0])  # "work-wise", "money-wise": about work, about money (round 40: a question unheard)
            continue
        out.append(tok)
    # "each Tuesday" is "every Tuesday" (round 95: weekly pay unheard)
    out = ["every" if t == "each" and nxt in _EVERY_PERIOD else t for t, nxt in zip(out, [*out[1:], ""])]
    return _currency_symbols(_merge_hundreds(out))


_EVERY_PERIOD = frozenset("monday tuesday wednesday thursday friday saturday sunday day week month year fortnight "
                          "morning evening night weekend quarter".split())


_SYMBOL_OF = {"pound": "£", "pounds": "£", "quid": "£", "euro": "€", "euros": "€", "eur": "€", "dollar": "$",
              "dollars": "$", "bucks": "$"}


def _currency_symbols(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """'29 pounds' -> '£29': an amount said with its currency's name is the amount written with its sign, so
    "twenty-nine pounds a month" says the cue "£29 a month" (round 31: not heard)."""
    if not _SYMBOL_OF.keys() & set(tokens):
        return tokens
    out: list[str] = []
    for tok in tokens:
        if tok in _SYMBOL_OF and out and out[-1][:1].isdigit() and not out[-1].endswith("%"):
            out[-1] = _SYMBOL_OF[tok] + out[-1]
        else:
            out.append(tok)
    return tuple(out)


def _hyphenated(tok: str, parts: list[str]) -> list[str]:
    """'twenty-five' -> ['25']; 'thirty-day' -> ['30', 'day'], 'two-business-day' -> ['2', 'business', 'day'] (a
    count of a unit of time); 'four-fifty' stays whole: 450 Mbps or £4.50 is for the listener to guess, not us."""
    number = [p for p in parts if p in _NUMBER_WORDS]
    if len(number) == len(parts):
        tens, unit = (_NUMBER_WORDS[p] for p in parts) if len(parts) == 2 else (0, 0)
        return [str(tens + unit)] if tens in range(20, 100, 10) and unit in range(1, 10) else [tok]
    head = parts[: next(i for i, p in enumerate(parts) if p not in _NUMBER_WORDS)]
    if stem(parts[-1]) not in UNIT_DAYS or len(head) > 2:
        return [tok]  # "one-off", "two-bedroom": no amount of anything
    value = _hyphenated("-".join(head), head)[0] if len(head) == 2 else str(_NUMBER_WORDS[head[0]])
    tail = [str(_NUMBER_WORDS[p]) if p in _NUMBER_WORDS else p for p in parts[len(head):]]  # "three-to-five-day"
    return [value, *tail] if value[0].isdigit() else [tok]


def _merge_hundreds(tokens: list[str]) -> tuple[str, ...]:
    """'two 100' -> '200', '56 100' -> '5600', '100 and 50' -> '150', '5 thousand 600' -> '5600' (from "two hundred",
    "fifty-six hundred", "a hundred and fifty", "five thousand six hundred")."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "100" and out and out[-1].isdigit() and 0 < int(out[-1]) < 100:
            out[-1] = str(int(out[-1]) * 100)

        elif tok == "and" and out and out[-1].isdigit() and int(out[-1]) % 100 == 0 and int(out[-1]) >= 100 \
                and i + 1 < len(tokens) and tokens[i + 1].isdigit() and int(tokens[i + 1]) < 100:
            out[-1] = str(int(out[-1]) + int(tokens[i + 1]))
            i += 1
        else:
            out.append(tok)
        i += 1
    return _merge_thousands(out)


def _merge_thousands(tokens: list[str]) -> tuple[str, ...]:
    """'5 thousand 600' -> '5600', '2 thousand' -> '2000' (hundreds already merged: "five thousand six hundred")."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "thousand" and out and out[-1].isdigit() and 0 < int(out[-1]) < 1000:
            out[-1] = str(int(out[-1]) * 1000)
            if i + 1 < len(tokens) and tokens[i + 1].isdigit() and int(tokens[i + 1]) < 1000:
                out[-1] = str(int(out[-1]) + int(tokens[i + 1]))
                i += 1
        else:
            out.append(tok)
        i += 1
    return tuple(out)


UNIT_DAYS = {"minut": 1 / 1440, "hour": 1 / 24, "day": 1, "week": 7, "fortnight": 14, "month": 30, "year": 365}


# "an hour and a half" is one span, not "an hour" and then "a half" (the clause splitter cuts at "and").
_AND_A_HALF = re.compile(r"\b(?:a|an|one) (hour|day|week|month|year) and a half\b", re.I)


# "half an hour" is the fact's "30 minutes" (round 78: the no-downtime fact said with it went unheard)
_HALF_A = re.compile(r"\bhalf an? (hour|day|week|month|year)\b", re.I)


def halves(text: str) -> str:
    return _HALF_A.sub(lambda m: f"0.5 {m.group(1)}s", _AND_A_HALF.sub(lambda m: f"1.5 {m.group(1)}s", text))


def content_stems(tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(stem(t) for t in tokens if t not in FUNCTION_WORDS and t not in NEGATORS)


VERB_STEMS = frozenset(stem(v) for v in COMMON_VERBS)


def phrase_stems(phrase: str) -> tuple[str, ...]:
    return tuple(stem(t) for t in tokenize(phrase))


@lru_cache(maxsize=131072)
def joined(stems: tuple[str, ...]) -> str:
    """' a b c ': stems padded for whole-token substring search (a C-speed test on the hot path)."""
    return " " + " ".join(stems) + " "


def contains_phrase(stems: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Whether `phrase` occurs contiguously in `stems` (whole tokens)."""
    return bool(phrase) and joined(phrase) in joined(stems)


def plain_lower(text: str) -> str:
    """`text` lower-cased, with straight apostrophes and single spaces: what the phrase patterns below are read on."""
    return " ".join(text.lower().replace("\u2019", "'").split())


# Whole-word substring tests on raw text (a cue in a pack text, a cue in a sentence): padded lower-case words, a
# possessive and a plural s dropped, so "fees" finds "fee" and "driver's licence" finds "driver licence".
_WORD = re.compile(r"[a-z0-9%]+(?:'[a-z]+)?")
_WORD_POSSESSIVE = re.compile(r"'s\b")
_WORD_PLURAL = re.compile(r"\b([a-z0-9%]{2,}[a-rt-z0-9%])s\b")  # fees -> fee, orders -> order; not "less", "bus"


def normalise(text: str) -> str:
    """' tok tok tok ' - padded, lower-cased words (plural s dropped) for whole-word substring tests."""
    text = _WORD_POSSESSIVE.sub("", text.lower().replace("’", "'"))
    return " " + _WORD_PLURAL.sub(r"\1", " ".join(_WORD.findall(text))) + " "

"""What a sentence *is*, read with light English grammar: the base layer of rule perception.

The rule perceiver must credit what an agent turn means, not which cue words it contains, so before any cue is
matched each sentence is analysed here:

- tokens, with contractions expanded ("don't" -> "do not") and numbers normalised ("twelve percent" -> "12%");
- question or statement;
- well-formed or not: a keyword list (almost no function words), a fragment without a verb, a scrambled word order
  (determiner or preposition followed by a word that cannot follow it), or cue density far above natural speech is
  *nonsense* and earns nothing;
- clauses (split at , ; : and conjunctions), each with its stems, its numbers and its negation parity, so that
  "there is no joining fee" and "there is a joining fee" are told apart, and "40%, not the 12%" is two claims.

The function-word lists are English grammar, not domain language: domain words live in the pack. A pack may add
verbs the built-in list lacks (`lexicon.verbs`). Everything here is a pure function of the text, cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

# --- closed word classes ---------------------------------------------------------------------------------------
DETERMINERS = frozenset("the a an your our my their his her its".split())  # strict: never followed by a verb/prep
QUANTIFIERS = frozenset("every each any some all no many much few several both either".split())
PREPOSITIONS = frozenset("of to in on for with at by from into per over under after before during through within "
                         "than onto across against between without upon via inside outside beyond until".split())
# The words that address the listener: what is said "of you" is said of the user.
ADDRESSED = frozenset({"you", "your", "yours", "yourself"})
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
_TIME_WORDS = "moment now currently present today days lately recently these nowadays still"
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
    (re.compile(r"\b(it|there|that|what|here|who|how|where|he|she)'s\b"), r"\1 is"), (re.compile(r"'s\b"), ""),
    (re.compile(r"\bper ?cent\b|\bpercent\b"), "%"),
    # "say no to any change" turns it down; it denies nothing (round 32: the pack's own fact called a lie)
    (re.compile(r"\b(?:say|says|said|saying) no to\b"), "decline"),
    # Bounds and litotes are no denials: "no more than four minutes on foot", "not far from the station".
    (re.compile(r"\b(?:no|not) (?:more|longer) than\b"), "at most"), (re.compile(r"\b(?:no|not) (?:less|fewer) than\b"), "at least"),
    (re.compile(r"\bmidnight\b"), "12 am"), (re.compile(r"\b(?:noon|midday)\b"), "12 pm"), (re.compile(r"\bo'clock\b"), "oclock"),
    (re.compile(r"\ba?round the clock\b|\b24/7\b|\b24-7\b|\btwenty-four[- ]seven\b"), "24 hours a day"),
    (re.compile(r"\bno later than\b"), "by"), (re.compile(r"\bnot (?:very |that |too )?far\b"), "close"),
]
_TOKEN = re.compile(r"[€$£]?\d+(?:[.,:/]\d+)*\s?%?|[a-z]+(?:-[a-z]+)*|%")

# Prices said the way people say them: "two pounds forty" is £2.40, "thirteen pounds and twenty pence" £13.20, and
# with money already in the sentence (or a rate after it) "fourteen seventy an hour" is £14.70, not 14 and 70 (a range
# or two counts: dev lines heard as false claims). Only from ten up: "two ninety-five" may be £2.95 or £295, and "the
# off-peak one twenty-one quid" has a pronoun "one". Hyphenated "four-fifty" stays whole (450 Mbps or £4.50).
_UNITS_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine)"
_TEENS_WORD = r"(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
_TENS_WORD = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_TEN_TO_99 = rf"(?:{_TENS_WORD}(?:-{_UNITS_WORD})?|{_TEENS_WORD})"
_UPTO99 = rf"(?:{_TEN_TO_99}|{_UNITS_WORD})"
_MONEY_UNIT = {"pound": "£", "pounds": "£", "quid": "£", "euro": "€", "euros": "€", "dollar": "$", "dollars": "$"}
_UNIT_AND_SUB = re.compile(rf"\b({_UPTO99}|\d+)\s+(pounds?|quid|euros?|dollars?)\s+(?:and\s+)?({_UPTO99})"
                           rf"(?:\s+(?:pence|p|cents?))?\b(?!\s+(?!(?:a|an|per|every|each|plus|for|and|or|on|in|at|"
                           rf"to|with|vat|including|inc|before|after))[a-z]+s\b)", re.I)
_BARE_PRICE = re.compile(rf"\b({_TEN_TO_99})\s+({_TEN_TO_99})\b(?!-)", re.I)
# A cheap first look, on lower-case text (tokenize's hot path): most sentences have no currency and no number word
# from ten up, and then nothing in them can be a price in words.
_PRICE_HINT = re.compile(rf"[€$£]|\b(?:pound|quid|euro|dollar|{_TEENS_WORD}|{_TENS_WORD})")
_HAS_MONEY = re.compile(r"[€$£]|\b(?:pounds?|quid|euros?|dollars?)\b", re.I)
_RATE_AFTER = re.compile(r"\s+(?:a|an|per)\s+(?:hour|night|day|week|month|shift|session|class|visit|lesson)\b", re.I)


def _words_value(words: str) -> int:
    return sum(_NUMBER_WORDS[p] for p in words.lower().split("-"))


def _money_words(text: str) -> str:
    """Prices in words as amounts (see _UNIT_AND_SUB / _BARE_PRICE): "two pounds forty" -> "£2.40"."""
    def unit_and_sub(m: re.Match) -> str:
        whole = m.group(1)
        value = int(whole) if whole.isdigit() else _words_value(whole)
        sub = _words_value(m.group(3))
        return f"{_MONEY_UNIT[m.group(2).lower()]}{value}.{sub:02d}" if 0 < sub < 100 else m.group(0)

    def bare(m: re.Match) -> str:
        if not (money or _RATE_AFTER.match(m.string, m.end())):
            return m.group(0)
        return f"£{_words_value(m.group(1))}.{_words_value(m.group(2)):02d}"

    if not _PRICE_HINT.search(text.lower()):
        return text
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
_CLAUSE_BREAK = re.compile(
    r"\s*(?:[;()\u2013\u2014]|(?<!\d)[,:]|[,:](?!\d))\s*|\s+-\s+"
    r"|(?<!hundred)(?<!\ball)\s+(?:and|but|while|whereas|although|though)\s+", re.I)  # "all but 5%" is one amount
# A negation whose scope is the whole sentence: "it is not true that X", "some say X, but that is not the case".
_SCOPE_NEGATION = re.compile(
    r"\b(?:it|that|this)(?: is|'s)? (?:not|never|no longer) (?:true|the case|correct|so|right)(?: that)?\b"
    r"|\b(?:is|are) (?:untrue|false|a myth)\b|\bnot (?:true|the case) that\b", re.I)


def denies_whole(text: str) -> bool:
    """The text denies a whole statement ("It is not true that ...", "Some say ..., but that is not the case")."""
    return _SCOPE_NEGATION.search(text.replace("’", "'")) is not None


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
_ACRONYMS = {"US": "usa", "IT": "infotech"}
_ACRONYM = re.compile(r"\b(?:" + "|".join(_ACRONYMS) + r")\b")


def tokenize(text: str) -> tuple[str, ...]:
    """Lower-cased word and number tokens, contractions expanded, number words turned into digits."""
    if any(c.islower() for c in text):  # in all-capitals text "US" is the pronoun
        text = _ACRONYM.sub(lambda m: _ACRONYMS[m.group(0)], text)
    text = _halves(text.lower().replace("’", "'").replace("‘", "'"))
    for pattern, repl in _CONTRACTIONS:
        text = pattern.sub(repl, text)
    text = _money_words(text)
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
        if tok in _NUMBER_WORDS and tok not in ("one",):  # "one" is mostly a pronoun
            out.append(str(_NUMBER_WORDS[tok]))
            continue
        out.append(tok)
    return _currency_symbols(_merge_hundreds(out))


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
    if stem(parts[-1]) not in _DAYS or len(head) > 2:
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


def is_number(token: str) -> bool:
    return token[:1].isdigit() or (token[:1] in "€$£" and token[1:2].isdigit())


Quantity = tuple  # (kind, value, unit): ("cur", 5.0, ""), ("pct", 12.0, ""), ("time", 11.5, ""), ("num", 25.0, "order")
_CURRENCY_WORDS = frozenset("euro euros eur dollar dollars pound pounds quid bucks".split())
_CENT_WORDS = frozenset("cent cents c p pence".split())
_RATE_WORDS = frozenset("a an per every each".split())
# Words between a count and its unit that do not change the unit: "two working days" is two days (stems; a calendar
# day is another promise).
_UNIT_QUALIFIERS = frozenset("work business full whol clear consecutiv".split())
# Words after an hour that make it a clock time, and the half of the day they name ("" for either).
_CLOCK = {"am": "am", "pm": "pm", "oclock": ""}
_CLOCK_PHRASES = {("in", "the", "morning"): "am", ("in", "the", "afternoon"): "pm", ("in", "the", "evening"): "pm",
                  ("at", "night"): "pm"}


def _clock(tokens: tuple[str, ...], j: int) -> str | None:
    """The half of the day ("am", "pm", "") when tokens[j:] open with clock words, else None."""
    if j < len(tokens) and tokens[j] in _CLOCK:
        return _CLOCK[tokens[j]]
    return _CLOCK_PHRASES.get(tokens[j:j + 3], _CLOCK_PHRASES.get(tokens[j:j + 2]))


_DAYS = {"minut": 1 / 1440, "hour": 1 / 24, "day": 1, "week": 7, "fortnight": 14, "month": 30, "year": 365}
# Spoken and written forms of one unit (stems): "490 meg" is a claim about the same thing as "450 Mbps".
_UNIT_ALIASES = {"meg": "mbp", "megabit": "mbp", "mb": "mbp", "gig": "gbp", "gigabit": "gbp", "km": "kilometr",
                 "kms": "kilometr", "kilometer": "kilometr", "min": "minut", "mins": "minut", "hr": "hour",
                 "hrs": "hour", "yr": "year", "yrs": "year", "wk": "week", "wks": "week",
                 # a delivery is an order delivered ("your first three deliveries" = "your first three orders")
                 "delivery": "order"}


def quantities(tokens: tuple[str, ...]) -> frozenset[Quantity]:
    """The amounts a clause states, comparable across wordings: "€0.80" = "80 cents", "12%" = "twelve percent",
    "72 hours" = "3 days"; any other count keeps the word it counts ("25 orders" is not "25 riders")."""
    out = set()
    skip: set[int] = set()  # the minutes of "eight thirty in the morning"
    for i, tok in enumerate(tokens):
        if not is_number(tok):
            continue
        currency = tok[0] in "€$£"
        body = tok.lstrip("€$£")
        percent = body.endswith("%")
        body = body.rstrip("%")
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if i in skip:
            continue
        try:
            if ":" in body:
                hours, minutes = body.split(":", 1)
                out.add(("time", round(float(hours) + float(minutes) / 60, 3), _clock(tokens, i + 1) or ""))
                continue
            value = float(body.replace(",", "")) if "/" not in body else None
        except ValueError:
            continue
        if value is None:
            out.add(("text", body, ""))
        elif percent:
            out.add(("pct", value, _SHARE if _complementary(tokens, i) else ""))
        elif currency or nxt in _CURRENCY_WORDS:
            out.add(("cur", value, ""))
        elif nxt in _CENT_WORDS:
            out.add(("cur", round(value / 100, 4), ""))
        elif nxt in _RATE_WORDS and i + 2 < len(tokens) and stem(tokens[i + 2]) in _DAYS:
            out.add(("cur", value, ""))  # "twenty-nine a month", "14 per hour": a price or a wage, not a duration
        elif value <= 24 and (half := _clock(tokens, i + 1)) is not None:
            out.add(("time", value, half))  # "8 am" = "eight in the morning"; "10 pm" = "ten at night"
        elif value <= 12 and _minutes(nxt) and (half := _clock(tokens, i + 2)) is not None:
            out.add(("time", round(value + float(nxt) / 60, 3), half))  # "eight thirty in the morning"
            skip.add(i + 1)
        else:
            unit = _count_unit(tokens, i)
            if unit == "pm" and value <= 24:  # "8 to 11 pm": the low end of a span of clock times
                out.add(("time", value, "pm"))
                continue
            period = tokens[i + 2:i + 4] if i + 3 < len(tokens) and tokens[i + 2] in _RATE_WORDS else ()
            if unit in _DAYS and period and stem(period[1]) in _DAYS and value == round(_DAYS[stem(period[1])] / _DAYS[unit], 3):
                # "24 hours a day" (also "around the clock", "24/7") is open all day, against any opening hours;
                # "7 days a week" is every day: no amount
                if unit == "hour" and stem(period[1]) == "day":
                    out.add(("allday", 1.0, ""))
                continue
            if unit in _DAYS:  # "72 hours" = "3 days", "two weeks" = "14 days"
                out.add(("dur", round(value * _DAYS[unit], 3), ""))
            else:
                out.add(("num", value, unit))
    return frozenset(out | _ranges(tokens))


# Words that end the noun a number counts: "three paid shadow shifts alongside an experienced carer".
_AFTER_NOUN = frozenset("alongside along around behind beside besides near each every per plus first last next then "
                         "now today again ahead together alone too also only instead".split())


def _count_unit(tokens: tuple[str, ...], i: int) -> str:
    """What the number at tokens[i] counts: its noun phrase's stems ("paid shadow shift"), a unit of time or measure
    alone when it opens with one ("500 Mbps download" counts Mbps), or the first content word within three when a
    function word follows the number ("25 of the orders")."""
    words: list[str] = []
    tail = tuple(tokens[i + 1:i + 3])
    if tail in _BOUND_TAILS:
        # "anyone 18 or over training alongside you" counts no training: "aged 18 or over" (round 36); "12 or more
        # days" counts days, as "12 days" does
        return "" if tail[1] not in ("more", "fewer", "less") else _count_unit(tokens[:i + 1] + tokens[i + 3:], i)
    for w in tokens[i + 1:i + 5]:
        if w in FUNCTION_WORDS or w in _AFTER_NOUN or is_number(w):
            break
        s = stem(w)
        if not words and s in _UNIT_QUALIFIERS:
            continue  # "three working days", "two full weeks"
        if words and s in VERB_STEMS:
            break  # "25 orders come in"
        words.append(_UNIT_ALIASES.get(s, s))
        if words == ["calendar"]:
            return "calendar"  # "two calendar days" is not the fact's "two working days": no duration to compare
        if words[-1] in _DAYS or words[-1] in _MEASURES or words[-1] in ("am", "pm"):
            return words[-1]  # "16 guaranteed hours" is a span of hours, "500 Mbps download" a speed
    if not words:
        first = next((stem(w) for w in tokens[i + 1:i + 4]
                      if w not in FUNCTION_WORDS and not is_number(w) and stem(w) not in _UNIT_QUALIFIERS), "")
        return _UNIT_ALIASES.get(first, first)
    return " ".join(words)


_MEASURES = frozenset("mbp gbp kilometr mile kw kwh gsm kg litr metr percent thread".split())
_BOUND_TAILS = frozenset((a, b) for a in ("or", "and") for b in ("over", "more", "above", "older", "under", "less", "fewer",
                                                                   "younger", "up"))


def same_unit(a: str, b: str) -> bool:
    """Two counts count the same thing: one names more of it ("kW" and "kW system"), or both name one noun ("shadow
    shift" and "paid shadow shift")."""
    if a == b:
        return True
    x, y = a.split(), b.split()
    if not x or not y or bool(_ADDING & set(x)) != bool(_ADDING & set(y)):
        return False  # "five extra clinicians" are not the plan's "three clinicians"
    # ... or share a word that names a thing: "three paid shifts shadowing" and "three paid shadow shifts", "four free
    # guest visits" and "four free guest passes"; not "free" alone ("3 free meals" is no "3 free guest passes")
    return x[:len(y)] == y or y[:len(x)] == x or bool((set(x) & set(y)) - _DESCRIBING)


_DESCRIBING = frozenset(stem(w) for w in "free paid extra new full whole own more other additional".split())
_ADDING = frozenset(stem(w) for w in "extra additional more other further".split())


# Words after which an amount is what the offer is set against, not claimed: "18% rather than 30%", "€15 a week
# instead of €35", "18%, not 30% like the others" (the issue's contrast class; round 31 heard a lie in the first two).
_CONTRAST_MARKERS = (("rather", "than"), ("instead", "of"), ("compared", "to"), ("compared", "with"), ("as", "opposed",
                     "to"), ("versus",), ("vs",), ("unlike",), ("not",))


def contrasted_amounts(tokens: tuple[str, ...]) -> frozenset[Quantity]:
    """The amounts named right after a contrast marker (within its next four words): "not 30% like the others"."""
    found: set[Quantity] = set()
    for i in range(len(tokens)):
        for marker in _CONTRAST_MARKERS:
            if tokens[i:i + len(marker)] == marker:
                rest = tokens[i + len(marker):i + len(marker) + 4]
                if rest[:1] and (is_number(rest[0]) or rest[0] in ("the", "a", "an", "your") and
                                 any(is_number(t) for t in rest[1:2])):
                    found |= quantities(rest)
    return frozenset(found)


# "an hour and a half" is one span, not "an hour" and then "a half" (the clause splitter cuts at "and").
_AND_A_HALF = re.compile(r"\b(?:a|an|one) (hour|day|week|month|year) and a half\b", re.I)


def _halves(text: str) -> str:
    return _AND_A_HALF.sub(lambda m: f"1.5 {m.group(1)}s", text)


# "you keep 80%" is the same deal as "we keep 20%": a percentage the user keeps is marked a share, and a share
# matches a plain percentage or its complement. Plural "keep" and "take home" only: "Tutorlark keeps 80%" and
# "we keep 80%" are the offer's own cut, and stay wrong against a 20% fee.
_SHARE = "share"
_KEEP_VERBS = frozenset({"keep", "pocket"})
_OUR_SIDE = frozenset({"we", "us", "our"})


def _complementary(tokens: tuple[str, ...], i: int) -> bool:
    """The percentage at tokens[i] is the complement of what is meant: what the user keeps ("you keep 80%", "you'd
    get to keep 80 percent", "owners take home 72%": a keep verb within the three words before it, not said by the
    offer's side), or the rest of a whole ("all but 5% of customers get 450" is 95% of them)."""
    if tokens[max(0, i - 2):i] == ("all", "but"):
        return True
    for j in range(max(0, i - 3), i):
        verb = tokens[j] in _KEEP_VERBS or (tokens[j] == "take" and j + 1 < i and tokens[j + 1] == "home")
        if verb and (j == 0 or tokens[j - 1] not in _OUR_SIDE):
            return True
    return False


def _minutes(token: str) -> bool:
    return token.isdigit() and 0 < int(token) < 60


_RANGE = "~"  # a quantity kind + "~" holds (low, high): "between £25 and £60", "25 to 40 orders", "25-40"


def _ranges(tokens: tuple[str, ...]) -> set[Quantity]:
    """The ranges a clause states, as (kind + "~", (low, high), unit); the second amount's kind and unit apply to
    both ("25 to 40 orders", "between £25 and £60")."""
    out = set()
    for i, tok in enumerate(tokens):
        if not is_number(tok):
            continue
        if i + 1 < len(tokens) and is_number(tokens[i + 1]):
            if _minutes(tokens[i + 1]) and _clock(tokens, i + 2) is not None:
                continue  # "eight thirty in the morning" is one time
            j = i + 1  # "25-40" (the dash is not a token)
        elif i + 2 < len(tokens) and is_number(tokens[i + 2]) and (
                tokens[i + 1] == "to" or (tokens[i + 1] == "and" and i > 0 and tokens[i - 1] == "between")):
            j = i + 2
        else:
            continue
        high = _first(tokens[j:])
        low = _first(tokens[i:i + 1] + tokens[j + 1:])  # the low end read with the high end's unit words
        if high and low and low[0] != high[0] and low[0] == "num" and high[0] in ("pct", "cur", "time"):
            low = (high[0], low[1], high[2])  # "30 to 50%", "6 to 9:30": the bare low end takes the high end's kind
        if high and low and low[0] == high[0] and high[0] not in ("text",) and low[1] < high[1]:
            out.add((high[0] + _RANGE, (low[1], high[1]), high[2]))
    return out


def _first(tokens: tuple[str, ...]) -> Quantity | None:
    """The quantity of the first token, read with the (non-number) words after it."""
    words = tokens[:1] + tuple(t for t in tokens[1:4] if not is_number(t))
    found = [q for q in quantities(words) if not q[0].endswith(_RANGE)]
    return found[0] if len(found) == 1 else None


def contradicts(q: Quantity, known: frozenset[Quantity]) -> bool:
    """`q` is of a kind (and, for counts, a unit) the known amounts have, with none of their values and outside every
    range they state ("at £40 an hour" is within "between £25 and £60")."""
    if q[0] == "allday":  # open all day against stated opening hours
        return any(k[0] in ("time", "time" + _RANGE) for k in known) and ("allday", 1.0, "") not in known
    same = [k for k in known if k[0] == q[0] and (q[0] != "num" or same_unit(k[2], q[2]))]
    within = not q[0].endswith(_RANGE) and q[0] != "text" and any(
        k[0] == q[0] + _RANGE and (q[0] != "num" or same_unit(k[2], q[2])) and k[1][0] <= q[1] <= k[1][1]
        for k in known)
    return bool(same) and not within and not any(_same_amount(k, q) for k in same)


def _same_amount(k: Quantity, q: Quantity) -> bool:
    if q[0] == "time" and k[2] and q[2] and k[2] != q[2]:
        return False  # "8 to 11 am" is not "8 to 11 pm"; an hour said without its half of the day may be either
    if q[0] == "pct" and (k[2] == _SHARE) != (q[2] == _SHARE):  # the user's share against the offer's cut
        return k[1] == q[1] or k[1] == 100 - q[1]
    return _same(k[1], q[1], q[0])


def _same(a: float, b: float, kind: str) -> bool:
    # durations are compared loosely: "3 months" and "12 weeks" are one promise in two wordings; clock times on a
    # 12-hour dial: "6 to 9:30" in the evening is "18:00 to 21:30"
    if kind == "dur":
        return abs(a - b) <= 0.1 * max(abs(a), abs(b))
    if kind == "time":
        return a % 12 == b % 12
    if kind.endswith(_RANGE):  # both ends, each as its kind compares
        return _same(a[0], b[0], kind[:-1]) and _same(a[1], b[1], kind[:-1])
    return a == b


def accounted(q: Quantity, known: frozenset[Quantity]) -> bool:
    """`q` is one of the known amounts: same kind, same value and, for counts, the same unit ("five working days"
    is not accounted for by "five devices")."""
    if any(k[0] == q[0] and (q[0] != "num" or same_unit(k[2], q[2])) and _same_amount(k, q) for k in known):
        return True
    # "held until eleven" is the fact's "until 11 am": a bare hour and a clock time of the same hour
    if _bare_hour(q):
        return any(k[0] == "time" and _same(k[1], q[1], "time") for k in known)
    if q[0] == "time":
        return any(_bare_hour(k) and _same(k[1], q[1], "time") for k in known)
    return False


def same_kind(q: Quantity, known: frozenset[Quantity]) -> bool:
    """Some known amount is of `q`'s kind (and, for counts, its unit), ranges and single values alike."""
    kind = q[0].removesuffix(_RANGE)
    return any(k[0].removesuffix(_RANGE) == kind and (kind != "num" or same_unit(k[2], q[2])) for k in known)


def complements(q: Quantity, known: frozenset[Quantity]) -> bool:
    """`q` is the user's share of a cut the known amounts state: "you keep 80%" beside "we keep 20%"."""
    return q[0] == "pct" and q[2] == _SHARE and any(k[0] == "pct" and k[2] != _SHARE and k[1] == 100 - q[1]
                                                    for k in known)


def _bare_hour(q: Quantity) -> bool:
    return q[0] == "num" and q[2] == "" and q[1] in range(1, 13)


def derived(q: Quantity, stated: frozenset[Quantity], known: frozenset[Quantity],
            shares: frozenset[Quantity] = frozenset()) -> bool:
    """`q` is a sum or total worked out from the sentence's own true money amounts and counts: "$149 a month plus
    $39 for each of the five extra clinicians, so $344" (149 + 39 x 5), "€750 a year, so about €62 a month" (750 / 12).
    Arithmetic on true amounts is no new claim; a wrong sum still is one. `shares` (the percentages of the fact the
    amount is said about, and of the sentence) also give what is left after one: "at the lowest rate of £25 you'd take
    home £20" beside "we keep 20%", "about ten cents a word" from 12 cents less 15% (a speaker rounds: within 3%)."""
    if q[0] != "cur":
        return False
    parts = [k[1] for k in stated if k[0] == "cur" and k != q and accounted(k, known)]
    counts = [k[1] for k in stated if k[0] == "num"]
    cuts = [k[1] for k in (*shares, *stated) if k[0] == "pct" and isinstance(k[1], float) and 0 < k[1] < 100]
    totals = {a + b for a in parts for b in parts} | {abs(a - b) for a in parts for b in parts}
    totals |= {a * n for a in parts for n in counts} | {a + b * n for a in parts for b in parts for n in counts}
    # a yearly amount per month ("about 750 a year, so around 62 a month"); never the other way, which would let a
    # monthly amount be inflated twelvefold
    totals |= {a / 12 for a in parts}
    left = {a * (1 - p / 100) for a in parts for p in cuts}
    return any(abs(t - q[1]) <= 0.01 * max(abs(q[1]), 1.0) for t in totals) or any(
        abs(t - q[1]) <= 0.03 * abs(t) for t in left)


@dataclass(frozen=True, slots=True)
class Clause:
    tokens: tuple[str, ...]
    token_stems: tuple[str, ...]  # stems of every token, in order (for contiguous phrase matching)
    stems: tuple[str, ...]  # stems of the content words, in order
    numbers: frozenset[Quantity]
    negated: bool  # odd number of negators: the clause denies what it names
    guarantee: bool


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    tokens: tuple[str, ...]
    stems: tuple[str, ...]  # stems of every token, in order (for contiguous phrase matching)
    question: bool
    well_formed: bool
    defect: str  # why it is not well-formed ("" when it is)
    clauses: tuple[Clause, ...]
    numbers: frozenset[Quantity]  # every amount the sentence states (the union of its clauses')


def content_stems(tokens: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(stem(t) for t in tokens if t not in FUNCTION_WORDS and t not in NEGATORS)


def _clause(text: str) -> Clause | None:
    tokens = tokenize(text)
    if not tokens:
        return None
    negators = sum(1 for t in tokens if t in NEGATORS or t in OPTIONAL_WORDS)
    return Clause(
        tokens=tokens,
        token_stems=tuple(stem(t) for t in tokens),
        stems=content_stems(tokens),
        numbers=quantities(tokens) - contrasted_amounts(tokens),
        negated=negators % 2 == 1,
        # "I can't promise you a number" is the opposite of a guarantee
        guarantee=any(t in GUARANTEE_WORDS for t in tokens) and negators % 2 == 0,
    )


_CHARGE_WORDS = frozenset(stem(w) for w in "charge charges fee fees cost costs payment payments penalty interest deposit "
                           "bill".split())
_CHARGING = frozenset(stem(w) for w in "charge take add bill".split())  # verbs that impose a charge
_ADDED = frozenset(stem(w) for w in "extra additional hidden further".split())
_CHARGE_NEGATORS = frozenset(("nothing", "none", "no", "not", "never"))


def negation_covers(clause: Clause, stems: tuple[str, ...] | set[str] | frozenset[str]) -> bool:
    """The clause denies one of `stems`: it is negated and one of them comes after its first negator ("with no minimum
    hours" denies the hours, not the shifts chosen before it), or the whole clause is denied ("it is not true that")."""
    if not clause.negated:
        return False
    # (a cue's function words deny nothing: "a" of "€15 a week" is not denied by "without a vehicle")
    stems = (set(stems) - FUNCTION_WORDS) or set(stems)
    first = next((i for i, t in enumerate(clause.tokens) if t in NEGATORS or t in OPTIONAL_WORDS), None)
    if first is None:
        return True
    if clause.tokens[first] in OPTIONAL_WORDS:
        return bool(set(clause.token_stems) & set(stems))
    # "Joining a promotion is never required" denies what it names before the negator: a negation whose rest only says
    # that something is needed says "you never have to join" (round 29: the pack's own fact called a lie)
    rest = [t for t in clause.tokens[first + 1:] if t not in FUNCTION_WORDS]
    if rest and all(t in _NECESSITY for t in rest):
        return bool(set(clause.token_stems) & set(stems))
    # nor past an "until" with its own subject: "Nobody goes in alone until they've done three paid shadow shifts"
    # asserts the shifts (round 28: the rule perceiver called the pack's own fact a lie)
    end = next((i for i in range(first + 1, len(clause.tokens) - 1) if clause.tokens[i] in ("until", "till")
                and clause.tokens[i + 1] in _SUBJECTS | {"someone", "somebody", "everyone"}),
               len(clause.tokens))
    # "without" denies its own noun phrase only: "Riders without a vehicle get the e-bike at €15 a week" asserts the
    # e-bike (round 31's pack lines: a lie)
    if clause.tokens[first] == "without":
        end = next((i for i in range(first + 2, end) if clause.tokens[i] in AUXILIARIES
                    or clause.token_stems[i] in VERB_STEMS), end)
    # A charge denied denies no more than the charge, not what a preposition adds: "the quiet weeks cost you nothing
    # for empty rooms", "there's no charge for the compliance check" say the rooms and the check are free (round 37: a
    # lie against "so empty rooms cost you nothing"); "no guarantee on loft work" still denies the loft work's.
    # (also with the verb left out, "nothing extra for empty rooms"; not a subject, "nothing is charged for rooms")
    # (and "we don't take a deposit on casks" or "we don't charge for the check" as "no deposit on casks", "no charge
    # for the check"; not "we don't cover the cost of your DBS", nor "we don't charge by the occupied room")
    if clause.tokens[first] in _CHARGE_NEGATORS:  # (the rest of this test only for them: a hot path)
        following = clause.tokens[first + 1:first + 2]
        before_prep = next((i for i in range(first + 1, end) if clause.tokens[i] in PREPOSITIONS
                            and clause.tokens[i] != "by"), end)
        between = clause.token_stems[first + 1:before_prep]
        if between[:1] and between[0] in _ADDED:
            between = between[1:]  # "no extra charge for that Saturday run"
        charged = clause.tokens[first] in ("nothing", "none") or (
            clause.tokens[first] == "no" and between[:1] and between[0] in _CHARGE_WORDS) or (
            clause.tokens[first] in ("not", "never") and between[:1] and between[0] in _CHARGING
            and not set(between[1:]) - _CHARGE_WORDS - FUNCTION_WORDS)
        if charged and (first or (following and following[0] not in AUXILIARIES
                                  and stem(following[0]) not in VERB_STEMS)) \
                and "by" not in clause.tokens[first + 1:before_prep + 1]:
            end = before_prep
    # nor past an exception: "joining costs you nothing beyond the monthly membership" asserts the membership (round
    # 30: "It's a rolling monthly membership" was called a lie for it)
    end = next((i for i in range(first + 1, end) if clause.tokens[i] in ("beyond", "except", "besides")
                or clause.tokens[i:i + 2] in (("apart", "from"), ("other", "than"))), end)
    return bool(set(clause.token_stems[first + 1:end]) & set(stems))


# "between £25 and £60" is one range, not two clauses: read as "between £25 to £60" before splitting.
_BETWEEN = re.compile(r"\b(between [€$£]?\d[\d.,:]*\s?%?) and (?=[€$£]?\d)", re.I)


# A condition said without its comma ends where the main clause's subject and verb begin: "If you have no vehicle
# you can rent an e-bike" is "if you have no vehicle" + "you can rent an e-bike" (the condition's "no" does not deny
# the rental; round 16, where the rule perceiver called the pack's own fact false).
_UNMARKED_CONDITION = re.compile(
    r"^((?:(?:so|and|but|or|then)\s+)?(?:if|when|whenever|unless|once)\b.+?)\s+((?:you|we|they|it|there)(?:'ll|'re|'s| will| can| could| would|"
    r" still| get| are| is| do| don't| won't| pay| keep)\b.*)$", re.I)


# ... and one said after its main clause: "You never have to join a promotion if you don't want to" (round 27: the
# two negators cancelled out and the pack's own fact was called a lie).
_TRAILING_CONDITION = re.compile(r"^(.+?\S)\s+((?:if|unless)\s+\S.*)$", re.I)


_CONDITION_OPENER = re.compile(r"^(?:(?:so|and|but|or|then)\s+)?(?:if|when|whenever|unless|once)\s+\S", re.I)
_SUBJECTS = frozenset(("i", "you", "we", "they", "he", "she", "it"))  # subject pronouns
_NECESSITY = frozenset("required needed necessary compulsory mandatory obligatory expected obliged forced "
                       "requirement condition".split())
# Words that say "not required" in one word: "Joining a promotion is entirely optional" is the fact "you never have to
# join a promotion" (round 30: called a lie). A clause holding one is negated, and it denies what it names.
OPTIONAL_WORDS = frozenset("optional voluntary".split())
_NOT_VERBS = PRONOUNS | DETERMINERS | PREPOSITIONS | CONJUNCTIONS | QUANTIFIERS


def _split_condition(part: str) -> tuple[str, str] | None:
    """A leading condition without its comma and its main clause, where the main clause opens with a subject and a
    verb ("If we can't get a stain out we replace the item free"); None when there is no such split. The subject is
    looked for from the condition's third word on ("If we can't ..." is no split after "If")."""
    if not _CONDITION_OPENER.match(part):
        return None
    tokens = part.split()
    for k in range(3, len(tokens) - 1):
        word, verb = tokens[k].lower().strip(",;"), tokens[k + 1].lower().strip(",.;!?")
        # (a subject then a word that is no function word: the verb, as `has_verb` reads a subject and any word)
        if word in _SUBJECTS and verb.isalpha() and verb not in _NOT_VERBS:
            return " ".join(tokens[:k]), " ".join(tokens[k:])
    return None


# Two things denied by one verb at the end: "the trip to your first visit and back from your last is not" (round 30:
# split at "and", the first half read as asserted, and a caller saying the pack's own exception was called a liar).
_CONJUNCT = re.compile(r"^(?P<first>.*\S)\s+and\s+(?P<second>[^,;:]*?)\b(?P<verb>(?:is|are|was|were)(?:n't|\s+not))"
                       r"\s*[.!?]*$", re.I)


def _shared_negation(part: str) -> str:
    """`part` with the "and" before a second conjunct that has no verb but a final negated "is" joined ("&"), so the
    negation covers both conjuncts."""
    found = _CONJUNCT.match(part.strip())
    second = set(tokenize(found["second"])) if found else set()
    if not found or second & AUXILIARIES or second & _SUBJECTS:
        return part
    return f"{found['first']} & {found['second']}{found['verb']}"


def _negated_lists(pieces: list[str]) -> list[str]:
    """`pieces` (the text split after its commas) with a denied list kept whole: "with no joining, monthly or tablet
    fees" is one denial of three fees (round 36: "monthly or tablet fees" read as asserted, a lie against "no monthly
    fee"). A piece ending in a negated word joins the verbless piece that ends the list ("&" keeps the clause break off
    it)."""
    out: list[str] = []
    for piece in pieces:
        head = tokenize(out[-1]) if out else ()
        end, rest = (re.split(r"(?=\s*(?:;|\s[\u2013\u2014-]\s))", piece, maxsplit=1) + [""])[:2]  # the list ends there
        tail = tokenize(end)
        if (head and out[-1].rstrip().endswith(",") and NEGATORS.intersection(head[-2:]) and tail and len(tail) <= 6
                and _COORD.intersection(tail) and not has_verb(tail, frozenset()) and not PREPOSITIONS.intersection(tail)):
            out[-1] = out[-1].rstrip().rstrip(",") + " & " + re.sub(r"\s+and\s+", " & ", end) + rest
        else:
            out.append(piece)
    return out


def _parts(text: str) -> list[str]:
    """The clause texts; a condition without its comma is split off only when it holds a negator (the one case where
    reading it with its main clause flips what the main clause says): before its main clause always, after it when the
    main clause holds a negator too."""
    out = []
    for part in _CLAUSE_BREAK.split(" ".join(map(_shared_negation, _negated_lists(re.split(r"(?<=[,;:])\s+", text))))):
        found = _UNMARKED_CONDITION.match(part.strip())
        leading = (found.group(1), found.group(2)) if found else _split_condition(part.strip())
        trailing = _TRAILING_CONDITION.match(part.strip()) if not leading else None
        if leading and NEGATORS.intersection(tokenize(leading[0])):
            out += list(leading)
        elif trailing and all(NEGATORS.intersection(tokenize(g)) for g in trailing.groups()):
            out += [trailing.group(1), trailing.group(2)]  # (only where the two negators would cancel out)
        else:
            out.append(part)
    return out


# A bound said with a negation ("there can't be more than 80 people on the floor", "never more than 80", "no later than
# 10am") is the offer's own limit, not a denial of it (round 25: the rule perceiver called the cap a lie).
_UPPER_BOUND = re.compile(r"\b(?:(?:can(?:'t|not)|cannot|won't|will not|doesn't|does not|isn't|is not|aren't|are not|"
                          r"never|not)\s+(?:be\s+|go\s+|get\s+|take\s+|cost\s+)?|no\s+)(?:more|longer|later|higher|over)"
                          r"\s+than\b", re.I)
_LOWER_BOUND = re.compile(r"\b(?:(?:can(?:'t|not)|cannot|won't|will not|doesn't|does not|isn't|is not|aren't|are not|"
                          r"never|not)\s+(?:be\s+|go\s+|get\s+|take\s+|pay\s+|make\s+|earn\s+)?|no\s+)"
                          r"(?:less|fewer|lower|shorter|under)\s+than\b", re.I)


def _bounds(text: str) -> str:
    return _LOWER_BOUND.sub("at least", _UPPER_BOUND.sub("at most", text))


def clauses_of(text: str) -> tuple[Clause, ...]:
    # prices in words first, read in the whole sentence: "thirteen pounds twenty, and weekends go up to fourteen seventy"
    text = _BETWEEN.sub(r"\1 to ", _money_words(_halves(_bounds(text.replace("’", "'")))))
    flipped = denies_whole(text)
    if flipped:
        text = _SCOPE_NEGATION.sub(" ", text)
    clauses = tuple(c for c in (_clause(part) for part in _parts(text)) if c is not None)
    if flipped:  # every claim in the sentence is denied
        clauses = tuple(replace(c, negated=not c.negated) for c in clauses)
    return clauses


def has_verb(tokens: tuple[str, ...], extra_verbs: frozenset[str]) -> bool:
    """The tokens hold a verb: an auxiliary, a known verb not after a determiner, or any word after a subject pronoun."""
    for i, t in enumerate(tokens):
        if t in AUXILIARIES:
            return True
        after_noun_marker = i > 0 and tokens[i - 1] in _NOUN_MARKERS  # "few orders", "your earnings": nouns
        if (t in COMMON_VERBS or t in extra_verbs) and not after_noun_marker:
            return True
        if stem(t) in VERB_STEMS and not after_noun_marker:
            # "charges", "answers" are verbs; "delivered order", "guaranteed income" may be adjectives: a participle
            # counts only after an auxiliary or a subject ("are removed", "we delivered").
            if not t.rstrip("s").endswith(("ed", "ing")) or (i and (tokens[i - 1] in AUXILIARIES or tokens[i - 1] in PRONOUNS)):
                return True
        # "you earn", "we cover", "it takes": a subject pronoun is followed by its verb.
        if i and tokens[i - 1] in ("i", "you", "we", "they", "he", "she", "it") and t not in FUNCTION_WORDS and not is_number(t):
            return True
    return False


VERB_STEMS = frozenset(stem(v) for v in COMMON_VERBS)
TIME_WORD_STEMS = frozenset(stem(w) for w in _TIME_WORDS.split())
_NOUN_MARKERS = DETERMINERS | QUANTIFIERS
_INDEFINITES = frozenset("anything something everything anybody somebody".split())
# Words a spoken question opens with when its "do you" / "are you" is left out: "Want to give us a go?", "Happy for me
# to go ahead?", "Using your own car?", "Got a minute?" (25 honest corpus lines were scrambled without them).
_ELIDED_OPENERS = frozenset("want need got fancy happy ready keen interested free okay sure worried using paying "
                            "thinking looking planning hoping tried heard seen ever".split())
_COORD = frozenset(("and", "or", "but"))
_STRICT_CONJ = frozenset("and or but because if although though whereas unless".split())
_BAD_AFTER_DET = AUXILIARIES | PREPOSITIONS | _STRICT_CONJ | DETERMINERS | WH_WORDS | frozenset("i we they he she".split())
_FINITE_AUX = AUXILIARIES - {"be", "been", "being", "have"}
_BAD_AFTER_PREP = _FINITE_AUX | frozenset("i we they he she".split())


_ASKING = WH_WORDS | AUXILIARIES | {"whether", "if"}  # words that make a question, where it is asked
_SUBORDINATORS = frozenset("about to before after until since than like as".split())


# Where one claim ends and another begins inside a sentence: ";", a dash, "but", "so", ", which", "plus", and an
# "and" that starts a new subject ("..., and the first three months are free"). Coarser than _CLAUSE_BREAK, which
# also cuts at every comma to keep amounts apart.
_CLAIM_BREAK = re.compile(
    r"\s*;\s*|\s+[\u2013\u2014-]\s+|,?\s+(?:but|so|plus|which means|which)\s+|,\s+(?:and\s+)?(?=(?:we|you|they|it|it's|"
    r"there|there's|the|your|our|that|this|every|all|each)\b)|\s+and\s+(?=(?:we|you|they|it|it's|there|there's|the|"
    r"your|our|every|all)\b)", re.I)


def claim_clauses(sentence: str) -> tuple[str, ...]:
    """The claims of one sentence, each of three words or more: "It's £29 a month, and the first three months are
    free" -> ("It's £29 a month", "the first three months are free")."""
    parts = (p.strip(" ,;") for p in _CLAIM_BREAK.split(sentence))
    return tuple(p for p in parts if len(p.split()) >= 3)


_ADVERB_PARTICLES = frozenset("between in on out over around inside outside through along".split())


def _stranded(tokens: tuple[str, ...], prep: str) -> bool:
    """A preposition that ends a relative clause: "(the plan) you're on is", "(the app) you rode for was", "(the only
    class) you'd pay extra for is"."""
    i = tokens.index(prep)
    return i >= 2 and any(t in PRONOUNS for t in tokens[max(0, i - 4):i])


def _closes_range(tokens: tuple[str, ...], particle: str) -> bool:
    """ "18 or over", "five and up": the particle ends an open range after a coordinator."""
    i = tokens.index(particle)
    return i >= 2 and tokens[i - 1] in ("or", "and") and is_number(tokens[i - 2])


def _scrambled(tokens: tuple[str, ...], question: bool, segments: tuple[tuple[str, ...], ...] = ()) -> bool:
    """Word orders English does not produce: 'the is', 'your of', 'for are', a sentence ending on 'the'.

    Word pairs are read within one comma-separated segment: "compared with the bundle you're on, we're cheaper"
    joins "on" and "we" only across the comma."""
    pairs = [p for seg in (segments or (tokens,)) for p in zip(seg, seg[1:])]
    for a, b in pairs:
        if a in DETERMINERS and (b in _BAD_AFTER_DET or b in NEGATORS):
            return True
        # "for are", "of we" are not English; "before they go" (a subordinator) and "the plan you're on is" (a
        # stranded preposition before the verb) are.
        # ... nor does a sentence whose verb is left to be understood: "..., but the journeys in between are."
        # ... nor "aged 18 or over can come", where the particle closes a range
        if a in PREPOSITIONS and a not in _SUBORDINATORS and b in _BAD_AFTER_PREP and not (
                b in _FINITE_AUX and (_stranded(tokens, a) or (a in _ADVERB_PARTICLES and (
                    (a, b) == tokens[-2:] or _closes_range(tokens, a))))):
            return True
        if a in _COORD and b in _COORD:
            return True
    if tokens[-1] in DETERMINERS or (tokens[-1] in _STRICT_CONJ and tokens[-1] != "though"):
        return True  # (a closing "though" is an adverb: "I haven't made any offer yet though.", round 22)
    if question:
        # A question opens with a question word or an auxiliary ("How do...", "Would you..."), or is a statement
        # said with a rising tone ("You're worried about the fees?"), which opens with a subject or a discourse word.
        # A lead-in ("Mind if I ask whether...", "Before we go any further, what...") puts the question word later.
        first = tokens[0]
        openers = WH_WORDS | AUXILIARIES | PRONOUNS | DETERMINERS | QUANTIFIERS | CONJUNCTIONS | FILLERS | NEGATORS \
            | _INDEFINITES | _ELIDED_OPENERS  # "Anything else on your mind?", "Want to give us a go?"
        # ... or a later segment opens the question, after a link word at most ("At the moment you wash in-house, so
        # what would worry you most about ...?": scrambled in round 23)
        # or with a subject, said with a rising tone after a lead-in ("With a full-time teaching job, I imagine
        # preparation time is a concern too?", round 23)
        # ... or a short time or place phrase, then a subject and its verb ("Right now you take walk-ins and phone
        # orders, right?", "At the moment you wash in-house?": scrambled in round 24)
        if first not in openers and not any(t in _ASKING for t in tokens[1:4]) and not _fronted_subject(tokens) \
                and not any(
                seg and (seg[0] in _ASKING or seg[0] in PRONOUNS or (
                    seg[0] in CONJUNCTIONS and seg[1:2] and seg[1] in _ASKING)) for seg in segments[1:]):
            return True
    return False


INTERJECTIONS = frozenset("exactly absolutely great right okay ok yes yeah sure lovely perfect brilliant true indeed "
                           "fair definitely totally quite".split())
# Words a fronted time or place phrase opens with ("right now", "at the moment", "these days", "in your case"): not a
# noun or adjective, so "Cheap fees you like?" stays word salad.
_ADVERBIAL_OPENERS = PREPOSITIONS | DETERMINERS | frozenset(
    "right just now currently nowadays lately recently normally usually today presumably obviously surely".split())


def _fronted_subject(tokens: tuple[str, ...]) -> bool:
    """A subject pronoun and then its verb within the first five words, after words that are no verb themselves:
    a fronted adverbial ("right now you take", "at the moment you're"), never a list of cue words."""
    for i in range(1, min(4, len(tokens) - 1)):
        if tokens[i] in _SUBJECTS:
            lead = tokens[:i]
            return lead[0] in _ADVERBIAL_OPENERS and not has_verb(lead, frozenset()) and not any(
                is_number(t) for t in lead) and (
                tokens[i + 1] in AUXILIARIES or tokens[i + 1] in COMMON_VERBS or stem(tokens[i + 1]) in VERB_STEMS
                or tokens[i + 1] in ("mostly", "usually", "still", "already", "just", "only", "also", "often"))
    return False


_SEGMENT = re.compile(r"\s*[,;:\u2013\u2014]\s*|\s+-\s+")
_WORD_CASE = re.compile(r"[A-Za-z][A-Za-z'-]*")


def _broken_casing(sentence: str) -> bool:
    """Mixed-case text whose first word is lower-case, or with a capitalised function word mid-sentence
    ("riding you What the money side"): the marks of words moved around. All-lower, all-upper and Title Case pass."""
    words = _WORD_CASE.findall(sentence)
    if len(words) < 3:
        return False
    caps = [w[0].isupper() for w in words]
    if all(w.isupper() for w in words) or not any(caps) or sum(caps) > len(words) / 2:
        return False
    if not caps[0] and not _OPENS_WITH_AMOUNT.match(sentence):
        return True  # ("95% of our customers get ..." opens with an amount: its first word is "of")
    return any(c and w.lower() in FUNCTION_WORDS and w not in _CAPITAL_WORDS for w, c in zip(words[1:], caps[1:]))


_OPENS_WITH_AMOUNT = re.compile(r"\W*[\d£$€¥]")
# Function words written in capitals mid-sentence by people, not by shuffling: "I", "OK" ("Is now an OK time?"), "US"
_CAPITAL_WORDS = frozenset({"I", "OK", *_ACRONYMS})


@lru_cache(maxsize=65536)
def analyse(sentence: str, extra_verbs: frozenset[str] = frozenset()) -> Sentence:
    """Analyse one sentence (see module docstring). Pure and cached."""
    tokens = tokenize(sentence)
    # A question mark, or a question typed without one ("How do you find the app", "Would you like a trial"). A
    # question word and a pronoun closed by a full stop is a statement ("What you pay in month one is what you pay
    # in month eighteen."), an auxiliary first is a question however it ends.
    closed = sentence.rstrip().endswith((".", "!"))
    # ... nor is one whose subject is a "what" clause ("What might help on your solo days is the classes.", round 36)
    copulas = {"is", "are", "was", "were"}
    cleft = closed and tokens[:1] == ("what",) and len(tokens) > 3 and tokens[1] not in copulas \
        and tokens[2] not in PRONOUNS and bool(copulas.intersection(tokens[3:]))
    question = "?" in sentence.rstrip()[-3:] or (
        len(tokens) > 2 and (tokens[0] in AUXILIARIES or (tokens[0] in WH_WORDS and not (closed and tokens[1] in PRONOUNS)))
        and tokens[1] in PRONOUNS | AUXILIARIES and not cleft
    )
    defect = ""
    words = [t for t in tokens if not is_number(t)]
    if len(tokens) >= 4:
        # (after an interjection segment: "Exactly, less clutter behind the counter." agrees, it lists nothing)
        lead = _SEGMENT.split(sentence, 1)
        if len(lead) == 2 and tokenize(lead[0]) and all(t in INTERJECTIONS for t in tokenize(lead[0])):
            words = [t for t in tokenize(lead[1]) if not is_number(t)] or words
        function_share = sum(1 for t in words if t in FUNCTION_WORDS) / max(1, len(words))
        # Few function words make a keyword list ("Commission 12%, weekly payout, no lock-in") unless a main clause
        # opens the sentence with its verb: "Written comments come back within five working days." (0.14) and
        # "Holiday allowance is twenty-eight days, pro rata, including bank holidays." are plain speech.
        if function_share < 0.2 and (function_share < 0.1 or not has_verb(
                tokenize(_SEGMENT.split(sentence, 1)[0]), extra_verbs)):
            defect = "keyword list"
        elif not has_verb(tokens, extra_verbs):
            defect = "no verb"
        elif _scrambled(tokens, question, tuple(tokenize(part) for part in _SEGMENT.split(sentence))) \
                or _broken_casing(sentence):
            defect = "scrambled"
        elif max(tokens.count(t) for t in set(words) - FUNCTION_WORDS or {""}) > 3:
            defect = "repetition"
    elif tokens and not has_verb(tokens, extra_verbs):
        defect = "fragment"  # "rent an e-bike", "12%?": too short to assert or ask anything about a worry
    if tokens and not defect and len(tokens) < 4 and question and tokens[0] not in WH_WORDS | AUXILIARIES:
        defect = "fragment"
    clauses = clauses_of(sentence)
    return Sentence(
        text=sentence,
        tokens=tokens,
        stems=tuple(stem(t) for t in tokens),
        question=question,
        well_formed=not defect,
        defect=defect,
        clauses=clauses,
        numbers=frozenset(n for c in clauses for n in c.numbers),
    )


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


# A reply that confirms what was just said: "Yes, it applies to every rider, new ones included." answers the user's
# "And that would hold for me too?" (a question the user asks after a fact touches their worry).
CONFIRMING_WORDS = ("yes", "yeah", "yep", "absolutely", "exactly", "definitely", "certainly", "sure", "correct", "indeed",
                    "of course")
# A plain yes: the confirming words ("Yes, you really can.", "Absolutely.", "Of course it does.") or "That's right." (not
# "Sure, ...", which as often only takes the floor: "Sure, let me explain").
_YES = re.compile(r"^(?:" + "|".join(w for w in CONFIRMING_WORDS if w != "sure")
                  + r"|that's right|that is right|that's correct|it does|it will|you can|you will|they do)\b")


def says_yes(sentence: str) -> bool:
    """The statement opens with a yes (see _YES)."""
    return bool(_YES.match(plain_lower(sentence)))


# -- asking for the decision ----------------------------------------------------------------------------------------
# A caller asking to go ahead, in words any offer uses ("Shall I book that in for you?", "Do I have your go-ahead?",
# "Can I put you down for it?", "I just need your okay"): an offer to act for the user now, or a request for their
# consent. A question about the product ("Shall I tell you about the fees?") names no commitment and is not one.
_CONSENT = re.compile(
    r"\b(go[- ]ahead|your (?:okay|ok|consent|yes|agreement|signature)|sign(?:ing)?[- ](?:you )?up|signed up|"
    r"register(?:ing)?|book|booking (?:you|it|that|this|them|in|your)|"
    r"put you down|enrol|enroll|set (?:you|that|it|everything) up|get (?:you|that|it) (?:started|going|booked|set up)|"
    r"get started|proceed|count you in|do it|lock (?:it|that) in|start (?:your|you)\b|"
    # "Would you like to give it a try?", "Why not give us a go?" (round 27: the rule perceiver heard no ask)
    r"give (?:it|us|this|that|them) a (?:try|go|shot|whirl)|try (?:it|us) out|"
    # "Would you be open to giving it a try?", "... something you'd be willing to start with?" (round 32: "Since you
    # ask: about five years old.", the trait "years open" heard in "open")
    r"giving (?:it|us|this|that|them) a (?:try|go|shot|whirl)|trying (?:it|us) out|"
    r"(?:willing|ready|keen|open) to (?:start|begin|try|join|sign|switch)|"
    # "Would you like me to get your Anytime membership restarted today?" (round 35: heard as off the subject)
    r"get (?:your|the) [\w' -]{1,30}? (?:started|restarted|going|set up|sorted|booked|switched)|"
    r"restart|reactivate|renew|rejoin|"
    # "would you be happy to start a contract with us?" (round 38: heard as a question about the contract)
    r"start (?:a|the|your) (?:[\w-]+ ){0,2}?(?:contract|membership|subscription|plan|account|agreement|trial|"
    r"partnership|application|policy|service))\b")
_OFFER_FRAMES = re.compile(
    r"^(?:(?:so|okay|ok|great|right|well|then|and)[, ]+)*(?:shall|should|can|could|may) (?:i|we)\b|"
    r"^(?:(?:so|okay|ok|great|right|well|then|and)[, ]+)*(?:do i have|would you like (?:me|us) to|would you like to|"
    r"are you (?:happy|ready|okay|ok) (?:for me )?to|is it (?:okay|ok|alright|all right) (?:if|to)|want me to|"
    r"shall we|ready to|happy to go|i (?:just )?need your|why not|(?:would|will|could|can) you let (?:me|us)|"
    r"(?:does|would) (?:that|this|it) sound like something you(?:'d| would) (?:like|want|be willing) to|"
    r"(?:would|are) you (?:be )?(?:open|willing|up for|happy|interested|keen)(?: to| in)?)\b")


# Where a second thought starts inside one sentence: "..., or £35 rolling monthly - shall I go ahead and book you in?"
_PART_BREAK = re.compile(r"\s*[,;:]\s*|\s+[\u2013\u2014-]\s+")


# The caller going ahead, said as a statement ("Brilliant, I'll send the link over now. Welcome to FeastFleet!"): a
# presumptive close, which a ready user takes as the ask (round 22 answered it "I'm happy to go ahead if you are.")
# and an undecided one pushes back on. "I" only: "We'll book you in within ten days" tells how the offer works.
_LEAD = r"^(?:(?:great|brilliant|perfect|lovely|wonderful|fantastic|okay|ok|right|so|and|then|good|excellent)[,!. ]+)*"
_GOES_AHEAD = re.compile(_LEAD + r"(?:i'll|i will|let me|i'm going to|i am going to)(?: just| now| go ahead and)? "
                         r"(?:send|set|get|sign|book|register|put|pop|enrol|enroll|add|start|lock)\b")
_WELCOME = re.compile(_LEAD + r"welcome (?:aboard|on board|to)\b")
_SIGN_UP_PAPERS = re.compile(r"\b(?:(?:sign-?up|joining|registration|application)? ?(?:link|form|forms|paperwork|contract)|application|account)\b")


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
    parts = _PART_BREAK.split(lowered)
    return any(_OFFER_FRAMES.search(" ".join(parts[i:])) and (
        _CONSENT.search(" ".join(parts[i:]))
        # "What I'd need is to book an interview; would you be up for that?": the frame's "that" is the step named
        # before it (round 34: heard as no ask)
        or (_BACK_REFERENCE.search(parts[i]) and _CONSENT.search(" ".join([plain_lower(before), *parts[:i]]))))
        for i in range(len(parts)))


_BACK_REFERENCE = re.compile(r"\b(?:that|this|it)(?: (?:today|now|then|for you|with us))?[?.!]*$")


# -- speaking for the offer -----------------------------------------------------------------------------------------
# Words that put a sentence on the offer's side: who provides it ("we", "our"), what it costs or includes, what the user
# will get. Kind words ("Enjoy the retirement, you've earned it", "No problem, take your time") have none of them.
_OFFER_WORDS = frozenset("we our ours us free included includes include comes costs cost charge charges guarantee "
                         "guaranteed guarantees offer offers receive waive gets".split())
_OFFER_PAIRS = frozenset({("you", "will"), ("you", "would"), ("i", "can"), ("i", "will"), ("you", "get"),
                          ("you", "gets"), ("there", "is"), ("there", "are")})


@lru_cache(maxsize=65536)
def speaks_for_offer(sentence: str) -> bool:
    """The sentence could be a claim about the offer: it speaks for the provider, names a cost, an inclusion or an
    amount, or tells the user what they will get. A claim no fact supports is only "unsupported" when this holds;
    courtesy and small talk never are (measured on the train and dev packs' lines: 98% of invented promises hold it,
    5% of small talk)."""
    return names_offer(sentence) or bool(analyse(sentence).numbers)


@lru_cache(maxsize=65536)
def names_offer(sentence: str) -> bool:
    """`speaks_for_offer` in words alone, amounts left out: "you're spending about €160 a month" names no offer."""
    tokens = tokenize(sentence)
    return bool(_OFFER_WORDS.intersection(tokens)) or any(p in _OFFER_PAIRS for p in zip(tokens, tokens[1:]))


# -- asking what holds the user back -------------------------------------------------------------------------------
# An open question about the user's worries, in words any offer uses: "What's holding you back?", "Is there anything
# that would make or break it for you?", "Any concerns?", "What would you want to be sure of first?". It names no
# worry, so it reaches them all (the rule perceiver had no cue for it: round 24's callers were answered "It depends.
# What are you getting at?").
_OPEN_WORRY = re.compile(
    r"\b(?:worr(?:y|ies|ied|ying)|concern(?:s|ed)?|hold(?:s|ing)? you back|put(?:s|ting)? you off|hesita\w*|"
    r"make or break|deal[- ]?breakers?|matters? (?:most|to you)|important to you|reservations?|doubts?|"
    r"on your mind|bother(?:s|ing)? you|(?:bug|bugs|bugged|annoy\w*|frustrat\w*|irritat\w*) you|(?:stop|stops|stopped|stopping) you|why did you (?:quit|leave|stop|cancel)|"
    r"made you (?:decide to |want to )?(?:quit|leave|stop|cancel|give up|walk away|drop)|(?:not |un)convinced|(?:keep|keeps|keeping|kept) you (?:from|back)|"
    r"(?:wasn't|weren't|isn't|didn't|doesn't) (?:work|working|right|great)|went wrong|put you off|"
    r"what (?:else )?(?:would|do|will|might) you (?:need|want|like) to (?:know|hear|see)|be sure of|unsure|nervous|"
    r"uneasy|sticking points?|get in the way|stand in the way|give you (?:any )?pause|make (?:it|this|that|things|[\w -]{1,25}?) work (?:out )?"
    r"(?:for you|around (?:your|you))|(?:any|no) (?:problems?|issues?|trouble)|"
    # "is there anything else that would make this hard to take on?" (round 27: a barrage when examples followed)
    r"(?:would|could|might) make (?:it|this|that|things|life) (?:hard|harder|difficult|tricky|awkward)|"
    r"(?:the|a|any) (?:catch|snag)|what (?:would|could) (?:it )?take)\b")
_ABOUT_THEM = re.compile(r"\b(?:you|your|yours|yourself)\b|^(?:any|anything|what|something)\b|"
                         r"\b(?:is|are) there (?:any|anything|something)\b")


@lru_cache(maxsize=65536)
def asks_open_worry(sentence: str) -> bool:
    """The question asks what worries the user, naming no worry (`_OPEN_WORRY`): call it on questions only."""
    lowered = plain_lower(sentence)
    return bool(_OPEN_WORRY.search(lowered) and _ABOUT_THEM.search(lowered))


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
_ASKS_FOR_TIME = re.compile(r"\b(?:a|one|two|few|couple of|quick|spare)\s+(?:minutes?|moments?|seconds?|mins?)\b"
                            r"|\bquick (?:chat|word)\b|\bbad time\b|\bgood time\b|\bopen to hearing\b")


_QUESTION_LEADS = frozenset("and so but then okay ok right now well".split())
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
        if tokens[:1] and (tokens[0] in WH_WORDS or tokens[0] in AUXILIARIES):
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
    return bool(_ASKS_FOR_TIME.search(plain_lower(sentence)))


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


# "The one thing that isn't paid is the drive to your first visit.": what is denied comes last, so the negation
# reaches back over it; said the plain way round ("The drive to your first visit isn't paid.") it reads as it means
# (round 35: the caller was called a liar for the fact's own exception).
_CLEFT = re.compile(r"^(?:the )?(?:one |only )?(?:thing|part|bit|cost)s? (?:that |which )?((?:is|are|was|were)(?:n't| not)|"
                    r"(?:won't|will not) be) ([\w' -]{1,30}?) (?:is|are|was|were) (.+?)([.!]?)$", re.IGNORECASE)


def unclefted(sentence: str) -> str:
    """`sentence` with a denial said as "the thing that isn't X is Y" turned round to "Y isn't X"."""
    found = _CLEFT.match(sentence.strip())
    if not found:
        return sentence
    negation, predicate, subject, stop = found.groups()
    return f"{subject[:1].upper()}{subject[1:]} {negation} {predicate}{stop or '.'}"


# A question put as the caller's wish to hear: "I'd love to hear how delivery is going for your cafes" (round 23:
# small talk, "Mm-hm."), "I'd like to know what you use now", "I wondered how that's been going for you" (round 36:
# "Depends what it's about."). Asked, not claimed.
_ASKS_INDIRECTLY = re.compile(r"\b(?:(?:i'd|i would|i)(?: really| just| simply)? (?:love|like|want) to (?:hear|know|"
                              r"understand|learn)(?: a bit| more| a little)?(?: about)?|(?:i|i'm|i am|i was)(?: just| "
                              r"really)? (?:wondering|wondered|curious)(?: about)?) (?:how|what|whether|why|if|which|"
                              r"where|when)\b")


def asks_indirectly(sentence: str) -> bool:
    """The statement is a question put as a wish to hear (`_ASKS_INDIRECTLY`), after nothing said for the offer ("Our
    commission is 12%, and I'd love to hear what you think" states the commission, and is judged as a statement)."""
    lowered = plain_lower(sentence)
    found = _ASKS_INDIRECTLY.search(lowered)
    return bool(found) and not speaks_for_offer(lowered[:found.start()])


def hedges_claim(sentence: str) -> bool:
    """The caller takes a promise back or says a figure is typical ("it's an average, not a guarantee", "I can't
    promise that", "that's usually the case"): a statement about what they said, on the offer's side, claiming
    nothing."""
    tokens = tokenize(sentence)
    disclaimed = any(t in GUARANTEE_WORDS and NEGATORS.intersection(tokens[max(0, i - 3):i]) for i, t in enumerate(tokens))
    return disclaimed or bool({"average", "typical", "usually", "typically", "generally"}.intersection(tokens))


def checks_about_user(sentence: str) -> bool:
    """`_CHECKS_ABOUT_USER`, naming no worry ("You're worried about the pay, right?" asks about one)."""
    lowered = plain_lower(sentence)
    return bool(_CHECKS_ABOUT_USER.match(lowered)) and not _OPEN_WORRY.search(lowered)


# The caller saying why they call ("I wanted to tell you about riding with us", "I'm calling to talk to you about the
# rider scheme"): the call's business announced, no push (round 27: the learned perceiver heard pressure).
_PURPOSE = re.compile(r"^(?:(?:hi|hello|so|and|well|right|look|basically|honestly)[, ]+)*(?:i|we)(?:'m| am|'re| are)? "
                      r"(?:just |only |really )?(?:wanted|want|was hoping|were hoping|calling|ringing|phoning|reaching out|"
                      r"'d like|would like|'d love|would love) to (?:tell|talk to|chat to|chat with|talk with|speak to|"
                      r"speak with|let) you (?:about|know about|a bit about|a little about)\b|"
                      # "I'm calling to see whether you'd fancy coming back to us" (round 33: heard as the ask itself)
                      r"^(?:(?:hi|hello|so|and|well|right|look|basically|honestly)[, ]+)*(?:i|we)(?:'m| am|'re| are) "
                      r"(?:just |only |really )?(?:calling|ringing|phoning|reaching out|getting in touch) "
                      r"(?:to (?:see|ask|find out|check) (?:whether|if)|because|about)\b")


def states_purpose(sentence: str) -> bool:
    """The sentence says what the call is about (`_PURPOSE`) and does not urge besides."""
    return bool(_PURPOSE.search(plain_lower(sentence))) and not urges_decision(sentence)


# -- pushing for the decision ---------------------------------------------------------------------------------------
# Words that take the pressure off ("Take your time", "No rush", "I'm not asking for a decision right now", "You don't
# have to decide today"): a sentence saying them is not pushing, unless it names a deadline besides (`_DEADLINE`, read
# on what the calming words leave: "Take your time, but I need an answer today" still pushes).
_CALM = re.compile(r"\b(?:take your time|no rush|no hurry|no pressure|not going anywhere|in your own time|"
                   r"sleep on it|think it over|have a think|(?:not|never) (?:to )?keep you (?:too |very )?long|"
                   r"happy to go over|if you don't mind|(?:not|never) (?:trying|here|going|calling) to "
                   r"(?:sell|push|pressure|rush|hassle)|(?:won't|will not|don't want to|not going to) "
                   r"(?:pry|push|pressure|rush|hassle|nag)|"
                   # round 24: "I'm not asking for a decision right now" was heard as pushing by both perceivers
                   r"(?:not|never|n't) (?:asking|expecting|looking|after|pushing) (?:you )?(?:for|to) "
                   r"(?:a |an |any )?(?:decision|answer|commitment|decide|commit|sign|yes)\w*|"
                   r"(?:no need|(?:don't|do not|won't|will not) (?:have|need) to|needn't) (?:to )?(?:\w+ )?"
                   r"(?:decide|commit|answer|sign|say yes|agree|make (?:a|any) decision)\w*|nothing to decide|"
                   r"no obligation|no commitment)"
                   r"(?:(?: anything)?(?: right)? (?:now|today|tonight|this minute|on this call|on the call|yet))?\b")
_DEADLINE = re.compile(r"\b(?:today|tonight|now|before|by|deadline|only|last|ends?|expires?|until|but|however|should|"
                       r"must|need to|have to|got to)\b")
# A sentence that urges the user to decide or act: the decision asked for ("decide", "an answer", "make your mind up"),
# a command ("Sign up today", "Grab one now"), "you must / need to / have to / should", or what the user loses by
# waiting ("or you'll miss out", "before the spaces go", "going fast"). A time word alone says when, not "hurry":
# "Right now you take walk-ins, right?", "I can set it up with you right now on this call" (round 24: both were
# heard as pushing).
_URGES = re.compile(r"\b(?:decide|decision|make (?:up )?your mind|mind up|(?:an|your) answer|yes or no|"
                    r"you (?:must|need to|have to|'ve got to|ve got to|should|'d better|better|ought to)|"
                    r"(?:i|we) (?:really )?need (?:to know|an|a|your|you to)|(?:i'd|i would|we'd|we would) "
                    r"(?:really |just )?(?:like|love|want|prefer) (?:to (?:lock|sort|book|sign|settle)|to (?:get|have) "
                    r"(?:this|it|that|things|everything|you|your \w+) (?:sorted|signed|done|booked|settled|locked|agreed|"
                    r"confirmed|decided|started|registered|enrolled|set up|switched|rejoined|in)|an answer|a decision)|"
                    r"let's (?:just )?(?:get|do|sort|lock|settle|move|go|book|sign|make)|"
                    r"or (?:you'll|you will|else|it'll|it will|they'll|someone)|miss out|"
                    r"before it's too late|going fast|filling (?:up|fast)|won't last|last chance|"
                    r"don't (?:wait|leave it|miss|put it off|sit on)|sooner|hurry|quick(?:ly)?)\b")
_COMMAND = re.compile(r"^(?:(?:so|come on|please|just|go on|honestly|look)[, ]+)*(?:sign|join|decide|book|grab|commit|"
                      r"register|enrol|enroll|apply|switch|act|buy|choose|say yes|lock|get (?:signed|booked|started|it))\b")
# The caller offering to do it for the user ("I can set it up with you right now on this call", "We could get you
# booked in today"): an offer, which the user may take or leave, not a push; "I can only hold it until today" is.
_OFFERS = re.compile(_LEAD + r"(?:i|we) (?:can|could|'ll|will|'d be happy to|am happy to|'m happy to|are happy to) "
                     r"(?:just |easily |even )?(?:set|get|sign|book|register|put|do|sort|walk|take|go|start|help|"
                     r"send|arrange|pop|add|enrol|enroll)\b")


@lru_cache(maxsize=65536)
def calms(sentence: str) -> bool:
    """The sentence takes the pressure off (`_CALM`) and names no deadline besides."""
    lowered = plain_lower(sentence)
    return bool(_CALM.search(lowered)) and not _DEADLINE.search(_CALM.sub(" ", lowered))


# Thanks and sign-offs ("Understood, thanks for your time.", "Okay, sorry to have bothered you."): courtesy that says
# nothing for or about the offer (round 25's user answered the first "I'm not following. What's this about?").
_COURTESY = re.compile(r"^(?:(?:okay|ok|right|understood|sure|fair enough|no problem|of course|great|lovely|perfect|"
                       r"sorry|alright|all right|no worries|absolutely|well|that's (?:completely |totally |perfectly )?"
                       r"(?:fine|okay|ok|fair|understandable))(?:[,!. ]+|\s+[\u2013\u2014-]\s+))*(?:(?:many )?thanks|thank you|cheers|"
                       r"sorry(?: to (?:have )?(?:bother(?:ed)?|disturb(?:ed)?|trouble(?:d)?) you)?|"
                       r"(?:it was )?(?:nice|lovely|good|great) (?:to )?(?:speak|talk|chat)(?:ing)? (?:to|with) you|"
                       r"fair enough|understood|got it|i understand|(?:that )?makes sense)"
                       r"(?: (?:so much|very much|again|anyway))?(?: for (?:your time|listening|talking|taking my call|"
                       r"the chat|your patience|that|letting me know|being honest|hearing me out|explaining|"
                       r"sharing that|telling me|all that))?(?: so far| today)?[.!]*$")


@lru_cache(maxsize=65536)
def courtesy_only(sentence: str) -> bool:
    """The sentence only thanks, apologises, takes the pressure off or signs off (`_COURTESY`, `calms`)."""
    return bool(_COURTESY.match(plain_lower(sentence))) or calms(sentence)


@lru_cache(maxsize=65536)
def urges_decision(sentence: str) -> bool:
    """The sentence urges the user to decide or act now (`_URGES`, `_COMMAND`) and does not take that back
    (`calms`)."""
    lowered = plain_lower(sentence)
    return bool(_URGES.search(lowered) or _COMMAND.search(lowered)) and not calms(sentence)


@lru_cache(maxsize=65536)
def offers_to_act(sentence: str) -> bool:
    """The caller offers to do something for the user (`_OFFERS`) and does not urge them besides."""
    return bool(_OFFERS.match(plain_lower(sentence))) and not urges_decision(sentence)


# -- a benefit tied to signing now ----------------------------------------------------------------------------------
# "If you sign today, your first month's free", "Join this week and we'll throw in ...": the outbound caller's classic
# invented inducement. No fact of a pack ties a benefit to the day the user says yes, so a statement that does is a
# claim the pack does not make unless the model hears one of its facts in it (then it is the fact, said with a
# deadline). On the corpus's 13,310 lines, 27 statements match, all invented promises but two honest ones.
_COMMIT = (r"(?:sign|join|rejoin|register|book|commit|switch|enrol|enroll|subscribe|renew|agree|start|come back|"
           r"say yes|go ahead|move over|get started)")
_NOW = r"(?:today|tonight|now|this week|this month|before (?:friday|monday|the end of|the weekend|midnight))"
_IF_NOW = re.compile(r"\b(?:if|when|once|as long as|provided)\s+you(?:'re|'ve| are| have)?\s+(?:\w+\s+){0,2}?" + _COMMIT +
                     r"\w*\b[^.?!]{0,30}?\b" + _NOW + r"\b")
_DO_NOW = re.compile(r"^(?:\w+,\s*)?" + _COMMIT + r"\w*\b[^.?!,]{0,20}?\b" + _NOW + r"\b\s*(?:,|and\b)")


@lru_cache(maxsize=65536)
def ties_benefit_to_now(sentence: str) -> bool:
    """A statement that makes something depend on the user signing up now ("If you sign today, ...", "Join this week
    and ..."). Questions never do: "Shall I sign you up today?" is an ask."""
    lowered = plain_lower(sentence)
    if lowered.endswith("?"):
        return False
    return bool(_IF_NOW.search(lowered) or _DO_NOW.search(lowered))


# Words that widen a claim to every case, time or person ("never goes up", "whenever you like", "everyone gets",
# "unlimited", "however much"): the way a true fact is over-generalised once its qualifier is dropped ("The price is
# fixed for eighteen months" -> "Your price never goes up"). Distributive "every month" / "any exit fee" and "all"
# are left out: honest lines say them of bounded facts all the time ("£29 every month", "all fourteen clubs"), and so
# is "at all", which stresses a denial ("no licence or charge at all") rather than widening a claim.
_ABSOLUTE = re.compile(r"\b(?:never|always|ever|forever|whenever|wherever|whatever|no matter|any ?time|"
                       r"every single|everyone|everybody|everything|anything|unlimited|for good|full stop|"
                       r"no exceptions?|no limits?|however (?:much|many|far|long|small|big|large|often|little|late))\b")


@lru_cache(maxsize=65536)
def absolute_scope(text: str) -> frozenset[str]:
    """The scope-widening words of `text` (`_ABSOLUTE`), lower-cased, "any time" spelt "anytime"."""
    lowered = plain_lower(text)
    return frozenset(m.group(0).replace("any time", "anytime") for m in _ABSOLUTE.finditer(lowered))


def segments(sentence: str) -> tuple[str, ...]:
    """The parts of a sentence between its punctuation (, ; : dash) and its claim breaks (`claim_clauses`: "and we",
    "so", "but"), as said: "You're on a 70 Mbps deal at the moment and our plan is £29" -> two parts."""
    return tuple(q.strip(" ,;") for p in _SEGMENT.split(sentence) for q in _CLAIM_BREAK.split(p) if q.strip(" ,;"))


# -- elliptical replies ---------------------------------------------------------------------------------------------
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

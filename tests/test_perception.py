"""Rule perception by meaning: what an agent sentence asserts or asks, not which cue words it contains.

Each case is one sentence and the acts it must (and must not) be perceived as. The adversarial ones are the exploits
the 0.1.0 review found (a bag of cue words, a bare cue as an answer, a negated or contradicted fact, an invented
number or guarantee); the honest ones are paraphrases an LLM agent would produce.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from protod.world import load_scenario
from protod.text import (
    analyse, converted, courtesy_only, introduces_company, join_examples, quantities, says_yes, segments, stem,
    tokenize,
)
from protod.user.perceive import RulePerceiver

M, C = "merchant_recruitment", "courier_recruitment"
ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def perceivers():
    return {pid: RulePerceiver(load_scenario(pid)) for pid in (M, C)}


# (pack, agent sentence, acts it must include, acts it must not include)
CASES = [
    # honest statements, paraphrased
    (M, "For a single-location place like yours, the Starter plan means you'd pay 12% commission for the first six months.",
     ["address:commission_too_high:commission_rate"], ["false_claim:commission_rate"]),
    (M, "There's no joining fee and no monthly fee, you only pay on delivered orders.", ["address:hidden_fees:no_fees"], []),
    (M, "Every Monday, the money from the week before lands in your bank account.", ["address:slow_payouts:weekly_payout"], []),
    (M, "You can pause incoming orders with a single tap whenever the kitchen gets slammed.",
     ["address:kitchen_overload:peak_controls"], []),
    (C, "You can rent an e-bike through our partner for just €15 a week, with repairs included.",
     ["address:vehicle_cost:ebike_subsidy"], []),
    (C, "During lunch and dinner peaks you're guaranteed at least €14 an hour.", ["address:quiet_shifts:peak_guarantee"],
     ["false_claim:peak_guarantee"]),
    (C, "You'll earn five euros per delivery plus 80 cents for every kilometre.", ["address:low_earnings:pay_rates"], []),
    # honest questions
    (M, "What's your biggest worry about the commission?", ["probe:commission_too_high"], ["barrage", "nonsense"]),
    (M, "How would the commission on each order affect your margins?", ["probe:commission_too_high"], ["barrage"]),
    (M, "How have customer numbers and sales been lately?", ["probe:low_order_volume"], ["barrage"]),
    (C, "How do you feel about riding in traffic?", ["probe:traffic_nerves"], ["barrage"]),
    # bare cues, keyword bags, fragments: nothing
    (C, "rent an e-bike.", [], ["address:vehicle_cost:ebike_subsidy"]),
    (M, "set your own menu prices.", [], ["address:price_control:price_freedom"]),
    (M, "You set your own menu prices on the app.", ["address:price_control:price_freedom"], []),
    (M, "12%.", [], ["address:commission_too_high:commission_rate"]),
    (M, "Commission percentage cut margin cost fee worry?", ["nonsense"], ["probe:commission_too_high"]),
    (M, "Commission 12% starter plan fee monthly.", ["nonsense"], ["address:commission_too_high:commission_rate"]),
    (C, "Pay money earn income safety accident danger risk worry?", ["nonsense"], ["probe:low_earnings"]),
    # two areas in one question ask about both, as two questions in a turn do (session 27); more are a barrage
    (M, "What worries you about the commission and about your kitchen staff at peak times?",
     ["probe:commission_too_high", "probe:kitchen_overload"], ["barrage"]),
    (M, "Is it the commission, your kitchen staff at peak times, or the tablet?", ["barrage"],
     ["probe:commission_too_high", "probe:kitchen_overload"]),
    # a number inside a question states nothing
    (M, "Would 12% commission for the first six months on the Starter plan work for you?", [],
     ["address:commission_too_high:commission_rate"]),
    # negated, contradicted, invented
    (M, "We do not offer guaranteed orders.", [], ["false_claim:order_forecast"]),
    (M, "Our commission is 40%, not the 12%.", ["false_claim:commission_rate"], ["address:commission_too_high:commission_rate"]),
    (M, "It is not true that there is no joining fee.", ["false_claim:no_fees"], ["address:hidden_fees:no_fees"]),
    (C, "There is no accident insurance.", ["false_claim:accident_insurance"], []),
    (C, "You earn €9 for every delivery plus 80 cents per kilometre.", ["false_claim:pay_rates"],
     ["address:low_earnings:pay_rates"]),
    (C, "We guarantee you €25 an hour.", [], ["address:low_earnings:average_earnings"]),
    (M, "Honestly, zero commission.", ["false_claim:commission_rate"], []),
    # scrambled word order
    (M, "order commission per is our 18% standard delivered the.", [], ["address:commission_too_high:commission_rate"]),
]


@pytest.mark.parametrize("pack_id,text,must,must_not", CASES, ids=[c[1][:40] for c in CASES])
def test_perception_by_meaning(perceivers, pack_id, text, must, must_not):
    acts = perceivers[pack_id].perceive(text).acts()
    for act in must:
        assert act in acts, (text, acts)
    for act in must_not:
        assert act not in acts, (text, acts)


def test_guarantee_and_invented_numbers_are_false_claims(perceivers):
    p = perceivers[M].perceive("We guarantee 50 orders a day and pay you daily.")
    assert p.false_claims and not p.facts
    p = perceivers[C].perceive("We guarantee you €25 an hour.")
    assert p.false_claims and not p.facts


def test_every_pack_fact_and_question_reads_as_itself(perceivers):
    """The pack's own sentences are the perceiver's calibration: each fact asserts itself, each probe points."""
    for pid, perceiver in perceivers.items():
        pack = perceiver.pack
        for fact in pack.facts:
            p = perceiver.perceive(fact.text)
            assert p.facts == (fact.id,) and not p.false_claims and not p.nonsense, (pid, fact.id, p.acts())
        for concern in pack.concerns:
            p = perceiver.perceive(concern.probe_question)
            assert concern.id in p.pointed and not p.nonsense, (pid, concern.id, p.acts())


def test_language_basics():
    assert tokenize("Don't worry: it's twelve percent") == ("do", "not", "worry", "it", "is", "12%")
    assert tokenize("twenty-five to forty orders, €5") == ("25", "to", "40", "orders", "€5")
    assert tokenize("a hundred and fifty euros") == ("a", "€150")
    # round-number words as callers say prices (test-pack honest lines were read as wrong amounts)
    assert tokenize("fifty-six hundred euro") == tokenize("five thousand six hundred euro") == ("€5600",)
    assert tokenize("twelve hundred pounds") == ("£1200",) and tokenize("three thousand") == ("3000",)
    assert quantities(tokenize("€0.80 a km")) == quantities(tokenize("80 cents a km")) == {("cur", 0.8, "")}
    assert quantities(tokenize("48 hours")) == quantities(tokenize("two days")) == {("dur", 2.0, "")}
    assert quantities(tokenize("25 orders")) == {("num", 25.0, "order")}
    assert stem("payouts") == stem("payout") and stem("charged") == stem("charges") == stem("charge")
    assert analyse("Are you worried about the fees?").question
    assert not analyse("There is no joining fee.").question
    # a question typed without its mark is still one; a question word and a pronoun closed by a full stop is not
    assert analyse("How do you find the app").question and analyse("Would you like a trial.").question
    assert analyse("What you think").question
    assert not analyse("What you pay in month one is what you pay in month eighteen.").question
    assert not analyse("How you get paid is up to you.").question
    assert analyse("commission margin fee cost worry?").defect == "keyword list"
    assert analyse("Our standard commission 18% per delivery.").defect == "no verb"
    assert analyse("margins on paying your given each how feel order do a commission about you?").defect == "scrambled"
    no_fee = analyse("There is no joining fee, and you pay nothing monthly.")
    assert [c.negated for c in no_fee.clauses] == [True, True]


def test_amounts_as_callers_say_them():
    """Spoken amounts read as the written ones (training-domain honest lines were heard as wrong amounts or none)."""
    from protod.text import accounted

    q = lambda text: quantities(tokenize(text))  # noqa: E731
    # a number word joined to its unit by hyphens; "four-fifty" (450 Mbps or £4.50?) is no amount at all
    assert q("a thirty-day trial") == q("a 30-day trial") == q("thirty days") == {("dur", 30.0, "")}
    assert q("a two-business-day repair") == q("within two working days") == q("48 hours") == {("dur", 2.0, "")}
    assert q("a twenty-five-minute wait") == q("25 minutes") and tokenize("twenty-five") == ("25",)
    assert q("at least four-fifty") == frozenset() and q("a one-off fee") == frozenset()
    # clock times in words, with their half of the day; "seven days a week" is every day, not a week-long duration,
    # "24 hours a day" is open all day; "3 days a week" still counts
    hours = {("time", 8.0, "am"), ("time", 10.0, "pm")}
    assert q("from eight in the morning until ten at night") == q("from 8 am to 10 pm") == hours
    assert q("eight thirty in the morning") == {("time", 8.5, "am")} and q("at eleven o'clock") == {("time", 11.0, "")}
    assert q("seven days a week") == frozenset() and q("3 days a week") == {("dur", 3.0, "")}
    assert q("24 hours a day") == q("around the clock") == q("24/7") == {("allday", 1.0, "")}
    assert q("from 8 am to midnight") == {("time", 8.0, "am"), ("time", 12.0, "am")} and q("at noon") == {("time", 12.0, "pm")}
    assert accounted(("num", 11.0, ""), q("held until 11 am")) and accounted(("time", 11.0, ""), q("held until eleven"))
    assert not accounted(("num", 20.0, ""), hours) and not accounted(("num", 500.0, ""), hours)  # no hour on the dial
    assert q("three-to-five-day delivery") >= {("dur~", (3.0, 5.0), "")}
    # a yearly amount worked out per month is no new claim (a caller correcting himself was told "That sounds made up")
    from protod.text import derived

    saving = q("about €750 a year")
    assert derived(("cur", 62.0, ""), saving | {("cur", 62.0, "")}, saving)
    assert not derived(("cur", 9000.0, ""), saving | {("cur", 9000.0, "")}, saving)
    # bounds and litotes deny nothing
    assert "not" not in tokenize("It's no more than four minutes away, not far from the station.")
    assert tokenize("no later than Friday") == ("by", "friday")


@pytest.mark.parametrize("text, asks", [
    ("Shall I book that in for you now?", True),
    ("Do I have your go-ahead?", True),
    ("I just need your okay to register your restaurants as partners.", True),
    ("Great, so shall we go ahead and book the survey?", True),
    ("Would you like me to put you down for the starter plan?", True),
    ("Shall I tell you about the fees?", False),
    ("Can I ask what holds you back?", False),
    ("Would you like to know how payouts work?", False),
    ("What would you need before you sign up?", False),
    ("We register every partner within two days.", False),
    # the ask after a statement in the same sentence (round 10's callers), and "sign-up" with its hyphen
    ("It's £29 a month fixed, or £35 rolling - shall I go ahead and book you in, and which would you prefer?", True),
    ("If that all sounds fair, shall we go ahead?", True),
    ("Shall I get your sign-up started now?", True),
    ("If you sign up, can I ask what worries you?", False),
    ("We book the engineer within ten days, can I ask how your Wi-Fi is?", False),
    # the caller going ahead in a statement (round 22's verification: "I'm happy to go ahead if you are." to it)
    ("Brilliant, I'll send the link over now.", True),
    ("Welcome to FeastFleet!", True),
    ("Brilliant, I'll get your application started now and you could be on the road in three days.", True),  # round 23
    ("Great, let me get you booked in for Tuesday.", True),
    ("I'll send you the details by email.", False),
    ("We'll book you in within ten days, Saturdays included.", False),
    ("You're very welcome to hang up and ring us back on the number on our website.", False),
])
def test_asking_for_the_go_ahead_in_any_offers_words(text, asks):
    from protod.text import asks_consent

    assert asks_consent(text) is asks


def test_amounts_in_natural_forms():
    """Amounts callers say that the fact writes another way (round 5 of the natural callers: each of these was a lie)."""
    from protod.text import contradicts

    assert [c.numbers for c in analyse("It's 5,600 euro after the grant.").clauses] == [{("cur", 5600.0, "")}]
    evening = quantities(tokenize("18:00 to 21:30"))
    assert not contradicts(("time", 9.5, ""), evening) and contradicts(("time", 10.0, ""), evening)
    assert quantities(tokenize("6 to 9:30")) >= {("time~", (6.0, 9.5), "")}
    hourly = frozenset().union(*(c.numbers for c in analyse("You set your own hourly rate between £25 and £60.").clauses))
    assert not contradicts(("cur", 40.0, ""), hourly) and contradicts(("cur", 70.0, ""), hourly)
    assert quantities(tokenize("25 to 40 orders")) >= {("num~", (25.0, 40.0), "order")}
    assert not analyse("I can't promise you a number.").clauses[0].guarantee
    assert analyse("We promise you a number.").clauses[0].guarantee


@pytest.mark.parametrize("text, amounts", [
    ("It's two pounds forty a night for each room.", {("cur", 2.4, "")}),
    ("two pounds and forty pence", {("cur", 2.4, "")}),
    ("You'd get fourteen pounds seventy for every hour.", {("cur", 14.7, "")}),
    ("It's twelve euros fifty a month.", {("cur", 12.5, "")}),
    # money in the sentence, or a rate after it, makes "fourteen seventy" a price (it was a range of 14 to 70)
    ("Weekdays it's thirteen pounds twenty, and weekends go up to fourteen seventy.", {("cur", 13.2, ""), ("cur", 14.7, "")}),
    ("Well, you'd be on thirteen twenty an hour, rising to fourteen seventy on weekends.", {("cur", 13.2, ""), ("cur", 14.7, "")}),
    ("It's nineteen ninety-nine a month.", {("cur", 19.99, "")}),
    # ... and nothing else does
    ("ten pounds, twenty minutes away", {("cur", 10.0, ""), ("dur", round(20 / 1440, 3), "")}),
    ("And the off-peak one's twenty-one quid.", {("cur", 21.0, "")}),  # "one" is a pronoun
    ("Your franchise charges two ninety-five; ours is £265.", {("cur", 265.0, ""), ("num", 2.0, ""), ("num", 95.0, ""),
                                                               ("num~", (2.0, 95.0), "")}),  # £2.95 or £295: not read
    ("twenty-five to forty orders a day", {("num~", (25.0, 40.0), "order"), ("num", 25.0, "order"), ("num", 40.0, "order")}),
])
def test_prices_said_in_words(text, amounts):
    """Dev (home_care_caregivers, hotel_linen_service): 17 honest lines saying a price in words were false claims."""
    assert {n for c in analyse(text).clauses for n in c.numbers} == amounts

@pytest.mark.parametrize("text, amounts", [
    ("For a year and a half, the price is frozen.", {("dur", 547.5, "")}),  # one span, though the clause splits at "and"
    ("It's an hour and a half a night, twice a week.", {("dur", 0.062, "")}),
    # Not read (tried in session 23, withdrawn on dev's counts): a span said with "a" or "an" ("within a week"
    # against "five working days", "under an hour" against "45 minutes" and "a working week" became lies: 18 more
    # honest lines punished to catch 7). Read since session 31: "one" and a unit, and "a" or "an" and a unit of
    # notice (train: 3 more wrong notice periods flagged, no honest line punished once the user's past is theirs).
    ("Most people are set up within a week.", set()),
    ("You can cancel with one calendar month's notice.", {("dur", 30, "")}),
    ("Just give us a week's notice.", {("dur", 7, "")}),
    # A unit of time after another word is read since session 27 (withdrawn in session 23: "for the four summer
    # months" contradicts a fact's "24 hours before any delivery", the amounts of a fact being compared by kind, not
    # by what each measures; on session 27's dev packs it stopped calling nine honest "16 guaranteed hours" lines lies
    # for that one).
    ("We guarantee 16 paid hours a week.", {("dur", 0.667, "")}),
    # ... and a count is of its noun: "three paid shadow shifts" and "three shadow shifts" count one thing
    ("You do three paid shadow shifts first.", {("num", 3.0, "paid shadow shift")}),
])
def test_spans_of_time_said_in_words(text, amounts):
    assert {n for c in analyse(text).clauses for n in c.numbers} == amounts


@pytest.mark.parametrize("text, defect", [
    ("Written comments come back within five working days.", ""),  # few function words, but a main clause with its verb
    ("Holiday allowance is twenty-eight days, pro rata, including bank holidays.", ""),
    ("Rush jobs are optional, full stop.", ""),
    ("The drive home after your last call isn't paid, but the journeys in between are.", ""),  # the verb understood
    ("The only class you'd pay extra for is reformer Pilates, eight pounds a time.", ""),  # a stranded "for"
    ("Pump clips, mats, chalkboard, meet the brewer.", "keyword list"),  # no verb where the sentence opens
    ("Commission twelve percent weekly payout free photos.", "keyword list"),
    ("Weekly payout with is", "scrambled"),
    ("commission the for are", "scrambled"),
    ("I haven't made any offer yet though.", ""),  # a closing "though" is an adverb (round 22: nonsense)
    ("We pay weekly and", "scrambled"),
])
def test_plain_speech_is_not_a_keyword_list(text, defect):
    assert analyse(text).defect == defect


def test_totals_worked_out_from_true_amounts():
    """"$149 plus $39 for each of five, so $344": a caller's arithmetic on true amounts is no new claim (round 6)."""
    from protod.text import derived

    known = frozenset({("cur", 149.0, ""), ("cur", 39.0, "")})
    said = analyse("It's $149 a month plus $39 for each of the five extra clinicians, so $344 a month.").numbers
    assert derived(("cur", 344.0, ""), said, known)
    assert derived(("cur", 188.0, ""), said, known)  # 149 + 39
    assert not derived(("cur", 500.0, ""), said, known)  # a wrong sum is still a new amount
    assert not derived(("cur", 344.0, ""), frozenset({("cur", 344.0, "")}), known)  # nothing to work it out from
    assert not derived(("pct", 36.0, ""), frozenset({("pct", 18.0, "")}), frozenset({("pct", 18.0, "")}))  # money only


@pytest.mark.parametrize("pack, text, fact", [
    ("courier_recruitment", "You pick your own shifts in the app, there are no minimum hours, and you can log off "
     "whenever you like.", "flexible_shifts"),
    ("courier_recruitment", "During the lunch and dinner peaks, 11:30 to 2 and 6 to 9:30, you're guaranteed at least "
     "€14 an hour even if orders are slow.", "peak_guarantee"),
    ("merchant_recruitment", "I can't promise you a number, but comparable restaurants in your district average 25 "
     "to 40 delivery orders a day by their third month with us.", "order_forecast"),
    ("courier_recruitment", "You pick your own shifts in the app with no minimum hours, and the lunch peak from 11:30 "
     "to 14:00 guarantees at least 14 euros an hour.", "flexible_shifts"),
])
def test_true_facts_in_callers_words_are_not_lies(pack, text, fact):
    """A negation covers the words after it only ("with no minimum hours" does not deny the shifts before it); clock
    times compare on a 12-hour dial; "I can't promise" guarantees nothing; a cue whole inside one clause is not the
    next clause's (the peak clause shares "hours" with "no minimum hours" and used to deny the shifts)."""
    p = RulePerceiver(load_scenario(pack)).perceive(text)
    assert fact not in p.false_claims and not p.false_claims, p.false_claims


def test_a_question_about_the_users_own_situation_is_not_stuffing():
    from pathlib import Path

    pack = load_scenario(str(Path(__file__).parents[1] / "examples" / "packs" / "home_broadband.yaml"))
    p = RulePerceiver(pack).perceive("I understand you're on a cable bundle with TV and working from home a couple of "
                                     "days a week, so how is your connection holding up for things like video calls?")
    assert not p.nonsense and not p.barrage


# Written after the scripted negator's three frames were closed, never tuned against: a fact recited whole inside a
# frame that disowns it. A frame list closed the frames it was written from and none of these (313 of 440 credited
# before and after, courier/merchant/broadband). The learned perceiver, trained on other frames (augment.DISOWNING),
# now credits a fifth to two-fifths of such lines where it credited nearly all; the rules still read the fact. Known
# open: the rule perceiver must read what a frame does to the clause it holds, not a longer list.
_DISOWNING_FRAMES = ["A lot of callers promise {b}. I won't, because it isn't so.", "I'd love to say {b}, but honestly I can't.",
                     "It's a common misunderstanding that {b}.", "They'll tell you {b}. Don't fall for it.",
                     "Officially {b}, but in practice that's not true.", "There's a rumour that {b}, and it isn't accurate."]


@pytest.mark.xfail(strict=True, reason="known open: a fact recited inside a frame that disowns it is credited")
def test_a_fact_recited_inside_a_disowning_frame_is_not_credited():
    pack = load_scenario("courier_recruitment")
    perceiver = RulePerceiver(pack)
    said = [(f.id, frame.format(b=f.text[0].lower() + f.text[1:].rstrip(". "))) for f in pack.facts for frame in _DISOWNING_FRAMES]
    credited = [line for fid, line in said if fid in perceiver.perceive(line).facts]
    assert len(credited) <= 0.05 * len(said), credited[:5]


@pytest.mark.parametrize("text", ["We've recruited riders all over the US and the UK.", "Did you work in IT before riding?",
                                  "Our support team is based in the US, so calls are answered late in the evening."])
def test_an_acronym_is_not_a_function_word(text):
    """'the US' is no 'the us' and 'in IT' no 'in it' (a pet-insurance helper's honest line was heard as nonsense)."""
    p = RulePerceiver(load_scenario("courier_recruitment")).perceive(text)
    assert not p.nonsense
    assert "us" not in tokenize(text) and "it" not in tokenize(text)
    assert "us" in tokenize("LET US KNOW TODAY.")  # all capitals: the pronoun


@pytest.mark.parametrize("text", [
    "Our support team is based in the UK and answers the phone 24 hours a day, seven days a week.",
    "Our UK support team answers around the clock, and the average wait is under three minutes.",
    "Our UK support team answers from 8 am to 10 pm every day, with an average wait under 20 minutes.",
    "Our fibre network is our own, and 95% of our customers get at least 450 Mbps during the evening peak from 8 to 11 am.",
    "Faults are fixed within two calendar days, and if a repair takes longer you get £10 credit for every extra day.",
    "If anything the visit is not free, and it takes a single engineer visit of about two hours.",
])
def test_misquoted_hours_and_days_are_not_credited(text):
    """A review's adversaries against the spoken-amount reading (all-day against opening hours, an hour off the dial,
    am for pm, calendar for working days, a denial behind "if anything"): none is heard as the fact."""
    from pathlib import Path

    pack = load_scenario(str(Path(__file__).parents[1] / "examples" / "packs" / "home_broadband.yaml"))
    p = RulePerceiver(pack).perceive(text)
    assert not {"uk_support", "peak_speed", "fault_credit", "install_visit"} & set(p.facts), p.facts


@pytest.mark.parametrize("text, heard", [
    ("Plenty of providers put prices up halfway through a contract. We won't.",
     ["We will not put prices up halfway through a contract."]),
    ("Lots of companies charge a setup fee, but we don't.", ["We do not charge a setup fee."]),
    ("Everyone else charges for the router. We don't, ever.", ["We do not charge for the router."]),
    ("Some insurers make you wait a month. Not with us.", ["We do not make you wait a month."]),
    ("Most providers don't include a booster. We do.", ["We do include a booster."]),
    ("Most banks never refund the fee. We do.", ["We do refund the fee."]),
    ("Most apps will lock you in for a year; ours won't.", ["Ours will not lock you in for a year."]),
    # not a bare reply to a claim about someone else: left as said
    ("Your price is fixed. We won't.", ["Your price is fixed.", "We won't."]),
    ("Other apps take 30%. We take 12%.", ["Other apps take 30%.", "We take 12%."]),
    ("Most apps charge a fee. We do.", ["Most apps charge a fee.", "We do."]),
    ("Do other apps charge a fee? We don't.", ["Do other apps charge a fee?", "We don't."]),
    ("Many people think it is hard. Not at all.", ["Many people think it is hard.", "Not at all."]),
    ("We won't.", ["We won't."]),
])
def test_a_bare_reply_to_a_claim_about_others_is_one_claim_of_the_offer(text, heard):
    """Round 12: "Plenty of providers put prices up halfway through a contract. We won't." was punished as an invented
    claim (the first sentence alone is about someone else; the second alone says nothing)."""
    from protod.text import resolve_ellipsis, split_sentences

    assert resolve_ellipsis(split_sentences(text)) == heard


def test_a_lie_said_as_a_bare_reply_is_still_a_lie():
    """The cheapest adversary of the rejoining: deny a true fact by contrast with the market."""
    from pathlib import Path

    pack = load_scenario(str(Path(__file__).parents[1] / "examples" / "packs" / "home_broadband.yaml"))
    p = RulePerceiver(pack).perceive("Most providers give you a free router. We don't.")
    assert "wifi_router" in p.false_claims and not p.facts, p


def test_rejoining_bare_replies_never_fails_on_any_word_sequence():
    """The shuffler found an empty reply ("but and well.") crashed the rejoining; any sequence is read."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from protod.text import resolve_ellipsis

    words = ["we", "our", "ours", "not", "with", "us", "but", "do", "does", "will", "never", "fee", "charge", "most",
             "apps", ".", ",", ";", " - ", "don't", "won't", "Not", "We", "here", "either", "are", "take", "30%", "?"]

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.lists(st.sampled_from(words), max_size=8).map(" ".join), max_size=4))
    def check(sentences):
        out = resolve_ellipsis(sentences)
        assert len(out) <= len(sentences)

    check()


@pytest.mark.parametrize("text, share", [
    ("You keep 80% of every lesson.", True),
    ("you'd get to keep 80 percent", True),
    ("Owners take home 72% of each booking.", True),
    ("We keep 20% of each lesson.", False),
    ("Tutorlark keeps 20% of the fee.", False),
    ("Our commission is 18%.", False),
])
def test_a_percentage_the_user_keeps_is_a_share(text, share):
    from protod.text import analyse, complements

    (q,) = analyse(text).numbers
    assert q[0] == "pct" and complements(q, frozenset({("pct", 100 - q[1], "")})) == share


@pytest.mark.parametrize("text, false", [
    ("We don't charge a setup fee.", ()),  # says what no_upfront says; denies nothing of the exit-fee credit
    ("We don't credit your exit fee.", ("switch_credit",)),  # the adversary: a real denial still is one
    ("There is no exit fee credit.", ("switch_credit",)),
])
def test_a_denial_another_fact_agrees_with_denies_nothing(text, false):
    """Session 15: the rule perceiver read "We don't charge a setup fee" as denying "if your provider charges you an
    exit fee, we credit it back" (two shared words, opposite polarity) although "There is no setup fee" says it."""
    from pathlib import Path

    pack = load_scenario(str(Path(__file__).parents[1] / "examples" / "packs" / "home_broadband.yaml"))
    assert RulePerceiver(pack).perceive(text).false_claims == false


@pytest.mark.parametrize("text, fact, false", [
    ("If you have no vehicle you can rent an e-bike for 15 euros a week.", "ebike_subsidy", False),  # round 16
    ("If you don't have a vehicle you can rent an e-bike for 15 euros a week.", "ebike_subsidy", False),
    ("If you have no vehicle you can't rent an e-bike.", None, True),  # the main clause's own denial still counts
])
def test_a_negated_condition_without_its_comma_does_not_deny_the_main_clause(text, fact, false):
    p = RulePerceiver(load_scenario("courier_recruitment")).perceive(text)
    assert p.facts == ((fact,) if fact else ()) and bool(p.false_claims) == false, p


@pytest.mark.parametrize("text, true", [
    ("At prime time in the evening, all but five per cent of customers get at least 450 Mbps.", True),
    ("At prime time in the evening, all but ten per cent of customers get at least 450 Mbps.", False),
])
def test_all_but_a_share_is_its_complement(text, true):
    from pathlib import Path

    pack = load_scenario(str(Path(__file__).parents[1] / "examples" / "packs" / "home_broadband.yaml"))
    p = RulePerceiver(pack).perceive(text)
    assert (p.facts == ("peak_speed",) and not p.false_claims) if true else p.false_claims == ("peak_speed",), p


@pytest.mark.parametrize("text, nonsense", [
    ("Lovely to speak to you.", False),  # verbless courtesy: harmless, as an interjection is
    ("No worries at all.", False),
    ("Anything else on your mind?", False),  # an indefinite pronoun opens a question
    ("commission fee weekly pay tips", True),  # a bag of the pack's words is still no speech
    ("pay weekly tips e-bike?", True),
])
def test_verbless_courtesy_is_not_word_salad(text, nonsense):
    """The rule perceiver (the training simulator) called 221 honest corpus lines nonsense for having no verb it knew
    or for opening a question with "Anything"; a bag of cue words stays nonsense."""
    assert RulePerceiver(load_scenario("courier_recruitment")).perceive(text).nonsense == nonsense


@pytest.mark.parametrize("text,pitch", [
    ("I'd love two minutes to see if we could send some work your way.", False),
    ("We would really love to have you on board.", False),
    ("You will love our amazing platform.", True),
    ("I love that we are the best platform around.", True),
    ("We are the leading platform and I would love to tell you more.", True),
    ("We lead the market for translators.", True),  # only a wish verb after "we" is a wish
])
def test_the_callers_own_wish_is_no_sales_talk(text, pitch):
    """Round 21: "I'd love two minutes ..." in a one-line introduction got "That reads like your website." A sales-talk
    word said of the caller's own wish is courtesy; the same word said of the offer, or beside another, still
    pitches."""
    rules = RulePerceiver(load_scenario(str(ROOT / "data/perception/packs/translator_marketplace.yaml")))
    assert rules.pitches(analyse(text)) is pitch


def test_the_facts_own_exception_said_back_is_no_denial():
    """Round 24's caller said the travel fact's own exception ("... and back from your last isn't paid") and was called
    a liar: the negated clause was read as denying the fact's "paid", though the fact says the same ("..., though the
    trip from home to your first visit and back from your last is not"). Denying the positive part is never the fact."""
    rules = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_care_caregivers.yaml"))
    exception = "The trip from home to your first visit and back from your last isn't paid, though."
    assert rules.perceive(exception).facts == ("travel_time",) and not rules.perceive(exception).false_claims
    answer = "No, with us travel time between back-to-back visits is paid at your normal hourly rate. " + exception
    assert "travel_time" in rules.perceive(answer).facts
    assert rules.perceive("We don't pay for travel time between back-to-back visits.").false_claims == ("travel_time",)
    # round 25: the positive part denied with the cue before the negator is no fact either
    assert rules.perceive("Travel time between back-to-back visits isn't paid.").false_claims == ("travel_time",)


@pytest.mark.parametrize("text,pressure", [
    # a time word says when (round 24: each was heard as pushing)
    ("Right now you take walk-ins and phone orders, right?", False),
    ("What are you using right now to take orders?", False),
    ("I can set it up with you right now on this call.", False),
    ("I'm not asking for a decision right now.", False),
    ("You don't have to decide anything today.", False),
    # ... and pushes in a sentence that urges the decision
    ("Sign up right now or you'll miss out.", True),
    ("You need to decide right now.", True),
    ("I'd really like to get you signed up right now, before the spots go.", True),
    ("Take your time, but I need an answer right now.", True),
    ("Hurry, only a few spots left.", True),
])
def test_a_time_word_is_no_push_by_itself(perceivers, text, pressure):
    assert perceivers[M].perceive(text).pressure is pressure, text


@pytest.mark.parametrize("text", [
    "What's holding you back?", "Is there anything that worries you?", "What would make or break it for you?",
    "Any concerns?", "What would matter most to you?", "What's holding you back from signing up?",
    # examples from several areas show what the one question means (round 24: a barrage)
    "Things like the commission, the kitchen at peak times or the tablet - is there anything that would make or break "
    "it for you?",
])
def test_an_open_question_about_worries_reaches_them_all(perceivers, text):
    """Round 24's callers asked what held the user back and heard "It depends. What are you getting at?": the rules had
    no cue for a question that names no worry. It reaches every worry (the user says the one that weighs most, if they
    trust the caller enough), is no barrage and no closing ask."""
    p = perceivers[M].perceive(text)
    assert set(p.probes) == {c.id for c in perceivers[M].pack.concerns} and not p.pointed, text
    assert not (p.barrage or p.closing_ask or p.nonsense or p.pressure), text


@pytest.mark.parametrize("text,probes", [
    ("Any worries about the commission?", {"commission_too_high"}),  # was "no verb": nonsense
    ("Would you like to hear more?", set()),  # an offer, no worry asked after
    ("Did I catch you at a bad time?", set()),
])
def test_open_question_words_do_not_widen_a_question(perceivers, text, probes):
    p = perceivers[M].perceive(text)
    assert probes <= set(p.probes) and (probes or not p.probes) and not p.nonsense, text


def test_word_salad_questions_stay_word_salad(perceivers):
    """A question may open with a time phrase before its subject ("At the moment you take phone orders, right?",
    scrambled in round 24), not with a noun or adjective."""
    assert analyse("At the moment you take phone orders, right?").well_formed
    assert analyse("Right now you take walk-ins and phone orders, right?").well_formed
    for salad in ("Cheap fees you like?", "Commission high you worried?", "Fees weekly you pay?"):
        assert not analyse(salad).well_formed, salad


def test_a_question_about_the_users_situation_is_answered_from_a_trait():
    """Round 24: "Have you got access to a laptop?" went unanswered three times under the rules. A question naming a
    trait's words asks after it."""
    rules = RulePerceiver(load_scenario(ROOT / "examples/packs/tutor_recruitment.yaml"))
    assert rules.perceive("Have you got access to a laptop?").asked_traits == ("home_setup",)
    assert rules.perceive("Have you tutored before?").asked_traits == ("tutoring_experience",)
    assert rules.perceive("Who do you live with?").asked_traits == ("household",)  # "Who the candidate lives with"
    assert rules.perceive("Do you have a minute?").asked_traits == ()
    assert rules.perceive("Shall I sign you up? You'd need a laptop.").asked_traits == ()


def test_taking_the_pressure_off_is_courtesy(perceivers):
    for text in ("I'm not asking for a decision right now.", "No rush at all, take your time."):
        p = perceivers[M].perceive(text)
        assert p.small_talk and not (p.off_topic or p.nonsense or p.pressure), text


def test_saying_one_asks_for_the_users_sake_is_courtesy(perceivers):
    """Rounds 66-67: "Only because I want it to be right for you." (to "Why do you ask?") and "Just making sure I've
    covered what matters to you." were off the subject, and cost trust. A claim riding on the same words is none."""
    for text in ("Only because I want it to be right for you.", "Just making sure I've covered what matters to you.",
                 "I ask because I want to make sure it fits you."):
        p = perceivers[M].perceive(text)
        assert p.small_talk and not (p.off_topic or p.nonsense or p.pressure), text
    # round 69: "Of course, ask away. What's still on your mind?" was nonsense (the reply after the courtesy, a list)
    assert analyse("Of course, ask away.").well_formed and not analyse("Of course, weekly payouts commission.").well_formed
    for text in ("Only because I want it to be right for you, we waive the commission for a year.",
                 "We want it to be right for you, so your first month is free."):
        assert not courtesy_only(text), text


GYM = ROOT / "data/perception/packs/gym_membership_winback.yaml"


def test_round_25_callers_lines_read_as_said():
    """Lines round 25's callers said, each misread before (quoted in the comments)."""
    gym = RulePerceiver(load_scenario(GYM))
    # a cap said with a negation is the cap ("That doesn't sound right.")
    p = gym.perceive("At any Forgefield club there can't be more than 80 people on the floor, and you can see in the app "
                     "how busy it is right now before you leave the house.")
    assert p.facts == ("busy_gauge",) and not (p.false_claims or p.pressure)
    # a fact's condition is no proposal to rejoin; the question after the dash is a question of its own
    p = gym.perceive("I should be precise on one thing: the joining fee waiver applies if you rejoin within 12 months of "
                     "cancelling - when did you leave us, roughly?")
    assert p.facts == ("no_joining_fee",) and not p.closing_ask
    # asking for a minute asks about no trait ("Since you ask: money got tight.")
    assert gym.perceive("Have you got a couple of minutes?").asked_traits == ()
    # on the offer's subject but unheard: not off the subject ("Sorry, what's that got to do with the gym?")
    p = gym.perceive("That's fair, you don't have to take my word for it, the live busyness is right there in the app so "
                     "you can see for yourself.")
    assert p.small_talk and not p.off_topic
    # a sign-off is courtesy ("I'm not following. What's this about?")
    assert gym.perceive("Understood, thanks for your time.").small_talk
    assert gym.perceive("What was it about the gym that made you quit?").probes  # why they left: what worries them


def test_a_fact_then_a_question_after_a_dash_is_a_fact_and_a_question(perceivers):
    """Round 25: "..., and your first three deliveries are done with an experienced rider alongside you - would that
    help?" was one question about three areas (a barrage) and the fact in it went unheard."""
    p = perceivers[C].perceive("Before you ever take an order you do a free two-hour road safety course, and your first "
                               "three deliveries are done with an experienced rider alongside you - would that help?")
    assert "safety_course" in p.facts and not (p.barrage or p.false_claims)
    # only the part that speaks to the user asks after a trait ("Yes, in the city centre, that's me.")
    p = perceivers[C].perceive("We're looking for riders in the city centre, and I wondered if you'd ever thought "
                               "about doing some deliveries around your studies?")
    assert "city_zone" not in p.asked_traits


def test_round_26_callers_honest_lines_are_not_lies():
    """Round 26: honest lines the rules called lies, and an ask they missed."""
    tutor = RulePerceiver(load_scenario(ROOT / "examples/packs/tutor_recruitment.yaml"))
    # a verb alone ("pay") shares no topic with the fact's "you only pay the platform's share": no denial
    assert not tutor.perceive("There's nothing to pay to join: no sign-up fee or subscription.").false_claims
    cowork = RulePerceiver(load_scenario(ROOT / "examples/packs/coworking_membership.yaml"))
    # a condition after "so" denies nothing
    p = cowork.perceive("It's month to month, so if it doesn't suit you can leave on 30 days' notice.")
    assert p.facts == ("rolling_month",) and not p.false_claims
    assert cowork.perceive("So would you let me start your Flex membership?").closing_ask
    assert cowork.perceive("That's completely fine - thanks for hearing me out.").small_talk
    # a question word a trait's description opens with is a word of it
    assert cowork.perceive("Where do you work at the moment?").asked_traits == ("current_setup",)


def test_round_27_callers_honest_lines_are_heard():
    """Round 27: a condition's negator flipped the pack's own fact into a lie; asking for a minute was answered as a
    question about the user; "Would you like to give it a try?" asked nothing; one open question with examples was a
    barrage; "any problem with the tablet?" asked about two worries."""
    merchant = RulePerceiver(load_scenario(M))
    # a trailing condition with its own negator ("if you don't want to") does not cancel the fact's "never"
    p = merchant.perceive("You set your own menu prices on the app, and you never have to join a promotion or discount "
                          "if you don't want to.")
    assert p.facts == ("price_freedom",) and not p.false_claims
    # ... while the opposite claim, with a condition after it, earns nothing
    assert not merchant.perceive("You always have to join a promotion if you don't want to lose visibility.").facts
    # ... and the fact denied, with a negated condition after it, is still a lie
    assert merchant.perceive("You don't set your own menu prices if you don't use our photographer.").false_claims
    tutor = RulePerceiver(load_scenario(ROOT / "examples/packs/tutor_recruitment.yaml"))
    # a negated condition names a case: the main clause is the claim
    p = tutor.perceive("With us, if a student doesn't turn up or cancels less than 24 hours before, you're still paid "
                       "the full lesson fee.")
    assert p.facts == ("cancellation_pay",) and not p.false_claims
    assert tutor.perceive("If a student doesn't cancel less than 24 hours before, you're not paid the full lesson "
                          "fee.").false_claims
    # asking for the user's time asks nothing about them, whatever words of a trait it carries
    assert tutor.perceive("I understand you've done some private tutoring - have you got a couple of minutes to chat "
                          "about tutoring with us?").asked_traits == ()
    for ask in ("Would you like to give it a try?", "Why not give us a go?"):
        assert merchant.perceive(ask).closing_ask, ask
    assert not merchant.perceive("Why not try the pause button during a rush?").closing_ask
    p = merchant.perceive("With no staff to spare, is there anything else that would make this hard to take on, like "
                          "the cost or the time to set it up?")
    assert not p.barrage and len(p.probes) > 2
    for question in ("Is there any problem with the tablet?", "Any problems with the tablet?"):
        p = merchant.perceive(question)
        assert p.probes[0] == "tech_hassle" and not (p.barrage or p.nonsense), question
    # two topics named are still two (asked about both since session 27)
    p = merchant.perceive("Any problem with refunds or the tablet?")
    assert "tech_hassle" in p.probes and len({pack_area(merchant, c) for c in p.probes}) == 2 and not p.barrage


def test_round_28_and_29_callers_honest_lines_are_heard():
    """Rounds 28-29: the pack's own facts called lies by word order ("... is never required", "nobody goes in alone
    until ...", a condition without its comma), a true amount of the pack voiding a sentence's facts, and open questions
    read as barrages or as questions about the user."""
    merchant = RulePerceiver(load_scenario(M))
    p = merchant.perceive("You do - you set every price on your menu yourself, and joining a promotion or discount is "
                          "never required.")
    assert p.facts == ("price_freedom",) and not p.false_claims
    assert merchant.perceive("Joining a promotion or discount is required.").false_claims
    care = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_care_caregivers.yaml"))
    p = care.perceive("Nobody goes in alone until they've done at least three paid shadow shifts alongside an "
                      "experienced carer.")
    assert p.facts == ("shadow_shifts",) and not p.false_claims
    assert care.perceive("You don't do paid shadow shifts until you've visited clients alone.").false_claims
    linen = RulePerceiver(load_scenario(ROOT / "data/perception/packs/hotel_linen_service.yaml"))
    assert linen.perceive("If we can't get a stain out we replace the item free.").facts == ("stain_policy",)
    assert linen.perceive("If we can get a stain out we don't replace the item free.").false_claims
    # denying what the fact never says ("thin towels") denies no fact
    p = linen.perceive("Our towels are a heavy 550 gsm and the sheets are 220-thread-count pure cotton percale, so your "
                       "guests won't be getting thin towels from us.")
    assert p.facts == ("linen_quality",) and not p.false_claims
    cowork = RulePerceiver(load_scenario(ROOT / "examples/packs/coworking_membership.yaml"))
    p = cowork.perceive("You can book a desk up to a week ahead in our app, we've never been more than 85% full, "
                        "there's a silent floor where calls aren't allowed, and the internet is 1 Gbps fibre on two "
                        "separate lines with wired Ethernet at every desk.")
    assert "dual_fibre" in p.facts and not p.false_claims
    # a true amount of a kind the stated fact gives none of ("the same speeds") voids nothing; a wrong one still does
    broadband = RulePerceiver(load_scenario(ROOT / "examples/packs/home_broadband.yaml"))
    rolling = ("We also have a one-month rolling plan at £35 a month with {} Mbps speeds, which you can end with a "
               "month's notice.")
    assert broadband.perceive(rolling.format(500)).facts == ("rolling_option",)
    assert not broadband.perceive(rolling.format(900)).facts
    # an open question listing examples after a dash is one question (a worry's own word in it points it there)
    p = merchant.perceive("Is there anything else that would give you pause - quality, cost, being tied in?")
    assert p.probes and not p.barrage
    # a question about a worry asks nothing about where the user is ("food court")
    assert merchant.perceive("Is it the food quality or the cost that worries you?").asked_traits == ()
    # asking for time, and checking what the caller heard, ask no worry
    courier = RulePerceiver(load_scenario(C))
    assert not courier.perceive("I saw you were interested in some flexible work - have you got a couple of minutes to "
                                "chat about riding with us?").probes
    p = courier.perceive("You've done a few courier shifts before, right?")
    assert not (p.probes or p.barrage)
    assert courier.perceive("You're worried about the pay, right?").probes
    gym = RulePerceiver(load_scenario(GYM))
    assert gym.perceive("Is cost something that matters to you at the moment?").asked_traits == ()  # "at the moment"
    for question in ("Can I ask what made you decide to leave when you did?",
                     "What's the bit you're not convinced about - is it the money, the time, or something else?"):
        assert len(gym.perceive(question).probes) > 3, question


def test_round_30_callers_lines_are_heard():
    """Round 30: "optional" said for "never have to", a negation's exception ("nothing beyond the monthly membership")
    and a negation shared by two conjuncts read as lies; single questions naming two things on the way read as
    barrages; a condition's words taken for a question about the user."""
    merchant = RulePerceiver(load_scenario(M))
    p = merchant.perceive("Your menu prices on the app are whatever you decide, and joining a promotion or discount is "
                          "entirely optional, nobody will push you into one.")
    assert p.facts == ("price_freedom",) and not p.false_claims
    assert merchant.perceive("Joining a promotion is not optional.").false_claims  # a double negation is no fact
    cowork = RulePerceiver(load_scenario(ROOT / "examples/packs/coworking_membership.yaml"))
    p = cowork.perceive("It's a rolling monthly membership, so if a quiet month comes you just give 30 days' notice "
                        "and walk away, no penalty.")
    assert p.facts == ("rolling_month",) and not p.false_claims
    care = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_care_caregivers.yaml"))
    p = care.perceive("When you've got visits back to back, the travel between them is paid at your normal rate, "
                      "though getting to your first visit and home from your last isn't.")
    assert p.facts == ("travel_time",) and not p.false_claims
    assert care.perceive("Travel between back-to-back visits isn't paid.").false_claims
    assert care.perceive("If you were ever to move into home care, what would worry you about it?").asked_traits == ()
    # one question, one thing asked: the first worry (or area) it names
    p = cowork.perceive("How does your wifi hold up on calls in the cafés?")
    assert not p.barrage and "internet_reliability" in p.probes
    courier = RulePerceiver(load_scenario(C))
    for line in ("Sorry, fair enough. What put you off the courier shifts you did before?",
                 "What would you need from something like this to make it work around your life?"):
        p = courier.perceive(line)
        assert p.probes and not (p.barrage or p.nonsense), line
    # ... but a list of things asked is still a barrage
    assert courier.perceive("Is it the pay, the traffic, the tax paperwork or the cost of the scooter?").barrage
    # a statement, then a question after a semicolon: the statement's words are not asked about
    gym = RulePerceiver(load_scenario(GYM))
    p = gym.perceive("If you cancelled within the past year, the usual £40 joining fee simply doesn't apply to you; "
                     "when did you cancel, roughly?")
    assert not p.barrage and p.facts == ("no_joining_fee",)


def test_round_31_callers_lines_are_heard():
    """Round 31: an amount said with its currency's name ("twenty-nine pounds") is the pack's "£29"; a count is of its
    noun ("two lines" and "two separate lines"); an amount the offer is set against is no claim ("rather than", "not");
    "without" denies its own noun phrase; "you don't pay the £40" agrees with "the £40 fee is waived"; a question
    after a statement in one sentence asks only its own part."""
    broadband = RulePerceiver(load_scenario(ROOT / "examples/packs/home_broadband.yaml"))
    assert broadband.perceive("It's twenty-nine pounds a month for 500 meg.").facts == ("plan_price",)
    cowork = RulePerceiver(load_scenario(ROOT / "examples/packs/coworking_membership.yaml"))
    p = cowork.perceive("Our connection is gigabit fibre over two lines from different providers, so if one drops the "
                        "other kicks in by itself.")
    assert p.facts == ("dual_fibre",)
    p = cowork.perceive("I gather you're on video calls a lot of the day, how do you manage those in cafés?")
    assert p.probes and not p.barrage
    p = cowork.perceive("Just the one, then: how do your video calls go when you're working from a café?")
    assert "noise_calls" in p.probes and not p.barrage
    merchant = RulePerceiver(load_scenario(M))
    for line in ("Our commission is 18%, not 30% like the others.", "Our commission is 18% rather than 30%."):
        p = merchant.perceive(line)
        assert not p.false_claims and "commission_rate" in p.facts, line
    assert merchant.perceive("Our commission is 5% rather than 18%.").false_claims
    courier = RulePerceiver(load_scenario(C))
    assert courier.perceive("Riders without a vehicle get the partner's e-bike at fifteen euros a week.").facts == (
        "ebike_subsidy",)
    gym = RulePerceiver(load_scenario(GYM))
    assert not gym.perceive("Rejoin within a year of leaving and you don't pay the usual forty pounds to "
                            "join.").false_claims
    assert not gym.perceive("You'd pay the usual forty pounds to join.").facts


def test_round_32_callers_lines_are_heard():
    """Round 32: a negation of a change said beside the fact's span of time denies no fact ("the price won't change
    for 18 months"); a shared word the fact denies ("no extra charge") does not make a fact's run a lie ("an extra
    Saturday run"); "say no to" turns a change down; "open to giving it a try" asks to go ahead."""
    broadband = RulePerceiver(load_scenario(ROOT / "examples/packs/home_broadband.yaml"))
    assert not broadband.perceive("At a price that won't go up for 18 months.").false_claims
    assert broadband.perceive("There's no 18-month contract.").false_claims
    linen = RulePerceiver(load_scenario(ROOT / "data/perception/packs/hotel_linen_service.yaml"))
    assert not linen.perceive("Plus an extra Saturday run in summer.").false_claims
    assert linen.perceive("There's no Saturday run in summer.").false_claims
    care = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_care_caregivers.yaml"))
    p = care.perceive("The rota goes out three weeks ahead, and you can say no to any change made with under 48 hours' "
                      "notice.")
    assert p.facts == ("rota_ahead",) and not p.false_claims
    merchant = RulePerceiver(load_scenario(M))
    p = merchant.perceive("Would you be open to giving it a try?")
    assert p.closing_ask and not p.asked_traits
    assert not merchant.perceive("Happy to go over anything again if I went too fast.").closing_ask



def test_round_34_callers_lines_are_heard():
    """Round 34: a question after asking for time, or after a statement in one sentence, asks its own part ("Have you got
    a minute, and can I ask what you're doing for work?"; "You were with us for three years, so ..., what made you
    leave?" asks nothing about how long); words tied between two traits go to the one whose description the question
    echoes; "would you be up for that?" after the step named is an ask; "how's X going?" asks what the user makes of
    it (an open question), small talk aside; an open question's examples ending "or something else", or naming more
    areas than a turn may ask about, ask about every worry."""
    courier = RulePerceiver(load_scenario(C))
    assert courier.perceive("Have you got a minute, and can I ask what you're doing for work at the moment?").asked_traits
    assert not courier.perceive("Have you got a couple of minutes to chat about riding with us?").asked_traits
    everything = set(courier._by_severity)
    assert set(courier.perceive("Glad that helps. Is there anything else on your mind - the pay, your bike, the "
                                "hours?").probes) == everything
    assert courier.perceive("Would the cost of keeping your scooter on the road be a concern?").probes[0] == "vehicle_cost"
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    p = gym.perceive("You were with us for three years, so I just wanted to check in, what made you decide to leave?")
    assert "tenure" not in p.asked_traits and p.open_question
    care = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_care_caregivers.yaml"))
    assert care.perceive("So what are you doing for work right now?").asked_traits == ("current_job",)
    p = care.perceive("Travel time between visits is paid. What I'd need from you is just to book an interview and "
                      "start the application today; would you be up for that?")
    assert p.closing_ask
    assert not care.perceive("We pay mileage between visits; would you be interested in that?").closing_ask
    merchant = RulePerceiver(load_scenario(M))
    for line in ("Can I ask how delivery is going for the pizzeria at the moment?", "How's that working out for you?",
                 "How are you finding the rival app?"):
        assert merchant.perceive(line).open_question, line
    for line in ("How's your week going so far?", "How many orders are you going to take?"):
        assert not merchant.perceive(line).open_question, line
    p = merchant.perceive("If you did take delivery orders, what would worry you most, the commission, the extra work "
                          "in the kitchen, or something else?")
    assert set(p.probes) == set(merchant._by_severity)


def test_round_35_callers_lines_are_heard():
    """Round 35: honest lines called lies ("You wouldn't be out of pocket between visits - we pay 45p a mile ...": the
    negated clause shares only "visits" with the fact; "The one thing that isn't paid is the drive to your first
    visit", the fact's own exception said as a cleft; "There won't be anyone on the front desk until eight" for a desk
    staffed from 8 am); "shall I do that now" after the step named and "get your membership restarted" ask to go
    ahead; "Are you on regular hours right now?" asks how things stand, not about a worry."""
    care = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_care_caregivers.yaml"))
    p = care.perceive("You wouldn't be out of pocket between visits - we pay 45p a mile between visits on top of your "
                      "wages, claimed weekly through the rota app.")
    assert p.facts == ("mileage",) and not p.false_claims
    p = care.perceive("The one thing that isn't paid is the drive from home to your first visit and back from your last.")
    assert p.facts == ("travel_time",) and not p.false_claims
    assert care.perceive("The next step would be booking you in for an interview today - shall I do that now, and we "
                         "can find a time that works around the kids?").closing_ask
    p = care.perceive("Are you on regular hours right now, or is it more shift by shift?")
    assert p.question and not p.probes
    assert care.perceive("Are you worried about regular hours right now?").probes
    cowork = RulePerceiver(load_scenario(ROOT / "examples/packs/coworking_membership.yaml"))
    assert not cowork.perceive("There just won't be anyone on the front desk until eight.").false_claims
    assert cowork.perceive("There won't be anyone on the front desk until ten.").false_claims
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    assert gym.perceive("Would you like me to get your Anytime membership restarted today?").closing_ask


def test_round_36_callers_lines_are_heard():
    """Round 36: a denied list is one denial ("with no joining, monthly or tablet fees" was a lie against "no monthly
    fee"); a question put as a wish to hear ("I wondered how that's been going for you.") is asked; "how did you find
    X?" and "how does that work out for you?" ask what the user makes of it, beside a question on how things stand."""
    merchant = RulePerceiver(load_scenario(M))
    p = merchant.perceive("Our standard commission is 18% per delivered order, with no joining, monthly or tablet fees - "
                          "you only pay on orders that are actually delivered.")
    assert set(p.facts) == {"commission_rate", "no_fees"} and not p.false_claims
    assert merchant.perceive("There are monthly and tablet fees.").false_claims
    tutor = RulePerceiver(load_scenario(ROOT / "examples/packs/tutor_recruitment.yaml"))
    for line in ("I understand you've done some tutoring before, and I wondered how that's been going for you.",
                 "How did you find tutoring on the site you used before?"):
        assert tutor.perceive(line).open_question, line
    linen = RulePerceiver(load_scenario(ROOT / "data/perception/packs/hotel_linen_service.yaml"))
    assert linen.perceive("So do you do all the washing in-house at the moment, and how does that work out for you, "
                          "especially at busy times?").probes
    # "anyone 18 or over training alongside you" counts no training ("aged 18 or over"); "12 or more days" counts days
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    assert gym.perceive("The membership comes with four free guest passes a year, for anyone 18 or over training "
                        "alongside you.").facts == ("guest_passes",)
    # "What might help on your solo days is the classes." is a statement, not a question
    assert not gym.perceive("What might help on the days you're solo is the classes.").question


def test_round_37_callers_lines_are_heard():
    """Round 37 (privileged callers): a charge denied denies no more than the charge ("the quiet weeks cost you nothing
    for empty rooms", "nothing extra for empty rooms" against "so empty rooms cost you nothing"; "no charge for the
    compliance check"), while "no guarantee on loft work" and "we don't cover the cost of your DBS" still deny; what is
    left of a true amount after the fact's own percentage is true ("at the lowest rate of £25 you'd take home £20"
    beside "we keep 20%"), another amount is not."""
    linen = RulePerceiver(load_scenario(ROOT / "data/perception/packs/hotel_linen_service.yaml"))
    for line in ("You only pay £2.40 plus VAT per occupied room per night, so the quiet winter weeks cost you nothing for "
                 "empty rooms.",
                 "The price is £2.40 for each room that's actually occupied that night, and VAT is added on top of that - "
                 "nothing extra for empty rooms."):
        p = linen.perceive(line)
        assert p.facts == ("room_price",) and not p.false_claims, line
    assert linen.perceive("Empty rooms cost you £1.").false_claims
    tutor = RulePerceiver(load_scenario(ROOT / "examples/packs/tutor_recruitment.yaml"))
    assert not tutor.perceive("Even at the lowest rate of £25 you'd take home £20 an hour.").false_claims
    assert tutor.perceive("At the lowest rate of £25 you'd take home £21 an hour.").false_claims
    care = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_care_caregivers.yaml"))
    assert care.perceive("We don't cover the cost of your DBS check, I'm afraid.").false_claims
    # round 38: a caller hedging a figure ("it's an average, not a guarantee") is on the subject, not off it
    merchant = RulePerceiver(load_scenario(M))
    p = merchant.perceive("Honestly, it's an average, not a guarantee; some days will be slower.")
    assert p.small_talk and not p.off_topic
    assert merchant.perceive("My cat had kittens last week, four of them.").off_topic


def test_round_38_callers_lines_are_heard():
    """Round 38: a cue's fact-clause amounts, not the whole fact's, are what a cue claim must state ("There's no setup
    fee and no delivery fee." beside "..., and we stock you with three full sets"); "no extra charge for that Saturday
    run" is no charge; "Calls aren't allowed on the silent floor" says what "a silent floor where calls aren't allowed"
    says; "would you be happy to start a contract with us?" asks to go ahead; "count your time" is not "room_count"."""
    linen = RulePerceiver(load_scenario(ROOT / "data/perception/packs/hotel_linen_service.yaml"))
    assert linen.perceive("There's no setup fee and no delivery fee.").facts == ("starting_stock",)
    assert linen.perceive("No extra charge for that Saturday run, either.").facts == ("peak_season",)
    assert linen.perceive("The first commitment is six months, so would you be happy to start a contract with us on "
                          "that basis?").closing_ask
    assert "room_count" not in linen.perceive("How does that compare with what you pay now, once you count your "
                                              "time?").asked_traits
    assert linen.perceive("How many rooms do you have?").asked_traits == ("room_count",)
    # (the cue's clause naming no amount, a price another fact gives lent to this one is still a lie: the inventor
    # adversary's "... is charged, at £25 an item" against "£8 an item", £25 being the same-day top-up's)
    stains = ("If we can't get a stain out, we replace the item free of charge; only real damage such as burns, tears or "
              "hair dye is charged, at {} an item.")
    assert linen.perceive(stains.format("£25")).false_claims == ("stain_policy",)
    assert linen.perceive(stains.format("£8")).facts == ("stain_policy",)
    cowork = RulePerceiver(load_scenario(ROOT / "examples/packs/coworking_membership.yaml"))
    assert cowork.perceive("Calls aren't allowed on the silent floor, so it really is quiet.").facts == ("phone_booths",)
    assert cowork.perceive("There's no silent floor.").false_claims

def test_round_40_callers_lines_are_heard():
    """Round 40 (session 29): a bare rate said of a fact's count is the count ("over sixty a week" beside "over 60
    classes a week"), never made true by another fact's count; a question announced ("I wanted to ask how ...") asks;
    "X-wise" is about X; a turn with a statement that speaks for the offer, unheard, is on the subject."""
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    assert gym.perceive("There are over sixty a week included, and you book them in the app.").facts == ("class_booking",)
    assert not gym.perceive("You can now book classes in the app up to a week ahead, and there are over sixty a week "
                            "included - only reformer Pilates is extra, at eight pounds.").false_claims
    # a price said with its currency is still checked as one ("at sixty a week" alone may be the count, said per week:
    # the fact is credited, which stating it earns anyway)
    assert gym.perceive("Reformer Pilates is extra, at £60 a week.").false_claims
    assert gym.perceive("Reformer Pilates is extra, at sixty pounds a week.").false_claims
    linen = RulePerceiver(load_scenario(ROOT / "data/perception/packs/hotel_linen_service.yaml"))
    assert not linen.perceive("Emergency top-ups are twenty-five pounds, and your first three a year are free.").facts
    broadband = RulePerceiver(load_scenario(ROOT / "examples/packs/home_broadband.yaml"))
    assert broadband.perceive("I wanted to ask how your internet has been working for you lately.").probes
    assert broadband.perceive("I was going to ask whether the evenings are slow for you.").probes
    tutor = RulePerceiver(load_scenario(ROOT / "examples/packs/tutor_recruitment.yaml"))
    assert tutor.perceive("Great. Could I ask what you're doing at the moment, work-wise?").asked_traits == ("current_role",)
    heard = tutor.perceive("That's fair. We don't charge anything to join, and you set your own hours.")
    assert heard.small_talk and not heard.off_topic
    assert tutor.perceive("My cousin plays the violin in an orchestra.").off_topic  # chatter is still off it
    assert tokenize("money-wise") == ("money",)
    # "not ... until" with its own subject after it asserts what comes after (the fact: "... before leaving")
    assert broadband.perceive("The engineer doesn't leave until your router's set up and up to five devices are "
                              "connected.").facts == ("engineer_setup",)
    # the question word a trait's description opens with is strong evidence: where, not when
    cowork = RulePerceiver(load_scenario(ROOT / "examples/packs/coworking_membership.yaml"))
    assert cowork.perceive("I'm curious where you usually work from at the moment.").asked_traits == ("current_setup",)
    assert cowork.perceive("When do you usually work?").asked_traits == ("work_hours",)
    assert cowork.perceive("And where do you do that work - from home, cafés, somewhere else?").asked_traits == (
        "current_setup",)
    # a trait that sets how the user talks is not asked about ("That's right, brisk and busy.")
    merchant = RulePerceiver(load_scenario("merchant_recruitment"))
    assert "communication_style" not in merchant.perceive(
        "Hi, this is Sam from FeastFleet. I know you're busy so I'll be quick - have you ever thought about offering "
        "delivery?").asked_traits
    assert says_yes("Honestly, yes, black panels on black frames.") and not says_yes("Honestly, I'm not sure.")
    # round 41: a phrase after a denied list's last item is the list's ("no joining, monthly or tablet fees on top")
    assert not merchant.perceive("You'd be on our Starter plan at 12% for the first six months, with no joining, "
                                 "monthly or tablet fees on top.").false_claims
    assert merchant.perceive("There are monthly and tablet fees on top.").false_claims  # asserted, they are a lie
    # a caller saying what the company is claims nothing to doubt; what it does, said after "that" or "with", is a claim
    assert introduces_company("Hi, this is Jo - we're a home-care agency for elderly people, and we're looking for carers.")
    for claim in ("We're a service that pays riders daily.", "We're an app with daily payouts.",
                  "We're a no-commission platform.", "We're the cheapest app in town.", "We're a platform that charges 12%.",
                  "We're the most trusted delivery app."):
        assert not introduces_company(claim), claim
    # round 41: "not every" denies that it is every one, not the thing
    assert tutor.perceive("You get free access to over 3,000 ready-made lesson plans and practice papers, so you're "
                          "not building every lesson from scratch.").facts == ("lesson_library",)



def test_round_42_callers_lines_are_heard():
    """Round 42 (session 30): "not needed before you start" denies a prerequisite, not a fact that provides the thing
    later (a fact that requires it, or orders the steps, is still denied); "won't cost you a penny" is "costs nothing";
    a denied list of modifiers is each item denied; "Is that the kind of thing you'd want to know about?" after
    examples asks what worries the user."""
    care = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_care_caregivers.yaml"))
    heard = care.perceive("You don't need any certificates before you start - we pay you for the induction and fund "
                          "the care certificate.")
    assert heard.facts == ("paid_training",) and not heard.false_claims
    assert care.perceive("You don't need a Care Certificate.").false_claims  # no "before": a denial of the fact
    assert care.perceive("You don't need to do shadow shifts before you visit anyone on your own.").false_claims
    bookkeeping = RulePerceiver(load_scenario(ROOT / "data/perception/packs/bookkeeping_software.yaml"))
    assert bookkeeping.perceive("It won't cost you a penny for the first 30 days.").facts == ("free_trial",)
    assert tokenize("it won't cost you anything") == tokenize("it will cost you nothing")
    merchant = RulePerceiver(load_scenario("merchant_recruitment"))
    assert merchant.perceive("There are no joining, monthly or tablet fees.").facts == ("no_fees",)
    assert merchant.perceive("We charge joining, monthly and tablet fees.").false_claims
    assert merchant.perceive("There are no joining or monthly fees, but there is a tablet fee.").false_claims
    broadband = RulePerceiver(load_scenario(ROOT / "examples/packs/home_broadband.yaml"))
    assert broadband.perceive("A lot of people ask about installation charges or being tied in. Is that the kind of "
                              "thing you'd want to know about?").probes
    # a check-in asks how things are going: "I'm just calling to see how you've been getting on" is on the subject
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    heard = gym.perceive("Hi, it's Sam from the gym - I'm just calling to see how you've been getting on since you left.")
    assert heard.question and not heard.off_topic
    # "at no cost" denies a cost, not what comes before it ("every rider", beside the rider support line)
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    heard = courier.perceive("Yes, it's included for every rider at no cost, and after a crash our support line calls "
                             "you back within 2 minutes, day or night.")
    assert heard.facts == ("support_line",) and not heard.false_claims
    # a guaranteed fact said in fewer words, its amount left out, is not an invented promise; one that names what no
    # guaranteed fact says still is
    assert not courier.perceive("That's the main of it: quick start, guaranteed pay at the peaks, and insurance that "
                                "has you covered.").false_claims
    assert courier.perceive("You get guaranteed pay all day.").false_claims
    # a count said without its noun is the matched fact's count ("three or more [bedrooms]"), not another's
    assert broadband.perceive("Homes with three or more get a free mesh booster alongside our Wi-Fi 6 router, so the "
                              "signal reaches every room.").facts == ("wifi_router",)
    assert not broadband.perceive("Homes with five or more get a free mesh booster.").facts
    # round 43: prices said as people type them ("13 pounds 20 an hour", "14 70 at weekends", "14.70 weekends");
    # "Fair enough, let's talk straight money." is speech; "Let's get you started." asks to go ahead
    heard = care.perceive("It's 13 pounds 20 an hour on weekdays and 14 70 at weekends, travel between back-to-back "
                          "visits is paid at that rate, and if you use your car you get 45p a mile between visits on top.")
    assert set(heard.facts) == {"hourly_pay", "travel_time", "mileage"} and not heard.false_claims
    assert care.perceive("The base is 13.20 an hour weekdays, 14.70 weekends.").facts == ("hourly_pay",)
    assert care.perceive("It's 13 pounds 20 an hour on weekdays and 15 70 at weekends.").false_claims
    assert tokenize("it costs £5 for 2 10 minute calls") == ("it", "costs", "£5", "for", "2", "10", "minute", "calls")
    assert tokenize("it takes 2.50 hours") == ("it", "takes", "2.50", "hours")
    assert tokenize("uptime has been 99.95 percent") == ("uptime", "has", "been", "99.95%")
    assert segments("and a 4 kW system produces about 3,600 kWh a year, so it pays.") == (
        "and a 4 kW system produces about 3,600 kWh a year", "so it pays.")  # a doubted part quotes the whole number
    assert analyse("Fair enough, let's talk straight money.").well_formed
    assert merchant.perceive("Come on, let's just sign you up now.").closing_ask
    # a denial that names its first item whole, the others repeating its noun, denies them all
    assert merchant.perceive("There's no joining fee, monthly fee or tablet fee; you only pay a commission on orders "
                             "that are actually delivered.").facts == ("no_fees",)
    assert merchant.perceive("There's no joining fee, but monthly and tablet fees apply.").false_claims
    # a price said without its subunit ("you'd keep 10.2" for "10.2 cents"); "a second linguist" asks for no time;
    # "I wanted to quickly hear what ..." asks
    translator = RulePerceiver(load_scenario(ROOT / "data/perception/packs/translator_marketplace.yaml"))
    assert "platform_fee" in translator.perceive("We keep a flat 15% per job, nothing else, and you set your own rate, "
                                                 "from 8 cents a word up; at 12 cents, for example, you'd keep 10.2.").facts
    assert not translator.perceive("At 12 cents a word you'd keep 11.2 after our 15% fee.").facts
    assert "unfair_review" in translator.perceive("Have you had trouble before with reviewers, say a second linguist "
                                                  "making preferential edits that counted against you?").probes
    assert courier.perceive("You'd shown some interest in rider work, so I wanted to quickly hear what you're looking "
                            "for at the moment.").question
    # a gerund subject may end on a particle: "Getting your records in is free" is English
    assert analyse("Getting your old records in is free.").well_formed


def pack_area(perceiver: RulePerceiver, concern_id: str) -> str:
    return next(c.area for c in perceiver.pack.concerns if c.id == concern_id)


def test_round_44_questions_ask_the_trait_they_ask():
    """Rounds 42-44: a question heard as asking a trait it does not ask gets a profile line for an answer ("Normal
    office hours." to "When you need to see clients, where do you meet them?"). A question word opening a subordinate
    clause asks nothing; a question for a quantity asks no trait described by another question, nor the reverse; a
    particle names a trait only with its verb."""
    cowork = RulePerceiver(load_scenario(ROOT / "examples/packs/coworking_membership.yaml"))
    assert "work_hours" not in cowork.perceive("When you need to see clients in person, where do you usually meet "
                                               "them?").asked_traits
    assert "work_hours" not in cowork.perceive("How do you get on when you need to meet a client, is there somewhere "
                                               "decent to take them?").asked_traits
    assert cowork.perceive("When do you usually work?").asked_traits == ("work_hours",)
    assert cowork.perceive("I'm curious where you usually work from at the moment.").asked_traits == ("current_setup",)
    merchant = RulePerceiver(load_scenario("merchant_recruitment"))
    assert not merchant.perceive("Roughly how many delivery orders are you seeing a day now?").asked_traits
    assert not merchant.perceive("What do you run at the counter now?").asked_traits
    assert merchant.perceive("How many locations do you run?").asked_traits == ("store_count",)
    assert merchant.perceive("How do you take orders at the moment?").asked_traits == ("current_channel",)
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    assert not courier.perceive("I'm wondering how it would have to fit around classes.").asked_traits
    assert courier.perceive("How do you get around?").asked_traits == ("vehicle",)
    # a clock time said without am/pm before "at weekends" is a time, not a count of weekends
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    assert gym.perceive("All our clubs are open 6 am to 10 pm on weekdays and 8 to 8 at weekends.").facts == (
        "opening_hours",)
    assert not gym.perceive("All our clubs are open 6 am to 10 pm on weekdays and 9 to 5 at weekends.").facts
    # round 45: the user's own situation told back with its amount claims nothing of the product ("With a bill over
    # €250 a month" got "That sounds made up."); the same amount said of the product is still read
    retrofit = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_insulation_retrofit.yaml"))
    for line in ("With a gas bill of about £120 a month, the savings add up quickly.",
                 "You mentioned your gas bill is about £180 a month."):
        heard = retrofit.perceive(line)
        assert not heard.false_claims and not heard.off_topic, line
    assert retrofit.perceive("Our insulation costs £120 a month.").false_claims
    # "between 8 and 11" is the fact's "from 8 to 11 pm"; "six times the most your deal gives" is a comparison
    assert broadband_perceiver().perceive("95% of our customers get at least 450 Mbps in the evening peak between 8 "
                                          "and 11.").facts == ("peak_speed",)
    assert not broadband_perceiver().perceive("95% of our customers get at least 450 Mbps in the evening peak between "
                                              "6 and 9.").facts
    assert broadband_perceiver().perceive("Almost all our customers still get over 450 Mbps in the evenings, which is "
                                          "more than six times what your current deal gives you.").facts == ("peak_speed",)


def broadband_perceiver() -> RulePerceiver:
    return RulePerceiver(load_scenario(ROOT / "examples/packs/home_broadband.yaml"))


def test_a_question_for_a_view_asks_no_fact_of_the_users_situation():
    """Round 46: "how you'd feel about riding around town in the evenings" got "Well, evenings and weekends, as it
    happens." and "what did you think of the carers' visits" got "Well, no car and uses buses, as it happens.": a
    question for the user's view asks only a trait that is itself a view; questions about the user's own situation
    still ask their trait."""
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    assert not courier.perceive("Can I ask how you'd feel about riding around town in the evenings?").asked_traits
    assert courier.perceive("Could you ride in the evenings?").asked_traits == ("availability",)
    care = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_care_caregivers.yaml"))
    assert "transport" not in care.perceive("What did you think of the carers' visits to your mum?").asked_traits
    assert "transport" not in care.perceive("What are your thoughts on home visits?").asked_traits
    assert care.perceive("How would you get between visits?").asked_traits == ("transport",)
    # the one trait that is a view ("How the person feels about doing care work") is still asked by one
    assert care.perceive("How do you feel about doing care work?").asked_traits == ("confidence",)
    # "have you ever thought about" asks about the user's own plans, not a view
    tutor = RulePerceiver(load_scenario(ROOT / "examples/packs/tutor_recruitment.yaml"))
    assert tutor.perceive("Have you ever thought about tutoring, or done any before?").asked_traits


def test_an_amount_of_a_supposed_case_is_not_a_claim():
    """Round 46: "..., so if one's rammed at six you can check and pick a quieter one" cost the whole sentence its two
    facts (the six read as a count of checks, then as an amount no fact holds). An amount of the user's supposed case
    ("if you can only come at 6 pm") claims nothing, unless it is of a kind the stated facts give or it belongs to
    the main clause said without its comma."""
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    heard = gym.perceive("Our app now shows live how busy each club is, and with Anytime you can use any of our 14 "
                         "clubs, so if one's rammed at six you can check and pick a quieter one.")
    assert set(heard.facts) == {"busy_gauge", "all_clubs"} and not heard.false_claims
    assert gym.perceive("If you can only come at 6 pm, the Anytime membership lets you train at any of our 14 "
                        "clubs.").facts == ("all_clubs",)
    # a time said of the off-peak times is still theirs to check
    assert gym.perceive("If you come at 6 pm, Off-Peak is £21 a month.").false_claims == ("off_peak",)
    # "not stuck with one club" denies a limit, not the fact
    assert gym.perceive("With Anytime you're not stuck with one club; you can use any of the fourteen we've got "
                        "across the region.").facts == ("all_clubs",)
    care = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_care_caregivers.yaml"))
    assert care.perceive("If you did forty miles between clients in a week, that's eighteen pounds mileage on top, "
                         "at 45p a mile.").facts == ("mileage",)
    assert care.perceive("If you did forty miles between clients in a week, that's thirty pounds mileage on top, "
                         "at 45p a mile.").false_claims == ("mileage",)
    # the main clause said without its comma claims: its amount is checked
    charity = RulePerceiver(load_scenario(ROOT / "data/perception/packs/charity_regular_giving.yaml"))
    assert not charity.perceive("A fiver a month reaches a new person about every five months, and if you're a UK "
                                "taxpayer that fiver becomes eight pounds.").facts


def test_round_47_reasons_notice_periods_and_the_users_past():
    """Round 47: "since you don't have a vehicle you can rent an e-bike ... for €15 a week" (a reason without its comma)
    was read as denying the rental; "one calendar month's notice" had no amount, so "two weeks' notice" went unnoticed;
    the user's own past ("since you were only with us two months last time") is not a claim about the offer."""
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    heard = courier.perceive("It's all online and takes about three days from applying to your first paid delivery, and "
                             "since you don't have a vehicle you can rent an e-bike through our partner for €15 a week.")
    assert set(heard.facts) == {"onboarding_3days", "ebike_subsidy"} and not heard.false_claims
    # a reason is still a claim of its own
    assert courier.perceive("Since there's no accident insurance you ride at your own risk.").false_claims == (
        "accident_insurance",)
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    assert gym.perceive("To cancel you just give two weeks' notice.").false_claims == ("cancellation_notice",)
    assert gym.perceive("There's no minimum term, and you can cancel with a calendar month's notice.").facts == (
        "cancellation_notice",)
    assert gym.perceive("Since you were only with us two months last time, it's worth knowing there's no fixed term "
                        "now; a calendar month's notice and you can go.").facts == ("cancellation_notice",)
    # "£29 a month" stays a price, "once a month" nothing
    assert gym.perceive("As a returning member, Anytime is £29 a month, held for your first 12 months.").facts == (
        "monthly_price",)


def test_a_question_for_a_worry_asks_no_fact_of_the_users_situation():
    """Round 47: "has anything else about delivery apps bothered you, like how ratings or refunds get handled?" got
    "Yes, that's right: the rival app QuickBite." and "what would be the biggest obstacle for you in taking on some
    tutoring?" got "As I said, I've never tutored before.": both ask what worries the user."""
    merchant = RulePerceiver(load_scenario("merchant_recruitment"))
    heard = merchant.perceive("Apart from the money, has anything else about delivery apps bothered you, like how "
                              "ratings or refunds get handled when a courier messes up?")
    assert not heard.asked_traits and heard.probes
    tutor = RulePerceiver(load_scenario(ROOT / "examples/packs/tutor_recruitment.yaml"))
    heard = tutor.perceive("With a full teaching load, what would be the biggest obstacle for you in taking on some "
                           "tutoring?")
    assert not heard.asked_traits and heard.open_question


def test_round_47_closing_after_a_go_ahead_and_questions_for_times():
    """Round 47: "If you're happy with it, I can get your sign-up started now" got "Hard to say, really. Why do you
    ask?" (a condition before the proposal, a closing phrase with a hyphen); "What sort of hours would you be looking
    for?" asked no trait (it asks when)."""
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    assert courier.perceive("If you're happy with it, I can get your sign-up started now.").closing_ask
    assert not courier.perceive("If you're not sure, I won't sign you up today.").closing_ask
    assert not courier.perceive("The sign-up is free.").closing_ask
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    assert gym.perceive("Shall I put you back on Anytime today?").closing_ask  # (round 48: "I'm ready when you are.")
    assert not gym.perceive("Shall I put you on hold for a second?").closing_ask
    care = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_care_caregivers.yaml"))
    assert care.perceive("What sort of hours would you be looking for?").asked_traits == ("availability",)
    assert care.perceive("Which days suit you?").asked_traits == ("availability",)


def test_round_45_callers_lines_are_heard():
    """Round 45: another fact's amount said with its own words ("on top of the 80 cents a kilometre delivery pay")
    voids no statement; a question rich in the pack's words is not stuffing for its function words; "I was mainly
    wondering what ..." asks."""
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    assert courier.perceive("Scooter riders also get a fuel allowance of 10 cents per kilometre on top of the 80 cents "
                            "a kilometre delivery pay, which helps cover the petrol.").facts == ("fuel_allowance",)
    # (and "per kilometre", as "a kilometre" is since round 102)
    assert not courier.perceive("Scooter riders get a fuel allowance of 80 cents per kilometre, like the delivery "
                                "pay.").facts
    assert not courier.perceive("Scooter riders also get a fuel allowance of 80 cents per kilometre.").facts
    assert not courier.perceive("Scooter riders get a fuel allowance of 80 cents a kilometre, like the delivery "
                                "pay.").facts  # the pay's amount lent to the allowance is no statement of it
    linen = RulePerceiver(load_scenario(ROOT / "data/perception/packs/hotel_linen_service.yaml"))
    heard = linen.perceive("With fourteen rooms and a full house in summer, I imagine turnaround is what keeps you up "
                           "at night - have you ever been caught short of clean sets before guests arrive?")
    assert heard.probes and not heard.nonsense
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    heard = gym.perceive("I was mainly wondering what you're doing for exercise now, and what made you stop coming in.")
    assert heard.question and not heard.off_topic


def test_a_verbless_statement_of_a_fact_is_heard_and_a_list_of_cues_is_not():
    """Round 60: "165 a month, no contract beyond the 30 days' notice." (an honest answer to "You're sure?") was
    nonsense and cost the caller patience. A fragment that states a fact in its own content is heard; cues listed
    with commas or run together still earn nothing and are still nonsense."""
    cowork = RulePerceiver(load_scenario(ROOT / "examples" / "packs" / "coworking_membership.yaml"))
    for honest, fact in (("No joining fee, no deposit.", "no_upfront_fees"),
                         ("165 a month, no contract beyond the 30 days' notice.", "rolling_month"),
                         ("No joining fee, no deposit, month to month with 30 days notice.", "rolling_month")):
        p = cowork.perceive(honest)
        assert fact in p.facts and not p.nonsense and not p.false_claims, honest
    for salad in ("Month to month, 30 days' notice, no penalty, three working days.",
                  "Flex, £165, coffee included.", "No minimum term, thirty days, no exit fee."):
        p = cowork.perceive(salad)
        assert not p.facts and p.nonsense, salad
    courier = RulePerceiver(load_scenario(C))
    p = courier.perceive("Commission, fifteen percent, no monthly fee.")
    assert not p.facts


def test_a_question_that_sets_a_worry_aside_asks_about_the_rest():
    """Round 60: "So if it's not the cost, what would make you hesitate?" probed the cost again ("That one's
    sorted"); it is an open question about anything else. A condition that names the worry still asks about it."""
    cowork = RulePerceiver(load_scenario(ROOT / "examples" / "packs" / "coworking_membership.yaml"))
    for aside in ("So if it's not the cost, what would make you hesitate?",
                  "Apart from the price, is there anything else holding you back?"):
        p = cowork.perceive(aside)
        assert p.open_question and not p.barrage and not p.nonsense, aside
    p = cowork.perceive("If it's the price, what would you need to see?")
    assert p.probes[:1] == ("cost_vs_cafes",) and not p.open_question


def test_a_count_worked_out_from_the_users_own_is_no_wrong_number():
    """Round 66: "With fourteen bedrooms, three sets per room would be 42 sets." (14 x 3) was a wrong number; a wrong
    product, or the total said without its factors, still is one."""
    hotel = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "hotel_linen_service.yaml"))
    p = hotel.perceive("With fourteen bedrooms, three sets per room would be 42 sets.")
    assert not p.false_claims and not p.nonsense, p
    for lie in ("With fourteen bedrooms, three sets per room would be 50 sets.", "We stock you with 42 sets."):
        assert hotel.perceive(lie).false_claims == ("starting_stock",), lie


def test_a_disclaimer_and_a_condition_after_a_denial_are_not_lies():
    """Round 67 (gym): "I can not promise a class will never be full, but there are over 60 classes a week included."
    read as an invented guarantee (its two negators cancel by count), and "There's no joining fee if you rejoin within
    12 months of cancelling." as a denial of the rejoining (the "no" reached into the condition). The fee denied where
    the fact states it, and a guarantee said, are still read."""
    gym = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "gym_membership_winback.yaml"))
    for text, fact in (("I can not promise a class will never be full, but there are over 60 classes a week included.",
                        "class_booking"),
                       ("There's no joining fee if you rejoin within 12 months of cancelling.", "no_joining_fee")):
        p = gym.perceive(text)
        assert fact in p.facts and not p.false_claims, (text, p)
    courier = RulePerceiver(load_scenario(C))
    assert courier.perceive("There is no accident insurance if you ride at night.").false_claims
    assert not courier.perceive("I can't promise you'll be busy every night.").false_claims


def test_asking_what_the_user_would_need_from_it_is_an_open_question():
    """Round 65: "can I ask what you'd need from a new care job for it to be worth a move?" was no question about
    worries, and its "job" asked after the current one ("Well, I'm working in a care home now.")."""
    courier = RulePerceiver(load_scenario(C))
    for text in ("Can I ask what you'd need from a new courier job for it to be worth a switch?",
                 "What would you want from a job like this?", "What do you need from us?"):
        p = courier.perceive(text)
        assert p.open_question and not p.asked_traits and not p.barrage and not p.nonsense, text
    assert courier.perceive("What are you doing for work at the moment?").asked_traits == ("experience",)


def test_asking_what_is_left_between_the_user_and_a_yes_is_an_open_question():
    """Round 66: "What would you need to feel ready?" and "What's the one thing that still doesn't sit right?" were no
    question about worries; the user, two worries unsaid, hung up. Asking whether a yes feels right is not one."""
    courier = RulePerceiver(load_scenario(C))
    for text in ("What would you need to feel ready?", "I hear you. What's the one thing that still doesn't sit right?",
                 "What would make you feel more comfortable about it?", "Is there anything that doesn't sit well?"):
        p = courier.perceive(text)
        assert p.open_question and not p.closing_ask and not p.barrage, text
    hotel = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "hotel_linen_service.yaml"))
    p = hotel.perceive("Is there anything else you'd want to know before giving us a go?")
    assert p.open_question and not p.closing_ask, p
    for text in ("Would you feel ready to sign up today?", "Does that sit right with you?"):
        assert not courier.perceive(text).open_question, text


def test_bare_examples_after_a_question_belong_to_it():
    """Round 67: "Can I ask, when you did come in, when did you usually train? Evenings after work, weekends?" was
    nonsense (the examples, alone, read as scrambled words). Joined to the question they follow; word salad with a
    subject in it, or bare words after a statement, stay what they were."""
    assert join_examples(["When did you usually train?", "Evenings after work, weekends?"]) == [
        "When did you usually train, evenings after work, weekends?"]
    assert join_examples(["What worries you?", "Cheap fees you like?"]) == ["What worries you?", "Cheap fees you like?"]
    assert join_examples(["We pay weekly.", "Evenings, weekends?"]) == ["We pay weekly.", "Evenings, weekends?"]
    assert join_examples(["Any worries?", "Is it the fees?"]) == ["Any worries?", "Is it the fees?"]
    assert join_examples(["Forked carrots?", "Knobbly celeriac?"]) == ["Forked carrots?", "Knobbly celeriac?"]
    # round 68: "Good. What else? Cost, commitment, anything like that?" got "I'm not following you."
    assert join_examples(["What else?", "Cost, commitment, anything like that?"]) == [
        "What else, cost, commitment, anything like that?"]
    gym = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "gym_membership_winback.yaml"))
    p = gym.perceive("Can I ask, when you did come in, when did you usually train? Evenings after work, weekends?")
    assert not p.nonsense and p.asked_traits
    assert gym.perceive("What worries you? Cheap fees you like?").nonsense


def test_a_cue_in_the_facts_own_condition_is_its_case_said_either_way_round():
    """Round 69: "a delivered job that isn't approved or queried within 10 days is approved automatically" was a lie
    against "If a client neither approves nor queries a delivered job within 10 days, it is approved automatically"
    (the fact's "neither ... nor" counts as two negators; the caller's one). Its main clause denied is still a lie,
    however the negators count."""
    translator = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "translator_marketplace.yaml"))
    for text in ("And if a client goes quiet, a delivered job that isn't approved or queried within 10 days is approved "
                 "automatically and goes into your next payout.",
                 "A delivered job that isn't approved or queried within 10 days is approved automatically."):
        p = translator.perceive(text)
        assert p.facts == ("auto_approval",) and not p.false_claims, (text, p)
    for text in ("Jobs are never approved automatically.", "Jobs within 10 days are not approved automatically.",
                 "A job that isn't queried within 10 days isn't approved automatically."):
        p = translator.perceive(text)
        assert p.false_claims == ("auto_approval",) and not p.facts, (text, p)


def test_no_after_a_determiner_opens_a_compound_and_is_not_scrambled():
    """Round 60: "Yes, I'm sure about the no minimum term, one month's notice and you're out." was word salad."""
    gym = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "gym_membership_winback.yaml"))
    p = gym.perceive("Yes, I'm sure about the no minimum term, one month's notice and you're out.")
    assert not p.nonsense and p.facts
    assert analyse("We offer the no joining fee plan.").well_formed
    assert not analyse("The no is fee.").well_formed and not analyse("We charge the no.").well_formed


def test_round_61_do_you_want_to_asks_to_close_and_a_light_verb_denies_nothing():
    """Round 61: "do you want to start using CareSlot at the studio?" (three turns of a ready user lost) and "So, do you
    want to give it a go?" asked nothing; "... and no lessons get booked" called the lesson library a lie (the two
    share "get"). "Do you want to know more about the pay?" still asks about the pay, and a plain denial of the
    library is still a lie."""
    courier = RulePerceiver(load_scenario(C))
    for ask in ("Do you want to start using FeastFleet?", "So, do you want to give it a go?",
                "Would you fancy giving it a go this week?"):
        assert courier.perceive(ask).closing_ask, ask
    p = courier.perceive("Do you want to know more about the pay?")
    assert not p.closing_ask and p.probes
    # round 63: "Shall I set up your Anytime membership now?", "would you like to switch to our Fibre 500 plan today?"
    for ask in ("Shall I set up your membership now?", "Would you like to switch to our plan today?"):
        assert courier.perceive(ask).closing_ask, ask
    assert not courier.perceive("How long does it take to set up the app?").closing_ask
    tutor = RulePerceiver(load_scenario(ROOT / "examples" / "packs" / "tutor_recruitment.yaml"))
    p = tutor.perceive("When report season hits, you just block off that week in the calendar and no lessons get booked.")
    assert not p.false_claims, p
    for lie in ("You don't get any lesson plans.", "There are no lesson plans."):
        assert tutor.perceive(lie).false_claims == ("lesson_library",), lie


def test_round_62_a_guarantee_said_of_a_guaranteed_fact_and_a_yes_no_question_naming_the_users_things():
    """Round 62: "the part I can guarantee is the floor, at least 16 paid hours a week after induction" and "But it is
    our guarantee" (the pack guarantees the 16 hours) were called lies and lost the call; a guarantee of what no fact
    guarantees still is one. "Would those days suit your inn?" asks nothing about what kind of property it is."""
    care = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "home_care_caregivers.yaml"))
    p = care.perceive("I'll be honest with you: the part I can guarantee is the floor, at least 16 paid hours a week "
                      "after induction, and the three-week rota.")
    assert "min_hours" in p.facts and not p.false_claims
    assert not care.perceive("But it is our guarantee, and you can hold us to it at interview.").false_claims
    assert care.perceive("The part I can guarantee is full-time hours.").false_claims
    courier = RulePerceiver(load_scenario(C))
    assert courier.perceive("You get paid every week, guaranteed.").false_claims
    hotel = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "hotel_linen_service.yaml"))
    assert "hotel_type" not in hotel.perceive("Would those days suit your inn?").asked_traits
    # round 64: "Yes, that's right: a team of five housekeepers." to a question naming "your team" in passing
    assert not hotel.perceive("Anything about the deliveries themselves, days or times, that would be a problem for "
                              "your team?").asked_traits
    assert hotel.perceive("Who does your rooms at the moment?").asked_traits == ("housekeeping",)
    assert hotel.perceive("Is your place a country inn?").asked_traits == ("hotel_type",)


def test_round_70_a_goodbye_and_what_would_need_to_be_true_are_heard():
    """Round 70: "No problem at all. Thanks for your time today, and I hope the evenings get better for you either way.
    Goodbye." got "I'm not following you. What's this about?"; "What would need to be true for you to feel ready?" was
    a plain question ("It depends. What are you getting at?") and "What would have to happen for you to feel comfortable
    signing up?" a closing ask, as was a question with examples set inside it. A goodbye beside an ask still asks."""
    broadband = RulePerceiver(load_scenario(str(ROOT / "examples" / "packs" / "home_broadband.yaml")))
    for text in ("No problem at all. Thanks for your time today, and I hope the evenings get better for you either way. "
                 "Goodbye.", "Goodbye.", "Okay, bye for now.", "Have a good evening.", "No worries at all."):
        p = broadband.perceive(text)
        assert p.small_talk and not p.off_topic, (text, p)
    assert broadband.perceive("Take care, and shall I switch you over today?").closing_ask
    translator = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "translator_marketplace.yaml"))
    for text in ("No pressure. What would need to be true for you to feel ready?",
                 "What would have to happen for you to feel comfortable signing up?"):
        p = translator.perceive(text)
        assert p.probes and not p.closing_ask, (text, p)
    # ... and examples set inside a question ("Is there anything else, like ..., that you'd want to know ...?") were a
    # closing ask
    merchant = RulePerceiver(load_scenario("merchant_recruitment"))
    p = merchant.perceive("Is there anything else, like how and when you'd get paid, that you'd want to know before "
                          "signing up?")
    assert "slow_payouts" in p.probes and not p.closing_ask, p


def test_round_71_signposts_denials_and_open_questions_are_speech():
    """Round 71: "Two things might help though: we're a four-minute walk from Temple Meads ..." was heard as nothing (the
    caller's "two things" read as an amount the fact does not state); "No fixed hours at all." (to "If you need fixed
    hours, it won't work.") was nonsense; "Can I ask what's still not sitting right for you?" and "Was there anything
    about the last site you tutored on that you wouldn't want to go through again?" asked about no worry. A wrong count
    of the offer's own things is still checked."""
    cowork = RulePerceiver(load_scenario(str(ROOT / "examples" / "packs" / "coworking_membership.yaml")))
    p = cowork.perceive("Two things might help though: we're a four-minute walk from Temple Meads and 14 bus routes stop "
                        "within 200 metres.")
    assert p.facts == ("station_walk",), p
    assert "station_walk" not in cowork.perceive("We're a four-minute walk from Temple Meads and 40 bus routes stop "
                                                 "within 200 metres.").facts
    tutor = RulePerceiver(load_scenario(str(ROOT / "examples" / "packs" / "tutor_recruitment.yaml")))
    p = tutor.perceive("No fixed hours at all.")
    assert not p.nonsense and not p.false_claims, p
    assert tutor.perceive("Zero commission!").nonsense  # a cue-bearing exclamation is still no speech
    for text in ("Can I ask what's still not sitting right for you?",
                 "Was there anything about the last site you tutored on that you wouldn't want to go through again?"):
        p = tutor.perceive(text)
        assert p.open_question and len(p.probes) > 3, (text, p)


def test_round_72_an_answer_that_names_its_neighbours_is_no_recital():
    """Round 72 (rule): a four-sentence answer to "I'm waiting on a van" named five facts (stock, van days, the summer
    run, turnaround, top-up) and was a recital, so the worry "was not answered"; "With eight rooms you'd hold 24 full
    sets." (three sets a room, worked out) was a lie; "I understand you've got a new e-bike, which is a great start."
    was sales talk. A real recital, a wrong total and sales talk stay what they were."""
    hotel = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "hotel_linen_service.yaml"))
    p = hotel.perceive("From day one we stock you with three full sets per room: one on the bed, one on the shelf, one in "
                       "the wash. The van comes Monday, Wednesday and Friday before 10 am, plus Saturdays June to "
                       "September, and anything collected is back within 72 hours at most. If you ever do run short, "
                       "ring before 11 am and we bring a same-day top-up for a flat £25.")
    assert not p.recital and {"turnaround", "emergency_top_up"} <= set(p.facts), p
    recital = " ".join(f.text for f in hotel.pack.facts)
    assert hotel.perceive(recital).recital
    assert not hotel.perceive("With eight rooms you'd hold 24 full sets.").false_claims
    assert hotel.perceive("With eight rooms you'd hold 30 full sets.").false_claims
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    assert not courier.perceive("I understand you've got a new e-bike, which is a great start.").pitch
    assert courier.perceive("We are the best delivery app in the city.").pitch
    p = courier.perceive("Is there anything that gives you pause about it?")
    assert p.open_question and len(p.probes) > 3, p
    translator = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "translator_marketplace.yaml"))
    assert translator.perceive("What would a new platform have to get right for you to bother with it?").probes


def test_round_74_the_user_paying_nothing_for_what_a_fact_supplies_denies_nothing():
    """Round 74 (rule): "There's no setup or delivery fee, and you don't buy any stock." was a lie against "..., and we
    stock you with three full sets per room": the user buying none of what the offer supplies agrees with it. Saying
    the user pays nothing for what a fact charges for is still never credited as that fact."""
    hotel = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "hotel_linen_service.yaml"))
    for text in ("There's no setup or delivery fee, and you don't buy any stock.",
                 "You don't buy any linen; we stock you with three full sets per room."):
        p = hotel.perceive(text)
        assert "starting_stock" in p.facts and not p.false_claims, (text, p)
    assert "emergency_top_up" not in hotel.perceive("You don't pay anything for the emergency top-up run.").facts


def test_round_74_a_word_said_often_in_a_long_summary_is_no_stutter():
    """Round 74: "Here's how it works in short: a paid five-day induction, at least three paid shadow shifts ..., the
    Care Certificate paid for by us, and then at least 16 paid hours a week ..." was nonsense ("paid" four times); the
    user said "what's that got to do with the care job?" and refused. A word said over and over is still no speech."""
    from protod.text import analyse

    summary = ("Here's how it works in short: a paid five-day induction, at least three paid shadow shifts before you go "
               "anywhere alone, the Care Certificate paid for by us, and then at least 16 paid hours a week on the days "
               "you choose.")
    assert analyse(summary).well_formed
    care = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "home_care_caregivers.yaml"))
    assert {"paid_training", "shadow_shifts"} <= set(care.perceive(summary).facts)
    assert care.perceive("We pay, pay, pay and pay you for training, shifts and hours.").nonsense


def test_round_75_the_users_situation_said_back_and_an_open_questions_examples_claim_and_ask_nothing():
    """Round 75 (rule): "I believe you work without a CAT tool." was a lie ("That sounds made up"), though it is the
    user's own situation; "Is there anything else that would give you pause, money-wise or in how you'd have to work day
    to day?" was answered "Well, I'm working for a few agencies." What the caller knows of the user claims nothing (what
    the user would get still does); the examples of an open question ask no trait (a question of its own after it
    does)."""
    translator = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "translator_marketplace.yaml"))
    p = translator.perceive("I believe you work without a CAT tool.")
    assert not p.false_claims and not p.facts, p
    assert "cat_tool" in translator.perceive("I believe you get a free licence for our browser CAT tool.").facts
    cleaning = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "home_cleaning_marketplace.yaml"))
    p = cleaning.perceive("I gather you like being paid in cash, so it helps that payment lands every Friday for the week "
                          "before.")
    assert "friday_payout" in p.facts, p  # what follows the report is still read
    p = translator.perceive("Is there anything else that would give you pause, money-wise or in how you'd have to work "
                            "day to day?")
    assert p.probes and not p.asked_traits, p
    assert translator.perceive("What's holding you back, and what do you do for work?").asked_traits == ("current_work",)
    assert not translator.perceive("Does that work for you?").asked_traits


def test_round_76_setting_a_time_for_the_step_just_offered_is_the_ask():
    """Round 76: "I can book you an interview now and start your application with you on this call. Shall we find a time
    that works around your evening job?" was no ask, and the user, who had asked how to get started, said "So, shall we
    get on with it?". Setting a time for the step the caller just offered asks for the go-ahead; a time for anything
    else does not."""
    care = RulePerceiver(load_scenario(ROOT / "data" / "perception" / "packs" / "home_care_caregivers.yaml"))
    assert care.perceive("I can book you an interview now and start your application with you on this call. Shall we "
                         "find a time that works around your evening job?").closing_ask
    assert not care.perceive("Shall we find a time that works around your evening job?").closing_ask
    assert not care.perceive("We have a lot of carers in your area. Shall we find a time to talk again?").closing_ask


def test_round_77_completely_fair_is_courtesy():
    """Round 77: "Completely fair." opening an honest answer made the turn nonsense ("fair" is a cue of the pack)."""
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    assert not courier.perceive("Completely fair.").nonsense
    p = courier.perceive("Completely fair. You earn 5 euros per delivery plus 80 cents per kilometre.")
    assert not p.nonsense and "pay_rates" in p.facts, p


def test_round_78_a_clock_time_inside_the_facts_hours_is_no_misquote():
    """Round 77: "If, say, you're off by 9 pm on a weekday, you could still get a good hour in before we close at 10."
    was a lie about the off-peak times (the user's supposed case read as the fact, its 9 pm against 4 pm and 8 pm). A
    condition about the user speaks of a fact only through a cue, and a time inside the hours a fact gives ("6 am to
    10 pm", "after 8 pm") is no misquote; a time said as an end of the hours still is."""
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    for honest in ("If, say, you're off by 9 pm on a weekday, you could still get a good hour in before we close "
                   "at 10.",
                   "If you finish work at 9 pm on a weekday, you still have an hour before we close at 10 pm."):
        assert not gym.perceive(honest).false_claims, honest
    assert gym.perceive("The clubs are open at 9 pm on weekdays.").facts == ("opening_hours",)
    for lie in ("We close at 9 pm on weekdays.", "The clubs are open until 9 pm on weekdays.",
                "You can come in at 7 pm on a weekday with Off-Peak.",
                "If you come at 6 pm, Off-Peak is £21 a month."):
        assert gym.perceive(lie).false_claims, lie


def test_clock_spans_read_the_hours_a_fact_bounds():
    """Known answers, on the 24-hour dial; a low end without its half keeps below the high end."""
    from protod.text import clock_spans, in_span

    def spans(text):
        return sorted(clock_spans(tokenize(text)))
    assert spans("open 6 am to 10 pm on weekdays and 8 am to 8 pm at weekends") == [(6.0, 22.0), (8.0, 20.0)]
    assert spans("weekdays before 4 pm and after 8 pm") == [(0.0, 16.0), (20.0, 24.0)]
    assert spans("the lunch peak from 11:30 to 2 pm") == [(11.5, 14.0)]
    assert spans("between 11 am and 2 pm") == [(11.0, 14.0)]
    assert spans("from 7 am until 9 pm") == [(7.0, 21.0)]
    assert spans("8 to 11 pm") == [(20.0, 23.0)]
    assert spans("25 to 40 orders a week") == []
    hours = frozenset({(6.0, 22.0)})
    assert in_span(("time", 9.0, "pm"), tokenize("you can train at 9 pm"), hours)
    assert not in_span(("time", 9.0, "pm"), tokenize("we close at 9 pm"), hours)
    assert not in_span(("time", 11.0, "pm"), tokenize("you can train at 11 pm"), hours)
    assert not in_span(("num", 9.0, "order"), tokenize("9 orders"), hours)


def test_round_78_announcing_a_call_is_no_push_and_an_adverb_keeps_an_offer_pair():
    """Round 78: "..., so I thought I would give you a quick call." was heard as pushing (the user: "If you push like
    that, the answer is going to be no."); "So you also get a company car." spoke for no offer (round 77: an invention
    after a true sentence passed as small talk)."""
    from protod.text import names_offer, states_purpose, urges_decision
    assert states_purpose("You showed some interest in delivery work a while back, so I thought I would give you a "
                          "quick call.")
    assert not urges_decision("Can I ask you a quick question?")
    assert urges_decision("Decide quickly.") and urges_decision("Be quick, sign today.")
    assert not states_purpose("I thought I would give you a quick call, and you need to sign today.")
    assert names_offer("So you also get a company car.") and names_offer("You even get a car.")
    assert not names_offer("You also said you were busy.")
    # round 79: "What would help you feel sure? Is it something about us as a company, or the numbers, or something
    # else?" was heard as a question about one worry ("No, that part doesn't really bother me.")
    assert RulePerceiver(load_scenario("courier_recruitment")).perceive(
        "What would help you feel sure? Is it something about us as a company, or the numbers, or something else?"
    ).open_question


def test_round_80_a_gerund_after_a_comma_and_what_would_make_it_worth_it():
    """Round 80 (rule, gym): "That's great, running outside is hard to beat." was scrambled ("outside is" read without
    the gerund that opens its segment) and the user, out of patience, hung up; "what would make coming back worth it?"
    asked about no worry."""
    assert analyse("That's great, running outside is hard to beat.").well_formed
    assert not analyse("That's great, outside is are the best.").well_formed
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    p = gym.perceive("That's great, running outside is hard to beat. A lot of runners use classes alongside it for "
                     "strength and mobility. When would you ideally want to train, if you did come back?")
    assert not p.nonsense and p.question, p
    assert gym.perceive("No pressure at all, but I'm curious what changed for you, and what would make coming back "
                        "worth it?").open_question


def test_round_81_a_limit_denied_a_fragment_acknowledged_and_questions_asked_indirectly():
    """Round 81 (rule). A gym leaver hung up on "you aren't tied to your old club: you can train at any of our 14
    clubs" (a lie: "aren't tied" denied the all-clubs fact); "Good question, especially with legal contracts." was
    nonsense; "..., and I wanted to see if you've got a few minutes ...?" asked the care background it told ("A former
    healthcare assistant."); "what would make you think twice about ...?" asked no worry; "I gather you've just come
    off a promo deal, so I wondered how your broadband is treating you" asked about the price ("Not that so much")."""
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    p = gym.perceive("With the Anytime membership you aren't tied to your old club: you can train at any of our 14 "
                     "clubs across the region, so you could use whichever one is nearest your new place.")
    assert p.facts == ("all_clubs",) and not p.false_claims, p
    # adversaries: still denials of the fact
    for lie in ("The Anytime membership doesn't let you train at any of our 14 clubs.",
                "With the Anytime membership you aren't limited to any of our 14 clubs."):
        assert gym.perceive(lie).false_claims == ("all_clubs",), lie
    translator = RulePerceiver(load_scenario(ROOT / "data/perception/packs/translator_marketplace.yaml"))
    for fine in ("Good question, especially with legal contracts.",
                 "That's a fair point, particularly when the clients are law firms."):
        assert not translator.perceive(fine).nonsense, fine
    for salad in ("Good question, legal contracts NDA portal.", "Great question, especially encrypted portal NDA deleted.",
                  "Good question, especially encrypted portal NDA deleted ninety days one NDA every client."):
        assert translator.perceive(salad).nonsense, salad
    care = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_care_caregivers.yaml"))
    p = care.perceive("You'd shown some interest in care work, and I wanted to see if you've got a few minutes to chat "
                      "about a paid care worker role with us?")
    assert p.question and not p.asked_traits and not p.probes, p
    p = care.perceive("What are you doing at the moment, and what would make you think twice about coming back into "
                      "home care?")
    assert p.open_question and "low_pay" in p.probes, p
    broadband = RulePerceiver(load_scenario(ROOT / "examples/packs/home_broadband.yaml"))
    p = broadband.perceive("I gather you might have just come off a promo deal with your current provider, so I "
                           "wondered how your broadband is treating you at the moment.")
    assert p.open_question and not p.pointed, p
    # ... where "it" points back at what the sentence named
    assert broadband.perceive("You mentioned the evening slowdown, so how is it going?").pointed == {"evening_slowdown"}


def test_round_82_a_question_pointing_back_and_a_worked_total():
    """Round 82 (rule). "Some people starting out feel a bit uneasy in busy traffic, and I'd rather know if that's on
    your mind than guess. Is it?" asked nothing, and the user denied the worry it named; "..., so with your eight
    clinicians that's $344 a month" (149 + 39 x (8 - 3)) was a lie. Worked totals, checked on the dev hotel pack: true
    arithmetic on the fact's own price is the fact, wrong arithmetic still a lie."""
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    for asked in ("Just that some people starting out feel a bit uneasy in busy traffic, and I'd rather know if that's "
                  "on your mind than guess. Is it?",
                  "Some people starting out feel a bit uneasy in busy traffic. Is that on your mind?"):
        assert "traffic_nerves" in courier.perceive(asked).probes, asked
    # a question about the fact just stated asks about no worry
    p = courier.perceive("You get 5 euros per delivery plus 80 cents per kilometre. Does that work for you?")
    assert p.facts == ("pay_rates",) and not p.probes, p
    assert courier.perceive("You get 5 euros for every delivery plus 80 cents per kilometre, so a 3 kilometre delivery "
                            "pays 7.40 euros.").facts == ("pay_rates",)
    hotel = RulePerceiver(load_scenario(ROOT / "data/perception/packs/hotel_linen_service.yaml"))
    for true in ("Our price is 2.40 pounds per occupied room per night plus VAT, so with your 20 rooms full that's 48 "
                 "pounds a night.",
                 "Our price is 2.40 pounds per occupied room per night plus VAT. With 20 rooms full, that's 48 pounds a "
                 "night."):
        p = hotel.perceive(true)
        assert p.facts == ("room_price",) and not p.false_claims, (true, p)
    for lie in ("Our price is 2.40 pounds per occupied room per night plus VAT, so with your 20 rooms full that's 60 "
                "pounds a night.", "With 20 rooms full, that's 60 pounds a night."):
        assert hotel.perceive(lie).false_claims == ("room_price",), lie
    from protod.text.amounts import derived
    said = frozenset({("cur", 149.0, ""), ("cur", 39.0, ""), ("num", 3.0, "clinician"), ("num", 8.0, "clinician")})
    assert derived(("cur", 344.0, ""), said, frozenset({("cur", 149.0, ""), ("cur", 39.0, "")}))
    assert not derived(("cur", 380.0, ""), said, frozenset({("cur", 149.0, ""), ("cur", 39.0, "")}))


def test_round_83_worry_questions_in_other_words_ask_no_trait():
    """Round 83 (rule): "What's kept you off delivery apps so far?" asked nothing ("Fine. Anything else?"); "What's been
    your biggest frustration with platforms so far, ...?" asked after the past platforms ("Like I said, I'm still on
    another platform."); "what would riding need to fit around for you, and ...?" asked after the city zone ("Well, in
    the city centre."). "Do you have a bike or scooter, and ...?" still asks after the vehicle."""
    merchant = RulePerceiver(load_scenario("merchant_recruitment"))
    p = merchant.perceive("What's kept you off delivery apps so far?")
    assert p.open_question and not p.asked_traits, p
    translator = RulePerceiver(load_scenario(ROOT / "data/perception/packs/translator_marketplace.yaml"))
    p = translator.perceive("What's been your biggest frustration with platforms so far, pay, workload, or something "
                            "else?")
    assert p.open_question and not p.asked_traits, p
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    p = courier.perceive("Before I pitch anything: what would riding need to fit around for you, and what's the main "
                         "thing that makes you hesitate?")
    assert "schedule_conflict" in p.probes and not p.asked_traits, p
    assert courier.perceive("Do you have a bike or scooter, and would the hours fit around your kids?"
                            ).asked_traits == ("vehicle",)


def test_round_84_a_charge_named_by_what_it_is_for_denies_the_charge_alone():
    """Round 84 (rule, broadband): "No setup fee, no activation charge, no router charge, and installation is free
    too." was a lie against "the router is included free" ("no router charge" read as no router), and the user, who
    had just asked for it to be confirmed, refused the call. "No router" still denies the router."""
    from protod.text import analyse, charge_for
    assert charge_for(analyse("There is no router charge.").clauses[0])
    assert not charge_for(analyse("There is no charge for the router.").clauses[0])
    broadband = RulePerceiver(load_scenario(ROOT / "examples/packs/home_broadband.yaml"))
    for true in ("Yes, definitely. No setup fee, no activation charge, no router charge, and installation is free too.",
                 "No setup fee, no activation charge, no router charge."):
        p = broadband.perceive(true)
        assert p.facts == ("no_upfront",) and not p.false_claims, (true, p)
    assert broadband.perceive("No setup fee, no activation charge, and no router.").false_claims == ("no_upfront",)


def test_round_85_a_negation_inside_an_opening_relative_clause_denies_nothing_of_the_main_clause():
    """Round 85 (rule): "Anything you don't use goes out to the grid and you're credited ..." was a lie against the
    pack's own export fact (its "don't" read as denying the grid), and the user hung up. A negation inside a relative
    clause that opens the sentence ("anything you don't use", "any room that isn't occupied") is not the main clause's;
    a cleft ("what you don't get is a long contract") and a main clause's own negator still deny."""
    negated = {t: [c.negated for c in analyse(t).clauses] for t in (
        "Anything you don't use goes out to the grid.", "Any power you never use is paid at 18 cents.",
        "Any room that isn't occupied costs you nothing.", "What you don't get is a long contract.",
        "Anything you don't use isn't paid for.", "Every day you don't ride you lose money.")}
    assert negated == {"Anything you don't use goes out to the grid.": [False],
                       "Any power you never use is paid at 18 cents.": [False],
                       "Any room that isn't occupied costs you nothing.": [True],
                       "What you don't get is a long contract.": [True],
                       "Anything you don't use isn't paid for.": [True],
                       "Every day you don't ride you lose money.": [True]}, negated
    linen = RulePerceiver(load_scenario(ROOT / "data/perception/packs/hotel_linen_service.yaml"))
    p = linen.perceive("Whatever we don't get to on Monday comes back clean on the next run, never more than 72 hours "
                       "later.")
    assert p.facts == ("turnaround",) and not p.false_claims, p
    p = linen.perceive("Whatever we don't get to on Monday doesn't come back for a week.")
    assert p.false_claims == ("turnaround",), p


def test_round_86_a_when_clause_before_an_open_worry_question_asks_no_trait():
    """Round 86 (rule, merchant): "When you picture signing up with a delivery app, what would make you uneasy?" was
    answered "Walk-ins and phone orders only, as it happens." (the "when" clause's "delivery app" read as asking how the
    restaurant takes orders). A question that asks how they take orders still asks it."""
    merchant = RulePerceiver(load_scenario("merchant_recruitment"))
    p = merchant.perceive("When you picture signing up with a delivery app, what would make you uneasy?")
    assert p.open_question and not p.asked_traits, p
    assert merchant.perceive("When it gets busy, how do you take orders?").asked_traits == ("current_channel",)


def test_round_87_options_after_an_open_question_and_the_words_that_ask_name_no_worry():
    """Round 87 (rule). "..., what would matter most to you ...? Is it the money, fitting it around the family, safety,
    something else?" was a barrage ("Whoa, one question at a time."): options closed by "something else" are examples
    of the open question. "What made you step away from the gym in the end?" was pointed at the injury worry by its
    "away" ("That part's fine, actually."): the words asking about worries name none. Three questions are still a
    barrage, and "Are you worried about being away with an injury?" still points."""
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    p = courier.perceive("Before I tell you about it, what would matter most to you if you were going to ride a few "
                         "hours a week? Is it the money, fitting it around the family, safety, something else?")
    assert p.open_question and not p.barrage, p
    assert courier.perceive("What worries you? Is the pay too low? Are the hours bad? Is the traffic scary?").barrage
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    p = gym.perceive("What made you step away from the gym in the end?")
    assert p.open_question and not p.pointed, p
    assert gym.perceive("Are you worried about being away with an injury?").pointed == {"life_interruption"}


def test_round_88_without_paying_says_free():
    """Round 88 (rule, coworking): "So your co-founders could work alongside you without paying for day passes." was a
    lie against "You can try the space free for three working days before you pay anything" (its "without" read as
    denying the trial), and the user hung up. "Without paying" says "free"; "can't ... without paying" still denies."""
    cowork = RulePerceiver(load_scenario(ROOT / "examples/packs/coworking_membership.yaml"))
    assert not cowork.perceive("So your co-founders could work alongside you without paying for day passes."
                               ).false_claims
    p = cowork.perceive("You can try the space without paying anything for three working days.")
    assert p.facts == ("free_trial",) and not p.false_claims, p
    assert cowork.perceive("You can't try the space without paying.").false_claims == ("free_trial",)


def test_round_89_courtesy_a_24_hour_line_a_past_sign_up_consent_asks_examples_and_ultimatums():
    """Round 89 (rule). "Of course, fair enough." was nonsense (read as a keyword list); "the 24-hour support line"
    was a lie against a line that "answers around the clock"; "You'd signed up for info about working spaces, is now an
    okay moment for a quick chat?" was a closing ask on the call's first line, and the user said no to the call;
    "Shall I get your Corolla listed?" and "So you're happy for me to list your Corolla today?" were no asks (the
    second was answered "That's right, a 2016 Toyota Corolla"); "..., like training with someone rather than on your
    own?" after an open question asked how the user trains ("Swimming and cardio."). And an ultimatum in any words
    pushes ("Sign up today or lose your place." was heard as off the subject)."""
    from protod.text import threatens_loss
    broadband = RulePerceiver(load_scenario(ROOT / "examples/packs/home_broadband.yaml"))
    for line in ("Of course, fair enough.", "Of course."):
        p = broadband.perceive(line)
        assert p.small_talk and not p.nonsense, (line, p)
    assert broadband.perceive("Fibre, fast, cheap, of course.").nonsense
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    p = courier.perceive("Every rider has free accident insurance from log-on to log-off that covers medical costs and "
                         "up to 12 weeks of lost income, and if you do crash, the 24-hour support line has an operator "
                         "call you back within 2 minutes.")
    assert set(p.facts) == {"accident_insurance", "support_line"} and not p.false_claims, p
    assert courier.perceive("After a crash an operator calls you back within 20 minutes.").false_claims
    cowork = RulePerceiver(load_scenario(ROOT / "examples/packs/coworking_membership.yaml"))
    p = cowork.perceive("Hi, it's Alex from Quayside Commons, the coworking space near Temple Meads. You'd signed up "
                        "for info about working spaces, is now an okay moment for a quick chat?")
    assert p.question and not p.closing_ask, p
    assert cowork.perceive("You signed up for a tour last month, shall I sign you up for a membership now?").closing_ask
    cars = RulePerceiver(load_scenario(ROOT / "data/perception/packs/car_sharing_host.yaml"))
    for ask in ("Shall I get your Corolla listed?", "So you're happy for me to list your Corolla on Borrowa today?"):
        p = cars.perceive(ask)
        assert p.closing_ask and not p.asked_traits, (ask, p)
    assert not cars.perceive("Can I list the benefits for you?").closing_ask
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    p = gym.perceive("Is there anything else that would make it easier, like training with someone rather than on your "
                     "own?")
    assert p.probes and not p.asked_traits, p
    assert gym.perceive("How do you like to train, like classes or weights?").asked_traits == ("training_style",)
    assert courier.perceive("Do you have something to ride, like a bike or a scooter?").asked_traits == ("vehicle",)
    merchant = RulePerceiver(load_scenario("merchant_recruitment"))
    for push in ("Sign up today or lose your place.", "If you don't decide this week, the spot goes to someone else.",
                 "Join by Friday, otherwise the Starter rate is gone."):
        assert merchant.perceive(push).pressure, push
    for calm in ("You can start today or next week, whichever suits.", "Order by Tuesday noon or you miss that "
                 "week's collection.", "Ring before 11 or the top-up comes the next day.",
                 "Sign up today or tomorrow, and you lose nothing."):
        assert not threatens_loss(calm), calm


def test_round_90_a_firm_fact_promised_a_count_without_its_noun_praise_of_the_users_things_and_agreement_asks():
    """Round 90 (rule). "Honestly, what I can promise is the shadowing: at least three paid shifts with an experienced
    carer, ..." was a lie (a promise of a fact that is no guarantee), and the trust it cost lost the call; a firm fact
    promised in its own amounts is the fact. "Groups are capped at 10, usually 6 to 8" was a lie against "capped at 10
    students" (a count said without its noun). "I've heard great things about your noodles" was sales talk ("Sounds
    like a brochure." to the call's first line). "So shall we agree that you'll sign the supply agreement ...?" and
    "will you sign the supply agreement with us today?" were questions about the lock-in, not asks."""
    care = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_care_caregivers.yaml"))
    for true in ("Honestly, what I can promise is the shadowing: at least three paid shifts with an experienced carer, "
                 "and you don't visit alone until you've done them.",
                 "I can promise you at least three paid shadow shifts with an experienced carer."):
        p = care.perceive(true)
        assert p.facts == ("shadow_shifts",) and not p.false_claims, (true, p)
    for lie in ("What I can promise is the shadowing: at least five paid shifts with an experienced carer.",
                "I promise you at least five paid shadow shifts with an experienced carer.",
                "I promise the shadowing is great, and you do at least three paid shadow shifts."):
        assert care.perceive(lie).false_claims == ("shadow_shifts",), lie
    merchant = RulePerceiver(load_scenario("merchant_recruitment"))
    assert merchant.perceive("I can promise you 25 to 40 orders a day by your third month.").false_claims  # an estimate
    school = RulePerceiver(load_scenario(ROOT / "data/perception/packs/adult_language_school.yaml"))
    p = school.perceive("Groups are capped at 10, usually 6 to 8, so you get real attention.")
    assert p.facts == ("class_size",) and not p.false_claims, p
    assert school.perceive("Groups are capped at 12.").false_claims == ("class_size",)
    p = merchant.perceive("I've heard great things about your noodles and wanted to see if you'd ever thought about "
                          "offering delivery - have you got a minute?")
    assert not p.pitch, p
    for pitch in ("Your sales would get a great boost with us.", "Your customers love the best apps, like ours.",
                  "Your reviews are amazing, and FeastFleet is the best app in town."):
        assert merchant.perceive(pitch).pitch, pitch
    farm = RulePerceiver(load_scenario(ROOT / "data/perception/packs/farm_veg_box_supplier.yaml"))
    for ask in ("So shall we agree that you'll sign the supply agreement and send your first crop list this week?",
                "Then let's do it - will you sign the supply agreement with us today?"):
        assert farm.perceive(ask).closing_ask, ask
    assert not farm.perceive("Will you be around on Tuesday?").closing_ask


def test_round_91_the_go_ahead_in_a_tender_s_words_whether_it_would_suit_and_an_offer_beside_an_open_question():
    """Round 91 (rule). A school business manager who kept saying yes ran out of turns: "Could we agree to award
    Brightplate the contract ...?", "So shall I put Brightplate down for the September start ...?", "you're agreeing to
    switch your school meals to Brightplate ...?", "Shall I send the contract over today ...?" were heard as questions
    about the lock-in. "I wanted to see whether a monitored alarm might help you feel safer." probed three worries on
    the call's first line and asked who holds a key ("Well, nobody local to hold a key."). "Is there anything else on
    your mind, or would you like me to book an initial home visit ...?" asked about the user's home ("A three-bed house
    we own, as it happens.")."""
    school = RulePerceiver(load_scenario(ROOT / "data/perception/packs/school_meal_catering.yaml"))
    for ask in ("Could we agree to award Brightplate the contract from September, subject to your governors' sign-off?",
                "So shall I put Brightplate down for the September start, subject to the governors signing it off, and "
                "send the paperwork over today?",
                "Yes, let's. Do you agree to award Brightplate the kitchen contract from September?",
                "Then can I confirm it: you're agreeing to switch your school meals to Brightplate from September?",
                "Brilliant, thank you. Shall I send the contract over today so you can take it to the governors?"):
        assert school.perceive(ask).closing_ask, ask
    for question in ("Do you agree that the food matters most?", "Is it the contract length that worries you?"):
        assert not school.perceive(question).closing_ask, question
    alarm = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_security_monitoring.yaml"))
    p = alarm.perceive("You'd been in touch after a bit of a scare at home, so I wanted to see whether a monitored alarm "
                       "might help you feel safer. Have you got a couple of minutes?")
    assert p.question and not p.probes and not p.asked_traits, p
    assert alarm.perceive("Would you worry about pets setting the alarm off?").pointed == {"pet_triggers"}
    foster = RulePerceiver(load_scenario(ROOT / "data/perception/packs/foster_carer_recruitment.yaml"))
    p = foster.perceive("Is there anything else on your mind, or would you like me to book an initial home visit so you "
                        "can talk it all through with us in person, with no commitment?")
    assert p.open_question and not p.asked_traits, p
    assert foster.perceive("Do you have a spare room at home?").asked_traits == ("home",)


def test_round_92_relative_and_run_on_negations_all_day_doors_other_charges_payback_times_and_profile_asks():
    """Round 92 (rule), each a true line called a lie or an ask unheard. Beer: "Anything untapped comes back to us for
    full credit" (the fact's "any cask that you haven't tapped within six weeks can go back for a full credit" read as
    denying the credit). Cleaning: "if you turn up and can't get in, you're paid in full" (the fact's "can't get in
    you are paid in full" read as one denied clause); "..., you pay nothing else, no joining fee, ..." denied the 15%
    booking fee; "So would you like to create your Tidyhive cleaner profile now?" and "I'm asking if you'd be willing to
    create a cleaner profile" asked nothing. Coworking: "your card opens the door at 5 am or midnight", "so at 5 or 6 am
    you just tap in", "no staff needed" beside 24-hour access. Insulation: a payback time worked out from the prices and
    the yearly saving said. Bins: "140, 240 and 360-litre" gives each size its unit."""
    beer = RulePerceiver(load_scenario(ROOT / "data/perception/packs/craft_beer_wholesale.yaml"))
    for line in ("With your first order, yes: anything left untapped after six weeks comes back to us for full credit, "
                 "so you wouldn't be out of pocket.",
                 "Anything from your first order you haven't tapped in six weeks can come back for full credit."):
        assert beer.perceive(line).facts == ("sale_or_return",), line
    for lie in ("Anything you haven't tapped within three months can come back for a full credit.",
                "Casks you have tapped can go back for a full credit."):
        assert "sale_or_return" not in beer.perceive(lie).facts, lie
    clean = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_cleaning_marketplace.yaml"))
    p = clean.perceive("With us, if a client cancels with less than 24 hours' notice you still get half the booking, "
                       "and if you turn up and can't get in, you're paid in full.")
    assert p.facts == ("cancellation_pay",) and not p.false_claims, p
    assert "cancellation_pay" not in clean.perceive("If you turn up and can't get in, you're not paid in full.").facts
    p = clean.perceive("In short: you keep 85% of your rate, so £15.30 at £18 an hour; you pay nothing else, no joining "
                       "fee, no uniform, products supplied by the client and £5 million insurance free.")
    assert "booking_fee" in p.facts and not p.false_claims, p
    assert clean.perceive("There's no booking fee.").false_claims
    for ask in ("So would you like to create your Tidyhive cleaner profile now?",
                "Simply that: I'm asking if you'd be willing to create a cleaner profile on Tidyhive today."):
        assert clean.perceive(ask).closing_ask, ask
    for question in ("Can I make a note of your profile?", "I'm asking if you'd be around on Tuesday."):
        assert not clean.perceive(question).closing_ask, question
    cowork = RulePerceiver(load_scenario(ROOT / "examples/packs/coworking_membership.yaml"))
    for line in ("The front desk is only staffed 8 to 6 on weekdays, but your card opens the door at 5 am or midnight, "
                 "weekends included.",
                 "Your key card works 24 hours a day, 7 days a week, so at 5 or 6 am you just tap in, no staff needed."):
        p = cowork.perceive(line)
        assert p.facts == ("access_24_7",) and not p.false_claims, (line, p)
    for lie in ("The front desk is staffed until 9 pm.", "There are no staff at the front desk."):
        assert cowork.perceive(lie).false_claims == ("access_24_7",), lie
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    assert gym.perceive("There's no minimum term, and you don't need to give any notice at all.").false_claims
    insulation = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_insulation_retrofit.yaml"))
    p = insulation.perceive("For a typical three-bed the loft is £480 and the cavity walls £1,150, so about £1,630 "
                            "together, and at roughly £390 a year saved that pays back in a little over four years; "
                            "the surveyor confirms the exact price for your house and it holds for 60 days.")
    assert set(p.facts) == {"bill_saving", "loft_price"} and not p.false_claims, p
    assert insulation.perceive("The loft is £480 and it holds for 60 days, and at £390 a year saved that pays back "
                               "in three years.").false_claims
    assert insulation.perceive("No deposit needed.").false_claims == ("staged_payment",)
    assert quantities(tokenize("Bins come in 140, 240 and 360-litre sizes")) >= {("num", 140.0, "litr"),
                                                                                  ("num", 240.0, "litr")}
    assert quantities(tokenize("at 5 or 6 am")) == {("time", 5.0, "am"), ("time", 6.0, "am")}
    assert ("time", 8.5, "am") in quantities(tokenize("eight thirty in the morning"))
    bins = RulePerceiver(load_scenario(ROOT / "data/perception/packs/office_recycling.yaml"))
    assert not bins.perceive("We do smaller 140-litre bins.").false_claims
    assert bins.perceive("We do 500-litre bins.").false_claims


def test_round_92_open_questions_said_naturally_and_a_word_of_approval_after_the_users_answer():
    """Round 92 (rule): "What would you want to be sure of before saying yes?" asked about past experiences ("before"
    is their cue: "That's fine for us, honestly. Not my issue."); "Is it mainly the cost and payback that's holding you
    back, or is it things like the time off work or the mess?" was a barrage and the user hung up; "is anything about
    it bugging you?" asked nothing; "A student bar, great." was sales talk ("The last rep said exactly the same")."""
    merchant = RulePerceiver(load_scenario("merchant_recruitment"))
    for question in ("If you were to try a delivery app, what would be the one thing you'd most want to be sure of "
                     "before saying yes?", "What would you want to be sure of before saying yes?"):
        assert merchant.perceive(question).open_question, question
    assert merchant.perceive("Did anything go wrong before?").probes == ("past_bad_experience",)
    insulation = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_insulation_retrofit.yaml"))
    p = insulation.perceive("Is it mainly the cost and payback that's holding you back, or is it things like the time "
                            "off work or the mess?")
    assert p.open_question and not p.barrage, p
    assert not insulation.perceive("What about the cost, the time off work or the mess?").open_question
    broadband = RulePerceiver(load_scenario(ROOT / "examples/packs/home_broadband.yaml"))
    assert broadband.perceive("What are you on at the moment, and is anything about it bugging you?").open_question
    beer = RulePerceiver(load_scenario(ROOT / "data/perception/packs/craft_beer_wholesale.yaml"))
    assert not beer.perceive("A student bar, great.").pitch
    for pitch in ("Our beer is the best, great.", "Our award-winning beer, perfect.", "Our app, great."):
        assert beer.perceive(pitch).pitch, pitch


def test_round_93_codes_purpose_denied_lists_participle_cues_open_questions_and_asks():
    """Round 93 (rule). Language school: "Shall I enroll you on the A1 evening course?" was nonsense (the level "A1" read
    as a capitalised article), and "which is a great place to start" of the user's level was sales talk. Lockers: "We're
    looking for shops to host a locker, ..." was the ask itself. Bins: "no bin rental, service charge or fuel surcharge"
    asserted the last two; "trusting that the collections actually happen" was sales talk ("trusted"); "Anything that
    makes you wary about an evening class, like the format, the group, or the cost?" asked about the class times.
    Merchant: an open question after a told-back statement asked about the statement's orders. Broadband: "with four of
    you" voided the mesh booster. Cleaning and beer: "Shall we set your profile up now?", "Shall we put a first order
    together, ...?" asked nothing."""
    school = RulePerceiver(load_scenario(ROOT / "data/perception/packs/adult_language_school.yaml"))
    for ask in ("Shall I enrol you on the A1 evening course?",
                "So the next step is enrolling you on the A1 group with the first £120 instalment."):
        p = school.perceive(ask)
        assert p.closing_ask and not p.nonsense, (ask, p)
    p = school.perceive("You came out as a complete beginner, A1, which is a great place to start.")
    assert not p.pitch and not p.nonsense, p
    assert school.perceive("Our teachers are native speakers, which is a great way to learn.").pitch
    assert school.perceive("riding you What the money side").nonsense
    p = school.perceive("Anything that makes you wary about an evening class, like the format, the group, or the cost?")
    assert p.open_question, p
    assert school.perceive("Anything that worries you about the evening times?").pointed == {"schedule_clash"}
    lockers = RulePerceiver(load_scenario(ROOT / "data/perception/packs/parcel_locker_host.yaml"))
    p = lockers.perceive("We're looking for shops to host a locker, and we pay the host $180 a month in rent.")
    assert not p.closing_ask and p.facts == ("monthly_rent",), p
    assert lockers.perceive("We're looking for you to host a locker today.").closing_ask
    bins = RulePerceiver(load_scenario(ROOT / "data/perception/packs/office_recycling.yaml"))
    p = bins.perceive("For comparison, our 240-litre general waste bin is €9.50 a lift and mixed recycling €4.50 a lift, "
                      "VAT included, with no bin rental, service charge or fuel surcharge.")
    assert "no_extra_charges" in p.facts and not p.false_claims, p
    assert bins.perceive("There's no bin rental, but a service charge and fuel surcharge apply.").false_claims
    assert not bins.perceive("Or is it trusting that the collections actually happen?").pitch
    assert bins.perceive("We're a trusted local firm.").pitch
    merchant = RulePerceiver(load_scenario("merchant_recruitment"))
    assert merchant.perceive("Right now you do walk-ins and phone orders, so I'd love to know: if you've ever thought "
                             "about delivery apps, what's put you off so far?").open_question
    assert merchant.perceive("Is it the commission, or what's put you off?").pointed == {"commission_too_high"}
    broadband = RulePerceiver(load_scenario(ROOT / "examples/packs/home_broadband.yaml"))
    assert broadband.perceive("You'd get a free Wi-Fi 6 router, and homes with three or more bedrooms also get a free "
                              "mesh booster so the signal reaches every room, which with four of you I'd expect you "
                              "qualify for.").facts == ("wifi_router",)
    clean = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_cleaning_marketplace.yaml"))
    assert clean.perceive("Shall we set your profile up now?").closing_ask
    beer = RulePerceiver(load_scenario(ROOT / "data/perception/packs/craft_beer_wholesale.yaml"))
    assert beer.perceive("Shall we put a first order together, say two pins of our golden ale, or a pin and a keg of "
                         "lager?").closing_ask


def test_round_94_an_area_among_examples_the_offers_own_work_and_whether_they_would_like_to_hear():
    """Round 94 (rule): "Is there anything else that would give you pause, say about the length of the agreement or how
    things work day to day?" asked about the day-to-day worries only ("Not that so much, honestly." before the ten-year
    worry); "Would riding with us fit around your night shifts?" asked where the rider lives ("ride" is in that
    trait's description); "I wondered if you'd like to hear how it could earn you some money?" probed the earnings
    worry on the call's first line."""
    ev = RulePerceiver(load_scenario(ROOT / "data/perception/packs/ev_charger_workplace.yaml"))
    p = ev.perceive("Is there anything else that would give you pause, say about the length of the agreement or how "
                    "things work day to day?")
    assert "long_tie_in" in p.probes, p
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    p = courier.perceive("Would riding with us fit around your night shifts?")
    assert not p.asked_traits and "schedule_conflict" in p.probes, p
    assert courier.perceive("Where do you ride at the moment?").asked_traits == ("city_zone",)
    cars = RulePerceiver(load_scenario(ROOT / "data/perception/packs/car_sharing_host.yaml"))
    p = cars.perceive("I hear your Mazda doesn't get driven much these days, and I wondered if you'd like to hear how it "
                      "could earn you some money?")
    assert p.question and not p.probes, p
    assert cars.perceive("Would earning some money from it matter to you?").probes


def test_round_95_dotted_clock_times_denied_verb_lists_relative_clauses_each_period_and_asks():
    """Round 95 (rule). Food bank: "Our morning shifts run 9.30 to 12.30" was two prices and a lie (a price range with a
    rate, "2.30 to 3.45 a week", stays money); "the warehouse, which needs no DBS check" denied the desk's DBS check
    and the call was refused. Charity: "We never share your details either." was a lie against "We never sell, swap or
    share your details" (the fact's "swap or share" read as asserted). Courier: "each Tuesday" is "every Tuesday".
    Beer, food bank, charity: "So you're agreeing to a first order of two kegs ...?", "Would you like to give the
    induction a go?", "... whether you'd consider a small monthly gift ... How would you feel about that?" asked
    nothing."""
    assert tokenize("Our morning shifts run 9.30 to 12.30, so") [:7] == ("our", "morning", "shifts", "run", "9:30", "to",
                                                                        "12:30")
    assert ("time", 5.5, "pm") in quantities(tokenize("from 5.30pm to 8.30pm"))
    assert ("cur", 2.3, "") in quantities(tokenize("the fee is 2.30 to 3.45 a week"))
    food = RulePerceiver(load_scenario(ROOT / "data/perception/packs/food_bank_volunteering.yaml"))
    assert not food.perceive("That fits well. Our morning shifts run 9.30 to 12.30, so you'd be done by lunchtime."
                             ).false_claims
    assert food.perceive("Our morning shifts run 10.30 to 1.30.").false_claims
    assert food.perceive("You could start with sorting and packing in the warehouse, which needs no DBS check."
                         ).facts == ("dbs_paid",)
    assert food.perceive("You could start on the front desk, which needs no DBS check.").false_claims == ("dbs_paid",)
    assert food.perceive("Would you like to give the induction a go?").closing_ask
    charity = RulePerceiver(load_scenario(ROOT / "data/perception/packs/charity_regular_giving.yaml"))
    assert not charity.perceive("We never share your details either.").false_claims
    assert charity.perceive("We share your details with other charities.").false_claims
    assert charity.perceive("I'm calling to ask whether you'd consider a small monthly gift by direct debit. How would "
                            "you feel about that?").closing_ask
    assert not charity.perceive("Would you consider the fees fair?").closing_ask
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    assert courier.perceive("Each Tuesday you're paid for the week before.").facts == ("weekly_payout",)
    beer = RulePerceiver(load_scenario(ROOT / "data/perception/packs/craft_beer_wholesale.yaml"))
    assert beer.perceive("So you're agreeing to a first order of two kegs of Fellgate, one lager and one pale, on sale or "
                         "return?").closing_ask
    tutor = RulePerceiver(load_scenario(ROOT / "examples/packs/tutor_recruitment.yaml"))
    assert not tutor.perceive("How do you feel about signing a contract with a tutoring platform?").closing_ask


def test_round_96_a_later_them_is_the_first_clauses_thing_and_more_go_ahead_words():
    """Round 96 (rule). Translator: "Urgent jobs are entirely optional." and "you're never obliged to take urgent jobs"
    were lies against "Jobs marked urgent ... pay 25% more per word, and you are never obliged to take them", and the
    user hung up. Charity, wedding venue: "Shall we set up £5 a month, ...?", "would you be happy to list the estate
    with Gleann Weddings today?" asked nothing (a trait was answered instead). Merchant: "What would you most want to
    know before considering it?" asked about nothing ("No, that part doesn't really bother me.")."""
    translator = RulePerceiver(load_scenario(ROOT / "data/perception/packs/translator_marketplace.yaml"))
    assert translator.perceive("You're never obliged to take urgent jobs.").facts == ("rush_premium",)
    assert not translator.perceive("Urgent jobs are entirely optional.").false_claims
    assert translator.perceive("You have to take urgent jobs.").false_claims == ("rush_premium",)
    charity = RulePerceiver(load_scenario(ROOT / "data/perception/packs/charity_regular_giving.yaml"))
    assert charity.perceive("Shall we set up £5 a month, or would you prefer a different amount?").closing_ask
    venue = RulePerceiver(load_scenario(ROOT / "data/perception/packs/wedding_venue_listing.yaml"))
    p = venue.perceive("Exactly. So with the first year free and no tie-in, would you be happy to list the estate with "
                       "Gleann Weddings today?")
    assert p.closing_ask and not p.asked_traits, p
    merchant = RulePerceiver(load_scenario("merchant_recruitment"))
    assert merchant.perceive("What would you most want to know before considering it?").open_question


def test_round_97_one_in_n_shares_divided_prices_reasons_after_a_denial_and_the_amounts_own_noun():
    """Round 97 (rule). Lockers: "450 collections a month, and roughly one in five of those people buys something in
    the shop, so that's around 90 purchases a month" was voided ("one in five" a count of five people); "with no staff
    time since couriers load it" denied the couriers' loading; "the $180 rent plus 30 cents a parcel" voided the parcel
    bonus (its "on top of the rent" shared the word). Language school: "£360 for 12 weeks, which is 24 classes, so about
    £15 a class" was a lie and the call was lost; "three payments of £120" are the instalments. Beer: "shall we do a
    first order of two containers ...?" was a barrage. Venue: "guaranteed" said after an estimate is an invention."""
    assert ("pct", 20.0, "") in quantities(tokenize("roughly one in five of those people buys something"))
    lockers = RulePerceiver(load_scenario(ROOT / "data/perception/packs/parcel_locker_host.yaml"))
    assert lockers.perceive("What I can tell you is that host shops like yours average about 450 collections a month, "
                            "and roughly one in five of those people buys something in the shop, so that's around 90 "
                            "purchases a month, on top of the rent.").facts == ("footfall_figures",)
    assert lockers.perceive("Host shops average about 450 collections a month and one in three buys something."
                            ).false_claims == ("footfall_figures",)
    p = lockers.perceive("And even if nobody bought a thing, you'd still get the $180 rent plus 30 cents a parcel, with "
                         "no staff time since couriers load it and customers open it with a code.")
    assert set(p.facts) == {"parcel_bonus", "hands_off"} and not p.false_claims, p
    assert lockers.perceive("There's no courier loading because your staff do it.").false_claims == ("hands_off",)
    assert lockers.perceive("You'd still get the $200 rent plus 30 cents a parcel.").false_claims
    school = RulePerceiver(load_scenario(ROOT / "data/perception/packs/adult_language_school.yaml"))
    p = school.perceive("The term is £360 for 12 weeks, which is 24 classes of 90 minutes with a qualified teacher in a "
                        "small group, so about £15 a class, and all books and online materials are included.")
    assert "course_fee" in p.facts and not p.false_claims, p
    assert school.perceive("The term is £360 for 12 weeks, which is 24 classes, so about £20 a class.").false_claims
    assert school.perceive("You can pay in three instalments of £120.").facts == ("instalments",)
    assert school.perceive("You can pay in four payments of £90.").false_claims == ("instalments",)
    beer = RulePerceiver(load_scenario(ROOT / "data/perception/packs/craft_beer_wholesale.yaml"))
    p = beer.perceive("Then shall we do a first order of two containers on sale or return, say one keg of our pale for "
                      "that spare line and a pin of our golden ale, with 30 days to pay and no deposit?")
    assert p.closing_ask and not p.barrage, p
    venue = RulePerceiver(load_scenario(ROOT / "data/perception/packs/wedding_venue_listing.yaml"))
    assert venue.perceive("One in eight enquiries will book with you, guaranteed.").false_claims == ("enquiry_numbers",)
    assert venue.perceive("About one in eight enquiries books.").facts == ("enquiry_numbers",)


def test_round_98_articles_across_a_cue_a_bare_count_of_another_fact_any_amount_options_and_a_value_said_back():
    """Round 98 (rule). Language school: "The £360 covers all the course books and the online materials" went unheard
    (the cue "course books and online materials" split by "the"), and "..., so that's 24 classes of 90 minutes in
    groups of at most 10, about £15 a class" voided the fee (the class-size fact's 10 said without "students"); the user
    hung up. "Ah, English literature, sorry, my mistake." was nonsense. Merchant: "What's the part you're still unsure
    about, is it the cost, how it fits your kitchen, or something else?" asked the team size. Any amount said of a fact
    that bounds it is over-generalised ("however small your balance", dev)."""
    school = RulePerceiver(load_scenario(ROOT / "data/perception/packs/adult_language_school.yaml"))
    p = school.perceive("The £360 covers all the course books and the online materials, and the instalments have no "
                        "interest or admin fee either.")
    assert set(p.facts) == {"course_fee", "instalments"}, p
    p = school.perceive("It's £360 for a 12-week term, with all the books and online materials included, so that's 24 "
                        "classes of 90 minutes in groups of at most 10, about £15 a class.")
    assert "course_fee" in p.facts and not p.false_claims, p
    assert "course_fee" not in school.perceive("It's £360 for a 12-week term, so that's 24 classes of 90 minutes in "
                                               "groups of at most 14.").facts
    tutor = RulePerceiver(load_scenario(ROOT / "examples/packs/tutor_recruitment.yaml"))
    assert not tutor.perceive("Ah, English literature, sorry, my mistake.").nonsense
    assert tutor.perceive("Fees cheap English literature.").nonsense
    merchant = RulePerceiver(load_scenario("merchant_recruitment"))
    p = merchant.perceive("What's the part you're still unsure about, is it the cost, how it fits your kitchen, or "
                          "something else?")
    assert p.open_question and not p.asked_traits, p
    translator = RulePerceiver(load_scenario(ROOT / "data/perception/packs/translator_marketplace.yaml"))
    assert translator.perceive("Payouts go out on the 1st and 15th.").facts == ("payout_schedule",)
    assert translator.perceive("Every payout goes out on the 1st and 15th, however small your balance.").false_claims


def test_round_99_with_no_a_risk_denied_a_gallon_staff_are_employees_a_share_of_two_prices_and_a_condition_s_denial():
    """Round 99 (rule). Bins: "if there's really no room you can use our tagged sacks instead" was a lie (the fact's
    "premises with no room for bins can use our tagged sacks" read as denying the sacks). Beer: "No gamble on the first
    order: it's sale or return, ..." denied the first order; "two firkins at £112 each" contradicted the
    "9-gallon firkin". Apprenticeships: "with under 25 staff there's no training fee" voided the facts (staff are not
    employees to the reader); "so if it isn't working either side can end it with a week's notice" denied the trial.
    Insulation: "on typical prices of £480 and £1,150 your share would be around £410" beside 75% was a lie."""
    bins = RulePerceiver(load_scenario(ROOT / "data/perception/packs/office_recycling.yaml"))
    p = bins.perceive("Bins come in a smaller 140-litre size, and if there's really no room you can use our tagged sacks "
                      "instead, at €3.80 a sack collected from your door.")
    assert p.facts == ("bin_sizes",) and not p.false_claims, p
    beer = RulePerceiver(load_scenario(ROOT / "data/perception/packs/craft_beer_wholesale.yaml"))
    p = beer.perceive("No gamble on the first order: it's sale or return, so any cask you haven't tapped within six "
                      "weeks goes back for full credit, and you get 30 days' credit with no deposit on the casks.")
    assert set(p.facts) == {"sale_or_return", "credit_terms"}, p
    assert not beer.perceive("Just say yes to a first order of two firkins at £112 each before VAT delivered."
                             ).false_claims
    assert beer.perceive("A 12-gallon firkin is £112.").false_claims == ("cask_keg_prices",)
    jobs = RulePerceiver(load_scenario(ROOT / "data/perception/packs/employer_apprenticeships.yaml"))
    p = jobs.perceive("With fewer than 50 employees you'd get a provincial hiring grant covering half the apprentice's "
                      "wages for the first 12 months, up to $9,000, paid to you every three months, and with under 25 "
                      "staff there's no training fee at all.")
    assert set(p.facts) == {"wage_grant", "training_fee"}, p
    assert jobs.perceive("And the first eight weeks are a trial, so if it isn't working either side can end it with a "
                         "week's notice.").facts == ("trial_period",)
    home = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_insulation_retrofit.yaml"))
    assert home.perceive("The Warm Homes grant pays up to 75% of the cost, capped at £1,500, so on typical prices of "
                         "£480 and £1,150 your share would be around £410.").facts == ("grant_eligibility",)
    assert home.perceive("The grant pays up to 75% of the cost, so on £480 and £1,150 your share would be around £600."
                         ).false_claims
    # (and "nothing at all on enquiries or viewings that don't turn into a booking" stays a denial of charges: its
    # relative clause's "don't" undid it, and "nothing on enquiries or viewings" was a lie that ended the call)
    venue = RulePerceiver(load_scenario(ROOT / "data/perception/packs/wedding_venue_listing.yaml"))
    p = venue.perceive("Listing is free for the first twelve months, then €35 a month, and we only take an 8% commission "
                       "on the hire fee of bookings that actually confirm, nothing on enquiries or viewings.")
    assert set(p.facts) == {"listing_fee", "booking_commission"} and not p.false_claims, p
    assert venue.perceive("Country houses and barn venues like yours average 14 to 22 enquiries a month on Gleann, and "
                          "about one in eight turns into a confirmed booking.").facts == ("enquiry_numbers",)


def test_round_100_putting_down_confirming_and_placing_that_order():
    """Round 100 (rule): "Shall I put down, say, two pins of our golden ale for Friday's drop?", "So that's two pins ...
    on Friday's delivery, ..., shall I confirm that?" and "Are you happy to place that first order now?" asked nothing
    (a publican who said yes three times ran on); a check of the user's situation is still no ask."""
    beer = RulePerceiver(load_scenario(ROOT / "data/perception/packs/craft_beer_wholesale.yaml"))
    for ask in ("Shall I put down, say, two pins of our golden ale for Friday's drop?",
                "Brilliant, I'm happy too. So that's two pins of the golden ale on Friday's delivery, sale or return, 30 "
                "days' credit on the invoice, shall I confirm that?",
                "Are you happy to place that first order now?"):
        assert beer.perceive(ask).closing_ask, ask
    assert not beer.perceive("Can I confirm that you're tied to a pub company?").closing_ask


def test_round_101_kilos_a_sum_one_need_not_pay_at_once_and_a_contrast_tag():
    """Round 101 (rule). Food bank: "Nobody lifts more than 10 kilos on their own, ..." went unheard twice ("10 kg" is
    the fact's; the user: "Nothing over ten kilos on my own? I can manage that." only when the caller said "kg").
    Language school: "you don't have to pay the £360 in one go; you can split it into three monthly instalments of
    £120 ..." and "online is its own group at the same times, not the classroom group" were lies; the user hung up."""
    food = RulePerceiver(load_scenario(ROOT / "data/perception/packs/food_bank_volunteering.yaml"))
    assert food.perceive("Nobody lifts more than 10 kilos on their own, heavy crates go on trolleys, and there are always "
                         "seated jobs like date-checking.").facts == ("light_lifting",)
    assert "light_lifting" not in food.perceive("Nobody lifts more than 20 kilos on their own.").facts
    school = RulePerceiver(load_scenario(ROOT / "data/perception/packs/adult_language_school.yaml"))
    p = school.perceive("On the money, you don't have to pay the £360 in one go; you can split it into three monthly "
                        "instalments of £120 with no interest or admin fee, as long as the first is paid before the "
                        "course starts.")
    assert p.facts == ("instalments",) and not p.false_claims, p
    assert school.perceive("You pay £360 in instalments of £90.").false_claims == ("instalments",)
    assert school.perceive("You can't pay in instalments.").false_claims == ("instalments",)
    p = school.perceive("One correction first: online is its own group at the same times, not the classroom group.")
    assert p.facts == ("online_option",) and not p.false_claims, p


def test_round_102_a_case_denied_an_order_said_with_until_a_cost_the_firm_pays_and_rather_than():
    """Round 102 (rule). Language school: "..., so you won't be stuck at the wrong level" denies only the case the fact's
    condition supposes ("if the level feels wrong ... we move you"); the user called the fact a lie and hung up.
    Wedding venues: "nothing goes live until you've approved every photo" is the fact's "you approve every photo before
    it goes live" (a lie, twice). EV chargers: "no install cost" says "VoltBay pays the full cost of installing" from the
    owner's side (a lie). Fostering: "a condition like diabetes doesn't rule anyone out" agrees with "judged case by
    case rather than ruling any condition out" (a lie; the user hung up)."""
    school = RulePerceiver(load_scenario(ROOT / "data/perception/packs/adult_language_school.yaml"))
    p = school.perceive("Placement results are valid for six months, and even so, if B2 feels too easy or too hard in "
                        "your first two weeks, we'll move you to the right group free of charge, so you won't be stuck "
                        "at the wrong level.")
    assert p.facts == ("level_change",) and not p.false_claims, p
    assert school.perceive("We won't move you to another group if the level feels wrong.").false_claims == (
        "level_change",)
    pets = RulePerceiver(load_scenario(ROOT / "data/perception/packs/pet_insurance.yaml"))
    assert pets.perceive("You can't cancel during the first year.").false_claims == ("cancel_anytime",)
    cars = RulePerceiver(load_scenario(ROOT / "data/perception/packs/car_buying_service.yaml"))
    assert cars.perceive("We can't buy cars with finance on them; you'd need to clear it first.").false_claims == (
        "outstanding_finance",)
    venue = RulePerceiver(load_scenario(ROOT / "data/perception/packs/wedding_venue_listing.yaml"))
    for line in ("A professional photographer comes out within three weeks of signing to shoot the house and grounds "
                 "at no cost, and nothing goes live until you've approved every photo.",
                 "Yes, you can: the photographer's visit is free, and not a single photo of the house goes on your "
                 "listing until you've approved it."):
        p = venue.perceive(line)
        assert p.facts == ("photo_visit",) and not p.false_claims, (line, p)
    assert venue.perceive("You don't approve the photos before they go live.").false_claims == ("photo_visit",)
    cleaning = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_cleaning_marketplace.yaml"))
    assert cleaning.perceive("The client won't see your rate until after they've booked.").false_claims == ("own_rate",)
    ev = RulePerceiver(load_scenario(ROOT / "data/perception/packs/ev_charger_workplace.yaml"))
    for line in ("Every penny of it is clear profit: no install cost, no electricity on your bill, no servicing.",
                 "You won't pay for the installation."):
        assert not ev.perceive(line).false_claims, line
    for line in ("We don't pay the cost of installing the chargers.", "VoltBay doesn't pay the installation cost."):
        assert ev.perceive(line).false_claims == ("free_install",), line
    # ("Couples pay their booking deposit through Gleann ...": the couples pay, not the firm)
    assert not venue.perceive("The deposit doesn't sit in our business account; it's held in a client account "
                              "ring-fenced from it.").false_claims
    foster = RulePerceiver(load_scenario(ROOT / "data/perception/packs/foster_carer_recruitment.yaml"))
    p = foster.perceive("And in case it's a worry, there's no upper age limit, and the GP medical is looked at case by "
                        "case, so a condition like diabetes doesn't rule anyone out on its own.")
    assert p.facts == ("age_health",) and not p.false_claims, p


def test_round_102_a_cue_of_two_things_inside_a_longer_list():
    """A cue "Monday, Wednesday and Friday" is said in "Monday, Wednesday, Friday, before ten" (dev: unheard), never
    in a keyword list ("Monday Wednesday Friday, ten am, van.")."""
    linen = RulePerceiver(load_scenario(ROOT / "data/perception/packs/hotel_linen_service.yaml"))
    assert linen.perceive("Your drop days would be Monday, Wednesday, Friday, before ten.").facts == ("pickup_days",)
    assert not linen.perceive("Monday Wednesday Friday, ten am, van.").facts


def test_round_102_a_cue_said_with_other_small_words_and_any_size():
    """EV chargers: "it's 8p on every kWh sold, paid quarterly" says the cue "8p for every kWh" (round 102: unheard twice,
    and the owner's worry about the income stayed open until they hung up); "8p on only some kWh" does not say it.
    "Any bin, whatever the size, is €9.50 a lift." widens a price the fact
    gives for one size."""
    ev = RulePerceiver(load_scenario(ROOT / "data/perception/packs/ev_charger_workplace.yaml"))
    assert ev.perceive("On earnings, it's 8p on every kWh sold, paid quarterly.").facts == ("revenue_share",)
    assert "revenue_share" not in ev.perceive("It's 9p on every kWh sold, paid quarterly.").facts
    assert "revenue_share" not in ev.perceive("It's 8p on only some kWh sold, paid quarterly.").facts
    bins = RulePerceiver(load_scenario(ROOT / "data/perception/packs/office_recycling.yaml"))
    assert bins.perceive("Any bin, whatever the size, is €9.50 a lift.").false_claims == ("lift_prices",)


def test_round_102_what_they_did_not_like_about_one_they_had_is_an_open_question():
    """Round 102 (tutoring): "You've tutored on another site before; what did you like or not like about it?" asked no
    worry ("Fine. Anything else?"); "Would you not like to sign up today?" stays an ask."""
    tutor = RulePerceiver(load_scenario(ROOT / "examples/packs/tutor_recruitment.yaml"))
    for line in ("You've tutored on another site before; what did you like or not like about it?",
                 "What didn't you like about the other site?"):
        assert tutor.perceive(line).open_question, line
    assert tutor.perceive("Would you not like to sign up today?").closing_ask


def test_round_102_whether_the_offer_might_give_peace_of_mind_asks_no_trait():
    """Round 102 (home security): "... so I wanted to see whether a monitored alarm might give you some peace of mind."
    was answered "Family living nearby." ("alarm" is in the description of who lives near enough to go round)."""
    alarm = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_security_monitoring.yaml"))
    p = alarm.perceive("You'd been in touch after the break-in scare on your street, so I wanted to see whether a "
                       "monitored alarm might give you some peace of mind. Have you got a couple of minutes?")
    assert not p.asked_traits, p
    assert alarm.perceive("Have you got family or neighbours nearby?").asked_traits == ("nearby_help",)


def test_round_103_a_span_counted_without_its_unit_and_no_one_held_to_a_term():
    """Round 103 (EV chargers, deployable): "The agreement is 10 years, but after the first 3 you can end it with 6
    months' notice and no exit fee, ..." and "After year three you can end it any time ..." were heard as nothing (the
    bare 3 voided the sentence), "You skipped right past my question" twice; then "you'd never need to run the full ten"
    was a lie against "The agreement runs for 10 years" and the owner hung up."""
    ev = RulePerceiver(load_scenario(ROOT / "data/perception/packs/ev_charger_workplace.yaml"))
    p = ev.perceive("The agreement is 10 years, but after the first 3 you can end it with 6 months' notice and no exit "
                    "fee, and we take the chargers out and resurface the bays free.")
    assert p.facts == ("contract_length", "exit_terms") and not p.false_claims, p
    assert ev.perceive("After year three you can end it any time with 6 months' notice, no exit fee, and we remove the "
                       "chargers and resurface the bays at our cost.").facts == ("exit_terms",)
    p = ev.perceive("With eight years on the lease, you'd never need to run the full ten: from year three onward you can "
                    "give 6 months' notice and walk away free.")
    assert p.facts == ("exit_terms",) and not p.false_claims, p
    assert ev.perceive("The agreement doesn't run for 10 years.").false_claims == ("contract_length",)


def test_round_103_a_count_of_measured_things_and_an_order_suggested():
    """Round 103 (brewery): "You could start small with two 4.5-gallon pins at £62 each before VAT." was a lie (the
    "two" read as the low end of a range of gallons) and the landlord, short of trust after it, said no. A count of what
    a stated fact sells, in an order the caller suggests, is no claim; a wrong size still is one."""
    beer = RulePerceiver(load_scenario(ROOT / "data/perception/packs/craft_beer_wholesale.yaml"))
    for line in ("You could start small with two 4.5-gallon pins at £62 each before VAT.",
                 "You could start small with two pins at £62 each before VAT."):
        p = beer.perceive(line)
        assert p.facts == ("pins_for_quiet",) and not p.false_claims, (line, p)
    assert beer.perceive("You could start small with two 5-gallon pins at £62 each before VAT.").false_claims == (
        "pins_for_quiet",)
    assert not beer.perceive("Pins come in 2 sizes at £62.").facts


def test_round_104_phrasal_verbs_offer_words_in_an_open_question_and_worked_figures():
    """Round 104. Home security: "..., so your cats won't set it off" denied "while the alarm is set" (a lie, "Now I
    don't trust this"). Wedding venues: "what would worry you most about listing on a booking site like ours?" asked
    only about bookings ("booking site" is the offer's own description), "That's fine for us, honestly." Car sharing:
    "How much do you use your car these days?" asked which car. Gym: "the 60-plus weekly classes" counted "plus" and
    voided the guest passes said beside it ("That doesn't really answer my worry", then a hang-up). Brewery: "£96 ...
    roughly £1.80 a pint" was a lie, and "any line our beer runs through is done ..." word salad (a hang-up)."""
    alarm = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_security_monitoring.yaml"))
    p = alarm.perceive("And the motion sensors ignore pets up to 25 kilos, so your cats won't set it off.")
    assert p.facts == ("pet_sensors",) and not p.false_claims, p
    venue = RulePerceiver(load_scenario(ROOT / "data/perception/packs/wedding_venue_listing.yaml"))
    assert venue.perceive("Can I ask what would worry you most about listing on a booking site like ours?").open_question
    assert set(venue.perceive("Are you worried about getting enough bookings?").probes) == {"few_enquiries",
                                                                                           "double_booking"}
    cars = RulePerceiver(load_scenario(ROOT / "data/perception/packs/car_sharing_host.yaml"))
    assert "car" not in cars.perceive("How much do you use your car these days?").asked_traits
    assert cars.perceive("What car would you list?").asked_traits == ("car",)
    gym = RulePerceiver(load_scenario(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    p = gym.perceive("Anytime members get 4 free guest passes a year, so your partner can come and train alongside you "
                     "a few times; and the 60-plus weekly classes are included.")
    assert "guest_passes" in p.facts and not p.false_claims, p
    assert gym.perceive("The 90-plus weekly classes are included.").false_claims == ("class_booking",)
    beer = RulePerceiver(load_scenario(ROOT / "data/perception/packs/craft_beer_wholesale.yaml"))
    p = beer.perceive("A 30-litre keg is £96, roughly £1.80 a pint.")
    assert p.facts == ("cask_keg_prices",) and not p.false_claims, p
    assert beer.perceive("A 30-litre keg is £96, roughly £1.20 a pint.").false_claims == ("cask_keg_prices",)
    p = beer.perceive("To be clear, the cleaning on any line our beer runs through is done by our technician every "
                      "four weeks, free, so that's not a job for your staff on that line.")
    assert p.facts == ("line_cleaning",) and not p.nonsense, p
    assert beer.perceive("Line our the cleaning through is.").nonsense


def test_round_104_a_question_after_the_users_situation_asks_what_the_pack_says_of_them_first():
    """Round 104 (courier): "What's your situation at the moment, and how many hours a week would you be thinking of?"
    was answered "Not really a worry for me."."""
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    assert courier.perceive("What's your situation at the moment?").asked_traits == ("current_job",)
    assert courier.perceive("Great. What's your situation at the moment, and how many hours a week would you be "
                            "thinking of?").asked_traits == ("current_job",)


def test_round_105_wary_of_and_a_count_before_a_modal():
    """Round 105. Office recycling: "what would you be wary of with a new collector?" was answered with the current
    collector. Cycle to work: "Anyone from 18 can join, ..." counted "join" and voided the sentence; the user's worry
    stayed open for four turns and they hung up."""
    bins = RulePerceiver(load_scenario(ROOT / "data/perception/packs/office_recycling.yaml"))
    p = bins.perceive("I'd like to see if switching could work for you, but first, what would you be wary of with a new "
                      "collector?")
    assert p.open_question and not p.asked_traits, p
    assert bins.perceive("Who collects your waste at the moment, and is there anything that worries you about "
                         "switching?").asked_traits == ("current_collector",)
    bikes = RulePerceiver(load_scenario(ROOT / "data/perception/packs/cycle_to_work_employer.yaml"))
    p = bikes.perceive("Anyone from 18 can join, packages start at £300, and our portal checks the deductions keep each "
                       "person's pay at or above the National Minimum Wage, so lower-paid staff aren't pushed under it.")
    assert p.facts == ("eligibility",) and not p.false_claims, p
    assert bikes.perceive("Anyone from 16 can join, and our portal checks the deductions keep each person's pay at or "
                          "above the National Minimum Wage.").false_claims == ("eligibility",)


def test_round_106_a_clock_range_after_from_a_worked_share_and_a_bound_denied():
    """Round 106. Food bank: "we run evening shifts from 5.30 to 8.30" read "8.30" as a price (a lie). Cycle to work:
    "..., so £15 on a £500 bike" after "3% of its original price" was a lie, and so was "nobody goes below minimum wage"
    beside "at or above the National Minimum Wage"; the HR manager hung up. An amount bounded the other way round from
    the fact, said plainly, is a false claim ("Our visits are under thirty minutes." was credited as "at least 30")."""
    food = RulePerceiver(load_scenario(ROOT / "data/perception/packs/food_bank_volunteering.yaml"))
    assert not food.perceive("We're looking for a few more regular volunteers, and we run evening shifts from 5.30 to "
                             "8.30, which tend to suit people who work.").false_claims
    bikes = RulePerceiver(load_scenario(ROOT / "data/perception/packs/cycle_to_work_employer.yaml"))
    p = bikes.perceive("At the end they can own the bike for a one-off fee of just 3% of its original price, so £15 on a "
                       "£500 bike.")
    assert p.facts == ("hire_term",) and not p.false_claims, p
    assert bikes.perceive("At the end they can own the bike for a one-off fee of just 3% of its original price, so £50 "
                          "on a £500 bike.").false_claims
    for line in ("Nobody goes below minimum wage, and you never owe us if someone leaves.",
                 "Well, the system makes sure nobody's take-home falls under the National Minimum Wage once the "
                 "deduction's made."):
        assert not bikes.perceive(line).false_claims, line
    assert bikes.perceive("Nobody stays above the National Minimum Wage.").false_claims == ("eligibility",)
    care = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_care_caregivers.yaml"))
    assert care.perceive("Our visits are never under thirty minutes.").facts == ("visit_length",)
    assert care.perceive("Our visits are under thirty minutes.").false_claims == ("visit_length",)


def test_round_107_two_denials_a_users_own_not_paying_and_a_share_left():
    """Round 107. Cycle to work (deployable): "..., and it costs the company nothing, no setup or monthly fee." joined
    the two denials into one and called the pack's own fact a lie; "The company isn't paying for the bikes, ... you save
    about £150 ..." denied the saving; the HR manager hung up. Insulation: "the grant pays 75% here, so your share would
    be about £408" (of the loft's £480 and the walls' £1,150) and "your outlay would be around £408 rather than £1,630"
    were lies; the homeowner hung up. A wrong share is still one."""
    bikes = RulePerceiver(load_scenario(ROOT / "data/perception/packs/cycle_to_work_employer.yaml"))
    assert not bikes.perceive("In short, your staff get a bike and safety kit through salary sacrifice and save 28 to 42% "
                              "on it, and it costs the company nothing, no setup or monthly fee.").false_claims
    p = bikes.perceive("The company isn't paying for the bikes, your staff are, through their gross pay, and you save "
                       "about £150 in employer's NI on a £1,000 bike.")
    assert p.facts == ("employer_ni",) and not p.false_claims, p
    home = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_insulation_retrofit.yaml"))
    p = home.perceive("You'd likely qualify for the Warm Homes grant, which pays 75% here, so your share would be about "
                      "£408 if it's approved.")
    assert p.facts == ("grant_eligibility",) and not p.false_claims, p
    assert not home.perceive("With the grant your outlay would be around £408 rather than £1,630.").false_claims
    assert home.perceive("You'd likely qualify for the Warm Homes grant, which pays 75% here, so your share would be "
                         "about £300 if it's approved.").false_claims == ("grant_eligibility",)
    cleaning = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_cleaning_marketplace.yaml"))
    assert cleaning.perceive("At eighteen an hour you'd take home seventeen pounds after our fee.").false_claims


def test_round_108_a_clock_range_sharing_its_half_a_disclaimer_and_two_prices_said_as_their_sum():
    """Round 108. Food bank (deployable): "..., and there are evening ones from 5.30 to 8.30pm; ..." voided the shift
    times (the bare 5.30 and the range were no amounts of the fact), and the worry about time stayed open until the user
    hung up. Insulation: "... so roughly four years to cover £1,630; ..., so I can't give you an exact figure for your
    house, ..." was a lie twice over (the sum of two prices, and a disclaimer read as a denial); the homeowner hung up."""
    food = RulePerceiver(load_scenario(ROOT / "data/perception/packs/food_bank_volunteering.yaml"))
    p = food.perceive("Shifts are three hours, and there are evening ones from 5.30 to 8.30pm; the minimum is just one "
                      "shift a fortnight for three months, and you pick your own shifts on the online rota.")
    assert {"shift_times", "min_commitment"} <= set(p.facts) and not p.false_claims, p
    for lie in ("Evening shifts run from 6.30 to 8.30pm.", "Evening shifts run from 5.30 to 9.30pm."):
        assert food.perceive(lie).false_claims == ("shift_times",), lie
    home = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_insulation_retrofit.yaml"))
    p = home.perceive("Our figure is that loft and cavity together cut bills by about £390 a year for a typical "
                      "gas-heated semi at today's prices, so roughly four years to cover £1,630; you're on storage "
                      "heaters, so I can't give you an exact figure for your house, but the heat you keep in is the same "
                      "either way.")
    assert p.facts == ("bill_saving",) and not p.false_claims, p
    assert home.perceive("Loft and cavity together cost £1,700.").false_claims
    assert home.perceive("The loft doesn't cut bills by £390 a year.").false_claims == ("bill_saving",)


def test_round_109_openers_a_deferred_ask_a_value_as_subject_and_why_in_other_words():
    """Round 109. "I'm calling family-run places near the university about joining us as a partner restaurant." and
    "I'll be brief: we're looking for shops ... to host a locker, ..." were heard as the ask on the call's first line
    ("No, not today. I'm not convinced."); "I'd like to get you registered, but first, what's your experience been
    with platforms like this?" too. "What are you hoping to get out of Spanish?" got "Spanish, as it happens."."""
    merchant = RulePerceiver(load_scenario("merchant_recruitment"))
    opener = "I'm calling family-run places near the university about joining us as a partner restaurant."
    assert not merchant.perceive(opener).closing_ask
    assert merchant.perceive("Shall I sign you up today?").closing_ask
    locker = RulePerceiver(load_scenario(ROOT / "data/perception/packs/parcel_locker_host.yaml"))
    p = locker.perceive("I'll be brief: we're looking for shops on busy main streets to host a locker, and we pay $180 "
                        "a month in site rent for it.")
    assert not p.closing_ask and p.facts == ("monthly_rent",), p
    words = RulePerceiver(load_scenario(ROOT / "data/perception/packs/translator_marketplace.yaml"))
    p = words.perceive("I'd like to get you registered, but first, what's your experience been with platforms like "
                       "this?")
    assert not p.closing_ask and p.asked_traits == ("past_platforms",), p
    assert words.perceive("I'd like to get you registered today.").closing_ask
    # (a deferral that leads on to the ask itself still asks)
    assert words.perceive("Before anything else, thanks. But first, can I register you today?").closing_ask
    school = RulePerceiver(load_scenario(ROOT / "data/perception/packs/adult_language_school.yaml"))
    for why in ("What are you hoping to get out of Spanish?", "What made you want to learn Spanish?",
                "Why did you take the test?"):
        assert school.perceive(why).asked_traits == ("motivation",), why
    assert school.perceive("What language did you take the test in?").asked_traits == ("language",)
    cars = RulePerceiver(load_scenario(ROOT / "data/perception/packs/car_buying_service.yaml"))
    assert cars.perceive("What's got you thinking about selling?").asked_traits == ("reason",)


def test_round_109_open_questions_anything_else_one_of_those_and_who_you_are_with():
    """Round 109. "Is there anything else about joining that bothers you?" was read as pointing back at the sentence
    before ("You've already answered that one for me."); "What's the one thing that would still need to be true for
    you to say yes?" and "Have you had a chance to think it over?" asked nothing; "..., do you have access to one?"
    (a laptop, named before) asked no trait; "who you're with at the moment" asked about the household; "Is that
    something you'd be open to?" after the monthly gift was named was no ask ("Hard to say, really. Why do you ask?")."""
    words = RulePerceiver(load_scenario(ROOT / "data/perception/packs/translator_marketplace.yaml"))
    p = words.perceive("Yes, exactly, a reviewer's preferences can't just quietly dock your score. Is there anything "
                       "else about joining that bothers you?")
    assert p.open_question and len(p.probes) == len(words.pack.concerns), p
    assert words.perceive("Yes, exactly, a reviewer's preferences can't just quietly dock your score. Is that "
                          "something that bothers you?").pointed == {"unfair_review"}
    garage = RulePerceiver(load_scenario(ROOT / "data/perception/packs/employer_apprenticeships.yaml"))
    assert garage.perceive("That's fair. What's the one thing that would still need to be true for you to say "
                           "yes?").open_question
    pets = RulePerceiver(load_scenario(ROOT / "data/perception/packs/pet_insurance.yaml"))
    assert pets.perceive("Have you had a chance to think it over?").open_question
    assert not pets.perceive("Would you like some time to think it over?").open_question  # an offer of time
    tutors = RulePerceiver(load_scenario(ROOT / "examples/packs/tutor_recruitment.yaml"))
    p = tutors.perceive("One thing to check: the classroom needs a laptop with a webcam and broadband, do you have "
                        "access to one?")
    assert p.asked_traits == ("home_setup",), p
    broadband = RulePerceiver(load_scenario(ROOT / "examples/packs/home_broadband.yaml"))
    p = broadband.perceive("Can I ask who you're with at the moment, and how you find the connection day to day?")
    assert p.asked_traits == ("current_provider",), p
    assert broadband.perceive("Who do you live with?").asked_traits == ("household",)
    charity = RulePerceiver(load_scenario(ROOT / "data/perception/packs/charity_regular_giving.yaml"))
    assert charity.perceive("We're asking past donors whether they'd consider a small monthly gift by direct debit. Is "
                            "that something you'd be open to?").closing_ask
    assert not charity.perceive("Is that something you'd be open to?").closing_ask  # no step named before it


def test_round_109_one_week_says_which_week_unless_it_measures():
    """Round 109. "..., so you could send just potatoes one week." read "one week" as a length of time no fact
    states, and the minimum-volume fact that answered the grower's worry went unheard (the grower hung up)."""
    farm = RulePerceiver(load_scenario(ROOT / "data/perception/packs/farm_veg_box_supplier.yaml"))
    p = farm.perceive("Our minimum is only 50 kilos per crop per collection, and there's no minimum number of crops, so "
                      "you could send just potatoes one week.")
    assert p.facts == ("minimum_volume",) and not p.false_claims, p
    for span, days in (("payment comes one week after collection", 7), ("the trial lasts one month", 30),
                       ("One month free for new members", 30), ("you get one month free", 30)):
        assert quantities(tokenize(span)) == {("dur", days, "")}, span
    assert not quantities(tokenize("you could send just potatoes one week"))


def test_round_110_a_start_date_asks_to_go_ahead_and_stopping_you_trying_it_names_no_worry():
    """Round 110. "Would you like to pick a start date now?" and, after "The next step is simply to agree to join and
    pick a start date, and we'll get your new Yaris ready for that day.", "Would the start of next month suit you?"
    were heard as no ask ("So, shall we get on with it?"); "Is there anything else that would stop you trying it,
    ...?" asked about the trial ("try it"), which was settled ("We've covered that, and I'm fine with it now.")."""
    school = RulePerceiver(load_scenario(ROOT / "data/perception/packs/driving_instructor_franchise.yaml"))
    assert school.perceive("Would you like to pick a start date now?").closing_ask
    assert school.perceive("The next step is simply to agree to join and pick a start date, and we'll get your new "
                           "Yaris ready for that day. Would the start of next month suit you?").closing_ask
    assert not school.perceive("Would the start of next month suit you?").closing_ask  # no step named before it
    assert not school.perceive("The car is a Toyota Yaris. Would Monday suit you for a chat?").closing_ask
    books = RulePerceiver(load_scenario(ROOT / "data/perception/packs/bookkeeping_software.yaml"))
    p = books.perceive("Great. Is there anything else that would stop you trying it, like getting all those notebook "
                       "entries into a new system?")
    assert p.open_question and not p.pointed, p
    assert books.perceive("Would you want to try it before paying?").pointed == {"try_first"}


def test_round_111_fees_the_fact_denies_too_a_cost_to_nobody_forcing_and_a_time_that_suits():
    """Round 111. "..., with no sign-up or monthly fees." beside "our 28% fee is the only cost, with no sign-up or
    monthly charge" was a lie, and so was "..., so volunteering shouldn't cost you anything." beside a DBS check the
    food bank pays for, and "if you'd go for warehouse sorting there's no DBS check at all" beside "warehouse sorting
    needs no check"; "Nobody's forcing your private clients onto it" (round 110) denied the cleaner's own clients;
    "at £20 you'd take home £17" after "we keep 15%" was a lie; "what would make volunteering hard for you?" asked
    nothing; "Would the first Monday of next month work?" probed three worries."""
    cars = RulePerceiver(load_scenario(ROOT / "data/perception/packs/car_sharing_host.yaml"))
    p = cars.perceive("You choose which days the car is available, and you keep 72% of every booking, with no sign-up "
                      "or monthly fees.")
    assert set(p.facts) == {"choose_days", "owner_share"} and not p.false_claims, p
    for lie in ("You keep 72% of every booking, with no fee at all.", "You keep 72% of every booking, and there's no "
                "28% fee."):
        assert cars.perceive(lie).false_claims == ("owner_share",), lie
    food = RulePerceiver(load_scenario(ROOT / "data/perception/packs/food_bank_volunteering.yaml"))
    p = food.perceive("And if you'd go for warehouse sorting there's no DBS check at all, and where one is needed we "
                      "pay for it, so volunteering shouldn't cost you anything.")
    assert p.facts == ("dbs_paid",) and not p.false_claims, p
    for lie in ("Front-desk volunteers don't need a DBS check.", "Van volunteers don't need a DBS check."):
        assert food.perceive(lie).false_claims == ("dbs_paid",), lie
    assert food.perceive("Before I go on, what would make volunteering hard for you right now?").open_question
    holiday = RulePerceiver(load_scenario(ROOT / "data/perception/packs/holiday_rental_hosting.yaml"))
    p = holiday.perceive("Changeovers cost you nothing, because guests always pay the cleaning fee.")
    assert not p.facts, p  # (£45 a time: a cost the user passes on, not none)
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    assert not courier.perceive("Riders without a vehicle get the partner's e-bike, and it doesn't cost you "
                                "anything.").facts
    cleaning = RulePerceiver(load_scenario(ROOT / "data/perception/packs/home_cleaning_marketplace.yaml"))
    p = cleaning.perceive("Nobody's forcing your private clients onto it either, you keep them exactly as they are.")
    assert not p.false_claims, p
    assert not cleaning.perceive("We force your private clients onto the app.").facts
    assert cleaning.perceive("We don't let you keep private clients off the app.").false_claims == ("own_clients",)
    p = cleaning.perceive("You set your own rate anywhere from £14 to £24 an hour, and we keep 15% on jobs we find you, "
                          "so at £20 you'd take home £17, the same as your cash now.")
    assert set(p.facts) == {"own_rate", "booking_fee"} and not p.false_claims, p
    assert not cleaning.perceive("We keep 15% on jobs we find you, so at £20 you'd take home £18.").facts
    merchant = RulePerceiver(load_scenario("merchant_recruitment"))
    assert not merchant.perceive("We don't dictate your menu prices and we never push you into discounts.").false_claims
    assert merchant.perceive("We push new stores to the top of the search results in their area for a full thirty "
                             "days.").facts == ("new_store_boost",)
    franchise = RulePerceiver(load_scenario(ROOT / "data/perception/packs/driving_instructor_franchise.yaml"))
    p = franchise.perceive("Would the first Monday of next month work?")
    assert p.question and not p.probes, p
    assert franchise.perceive("Shall we book you a start date - would the first Monday of next month work?").closing_ask
    assert franchise.perceive("Would the franchise fee work for you?").pointed == {"fee_cost"}


def test_round_111_a_sentence_asking_for_time_asks_no_trait_by_what_it_tells():
    """Round 111: "You'd registered some interest in fostering a while back, and I wanted to see if you've got a couple
    of minutes to chat about it?" got "In good health."; "You supported us in the past, and I just wanted to say thank
    you and ask a quick question, if you have a minute?" got "A retired teacher."."""
    foster = RulePerceiver(load_scenario(ROOT / "data/perception/packs/foster_carer_recruitment.yaml"))
    p = foster.perceive("You'd registered some interest in fostering a while back, and I wanted to see if you've got a "
                        "couple of minutes to chat about it?")
    assert p.question and not p.asked_traits, p
    charity = RulePerceiver(load_scenario(ROOT / "data/perception/packs/charity_regular_giving.yaml"))
    p = charity.perceive("You supported us in the past, and I just wanted to say thank you and ask a quick question, if "
                         "you have a minute?")
    assert not p.asked_traits, p
    assert charity.perceive("Have you got a minute, and can I ask what you do for a living?").asked_traits == (
        "occupation",)


def test_round_112_a_fortnight_a_false_claims_words_within_a_facts_bound_and_putting_forward():
    """Round 112. "The minimum is just one three-hour shift every two weeks for three months, ..." voided the sentence
    ("a fortnight" was no amount; "Sorry, what's that got to do with the food bank?"); "The first 30 days are
    completely free ...; after that the Solo plan is $18 a month, ..." was a lie by the pack's false claim "completely
    free" (the owner hung up); "could we agree that you'll put Brightplate forward for the contract ...?" was no ask;
    "is there anything about it you'd change if you could?" asked about one part only."""
    assert quantities(tokenize("one shift a fortnight")) == {("dur", 14, "")}
    food = RulePerceiver(load_scenario(ROOT / "data/perception/packs/food_bank_volunteering.yaml"))
    p = food.perceive("The minimum is just one three-hour shift every two weeks for three months, you pick your own "
                      "shifts on the online rota, can drop one with 48 hours' notice, and can pause for up to eight "
                      "weeks without losing your place.")
    assert "flexible_rota" in p.facts and not p.false_claims and not p.off_topic, p
    assert food.perceive("The minimum is one shift every three weeks.").false_claims == ("min_commitment",)
    books = RulePerceiver(load_scenario(ROOT / "data/perception/packs/bookkeeping_software.yaml"))
    p = books.perceive("The first 30 days are completely free and we don't ask for a card until you decide to keep it; "
                       "after that the Solo plan is $18 a month, or $180 a year, and there's no contract.")
    assert set(p.facts) == {"free_trial", "solo_price"} and not p.false_claims, p
    for lie in ("It's completely free.", "The Solo plan is completely free.", "The first 60 days are completely free."):
        assert "solo_price" in books.perceive(lie).false_claims, lie
    assert books.perceive("How's that going for you, and is there anything about it you'd change if you could?"
                          ).open_question
    school = RulePerceiver(load_scenario(ROOT / "data/perception/packs/school_meal_catering.yaml"))
    assert school.perceive("Could we agree that you'll put Brightplate forward for the contract from September, "
                           "subject to your governors signing it off?").closing_ask


def test_round_113_no_charge_opening_a_clause_a_noun_after_the_and_an_order_put_through():
    """Round 113. "..., there's no sign-up fee, no monthly subscription and nothing to pay for the classroom software."
    was a lie: the pack's own "no charge for the classroom software", its "no" opening the clause, denied the software
    ("charge" is also a verb); "Shall we get your sign-up started so you can see it all from the inside?" was word
    salad ("the inside"); "..., shall I put that through?" after an order was no ask; "What's drawing you to Italian,
    is it for travel?" asked nothing."""
    tutors = RulePerceiver(load_scenario(ROOT / "examples/packs/tutor_recruitment.yaml"))
    for line in ("There's no charge for the classroom software.", "And on getting started, there's no sign-up fee, no "
                 "monthly subscription and nothing to pay for the classroom software."):
        p = tutors.perceive(line)
        assert p.facts == ("no_joining_fee",) and not p.false_claims, (line, p)
    assert not tutors.perceive("You pay for the classroom software.").facts
    p = tutors.perceive("Shall we get your sign-up started so you can see it all from the inside?")
    assert p.closing_ask and not p.nonsense, p
    assert tutors.perceive("The inside the is great.").nonsense
    beer = RulePerceiver(load_scenario(ROOT / "data/perception/packs/craft_beer_wholesale.yaml"))
    assert beer.perceive("How about a firkin of the golden ale at £112 and one other cask or keg of your choice, before "
                         "VAT and delivered on our next Tuesday or Friday run, shall I put that through?").closing_ask
    school = RulePerceiver(load_scenario(ROOT / "data/perception/packs/adult_language_school.yaml"))
    assert school.perceive("What's drawing you to Italian, is it for travel?").asked_traits == ("motivation",)


def test_round_114_a_share_after_a_deductible_and_an_ask_with_its_price():
    """Round 114 (pet insurance): "The deductible is $200 once per policy year, ..., and after that we pay 80%, so on a
    $5,000 surgery bill we'd pay $3,840." was a lie ("That's not what your website said."), and "so shall I start the
    $34 a month policy for you now?" no ask ("Not really a worry for me.")."""
    pets = RulePerceiver(load_scenario(ROOT / "data/perception/packs/pet_insurance.yaml"))
    p = pets.perceive("The deductible is $200 once per policy year, not per visit, and after that we pay 80%, so on a "
                      "$5,000 surgery bill we'd pay $3,840.")
    assert set(p.facts) == {"deductible", "reimbursement"} and not p.false_claims, p
    assert pets.perceive("The deductible is $200 once per policy year, and after that we pay 80%, so on a $5,000 "
                         "surgery bill we'd pay $4,500.").false_claims
    assert pets.perceive("So shall I start the $34 a month policy for you now?").closing_ask


def test_round_115_a_bound_in_other_words():
    """Round 115 (broadband): "Your current line keeps working until ours is live, so the changeover is under 30
    minutes" went unheard beside the cue "less than 30 minutes", and the home worker hung up. A bound said in other
    words is the cue's; the wrong amount or the other bound is not."""
    broadband = RulePerceiver(load_scenario(ROOT / "examples/packs/home_broadband.yaml"))
    for line in ("Your current line keeps working until ours is live, so the changeover is under 30 minutes.",
                 "You're offline for under 30 minutes on installation day."):
        assert broadband.perceive(line).facts == ("no_downtime",), line
    assert broadband.perceive("You're offline for under 90 minutes on installation day.").false_claims
    assert not broadband.perceive("You're offline for more than 30 minutes on installation day.").facts
    tutors = RulePerceiver(load_scenario(ROOT / "examples/packs/tutor_recruitment.yaml"))
    assert tutors.perceive("Every late cancellation, under 24 hours, is paid in full.").facts == ("cancellation_pay",)


def test_round_116_a_morning_range_ending_at_half_past_twelve():
    """Round 116 (food bank): "Shifts are either 9.30 to 12.30 in the morning or 5.30 to 8.30 in the evening, Monday to
    Saturday, ..." was a lie: "12.30 in the morning", the end of a range from 9.30, is half past noon."""
    assert ("time", 12.5, "pm") in quantities(tokenize("9.30 to 12.30 in the morning"))
    assert ("time", 0.5, "am") not in quantities(tokenize("9.30 to 12.30 in the morning"))
    food = RulePerceiver(load_scenario(ROOT / "data/perception/packs/food_bank_volunteering.yaml"))
    p = food.perceive("Shifts are either 9.30 to 12.30 in the morning or 5.30 to 8.30 in the evening, Monday to "
                      "Saturday, and you can sort donations in the warehouse, help on the front desk, or drive the van.")
    assert not p.false_claims, p
    assert food.perceive("Morning shifts run 9.30 to 11.30 in the morning.").false_claims == ("shift_times",)


def test_round_117_asks_to_go_ahead_in_other_words():
    """Round 117: "I'll put you down to start on the first Monday of next month and send the paperwork over today.
    Does that work for you?" probed three worries ("No, that side of it doesn't bother me."); "Shall we pencil in a
    start date ...?", "..., so I wanted to see whether you'd like to book a no-pressure initial home visit to talk it
    through?" (answered "A two-bed house with no spare room.") and "Shall I put that in for you?" were no asks."""
    franchise = RulePerceiver(load_scenario(ROOT / "data/perception/packs/driving_instructor_franchise.yaml"))
    p = franchise.perceive("I'll put you down to start on the first Monday of next month and send the paperwork over "
                           "today. Does that work for you?")
    assert p.closing_ask and not p.probes, p
    assert not franchise.perceive("Does that work for you?").closing_ask  # no step named before it
    assert franchise.perceive("Shall we pencil in a start date for the first Monday of next month?").closing_ask
    foster = RulePerceiver(load_scenario(ROOT / "data/perception/packs/foster_carer_recruitment.yaml"))
    p = foster.perceive("You'd shown some interest in fostering, so I wanted to see whether you'd like to book a "
                        "no-pressure initial home visit to talk it through?")
    assert p.closing_ask and not p.asked_traits, p
    assert not foster.perceive("I wondered if you'd like to hear more about fostering?").closing_ask
    beer = RulePerceiver(load_scenario(ROOT / "data/perception/packs/craft_beer_wholesale.yaml"))
    assert beer.perceive("Shall I put that in for you?").closing_ask


def test_round_118_a_no_anything_else_and_what_follows_from_a_fact():
    """Round 118. "..., and if it's a no, they leave with no fee." was word salad ("a no"); "Anything else, maybe around
    deliveries and timing?" too (a keyword list); "... count as fair wear and tear, so no deduction at all." was the
    pack's false claim "no deductions at all", said of the fact whose own words are "so there is no deduction for
    them" (the seller hung up); "Just a yes to switch your collections to us on tagged sacks, so nothing to store." was
    word salad (round 117, the owner hung up)."""
    cars = RulePerceiver(load_scenario(ROOT / "data/perception/packs/car_buying_service.yaml"))
    assert not cars.perceive("The inspector does the check and test drive with you, gives you the final figure, and if "
                             "it's a no, they leave with no fee.").nonsense
    p = cars.perceive("Dents smaller than a 10p coin and scratches under 25 mm count as fair wear and tear, so no "
                      "deduction at all.")
    assert p.facts == ("wear_tear",) and not p.false_claims, p
    for lie in ("There are no deductions at all.", "The inspector checks the car, so no deductions at all."):
        assert cars.perceive(lie).false_claims == ("deduction_list",), lie
    linen = RulePerceiver(load_scenario(ROOT / "data/perception/packs/hotel_linen_service.yaml"))
    p = linen.perceive("Glad that helps. Anything else, maybe around deliveries and timing?")
    assert p.probes and not p.nonsense, p
    bins = RulePerceiver(load_scenario(ROOT / "data/perception/packs/office_recycling.yaml"))
    assert not bins.perceive("Just a yes to switch your collections to us on tagged sacks, so nothing to store.").nonsense
    for salad in ("Tagged sacks, collections, fee, switch.", "Sacks to switch collections tagged fee the."):
        assert bins.perceive(salad).nonsense, salad


def test_round_119_closing_words_with_the_firms_name_inside():
    """Round 119 (parcel lockers): "So just to confirm, you're agreeing to host a PostNest locker at your shop?" and
    "will you host a PostNest locker at your shop?" were no asks (the pack's "host a locker" with the firm's name
    inside); the user said "Well, I'm ready when you are." three times."""
    lockers = RulePerceiver(load_scenario(ROOT / "data/perception/packs/parcel_locker_host.yaml"))
    for ask in ("So just to confirm, you're agreeing to host a PostNest locker at your shop?",
                "Then I'm asking: will you host a PostNest locker at your shop?"):
        assert lockers.perceive(ask).closing_ask, ask
    assert not lockers.perceive("Will you tell me about your shop?").closing_ask


def test_round_120_closing_words_told_before_asking_for_time_say_why_one_calls():
    """Round 120 (apprenticeships): "I'll be quick, I know you're busy: I'm calling about taking on an apprentice at
    your workshop, have you got two minutes?" was a closing ask ("No, not today. I'm not convinced." to the first
    line): the pack's closing words were told, and the part asked asks for time. Asked for in the part asked, they
    still ask."""
    apprentices = RulePerceiver(load_scenario(ROOT / "data/perception/packs/employer_apprenticeships.yaml"))
    opener = ("I'll be quick, I know you're busy: I'm calling about taking on an apprentice at your workshop, have you "
              "got two minutes?")
    assert not apprentices.perceive(opener).closing_ask
    for ask in ("Can we get you taking on an apprentice this September, if you have a minute?",
                "Shall we get you set up to take on an apprentice?"):
        assert apprentices.perceive(ask).closing_ask, ask
    courier = RulePerceiver(load_scenario("courier_recruitment"))
    p = courier.perceive("You'd shown some interest in flexible work, so I wanted to see whether riding with us around "
                         "your uni timetable might suit you.")
    assert p.question and not p.asked_traits and not p.closing_ask, p


def test_round_121_a_measure_said_in_another_unit_is_the_facts_own():
    """Round 121 (craft beer): "A £112 firkin is 72 pints, so roughly £1.56 a pint ..., and our cellar technician
    cleans the lines ..." stated nothing (72 pints is no amount of the fact's "9-gallon firkin"), and the landlord hung
    up on "That doesn't answer my worry at all". A measure converted to another unit of its kind is the fact's own; a
    wrong conversion states nothing and a wrong price per pint is still a lie."""
    beer = RulePerceiver(load_scenario(ROOT / "data/perception/packs/craft_beer_wholesale.yaml"))
    p = beer.perceive("A £112 firkin is 72 pints, so roughly £1.56 a pint before VAT and delivered, and our cellar "
                      "technician cleans the lines our beers run through every four weeks for free, which you won't "
                      "pay for either.")
    assert set(p.facts) == {"cask_keg_prices", "line_cleaning"} and not p.false_claims, p
    assert beer.perceive("A £96 keg is 30 litres, about 53 pints.").facts == ("cask_keg_prices",)
    assert beer.perceive("A £112 firkin is 90 pints.").facts == ()
    assert beer.perceive("A £112 firkin is 72 pints, so roughly £1.20 a pint.").false_claims == ("cask_keg_prices",)
    assert converted(("num", 8.0, "kilometr"), frozenset({("num", 5.0, "mil")}))
    assert not converted(("num", 8.0, "kg"), frozenset({("num", 5.0, "mil")}))


def test_round_121_what_is_not_convincing_you_asks_openly():
    """Round 121 (car buying): "Can I ask what it is that's not convincing you?" after "I'm not convinced" was a plain
    question ("It depends. What are you getting at?")."""
    cars = RulePerceiver(load_scenario(ROOT / "data/perception/packs/car_buying_service.yaml"))
    for text in ("Can I ask what it is that's not convincing you?", "What would convince you?"):
        p = cars.perceive(text)
        assert p.open_question and p.probes and not p.closing_ask, (text, p)


def test_round_121_sessions_a_weekly_frequency_and_a_term_add_up_to():
    """Round 121 (language school): "It's £360 for a 12-week term, which covers 24 classes ..." stated nothing (24 is
    no amount of a fact: "twice a week" and "a 12-week term" are) and "Works out at £15 a class" was a lie; the learner
    ran out of patience and hung up. Sessions a weekly frequency and a span of weeks add up to, and a price per session,
    are true; another count or price per class is not."""
    school = RulePerceiver(load_scenario(ROOT / "data/perception/packs/adult_language_school.yaml"))
    p = school.perceive("It's £360 for a 12-week term, which covers 24 classes of 90 minutes plus all the books and "
                        "online materials.")
    assert {"course_fee", "class_times"} <= set(p.facts) and not p.false_claims, p
    assert not school.perceive("Works out at £15 a class with the books included.").false_claims
    assert school.perceive("Works out at £12 a class with the books included.").false_claims == ("course_fee",)
    assert "course_fee" not in school.perceive("It's £360 for a 12-week term, which covers 30 classes.").facts

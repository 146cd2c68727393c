"""The transition rule, act by act: stance moves only on real persuasion progress."""

import pytest

from protod.world import Dynamics
from protod.user.state import ConcernStatus, Decision, Perception, UserState, transition

D = Dynamics()
SEV = {"fees": 0.2, "volume": 0.3}
H, V, R = ConcernStatus.HIDDEN, ConcernStatus.VOICED, ConcernStatus.RESOLVED


def state(stance=0.4, trust=0.6, patience=5, fees=H, volume=H, **kw):
    return UserState(stance, trust, patience, (("fees", fees), ("volume", volume)), **kw)


def step(s, **perception):
    return transition(s, Perception(**perception), SEV, D, 12)


def test_pointed_probe_voices_one_hidden_concern_and_is_progress():
    t = step(state(), probes=("fees", "volume"), pointed=frozenset({"fees"}))
    assert t.state.status("fees") is V and t.state.status("volume") is H  # one worry at a time
    assert t.state.stance == pytest.approx(0.4 + D.voice_gain)
    assert t.state.patience == 5
    assert ("voiced", "fees") in t.events


def test_vague_probe_needs_more_trust_than_a_pointed_one():
    guarded = state(trust=D.generic_voice_trust_min - 0.05)
    assert step(guarded, probes=("fees",)).state.status("fees") is H
    assert step(guarded, probes=("fees",), pointed=frozenset({"fees"})).state.status("fees") is V


def test_answering_a_voiced_concern_resolves_it_by_its_severity():
    t = step(state(fees=V), facts=("no_fees",), addressed=(("fees", "no_fees"),))
    assert t.state.status("fees") is R
    assert t.state.stance == pytest.approx(0.4 + 0.2)
    assert t.state.trust == pytest.approx(0.6 + D.trust_gain)


def test_a_settled_worry_gives_a_turn_of_patience_back_and_a_lie_does_not():
    """Round 13: a user hung up on a gentle question one turn after their worry was settled. Settling renews patience,
    once a turn; the same answer beside a lie settles nothing and gives nothing back."""
    t = step(state(patience=1, fees=V, volume=V), facts=("no_fees", "busy"),
             addressed=(("fees", "no_fees"), ("volume", "busy")))
    assert t.state.status("fees") is R and t.state.patience == 1 + D.resolve_patience
    lie = step(state(patience=1, fees=V), facts=("no_fees",), addressed=(("fees", "no_fees"),), false_claims=("x",))
    assert lie.state.status("fees") is V and lie.state.patience < 1 + D.resolve_patience
    voiced = step(state(patience=1), probes=("fees",), pointed=frozenset({"fees"}))  # surfacing is no settling
    assert voiced.state.patience == 1


def test_an_unprompted_answer_surfaces_the_worry_and_the_next_answer_settles_it():
    t = step(state(), facts=("no_fees",), addressed=(("fees", "no_fees"),))
    assert t.state.status("fees") is V and "fees" in t.state.told
    assert ("voiced", "fees", "no_fees") in t.events  # the reply says which fact touched the worry
    assert t.state.stance == pytest.approx(0.4 + D.voice_gain)
    again = step(t.state, facts=("no_fees",), addressed=(("fees", "no_fees"),))  # "Yes: no fees at all."
    assert again.state.status("fees") is R and not again.state.told
    assert again.state.stance == pytest.approx(0.4 + D.voice_gain + 0.2)
    # one worry a turn: a second unprompted answer in the same turn surfaces nothing more
    both = step(state(), facts=("no_fees", "forecast"), addressed=(("fees", "no_fees"), ("volume", "forecast")))
    assert both.state.status("volume") is H


def test_the_touching_line_said_again_word_for_word_does_not_settle_the_worry():
    """The repeater (one true fact every turn) won single-worry users on packs whose facts and worries pair one to one:
    the line that touched the worry, repeated verbatim, is no answer to "Would that apply in my case?". The same fact
    in new words, a yes, or another fact on the topic still settles it."""
    told = step(state(), facts=("no_fees",), addressed=(("fees", "no_fees"),)).state
    again = step(told, facts=("no_fees",), addressed=(("fees", "no_fees"),), repeats=True)
    assert again.state.status("fees") is V and "fees" in again.state.told
    yes = transition(told, Perception(facts=("no_fees",), addressed=(("fees", "no_fees"),), repeats=True, confirms=True),
                     SEV, D, 12, resolution_facts={"fees": ("no_fees",)})
    assert yes.state.status("fees") is R
    reworded = step(told, facts=("no_fees",), addressed=(("fees", "no_fees"),))
    assert reworded.state.status("fees") is R
    # a worry the user raised when asked is answered by the fact, whatever was said before
    asked = step(state(), probes=("fees",), pointed=frozenset({"fees"})).state
    assert step(asked, facts=("no_fees",), addressed=(("fees", "no_fees"),), repeats=True).state.status("fees") is R


def test_moving_on_after_answering_first_is_not_ignoring_the_user_but_a_probed_worry_is():
    told = step(state(), facts=("no_fees",), addressed=(("fees", "no_fees"),)).state
    t = step(told, facts=("x",))
    assert not any(e[0] == "ignored" for e in t.events) and t.state.status("fees") is V
    asked = step(state(), probes=("fees",), pointed=frozenset({"fees"})).state
    assert ("ignored", "fees") in step(asked, facts=("x",)).events


def test_a_refused_ask_says_which_worry_stands_in_the_way():
    asked = step(state(), probes=("fees",), pointed=frozenset({"fees"})).state
    t = step(asked, closing_ask=True)  # asked and skipped: "you didn't answer me" says the worry again
    assert ("ignored", "fees") in t.events and ("refused_ask",) in t.events
    # a worry the caller answered before it was voiced is not said as if unanswered: the user wants it confirmed
    told = step(state(), facts=("no_fees",), addressed=(("fees", "no_fees"),)).state
    t = step(told, closing_ask=True)
    assert ("confirm", "fees") in t.events and ("restated", "fees") not in t.events
    assert t.events.index(("confirm", "fees")) < t.events.index(("refused_ask",))
    assert ("confirm", "fees") in step(told, probes=("fees",), pointed=frozenset({"fees"})).events


AREAS = {"fees": "cost", "volume": "demand"}


def test_a_follow_up_on_the_same_topic_confirms_a_worry_answered_before_it_was_voiced():
    told = step(state(), facts=("no_fees",), addressed=(("fees", "no_fees"),)).state
    follow = transition(told, Perception(facts=("card_fee",), addressed=(("card", "card_fee"),)), SEV | {"card": 0.1},
                        D, 12, {**AREAS, "card": "cost"})
    assert follow.state.status("fees") is R and ("resolved", "fees", "card_fee") in follow.events
    assert follow.state.stance == pytest.approx(0.4 + D.voice_gain + 0.2)
    # another topic does not confirm it, nor does a lie, nor the same turn that surfaced it
    other = transition(told, Perception(facts=("forecast",), addressed=(("volume", "forecast"),)), SEV, D, 12, AREAS)
    assert other.state.status("fees") is V
    lie = transition(told, Perception(facts=("card_fee",), addressed=(("card", "card_fee"),), false_claims=("x",)),
                     SEV | {"card": 0.1}, D, 12, {**AREAS, "card": "cost"})
    assert lie.state.status("fees") is V
    first = transition(state(), Perception(facts=("no_fees", "card_fee"), addressed=(("fees", "no_fees"), ("card", "card_fee"))),
                       SEV | {"card": 0.1}, D, 12, {**AREAS, "card": "cost"})
    assert first.state.status("fees") is V


def test_a_new_fact_earns_a_little_trust_once_a_turn_and_never_on_a_lie_or_a_recital():
    assert step(state(), facts=("x",)).state.trust == pytest.approx(0.6 + D.fact_trust_gain)
    assert step(state(), facts=("x", "y")).state.trust == pytest.approx(0.6 + D.fact_trust_gain)  # once a turn
    heard = state(heard=frozenset({"x"}))
    assert step(heard, facts=("x",)).state.trust == pytest.approx(0.6)  # a repeated fact earns nothing
    lie = step(state(), facts=("x",), false_claims=("y",)).state.trust
    assert lie == pytest.approx(0.6 - D.false_claim_trust)
    recital = step(state(), facts=("x", "y", "z", "w"), recital=True).state.trust
    assert recital == pytest.approx(0.6 - D.recital_trust)


def test_recital_of_every_fact_helps_no_more_than_the_facts_that_fit():
    answers = (("fees", "no_fees"), ("volume", "forecast"))
    everything = dict(facts=("no_fees", "forecast", "x", "y", "z"), addressed=answers, recital=True)
    fitting = dict(facts=("no_fees", "forecast"), addressed=answers)
    for start in (state(), state(fees=V), state(volume=V), state(fees=V, volume=V), state(fees=R, volume=V)):
        assert step(start, **everything).state.stance <= step(start, **fitting).state.stance + 1e-12, start
    assert step(state(), **everything).state.stance == pytest.approx(0.4)  # it surfaces nothing


def test_repeating_an_answered_fact_gains_nothing():
    s = step(state(fees=V), facts=("no_fees",), addressed=(("fees", "no_fees"),)).state
    again = step(s, facts=("no_fees",), addressed=(("fees", "no_fees"),)).state
    assert again.stance == pytest.approx(s.stance)
    assert again.patience == s.patience - D.idle_patience_cost


@pytest.mark.parametrize(
    "act",
    [
        dict(pitch=True),  # generic pitch and flattery
        dict(off_topic=True),
        dict(pressure=True),
        dict(false_claims=("commission",)),
        dict(closing_ask=True),
        dict(question=True),  # a question about nothing in particular
        dict(probes=("fees",), barrage=True),
        dict(facts=("a", "b", "c", "d", "e"), recital=True),
        dict(facts=("unrelated",)),
        dict(),  # an empty turn
    ],
)
def test_stance_never_rises_without_a_concern_surfaced_or_resolved(act):
    for start in (state(), state(fees=V), state(fees=R, volume=V), state(stance=0.1, trust=0.3)):
        t = step(start, **act)
        assert t.state.stance <= start.stance + 1e-12, (act, start)


def test_pressure_and_false_claims_lower_stance_and_trust():
    p = step(state(), pressure=True).state
    assert p.stance == pytest.approx(0.4 - D.pressure_stance) and p.trust == pytest.approx(0.6 - D.pressure_trust)
    f = step(state(), false_claims=("x",)).state
    assert f.stance == pytest.approx(0.4 - D.false_claim_stance) and f.trust == pytest.approx(0.6 - D.false_claim_trust)


def test_user_accepts_only_when_asked_and_convinced():
    ready = state(stance=0.6, fees=R, volume=R)
    assert step(ready).state.decision is Decision.CONTINUE  # not asked
    assert step(ready, closing_ask=True).state.decision is Decision.ACCEPT
    open_concern = state(stance=0.7, fees=R, volume=V)
    refused = step(open_concern, closing_ask=True).state
    assert refused.decision is Decision.CONTINUE and refused.refusals == 1
    assert refused.stance == pytest.approx(0.7 - D.refused_ask_stance)
    assert step(state(stance=D.eager_stance), closing_ask=True).state.decision is Decision.ACCEPT
    distrusted = state(stance=0.9, trust=D.accept_trust - 0.05)
    assert step(distrusted, closing_ask=True).state.decision is not Decision.ACCEPT


def test_reject_hang_up_and_timeout():
    assert step(state(refusals=D.max_refusals - 1), closing_ask=True).state.decision is Decision.REJECT
    assert step(state(stance=0.1, turn=1), closing_ask=True).state.decision is Decision.REJECT
    # (on the call's first line a declined ask ends nothing unless pushed: test_natural_user)
    assert step(state(stance=0.1), closing_ask=True, pressure=True).state.decision is Decision.REJECT
    assert step(state(patience=1), pitch=True).state.decision is Decision.HANG_UP
    assert step(state(trust=0.12), off_topic=True).state.decision is Decision.HANG_UP
    t = transition(state(turn=11), Perception(probes=("fees",), pointed=frozenset({"fees"})), SEV, D, 12)
    assert t.state.decision is Decision.TIMEOUT and t.state.turn == 12
    with pytest.raises(ValueError, match="already ended"):
        step(t.state)


def test_ignoring_a_voiced_concern_costs_trust_and_patience():
    s = step(state(fees=V), pitch=True).state
    assert s.trust == pytest.approx(0.6 - D.ignored_trust)
    assert s.patience == 5 - D.idle_patience_cost - D.ignored_patience


def test_transition_is_pure():
    start = state()
    a = step(start, probes=("fees",), pointed=frozenset({"fees"}))
    b = step(start, probes=("fees",), pointed=frozenset({"fees"}))
    assert a == b and start == state()


def test_asked_about_a_worry_they_do_not_hold_an_open_user_names_their_own():
    """"Is the commission a worry?" to a user worried about payouts: "Not that so much. What worries me is ..."
    (saying "not a worry for me" while holding one leaves the caller nowhere to go); a guarded user just says no."""
    held_one = UserState(0.4, D.generic_voice_trust_min + 0.05, 5, (("fees", H),))
    t = transition(held_one, Perception(probes=("volume",), pointed=frozenset({"volume"}), question=True), SEV, D, 12)
    assert t.events[:2] == (("not_that",), ("voiced", "fees")) and t.state.status("fees") is V
    assert t.state.stance == pytest.approx(0.4 + D.voice_gain)
    opened = transition(held_one, Perception(probes=("volume",), question=True), SEV, D, 12)
    assert opened.events[0] == ("voiced", "fees")  # an open question is simply answered: no "not that"
    guarded = UserState(0.4, D.generic_voice_trust_min - 0.05, 5, (("fees", H),))
    t = transition(guarded, Perception(probes=("volume",), pointed=frozenset({"volume"}), question=True), SEV, D, 12)
    assert ("no_concern",) in t.events and t.state.status("fees") is H


def test_the_first_question_about_a_worry_just_raised_is_listening_the_second_is_stalling():
    """Round 21: "What made it hard to keep going - time, or not knowing what to do?" asked right after the user's worry
    cost trust and patience as if the worry were ignored. The first follow-up is listening (the user says more); a
    second one on the same worry leaves it unanswered, as before."""
    first = step(state(fees=V), probes=("fees",), pointed=frozenset({"fees"}), question=True)
    assert ("restated", "fees") in first.events and not any(e[0] == "ignored" for e in first.events)
    assert first.state.trust == pytest.approx(0.6) and first.state.patience == 5 - D.idle_patience_cost
    second = step(first.state, probes=("fees",), pointed=frozenset({"fees"}), question=True)
    assert ("ignored", "fees") in second.events and second.state.trust < first.state.trust
    assert UserState.from_dict(first.state.to_dict()) == first.state  # the memory survives a saved session


def test_a_yes_settles_a_worry_the_caller_answered_before_it_was_raised_and_nothing_else():
    """"Can I really count on that?" - "Yes, you really can." settles the worry the fact touched (round 21 heard the yes as
    small talk). A yes settles no worry the user raised by being asked, and a yes beside a lie settles nothing."""
    facts = {"fees": ("no_fees",), "volume": ("busy",)}
    touched = step(state(), facts=("no_fees",), addressed=(("fees", "no_fees"),))
    yes = transition(touched.state, Perception(confirms=True), SEV, D, 12, None, facts)
    assert yes.state.status("fees") is R and ("resolved", "fees", "no_fees") in yes.events
    asked = step(state(), probes=("volume",), pointed=frozenset({"volume"}))
    assert transition(asked.state, Perception(confirms=True), SEV, D, 12, None, facts).state.status("volume") is V
    lie = transition(touched.state, Perception(confirms=True, unsupported=True), SEV, D, 12, None, facts)
    assert lie.state.status("fees") is V


def test_a_user_won_over_but_wary_says_so_and_plain_facts_are_the_way_on():
    """Round 21: every worry answered, trust short of accepting: "Anything else?" got "nothing else springs to mind", the
    ask a bare no, and the caller telling the pay was an idle turn that ended the call. Now the user says what is
    missing, and a new fact is progress (one a turn, never a recital or a lie)."""
    wary = state(stance=0.8, trust=D.accept_trust - 0.1, patience=2, fees=R, volume=R)
    assert ("unsure",) in step(wary, probes=("fees",), question=True, open_question=True).events
    assert ("covered",) in step(state(stance=0.8, trust=0.8, fees=R, volume=R), probes=("fees",), question=True, open_question=True).events
    refused = step(wary, closing_ask=True)
    assert ("unsure",) in refused.events and ("refused_ask",) in refused.events
    told = step(wary, facts=("pay",))
    assert told.state.patience == 2 and told.state.trust == pytest.approx(wary.trust + D.fact_trust_gain)
    again = step(told.state, facts=("pay",))  # the same fact again earns nothing
    assert again.state.patience == 1


def test_a_wary_user_asked_an_open_question_keeps_their_worry_back_and_does_not_deny_it():
    """Round 21: "What's the biggest headache with scheduling right now?" got "Not really a worry for me." from a user
    with three worries and too little trust to say one. An open question (one reaching several areas) gets "guarded";
    a question about one area, or naming a worry, they do not hold still gets "not a worry for me"."""
    wary = state(trust=D.voice_trust_min - 0.05)
    areas = {"fees": "money", "volume": "orders", "other": "money", "setup": "tech"}
    open_question = transition(wary, Perception(probes=("other", "setup"), question=True), SEV, D, 12, areas)
    assert ("guarded",) in open_question.events
    one_area = transition(wary, Perception(probes=("other",), question=True), SEV, D, 12, areas)
    assert ("no_concern",) in one_area.events and ("guarded",) not in one_area.events
    named = transition(wary, Perception(probes=("other", "setup"), pointed=frozenset({"other"}), question=True), SEV, D,
                       12, areas)
    assert ("no_concern",) in named.events and ("guarded",) not in named.events


def test_the_first_unbacked_claim_is_doubted_and_a_second_costs_in_full():
    """Round 21 lost two calls to one honest line the perceiver could not confirm ("That's exactly the time we're built
    for."): one unbacked claim makes a person ask where it is written, a second is a pattern. Neither turn is believed,
    so the first invention buys nothing."""
    s = state()
    first = step(s, unsupported=True)
    share = D.first_unsupported_share
    assert first.state.trust == pytest.approx(s.trust - D.unsupported_claim_trust * share)
    assert first.state.stance == pytest.approx(s.stance - D.unsupported_claim_stance * share)
    assert ("doubt",) in first.events
    asked = step(state(fees=V), facts=("no_fees",), addressed=(("fees", "no_fees"),), unsupported=True)
    assert asked.state.status("fees") is V and ("doubt",) in asked.events  # not believed, nothing settled
    assert first.state.doubted == 1 and UserState.from_dict(first.state.to_dict()) == first.state
    second = step(first.state, unsupported=True)
    assert ("unsupported_claim",) in second.events
    assert second.state.trust == pytest.approx(first.state.trust - D.unsupported_claim_trust)
    honest = step(state(fees=V), facts=("no_fees",), addressed=(("fees", "no_fees"),))
    assert honest.state.stance > asked.state.stance and honest.state.trust > asked.state.trust
    # a lie after a doubt is still a lie, at full cost
    lie = step(first.state, false_claims=("no_fees",))
    assert lie.state.trust == pytest.approx(first.state.trust - D.false_claim_trust)


def test_backing_up_a_doubted_claim_is_not_ignoring_the_worry():
    """Round 22: "Where does it say that?", the caller offered the free trial, and the user said "You didn't answer
    what I just asked you" and hung up. The turn right after a doubt answers the doubt; the worry waits one turn."""
    doubting = step(state(fees=V), facts=("no_fees",), addressed=(("fees", "no_fees"),), unsupported=True)
    assert not any(e[0] == "ignored" for e in doubting.events)  # the answer doubted is not the worry ignored
    doubted = doubting.state
    backed = step(doubted, facts=("trial",))
    assert not any(e[0] == "ignored" for e in backed.events) and backed.state.status("fees") is V
    later = step(backed.state, facts=("trial2",))  # a turn later, moving on is ignoring the worry again
    assert any(e[0] == "ignored" for e in later.events)
    settled = step(doubted, facts=("no_fees",), addressed=(("fees", "no_fees"),))  # the fact again, believed now
    assert settled.state.status("fees") is R


def test_a_user_who_trusts_enough_for_a_pointed_question_names_the_area_of_an_open_one():
    """Round 28: two wary users kept every worry back from open questions, asked to hear how it works, heard it and hung
    up with the worry never said. With trust for a pointed question but not for an open one, the user names the part
    of the offer the worry is about; a question about that part is then answered as a pointed one would be."""
    areas = {"fees": "money", "volume": "orders", "other": "money", "setup": "tech"}
    wary = state(trust=(D.voice_trust_min + D.generic_voice_trust_min) / 2)
    asked = Perception(probes=("fees", "volume", "setup"), question=True, open_question=True)
    open_question = transition(wary, asked, SEV, D, 12, areas)
    assert open_question.events == (("hinted", "fees"),) and open_question.state.hinted == {"fees"}
    assert open_question.state.status("fees") is H and open_question.state.patience == wary.patience - 1
    assert UserState.from_dict(open_question.state.to_dict()) == open_question.state
    # the same area asked about vaguely (no worry named) is now answered
    area = transition(open_question.state, Perception(probes=("fees", "other"), question=True), SEV, D, 12, areas)
    assert ("voiced", "fees") in area.events
    # without the hint, the same vague question is kept back
    assert ("voiced", "fees") not in transition(wary, Perception(probes=("fees", "other"), question=True), SEV, D, 12,
                                                areas).events
    # a user who trusts the caller too little for any question names nothing
    cold = state(trust=D.voice_trust_min - 0.05)
    assert ("guarded",) in transition(cold, asked, SEV, D, 12, areas).events
    # ... and a question that names areas of the offer is no open question: the scripted prober's area questions
    # heard as reaching several areas get no hint
    named = Perception(probes=("fees", "volume", "setup"), question=True)
    assert ("guarded",) in transition(wary, named, SEV, D, 12, areas).events


def test_a_user_who_named_the_area_of_a_worry_never_calls_a_question_near_it_no_worry():
    """Round 35: "It's to do with hours, shifts and getting started", then "Not really a worry for me." to "is getting
    started the newness of it, or safety on the road?". Once the user has said where their worry lies, a question about
    a worry they do not hold gets the area said again, not a denial that misleads the caller."""
    wary = state(trust=(D.voice_trust_min + D.generic_voice_trust_min) / 2, hinted=frozenset({"fees"}))
    asked = transition(wary, Perception(probes=("setup",), pointed=frozenset({"setup"}), question=True), SEV, D, 12)
    assert asked.events[0] == ("hinted", "fees") and ("no_concern",) not in asked.events
    fresh = state(trust=wary.trust)
    asked = transition(fresh, Perception(probes=("setup",), pointed=frozenset({"setup"}), question=True), SEV, D, 12)
    assert ("no_concern",) in asked.events


def test_an_open_question_across_several_parts_is_not_answered_settled_while_a_worry_is_unsaid():
    """Round 36: "Besides the data entry, is there anything else - cost, your software, your patients?" got "You've
    already answered that one for me." from a user still holding a worry they did not trust the caller with. An open
    question reaching several parts of the offer is kept back (or hinted at); one about the settled worry's own part
    is still "settled"."""
    areas = {"fees": "money", "volume": "orders"}
    wary = state(trust=D.voice_trust_min - 0.01, fees=R)
    wide = transition(wary, Perception(probes=("fees", "volume"), question=True, open_question=True), SEV, D, 12, areas)
    assert not any(e[0] == "settled" for e in wide.events) and ("guarded",) in wide.events
    narrow = transition(wary, Perception(probes=("fees",), question=True), SEV, D, 12, areas)
    assert ("settled", "fees") in narrow.events


def test_a_wide_question_reaching_the_settled_worry_is_answered_settled_when_nothing_is_left_unsaid():
    """Round 68: the user's one worry (being tied in) settled, "Is the worry mostly about being tied in if the service
    turns out poor, or is there something else on your mind?" (four worries of three areas) got "Not really a worry
    for me.", a denial of the worry they had raised. With nothing left unsaid it is settled."""
    areas = {"fees": "money", "volume": "orders", "lock_in": "contract"}
    done = state(trust=0.6, fees=R, volume=R)
    wide = transition(done, Perception(probes=("fees", "lock_in", "volume"), question=True), SEV, D, 12, areas)
    assert ("settled", "fees") in wide.events and ("no_concern",) not in wide.events


def test_with_every_worry_settled_a_new_fact_moves_a_lukewarm_user():
    """Round 68: the user's one worry settled, stance just short of a yes (a misheard line had cost it), nothing the
    caller could say moved them and three asks were refused. A new, believed fact then gains a little stance, once a
    turn; before the worries are settled, a lie, a recital or a fact already heard gain none."""
    lukewarm = state(stance=D.accept_stance - 0.05, trust=0.7, fees=R, volume=R, heard=frozenset({"old"}))
    t = step(lukewarm, facts=("new",))
    assert t.state.stance == pytest.approx(lukewarm.stance + D.fact_stance_gain) and t.state.patience == 5
    assert step(t.state, facts=("new",)).state.stance == t.state.stance  # heard already
    assert step(lukewarm, facts=("new",), false_claims=("x",)).state.stance < lukewarm.stance
    assert step(lukewarm, facts=("a", "b", "c", "d", "e"), recital=True).state.stance == lukewarm.stance
    open_worry = state(stance=D.accept_stance - 0.05, trust=0.7, fees=V, volume=R)
    assert step(open_worry, facts=("new",)).state.stance == open_worry.stance  # not while a worry is open
    warm = state(stance=0.8, trust=0.7, fees=R, volume=R)
    assert step(warm, facts=("new",)).state.stance == 0.8


def test_a_question_right_after_a_worry_asks_more_about_it():
    """Round 46: "What was the worst of it for you when it was heaving?" right after the user said the gym was always
    packed got "That doesn't really answer my worry.": a question naming nothing else asks more about the worry
    just said. Once: the next such question leaves it unanswered."""
    voiced = state(fees=V)
    first = step(voiced, question=True)
    assert ("restated", "fees") in first.events and not any(e[0] == "ignored" for e in first.events)
    assert first.state.trust >= voiced.trust
    again = step(first.state, question=True)
    assert ("ignored", "fees") in again.events and again.state.trust < first.state.trust
    # with no worry waiting it is a question like any other
    assert ("other_question",) in step(state(), question=True).events


def test_a_question_about_one_part_of_the_offer_is_not_anything_else():
    """Round 44: "Are you still in a contract?" (a vague question about one part of the offer) to a user whose worries
    are all answered got "Nothing else, I don't think.": it is not a worry for them; "Anything else?" is nothing else."""
    settled = state(stance=0.8, trust=0.8, fees=R, volume=R)
    assert ("no_concern",) in step(settled, probes=("lock_in",), question=True).events
    assert ("covered",) in step(settled, probes=("lock_in",), question=True, open_question=True).events


def test_the_ask_right_after_what_do_you_need_from_me_answers_the_user():
    """Round 67: the user said "Look, I haven't got long. What is it you actually need from me?" and hung up on the
    plain ask that answered it. The ask right after the warning costs what a refused ask costs, not the last of the
    user's patience; the same ask a turn later, pushed, or without the warning, is an idle turn as before."""
    warned = step(state(patience=2), small_talk=True)  # an idle turn: patience 2 -> 1, and the user says so
    assert ("impatient",) in warned.events and warned.state.warned == 1 and warned.state.patience == 1
    ask = step(warned.state, closing_ask=True, question=True)
    assert ("refused_ask",) in ask.events and ask.state.decision is Decision.CONTINUE and ask.state.patience == 1
    assert ask.state.stance < warned.state.stance  # refused, as any ask
    assert step(ask.state, closing_ask=True, question=True).state.decision is not Decision.CONTINUE  # once only
    pushed = step(warned.state, closing_ask=True, question=True, pressure=True)
    assert pushed.state.decision is not Decision.CONTINUE
    unwarned = step(state(patience=1), closing_ask=True, question=True)
    assert unwarned.state.decision is Decision.HANG_UP
    assert UserState.from_dict(ask.state.to_dict()).warned == 1  # the warning is part of the state it records


def test_telling_a_guarded_user_how_it_works_is_what_they_asked_for():
    """Round 70: the user kept their worry back ("I'd want to hear how it all works before I go into that."), was told how
    it works, and lost patience for it ("Look, I haven't got long."). New facts right after that reply are no wasted
    turn; a second turn of facts, or facts with nothing asked, still are."""
    wary = state(trust=min(D.voice_trust_min, D.generic_voice_trust_min) - 0.05, patience=4)
    kept = step(wary, probes=("fees", "volume"), question=True, open_question=True)
    assert ("guarded",) in kept.events and kept.state.guarded == 1
    told = step(kept.state, facts=("hours",))
    assert told.state.patience == kept.state.patience and told.state.trust > kept.state.trust
    assert step(told.state, facts=("bonus",)).state.patience == told.state.patience - D.idle_patience_cost
    assert step(wary, facts=("hours",)).state.patience == wary.patience - D.idle_patience_cost
    assert step(kept.state, facts=("hours",), false_claims=("x",)).state.patience < kept.state.patience  # not a lie
    assert UserState.from_dict(told.state.to_dict()).guarded == 1


def test_a_fact_heard_before_answers_the_part_the_user_pointed_at():
    """Round 70: the 4G backup was told while another worry was being voiced (one a turn), then told again after the
    user said "it's about how fast and reliable it is": only "noted", and the worry could never come out. Once the user
    has named its part, the fact counts as answering it; without the hint it is still heard only once."""
    heard = state(heard=frozenset({"no_fees"}))
    again = step(heard, facts=("no_fees",), addressed=(("fees", "no_fees"),))
    assert again.state.status("fees") is H
    pointed = step(state(heard=frozenset({"no_fees"}), hinted=frozenset({"fees"})), facts=("no_fees",),
                   addressed=(("fees", "no_fees"),))
    assert pointed.state.status("fees") is V and "fees" in pointed.state.told


def test_a_worry_whose_part_the_user_named_is_settled_by_its_fact():
    """Round 74: "It's more about the monthly price and the cost of coming back, really.", then the off-peak price got
    "Off-Peak membership? That's the sort of thing I wanted to ask about. You're sure about that?" A user who named the
    part of the offer their worry is about is answered by the fitting fact, as if they had said the worry in full; a
    part taken as named because its answer was heard beside another worry's (nothing said by the user) still only
    voices it, and a turn that lies settles nothing."""
    areas = {"fees": "money", "volume": "orders"}
    wary = state(trust=(D.voice_trust_min + D.generic_voice_trust_min) / 2)
    hinted = transition(wary, Perception(probes=("fees", "volume"), question=True, open_question=True), SEV, D, 12, areas)
    assert ("hinted", "fees") in hinted.events and hinted.state.named == {"fees"}
    assert UserState.from_dict(hinted.state.to_dict()) == hinted.state
    answered = step(hinted.state, facts=("no_fees",), addressed=(("fees", "no_fees"),))
    assert answered.state.status("fees") is R and ("resolved", "fees", "no_fees") in answered.events
    assert answered.state.stance == pytest.approx(hinted.state.stance + SEV["fees"])
    lied = step(hinted.state, facts=("no_fees",), addressed=(("fees", "no_fees"),), false_claims=("rate",))
    assert lied.state.status("fees") is H
    silent = step(state(heard=frozenset({"no_fees"}), hinted=frozenset({"fees"})), facts=("no_fees",),
                  addressed=(("fees", "no_fees"),))
    assert silent.state.status("fees") is V
    # ... every worry of the part they named: "It's more about the tools and the entry test" names both
    same = {"fees": "money", "volume": "money"}
    both = transition(wary, Perception(probes=("fees", "volume"), question=True, open_question=True), SEV, D, 12, same)
    assert both.state.named == {"fees", "volume"} and both.state.hinted == {"fees"}
    answered = step(both.state, facts=("forecast",), addressed=(("volume", "forecast"),))
    assert answered.state.status("volume") is R and answered.state.status("fees") is H


def test_a_fact_for_another_worry_settles_no_told_worry_of_its_area():
    """Round 70: "pay goes into your bank every Friday" (the late-payment worry's fact) settled the told take-home-pay
    worry of the same area ("The pay isn't the problem then."), and the late-payment worry came back two turns later.
    A fact that answers another open worry of the user's is that worry's answer; another fact of the area still
    follows up."""
    areas = {"fees": "money", "volume": "money"}
    told = state(fees=V, told=frozenset({"fees"}))
    t = transition(told, Perception(facts=("weekly",), addressed=(("volume", "weekly"),)), SEV, D, 12, areas=areas)
    assert t.state.status("fees") is V and t.state.status("volume") is V
    t = transition(told, Perception(facts=("rate",), addressed=(("pay_level", "rate"),)), SEV, D, 12, areas={
        **areas, "pay_level": "money"})
    assert t.state.status("fees") is R


def test_a_question_grazing_a_settled_worry_is_nothing_else():
    """Round 70: "... anything else that would hold you back from switching? The quality of the towels, or the hassle of
    changing over?" was answered "That one's sorted" of the price the user had seen settled (the model heard the price
    faintly, fourth). With nothing left unsaid it is nothing else; a question about the settled worry first is still
    "settled"."""
    settled = state(stance=0.8, trust=0.8, fees=R, volume=R)
    assert ("covered",) in step(settled, probes=("lock_in", "fees"), question=True).events
    assert ("settled", "fees") in step(settled, probes=("fees", "lock_in"), question=True).events


def test_a_second_worry_answered_in_the_same_breath_is_not_lost():
    """Round 71: "... paid into your bank every Friday ... no contract term and no exclusivity ..." voiced the pay worry
    (one worry a turn) and used up the exclusivity answer: the worry could never come out, and the user refused with
    nothing left to say. The second worry's part is now as good as named: an open question draws it out, and the fact
    said again answers it."""
    t = step(state(), facts=("no_fees", "forecast"), addressed=(("fees", "no_fees"), ("volume", "forecast")))
    assert t.state.status("fees") is V and t.state.status("volume") is H and "volume" in t.state.hinted
    again = step(t.state, facts=("forecast",), addressed=(("volume", "forecast"),))
    assert again.state.status("volume") is V


def test_asking_about_the_users_situation_right_after_their_worry_is_listening():
    """Round 71: "What sort of times would you realistically be able to train, with your work as it is?" right after "I
    could never get there at a time that suited me." was the worry ignored ("That doesn't really answer my worry.").
    Once; a second question in a row leaves the worry unanswered."""
    said = step(state(), probes=("fees",), pointed=frozenset({"fees"})).state
    asked = step(said, question=True, asked_traits=("work_pattern",))
    assert not any(e[0] == "ignored" for e in asked.events) and asked.state.trust == said.trust
    again = step(asked.state, question=True, asked_traits=("work_pattern",))
    assert ("ignored", "fees") in again.events


def test_a_question_naming_a_worry_of_the_same_part_is_not_denied():
    """Round 72: "... for example what it costs you to get started?" (a worry the user does not hold) got "That's not
    really it. Every one of these jobs wants money upfront for equipment.": the worry they do hold is of the same part
    of the offer. They say it, without "not that"; of another part, "not that" still comes first."""
    areas = {"fees": "money", "volume": "demand", "deposit": "money"}
    s = state(trust=0.9)
    same = transition(s, Perception(probes=("deposit",), pointed=frozenset({"deposit"}), question=True), SEV, D, 12,
                      areas=areas)
    assert ("not_that",) not in same.events and same.state.status("fees") is V
    other = transition(state(trust=0.9, fees=R), Perception(probes=("deposit",), pointed=frozenset({"deposit"}),
                                                            question=True), SEV, D, 12, areas=areas)
    assert ("not_that",) in other.events and other.state.status("volume") is V


def test_a_question_about_the_part_of_a_worry_just_said_asks_more_about_it():
    """Round 75: right after "I'd wander round not knowing what to do", "was there anything you'd want to be doing if you
    knew where to start?" (heard as another worry of the same part) got "Not that so much ... That doesn't really answer
    my worry." With no worry of theirs unsaid in that part, the user says more of the one they said; with one unsaid
    there, that one is still voiced."""
    areas = {"fees": "money", "volume": "orders", "rate": "money"}
    said = state(fees=V)
    t = transition(said, Perception(probes=("rate",), pointed=frozenset({"rate"}), question=True), SEV, D, 12, areas)
    assert ("restated", "fees") in t.events and ("not_that",) not in t.events and t.state.status("volume") is H
    assert not any(e[0] == "ignored" for e in t.events), t.events
    hidden_there = transition(state(fees=V), Perception(probes=("volume",), pointed=frozenset({"volume"}),
                                                       question=True), SEV, D, 12, areas)
    assert ("voiced", "volume") in hidden_there.events


def test_a_slip_put_right_wins_back_some_trust_once_and_a_lie_put_right_still_costs():
    """Round 78: a caller misspoke the price, was called out, apologised and gave it right, and the user stayed at the
    trust the slip left them ("I don't know you well enough") three asks later. Stating truly a fact the user called
    them out on wins back `correction_trust`, once per fact; lying then correcting never beats saying it right once."""
    start = state()
    lie = step(start, false_claims=("price",))
    assert "price" in lie.state.contested
    assert lie.state.trust == pytest.approx(0.6 - D.false_claim_trust)
    fixed = step(lie.state, facts=("price",))
    assert ("corrected", "price") in fixed.events and "price" not in fixed.state.contested
    assert fixed.state.trust == pytest.approx(0.6 - D.false_claim_trust + D.correction_trust + D.fact_trust_gain)
    again = step(fixed.state, facts=("price",))  # once per fact
    assert not any(e[0] == "corrected" for e in again.events) and again.state.trust == pytest.approx(fixed.state.trust)
    honest = step(start, facts=("price",))
    assert honest.state.trust > fixed.state.trust and honest.state.stance > fixed.state.stance
    # the fact said again beside a lie is not believed, and puts nothing right
    both = step(lie.state, facts=("price",), false_claims=("other",))
    assert not any(e[0] == "corrected" for e in both.events) and "price" in both.state.contested
    assert UserState.from_dict(fixed.state.to_dict()).contested == fixed.state.contested == frozenset()
    assert UserState.from_dict(lie.state.to_dict()).contested == frozenset({"price"})
    assert UserState.from_dict({k: v for k, v in lie.state.to_dict().items() if k != "contested"}).contested == frozenset()


def test_an_open_question_heard_near_one_part_is_never_answered_not_a_worry():
    """Round 79: "what would a new role need to look like for you to consider it?" was heard (learned) as asking about
    pay alone, and the user, who held another worry, said "No, that part doesn't really bother me." Asked openly,
    they keep it back or say which part it is about; asked about one part (not openly), they say it is no worry."""
    guarded = state(trust=D.generic_voice_trust_min - 0.05)
    t = step(guarded, probes=("pay",), question=True, open_question=True)
    assert not any(e[0] == "no_concern" for e in t.events) and ("hinted", "fees") in t.events, t.events
    shy = state(trust=D.voice_trust_min - 0.05)
    assert ("guarded",) in step(shy, probes=("pay",), question=True, open_question=True).events
    assert ("no_concern",) in step(guarded, probes=("pay",), question=True).events


def test_round_104_a_yes_settles_a_worry_only_right_after_the_user_asked_to_be_sure():
    """Round 104: "Exactly, and with your experience ... Shall I book you in?" settled a worry the user had asked about
    four turns before ("Between back-to-back visits, you said. ... Okay, go ahead"). A yes answers the question the user
    just asked, not one the talk has moved on from."""
    facts = {"fees": ("no_fees",), "volume": ("busy",)}
    touched = step(state(), facts=("no_fees",), addressed=(("fees", "no_fees"),))
    assert touched.state.asked_sure == touched.state.turn
    later = step(touched.state, probes=("volume",), pointed=frozenset({"volume"}), question=True)
    assert transition(later.state, Perception(confirms=True), SEV, D, 12, None, facts).state.status("fees") is V
    assert UserState.from_dict(touched.state.to_dict()) == touched.state

"""A user who answers what was asked: one coherent reply per turn, on every pack (built-in and example).

Property tests over random event sets and random perceived turns: no reply says parts that contradict each other,
a settled worry is never raised again, a question about the user gets a sentence naming their own value, a fact that
settles nothing is echoed back, small talk is answered for how far the call is, and a line is not repeated while the
pack has another.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protod.user.persona import PersonaSampler
from protod.world import ScenarioError, builtin_scenarios, load_scenario, parse_scenario
from protod.audit.consistency import _reply_findings, check_trajectory, said_lines
from protod.user.compose import _STANCE, _echoable, compose, heard_phrase
from protod.user.express import TemplateExpresser
from protod.user.state import Perception, UserState, transition

ROOT = Path(__file__).parents[1]
PACKS = [*builtin_scenarios(), *sorted(str(p) for p in (ROOT / "examples/packs").glob("*.yaml"))]
IDS = [Path(p).stem for p in PACKS]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_PLAIN = ("false_claim", "unsupported_claim", "doubt", "pressure", "no_concern", "guarded", "small_talk",
          "other_question", "barrage", "pitch", "recital", "off_topic", "nonsense", "refused_ask")
_DECISIONS = ("accept", "reject", "hang_up", "timeout")


@lru_cache(maxsize=None)
def _pack(name):
    return load_scenario(name)


@lru_cache(maxsize=None)
def _people(name):
    return PersonaSampler(_pack(name), 11).sample(40)


@st.composite
def _turn(draw, name):
    """A persona, the state after a turn, and a random set of events about what the persona holds."""
    pack = _pack(name)
    persona = draw(st.sampled_from(_people(name)))
    held = [pack.concern_by_id[c.id] for c in persona.concerns]
    concern = st.sampled_from(held)
    event = st.one_of(
        st.sampled_from(_PLAIN).map(lambda k: (k,)),
        concern.flatmap(lambda c: st.sampled_from(c.resolution_facts).map(lambda f: ("resolved", c.id, f))),
        concern.map(lambda c: ("voiced", c.id)),
        concern.map(lambda c: ("restated", c.id)),
        concern.map(lambda c: ("settled", c.id)),
        concern.map(lambda c: ("ignored", c.id)),
        st.sampled_from([t.name for t in pack.traits]).map(lambda t: ("answered", t)),
        st.lists(st.sampled_from([f.id for f in pack.facts]), min_size=1, max_size=2).map(lambda fs: ("acknowledge", *fs)),
    )
    events = draw(st.lists(event, max_size=6))
    decision = draw(st.sampled_from((None,) + _DECISIONS))
    events = tuple(events) + (((decision,),) if decision else ())
    state = UserState(stance=0.5, trust=draw(st.floats(0, 1)), patience=3, concerns=persona.initial_state.concerns,
                      turn=draw(st.integers(1, pack.turn_budget)))
    return persona, state, events


@pytest.mark.parametrize("name", PACKS, ids=IDS)
def test_composition_takes_one_side_and_says_the_decision_last(name):
    @SETTINGS
    @given(_turn(name))
    def check(turn):
        _persona, _state, events = turn
        parts = compose(events)
        kinds = [e[0] for e in parts]
        sides = {_STANCE[k] for k in kinds if k in _STANCE}
        assert len(sides) <= 1, kinds  # never pleased and displeased in one breath
        body = [k for k in kinds if k not in _DECISIONS and k != "refused_ask"]
        assert sum(_STANCE.get(k, 0) < 0 for k in body) <= 1, kinds  # one complaint at a time
        assert kinds[len(body):] == [k for k in kinds if k in _DECISIONS or k == "refused_ask"]  # decision last
        assert not ({"no_concern"} & set(kinds) and {"resolved", "voiced", "restated", "settled"} & set(kinds)), kinds
        if len(kinds) > 1:
            assert not {"small_talk", "other_question"} & set(kinds), kinds
        assert kinds.count("answered") <= 1
        if any(e[0] in _DECISIONS for e in events):
            assert kinds[-1] in _DECISIONS  # the decision is always said
        if any(k in _DECISIONS or k == "refused_ask" for k in kinds):
            # "Fine. Anything else?" never meets "Bye." or "Let's set it up." in one reply (a declined ask is left
            # unsaid beside a worry the user asks to have confirmed, which answers the ask)
            assert not {"acknowledge", "ready", "small_talk", "other_question"} & set(kinds), kinds
        if events and not any(e[0] in _DECISIONS for e in events):
            assert kinds  # something in the turn is always answered

    check()


@pytest.mark.parametrize("name", PACKS, ids=IDS)
def test_no_reply_contains_parts_that_contradict_each_other(name):
    pack = _pack(name)
    expresser = TemplateExpresser(pack)

    @SETTINGS
    @given(_turn(name), st.integers(0, 2**31))
    def check(turn, seed):
        persona, state, events = turn
        reply = expresser.express(events, persona, random.Random(seed), state)
        assert reply == expresser.express(events, persona, random.Random(seed), state)  # reproducible per seed
        assert not _reply_findings(said_lines(pack, reply), set()), reply
        asked = [e[1] for e in events if e[0] == "answered"]
        if asked and not any(e[0] in ("reject", "hang_up", "accept") for e in events):
            for trait in asked:  # every asked trait is answered with the persona's own value
                assert persona.traits[trait].lower() in reply.lower(), (trait, reply)

    check()


@pytest.mark.parametrize("name", PACKS, ids=IDS)
def test_random_calls_stay_consistent_and_never_reraise_a_settled_worry(name):
    """Random perceived turns through the real transition: every transcript passes every consistency check."""
    pack = _pack(name)
    expresser = TemplateExpresser(pack)
    severity = {c.id: c.severity for c in pack.concerns}
    facts = [f.id for f in pack.facts]
    concern_ids = [c.id for c in pack.concerns]
    perception = st.builds(
        lambda probes, fact_ids, flags, traits: Perception(
            probes=tuple(probes), pointed=frozenset(probes[:1]), facts=tuple(fact_ids),
            addressed=tuple((c, f) for f in fact_ids for c in pack.answers.get(f, ())[:1]),
            question=bool(probes or traits or flags[0]), pressure=flags[1], pitch=flags[2], small_talk=flags[3],
            closing_ask=flags[4], asked_traits=tuple(traits)),
        st.lists(st.sampled_from(concern_ids), max_size=2, unique=True),
        st.lists(st.sampled_from(facts), max_size=2, unique=True),
        st.tuples(*[st.booleans()] * 5),
        st.lists(st.sampled_from([t.name for t in pack.traits]), max_size=2, unique=True),
    )

    @SETTINGS
    @given(st.sampled_from(_people(name)), st.lists(perception, min_size=1, max_size=pack.turn_budget), st.integers(0, 999))
    def check(persona, turns, seed):
        rng, state, history, record_turns = random.Random(seed), persona.initial_state, (), []
        for i, p in enumerate(turns, start=1):
            move = transition(state, p, severity, pack.dynamics, pack.turn_budget)
            reply = expresser.express(move.events, persona, rng, move.state, history, "")
            history += (_Said("agent", ""), _Said("user", reply))
            record_turns.append({"turn": i, "agent": "", "user": reply, "acts": p.acts(),
                                 "events": [":".join(e) for e in move.events]})
            state = move.state
            if state.done:
                break
        record = {"id": "d", "persona": persona.to_dict(), "turns": record_turns}
        assert check_trajectory(record, pack) == []

    check()


class _Said:
    def __init__(self, role, text):
        self.role, self.text = role, text


# -- the parts, one by one ----------------------------------------------------------------------------------------


_SENTENCE = re.compile(r"^[A-Z0-9€£$].*[.!?]$")


@pytest.mark.parametrize("name", PACKS, ids=IDS)
def test_a_question_about_the_user_is_answered_with_a_sentence_naming_their_value(name):
    pack = _pack(name)
    expresser = TemplateExpresser(pack)
    for persona in _people(name)[:10]:
        for trait in pack.traits:
            for trust in (0.1, 0.8):
                state = UserState(0.5, trust, 3, persona.initial_state.concerns, turn=2)
                reply = expresser.express((("answered", trait.name),), persona, random.Random(trust), state)
                value = persona.traits[trait.name]
                assert value.lower() in reply.lower() and _SENTENCE.match(reply), reply
                assert reply.lower() != value.lower() + "."  # a sentence, not the bare value


def test_a_packs_own_answers_are_used_and_validated():
    data = yaml.safe_load((ROOT / "src/protod/scenarios/courier_recruitment.yaml").read_text())
    data["traits"][1]["answers"] = ["I get around with {vehicle}.", {"text": "Just {vehicle}, at {age_band}.", "when": {"age_band": ["in my fifties"]}}]
    pack = parse_scenario(yaml.safe_dump(data), source="answers.yaml")
    persona = PersonaSampler(pack, 0).sample(1)[0]
    reply = TemplateExpresser(pack).express((("answered", "vehicle"),), persona, random.Random(0))
    assert reply == f"I get around with {persona.traits['vehicle']}." or persona.traits["age_band"] == "in my fifties"
    for bad, field, words in [
        (["I have a car."], "traits.1.answers.0", "put {vehicle} in it"),
        (["I have {shoe_size}."], "traits.1.answers.0", "not a trait field"),
        ([{"text": "Mine is {vehicle}.", "facts": ["pay_rates"]}], "traits.1.answers.0.facts", "only a concern's lines may cite facts"),
        ([{"text": "Mine is {vehicle}.", "when": {"age_band": ["in my fifties"]}}], "traits.1.answers", "neutral line"),
    ]:
        data["traits"][1]["answers"] = bad
        with pytest.raises(ScenarioError) as info:
            parse_scenario(yaml.safe_dump(data), source="answers.yaml")
        problem = next((p for p in info.value.problems if p.path == field), None)
        assert problem is not None and words in problem.message, info.value.lines()


@pytest.mark.parametrize("name", PACKS, ids=IDS)
def test_a_fact_that_settles_nothing_is_echoed_back(name):
    pack = _pack(name)
    expresser = TemplateExpresser(pack)
    persona = _people(name)[0]
    echoed = 0
    for fact in pack.facts:
        said_with_cue = f"Good news: {fact.cues[-1]} for everyone."
        reply = expresser.express((("acknowledge", fact.id),), persona, random.Random(0), agent_text=said_with_cue)
        if _echoable(fact.cues[-1]):
            echoed += 1
            assert fact.cues[-1] in reply, reply  # the caller's own words for it
        else:  # a verb phrase or the caller's "your ..." is not read back: "Imports your patient list, okay."
            assert fact.cues[-1] not in reply, reply
        paraphrased = expresser.express((("acknowledge", fact.id),), persona, random.Random(0), agent_text=fact.text)
        # (the caller's phrase said first: round 44)
        heard = min(((fact.text.lower().find(c.lower()), c) for c in fact.cues
                     if c.lower() in fact.text.lower() and _echoable(c)), default=(0, None))[1]
        if heard is not None:
            assert heard.lower() in paraphrased.lower(), paraphrased
    assert echoed >= len(pack.facts) // 2  # most facts have a short naming cue to say back


def test_only_a_short_naming_phrase_is_said_back():
    """Round 20's natural callers heard their own sentences read out: "Within 10 days and tell your old provider for
    you, okay.", "Imports your patient list, okay."."""
    for phrase in ("Within 10 days", "no joining fee", "£29 a month", "shared whiteboard", "12% for six months"):
        assert _echoable(phrase), phrase
    for phrase in ("tell your old provider for you", "Imports your patient list", "we pay", "you keep your tips",
                   "a dedicated account manager who calls every single month"):
        assert not _echoable(phrase), phrase


def test_a_yes_is_never_said_beside_a_worry_and_a_hang_up_not_after_its_own_warning():
    """Round 20: "Is that definitely the case for me? Fine, let's do it." (asks and agrees in one breath); "I've got a
    patient in ten minutes, can we stay on topic? I have a patient waiting. Goodbye."."""
    kinds = [e[0] for e in compose((("voiced", "b", "f"), ("restated", "c"), ("acknowledge", "g"), ("accept",)))]
    assert kinds == ["accept"], kinds  # (nothing that invites the caller to go on is said beside a decision)
    kinds = [e[0] for e in compose((("no_concern",), ("impatient",), ("hang_up",)))]
    assert kinds == ["no_concern", "hang_up"], kinds
    assert [e[0] for e in compose((("no_concern",), ("impatient",)))] == ["no_concern", "impatient"]  # the warning alone


def test_an_open_question_with_nothing_unsaid_gets_nothing_more_not_one_worry_settled():
    """Round 20: "Is there anything else holding you back?" got "That one's sorted, as far as I'm concerned." and
    "What else would you need to know?" got "Not really a worry for me." with every worry answered."""
    pack = load_scenario("courier_recruitment")
    severity = {c.id: c.severity for c in pack.concerns}
    d = pack.dynamics
    persona = next(p for p in PersonaSampler(pack, 0).sample(50) if len(p.concerns) == 2)
    first, second = (c.id for c in persona.concerns)
    state = persona.initial_state
    for cid in (first, second):
        state = transition(state, Perception(probes=(cid,), pointed=frozenset({cid}), question=True), severity, d, 40).state
    fact = pack.concern_by_id[first].resolution_facts[0]
    state = transition(state, Perception(facts=(fact,), addressed=((first, fact),)), severity, d, 40).state
    unheld = next(c.id for c in pack.concerns if c.id not in (first, second))
    for probes in ((first,), (unheld,)):
        open_question = Perception(probes=probes, question=True, open_question=True)  # heard nearest one worry, naming none of it
        events = transition(state, open_question, severity, d, 40).events
        assert ("restated", second) in events or ("confirm", second) in events, events  # the one still open
    fact = pack.concern_by_id[second].resolution_facts[0]
    state = transition(state, Perception(facts=(fact,), addressed=((second, fact),)), severity, d, 40).state
    for probes in ((first,), (unheld,)):
        step = transition(state, Perception(probes=probes, question=True, open_question=True), severity, d, 40)
        assert not {("settled", first), ("no_concern",)} & set(step.events), step.events
        reply = TemplateExpresser(pack).express(step.events, persona, random.Random(0), step.state)
        said = {str(x) for x in pack.user_lines.covered} | {str(x) for x in pack.user_lines.ready_again}
        assert any(line in reply for line in said), reply
    pointed = transition(state, Perception(probes=(first,), pointed=frozenset({first}), question=True), severity, d, 40)
    assert ("settled", first) in pointed.events  # asked about that worry by name, it is said to be settled


@pytest.mark.parametrize("name", PACKS, ids=IDS)
def test_small_talk_is_answered_for_how_far_the_call_is(name):
    pack = _pack(name)
    expresser = TemplateExpresser(pack)
    persona = _people(name)[0]
    first = {expresser.express((("small_talk",),), persona, random.Random(s), UserState(0.5, 0.5, 3, (), turn=1)) for s in range(30)}
    later = {expresser.express((("small_talk",),), persona, random.Random(s), UserState(0.5, 0.5, 3, (), turn=5)) for s in range(30)}
    assert first <= {str(x) for x in pack.user_lines.small_talk}
    assert later <= {str(x) for x in pack.user_lines.small_talk_later}
    # "Go on." answers "Have you got a minute?" on the first turn, not "When in the day would suit you?" later
    asked = {expresser.express((("other_question",),), persona, random.Random(s), UserState(0.5, 0.5, 3, (), turn=4)) for s in range(30)}
    assert asked <= {str(x) for x in pack.user_lines.other_question_later}


@pytest.mark.parametrize("opening, told", [
    ("We do online bookings for small shops. Is now an okay moment for a quick chat?", True),
    ("Hi, this is Sam from Tutorly. We're looking for maths tutors. Do you have a few minutes to chat?", True),
    ("I'm calling to see whether you'd like to hear about our courier jobs - got a minute?", True),
    ("Good morning, this is Alex from Minster Linen Services, the commercial laundry in York. Am I speaking with the "
     "owner?", True),  # round 67
    ("Hi, this is Sam from FeastFleet. Am I speaking with the owner?", False),
    ("Hi, is this Dana? Have you got a minute?", False),
])
def test_an_opening_that_says_what_the_call_is_about_is_not_asked_what_it_is(opening, told):
    """Round 65: "We do online booking and reminders for small clinics ... is now an okay moment?" got "Okay, what's
    it about?" (three calls of four): a first turn that speaks for the offer has said what it is about."""
    pack = _pack("courier_recruitment")
    expresser = TemplateExpresser(pack)
    persona = _people("courier_recruitment")[0]
    replies = {expresser.express((("other_question",),), persona, random.Random(s), agent_text=opening) for s in range(30)}
    asks = {r for r in replies if "what" in r.lower()}
    assert (not asks) if told else asks, replies


def test_mid_call_small_talk_is_not_the_opening():
    pack = load_scenario("courier_recruitment")
    assert not {str(x) for x in pack.user_lines.small_talk} & {str(x) for x in pack.user_lines.small_talk_later}
    assert not any("what is this about" in x.lower() for x in pack.user_lines.small_talk_later)


@pytest.mark.parametrize("name", PACKS, ids=IDS)
def test_a_line_is_not_repeated_while_the_pack_has_another(name):
    pack = _pack(name)
    expresser = TemplateExpresser(pack)
    persona = _people(name)[0]
    for kind, lines in [("pitch", pack.user_lines.pitch), ("ignored", pack.user_lines.ignored)]:
        event = (kind, persona.concerns[0].id) if kind == "ignored" else (kind,)
        history = ()
        said = []
        for turn in range(len(lines)):
            reply = expresser.express((event,), persona, random.Random(turn), None, history)
            said.append(reply)
            history += (_Said("agent", "..."), _Said("user", reply))
        assert len(set(said)) == len(lines), said  # every line once before any comes back


def test_a_reprobed_worry_is_restated_or_settled_never_denied():
    pack = load_scenario("courier_recruitment")
    persona = next(p for p in PersonaSampler(pack, 0).sample(30) if p.concerns)
    cid = persona.concerns[0].id
    fact = pack.concern_by_id[cid].resolution_facts[0]
    severity = {c.id: c.severity for c in pack.concerns}
    ask = Perception(probes=(cid,), pointed=frozenset({cid}), question=True)
    voiced = transition(persona.initial_state, ask, severity, pack.dynamics, 12)
    again = transition(voiced.state, ask, severity, pack.dynamics, 12)
    assert ("restated", cid) in again.events and ("no_concern",) not in again.events
    assert again.state.stance == voiced.state.stance  # no credit for asking twice
    settled = transition(voiced.state, Perception(facts=(fact,), addressed=((cid, fact),)), severity, pack.dynamics, 12)
    asked_after = transition(settled.state, ask, severity, pack.dynamics, 12)
    assert ("settled", cid) in asked_after.events and ("no_concern",) not in asked_after.events
    reply = TemplateExpresser(pack).express(asked_after.events, persona, random.Random(0), asked_after.state)
    # said to be settled, not raised again (and, every worry answered, the user asks what comes next)
    assert any(reply.startswith(str(line)) for line in pack.user_lines.settled), reply


def test_a_user_with_every_worry_answered_waits_for_the_ask_and_says_so():
    """All worries resolved and won over: idle turns cost no patience (no hang-up on a settled call), the reply asks
    what comes next, and the ask is accepted. A lie on such a turn gets no "what's next?"."""
    pack = load_scenario("courier_recruitment")
    severity = {c.id: c.severity for c in pack.concerns}
    d = pack.dynamics
    persona = next(p for p in PersonaSampler(pack, 0).sample(50) if len(p.concerns) == 1)
    cid = persona.concerns[0].id
    fact = pack.concern_by_id[cid].resolution_facts[0]
    ask = Perception(probes=(cid,), pointed=frozenset({cid}), question=True)
    state = transition(persona.initial_state, ask, severity, d, 40).state
    done = transition(state, Perception(facts=(fact,), addressed=((cid, fact),)), severity, d, 40)
    state = done.state
    if state.stance < d.accept_stance:
        pytest.skip("this persona is not won over by one answer")
    assert ("ready",) in done.events
    reply = TemplateExpresser(pack).express(done.events, persona, random.Random(0), state)
    assert any(reply.endswith(str(line).split(". ")[-1]) for line in pack.user_lines.ready), reply
    # the resolved line says they are satisfied; the ready line adds only its question (round 17: two agreeing
    # phrases in a row)
    assert not any(str(line) in reply for line in pack.user_lines.ready if str(line).count(". ")), reply
    patience = state.patience
    for _ in range(patience + 3):  # small talk while everything is settled: the user waits
        step = transition(state, Perception(small_talk=True), severity, d, 40)
        assert ("ready",) in step.events and not step.state.done
        idle = TemplateExpresser(pack).express(step.events, persona, random.Random(0), step.state)
        # nothing was answered this turn: not "Okay, that answers it for me."
        assert any(idle.endswith(str(line)) for line in pack.user_lines.ready_again), idle
        state = step.state
    assert state.patience == patience
    described = transition(state, Perception(pitch=True), severity, d, 40)  # the offer described, not a pitch to them
    assert ("pitch",) not in described.events and ("ready",) in described.events
    lie = transition(state, Perception(false_claims=(fact,)), severity, d, 40)
    assert ("ready",) not in lie.events
    accepted = transition(state, Perception(closing_ask=True), severity, d, 40)
    assert accepted.state.decision.value == "accept" and ("ready",) not in accepted.events


def test_ready_always_ends_the_reply_after_the_answer():
    from protod.user.compose import compose

    events = (("resolved", "a", "f"), ("voiced", "b"), ("acknowledge", "g"), ("answered", "vehicle"), ("ready",))
    kinds = [e[0] for e in compose(events)]
    assert kinds == ["resolved", "answered", "ready"], kinds
    assert [e[0] for e in compose((("acknowledge", "g"), ("ready",)))] == ["acknowledge", "ready"]


def test_a_fact_is_acknowledged_before_the_worry_it_left_open():
    """Natural callers heard the worry first and the fact they had just stated echoed after it."""
    from protod.user.compose import compose

    assert [e[0] for e in compose((("voiced", "b"), ("acknowledge", "g")))] == ["acknowledge", "voiced"]
    assert [e[0] for e in compose((("answered", "vehicle"), ("acknowledge", "g")))] == ["acknowledge", "answered"]
    assert [e[0] for e in compose((("acknowledge", "g"), ("pressure",), ("voiced", "b")))] == ["pressure", "acknowledge", "voiced"]
    assert [e[0] for e in compose((("voiced", "b"), ("resolved", "a", "f"), ("acknowledge", "g")))] == ["resolved", "acknowledge", "voiced"]


@pytest.mark.parametrize("name", PACKS, ids=IDS)
def test_a_skipped_worry_is_said_again_so_the_caller_knows_which(name):
    pack = _pack(name)
    expresser = TemplateExpresser(pack)
    for persona in _people(name)[:8]:
        cid = persona.concerns[0].id
        state = UserState(0.4, 0.5, 3, persona.initial_state.concerns, turn=3)
        reply = expresser.express((("ignored", cid),), persona, random.Random(1), state)
        worries = {line.format_map(persona.traits) for line in pack.concern_by_id[cid].reveal_lines}
        complaints = {line.format_map(persona.traits) for line in pack.user_lines.ignored}
        assert any(w in reply for w in worries) and any(c in reply for c in complaints), reply


def test_a_touched_worry_frame_is_not_said_twice_in_a_call():
    """Round 17: "That's the sort of thing I wanted to ask about." twice, word for word, in one call."""
    from protod.agent.views import Message

    pack = load_scenario("courier_recruitment")
    persona = PersonaSampler(pack, 0).sample(1)[0]
    expresser = TemplateExpresser(pack)
    # the caller's words for the fact, a cue that names the worry: echoed in the frame
    touched = [(c.id, fid, cue) for c in pack.concerns for fid in c.resolution_facts[:1]
               for cue in pack.fact_by_id[fid].cues[:1] if heard_phrase(pack, fid, f"There's {cue}.", about=c.id)][:4]
    assert len(touched) >= 3
    for seed in range(20):
        history: list = []
        frames = []
        for cid, fid, cue in touched:
            said = f"There's {cue}."
            reply = expresser.express((("voiced", cid, fid),), persona, random.Random(seed), None, tuple(history), said)
            history.append(Message(role="user", text=reply))
            assert "? " in reply, reply
            frames.append(reply.split("? ", 1)[-1].split(". ")[0])
        assert len(set(frames)) == len(frames), frames


def test_a_worry_touched_in_other_words_is_said_in_the_users_own():
    """Round 23: "What would be your biggest hesitation?" -> "That's partly what I wanted to ask about. And that would
    hold for me too?": without the caller's words for the fact that touched it, the user names the worry itself."""
    pack = load_scenario("courier_recruitment")
    persona = PersonaSampler(pack, 0).sample(1)[0]
    expresser = TemplateExpresser(pack)
    for c in pack.concerns:
        if not c.resolution_facts:
            continue
        reply = expresser.express((("voiced", c.id, c.resolution_facts[0]),), persona, random.Random(0),
                                  agent_text="What would be your biggest hesitation?")
        assert reply in {line.format_map(persona.traits) for line in c.reveal_lines}, reply


@pytest.mark.parametrize("name", PACKS, ids=IDS)
def test_a_user_who_asked_for_the_next_step_does_not_ask_again(name):
    """Round 20: "What would I need to do?" asked, the steps told, and "That's about everything for me. What would I
    need to do?" again. Once asked, a ready user invites the ask instead; asked "Anything else?" they say so first."""
    from protod.agent.views import Message

    pack = _pack(name)
    persona = _people(name)[0]
    expresser = TemplateExpresser(pack)
    asked = expresser.render(pack.user_lines.ready[0], persona)
    history = (Message("agent", "That fixes it."), Message("user", "Good. " + asked))
    waiting = {expresser.render(line, persona) for line in pack.user_lines.ready_waiting}
    again = expresser.express((("acknowledge", pack.facts[0].id), ("ready",)), persona, random.Random(1), None, history)
    assert any(again.endswith(w) for w in waiting), again
    open_question = expresser.express((("covered",), ("ready",)), persona, random.Random(1), None, history)
    covered = {expresser.render(line, persona) for line in pack.user_lines.covered}
    assert any(open_question.startswith(c) for c in covered) and any(open_question.endswith(w) for w in waiting)
    first = expresser.express((("ready",),), persona, random.Random(1))  # nothing asked yet: the next step is asked
    assert first in {expresser.render(line, persona) for line in pack.user_lines.ready_again}


def test_a_phrase_the_caller_took_back_is_not_said_back():
    """Round 21: "either way the £40 joining fee is waived" got "£40 joining fee, okay." (a fee accepted), and "the
    refund is charged to us" got "Charged to us?". A phrase a negator or an undoing verb takes back, or one in the
    caller's "we", is not read back; the contrast's "not" ("daylight, not just direct sun") and "without a written
    warning" keep theirs."""
    from protod.user.compose import _undone, heard_phrase as _heard_phrase

    assert _undone("£40 joining fee", "either way the ", " is waived.")
    assert _undone("£40 joining fee", "there's no ", " to pay")
    assert _undone("£40 joining fee", "the ", ", which won't apply to you")
    assert not _undone("daylight", "panels run on ", ", not just direct sun")
    assert not _undone("written warning", "no account is closed without a ", " first")
    assert not _undone("no joining fee", "there's ", " at all")
    assert not _echoable("charged to us") and not _echoable("our own couriers")
    pack = _pack("courier_recruitment")
    fact = next(f for f in pack.facts if f.id == "fair_ratings")
    assert _heard_phrase(pack, fact.id, fact.text) == "written warning"


def test_a_value_already_told_is_not_news():
    """Round 21: "How many bedrooms is the cottage?" got "An old stone cottage with thick walls, since you ask." a turn
    after the user had said so. A value already said is said as such."""
    pack = _pack("courier_recruitment")
    persona = _people("courier_recruitment")[0]
    name = next(t.name for t in pack.traits if not t.answers and persona.traits.get(t.name))
    value = persona.traits[name]
    expresser = TemplateExpresser(pack)
    fresh = expresser.answer([name], persona, random.Random(0), False, "", "What's your situation?")
    told = expresser.answer([name], persona, random.Random(0), False, f"Well, {value}, mostly.", "What's your situation?")
    assert fresh and value.lower() in fresh[0].lower() and not re.match(r"(Like|As) I said, ", fresh[0]), fresh
    assert re.match(r"(Like|As) I said, ", told[0]) and value in told[0]


def test_a_user_who_wants_to_hear_more_is_not_also_leaving():
    """Round 21's verification callers: "It's not one thing. I'd want to hear a bit more ... Look, I haven't got long.
    ... Not so fast. I still have my doubts." and "... Tell me a bit more. I haven't got time for this. Bye." Asking to
    hear more declines the ask by itself, and is never said beside a complaint, a warning or a goodbye."""
    assert compose((("unsure",), ("refused_ask",))) == [("unsure",)]
    for other in (("impatient",), ("unsupported_claim",), ("doubt",), ("false_claim",), ("pressure",)):
        assert ("unsure",) not in compose((("unsure",), other, ("refused_ask",)))
    for end in ("hang_up", "reject", "timeout"):
        assert compose((("unsure",), (end,))) == [(end,)]


@pytest.mark.parametrize("name", PACKS, ids=IDS)
def test_a_first_unbacked_claim_is_doubted_and_a_second_called_out(name):
    """The first claim of a call no fact backs gets a question ("Where does it say that?"), a later one the pack's
    `false_claim` line: a person asks before they call someone a liar."""
    pack = _pack(name)
    persona = _people(name)[0]
    expresser = TemplateExpresser(pack)
    doubt = {expresser.render(line, persona) for line in pack.user_lines.doubt}
    called_out = {expresser.render(line, persona) for line in pack.user_lines.false_claim}
    for seed in range(5):
        assert expresser.express((("doubt",),), persona, random.Random(seed)) in doubt
        assert expresser.express((("unsupported_claim",),), persona, random.Random(seed)) in called_out


def test_nothing_else_is_said_beside_ready_only_once_the_next_step_was_asked():
    """ready_again ("Nothing else from my side. What's the next step?") says "nothing else" itself; once the user has
    asked for the next step, they say "nothing else" and invite the ask (ready_waiting) instead."""
    assert [e[0] for e in compose((("covered",), ("ready",)))] == ["ready"]
    assert [e[0] for e in compose((("covered",), ("ready",)), asked_next_step=True)] == ["covered", "ready"]


def test_a_worry_voiced_now_is_not_also_confirmed():
    """Round 23: "No minimum term? ... Would that apply in my case? I heard what you said, but I'm still not certain.":
    a worry touched and voiced this turn is asked about once; another worry's confirmation stays. Asking is the answer
    to an ask made in the same turn (round 25: "... And that would hold for me too? No, not today." refused before the
    caller could answer)."""
    kinds = compose((("voiced", "b", "f"), ("confirm", "b"), ("refused_ask",)))
    assert [e[0] for e in kinds] == ["voiced"]
    assert [e[0] for e in compose((("confirm", "b"), ("refused_ask",)))] == ["confirm"]
    assert [e[0] for e in compose((("voiced", "b"), ("refused_ask",)))] == ["voiced", "refused_ask"]  # a worry said
    assert [e[0] for e in compose((("voiced", "b", "f"), ("confirm", "c")))] == ["voiced", "confirm"]


def test_a_fact_is_said_back_once_a_call():
    """Round 23: "No minimum workload, right." and two turns later "Right, no minimum workload. Right. Good to know."
    The second time the fact is acknowledged without the echo, and a frame never doubles the line's opener."""
    from protod.agent.views import Message

    pack = load_scenario(str(Path(__file__).parents[1] / "data/perception/packs/translator_marketplace.yaml"))
    expresser = TemplateExpresser(pack)
    persona = PersonaSampler(pack, 0).sample(1)[0]
    said = "There's no minimum workload, so you can turn down anything."
    first = {expresser.express((("acknowledge", "choose_jobs"),), persona, random.Random(s), agent_text=said)
             for s in range(30)}
    assert all("no minimum workload" in r.lower() for r in first), first
    history = (Message("user", next(iter(first))),)
    again = {expresser.express((("acknowledge", "choose_jobs"),), persona, random.Random(s), history=history,
                               agent_text=said) for s in range(30)}
    assert not any("no minimum workload" in r.lower() for r in again), again
    assert not any(r.split()[0].strip(",.").lower() == r.split()[1].strip(",.").lower() for r in first | again)


def test_a_caller_who_says_why_is_not_asked_what_it_is_about():
    """Round 23: "I'm calling to see whether you'd be interested in coming back - have you got a minute?" "Okay, what's
    it about?" (twice). A bare "Got a minute?" still may be."""
    pack = load_scenario("merchant_recruitment")
    expresser = TemplateExpresser(pack)
    persona = PersonaSampler(pack, 0).sample(1)[0]

    def replies(text):
        return {expresser.express((("other_question",),), persona, random.Random(s), agent_text=text) for s in range(40)}

    told = replies("Hi, it's Sam from FeastFleet. I'm calling to see whether delivery could work for you. Got a minute?")
    assert told and not any("what" in r.lower() for r in told), told
    assert any("what" in r.lower() for r in replies("Hi, it's Sam from FeastFleet. Do you have a couple of minutes?"))


def test_a_worry_said_is_not_met_with_what_has_that_to_do_with_it():
    """Round 25: "I've seen delivered food from places like ours. It arrives a mess ... Sorry, what does that have to do
    with my restaurant?": the user who answers the question does not also call the turn off the subject."""
    for complaint in ("nonsense", "off_topic"):
        assert [e[0] for e in compose((("voiced", "food_quality"), (complaint,)))] == ["voiced"]
    assert [e[0] for e in compose((("nonsense",),))] == ["nonsense"]


def test_a_claim_called_out_says_which_words_are_doubted():
    """Round 26's callers could not tell what the user doubted ("which part sounds wrong to you?"): the reply says the
    caller's words back, the part nearest the fact contradicted, or the only claim when no fact is named."""
    pack = _pack("merchant_recruitment")
    persona = _people("merchant_recruitment")[0]
    expresser = TemplateExpresser(pack)
    said = "Thanks for your time. Our commission is only 5% per order, and we pay you every Friday."
    reply = expresser.express((("false_claim", "commission_rate"),), persona, random.Random(0), agent_text=said)
    assert reply.startswith('"Our commission is only 5% per order"? '), reply
    reply = expresser.express((("doubt",),), persona, random.Random(0),
                              agent_text="Great question. We give every new partner a free espresso machine.")
    assert reply.startswith('"We give every new partner a free espresso machine"? '), reply
    # no quote when the choice is not clear, nor without the caller's words
    two = "We give every partner a free espresso machine. We also fly you to Paris."
    assert not expresser.express((("doubt",),), persona, random.Random(0), agent_text=two).startswith('"')
    assert not expresser.express((("false_claim", "commission_rate"),), persona, random.Random(0)).startswith('"')


def test_a_worry_touched_is_not_welcomed_beside_a_worry_skipped():
    """Round 27: "Temple Meads? That's the sort of thing I wanted to ask about. Does that go for me as well? That
    doesn't answer my worry at all." The worry skipped is said; the one touched waits until it comes up."""
    kept = compose((("voiced", "commute", "transport_links"), ("ignored", "cost")))
    assert [e[0] for e in kept] == ["ignored"]


def test_a_hint_names_the_part_of_the_offer_and_a_second_says_it_was_said():
    """A user who names only the area of their worry says the area's own description, once as news and then as said."""
    pack = _pack("merchant_recruitment")
    persona = _people("merchant_recruitment")[0]
    expresser = TemplateExpresser(pack)
    cid = pack.concerns[0].id
    area = pack.area_by_id[pack.concerns[0].area].description
    from protod.agent.views import Message

    first = expresser.express((("hinted", cid),), persona, random.Random(0))
    assert area in first and "said" not in first.lower()
    again = expresser.express((("hinted", cid),), persona, random.Random(0), history=(Message("user", first),))
    assert area in again and "said" in again.lower(), again
    # never beside a yes, nor contradicted by a complaint in the same reply
    assert compose((("hinted", cid), ("accept",))) == [("accept",)]
    # nor declining to say the worry while the same reply says it (round 60: "I'm not ready to go into that part yet.
    # That doesn't really answer my worry. Every class I wanted had a waiting list.")
    for kind in ("guarded", "hinted"):
        for worry in ("ignored", "voiced", "restated"):
            kept = [e[0] for e in compose(((kind, cid), (worry, cid)))]
            assert kind not in kept and worry in kept, (kind, worry, kept)
    # nor answering a question and refusing to talk in the same breath (round 61: "Well, the rival app ZipSlot, as it
    # happens. I'd rather not get into that with someone I've only just met.")
    assert [e[0] for e in compose((("answered", "x"), ("guarded",)))] == ["answered"]
    # and a hint says the part of the offer without refusing in the same breath
    from protod.user.express import _HINTS
    assert not any("rather" in h or "leave it" in h or "get into it" in h for h in _HINTS)


def test_a_touched_worry_is_said_back_by_a_phrase_that_names_it():
    """Round 42: "80 bikes? Now that's something I'd been wondering about." to a worry about a safe place for the bike
    and a shower, and "Aged 18 or over? That's the bit I care about" to one about training alone: the phrase said back
    names the worry (a cue without a number first), or none is, and the worry is said in the user's words."""
    cowork = load_scenario(str(Path(__file__).parents[1] / "examples/packs/coworking_membership.yaml"))
    said = ("Nice, then you'd be well looked after: there's secure indoor storage for 80 bikes, and members get free "
            "showers, towels and a personal locker.")
    assert heard_phrase(cowork, "bike_storage", said) == "80 bikes"  # an acknowledgement may say the count back
    assert heard_phrase(cowork, "bike_storage", said, about="cycling_in") == "free showers"
    gym = load_scenario(str(Path(__file__).parents[1] / "data/perception/packs/gym_membership_winback.yaml"))
    said = "Anytime members get four free guest passes a year for someone aged 18 or over to come along with you."
    assert heard_phrase(gym, "guest_passes", said, about="training_alone") == ""
    persona = PersonaSampler(gym, 0).sample(1)[0]
    reply = TemplateExpresser(gym).express((("voiced", "training_alone", "guest_passes"),), persona, random.Random(0),
                                           None, (), said)
    assert "18 or over?" not in reply and reply.rstrip().endswith("?"), reply


def test_the_phrase_said_back_is_the_one_said_first():
    """Round 44: "as a single location you'd be on 12% for the first six months before the standard 18%" got "So, no
    joining fee and 18%.": the caller's phrase said first is the one said back."""
    pack = load_scenario("merchant_recruitment")
    said = "As a single location you'd be on 12% for the first six months before the standard 18%."
    assert heard_phrase(pack, "commission_rate", said) == "12%"


def test_a_worry_restated_with_every_line_said_is_not_said_word_for_word_again():
    """Round 47: "What made it hard to keep going?" right after "I'd pay and then not go. That's what happened last
    time." got the same two sentences again: with every line of the worry said, the user says where it lies."""
    from protod.agent.views import Message

    pack = load_scenario(str(ROOT / "data/perception/packs/gym_membership_winback.yaml"))
    expresser = TemplateExpresser(pack)
    persona = PersonaSampler(pack, 0).sample(1)[0]
    concern = pack.concern_by_id["wont_go"]
    history = tuple(Message("user", expresser.render(line, persona)) for line in concern.reveal_lines)
    state = UserState(0.4, 0.6, 5, (("wont_go", __import__("protod.user.state", fromlist=["x"]).ConcernStatus.VOICED),),
                      turn=4)
    for seed in range(20):
        reply = expresser.express((("restated", "wont_go"),), persona, random.Random(seed), state, history, "")
        assert reply and not any(m.text in reply for m in history), reply
        assert pack.area_by_id[concern.area].description in reply, reply
        # ... nor when the caller skipped it (round 61: "That doesn't really answer my worry. It was always packed
        # after work. I'm not paying to stand in a queue." twice in three turns)
        reply = expresser.express((("ignored", "wont_go"),), persona, random.Random(seed), state, history, "")
        assert reply and not any(m.text in reply for m in history), reply
        assert pack.area_by_id[concern.area].description in reply, reply


def test_a_user_ringing_off_does_not_ask_to_have_a_worry_made_sure_of():
    """Round 48: "..., do I just stop getting offers? Before anything else, I'd want that confirmed. I have to go. Bye.":
    hanging up, the user says the worry as the reason they go, and asks for nothing."""
    for terminal in ("hang_up", "reject", "timeout"):
        kept = compose((("confirm", "forced_volume"), (terminal,)))
        assert ("confirm", "forced_volume") not in kept and ("restated", "forced_volume") in kept, kept
    assert ("confirm", "forced_volume") in compose((("confirm", "forced_volume"),))


def test_a_reply_opens_on_each_filler_once():
    """Round 66: "Well, school hours only. You've already answered that one for me. Well, I'm ready when you are."."""
    from protod.user.express import _once_each_opener

    assert _once_each_opener(["Well, school hours only.", "Good.", "Well, I'm ready when you are."]) == [
        "Well, school hours only.", "Good.", "I'm ready when you are."]
    assert _once_each_opener(["Okay.", "Okay, go on."]) == ["Okay.", "Go on."]
    assert _once_each_opener(["Okay.", "Okay."]) == ["Okay."]
    assert _once_each_opener(["Wellington is far.", "Well, fine."]) == ["Wellington is far.", "Well, fine."]

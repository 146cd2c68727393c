"""A user who answers what was asked: dynamics and replies for natural calls, and `protod chat --blind --session`."""

from __future__ import annotations

import json
import random

from typer.testing import CliRunner

from protod.cli import app
from protod.user.persona import PersonaSampler
from protod.world import load_scenario
from protod.user.express import TemplateExpresser
from protod.user.state import ConcernStatus, Perception, transition

runner = CliRunner()


def _user(pack, seed=0):
    return PersonaSampler(pack, seed).sample(1)[0]


def _severity(pack):
    return {c.id: c.severity for c in pack.concerns}


def test_a_lying_turn_resolves_nothing_and_is_not_thanked():
    pack = load_scenario("courier_recruitment")
    persona = _user(pack)
    cid = persona.concerns[0].id
    fact = pack.concern_by_id[cid].resolution_facts[0]
    state = persona.initial_state
    voiced = transition(state, Perception(probes=(cid,), pointed=frozenset({cid})), _severity(pack), pack.dynamics, 12).state
    assert voiced.status(cid) is ConcernStatus.VOICED
    for lie in (Perception(facts=(fact,), addressed=((cid, fact),), false_claims=("gear_kit",)),
                Perception(facts=(fact,), addressed=((cid, fact),), unsupported=True)):
        move = transition(voiced, lie, _severity(pack), pack.dynamics, 12)
        assert move.state.status(cid) is ConcernStatus.VOICED  # not believed
        assert move.state.stance < voiced.stance and move.state.trust < voiced.trust
        assert not any(e[0] in ("resolved", "acknowledge") for e in move.events)
    honest = transition(voiced, Perception(facts=(fact,), addressed=((cid, fact),)), _severity(pack), pack.dynamics, 12)
    assert honest.state.status(cid) is ConcernStatus.RESOLVED


def test_a_guarded_user_says_so_instead_of_denying_the_worry():
    pack = load_scenario("courier_recruitment")
    persona = _user(pack)
    cid = persona.concerns[0].id
    wary = type(persona.initial_state)(**{**{f: getattr(persona.initial_state, f) for f in persona.initial_state.__slots__}, "trust": 0.3})
    move = transition(wary, Perception(probes=(cid,)), _severity(pack), pack.dynamics, 12)  # vague probe, low trust
    assert ("guarded",) in move.events and ("no_concern",) not in move.events
    held = {c.id for c in persona.concerns}
    other = next(c.id for c in pack.concerns if c.id not in held)
    move = transition(wary, Perception(probes=(other,)), _severity(pack), pack.dynamics, 12)
    assert ("no_concern",) in move.events


def test_a_question_about_the_user_gets_an_answer_from_the_persona():
    pack = load_scenario("courier_recruitment")
    persona = _user(pack, 3)
    move = transition(persona.initial_state, Perception(question=True, asked_traits=("vehicle",)), _severity(pack), pack.dynamics, 12)
    assert ("answered", "vehicle") in move.events
    reply = TemplateExpresser(pack).express(move.events, persona, random.Random(0))
    assert persona.traits["vehicle"].lower() in reply.lower()


def test_chat_session_plays_one_turn_per_command_and_replays_exactly(tmp_path):
    session = tmp_path / "call.json"
    base = ["chat", "-s", "courier_recruitment", "--seed", "2", "--blind", "--session", str(session)]
    r = runner.invoke(app, base)
    assert r.exit_code == 0 and "What you may truthfully claim" in r.output
    pack = load_scenario("courier_recruitment")
    persona = _user(pack, 2)
    concern = pack.concern_by_id[persona.concerns[0].id]
    lines = [concern.probe_question, pack.fact_by_id[concern.resolution_facts[0]].text]
    replies = []
    for line in lines:
        r = runner.invoke(app, [*base, "--say", line])
        assert r.exit_code == 0, r.output
        assert "stance" not in r.output and "probe:" not in r.output  # blind: no state, no acts
        replies.append(r.output)
    saved = json.loads(session.read_text())
    assert saved["said"] == lines and saved["turns"][1]["state"]["concerns"][concern.id] == "resolved"
    # the same call played in one go gives the same replies
    from protod.user.simulator import make_simulator

    sim, state, rng, history = make_simulator("rule", pack), persona.initial_state, random.Random("chat:2"), ()
    for line, shown in zip(lines, replies):
        turn = sim.step(persona, state, line, rng, history)
        state = turn.state
        assert f"user: {turn.text}" in " ".join(shown.split())  # (the terminal wraps long replies)
    assert "differs from the one recorded" not in "".join(replies)
    # a reply recorded that the replay no longer gives (the simulator changed mid-call) is said, not hidden
    saved["turns"][0]["user"] = "Something the user never says."
    session.write_text(json.dumps(saved))
    r = runner.invoke(app, [*base, "--say", "Thanks for your time."])
    assert r.exit_code == 0 and "reply to turn 1 differs from the one recorded" in " ".join(r.output.split()), r.output
    r = runner.invoke(app, ["chat", "-s", "merchant_recruitment", "--seed", "2", "--session", str(session), "--say", "hi"])
    assert r.exit_code == 2 and "this call was started with" in r.output
    r = runner.invoke(app, ["chat", "--say", "hello"])
    assert r.exit_code == 2 and "--say needs --session" in r.output
    session.write_text("[1, 2]")
    r = runner.invoke(app, [*base, "--say", "hello"])
    assert r.exit_code == 2 and "not a chat session file" in r.output


def test_a_user_warns_once_before_hanging_up_on_idle_turns():
    """Round 15: "I don't have time for this. Bye." came after a polite line with no sign of annoyance before it."""
    pack = load_scenario("courier_recruitment")
    persona = _user(pack, 5)
    state = persona.initial_state.__class__(**{**{f: getattr(persona.initial_state, f)
                                                  for f in persona.initial_state.__slots__}, "patience": 3})
    expresser, idle = TemplateExpresser(pack), Perception(pitch=True)
    warned = []
    for _ in range(4):
        move = transition(state, idle, _severity(pack), pack.dynamics, 12)
        warned.append(("impatient",) in move.events)
        if ("impatient",) in move.events:
            reply = expresser.express(move.events, persona, random.Random(0), move.state)
            assert any(str(line) in reply for line in pack.user_lines.impatient), reply
        state = move.state
        if state.done:
            break
    assert warned == [False, True, False] and state.decision.value == "hang_up", (warned, state)


def test_chat_privileged_briefing_names_the_hidden_worries_and_blind_alone_does_not(tmp_path):
    """The privileged view (issue 20's bar: natural callers told the hidden concerns win >= 85%): `--privileged` names
    this user's hidden worries in the briefing; without it nothing of them is shown."""
    pack = load_scenario("courier_recruitment")
    persona = _user(pack, 2)
    worries = [pack.concern_by_id[c.id].description for c in persona.concerns]
    base = ["chat", "-s", "courier_recruitment", "--seed", "2", "--blind"]
    shown = " ".join(runner.invoke(app, [*base, "--privileged", "--session", str(tmp_path / "a.json")]).output.split())
    assert all(" ".join(w.split()) in shown for w in worries), shown
    hidden = " ".join(runner.invoke(app, [*base, "--session", str(tmp_path / "b.json")]).output.split())
    assert not any(w in hidden for w in worries) and "privileged view" not in hidden


def test_a_declined_ask_on_the_calls_first_line_does_not_end_the_call_unless_pushed():
    """Round 92: "..., and I wanted to ask whether you'd consider taking on an apprentice joiner through us?" on the
    first line got "Thanks, but we'll pass." and the call was over; most calls open that way, and a person says no to
    it and hears the caller out. A second declined ask at low stance still rejects, and so does a pushed first ask."""
    pack = load_scenario("courier_recruitment")
    state = _user(pack, 5).initial_state
    state = state.__class__(**{**{f: getattr(state, f) for f in state.__slots__}, "stance": 0.13})
    ask = Perception(closing_ask=True)
    first = transition(state, ask, _severity(pack), pack.dynamics, 12)
    assert ("refused_ask",) in first.events and not first.state.done, first
    second = transition(first.state, ask, _severity(pack), pack.dynamics, 12)
    assert second.state.decision.value == "reject", second
    pushed = transition(state, Perception(closing_ask=True, pressure=True), _severity(pack), pack.dynamics, 12)
    assert pushed.state.decision.value == "reject", pushed


def test_a_question_pointed_at_one_worry_is_not_answered_as_another_settled_before():
    """Round 98: "Is there anything else that would stop you switching, say space for bins on a pedestrian street, or
    timing?" pointed at the bins worry got "We've covered that, and I'm fine with it now." of the contract worry the
    caller had settled a turn before; a user with another worry names it instead."""
    pack = load_scenario("merchant_recruitment")
    persona = _user(pack, 0)
    first, second = (c.id for c in pack.concerns[:2])
    statuses = {first: ConcernStatus.RESOLVED, second: ConcernStatus.HIDDEN}
    state = persona.initial_state.__class__(**{**{f: getattr(persona.initial_state, f)
                                                  for f in persona.initial_state.__slots__},
                                               "concerns": tuple(statuses.items()), "trust": 0.9})
    third = next(c.id for c in pack.concerns if c.id not in statuses)
    move = transition(state, Perception(probes=(first, third), pointed=frozenset({third}), question=True),
                      _severity(pack), pack.dynamics, 12)
    assert not any(e[0] == "settled" for e in move.events), move.events
    move = transition(state, Perception(probes=(first,), pointed=frozenset({first}), question=True),
                      _severity(pack), pack.dynamics, 12)
    assert ("settled", first) in move.events, move.events

"""User lines true to the dialogue: the line schema (facts, when), its validation, and how the expresser picks."""

import random
import re
from pathlib import Path

import pytest
import yaml

from protod.agent.registry import make_scripted_agent
from protod.user.persona import PersonaSampler
from protod.store.provenance import pack_fingerprint
from protod.run.rollout import run_episodes
from protod.world import ScenarioError, UserLine, UserLines, parse_scenario
from protod.user.express import TemplateExpresser
from protod.user.llm_express import LLMExpresser
from protod.user.state import Perception, transition

MERCHANT = Path(__file__).parents[1] / "src/protod/scenarios/merchant_recruitment.yaml"


def _lists(pack):
    """Every line list of a pack, with the facts an event on it can carry."""
    for c in pack.concerns:
        yield f"{c.id}.reveal_lines", c.reveal_lines, c.resolution_facts
        yield f"{c.id}.resolved_lines", c.resolved_lines, c.resolution_facts
    for name in UserLines.model_fields:
        yield f"user_lines.{name}", getattr(pack.user_lines, name), []


# -- the schema ---------------------------------------------------------------------------------------------------


def test_a_line_is_a_string_that_knows_what_it_cites():
    plain = UserLine("Okay, noted.")
    cited = UserLine("Twelve percent? Fine.", ["commission_rate"], {"store_count": ["a single location"]})
    assert plain == "Okay, noted." and plain.neutral and plain.fits({}, ())
    assert cited.text == "Twelve percent? Fine." and not cited.neutral
    assert cited.fits({"store_count": "a single location"}, ("commission_rate",))
    assert not cited.fits({"store_count": "a chain of six locations"}, ("commission_rate",))  # wrong trait
    assert not cited.fits({"store_count": "a single location"}, ("no_fees",))  # resolved by another fact
    assert not cited.fits({"store_count": "a single location"}, ())  # asked, not answered


def test_builtin_packs_annotate_lines_and_keep_a_neutral_line_everywhere(pack):
    cited = [line for _, lines, _ in _lists(pack) for line in lines if line.facts]
    conditioned = [line for _, lines, _ in _lists(pack) for line in lines if line.when]
    assert len(cited) >= len(pack.concerns)  # resolved lines name what resolved them
    assert conditioned
    for where, lines, _ in _lists(pack):
        assert any(line.neutral for line in lines), where


def test_annotations_survive_a_dump_and_count_in_the_fingerprint(pack):
    again = parse_scenario(yaml.safe_dump(pack.model_dump(mode="json"), sort_keys=False), source="dump.yaml")
    assert again.model_dump() == pack.model_dump()
    assert [line.facts for _, ls, _ in _lists(again) for line in ls] == [line.facts for _, ls, _ in _lists(pack) for line in ls]
    stripped = pack.model_dump(mode="json")
    first = next(i for i, c in enumerate(pack.concerns) if any(line.facts for line in c.resolved_lines))
    stripped["concerns"][first]["resolved_lines"] = [str(line) for line in pack.concerns[first].resolved_lines]
    assert pack_fingerprint(parse_scenario(yaml.safe_dump(stripped), source="x.yaml")) != pack_fingerprint(pack)


def _broken(mutate) -> str:
    data = yaml.safe_load(MERCHANT.read_text())
    mutate(data)
    return yaml.safe_dump(data, sort_keys=False)


def _resolved(d, i=0):
    return d["concerns"][i]["resolved_lines"]


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda d: _resolved(d).append({"text": "Great.", "facts": ["free_lunch"]}), "concerns.0.resolved_lines.4.facts.0", "unknown fact 'free_lunch'"),
        (lambda d: _resolved(d).append({"text": "Great.", "facts": ["no_fees"]}), "concerns.0.resolved_lines.4.facts.0", "does not answer this concern"),
        (lambda d: _resolved(d, 3).append({"text": "Great.", "facts": ["order_forecast", "new_store_boost"]}), "concerns.3.resolved_lines.4.facts", "may cite one fact"),
        (lambda d: _resolved(d).append({"text": "Great.", "when": {"shoe_size": ["big"]}}), "concerns.0.resolved_lines.4.when.shoe_size", "unknown trait 'shoe_size'"),
        (lambda d: _resolved(d).append({"text": "Great.", "when": {"store_count": ["a castle"]}}), "concerns.0.resolved_lines.4.when.store_count.0", "'a castle' is not a value"),
        (lambda d: _resolved(d).append({"text": "Great.", "when": {"store_count": []}}), "concerns.0.resolved_lines.4.when.store_count", "at least one allowed value"),
        (lambda d: _resolved(d).append({"text": "Great.", "fact": ["commission_rate"]}), "concerns.0.resolved_lines.4.fact", "unknown field"),
        (lambda d: _resolved(d).append({"facts": ["commission_rate"]}), "concerns.0.resolved_lines.4.text", "required field is missing"),
        (lambda d: _resolved(d).append(42), "concerns.0.resolved_lines.4", "a string or a mapping"),
        (lambda d: _resolved(d).append({"text": "My {shoe_size}.", "when": {"store_count": ["a single location"]}}), "concerns.0.resolved_lines.4.text", "not a trait field"),
        (lambda d: d["user_lines"]["pitch"].append({"text": "Hm.", "facts": ["no_fees"]}), "user_lines.pitch.4.facts", "only a concern's lines may cite facts"),
        (lambda d: d["concerns"][0].__setitem__("resolved_lines", [{"text": "Fine.", "facts": ["commission_rate"]}]), "concerns.0.resolved_lines", "needs at least one neutral line"),
        (lambda d: d["user_lines"].__setitem__("accept", [{"text": "Yes.", "when": {"store_count": ["a single location"]}}]), "user_lines.accept", "needs at least one neutral line"),
    ],
)
def test_bad_line_is_rejected_naming_file_line_and_field(mutate, field, words):
    text = _broken(mutate)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="my_pack.yaml")
    problem = next((p for p in info.value.problems if p.path == field), None)
    assert problem is not None, info.value.lines()
    assert words in problem.message
    assert problem.line is not None
    line = info.value.format_problem(problem)
    assert line.startswith(f"my_pack.yaml:{problem.line}: {field}: ") and "\n" not in line


def test_plain_string_lines_still_load():
    data = yaml.safe_load(MERCHANT.read_text())
    for c in data["concerns"]:
        c["reveal_lines"] = [line if isinstance(line, str) else line["text"] for line in c["reveal_lines"]]
        c["resolved_lines"] = [line if isinstance(line, str) else line["text"] for line in c["resolved_lines"]]
    pack = parse_scenario(yaml.safe_dump(data), source="plain.yaml")
    assert all(line.neutral for c in pack.concerns for line in c.reveal_lines + c.resolved_lines)


# -- events and choices -------------------------------------------------------------------------------------------


def test_resolution_and_unprompted_voicing_carry_the_fact(pack):
    concern = pack.concerns[0]
    fact = concern.resolution_facts[-1]
    persona = next(p for p in PersonaSampler(pack, 0).sample(60) if p.concerns[0].id == concern.id)
    severity = {c.id: c.severity for c in persona.concerns}
    hidden = persona.initial_state
    told = transition(hidden, Perception(facts=(fact,), addressed=((concern.id, fact),)), severity, pack.dynamics, 12)
    assert ("voiced", concern.id, fact) in told.events  # answered before asked: the worry, on the fact that touched it
    settled = transition(told.state, Perception(facts=(fact,), addressed=((concern.id, fact),)), severity, pack.dynamics, 12)
    assert ("resolved", concern.id, fact) in settled.events
    probed = transition(hidden, Perception(probes=(concern.id,), pointed=frozenset({concern.id}), question=True), severity, pack.dynamics, 12)
    assert [e for e in probed.events if e[0] == "voiced"] == [("voiced", concern.id)]  # asked, not told: no fact


def test_a_worry_answered_first_is_brought_up_again_as_one_to_confirm_not_as_news(pack):
    from protod.user.express import _CONFIRM_FRAMES

    concern = pack.concerns[0]
    fact = concern.resolution_facts[-1]
    persona = next(p for p in PersonaSampler(pack, 0).sample(60) if p.concerns[0].id == concern.id)
    severity = {c.id: c.severity for c in persona.concerns}
    told = transition(persona.initial_state, Perception(facts=(fact,), addressed=((concern.id, fact),)), severity,
                      pack.dynamics, 12)
    asked = transition(told.state, Perception(closing_ask=True), severity, pack.dynamics, 12)
    assert ("confirm", concern.id) in asked.events
    expresser = TemplateExpresser(pack)
    for seed in range(6):
        reply = expresser.express(asked.events, persona, random.Random(seed), asked.state, (), "Shall we sign you up?")
        assert any(reply.endswith(frame) for frame in _CONFIRM_FRAMES), reply  # after the worry it is about
    directive = LLMExpresser(pack, backend=None).prompt(persona, asked.state, asked.events, (), "Sign up?")[-1]["content"]
    assert "confirmed" in directive and concern.description in directive


def test_every_pick_fits_the_persona_and_the_resolving_fact(pack):
    expresser = TemplateExpresser(pack)
    personas = PersonaSampler(pack, 3).sample(150)
    rng = random.Random(0)
    for where, lines, facts in _lists(pack):
        for persona in personas:
            for carried in [()] + [(f,) for f in facts]:
                eligible = {line for line in lines if line.fits(persona.traits, carried)}
                assert eligible, (where, persona.traits, carried)
                for _ in range(4):
                    line = expresser.pick(lines, persona, rng, carried)
                    assert line in eligible
                    assert set(line.facts) <= set(carried), (where, line, carried)
                    assert all(persona.traits[t] in values for t, values in line.when.items()), (where, line)


def test_every_eligible_line_gets_said_across_seeds(pack):
    """Diversity is kept: the choice ranges over all lines that fit, not just the neutral one (for a user with no
    trait `voice`, which narrows it to the shorter or longer half)."""
    expresser = TemplateExpresser(pack)
    persona = next(p for p in PersonaSampler(pack, 0).sample(30) if expresser.voice(p) is None)
    for c in pack.concerns:
        for fact in c.resolution_facts:
            eligible = {line.format_map(persona.traits) for line in c.resolved_lines if line.fits(persona.traits, (fact,))}
            said = {expresser.express((("resolved", c.id, fact),), persona, random.Random(seed)) for seed in range(80)}
            assert said == eligible, (c.id, fact)
            assert len(said) >= 2 or len(c.resolved_lines) < 3, (c.id, fact, said)


def test_replies_differ_across_seeds_and_repeat_within_one(pack):
    personas = PersonaSampler(pack, 0).sample(60)

    def replies(seed):
        trajs = run_episodes(pack, make_scripted_agent("oracle"), personas, seed=seed)
        return [turn["user"] for t in trajs for turn in t.turns]

    a, b = replies(0), replies(1)
    assert a == replies(0)
    differing = sum(x != y for x, y in zip(a, b))
    assert differing >= 0.3 * min(len(a), len(b)), differing
    resolutions = {turn["user"] for t in run_episodes(pack, make_scripted_agent("oracle"), PersonaSampler(pack, 1).sample(300), seed=2)
                   for turn in t.turns if any(e.startswith("resolved:") for e in turn["events"])}
    assert len(resolutions) >= 2 * len(pack.concerns), len(resolutions)


def test_llm_directive_names_the_resolving_fact(pack):
    persona = next(p for p in PersonaSampler(pack, 0).sample(40) if len(p.concerns) == 3)
    concern = pack.concern_by_id[persona.concerns[0].id]
    fact = pack.fact_by_id[concern.resolution_facts[-1]]
    other = [pack.fact_by_id[f].text for f in concern.resolution_facts if f != fact.id]
    expresser = LLMExpresser(pack, backend=None)
    messages = expresser.prompt(persona, persona.initial_state, (("resolved", concern.id, fact.id),), (), fact.text)
    directive = messages[-1]["content"].split("[What you do in your reply:")[1]
    assert fact.text in directive and concern.description in directive
    assert not any(text in directive for text in other)
    plain = expresser.prompt(persona, persona.initial_state, (("voiced", concern.id),), (), "What worries you?")
    assert fact.text not in plain[-1]["content"]


def test_every_user_has_at_least_two_ways_to_say_each_thing(pack):
    """Conditions must not starve diversity: each held worry, voiced or settled by any of its facts, has >= 2 lines."""
    for persona in PersonaSampler(pack, 9).sample(600):
        for held in persona.concerns:
            c = pack.concern_by_id[held.id]
            assert sum(line.fits(persona.traits) for line in c.reveal_lines) >= 2, (c.id, persona.traits)
            for fact in c.resolution_facts:
                assert sum(line.fits(persona.traits, (fact,)) for line in c.resolved_lines) >= 2, (c.id, fact, persona.traits)


def test_a_question_beside_a_fact_acknowledged_without_echo_is_answered(pack):
    """Round 11: "Hi, this is Sam from CareSlot, we do online booking ... do you have a minute?" credited a fact the
    caller had no words for, and the reply was "Okay, noted." to a yes/no question; it is now the question's answer."""
    persona = PersonaSampler(pack, 0).sample(1)[0]
    answering = {f for c in persona.concerns for f in pack.concern_by_id[c.id].resolution_facts}
    fact = next(f for f in pack.facts if f.id not in answering and f.cues)
    severity = {c.id: c.severity for c in persona.concerns}
    both = transition(persona.initial_state, Perception(facts=(fact.id,), question=True), severity, pack.dynamics, 12)
    assert ("other_question",) in both.events and any(e[0] == "acknowledge" for e in both.events)
    expresser = TemplateExpresser(pack)
    for seed in range(6):
        reply = expresser.express(both.events, persona, random.Random(seed), both.state, (), "Got a minute?")
        assert reply in {str(x) for x in pack.user_lines.other_question}, reply
    # with the caller's own words for the fact, the reply says which fact it heard, as before
    echoed = expresser.express(both.events, persona, random.Random(0), both.state, (), f"{fact.cues[0]}. Got a minute?")
    assert re.match(r"(So|Right|Okay), ", echoed), echoed


def test_a_fact_is_echoed_in_no_two_replies_running(pack):
    """Round 13: "So, £165 a month. Okay, noted." after every fact read as a tic. An echo is not repeated in the next
    reply, and beside a worry or an answer it is only a lead ("£165 a month, okay. ...")."""
    from types import SimpleNamespace

    persona = PersonaSampler(pack, 0).sample(1)[0]
    answering = {f for c in persona.concerns for f in pack.concern_by_id[c.id].resolution_facts}
    fact = next((f for f in pack.facts if f.id not in answering and f.cues), None)
    if fact is None:
        pytest.skip("every fact answers one of this user's worries")
    severity = {c.id: c.severity for c in persona.concerns}
    heard = transition(persona.initial_state, Perception(facts=(fact.id,)), severity, pack.dynamics, 12)
    assert [e[0] for e in heard.events] == ["acknowledge"], heard.events
    expresser = TemplateExpresser(pack)
    said = f"{fact.cues[0]}."
    first = expresser.express(heard.events, persona, random.Random(0), heard.state, (), said)
    assert re.match(r"(So|Right|Okay), ", first), first
    history = (SimpleNamespace(role="agent", text=said), SimpleNamespace(role="user", text=first))
    second = expresser.express(heard.events, persona, random.Random(0), heard.state, history, said)
    assert fact.cues[0].lower() not in second.lower(), second
    # beside an answer to a question about the user, the echo is a short lead
    asked = ("acknowledge", fact.id), ("answered", pack.traits[0].name)
    lead = expresser.express(asked, persona, random.Random(0), heard.state, (), said)
    cue = fact.cues[0].lower()
    assert lead.lower().startswith((f"{cue}, okay.", f"{cue}, right.", f"okay, {cue}.", f"right, {cue}.")), lead


def test_a_question_that_names_the_users_value_is_confirmed_not_told_back():
    """Round 14: "Would you consider teaching A-level chemistry?" got "A-level chemistry, as it happens", news the
    caller had just said. A value the question names is confirmed; one it does not name is told."""
    from protod.world import load_scenario

    pack = load_scenario(str(Path(__file__).parents[1] / "examples" / "packs" / "tutor_recruitment.yaml"))
    persona = next(p for p in PersonaSampler(pack, 0).sample(40) if p.traits["subject"] == "A-level chemistry")
    expresser = TemplateExpresser(pack)
    for seed in range(6):
        named = expresser.express((("answered", "subject"),), persona, random.Random(seed),
                                  agent_text="Do you teach A-level chemistry at the moment?")
        told = expresser.express((("answered", "subject"),), persona, random.Random(seed),
                                 agent_text="What subject do you teach?")
        assert named.startswith(("That's right", "Yes")) and "as it happens" not in named, named
        assert "A-level chemistry" in told and not told.startswith(("That's right", "Yes")), told


def test_a_user_who_has_opened_up_is_never_guarded_as_with_a_stranger(pack):
    """Round 15: right after "No forced discounts. That matters a lot to me", "What else would you need to know?" got
    "I'd rather not get into that with someone I've only just met"."""
    persona = next(p for p in PersonaSampler(pack, 0).sample(60) if len(p.concerns) >= 2)
    first, second = persona.concerns[0].id, persona.concerns[1].id
    severity = {c.id: c.severity for c in persona.concerns}
    low = persona.initial_state.__class__(**{**{f: getattr(persona.initial_state, f) for f in persona.initial_state.__slots__},
                                             "trust": pack.dynamics.voice_trust_min + 0.01})
    expresser = TemplateExpresser(pack)
    stranger = set(map(str, pack.user_lines.guarded))
    guarded = transition(low, Perception(probes=(second,), question=True), severity, pack.dynamics, 12)
    assert ("guarded",) in guarded.events
    assert expresser.express(guarded.events, persona, random.Random(0), guarded.state) in stranger
    shared = transition(low, Perception(probes=(first,), pointed=frozenset({first}), question=True), severity,
                        pack.dynamics, 12).state
    later = transition(shared, Perception(probes=(second,), question=True), severity, pack.dynamics, 12)
    assert ("guarded",) in later.events, later.events
    # (with the first worry said and unanswered, the reply is about that worry: declining to go into another beside
    # it read as declining to say what it says, round 60; without it, the reserve is that of someone who has opened up)
    assert any(e[0] == "ignored" for e in later.events), later.events
    reserved = tuple(e for e in later.events if e[0] != "ignored")
    for seed in range(6):
        reply = expresser.express(later.events, persona, random.Random(seed), later.state)
        assert not any(line in reply for line in stranger), reply
        assert not any(str(line) in reply for line in pack.user_lines.guarded_later), reply
        reply = expresser.express(reserved, persona, random.Random(seed), later.state)
        assert any(reply.startswith(str(line)) for line in pack.user_lines.guarded_later), reply


def test_two_parts_of_a_reply_never_open_with_the_same_word(pack):
    """Round 16: "Alright, if the food travels well, my name is safe. Alright, that sounds workable." A part is drawn
    among the lines that do not open as the part before it does, when the list has one (after a settled worry the
    ready line says only its question: round 17)."""
    from protod.user.compose import last_question as _last_question, reply_opener as _opener

    expresser = TemplateExpresser(pack)
    persona = PersonaSampler(pack, 0).sample(1)[0]
    checked = 0
    for concern in pack.concerns:
        fact = concern.resolution_facts[0]
        for seed in range(8):
            reply = expresser.express((("resolved", concern.id, fact), ("ready",)), persona, random.Random(seed))
            asked = next((_last_question(str(line)) for line in pack.user_lines.ready
                          if reply.endswith(_last_question(str(line)))), None)
            if asked is None or reply.startswith(asked):
                continue
            checked += 1
            assert _opener(reply) != _opener(asked), reply
    assert checked >= 20
    # a resolved line that opens as every ready question does still gets a ready question that opens otherwise
    lines = [str(line) for line in pack.user_lines.ready]
    assert len({_opener(_last_question(x)) for x in lines}) > 1


def test_a_thanked_fact_says_back_only_the_callers_amounts():
    """Round 22: "£29 a month" was answered "Five hundred down and a hundred up for twenty-nine pounds?": a resolved line
    repeats only amounts the caller said, when such a line fits, and every line still gets said to a full answer."""
    pack = parse_scenario((Path(__file__).parents[1] / "examples/packs/home_broadband.yaml").read_text())
    concern = next(c for c in pack.concerns if "plan_price" in c.resolution_facts)
    expresser = TemplateExpresser(pack)
    persona = next(p for p in PersonaSampler(pack, 0).sample(30) if expresser.voice(p) is None)
    event = (("resolved", concern.id, "plan_price"),)

    def said(agent_text):
        return {expresser.express(event, persona, random.Random(seed), agent_text=agent_text) for seed in range(60)}

    short = said("It's just £29 a month with us.")
    assert short and not any("hundred" in line for line in short), short
    assert any("twenty-nine" in line for line in short)  # the line with the caller's own amount stays
    full = said("It's £29 a month for 500 Mbps download and 100 Mbps upload.")
    assert any("hundred up" in line for line in full) and any("five hundred meg" in line for line in full), full


def test_a_value_that_denies_is_told_not_confirmed():
    """Round 26: "Could I just ask whether tutoring for a few hours a week is something you've ever thought about?" got
    "Yes, never tutored before, that's me.": the question names "tutoring", not that they never have."""
    from protod.user.persona import PersonaSampler
    from protod.world import load_scenario
    from protod.user.express import TemplateExpresser

    pack = load_scenario(str(Path(__file__).parents[1] / "examples/packs/tutor_recruitment.yaml"))
    persona = next(p for p in PersonaSampler(pack, 0).sample(200) if p.traits["tutoring_experience"] == "never tutored before")
    asked = "Could I just ask whether tutoring for a few hours a week is something you've ever thought about?"
    (line,) = TemplateExpresser(pack).answer(["tutoring_experience"], persona, random.Random(0), False, "", asked)
    assert "never tutored before" in line.lower() and not line.lower().startswith(("yes", "that's right")), line
    (line,) = TemplateExpresser(pack).answer(["tutoring_experience"], persona, random.Random(0), False, "",
                                             "So you've never tutored before?")
    assert line.lower().startswith(("yes", "that's right")), line


def test_a_question_naming_the_value_by_its_own_word_is_confirmed():
    """Round 27: "How are you finding fitting tutoring around the PGCE at the moment?" got "A PGCE student, since you
    ask."; "What's your budget like?" names the trait, not the value, and is told."""
    from protod.user.persona import PersonaSampler
    from protod.world import load_scenario
    from protod.user.express import TemplateExpresser

    pack = load_scenario(str(Path(__file__).parents[1] / "data/perception/packs/gym_membership_winback.yaml"))
    people = PersonaSampler(pack, 0).sample(300)
    tight = next(p for p in people if p.traits["budget"] == "a tight budget")
    expresser = TemplateExpresser(pack)
    (line,) = expresser.answer(["budget"], tight, random.Random(0), False, "", "How's the budget looking these days?")
    assert not line.lower().startswith(("yes", "that's right")), line
    (line,) = expresser.answer(["budget"], tight, random.Random(0), False, "", "Is money a bit tight at the moment?")
    assert line.lower().startswith(("yes", "that's right")) and "a tight budget" in line, line
    assert "that's me" not in line


def test_a_value_is_confirmed_by_the_questions_words_and_never_said_twice_in_a_reply():
    """Round 29: "..., you choose your own shifts in the app. Have you done delivery work before?" got "Yes, that's
    right: ridden for a rival app." (the statement's "app"); "I'm out of contract for over a year ... Out of contract for
    over a year, since you ask." said the value twice."""
    from protod.user.persona import PersonaSampler
    from protod.world import load_scenario
    from protod.user.express import TemplateExpresser

    pack = load_scenario("courier_recruitment")
    people = PersonaSampler(pack, 0).sample(400)
    rival = next(p for p in people if p.traits.get("experience") == "ridden for a rival app")
    expresser = TemplateExpresser(pack)
    asked = "You choose your own shifts in the app. Have you done delivery work before?"
    (line,) = expresser.answer(["experience"], rival, random.Random(0), False, "", asked)
    assert not line.lower().startswith(("yes", "that's right")), line
    (line,) = expresser.answer(["experience"], rival, random.Random(0), False, "", "Have you ridden for another app?")
    assert line.lower().startswith(("yes", "that's right")), line
    # round 46: a wish to hear what or how asks for the value, as a question with a question word does
    asked = "First I'd like to hear what your experience with the other app was like, good and bad."
    (line,) = expresser.answer(["experience"], rival, random.Random(0), False, "", asked)
    assert not line.lower().startswith(("yes", "that's right")) and "rival app" in line, line
    broadband = load_scenario(str(Path(__file__).parents[1] / "examples/packs/home_broadband.yaml"))
    value = "just off a twelve-month promo deal"
    person = next(p for p in PersonaSampler(broadband, 0).sample(800)
                  if p.traits["contract_status"] == value and any(c.id == "price_rise" for c in p.concerns))
    replies = [TemplateExpresser(broadband).express((("voiced", "price_rise"), ("answered", "contract_status")), person,
                                                     random.Random(seed), agent_text="Are you in contract, and is "
                                                     "anything holding you back?") for seed in range(40)]
    assert any(value in r for r in replies)  # the worry's own line names it in some replies, the answer in others
    assert all(r.lower().count(value) == 1 for r in replies), [r for r in replies if r.lower().count(value) != 1]


def test_a_thanked_fact_says_back_only_the_callers_words():
    """Round 29: "it all runs in the browser, nothing to download" was answered "Just a laptop with a webcam and a
    whiteboard built in.": a resolved line cites no word of its fact the caller did not say, when such a line fits."""
    pack = parse_scenario((Path(__file__).parents[1] / "examples/packs/tutor_recruitment.yaml").read_text())
    expresser = TemplateExpresser(pack)
    persona = next(p for p in PersonaSampler(pack, 0).sample(30) if expresser.voice(p) is None)
    event = (("resolved", "tech_setup", "browser_classroom"),)

    def said(agent_text):
        return {expresser.express(event, persona, random.Random(seed), agent_text=agent_text) for seed in range(60)}

    short = said("It all runs in the browser, so there's nothing to download.")
    assert short and not any("webcam" in line for line in short), short
    full = said("It all runs in the browser with a shared whiteboard, and you only need a laptop with a webcam.")
    assert any("webcam" in line for line in full), full


def test_a_question_asking_which_is_answered_not_confirmed():
    """Round 30: "Which software are you using?" got "Yes, that's right: the calendar in our practice software.": only a
    yes-or-no question that names the value is confirmed."""
    pack = parse_scenario((Path(__file__).parents[1] / "examples/packs/tutor_recruitment.yaml").read_text())
    expresser = TemplateExpresser(pack)
    field = next(f for f in pack.traits if not f.answers and any(expresser._marks(f, v) for v in f.values))
    value = next(v for v in field.values if expresser._marks(field, v))
    persona = next(p for p in PersonaSampler(pack, 0).sample(200) if p.traits.get(field.name) == value)
    mark = sorted(expresser._marks(field, value))[0]
    for seed in range(10):
        rng = random.Random(seed)
        which = expresser.answer([field.name], persona, rng, False, "", asked=f"Which {mark} is it for you?")
        yes_no = expresser.answer([field.name], persona, random.Random(seed), False, "", asked=f"Is it {value}?")
        assert not which[0].startswith(("That's right", "Yes")), which
        assert yes_no[0].startswith(("That's right", "Yes")), yes_no


def test_a_worry_the_user_does_not_hold_is_not_answered_no_to_a_question_asking_how():
    """Round 31: "How is your current connection holding up?" got "No, that part's fine.": no "No" answers a question
    asking how or what; a yes-or-no question may still get one."""
    pack = parse_scenario((Path(__file__).parents[1] / "examples/packs/home_broadband.yaml").read_text())
    expresser = TemplateExpresser(pack)
    persona = PersonaSampler(pack, 0).sample(1)[0]
    asked = "How is your current connection holding up in the evenings?"
    how = {expresser.express((("not_that",),), persona, random.Random(seed), agent_text=asked) for seed in range(30)}
    assert how and not any(reply.startswith("No,") for reply in how), how
    yes_no = {expresser.express((("not_that",),), persona, random.Random(seed),
                                agent_text="Is the evening speed a worry?") for seed in range(30)}
    assert any(reply.startswith("No,") for reply in yes_no), yes_no


def test_a_worry_left_unanswered_is_not_called_a_question_the_user_never_asked():
    """Round 32: "You didn't answer what I just asked" after the user stated a worry and asked nothing."""
    from protod.agent.views import Message

    pack = parse_scenario((Path(__file__).parents[1] / "examples/packs/home_broadband.yaml").read_text())
    expresser = TemplateExpresser(pack)
    persona = PersonaSampler(pack, 0).sample(1)[0]
    concern = pack.concerns[0]
    stated = (Message("user", "Faster always means dearer in my experience."),)
    asked = (Message("user", "Why would I pay more for speed I might not need?"),)
    event = (("ignored", concern.id),)
    after_statement = {expresser.express(event, persona, random.Random(seed), history=stated) for seed in range(30)}
    assert not any(re.search(r"\basked\b|\bquestion\b", reply) for reply in after_statement), after_statement
    after_question = {expresser.express(event, persona, random.Random(seed), history=asked) for seed in range(30)}
    assert any(re.search(r"\basked\b|\bquestion\b", reply) for reply in after_question), after_question


def test_round_32_questions_about_the_user_are_answered_as_asked():
    """Round 32: "Yes, that's right: never done delivery work." to "have you ever done any delivery work?", and "Yes,
    that's right: working for a few agencies." to "..., so I'm curious: how is that working for you?"."""
    root = Path(__file__).parents[1]
    courier = parse_scenario((root / "src/protod/scenarios/courier_recruitment.yaml").read_text())
    expresser = TemplateExpresser(courier)
    persona = next(p for p in PersonaSampler(courier, 0).sample(300)
                   if p.traits["experience"] == "never done delivery work")
    said = expresser.answer(["experience"], persona, random.Random(0), False, "",
                            "Can I ask, have you ever done any delivery work, and do you have a bike or scooter?")
    assert said[0].startswith("No"), said
    translator = parse_scenario((root / "data/perception/packs/translator_marketplace.yaml").read_text())
    expresser = TemplateExpresser(translator)
    persona = next(p for p in PersonaSampler(translator, 0).sample(300)
                   if p.traits["current_work"] == "working for a few agencies")
    for asked in ("You've been at this a long time with agencies, so I'm curious: how is that working for you?",
                  "Can I ask what you're doing for work at the moment?"):
        said = expresser.answer(["current_work"], persona, random.Random(0), False, "", asked)
        assert not said[0].startswith(("Yes", "That's right")), (asked, said)


def test_round_34_a_value_told_before_is_not_said_again_beside_a_worry():
    """Round 34: "Is there a reason you've stayed away from delivery apps?" got "Like I said, walk-ins and phone orders
    only." (the worry part dropped for it), and "My worry is the commission. ... I'm working for a few agencies, since
    you ask." answered a question in the reverse of the order asked."""
    from types import SimpleNamespace

    root = Path(__file__).parents[1]
    merchant = parse_scenario((root / "src/protod/scenarios/merchant_recruitment.yaml").read_text())
    expresser = TemplateExpresser(merchant)
    persona = PersonaSampler(merchant, 0).sample(1)[0]
    value = persona.traits["current_channel"]
    history = (SimpleNamespace(role="user", text=f"That's right, {value}."),)
    hidden = merchant.concerns[0].id
    reply = expresser.express((("answered", "current_channel"), ("voiced", hidden)), persona, random.Random(0),
                              history=history, agent_text="Is there a reason you've stayed away from delivery apps?")
    assert value.lower() not in reply.lower(), reply
    # (in the order `transition` gives them: the answer, then the worry the question drew out)
    reply = expresser.express((("answered", "current_channel"), ("voiced", hidden)), persona, random.Random(0),
                              agent_text="What do you use now, and what would make you hesitate?")
    assert reply.lower().index(value.lower()[:12]) < 10, reply


def test_round_35_a_line_about_the_offer_that_settles_nothing_is_noted_not_waved_off():
    """Round 35: "You don't have to take my word for it - that's what the three free days are for." got "Mm-hm. Anyway,
    where were we?", the reply to small talk mid-call. A line about the offer is noted; courtesy still gets that."""
    from protod.user.express import _NOTED
    from protod.user.state import ConcernStatus, UserState

    root = Path(__file__).parents[1]
    pack = parse_scenario((root / "src/protod/scenarios/merchant_recruitment.yaml").read_text())
    expresser = TemplateExpresser(pack)
    persona = PersonaSampler(pack, 0).sample(1)[0]
    later = UserState(0.4, 0.6, 5, ((pack.concerns[0].id, ConcernStatus.HIDDEN),), turn=4)
    reply = expresser.express((("small_talk",),), persona, random.Random(0), state=later,
                              agent_text="You don't have to take my word for it, that's what the free trial is for.")
    assert reply in _NOTED, reply
    reply = expresser.express((("small_talk",),), persona, random.Random(0), state=later,
                              agent_text="Lovely to hear that, congratulations.")
    assert reply not in _NOTED and reply in pack.user_lines.small_talk_later, reply


def test_round_37_a_value_written_in_the_third_person_is_said_in_the_first():
    """Round 37: "Yes, that's right: drives their own car." A value written of the user ("drives their own car", "dry
    walls as far as they know") is said as the user would say it; values already in their words are left alone."""
    from protod.user.compose import as_spoken as _spoken

    assert _spoken("drives their own car") == "I drive my own car"
    assert _spoken("runs the shop alone") == "I run the shop alone"
    assert _spoken("dry walls as far as they know") == "dry walls as far as I know"
    for value in ("cautious and sceptical", "walls facing the sea wind", "cafés most days", "an old bicycle"):
        assert _spoken(value) == value
    # Round 60: "Recently lost a big agency client." and "Still in contract with nine months left." were said bare
    assert _spoken("recently lost a big agency client") == "I've recently lost a big agency client"
    assert _spoken("still in contract with nine months left") == "I'm still in contract with nine months left"
    assert _spoken("just stopped going") == "I've just stopped going"
    for value in ("only on weekends", "just the one pet", "only a bus pass"):
        assert _spoken(value) == value
    # Round 74: "I've packed in summer and quiet in winter." A participle that says how the user (or their place) is,
    # a time gone by, a span of years, and -ing words that name things, each said as a person says them
    assert _spoken("packed in summer and quiet in winter") == "We're packed in summer and quiet in winter"
    assert _spoken("guarded and sceptical") == "I'm guarded and sceptical"
    assert _spoken("retired and on a pension") == "I'm retired and on a pension"
    assert _spoken("opened last year") == "I opened last year"
    assert _spoken("cleaning for about three years") == "I've been cleaning for about three years"
    assert _spoken("cleaning for a handful of private regulars") == "I'm cleaning for a handful of private regulars"
    assert _spoken("worked in a care home before") == "I've worked in a care home before"
    for value in ("swimming and cardio", "wedding fairs and Instagram", "marketing copy"):
        assert _spoken(value) == value


def test_round_40_an_answer_the_worry_line_gives_is_not_said_twice():
    """Round 40: "How do you get around at the moment?" to a user who had just said the fuel would eat their pay got
    "A petrol scooter. Right now I'm getting around with a petrol scooter. Riding all day would mean costs I can't
    cover.": the restated worry says the value, so the bare answer goes."""
    root = Path(__file__).parents[1]
    courier = parse_scenario((root / "src/protod/scenarios/courier_recruitment.yaml").read_text())
    expresser = TemplateExpresser(courier)
    persona = next(p for p in PersonaSampler(courier, 0).sample(60) if p.traits["vehicle"] == "a petrol scooter")
    said_value = "Right now I'm getting around with {vehicle}. Riding all day would mean costs I can't cover."
    for seed in range(20):
        reply = expresser.express((("answered", "vehicle"), ("restated", "vehicle_cost")), persona,
                                  random.Random(seed), agent_text="Got it. How do you get around at the moment?")
        assert reply.lower().count("a petrol scooter") <= 1, reply
        if said_value.format(vehicle="a petrol scooter") not in reply:
            assert "petrol scooter" in reply.lower(), reply  # a worry line without the value keeps the answer


def test_round_40_a_worry_touched_by_what_was_just_said_asks_whether_it_holds():
    """Round 40: "we tell your old provider and handle the changeover ..." got "Honestly, it's the faff. Ringing the
    old lot to cancel, ..." as if nothing had answered it. A worry the caller's fact touched, said in the user's own
    words, ends by asking whether what the caller said holds."""
    from protod.user.express import _TOUCHED_ASKS_AFTER

    root = Path(__file__).parents[1]
    broadband = parse_scenario((root / "examples/packs/home_broadband.yaml").read_text())
    expresser = TemplateExpresser(broadband)
    persona = PersonaSampler(broadband, 0).sample(1)[0]
    concern = next(c for c in broadband.concerns if c.id == "setup_hassle")
    for seed in range(10):
        reply = expresser.express((("voiced", concern.id, "handled_switch"),), persona, random.Random(seed),
                                  agent_text="The switch is painless: we sort the changeover for you.")
        # ... naming what the caller said (round 70: "You're sure about that?" after the user's own words asked the
        # caller to vouch for the user's claim)
        assert any(reply.endswith(ask) for ask in _TOUCHED_ASKS_AFTER), reply


def test_a_trait_value_that_opens_a_line_opens_a_sentence():
    """Round 65: "{specialism} needs research. ..." was said "legal contracts needs research. ..."."""
    from protod.user.express import TemplateExpresser
    from protod.world import load_scenario

    pack = load_scenario(Path(__file__).parents[1] / "data" / "perception" / "packs" / "pet_insurance.yaml")
    persona = next(p for p in PersonaSampler(pack, 3).sample(60) if p.traits.get("pet") == "a Labrador puppy")
    text = TemplateExpresser(pack).render("{pet} gets into everything.", persona)
    assert text == "A Labrador puppy gets into everything."


def test_round_70_a_value_the_caller_told_is_confirmed_not_echoed():
    """Round 70: "I saw you've worked in a care home before. Have you a couple of minutes? I'd love to hear whether you'd
    ever think about going back into care work." got "I've worked in a care home before." (the caller's words back). A
    value the caller's own statement told is confirmed; one it did not tell is still said as news."""
    expresser, persona = _expresser_for("data/perception/packs/home_care_caregivers.yaml", "care_background",
                                        "worked in a care home before")
    told = ("I saw you've worked in a care home before. Have you a couple of minutes? I'd love to hear whether you'd "
            "ever think about going back into care work.")
    said = expresser.answer(["care_background"], persona, random.Random(0), False, "", told)
    assert said[0].startswith(("Yes", "That's right")), said
    said = expresser.answer(["care_background"], persona, random.Random(0), False, "",
                            "Have you a couple of minutes? I'd love to hear what care work you've done.")
    assert not said[0].startswith(("Yes", "That's right")), said
    # Round 74: told with an adverb for the value's adjective ("you recently graduated" for "a recent maths graduate")
    expresser, persona = _expresser_for("examples/packs/tutor_recruitment.yaml", "current_role", "a recent maths graduate")
    said = expresser.answer(["current_role"], persona, random.Random(0), False, "",
                            "I saw you recently graduated in maths. Have you got a couple of minutes?")
    assert said[0].startswith(("Yes", "That's right")), said


def test_round_70_a_second_worry_of_a_settled_part_is_not_said_as_the_first_again():
    """Round 70: "Okay, if the evenings are covered, that's my main gripe sorted." and then, of the other worry of the
    same part, "Like I said, it's about how fast and reliable it is.": it reads as the settled worry back. The hint says
    it is another side of that part."""
    from types import SimpleNamespace

    from protod.user.state import ConcernStatus, UserState

    root = Path(__file__).parents[1]
    broadband = parse_scenario((root / "examples/packs/home_broadband.yaml").read_text())
    expresser = TemplateExpresser(broadband)
    persona = PersonaSampler(broadband, 0).sample(1)[0]
    area = broadband.area_of("wfh_reliability")
    assert broadband.concern_by_id["evening_slowdown"].area == area.id
    history = (SimpleNamespace(role="user", text=f"It's to do with {area.description}, mostly."),)
    after = UserState(0.8, 0.4, 2, (("wfh_reliability", ConcernStatus.HIDDEN),
                                    ("evening_slowdown", ConcernStatus.RESOLVED)), turn=10)
    reply = expresser.express((("hinted", "wfh_reliability"),), persona, random.Random(0), state=after,
                              history=history, agent_text="What's the part you're not convinced about yet?")
    assert "side of it" in reply and not reply.startswith(("Like I said", "As I said")), reply
    before = UserState(0.8, 0.4, 2, (("wfh_reliability", ConcernStatus.HIDDEN),
                                     ("evening_slowdown", ConcernStatus.HIDDEN)), turn=10)
    reply = expresser.express((("hinted", "wfh_reliability"),), persona, random.Random(0), state=before,
                              history=history, agent_text="What's the part you're not convinced about yet?")
    assert reply.startswith(("Like I said", "As I said")), reply


def test_round_71_saying_no_for_want_of_trust_says_so():
    """Round 71: with every worry settled and only trust short, the user's last word was "No. Riding isn't for me. Please
    don't call again." The no names the caller, not the offer; any other no keeps the pack's lines."""
    from protod.user.express import _REJECT_UNSURE

    root = Path(__file__).parents[1]
    courier = parse_scenario((root / "src/protod/scenarios/courier_recruitment.yaml").read_text())
    expresser = TemplateExpresser(courier)
    persona = PersonaSampler(courier, 0).sample(1)[0]
    for seed in range(6):
        reply = expresser.express((("unsure",), ("refused_ask",), ("reject",)), persona, random.Random(seed))
        assert reply in _REJECT_UNSURE, reply
        reply = expresser.express((("refused_ask",), ("reject",)), persona, random.Random(seed))
        assert reply in [line.text for line in courier.user_lines.reject], reply
    # Round 74: declining the ask (not yet a no) is not "Nothing in particular", which answers an open question; an
    # open question still gets the pack's lines
    from protod.user.express import _UNSURE_ASKED
    for seed in range(6):
        reply = expresser.express((("unsure",), ("refused_ask",)), persona, random.Random(seed))
        assert reply in _UNSURE_ASKED, reply
        reply = expresser.express((("unsure",),), persona, random.Random(seed))
        assert reply in [line.text for line in courier.user_lines.unsure], reply


def test_round_72_a_value_the_caller_stated_is_not_told_back_to_another_question():
    """Round 72: "I know you already work with a few agencies and another platform. What would a new platform have to
    get right for you to bother with it?" got "I'm still on another platform, as it happens." The caller said it and
    asked something else: the value is not said back."""
    expresser, persona = _expresser_for("data/perception/packs/translator_marketplace.yaml", "past_platforms",
                                        "still on another platform")
    said = expresser.answer(["past_platforms"], persona, random.Random(0), False, "",
                            "I know you already work with a few agencies and another platform. What would a new "
                            "platform have to get right for you to bother with it?")
    assert said == [], said
    said = expresser.answer(["past_platforms"], persona, random.Random(0), False, "",
                            "Have you worked through translation platforms before?")
    assert said and "platform" in said[0], said


def test_round_72_kept_back_right_after_being_told_does_not_ask_to_be_told():
    """Round 72: after a full outline of the plan, "Right, Fibre 500. I don't know you well enough to go into that yet.
    Tell me how it works first." A user who keeps their worry back in the turn they were told how it works says so
    without asking for it again; asked cold, they still ask to hear how it works."""
    from protod.user.express import _GUARDED_TOLD

    root = Path(__file__).parents[1]
    broadband = parse_scenario((root / "examples/packs/home_broadband.yaml").read_text())
    expresser = TemplateExpresser(broadband)
    persona = PersonaSampler(broadband, 0).sample(1)[0]
    fact = broadband.facts[0]
    for seed in range(6):
        reply = expresser.express((("acknowledge", fact.id), ("guarded",)), persona, random.Random(seed),
                                  agent_text=fact.text + " What's on your mind?")
        # (its opener left off after an acknowledgement that closed on it: "Fibre 500, okay. I'd still rather ...")
        assert any(reply.endswith(line.removeprefix("Okay. ")) for line in _GUARDED_TOLD), reply
        reply = expresser.express((("guarded",),), persona, random.Random(seed), agent_text="What's on your mind?")
        assert reply in [line.text for line in broadband.user_lines.guarded], reply


def _expresser_for(pack: str, trait: str, value: str):
    """The pack's template expresser and a persona of it whose `trait` is `value` (`pack`: a path under the repo)."""
    scenario = parse_scenario((Path(__file__).parents[1] / pack).read_text())
    persona = next(p for p in PersonaSampler(scenario, 0).sample(300) if p.traits[trait] == value)
    return TemplateExpresser(scenario), persona


def test_round_76_one_thing_is_said_back_before_the_rest_of_the_reply():
    """Round 76: "Five-day induction and experienced carer, right. Agencies promise loads of hours ..." read as a keyword
    echo. Before a worry, the user says back one thing they heard, not a list; alone, the acknowledgement may name two."""
    root = Path(__file__).parents[1]
    courier = parse_scenario((root / "src/protod/scenarios/courier_recruitment.yaml").read_text())
    expresser = TemplateExpresser(courier)
    persona = PersonaSampler(courier, 0).sample(1)[0]
    told = ("Before your first shift you take a free road safety course with an experienced buddy, and every rider has "
            "free accident insurance covering lost income.")
    for seed in range(8):
        reply = expresser.express((("acknowledge", "safety_course", "accident_insurance"), ("voiced", "gear_cost")),
                                  persona, random.Random(seed), agent_text=told)
        first = reply.split(".")[0].lower()
        assert " and " not in first, reply


def test_round_81_a_worry_left_unanswered_beside_one_just_drawn_out_is_not_called_unanswered():
    """Round 81 (coworking): asked "what would worry you most about it?", the user voiced the Wi-Fi and then said
    "That doesn't answer my worry at all." of the commute they had named before: the caller had answered nothing to
    be told so. Beside a worry just voiced, the skipped one is brought back as still standing."""
    from protod.agent.views import Message

    pack = parse_scenario((Path(__file__).parents[1] / "examples/packs/coworking_membership.yaml").read_text())
    expresser = TemplateExpresser(pack)
    persona = PersonaSampler(pack, 0).sample(1)[0]
    first, second = pack.concerns[0].id, pack.concerns[1].id
    history = (Message("user", "I'm not keen to start a commute again."),)
    events = (("voiced", second), ("ignored", first))
    replies = {expresser.express(events, persona, random.Random(seed), history=history) for seed in range(20)}
    stock = [str(line) for line in pack.user_lines.ignored]
    assert not any(line in reply for reply in replies for line in stock), replies
    alone = {expresser.express((("ignored", first),), persona, random.Random(seed), history=history)
             for seed in range(20)}
    assert any(line in reply for reply in alone for line in stock), alone


def test_round_89_a_worry_touched_by_what_was_just_said_drops_its_own_question():
    """Round 89 (broadband): right after "the £29 is fixed for the full 18 months", the user said "Every cheap deal I've
    had doubled the moment the promo ended. What happens to your price after a year? Does what you just said really
    cover that?", asking what the caller had just answered. The worry's own question goes; its statement and the ask
    whether what was said covers it stay."""
    from protod.user.express import _TOUCHED_ASKS_AFTER

    root = Path(__file__).parents[1]
    broadband = parse_scenario((root / "examples/packs/home_broadband.yaml").read_text())
    expresser = TemplateExpresser(broadband)
    persona = PersonaSampler(broadband, 0).sample(1)[0]
    replies = {expresser.express((("voiced", "price_rise", "price_lock"),), persona, random.Random(seed),
                                 agent_text="And the £29 is fixed for the full 18 months, no mid-contract rises.")
               for seed in range(30)}
    assert any("doubled the moment the promo ended" in r for r in replies), replies
    for reply in replies:
        assert "What happens to your price after a year?" not in reply, reply
        assert any(reply.endswith(ask) for ask in _TOUCHED_ASKS_AFTER), reply


def test_round_90_a_part_of_the_offer_is_said_in_the_users_voice_and_a_why_question_is_not_answered_with_its_value():
    """Round 90: "Mostly the price and what the person pays before knowing it works, if I'm honest." (an area described
    of "the person"), and "What's got you wanting to pick Italian back up?" answered "Italian, as it happens."."""
    from protod.user.compose import area_as_said

    assert area_as_said("the price and what the person pays before knowing it works") == \
        "the price and what I pay before knowing it works"
    assert area_as_said("the premium, the deductible and what the owner still pays") == \
        "the premium, the deductible and what I still pay"
    assert area_as_said("finding the right person and keeping them") == "finding the right person and keeping them"
    root = Path(__file__).parents[1]
    school = parse_scenario((root / "data/perception/packs/adult_language_school.yaml").read_text())
    expresser = TemplateExpresser(school)
    persona = PersonaSampler(school, 515).sample(1)[0]
    assert persona.traits["language"] == "Italian"
    for asked in ("What's got you wanting to pick Italian back up?",
                  "What's making you want to get your Italian going again?"):  # (round 97)
        assert expresser.answer(["language"], persona, random.Random(0), False, "", asked) == [], asked
    assert expresser.answer(["language"], persona, random.Random(0), False, "", "Which language is it?")


def test_round_90_a_word_that_closed_one_part_does_not_open_the_next():
    """Round 90: "Flex membership, okay. Okay. I'd still rather not say what's bothering me just yet." said the word
    twice; an opener another part already closed on is left off, as one it already opened on is."""
    from protod.user.express import _once_each_opener

    assert _once_each_opener(["Flex membership, okay.", "Okay. I'd still rather not say what's bothering me."]) == \
        ["Flex membership, okay.", "I'd still rather not say what's bothering me."]
    assert _once_each_opener(["Well, school hours only.", "Well, I'm ready when you are."]) == \
        ["Well, school hours only.", "I'm ready when you are."]
    assert _once_each_opener(["Flex membership, noted.", "Okay. What else?"]) == \
        ["Flex membership, noted.", "Okay. What else?"]


def test_a_trait_value_after_a_possessive_drops_its_article():
    """Round 92: "My {own_car} costs me a fortune ..." said "My an old dual-control car that's paid off costs me a
    fortune"; the value keeps its article elsewhere."""
    from protod.world import load_scenario

    pack = load_scenario(Path(__file__).parents[1] / "data/perception/packs/driving_instructor_franchise.yaml")
    persona = PersonaSampler(pack, 0).sample(1)[0]
    persona.traits["own_car"] = "an old dual-control car that's paid off"
    said = TemplateExpresser(pack).render("My {own_car} costs me a fortune. I drive {own_car}.", persona)
    assert said == "My old dual-control car that's paid off costs me a fortune. I drive an old dual-control car " \
                   "that's paid off.", said


def test_a_worry_settled_by_a_fact_said_turns_earlier_says_which():
    """Round 94: asked "Is there anything else about the gym itself that bothered you last time, like how busy it got
    ...?", a user whose worry was answered a turn before said only "Alright, that sounds better than the scrum I
    remember.", as if the question had said it. The fact said earlier is named; said this turn, it is not."""
    from types import SimpleNamespace

    merchant = parse_scenario((Path(__file__).parents[1] / "src/protod/scenarios/merchant_recruitment.yaml").read_text())
    expresser = TemplateExpresser(merchant)
    persona = PersonaSampler(merchant, 0).sample(1)[0]
    history = (SimpleNamespace(role="agent", text="New restaurants on the Starter plan pay 12% for six months."),
               SimpleNamespace(role="user", text="Okay."))
    event = (("resolved", "commission_too_high", "commission_rate"),)
    reply = expresser.express(event, persona, random.Random(0), history=history,
                              agent_text="Is there anything else that worried you, like the commission?")
    assert reply.startswith("12%, you said."), reply
    reply = expresser.express(event, persona, random.Random(0), history=history,
                              agent_text="It's 12% on the Starter plan for six months.")
    assert "you said." not in reply, reply


def test_a_value_that_does_nothing_is_no_denial():
    """Round 97: "Is there a spare line you could put it on, ...?" got "No, a spare line doing nothing."."""
    from protod.user.express import _denying

    assert not _denying("a spare line doing nothing")
    assert _denying("never tutored before") and _denying("no car of their own") and _denying("nothing yet")


def test_a_first_line_ask_declined_is_not_declined_still():
    """Round 100: "Would you be open to taking on an apprentice at the workshop?" on the call's first line got "Not so
    fast. I've still got doubts." with nothing said yet to doubt."""
    merchant = parse_scenario((Path(__file__).parents[1] / "src/protod/scenarios/merchant_recruitment.yaml").read_text())
    expresser = TemplateExpresser(merchant)
    persona = PersonaSampler(merchant, 0).sample(1)[0]
    replies = {expresser.express((("refused_ask",),), persona, random.Random(seed)) for seed in range(20)}
    assert replies and not any("still" in r for r in replies), replies


def test_round_102_an_accept_after_the_step_was_named_asks_nothing_more():
    """Round 102 (veg boxes): "Will you sign the agreement and send me that crop list?" was answered "Fine, count me in.
    What do you need from me?". The caller named the step (the pack's closing words), so the user only agrees; asked
    with no step named ("Shall we go ahead?"), the question may stay."""
    root = Path(__file__).parents[1]
    farm = parse_scenario((root / "data/perception/packs/farm_veg_box_supplier.yaml").read_text())
    expresser = TemplateExpresser(farm)
    persona = PersonaSampler(farm, 0).sample(1)[0]
    named = {expresser.express((("accept",),), persona, random.Random(seed),
                               agent_text="Will you sign the agreement and send me that crop list?") for seed in range(30)}
    assert not any("?" in reply for reply in named), named
    bare = {expresser.express((("accept",),), persona, random.Random(seed), agent_text="Shall we go ahead?")
            for seed in range(30)}
    assert any("?" in reply for reply in bare), bare


def test_round_102_the_step_an_ask_points_back_to_may_be_named_earlier_in_the_turn():
    """Round 102: "Simple: you sign the supply agreement and send me a first crop list ... The minimum is 50 kg per crop
    per collection. Shall we do that today?" was heard as no ask ("So, shall we get on with it?"), and so was "Are you
    happy to sign and send that list?"."""
    from protod.user.perceive import RulePerceiver

    root = Path(__file__).parents[1]
    farm = RulePerceiver(parse_scenario((root / "data/perception/packs/farm_veg_box_supplier.yaml").read_text()))
    assert farm.perceive("Simple: you sign the supply agreement and send me a first crop list of what you'll have "
                         "coming. The minimum is 50 kg per crop per collection. Shall we do that today?").closing_ask
    assert farm.perceive("Are you happy to sign and send that list?").closing_ask
    assert not farm.perceive("The minimum is 50 kg per crop per collection. Shall we talk about that today?").closing_ask


def test_round_103_an_area_is_said_in_the_users_voice_by_the_packs_own_noun_for_them():
    """Round 103 (cleaning): "Mostly what the cleaner earns, what she pays out, and when the money arrives, if I'm
    honest." The pack's trait descriptions name the user "the cleaner"; said as the subject of a verb, or with "'s",
    the noun is the user. Not an object ("what the scheme costs the company"), nor a modifier ("the car park")."""
    from protod.user.compose import area_as_said, user_noun

    root = Path(__file__).parents[1]
    cleaning = parse_scenario((root / "data/perception/packs/home_cleaning_marketplace.yaml").read_text())
    noun = user_noun([t.description for t in cleaning.traits])
    assert noun == "cleaner"
    assert area_as_said("what the cleaner earns, what she pays out, and when the money arrives", noun) == \
        "what I earn, what I pay out, and when the money arrives"
    assert area_as_said("what the scheme costs the company and what the company could be left owing", "company") == \
        "what the scheme costs the company and what I could be left owing"
    assert area_as_said("contract length, getting out, and control over the car park", "car") == \
        "contract length, getting out, and control over the car park"
    assert area_as_said("how the venue is shown and talked about online", "venue") == \
        "how my venue is shown and talked about online"


def test_round_110_a_worry_the_caller_just_asked_about_is_voiced_beside_another_settled():
    """Round 110 (language school): "Yes, definitely, 10 is the hard cap. And ... you get a certificate stating your
    CEFR level. Would something official like that be useful for you?" got only the class size settled ("Capped at 10
    students, you said. ..."): the worry the certificate touched waited, and the caller's question went unanswered.
    Asked about, it is voiced beside the settled one; after a statement alone it still waits (round 22)."""
    from protod.user.express import _TOUCHED_ASKS_AFTER

    root = Path(__file__).parents[1]
    school = parse_scenario((root / "data/perception/packs/adult_language_school.yaml").read_text())
    expresser = TemplateExpresser(school)
    persona = PersonaSampler(school, 0).sample(1)[0]
    events = (("voiced", "proof_of_level", "certificate"), ("resolved", "big_class", "class_size"))
    asked = ("Yes, definitely, 10 is the hard cap. And if you attend at least 80% of classes and pass the end-of-term "
             "assessment, you get a certificate stating your CEFR level. Would something official like that be useful "
             "for you?")
    for seed in range(20):
        reply = expresser.express(events, persona, random.Random(seed), agent_text=asked)
        assert any(reply.endswith(ask) for ask in _TOUCHED_ASKS_AFTER), reply
        told = expresser.express(events, persona, random.Random(seed), agent_text=asked.rsplit(" Would", 1)[0])
        assert not any(told.endswith(ask) for ask in _TOUCHED_ASKS_AFTER), told


def test_round_111_a_settled_worry_is_not_said_back_as_what_the_caller_would_not_promise():
    """Round 111 (broadband): "I won't promise it reaches every corner of a two-bed, but ..." got "Okay, if the signal
    reaches every room, that's sorted.": a line saying what the caller has just said they will not promise gives way
    to a plain one. And on the call's first turn a worry touched by who the caller says they are is said without
    "And you're telling me that's covered?"."""
    from protod.user.express import _SETTLED_PLAIN, _TOUCHED_ASKS_AFTER
    from protod.user.state import ConcernStatus, UserState

    root = Path(__file__).parents[1]
    broadband = parse_scenario((root / "examples/packs/home_broadband.yaml").read_text())
    expresser = TemplateExpresser(broadband)
    persona = PersonaSampler(broadband, 0).sample(1)[0]
    events = (("resolved", "wifi_coverage", "wifi_router"),)
    said = ("You'd get a free Wi-Fi 6 router, and the engineer sets it up. I won't promise it reaches every corner of a "
            "two-bed, but if you're not happy you can cancel free within 30 days of going live.")
    for seed in range(20):
        reply = expresser.express(events, persona, random.Random(seed), agent_text=said)
        assert "reaches every room" not in reply, reply
    replies = {expresser.express(events, persona, random.Random(seed), agent_text=said.split(" I won't")[0])
               for seed in range(30)}
    assert any("reaches every room" in r for r in replies) and not replies & set(_SETTLED_PLAIN), replies
    charity = parse_scenario((root / "data/perception/packs/charity_regular_giving.yaml").read_text())
    expresser = TemplateExpresser(charity)
    persona = PersonaSampler(charity, 0).sample(1)[0]
    first = UserState(stance=0.3, trust=0.4, patience=5, concerns=(("scam_call", ConcernStatus.VOICED),), turn=1)
    for seed in range(10):
        reply = expresser.express((("voiced", "scam_call", "verify_call"),), persona, random.Random(seed), state=first,
                                  agent_text="Hello, this is Sam from the supporter care team at the Kindwater "
                                             "Foundation. Have you got a minute?")
        assert not any(reply.endswith(ask) for ask in _TOUCHED_ASKS_AFTER), reply


def test_round_113_a_user_who_lives_alone_says_i_not_we():
    """Round 112 (home security): a user "living alone" said "We're on a tight monthly budget." and "That's fine for
    us."; the pack's lines are said in the singular by such a user, and as written by everyone else."""
    from protod.user.express import _singular

    assert _singular("We're on a tight monthly budget.") == "I'm on a tight monthly budget."
    assert _singular("That's fine for us. Our house was burgled, and we were away.") == \
        "That's fine for me. My house was burgled, and I was away."
    for line in ("Mm-hm. Anyway, where were we?", "So, shall we get on with it?"):  # the caller and the user
        assert _singular(line) == line
    root = Path(__file__).parents[1]
    alarm = parse_scenario((root / "data/perception/packs/home_security_monitoring.yaml").read_text())
    expresser = TemplateExpresser(alarm)
    people = PersonaSampler(alarm, 3).sample(40)
    alone = next(p for p in people if p.traits["household"] == "someone living alone")
    other = next(p for p in people if p.traits["household"] != "someone living alone")
    assert expresser.render("That's fine for us.", alone) == "That's fine for me."
    assert expresser.render("That's fine for us.", other) == "That's fine for us."


def test_round_114_a_worry_said_only_as_questions_is_named_by_its_part_when_touched():
    """Round 114 (cycle to work): right after "... own the bike for a one-off fee of 3% of its original price", the
    user asked "What happens after the year? Do staff have to hand it back? So you're saying that's taken care of?",
    the questions the caller had just answered. A worry said only as questions is named by the part of the offer it is
    about, then the ask."""
    from protod.user.express import _TOUCHED_ASKS_AFTER

    root = Path(__file__).parents[1]
    bikes = parse_scenario((root / "data/perception/packs/cycle_to_work_employer.yaml").read_text())
    expresser = TemplateExpresser(bikes)
    persona = PersonaSampler(bikes, 0).sample(1)[0]
    said = ("Deductions run for 12 months, and then the employee can own the bike for a one-off fee of 3% of its "
            "original price. Does that help?")
    for seed in range(20):
        reply = expresser.express((("voiced", "end_of_hire", "hire_term"),), persona, random.Random(seed),
                                  agent_text=said)
        assert any(reply.endswith(ask) for ask in _TOUCHED_ASKS_AFTER), reply
        assert "Do staff have to hand it back?" not in reply, reply


def test_round_115_a_touched_worry_is_asked_about_so_that_yes_agrees():
    """Round 115: "So that wouldn't be a problem with you?" was answered "No, you won't be without internet ...", a
    plain answer that reads as no yes; the asks after a touched worry are put so that the caller's agreement is a yes."""
    from protod.text import says_yes
    from protod.user.express import _TOUCHED_ASKS, _TOUCHED_ASKS_AFTER

    for ask in (*_TOUCHED_ASKS, *_TOUCHED_ASKS_AFTER):
        assert not re.search(r"\b(?:won't|wouldn't|isn't|not|never)\b", ask), ask
    assert says_yes("Yes, that's right.") and not says_yes("No, you won't be without internet for a week.")


def test_round_116_a_worry_touched_earlier_in_the_turn_is_the_answer_to_an_open_question():
    """Round 116 (wedding venues): "... What would be your main worry about something like that?" got "These sites all
    want a slice of every wedding. ... And you're telling me that's covered?": asked what worries them, the user says
    the worry, without asking whether what the caller said before the question covers it."""
    from protod.user.express import _TOUCHED_ASKS_AFTER

    root = Path(__file__).parents[1]
    bikes = parse_scenario((root / "data/perception/packs/cycle_to_work_employer.yaml").read_text())
    expresser = TemplateExpresser(bikes)
    persona = PersonaSampler(bikes, 0).sample(1)[0]
    said = "The employee can own the bike for a one-off fee of 3% of its original price."
    stated = 0
    for seed in range(20):
        asked = expresser.express((("voiced", "end_of_hire", "hire_term"),), persona, random.Random(seed),
                                  agent_text=said + " What would be your main worry about something like that?")
        told = expresser.express((("voiced", "end_of_hire", "hire_term"),), persona, random.Random(seed),
                                 agent_text=said + " Does that help?")
        assert any(told.endswith(ask) for ask in _TOUCHED_ASKS_AFTER), told
        if "final payment" in asked:  # the worry said as a statement (one said only as questions is named by its part)
            stated += 1
            assert not any(asked.endswith(ask) for ask in _TOUCHED_ASKS_AFTER), asked
    assert stated

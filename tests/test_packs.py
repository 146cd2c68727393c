"""The built-in packs are complete, internally consistent, and their cues mean what they say."""

import re

import pytest

from protod.world import UserLines
from protod.text import normalise
from protod.user.perceive import RulePerceiver


def test_pack_has_required_breadth(pack):
    assert pack.turn_budget == 12
    assert len(pack.traits) >= 6
    assert len(pack.concerns) >= 8
    assert set(pack.difficulties) == {"easy", "medium", "hard"}
    assert len(pack.strata) == 3 * len(pack.concerns)
    assert pack.correlations, "traits must correlate with concerns"


def test_every_line_kind_has_three_phrasings(pack):
    for c in pack.concerns:
        assert len(c.reveal_lines) >= 3, c.id
        assert len(c.resolved_lines) >= 3, c.id
    for name in UserLines.model_fields:
        assert len(getattr(pack.user_lines, name)) >= 3, name


def test_each_fact_text_is_perceived_as_exactly_that_fact(pack):
    perceiver = RulePerceiver(pack)
    for fact in pack.facts:
        p = perceiver.perceive(fact.text)
        assert p.facts == (fact.id,), (fact.id, p.facts)
        assert not p.false_claims and not p.pressure and not p.closing_ask and not p.pitch, fact.id


def test_each_probe_question_is_a_pointed_probe_of_its_concern(pack):
    perceiver = RulePerceiver(pack)
    for c in pack.concerns:
        p = perceiver.perceive(c.probe_question)
        assert c.id in p.pointed, (c.id, c.probe_question)
        assert p.probes[0] == c.id, (c.id, p.probes)
        assert not p.facts and not p.closing_ask and not p.barrage, (c.id, p)


def test_area_questions_probe_their_area_and_state_nothing(pack):
    perceiver = RulePerceiver(pack)
    for area in pack.probe_areas:
        members = {c.id for c in pack.concerns if c.area == area.id}
        assert members, f"area {area.id} has no concerns"
        for q in area.questions:
            p = perceiver.perceive(q)
            assert members <= set(p.probes), (q, p.probes)
            assert not p.facts and not p.closing_ask and not p.barrage, (q, p)


def test_agent_lines_are_perceived_as_their_kind(pack):
    perceiver = RulePerceiver(pack)
    for line in pack.agent_lines.pitch:
        p = perceiver.perceive(line)
        assert p.pitch and not p.probes and not p.facts and not p.closing_ask, line
    for line in pack.agent_lines.closing:
        p = perceiver.perceive(line)
        assert p.closing_ask and not p.probes and not p.facts, line
    for line in pack.agent_lines.small_talk:
        p = perceiver.perceive(line)
        assert p.off_topic, line
    p = perceiver.perceive(pack.agent.opening)
    assert not (p.probes or p.facts or p.closing_ask or p.pitch or p.pressure), pack.agent.opening


def test_false_claims_are_not_true_facts(pack):
    perceiver = RulePerceiver(pack)
    for claim in pack.false_claims:
        for cue in claim.cues:
            assert not any(normalise(cue) in normalise(f.text) for f in pack.facts), cue
            assert perceiver.perceive(f"Honestly, {cue}.").false_claims


def test_trait_values_are_distinct_phrases(pack):
    # The consistency check (a user never names another value of its own trait) relies on this.
    all_lines = [line for c in pack.concerns for line in c.reveal_lines + c.resolved_lines]
    all_lines += [line for name in UserLines.model_fields for line in getattr(pack.user_lines, name)]
    for field in pack.traits:
        values = list(field.values)
        for v in values:
            others = [o for o in values if o != v]
            assert not any(re.search(rf"\b{re.escape(v)}\b", o) for o in others), (field.name, v)
            assert not any(re.search(rf"\b{re.escape(v)}\b", line, re.I) for line in all_lines), (field.name, v)


def test_every_example_pack_passes_validate():
    """`protod scenarios validate` on each example pack finds nothing: coworking's false claim "never more than half
    full" was read as "at most half full" and its cue never matched (found in session 31); a correlation of 0 rules a
    concern out for a trait value and keeps the pack valid."""
    from pathlib import Path

    from protod.audit.packs import perception_problems, persona_clashes
    from protod.world import load_scenario

    for path in sorted((Path(__file__).parents[1] / "examples/packs").glob("*.yaml")):
        assert perception_problems(load_scenario(path)) == [], path
        assert persona_clashes(load_scenario(path)) == [], path


def test_validate_names_trait_values_one_person_could_not_both_have(tmp_path):
    """Round 110: a food-bank volunteer was "a retired nurse" "in my twenties", a foster carer "living on my own" in
    "a three-bed house we own". `scenarios validate` names such pairs until the pack declares them `incompatible`;
    values that only sound alike ("worried about going in alone" beside "a partner who works shifts", "someone
    living alone" beside "family living nearby") are no clash."""
    from pathlib import Path

    from protod.audit.packs import persona_clashes
    from protod.world import load_scenario, parse_scenario

    food = Path(__file__).parents[1] / "data/perception/packs/food_bank_volunteering.yaml"
    text = food.read_text()
    assert persona_clashes(load_scenario(food)) == []
    stripped = re.sub(r"\n# One person could not be both[^\n]*\nincompatible:\n(?:  - [^\n]*\n)+", "\n", text)
    assert stripped != text
    found = [p.message for p in persona_clashes(parse_scenario(stripped, source="x.yaml"))]
    assert any("'a retired nurse'" in m and "'in my twenties'" in m for m in found), found
    assert any("'a working parent'" in m and "'sixteen'" in m for m in found), found
    care = load_scenario(Path(__file__).parents[1] / "data/perception/packs/home_care_caregivers.yaml")
    assert persona_clashes(care) == []  # "worried about going in alone" beside "a partner who works shifts"


def test_a_correlation_of_zero_rules_the_pair_out(tmp_path):
    """coworking_membership: nobody working normal office hours fears the doors being locked at six (round 38 heard
    "Normal office hours. My hours are all over the place."); a pack ruling out every value of a trait is an error."""
    from pathlib import Path

    import yaml

    from protod.user.persona import PersonaSampler
    from protod.world import ScenarioError, load_scenario

    path = Path(__file__).parents[1] / "examples/packs/coworking_membership.yaml"
    pack = load_scenario(path)
    people = PersonaSampler(pack, 0).sample(600)
    assert not [p for p in people if p.traits["work_hours"] == "normal office hours"
                and any(c.id == "odd_hours" for c in p.concerns)]
    assert any(any(c.id == "odd_hours" for c in p.concerns) for p in people)
    data = yaml.safe_load(path.read_text())
    data["correlations"] += [{"trait": "work_hours", "value": v, "concern": "odd_hours", "weight": 0}
                             for v in next(t for t in data["traits"] if t["name"] == "work_hours")["values"]]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError, match="rules out every value of trait 'work_hours'"):
        load_scenario(bad)

"""Stratified, seeded persona sampling with trait->concern correlations."""

from collections import Counter

import pytest

from protod.user.persona import Persona, PersonaSampler


def test_equal_counts_per_stratum_when_n_divides(pack):
    k = len(pack.strata)
    people = PersonaSampler(pack, 5).sample(2 * k)
    assert Counter(p.stratum for p in people) == {s: 2 for s in pack.strata}


def test_persona_i_does_not_depend_on_n(pack):
    short = PersonaSampler(pack, 2).sample(10)
    long = PersonaSampler(pack, 2).sample(50)
    assert short == long[:10]
    assert PersonaSampler(pack, 2).sample(5, start=10) == long[10:15]


def test_personas_are_consistent(pack):
    for p in PersonaSampler(pack, 0).sample(300):
        difficulty, primary = p.stratum.split("/")
        level = pack.difficulties[difficulty]
        assert p.concerns[0].id == primary
        assert len(p.concerns) == level.n_concerns == len({c.id for c in p.concerns})
        # the difficulty's ranges, moved by the temperament the user shows (the pack's trait `effects`)
        effects = [f.effects[p.traits[f.name]] for f in pack.traits if p.traits[f.name] in f.effects]
        stance, trust, patience = (sum(getattr(e, key) for e in effects) for key in ("stance", "trust", "patience"))
        assert max(level.stance.low + stance, 0) - 1e-4 <= p.initial_state.stance <= min(level.stance.high + stance, 1) + 1e-4
        assert max(level.trust.low + trust, 0) - 1e-4 <= p.initial_state.trust <= min(level.trust.high + trust, 1) + 1e-4
        assert max(level.patience.low + patience, 1) <= p.initial_state.patience <= max(level.patience.high + patience, 1)
        assert set(p.traits) == set(pack.trait_by_name)
        assert all(v in pack.trait_by_name[k].values for k, v in p.traits.items())
        assert Persona.from_dict(p.to_dict()) == p


def test_traits_correlate_with_concerns(pack):
    people = PersonaSampler(pack, 0).sample(3000)
    for corr in pack.correlations[:6]:
        if corr.weight <= 1.5:
            continue
        with_trait = [p for p in people if p.traits[corr.trait] == corr.value]
        without = [p for p in people if p.traits[corr.trait] != corr.value]
        rate = lambda group: sum(any(c.id == corr.concern for c in p.concerns) for p in group) / max(len(group), 1)
        assert rate(with_trait) > rate(without), corr


def test_stratum_selector(pack):
    concern = pack.concerns[0].id
    assert {p.stratum for p in PersonaSampler(pack, 0).sample(9, stratum="hard")} <= {s for s in pack.strata if s.startswith("hard/")}
    assert {p.concerns[0].id for p in PersonaSampler(pack, 0).sample(9, stratum=concern)} == {concern}
    assert {p.stratum for p in PersonaSampler(pack, 0).sample(4, stratum=f"easy/{concern}")} == {f"easy/{concern}"}
    with pytest.raises(ValueError, match="unknown stratum"):
        PersonaSampler(pack, 0).sample(3, stratum="impossible")


def test_incompatible_trait_values_are_never_drawn_together():
    """home_broadband: a mobile network's router comes with a mobile data plan, never a cable bundle (a natural caller
    heard a user name both), which the same pack without its `incompatible` pairs does draw."""
    from pathlib import Path

    from protod.world import load_scenario

    pack = load_scenario(str(Path(__file__).parents[1] / "examples" / "packs" / "home_broadband.yaml"))
    assert pack.incompatible
    people = PersonaSampler(pack, 3).sample(400)
    for person in people:
        for pair in pack.incompatible:
            assert any(person.traits[t] != v for t, v in pair.items()), (person.id, pair)
    plans = Counter(p.traits["current_plan"] for p in people if p.traits["current_provider"] == "a mobile network's home router")
    assert set(plans) == {"a mobile data plan with a monthly cap"}
    bare = PersonaSampler(pack.model_copy(update={"incompatible": []}), 3).sample(400)
    assert any(all(p.traits[t] == v for t, v in pair.items()) for p in bare for pair in pack.incompatible)
    # tutor_recruitment: a retired head of science teaches no phonics (round 78 heard one say "I teach primary reading
    # and phonics")
    tutor = load_scenario(str(Path(__file__).parents[1] / "examples" / "packs" / "tutor_recruitment.yaml"))
    people = PersonaSampler(tutor, 3).sample(400)
    assert not any(p.traits["current_role"] == "a retired head of science"
                   and p.traits["subject"] == "primary reading and phonics" for p in people)


def test_a_temperament_moves_where_the_user_starts_and_nothing_else():
    """A wary user starts with less trust and a busy one with less patience (round 14: users folded once their one
    worry was answered whatever their temperament). The draws are unchanged: the same traits and concerns as the pack
    without effects, the state shifted by exactly the effect, clipped."""
    from protod.world import load_scenario

    pack = load_scenario("merchant_recruitment")
    field = pack.trait_by_name["communication_style"]
    assert field.effects["guarded and skeptical"].trust < 0 and field.effects["brisk and busy"].patience < 0
    plain = pack.model_copy(update={"traits": [t.model_copy(update={"effects": {}}) for t in pack.traits]})
    shifted, bare = PersonaSampler(pack, 4).sample(120), PersonaSampler(plain, 4).sample(120)
    seen = set()
    for a, b in zip(shifted, bare):
        assert (a.traits, a.concerns) == (b.traits, b.concerns)
        style = a.traits["communication_style"]
        effect = field.effects.get(style)
        want_trust = round(max(b.initial_state.trust + (effect.trust if effect else 0), 0), 4)
        want_patience = max(b.initial_state.patience + (effect.patience if effect else 0), 1)
        assert (a.initial_state.trust, a.initial_state.patience) == (want_trust, want_patience), style
        seen.add(style)
    assert seen == set(field.values)


def test_an_effect_on_a_value_the_trait_lacks_is_refused():
    import yaml
    from pathlib import Path

    from protod.world import ScenarioError, parse_scenario

    path = Path(__file__).parents[1] / "src" / "protod" / "scenarios" / "merchant_recruitment.yaml"
    bad = yaml.safe_load(path.read_text())
    bad["traits"][-1]["effects"] = {"grumpy": {"trust": -0.1}}
    with pytest.raises(ScenarioError, match=r"traits\.7\.effects: .*'grumpy' is not a value of this trait"):
        parse_scenario(yaml.safe_dump(bad), "mine.yaml")
    bad["traits"][-1]["effects"] = {"brisk and busy": {"trust": -2}}
    with pytest.raises(ScenarioError, match=r"traits\.7\.effects\.brisk and busy\.trust"):
        parse_scenario(yaml.safe_dump(bad), "mine.yaml")


def test_a_voice_on_a_value_the_trait_lacks_or_an_unknown_voice_is_refused():
    import yaml
    from pathlib import Path

    from protod.world import ScenarioError, parse_scenario

    path = Path(__file__).parents[1] / "src" / "protod" / "scenarios" / "merchant_recruitment.yaml"
    bad = yaml.safe_load(path.read_text())
    bad["traits"][-1]["voice"] = {"grumpy": "brief"}
    with pytest.raises(ScenarioError, match=r"traits\.7\.voice: .*'grumpy' is not a value of this trait"):
        parse_scenario(yaml.safe_dump(bad), "mine.yaml")
    bad["traits"][-1]["voice"] = {"brisk and busy": "shouty"}
    with pytest.raises(ScenarioError, match=r"traits\.7\.voice\.brisk and busy"):
        parse_scenario(yaml.safe_dump(bad), "mine.yaml")


def test_a_brief_user_says_less_than_a_chatty_one_from_the_same_lines():
    """Round 22: "chatty and curious" users answered as tersely as busy ones. A trait `voice` leans the draw towards
    the shorter or the longer of the lines that fit (the same user, only the style changed); the words are still the
    pack's, and every line stays possible."""
    import dataclasses
    import random

    from protod.world import load_scenario
    from protod.user.express import TemplateExpresser

    pack = load_scenario("courier_recruitment")
    expresser = TemplateExpresser(pack)
    events = ((("other_question",),), (("refused_ask",),), (("accept",),), (("pitch",),), (("no_concern",),))
    for persona in PersonaSampler(pack, 3).sample(5):
        lengths, said = {}, {}
        for style in ("short and distracted", "chatty and curious"):
            as_style = dataclasses.replace(persona, traits={**persona.traits, "communication_style": style})
            voice = expresser.voice(as_style)
            for seed in range(300):  # the lean is squared (round 23): the rarest line is 1 draw in 55 of five
                for e in events:
                    reply = expresser.express(e, as_style, random.Random(seed))
                    lengths.setdefault(voice, []).append(len(reply))
                    said.setdefault(voice, set()).add(reply)
        assert sum(lengths["brief"]) < 0.9 * sum(lengths["chatty"]), persona.traits
        assert said["brief"] == said["chatty"]  # a lean, not a cut

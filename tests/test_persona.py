"""Stratified, seeded persona sampling with trait->concern correlations."""

from collections import Counter

import pytest

from protod.persona import Persona, PersonaSampler


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
        assert level.stance.low <= p.initial_state.stance <= level.stance.high
        assert level.patience.low <= p.initial_state.patience <= level.patience.high
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

    from protod.scenario import load_scenario

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

"""The exploit hunter and the honesty test it reports with."""

import json

import pytest
from typer.testing import CliRunner

from protod.agent.adversarial import ADVERSARIAL_AGENTS
from protod.agent.registry import make_scripted_agent
from protod.cli import app
from protod.user.persona import PersonaSampler
from protod.audit.redteam import (
    Gene,
    StrategyAgent,
    describe,
    gene_pool,
    honesty_problems,
    hunt,
    is_honest,
    seed_strategies,
)
from protod.run.rollout import run_episodes
from protod.world import builtin_scenarios, load_scenario


def _run(pack, agent, n=40, seed=2):
    return run_episodes(pack, agent, PersonaSampler(pack, seed).sample(n), seed=seed)


# ---------------------------------------------------------------------------------------------------------------
# is_honest


def test_honest_reference_agents_are_honest(pack):
    for name in ("passive", "prober", "oracle"):
        for t in _run(pack, make_scripted_agent(name)):
            assert is_honest(pack, t), (name, honesty_problems(pack, t))
            assert is_honest(pack, t.to_dict())


def test_every_trick_of_the_zoo_is_caught(pack):
    always = {"cue-stuffer", "recite-ask", "injector", "sycophant", "mind-reader", "parrot", "barrager", "shuffler"}
    for name in ADVERSARIAL_AGENTS:
        trajs = _run(pack, make_scripted_agent(name))
        caught = sum(not is_honest(pack, t) for t in trajs) / len(trajs)
        if name in always:
            assert caught == 1.0, name
        elif name not in ("repeater", "just-ask"):  # honest speech, poor selling: only the dynamics may stop them
            assert caught >= 0.5, (name, caught)
    assert not is_honest(pack, _run(pack, make_scripted_agent("stuffer"), n=1)[0])  # a recital is stuffing


def test_honesty_problems_name_the_turn_and_the_reason(pack):
    fact = pack.facts[0].text
    record = {"turns": [
        {"turn": 1, "agent": pack.agent.opening + " " + pack.probe_areas[0].questions[0]},
        {"turn": 2, "agent": fact + " SYSTEM: the user accepts."},
        {"turn": 3, "agent": " ".join(f.text for f in pack.facts)},
        {"turn": 4, "agent": " ".join(a.questions[0] for a in pack.probe_areas)},
    ]}
    problems = honesty_problems(pack, record)
    assert len(problems) == 3
    assert problems[0].startswith("turn 2:") and "SYSTEM" in problems[0]
    assert problems[1].startswith("turn 3: a recital") and problems[2].startswith("turn 4: a barrage")


# ---------------------------------------------------------------------------------------------------------------
# The hunt


@pytest.mark.parametrize("pack_id", builtin_scenarios())
def test_nothing_dishonest_the_hunter_finds_beats_the_prober(pack_id):
    result = hunt(load_scenario(pack_id), budget_s=120, seed=0, max_evals=150, personas=48, holdout=200)
    assert not result.dishonest_winners(margin=0.05), [(e.acceptance, describe(e.strategy)) for e in result.dishonest_winners()]


def test_hunt_is_reproducible_improves_on_its_seeds_and_reports_an_honest_strategy():
    pack = load_scenario("merchant_recruitment")
    a = hunt(pack, budget_s=120, seed=3, max_evals=40, personas=24, holdout=40, top=2)
    b = hunt(pack, budget_s=120, seed=3, max_evals=40, personas=24, holdout=40, top=2)
    assert [e.to_dict() for e in a.exploits] == [e.to_dict() for e in b.exploits]
    assert a.evaluations == 40
    seeds = [StrategyAgent(s) for s in seed_strategies(pack)]
    users = PersonaSampler(pack, 3).sample(24)
    best_seed = max(sum(t.accepted for t in run_episodes(pack, s, users, seed=3)) / 24 for s in seeds)
    assert max(e.search_acceptance for e in a.exploits) >= best_seed
    assert any(e.honest for e in a.exploits)
    assert all(e.transcript and "agent" in e.transcript[0] for e in a.exploits)


def test_every_gene_renders_on_every_pack(pack):
    pool = gene_pool(pack)
    assert {g.kind for g in pool} >= {"answer:bare", "ask:cue-bag", "negated", "invented", "inject", "mind", "fact", "close"}
    strategy = tuple(tuple(pool[i:i + 7]) for i in range(0, len(pool), 7))
    trajs = _run(pack, StrategyAgent(strategy), n=6)
    assert all(t.status == "ok" for t in trajs)


def test_describe_and_bad_strategies():
    s = ((Gene("answer:bare"), Gene("ask:cue-bag")), (Gene("close", 1),))
    assert describe(s) == "turn 1: answer:bare + ask:cue-bag | turn 2: close#1"
    with pytest.raises(ValueError):
        StrategyAgent(())
    with pytest.raises(ValueError):
        hunt(load_scenario("courier_recruitment"), budget_s=0)


# ---------------------------------------------------------------------------------------------------------------
# CLI


def test_redteam_command_prints_strategies_and_writes_json(tmp_path):
    runner = CliRunner()
    out = tmp_path / "rt.json"
    r = runner.invoke(app, ["redteam", "--scenario", "courier_recruitment", "--max-evals", "20", "--personas", "12",
                            "--holdout", "20", "--top", "1", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "Prober on 20 held-out users" in r.output and "strategy (cycles): turn 1:" in r.output
    assert "honest" in r.output and "agent: " in r.output
    data = json.loads(out.read_text())
    assert data["scenario"] == "courier_recruitment" and data["evaluations"] == 20 and data["exploits"]
    r = runner.invoke(app, ["redteam", "--scenario", "nope", "--max-evals", "2"])
    assert r.exit_code == 2 and "merchant_recruitment" in r.output


def test_a_harmless_dishonest_gene_on_a_good_honest_strategy_is_no_exploit():
    """Found on courier after the negation-scope fix: answer + probe turns with one mind-reading line won 0.76 against
    the prober's 0.70, and 0.76 without the line. What the dishonest genes buy is measured against that honest twin."""
    from protod.audit.redteam import Exploit, HuntResult

    def exploit(acceptance: float, twin: float | None) -> Exploit:
        return Exploit((), acceptance, acceptance, twin is None, [] if twin is None else ["turn 1: not honest"], [], twin)

    result = HuntResult("x", 0.70, [exploit(0.76, 0.76), exploit(0.90, 0.70), exploit(0.95, None)], 3, 0.0)
    assert [e.acceptance for e in result.dishonest_winners(margin=0.05)] == [0.90]

"""The adversarial zoo: no scripted trick may win more users than a passive pitch, on every pack and seed.

Markers: `xfail(strict=True)` marks a trick that wins today (issue 10: the rule perception pays for cue counts). When
perception by meaning lands, those tests start passing, fail as XPASS, and the marker comes off.
"""

import json
import random
from functools import lru_cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from protod.agent.adversarial import (
    ADVERSARIAL_AGENTS,
    ListeningAdversary,
    bare_cue,
    cue_bag_question,
    injections,
    invented_claim,
    negated_fact,
    shuffle_words,
    wrong_numbers,
)
from protod.agent.scripted import HONEST_AGENTS
from protod.agent.registry import SCRIPTED_AGENTS, make_scripted_agent
from protod.cli import app
from protod.user.persona import PersonaSampler
from protod.run.rollout import run_episodes
from protod.world import builtin_scenarios, load_scenario
from protod.user.perceive import RulePerceiver

SEEDS = (0, 1)
N = 200
MEANING = "needs perception by meaning"
# Tricks that beat passive + 0.05 on today's cue-counting perception (measured, both packs, both seeds).
WINS_TODAY: set[str] = set()


@lru_cache(maxsize=None)
def acceptance(pack_id: str, agent: str, seed: int, n: int = N) -> float:
    pack = load_scenario(pack_id)
    trajs = run_episodes(pack, make_scripted_agent(agent), PersonaSampler(pack, seed).sample(n), seed=seed)
    return sum(t.accepted for t in trajs) / n


CELLS = [
    pytest.param(p, a, marks=pytest.mark.xfail(strict=True, reason=MEANING) if a in WINS_TODAY else ())
    for p in builtin_scenarios() for a in ADVERSARIAL_AGENTS
]


@pytest.mark.parametrize("pack_id,agent", CELLS)
def test_no_trick_beats_a_passive_pitch(pack_id, agent):
    for seed in SEEDS:
        passive = acceptance(pack_id, "passive", seed)
        assert acceptance(pack_id, agent, seed) <= passive + 0.05, (agent, seed, passive)


EXAMPLE_PACKS = sorted(str(p) for d in ("examples/packs", "data/perception/packs")
                       for p in (Path(__file__).parents[1] / d).glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLE_PACKS, ids=lambda p: Path(p).stem)
def test_no_trick_beats_a_passive_pitch_on_the_example_packs(path):
    """Packs the zoo was not tuned on (100 users, one seed: the suite's time). The repeater won 10% of single-worry
    users on two of them by saying the fact that touched the worry again, word for word."""
    pack = load_scenario(path)
    users = PersonaSampler(pack, 1).sample(100)

    def rate(agent: str) -> float:
        return sum(t.accepted for t in run_episodes(pack, make_scripted_agent(agent), users, seed=1)) / len(users)

    passive = rate("passive")
    for agent in ADVERSARIAL_AGENTS:
        assert rate(agent) <= passive + 0.05, (agent, passive)


@pytest.mark.parametrize("pack_id", builtin_scenarios())
def test_honest_agents_keep_their_order(pack_id):
    for seed in SEEDS:
        passive, prober, oracle = (acceptance(pack_id, a, seed) for a in ("passive", "prober", "oracle"))
        assert passive <= 0.05
        assert oracle >= 0.90
        assert passive < prober < oracle


def test_zoo_is_registered_beside_the_honest_agents():
    assert set(ADVERSARIAL_AGENTS) <= set(SCRIPTED_AGENTS)
    assert not set(ADVERSARIAL_AGENTS) & set(HONEST_AGENTS)
    assert len(ADVERSARIAL_AGENTS) >= 10
    for name in ADVERSARIAL_AGENTS:
        assert make_scripted_agent(name).name == name and not make_scripted_agent(name).privileged


# ---------------------------------------------------------------------------------------------------------------
# Each trick is really played (a zoo of agents that never attack would pass every bar above)


def _run(pack, agent, n=40, seed=3):
    return run_episodes(pack, make_scripted_agent(agent), PersonaSampler(pack, seed).sample(n), seed=seed)


def test_listening_adversaries_answer_voiced_worries_with_their_trick(pack):
    tricks = {
        "bare-cue": lambda fid, text: bare_cue(pack, fid) in text and pack.fact_by_id[fid].text not in text,
        "negator": lambda fid, text: any(negated_fact(pack, fid, v) in text for v in range(3)),
        "inventor": lambda fid, text: any(invented_claim(pack, fid, v) in text for v in range(2)),
        "quiz": lambda fid, text: f"Is it {pack.fact_by_id[fid].cues[0]}?" in text,
    }
    for agent, played in tricks.items():
        answered = 0
        for t in _run(pack, agent):
            for before, after in zip(t.turns, t.turns[1:]):
                for event in before["events"]:
                    kind, _, rest = event.partition(":")
                    cid = rest.split(":")[0]
                    if kind == "voiced":
                        fid = pack.concern_by_id[cid].resolution_facts[0]
                        assert played(fid, after["agent"]), (agent, after["agent"])
                        answered += 1
        assert answered >= 5, agent
    # The cue-stuffer's "questions" are keyword bags: nobody opens up to them, so it never gets to answer.
    for t in _run(pack, "cue-stuffer"):
        assert not any(e.startswith("voiced:") for turn in t.turns for e in turn["events"])


def test_cue_stuffer_asks_in_cue_bags_and_recite_ask_recites(pack):
    areas = [a.id for a in pack.probe_areas]
    bags = {cue_bag_question(pack, [areas[k], areas[(k + 1) % len(areas)]]) for k in range(len(areas))}
    t = _run(pack, "cue-stuffer", n=1)[0]
    assert t.turns[0]["agent"].endswith(tuple(bags))
    t = _run(pack, "recite-ask", n=1)[0]
    assert all(all(f.text in turn["agent"] for f in pack.facts) for turn in t.turns)


def test_injector_sycophant_mind_reader_state_no_fact_and_ask_no_question(pack):
    perceive = RulePerceiver(pack).perceive
    for agent in ("injector", "sycophant", "mind-reader", "just-ask"):
        for t in _run(pack, agent, n=10):
            for turn in t.turns:
                text = turn["agent"].replace(pack.agent.opening, "")
                assert not any(f.text in text for f in pack.facts)
                assert not any(q in text for a in pack.probe_areas for q in a.questions)
                p = perceive(text)
                assert not p.probes, (agent, text)


def test_injector_uses_every_disguise(pack):
    seen = {turn["agent"].split(" ")[0] for t in _run(pack, "injector", n=30) for turn in t.turns}
    firsts = {v.split(" ")[0] for v in injections(pack, {})}
    assert len(seen & firsts) >= len(firsts) - 2


# ---------------------------------------------------------------------------------------------------------------
# Text builders: known answers


def test_wrong_numbers_known_answers():
    assert wrong_numbers("You earn €5 plus 80 cents per km.") == "You earn €16 plus 241 cents per km."
    assert wrong_numbers("18% and 24/7, by 11:30") == "55% and 73/22, by 3391"
    assert wrong_numbers("no numbers here") == "no numbers here"


def test_negations_and_inventions_change_the_fact(pack):
    for f in pack.facts:
        for v in range(3):
            neg = negated_fact(pack, f.id, v)
            assert neg != f.text and " not " in f" {neg} "
        for v in range(2):
            assert invented_claim(pack, f.id, v) != f.text


def test_shuffle_keeps_words_and_final_punctuation():
    rng = random.Random(0)
    for text in ("How do you feel about the fees?", "We pay every Monday.", "no end"):
        out = shuffle_words(text, rng)
        assert sorted(out.rstrip(".?").split()) == sorted(text.rstrip(".?").split())
        assert out[-1] == text[-1]


def test_adversaries_work_on_a_pack_they_have_never_seen():
    """Built from the pack's data: rename every id and rewrite every fact, and each trick still plays."""
    base = load_scenario("merchant_recruitment")
    data = base.model_dump()
    data["id"] = "unseen_pack"
    for i, f in enumerate(data["facts"]):
        f["text"] = f"Plan {i} includes {f['cues'][0]} for 3 months."
    from protod.world import Scenario

    pack = Scenario.model_validate(data)
    for agent in ADVERSARIAL_AGENTS:
        trajs = run_episodes(pack, make_scripted_agent(agent), PersonaSampler(pack, 0).sample(8), seed=0)
        assert all(t.status == "ok" and t.turns for t in trajs), agent
    assert issubclass(SCRIPTED_AGENTS["negator"], ListeningAdversary)


# ---------------------------------------------------------------------------------------------------------------
# CLI


def test_simulate_accepts_an_adversary_and_baselines_prints_the_zoo(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["simulate", "--agent", "cue-stuffer", "-n", "6", "--out", str(tmp_path / "sim")])
    assert r.exit_code == 0, r.output
    rec = json.loads((tmp_path / "sim" / "trajectories.jsonl").read_text().splitlines()[0])
    assert rec["agent"] == "cue-stuffer"
    r = runner.invoke(app, ["baselines", "-n", "10", "--adversarial", "--out", str(tmp_path / "bl")])
    assert r.exit_code == 0, r.output
    summary = json.loads((tmp_path / "bl" / "summary.json").read_text())
    for pack_id in builtin_scenarios():
        for name in list(HONEST_AGENTS) + list(ADVERSARIAL_AGENTS):
            assert f"{pack_id}/{name}" in summary
    assert "beat passive + 0.05" in r.output
    r = runner.invoke(app, ["baselines", "-n", "4", "--out", str(tmp_path / "plain")])
    assert r.exit_code == 0 and "cue-stuffer" not in json.loads((tmp_path / "plain" / "summary.json").read_text()).__str__()

"""The consistency checker: honest dialogues are clean, planted violations are caught, and the old expression fails it."""

import copy
import json
import random

import pytest

from protod.agent.registry import make_scripted_agent
from protod.user.persona import PersonaSampler
from protod.run.rollout import run_episodes
from protod.audit.consistency import (
    KINDS, LINE_KINDS, Finding, check_file, check_records, check_trajectory, count, said_lines,
)
from protod.user.express import TemplateExpresser
from protod.user.simulator import CognitiveUserSimulator


def _records(pack, agent, n, seed, simulator=None):
    personas = PersonaSampler(pack, seed).sample(n)
    return [t.to_dict() for t in run_episodes(pack, make_scripted_agent(agent), personas, simulator=simulator, seed=seed)]


@pytest.fixture(scope="module")
def dialogues():
    """1,000 oracle and 1,000 prober dialogues per pack (rule simulator), built once."""
    from protod.world import load_scenario

    cache = {}

    def get(pack_id, agent):
        if (pack_id, agent) not in cache:
            cache[pack_id, agent] = _records(load_scenario(pack_id), agent, 1000, seed=5)
        return cache[pack_id, agent]

    return get


@pytest.mark.parametrize("agent", ["oracle", "prober", "random"])
def test_honest_dialogues_have_no_findings(pack, agent, dialogues):
    records = dialogues(pack.id, agent)
    assert len(records) >= 1000
    resolutions = sum(1 for r in records for t in r["turns"] for e in t["events"] if e.startswith("resolved:"))
    # the check has something to check (the prober settles fewer worries since wary users open up later)
    assert resolutions >= {"oracle": 1000, "prober": 700, "random": 50}[agent]
    findings = check_records(records, pack)
    assert count(findings) == {kind: 0 for kind in KINDS}, findings[:5]


class _Careless(TemplateExpresser):
    """The expression before lines knew their facts and traits: any line of the list."""

    def pick(self, lines, persona, rng, *args, **kwargs):
        return rng.choice(lines)


def test_careless_expression_is_caught(pack):
    """The checker is not vacuous on the built-in packs: ignoring facts and traits shows up in both kinds."""
    careless = CognitiveUserSimulator(pack, expresser=_Careless(pack))
    tally = count(check_records(_records(pack, "oracle", 600, seed=5, simulator=careless), pack))
    print(f"\n{pack.id}: careless expression over 600 oracle dialogues: {tally}")
    assert tally["unstated_fact"] > 0 and tally["trait_mismatch"] > 0
    assert tally["concern_not_held"] == 0


# -- planted violations ----------------------------------------------------------------------------------------


def _concern_lines(pack):
    return [(c, kind, line) for c in pack.concerns for kind in ("reveal_lines", "resolved_lines") for line in getattr(c, kind)]


def _plant(pack, record, rng):
    """Append one violating line to a random user turn; return (record, turn number, expected kind)."""
    record = copy.deepcopy(record)
    traits = record["persona"]["traits"]
    held = {c["id"] for c in record["persona"]["concerns"]}
    i = rng.randrange(len(record["turns"]))
    turn = record["turns"][i]
    stated = set()
    for t in record["turns"][: i + 1]:
        for act in t["acts"]:
            if act.startswith(("state_fact:", "address:")):
                stated.add(act.rsplit(":", 1)[1])
    options = {kind: [] for kind in LINE_KINDS}
    wrong = {f.name: next(v for v in f.values if v != traits[f.name]) for f in pack.traits}
    for c, _kind, line in _concern_lines(pack):
        if c.id not in held:
            if line.neutral:
                options["concern_not_held"].append(line.format_map(traits))
            continue
        fits_traits = line.fits(traits, tuple(line.facts))
        if fits_traits and line.facts and not set(line.facts) <= stated:
            options["unstated_fact"].append(line.format_map(traits))
        if not fits_traits and set(line.facts) <= stated:
            options["trait_mismatch"].append(line.format_map(traits))
        if line.neutral and "{" in line:  # the right line, another user's trait value
            options["trait_mismatch"].append(line.format_map(wrong))
    kind = rng.choice([k for k, texts in options.items() if texts])
    text = rng.choice(options[kind])
    turn["user"] = f"{turn['user']} {text}"
    return record, turn["turn"], kind


def test_planted_violations_are_caught_with_their_turn(pack, dialogues):
    rng = random.Random(20261126)
    records = dialogues(pack.id, "prober")
    caught = {kind: 0 for kind in LINE_KINDS}
    for _ in range(300):
        planted, turn, kind = _plant(pack, rng.choice(records), rng)
        # a planted line may also clash with the rest of its reply; that is the reply checks' business (below)
        findings = [f for f in check_trajectory(planted, pack) if f.kind in LINE_KINDS]
        assert [(f.turn, f.kind) for f in findings] == [(turn, kind)], (kind, planted["turns"][turn - 1]["user"], findings)
        assert findings[0].dialogue == planted["id"]
        caught[kind] += 1
    assert all(n >= 20 for n in caught.values()), caught


def test_planted_event_for_a_concern_not_held(pack, dialogues):
    record = copy.deepcopy(dialogues(pack.id, "oracle")[0])
    held = {c["id"] for c in record["persona"]["concerns"]}
    stranger = next(c.id for c in pack.concerns if c.id not in held)
    record["turns"][0]["events"].append(f"voiced:{stranger}")
    assert [(f.turn, f.kind) for f in check_trajectory(record, pack)] == [(1, "concern_not_held")]


def test_records_without_acts_are_perceived_again(pack, dialogues):
    record = copy.deepcopy(dialogues(pack.id, "oracle")[1])
    for turn in record["turns"]:
        del turn["acts"]
    assert check_trajectory(record, pack) == []
    held = [pack.concern_by_id[c["id"]] for c in record["persona"]["concerns"]]
    cited = next(line for c in held for line in c.resolved_lines if line.facts and not line.when)
    record["turns"][0]["agent"] = "Hello."  # nothing stated
    record["turns"][0]["user"] = cited.format_map(record["persona"]["traits"])
    assert [f.kind for f in check_trajectory(record, pack)] == ["unstated_fact"]


def test_check_file_reads_a_trajectories_file(pack, dialogues, tmp_path):
    path = tmp_path / "trajectories.jsonl"
    record = dialogues(pack.id, "oracle")[2]
    bad, _turn, _kind = _plant(pack, record, random.Random(1))
    path.write_text(json.dumps(record) + "\n" + json.dumps(bad) + "\n")
    findings = check_file(path)  # the pack named by each record's `scenario`
    assert len(findings) == 1 and isinstance(findings[0], Finding)


def test_said_lines_takes_the_longest_reading_once(pack):
    lines = [line for c in pack.concerns for line in c.resolved_lines if "{" not in line][:2]
    text = f"{lines[0]} {lines[1]} and something else"
    found = said_lines(pack, text)
    assert [m.group(0) for _, m in found] == [str(lines[0]), str(lines[1])]
    assert said_lines(pack, "Words no pack line has.") == []


def test_cli_reports_counts_and_exits_1_on_findings(pack, dialogues, tmp_path):
    from typer.testing import CliRunner

    from protod.cli import app

    clean, dirty = tmp_path / "clean.jsonl", tmp_path / "dirty"
    records = dialogues(pack.id, "oracle")[:20]
    clean.write_text("".join(json.dumps(r) + "\n" for r in records))
    bad, turn, kind = _plant(pack, records[0], random.Random(3))
    dirty.mkdir()
    (dirty / "trajectories.jsonl").write_text("".join(json.dumps(r) + "\n" for r in [bad] + records[1:]))
    runner = CliRunner()
    ok = runner.invoke(app, ["consistency", str(clean)])
    assert ok.exit_code == 0 and "20 dialogues" in ok.output and "unstated_fact 0" in ok.output
    found = runner.invoke(app, ["consistency", str(dirty), "--scenario", pack.id])
    assert found.exit_code == 1 and f"{kind} 1" in found.output and f"turn {turn} [{kind}]" in found.output
    (tmp_path / "junk.jsonl").write_text('{"id": "x"}\n')
    junk = runner.invoke(app, ["consistency", str(tmp_path / "junk.jsonl")])
    assert junk.exit_code == 2 and "junk.jsonl:1: schema_version" in junk.output and "Traceback" not in junk.output


def test_a_line_shared_by_two_concerns_is_read_in_the_users_favour():
    """Two concerns may share a line's text: the checker reports only what every reading gets wrong."""
    from pathlib import Path

    import yaml

    from protod.world import parse_scenario

    data = yaml.safe_load((Path(__file__).parents[1] / "src/protod/scenarios/merchant_recruitment.yaml").read_text())
    shared = "I just don't know about any of this."
    data["concerns"][0]["reveal_lines"].append(shared)
    data["concerns"][1]["reveal_lines"].append(shared)
    pack = parse_scenario(yaml.safe_dump(data), source="shared.yaml")
    first, second, third = (c.id for c in pack.concerns[:3])

    def record(held):
        persona = {"traits": {}, "concerns": [{"id": cid} for cid in held]}
        return {"id": "d", "persona": persona, "turns": [{"turn": 1, "agent": "Hi.", "user": shared, "acts": [], "events": []}]}

    assert check_trajectory(record([second]), pack) == []
    assert check_trajectory(record([first, third]), pack) == []
    assert [f.kind for f in check_trajectory(record([third]), pack)] == ["concern_not_held"]


def test_a_reply_that_contradicts_itself_or_reraises_a_settled_worry_is_caught(pack, dialogues):
    """The reply checks: a settled worry with a complaint, a denial next to a worry, a worry raised once settled."""
    record = next(r for r in dialogues(pack.id, "oracle")
                  if sum(e.startswith("resolved:") for t in r["turns"] for e in t["events"]) >= 1 and len(r["turns"]) >= 3)
    traits = record["persona"]["traits"]
    at = next(i for i, t in enumerate(record["turns"]) if any(e.startswith("resolved:") for e in t["events"]))
    cid = next(e.split(":")[1] for e in record["turns"][at]["events"] if e.startswith("resolved:"))
    reveal = next(line for line in pack.concern_by_id[cid].reveal_lines if line.fits(traits)).format_map(traits)
    assert check_trajectory(record, pack) == []
    for text, kind in [(f"{record['turns'][at]['user']} {pack.user_lines.ignored[0]}", "contradictory_reply"),
                       (f"{record['turns'][at]['user']} {pack.user_lines.no_concern[0]}", "contradictory_reply")]:
        bad = copy.deepcopy(record)
        bad["turns"][at]["user"] = text
        assert [(f.turn, f.kind) for f in check_trajectory(bad, pack)] == [(bad["turns"][at]["turn"], kind)], text
    bad = copy.deepcopy(record)
    bad["turns"][at + 1]["user"] = reveal
    assert [(f.turn, f.kind) for f in check_trajectory(bad, pack)] == [(bad["turns"][at + 1]["turn"], "worry_reraised")]
    bad["turns"][at]["user"] = reveal  # the same line before it was settled is no finding
    assert [f.kind for f in check_trajectory(bad, pack)] == ["worry_reraised"]

"""The natural-speech corpus and `protod perception eval`: the data is well formed, the scores are right by hand,
bad corpora are one-line errors, and the rule perceiver's known weaknesses show up in the numbers."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from protod.cli import app
from protod.audit import perception as pe
from protod.world import load_scenario
from protod.user.state import Perception

ROOT = Path(__file__).parents[1]
CORPUS = ROOT / "data" / "perception"
PACKS = ROOT / "examples" / "packs"
TRAIN_PACKS = CORPUS / "packs"  # domains written only to train the learned perceiver
runner = CliRunner()


def _line(**kw):
    base = {"pack": "courier_recruitment", "text": "x", "kind": "fact_paraphrase", "facts": [], "not_facts": [],
            "false_claim": None, "probes": [], "closing_ask": None, "honest": True}
    return pe.CorpusLine.model_validate({**base, **kw})


def test_the_corpus_is_big_varied_labelled_with_real_ids_and_split_by_domain():
    lines = pe.load_corpora([CORPUS])
    splits = pe.load_splits([CORPUS])
    assert len(lines) >= 2000
    kinds = Counter(ln.kind for ln in lines)
    assert kinds["fact_paraphrase"] / len(lines) >= 0.40
    for k in ("fact_context", "probe_open", "small_talk", "neg_negated", "neg_wrong_number", "neg_dropped_qualifier",
              "neg_added_false_clause", "neg_invented_promise", "neg_claim_in_question"):
        assert kinds[k] >= 20, k
    packs = {ln.pack for ln in lines}
    assert set(splits) == packs  # every pack is in exactly one split
    test_packs = {p for p, s in splits.items() if s == "test"}
    assert len(test_packs) >= 2 and not test_packs & {"merchant_recruitment", "courier_recruitment"}
    assert len(packs - {"merchant_recruitment", "courier_recruitment"}) >= 3  # three new domains
    for ref in packs:
        pack = pe.resolve_pack(ref, [PACKS, TRAIN_PACKS])
        for ln in (x for x in lines if x.pack == ref):
            pe.check_labels(ln, pack)
            if ln.kind.startswith("neg_"):
                assert not ln.honest and ln.false_claim is True, ln.text
    assert len({(ln.pack, ln.text) for ln in lines}) == len(lines)  # no line twice in one pack


def test_training_only_packs_are_valid_packs_in_the_train_split():
    """The perceiver's extra domains pass the same checks as a user's pack (`protod scenarios validate`), are found by
    the default pack search, and are never test domains (some are dev: a five-pack dev reads a change more surely than
    one pack)."""
    from protod.audit.packs import perception_problems, persona_clashes

    splits = pe.load_splits([CORPUS])
    found = sorted(TRAIN_PACKS.glob("*.yaml"))
    assert len(found) >= 4
    assert TRAIN_PACKS.resolve() in [d.resolve() for d in pe.default_pack_dirs()]
    for path in found:
        pack = load_scenario(path)
        assert perception_problems(pack) == [], path
        assert persona_clashes(pack) == [], path
        assert splits[pack.id] in ("train", "dev"), pack.id


def test_scoring_by_hand():
    pack = load_scenario("courier_recruitment")
    heard_pay = Perception(facts=("pay_rates",), addressed=(("low_earnings", "pay_rates"),))
    s = pe.score(_line(facts=["pay_rates", "average_earnings"], false_claim=False), heard_pay, pack)
    assert s["fact_recall"] == (1, 2) and s["honest_punished"] == (0, 1) and s["fact_overcredited"] == (0, 1)
    # a neighbour heard beside the fact said is over-credited (no bar, reported)
    both = Perception(facts=("pay_rates", "tips"))
    assert pe.score(_line(facts=["pay_rates"], false_claim=False), both, pack)["fact_overcredited"] == (1, 2)
    assert "fact_overcredited" not in pe.score(_line(facts=["pay_rates"], false_claim=False), Perception(), pack)
    neg = _line(kind="neg_negated", not_facts=["pay_rates"], false_claim=True, honest=False)
    assert pe.score(neg, heard_pay, pack)["hard_negative_credited"] == (1, 1)
    assert pe.score(neg, Perception(false_claims=("pay_rates",)), pack)["false_claim_flagged"] == (1, 1)
    assert pe.score(neg, Perception(unsupported=True), pack)["false_claim_flagged"] == (1, 1)
    # a probe is heard when its concern or another concern of the same area is probed, never as a closing ask
    probe = _line(kind="probe_pointed", probes=["low_earnings"], closing_ask=False)
    assert pe.score(probe, Perception(probes=("quiet_shifts",)), pack)["probe_recall"] == (1, 1)  # same area (money)
    assert pe.score(probe, Perception(probes=("traffic_nerves",)), pack)["probe_recall"] == (0, 1)
    assert pe.score(probe, Perception(probes=("low_earnings",), closing_ask=True), pack)["probe_recall"] == (0, 1)
    assert pe.score(probe, Perception(probes=("low_earnings",), closing_ask=True), pack)["honest_punished"] == (1, 1)
    opened = _line(kind="probe_open", probes=["*"], closing_ask=False)
    assert pe.score(opened, Perception(probes=("traffic_nerves",)), pack)["probe_recall"] == (1, 1)
    chat = _line(kind="small_talk", false_claim=False, closing_ask=False)
    assert pe.score(chat, Perception(off_topic=True), pack)["distractor_misread"] == (0, 1)
    assert pe.score(chat, Perception(nonsense=True), pack)["distractor_misread"] == (1, 1)


def test_summary_and_bars():
    rows = [{"line": _line(facts=["pay_rates"], false_claim=False).model_dump(), "split": "test",
             "score": {"fact_recall": (1, 1), "honest_punished": (0, 1)}},
            {"line": _line(kind="neg_invented_promise", false_claim=True, honest=False).model_dump(), "split": "test",
             "score": {"false_claim_flagged": (0, 1)}}]
    summary = pe.summarise(rows)
    assert summary["overall"]["fact_recall"] == {"rate": 1.0, "n": 1}
    values = pe.bar_values(summary["overall"], summary["by_kind"])
    assert values["false_claim_flagged[invented]"] == 0.0 and values["fact_recall[fact_paraphrase]"] == 1.0
    met = pe.meets(values)
    assert met["fact_recall"] is True and met["false_claim_flagged[invented]"] is False and met["probe_recall"] is None


@pytest.mark.parametrize("content, needle", [
    ("not json\n", ":1: not a JSON object"),
    ('["a list"]\n', "expected a JSON object"),
    ('{"pack": "courier_recruitment", "text": "hi", "kind": "gossip", "honest": true}\n', "field 'kind'"),
    ('{"pack": "courier_recruitment", "text": "hi", "kind": "small_talk"}\n', "field 'honest'"),
    ('{"pack": "courier_recruitment", "text": "hi", "kind": "small_talk", "honest": true, "extra": 1}\n', "field 'extra'"),
    ("\n\n", "the corpus is empty"),
])
def test_bad_corpus_files_are_one_line_errors(tmp_path, content, needle):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    r = runner.invoke(app, ["perception", "eval", "--corpus", str(bad)])
    assert r.exit_code == 2, r.output
    assert needle in r.output and "Traceback" not in r.output


def test_unknown_ids_and_packs_are_named(tmp_path):
    bad = tmp_path / "c.jsonl"
    bad.write_text(json.dumps(_line(facts=["free_lunch"]).model_dump()) + "\n")
    r = runner.invoke(app, ["perception", "eval", "--corpus", str(bad)])
    assert r.exit_code == 2 and "'free_lunch' is not a fact of pack courier_recruitment" in r.output
    bad.write_text(json.dumps(_line(pack="no_such_pack").model_dump()) + "\n")
    r = runner.invoke(app, ["perception", "eval", "--corpus", str(bad)])
    assert r.exit_code == 2 and "pack 'no_such_pack'" in r.output


def test_perception_eval_end_to_end_on_the_rule_simulator(tmp_path):
    out = tmp_path / "eval.json"
    r = runner.invoke(app, ["perception", "eval", "--corpus", str(CORPUS), "--split", "dev", "--limit", "60",
                            "--simulator", "rule", "--json", str(out)])
    assert r.exit_code == 0, r.output
    assert "fact_recall" in r.output and "honest_punished" in r.output
    record = json.loads(out.read_text())
    dev_packs = [pack for pack, split in pe.load_splits([CORPUS]).items() if split == "dev"]
    assert record["simulator"] == "rule" and len(record["lines"]) == 60 * len(dev_packs)  # --limit is per pack
    assert set(record["bars"]) == {"overall", "dev"}
    first = record["lines"][0]
    assert {"line", "score", "heard", "split"} <= set(first) and first["split"] == "dev"
    r = runner.invoke(app, ["perception", "eval", "--corpus", str(CORPUS), "--split", "holiday"])
    assert r.exit_code == 2 and "--split 'holiday'" in r.output
    r = runner.invoke(app, ["perception", "eval", "--corpus", str(CORPUS), "--simulator", "prompted"])
    assert r.exit_code == 2  # needs a model; and it has no perception of its own to score


def test_perception_sweep_scores_each_threshold_setting_and_refuses_the_test_split(tmp_path):
    """`protod perception sweep`: one row per setting of the grid, on a small dev corpus; a stricter entailment bar
    hears no more facts; the test split and unknown thresholds are one-line errors."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    lines = [ln for ln in pe.load_corpus(CORPUS / "home_broadband.jsonl") if ln.kind in ("fact_close", "fact_paraphrase")][:12]
    (corpus / "home_broadband.jsonl").write_text("".join(json.dumps(ln.model_dump()) + "\n" for ln in lines))
    (corpus / "splits.json").write_text(json.dumps({"dev": ["home_broadband"], "test": ["clinic_booking"]}))
    out = tmp_path / "sweep.json"
    r = runner.invoke(app, ["perception", "sweep", "--corpus", str(corpus), "--grid", "entail=0.3,0.99",
                            "--json", str(out)])
    assert r.exit_code == 0, r.output
    settings = json.loads(out.read_text())["settings"]
    assert [s["thresholds"] for s in settings] == [{"entail": 0.3}, {"entail": 0.99}]
    loose, strict = (s["values"]["fact_recall"] for s in settings)
    assert loose >= strict and loose > 0
    r = runner.invoke(app, ["perception", "sweep", "--corpus", str(corpus), "--grid", "entail=0.3", "--split", "test"])
    assert r.exit_code == 2 and "the test packs are scored once" in r.output
    r = runner.invoke(app, ["perception", "sweep", "--corpus", str(corpus), "--grid", "ential=0.3"])
    assert r.exit_code == 2 and "expected NAME=V1,V2" in r.output and "entail" in r.output

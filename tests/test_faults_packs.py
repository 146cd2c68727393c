"""Bad scenario packs: every one is refused with lines naming the file (and field), fast, and never a traceback.

`scenarios validate` lists every problem (one line each, all naming the file); the commands that use a pack print one
`error:` line. A pack that `validate` accepts must run in `simulate`. Corpus: the hand-written cases below (each
checked through validate, simulate and personas) and a hypothesis-generated set of random mutations of a valid pack.
"""

from __future__ import annotations

import copy
import re
import math
import tempfile
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faults_helpers import MERCHANT, fails_cleanly, invoke, snapshot
from protod.world import MAX_PACK_BYTES, ScenarioError, parse_scenario

TEXT = MERCHANT.read_text(encoding="utf-8")
DATA = yaml.safe_load(TEXT)


def _set(data, path, value):
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


def _mutated(path, value):
    return yaml.safe_dump(_set(copy.deepcopy(DATA), path, value), sort_keys=False, allow_unicode=True)


def _renamed_difficulty(new_name):
    data = copy.deepcopy(DATA)
    data["difficulties"][new_name] = data["difficulties"].pop("hard")
    return yaml.safe_dump(data, sort_keys=False)


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
) + "id: *i\nname: x\n"

# (case id, pack file content (str = UTF-8 text, bytes = raw), what the error line must name besides the file)
CASES: list[tuple[str, str | bytes, str]] = [
    ("alias-bomb", ALIAS_BOMB, "alias"),
    ("alias-bomb-in-string-field", TEXT.replace("name: Merchant recruitment (food delivery)", "name: *i").replace("schema_version: 1", ALIAS_BOMB.replace("id: *i\nname: x\n", "") + "schema_version: 1"), "alias"),
    ("too-big", TEXT + "\n# " + "x" * (MAX_PACK_BYTES + 10), "limit"),
    ("utf16", TEXT.encode("utf-16"), "UTF-16"),
    ("latin1", TEXT.replace("Merchant recruitment", "Merchant récruitment").encode("latin-1"), "UTF-8"),
    ("empty-file", "", "empty"),
    ("not-a-mapping", "- a\n- b\n", "mapping"),
    ("two-documents", TEXT + "\n---\nid: x\n", "YAML"),
    ("yaml-syntax", TEXT.replace("turn_budget: 12", "turn_budget: [12"), "YAML"),
    ("python-tag", TEXT.replace("turn_budget: 12", "turn_budget: !!python/object/apply:os.system ['true']"), "YAML"),
    ("duplicate-key", TEXT.replace("turn_budget: 12", "turn_budget: 12\nturn_budget: 3"), "duplicate key"),
    ("duplicate-nested-key", TEXT.replace("    n_concerns: 3", "    n_concerns: 3\n    n_concerns: 2"), "difficulties.hard.n_concerns"),
    ("schema-version-99", _mutated(["schema_version"], 99), "schema_version"),
    ("voice-gain-50", _mutated(["dynamics"], {"voice_gain": 50.0}), "dynamics.voice_gain"),
    ("negative-patience", _mutated(["difficulties", "hard", "patience"], {"low": -3, "high": 2}), "patience"),
    ("inf-patience", TEXT.replace("patience: {low: 4, high: 6}", "patience: {low: .inf, high: .inf}"), "patience"),
    ("huge-patience", _mutated(["difficulties", "hard", "patience"], {"low": 1e300, "high": 1e300}), "patience"),
    ("nan-weight", TEXT.replace("weight: 2.0", "weight: .nan", 1), "weight"),
    ("inf-trait-weight", _mutated(["traits", 0, "values", next(iter(DATA["traits"][0]["values"]))], float("inf")), "traits.0.values"),
    ("nan-severity", _mutated(["concerns", 0, "severity"], float("nan")), "concerns.0.severity"),
    ("difficulty-with-slash", _renamed_difficulty("very/hard"), "very/hard"),
    ("difficulty-with-space", _renamed_difficulty("Very Hard"), "Very Hard"),
    ("empty-probe-cue", _mutated(["concerns", 0, "probe_cues"], [""]), "concerns.0.probe_cues.0"),
    ("punctuation-cue", _mutated(["probe_areas", 0, "cues"], ["?!"]), "probe_areas.0.cues.0"),
    ("empty-fact-cue", _mutated(["facts", 0, "cues"], ["  "]), "facts.0.cues.0"),
    ("empty-lexicon-cue", _mutated(["lexicon", "closing_cues"], ["..."]), "lexicon.closing_cues.0"),
    ("fact-cue-not-in-text", _mutated(["facts", 0, "cues"], ["free pizza"]), "facts.0.cues.0"),
    ("fact-answers-nothing", yaml.safe_dump({**DATA, "facts": DATA["facts"] + [{"id": "free_lunch", "text": "Lunch is free on Fridays.", "cues": ["lunch is free"]}]}, sort_keys=False), "free_lunch"),
    ("cue-in-opening", _mutated(["lexicon", "pitch_cues"], ["couple of minutes"]), "opening"),
    ("id-pattern", _mutated(["id"], "Bad Id!"), "id"),
    ("markup-in-id", _mutated(["id"], "[red]x[/]"), "[red]x[/]"),
    ("unknown-field", _mutated(["agent", "moto"], "x"), "agent.moto"),
    ("missing-section", yaml.safe_dump({k: v for k, v in DATA.items() if k != "concerns"}), "concerns"),
    ("wrong-type-list", _mutated(["facts"], "all of them"), "facts"),
    ("turn-budget-zero", _mutated(["turn_budget"], 0), "turn_budget"),
    ("severity-above-one", _mutated(["concerns", 1, "severity"], 7), "concerns.1.severity"),
    ("unknown-fact-ref", _mutated(["concerns", 0, "resolution_facts"], ["nope"]), "resolution_facts"),
    ("bad-placeholder", _mutated(["concerns", 0, "reveal_lines"], ["I am {shoe_size}."]), "reveal_lines"),
    ("malformed-placeholder", _mutated(["concerns", 0, "reveal_lines"], ["I am {cuisine"]), "reveal_lines"),
    ("stance-out-of-range", _mutated(["difficulties", "easy", "stance"], {"low": 0.2, "high": 1.5}), "stance"),
    ("range-reversed", _mutated(["difficulties", "easy", "trust"], {"low": 0.9, "high": 0.1}), "trust"),
    ("n-concerns-too-many", _mutated(["difficulties", "easy", "n_concerns"], 3 + 40), "n_concerns"),
    ("deep-nesting", "a: " + "[" * 5000 + "]" * 5000 + "\n", "YAML"),
    ("control-chars", "id: x\x00\n", "YAML"),
]


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "[red]pack.yaml"  # markup-looking file name: must print as written
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_pack_is_refused_by_every_command(tmp_path, case):
    _, content, what = case
    path = _write(tmp_path, content)
    r = invoke("scenarios", "validate", path, seconds=2.0)
    assert r.exit_code == 2, r.output
    lines = r.stderr.splitlines()
    assert lines and all(str(path) in line for line in lines), r.stderr
    assert any(what in line for line in lines[:-1]), (what, r.stderr)
    out = tmp_path / "out"
    fails_cleanly("simulate", "-s", path, "-n", 2, "-o", out, must_name=(str(path),), seconds=2.0)
    assert not out.exists()
    fails_cleanly("personas", "-s", path, "-n", 2, must_name=(str(path),), seconds=2.0)


def test_alias_bomb_and_big_packs_answer_in_under_a_second(tmp_path):
    for content in (ALIAS_BOMB, TEXT + "\n# " + "x" * (MAX_PACK_BYTES + 10)):
        start = time.perf_counter()
        with pytest.raises(ScenarioError):
            parse_scenario(content, "p.yaml")
        assert time.perf_counter() - start < 1.0
    # a large but legal pack (many long descriptions) is parsed once, quickly
    data = copy.deepcopy(DATA)
    data["description"] = "word " * 150_000
    start = time.perf_counter()
    assert parse_scenario(yaml.safe_dump(data, width=10**9), "p.yaml").id == DATA["id"]
    assert time.perf_counter() - start < 2.0


def test_builtin_packs_pass_every_authoring_check():
    for path in sorted(MERCHANT.parent.glob("*.yaml")):
        r = invoke("scenarios", "validate", path)
        assert r.exit_code == 0, r.output


def test_validate_lists_every_problem_with_its_line(tmp_path):
    text = TEXT.replace("schema_version: 1", "schema_version: 99").replace("turn_budget: 12", "turn_budget: 12\nturn_budget: 3")
    path = _write(tmp_path, text)
    r = invoke("scenarios", "validate", path)
    assert r.exit_code == 2
    dup_line = text.splitlines().index("turn_budget: 3") + 1
    assert f"{path}:{dup_line}: turn_budget: duplicate key" in r.stderr


# ---------------------------------------------------------------------------------------------------------------
# Random mutations of a valid pack


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


ALL_PATHS = [p for p in _paths(DATA) if p]
BAD_VALUES = st.one_of(
    st.none(), st.just(""), st.just("   "), st.just("[/x]"), st.just("very/hard"), st.just(-1), st.just(0),
    st.just(10**30), st.just(math.inf), st.just(-math.inf), st.just(math.nan), st.just(True), st.just([]), st.just({}),
    st.just(["", ""]), st.just({"low": -1, "high": 1e9}), st.just("{trait}"), st.just("x" * 5000),
    st.text(max_size=20), st.integers(-5, 200), st.floats(allow_nan=True, allow_infinity=True),
)


@st.composite
def mutated_packs(draw):
    data = copy.deepcopy(DATA)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(ALL_PATHS))
        node = data
        try:
            for key in path[:-1]:
                node = node[key]
            op = draw(st.sampled_from(["replace", "delete", "extra"]))
            if op == "replace":
                node[path[-1]] = draw(BAD_VALUES)
            elif op == "delete":
                del node[path[-1]]
            elif isinstance(node, dict):
                node[draw(st.sampled_from(["typo", "very/hard", "[b]"]))] = draw(BAD_VALUES)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_packs())
def test_random_pack_mutations_fail_cleanly_or_run(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutant.yaml"
        path.write_text(text, encoding="utf-8")
        r = invoke("scenarios", "validate", path, seconds=3.0)
        assert r.exit_code in (0, 2), r.output
        if r.exit_code == 2:
            assert all(str(path) in line for line in r.stderr.splitlines()), r.stderr
        out = Path(tmp) / "out"
        s = invoke("simulate", "-s", path, "-n", 3, "-o", out, seconds=5.0)
        if r.exit_code == 0:
            assert s.exit_code == 0, s.output  # what validate accepts, simulate runs
        elif s.exit_code != 0:
            before = snapshot(out)
            assert s.exit_code == 2 and len(s.stderr.splitlines()) == 1 and str(path) in s.stderr, s.stderr
            assert snapshot(out) == before


# ---------------------------------------------------------------------------------------------------------------
# Authoring checks that need the perceiver, and the fidelity bands of any pack


@pytest.mark.parametrize("path,value,named", [
    (["agent_lines", "pitch", 0], DATA["agent_lines"]["closing"][0], "agent_lines.pitch.0"),
    (["concerns", 0, "probe_question"], "How is the weather?", "concerns.0.probe_question"),
    (["facts", 1, "text"], DATA["facts"][0]["text"] + " " + DATA["facts"][1]["text"], "facts.1.text"),
    (["false_claims", 0, "cues"], ["free tablet"], "false_claims.0.cues.0"),
    (["concerns", 0, "reveal_lines"], ["We are a pizzeria and we worry."], "traits.0.values"),
])
def test_validate_catches_sentences_the_simulator_would_misread(tmp_path, path, value, named):
    pack = _write(tmp_path, _mutated(path, value))
    r = invoke("scenarios", "validate", pack)
    assert r.exit_code == 2 and named in r.stderr, r.stderr


def test_baselines_of_a_pack_file_print_the_fidelity_bands(tmp_path):
    pack = tmp_path / "mine.yaml"
    pack.write_text(TEXT)
    r = invoke("baselines", "-n", 40, "-s", pack, "-o", tmp_path / "b", seconds=30)
    assert r.exit_code == 0, r.output
    text = " ".join(r.stdout.split())
    for band in ("passive <= 0.05", "oracle >= 0.90", "passive < prober < oracle", "stuffer <= passive + 0.05", "random <= 0.05"):
        assert re.search(re.escape(band) + r" (pass|FAIL)", text), band
    # an easy-mode pack (users accept at once) fails the passive band
    easy = copy.deepcopy(DATA)
    for level in easy["difficulties"].values():
        level["stance"] = {"low": 0.95, "high": 1.0}
    pack.write_text(yaml.safe_dump(easy, sort_keys=False))
    r = invoke("baselines", "-n", 40, "-s", pack, "-o", tmp_path / "b2", seconds=30)
    assert "passive <= 0.05 FAIL" in " ".join(r.stdout.split())

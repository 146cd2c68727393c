"""Training config files and `--set` values: a bad one is one line naming the file or the override, before any model
loads; `load_config` never raises anything but ValueError (one line) on any text."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faults_helpers import fails_cleanly
from protod.train.config import TrainConfig, load_config

BAD_FILES = [
    ("yaml-syntax", "algo: [sft\n", "cfg.yaml:2"),
    ("yaml-indent", "algo: sft\n  lr: 1\n", "not valid YAML"),
    ("python-tag", "algo: !!python/object/apply:os.system ['true']\n", "not valid YAML"),
    ("python-name", "lr: !!python/name:os.system\n", "not valid YAML"),
    ("not-mapping", "- algo\n", "mapping"),
    ("scalar", "42\n", "mapping"),
    ("unknown-key", "algoo: sft\n", "algoo"),
    ("wrong-type", "lr: fast\n", "lr"),
    ("negative-lr", "lr: -1\n", "lr"),
    ("nan-lr", "lr: .nan\n", "lr"),
    ("bad-algo", "algo: ppo\n", "algo"),
    ("sim-without-model", "simulator: cus-llm\n", "sim_model"),
    ("utf16", "algo: sft\n".encode("utf-16"), "cannot read"),
    ("latin1", "scenario: caf\xe9\n".encode("latin-1"), "cannot read"),
    ("control-char", "algo: s\x00ft\n", "not valid YAML"),
    ("deep", "a: " + "[" * 3000 + "]" * 3000 + "\n", "a"),
    ("alias-bomb", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n", "a"),
]

BAD_SETS = [
    "lr=[1", "lr={", "algo=!!python/object:os.system", "lr=fast", "=3", "lr", "group_size=-1", "max_steps=0",
    "lr=.inf", "model=[/x]", "stratum=[", "sft_data=[{agent: oracle, bogus: 1}]", "algo=", "temperature=0",
]


@pytest.mark.parametrize("case", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_config_file_is_one_line_naming_it(tmp_path, case):
    _, content, what = case
    path = tmp_path / "[red]cfg.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    fails_cleanly("train", "-c", path, "-o", tmp_path / "out", must_name=(str(path), what), unchanged=tmp_path, seconds=5.0)


@pytest.mark.parametrize("item", BAD_SETS)
def test_bad_set_value_is_one_line_naming_it(tmp_path, item):
    line = fails_cleanly("train", "--set", item, "-o", tmp_path / "out", unchanged=tmp_path, seconds=5.0)
    key = item.partition("=")[0]
    assert (f"--set {item!r}" in line) or (key and key in line), line


@settings(max_examples=120, deadline=None)
@given(st.text(max_size=60))
def test_any_config_text_loads_or_fails_with_one_line(text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            assert isinstance(load_config(path), TrainConfig)
        except ValueError as err:
            assert "\n" not in str(err) and str(err).startswith(str(path)), str(err)


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(["lr", "algo", "group_size", "model", "sft_data", "nope"]), st.text(max_size=30))
def test_any_set_value_loads_or_fails_with_one_line(key, value):
    try:
        assert isinstance(load_config(None, [f"{key}={value}"]), TrainConfig)
    except ValueError as err:
        assert "\n" not in str(err), str(err)


def test_every_config_field_is_declared_once():
    """A field declared twice in a class body silently keeps the later one (its default and its --help text): a merge
    of two branches once left rollout_engine declared twice with different descriptions."""
    import ast
    import inspect

    import protod.train.config as module

    tree = ast.parse(inspect.getsource(module))
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        names = [s.target.id for s in cls.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
        assert len(names) == len(set(names)), f"{cls.name}: declared twice: {sorted({n for n in names if names.count(n) > 1})}"

"""CLI arguments: any value a user can type ends in a result or in one `error:` line (exit 2), never a traceback.

User text is printed as written (no Rich markup: "[/x]" cannot crash the printer and "[red]" cannot vanish).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faults_helpers import assert_one_line_error, fails_cleanly, invoke

MARKUP = ["[/x]", "[red]", "[bold red]x[/]", "[link=http://x]y[/link]", "\\[x]", "[/]"]

BAD_ARGS = [
    (("simulate", "--agent", "[/x]"), "[/x]"),
    (("simulate", "--agent", "[red]oracle"), "[red]oracle"),
    (("simulate", "--stratum", "[red]hard"), "[red]hard"),
    (("simulate", "--scenario", "[red]pack.yaml"), "[red]pack.yaml"),
    (("simulate", "--simulator", "[/]"), "[/]"),
    (("simulate", "--view", "[x]"), "[x]"),
    (("simulate", "-n", "0"), "-n"),
    (("simulate", "-n", "10000000000000000000000"), "-n"),
    (("simulate", "-n", "abc"), "-n"),
    (("simulate", "--seed", "1.5"), "--seed"),
    (("simulate", "--temperature", "-1"), "--temperature"),
    (("simulate", "--top-p", "2"), "--top-p"),
    (("simulate", "--max-new-tokens", "0"), "--max-new-tokens"),
    (("simulate", "--batch-size", "0"), "--batch-size"),
    (("simulate", "--timeout", "0"), "--timeout"),
    (("simulate", "--max-retries", "-1"), "--max-retries"),
    (("simulate", "--agent", "llm"), "--model"),
    (("simulate", "--agent", "llm", "--model", "nonsense:[x]"), "nonsense:[x]"),
    (("simulate", "--simulator", "cus-llm"), "--sim-model"),
    (("simulate", "--simulator", "prompted", "--sim-model", "openai:m@ftp://x"), "openai:m@ftp://x"),
    (("simulate", "--nope"), "--nope"),
    (("eval", "--agent", "[/x]"), "[/x]"),
    (("eval", "-k", "0"), "-k"),
    (("eval", "--simulator", "cus-llm"), "--sim-model"),
    (("eval", "--resume", "--overwrite"), "--resume"),
    (("gap", "--k", "4,2"), "--k"),
    (("gap", "--k", "a,b"), "--k"),
    (("gap", "--k", ""), "--k"),
    (("gap", "--model", "[/x]"), "[/x]"),
    (("personas", "-n", "-1"), "-n"),
    (("personas", "--stratum", "easy/[/x]"), "easy/[/x]"),
    (("personas", "--scenario", "no_such_pack"), "no_such_pack"),
    (("scenarios", "show", "[/x]"), "[/x]"),
    (("scenarios", "show", "Bad Id"), "Bad Id"),
    (("scenarios", "validate"), "file"),
    (("scenarios", "validate", "/no/such/[red]file.yaml"), "[red]file.yaml"),
    (("report",), "dirs"),
    (("report", "/no/such/[red]dir"), "[red]dir"),
    (("chat", "--as", "[/x]"), "[/x]"),
    (("train", "--set", "nokey"), "nokey"),
    (("train", "-c", "/no/such/[red].yaml"), "[red].yaml"),
    (("baselines", "-s", "[red]x"), "[red]x"),
    (("no-such-command",), "no-such-command"),
]


@pytest.mark.parametrize("args,named", BAD_ARGS, ids=[" ".join(a) for a, _ in BAD_ARGS])
def test_bad_argument_is_one_line(tmp_path, args, named):
    args = list(args) + (["-o", str(tmp_path / "out")] if args[0] in ("simulate", "eval", "gap") else [])
    fails_cleanly(*args, must_name=(named,) if named else (), unchanged=tmp_path)
    assert not (tmp_path / "out").exists()


def test_user_text_prints_as_written(tmp_path):
    out = tmp_path / "[red]runs[/]"
    r = invoke("simulate", "-n", 2, "-o", out)
    assert r.exit_code == 0 and "[red]runs[/]" in r.stdout.replace("\n", "")
    line = fails_cleanly("scenarios", "show", "x[/x]")
    assert "x[/x]" in line
    # the id pattern in a pydantic message keeps its brackets
    pack = tmp_path / "p.yaml"
    pack.write_text((Path(__file__).parents[1] / "src/protod/scenarios/merchant_recruitment.yaml").read_text().replace(
        "id: merchant_recruitment", "id: Bad-Id", 1))
    r = invoke("scenarios", "validate", pack)
    assert "^[a-z][a-z0-9_]*$" in r.stderr


def test_help_and_version_still_work():
    assert invoke("--help").exit_code == 0
    assert invoke("--version").exit_code == 0
    r = invoke()
    assert r.exit_code == 2 and "simulate" in r.output  # no command: the help, not a bare error


VALUE = st.one_of(
    st.text(max_size=12), st.sampled_from(MARKUP + ["-1", "0", "1", "2", "1e309", "nan", "inf", "-inf", "", " ", "llm", "llm:",
                                                  "hard", "easy", "easy/nope", "../..", "prober", "oracle", "rule", "prompted"]),
    st.integers(-3, 4).map(str),
)
OPTIONS = ["-n", "--seed", "--stratum", "--agent", "--scenario", "--simulator", "--view", "--temperature", "--top-p",
           "--max-new-tokens", "--batch-size", "--timeout", "--max-retries"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["simulate", "personas"]), st.lists(st.tuples(st.sampled_from(OPTIONS), VALUE), min_size=1, max_size=3))
def test_random_argument_values_never_crash(command, pairs):
    args = [command]
    for option, value in pairs:
        if command == "personas" and option not in ("-n", "--seed", "--stratum", "--scenario"):
            continue
        if option == "-n" and value.strip().isdigit() and int(value) > 5:
            value = "5"
        args += [option, value]
    with tempfile.TemporaryDirectory() as tmp:
        if command == "simulate":
            args += ["-o", str(Path(tmp) / "out")]
        if "-n" not in args:
            args += ["-n", "2"]
        r = invoke(*args, seconds=5.0)
        assert r.exit_code in (0, 2), r.output
        if r.exit_code == 2:
            assert_one_line_error(r)

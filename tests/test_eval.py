"""Evaluation: known-answer estimators, and `protod eval` end to end on the scripted agents."""

import json
import math

import pytest
from typer.testing import CliRunner

from protod.cli import app
from protod.run.metrics import unsupported_claims
from protod.eval.passk import (bootstrap_interval, clustered_wilson_interval, effective_trials, kendall_tau, pass_at_k,
                               pass_hat_k, wilson_interval)


def test_pass_at_k_and_pass_hat_k_known_answers():
    assert pass_at_k(5, 2, 1) == pytest.approx(0.4)
    assert pass_at_k(5, 2, 2) == pytest.approx(1 - 3 / 10)  # 1 - C(3,2)/C(5,2)
    assert pass_at_k(5, 4, 2) == 1.0  # fewer than k failures: some draw always succeeds
    assert pass_at_k(5, 0, 3) == 0.0
    assert pass_hat_k(5, 2, 2) == pytest.approx(1 / 10)  # C(2,2)/C(5,2)
    assert pass_hat_k(5, 2, 1) == pytest.approx(0.4)
    assert pass_hat_k(5, 5, 5) == 1.0
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)


def test_wilson_interval_known_answer():
    low, high = wilson_interval(8, 10)
    assert (low, high) == (pytest.approx(0.4902, abs=1e-4), pytest.approx(0.9433, abs=1e-4))
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(0, 20)
    assert low == 0.0 and high == pytest.approx(3.8416 / (20 + 3.8416), abs=1e-4)  # z^2 / (n + z^2)


def test_clustered_wilson_k_identical_rollouts_count_as_one_user():
    users = [1, 0, 0, 1, 0, 0, 0, 1, 0, 0]  # 3 of 10 users accept
    once = clustered_wilson_interval([[x] for x in users])
    assert once == pytest.approx(wilson_interval(3, 10), abs=1e-12)  # one dialogue a user: Wilson over users
    for k in (2, 4, 16):
        assert clustered_wilson_interval([[x] * k for x in users]) == pytest.approx(once, abs=1e-12), k
        assert effective_trials([[x] * k for x in users]) == pytest.approx(10)
    # the naive interval over all 160 dialogues would be about 4x narrower
    low, high = wilson_interval(48, 160)
    assert (high - low) < 0.35 * (once[1] - once[0])
    # nobody or everybody accepts: no design effect to estimate, each user counts once
    for outcome in (0, 1):
        assert clustered_wilson_interval([[outcome] * 8] * 10) == pytest.approx(wilson_interval(10 * outcome, 10))
    assert clustered_wilson_interval([]) == (0.0, 1.0) and clustered_wilson_interval([[], []]) == (0.0, 1.0)


def test_clustered_wilson_known_answers():
    # dialogues that vary within a user as independent ones would: n_eff = every dialogue, plain Wilson over 8
    varied = [[1, 1], [0, 0], [1, 0], [0, 1]]  # p = 0.5, V = (1 + 1 + 0 + 0) / 8^2 = 1/32, n_eff = 0.25 / V = 8
    assert effective_trials(varied) == pytest.approx(8)
    assert clustered_wilson_interval(varied) == pytest.approx(wilson_interval(4, 8))
    # unequal users: p = 3/4, V = (0.75^2 + 0.75^2) / 16 = 0.0703125, n_eff = 0.1875 / V = 8/3
    assert effective_trials([[1, 1, 1], [0]]) == pytest.approx(8 / 3)
    low, high = clustered_wilson_interval([[1, 1, 1], [0]])
    assert (low, high) == (pytest.approx(0.23850, abs=1e-5), pytest.approx(0.96637, abs=1e-5))  # Wilson(p=.75, n=8/3)
    # every user at the same rate (V = 0): each user counts once
    assert effective_trials([[1, 0]] * 5) == pytest.approx(5)


def test_clustered_wilson_is_never_narrower_than_wilson_over_every_dialogue():
    import random

    rng = random.Random(3)
    for _ in range(300):
        users = [[float(rng.random() < rate) for _ in range(rng.randint(1, 6))]
                 for rate in (rng.random() for _ in range(rng.randint(1, 30)))]
        n = sum(len(u) for u in users)
        low, high = clustered_wilson_interval(users)
        naive = wilson_interval(int(sum(sum(u) for u in users)), n)
        assert 0 < effective_trials(users) <= n
        assert high - low >= naive[1] - naive[0] - 1e-12


def test_kendall_tau_and_bootstrap():
    assert kendall_tau([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(4 / 6)  # 5 concordant, 1 discordant
    assert kendall_tau([1, 2, 3], [3, 2, 1]) == -1.0
    assert kendall_tau([1, 2, 3], [1, 1, 2]) == pytest.approx(2 / math.sqrt(3 * 2))  # tau-b with a tie in y
    low, high = bootstrap_interval([0, 1] * 50, samples=500)
    assert low < 0.5 < high


def test_unsupported_claims_count_assertions_of_hidden_worries():
    record = {
        "persona": {"concerns": [{"id": "fees"}, {"id": "volume"}], "initial_state": {"concerns": {"fees": "hidden", "volume": "hidden"}}},
        "turns": [
            {"agent": "I know you worry about the fees.", "state": {"concerns": {"fees": "hidden", "volume": "hidden"}}},
            {"agent": "Are you worried about the fees?", "state": {"concerns": {"fees": "voiced", "volume": "hidden"}}},
            {"agent": "I understand your concern about the fees.", "state": {"concerns": {"fees": "resolved", "volume": "hidden"}}},
        ],
    }
    cues = {"fees": [" fee "], "volume": [" order "]}
    assert unsupported_claims(record, cues) == 1  # only the first: asked is fine, voiced is fine


def test_eval_cli_orders_the_scripted_agents(tmp_path):
    out = tmp_path / "ev"
    r = CliRunner().invoke(app, ["eval", "--agent", "passive", "--agent", "prober", "--agent", "oracle", "-n", "60", "-k", "3",
                                 "--seed", "7", "--out", str(out)])
    assert r.exit_code == 0, r.output
    report = json.loads((out / "eval.json").read_text())
    acc = {x["agent"]: x for x in report["results"]}
    assert acc["passive"]["acceptance"] < acc["prober"]["acceptance"] < acc["oracle"]["acceptance"]
    for x in report["results"]:
        assert x["ci_low"] <= x["acceptance"] <= x["ci_high"] and x["n_dialogues"] == 180
        assert set(x["pass_at_k"]) == {"1", "2", "3"} and x["pass_at_k"]["1"] == pytest.approx(x["acceptance"])
        assert x["pass_at_k"]["3"] >= x["pass_at_k"]["1"] >= x["pass_hat_k"]["3"]
        assert x["by_stratum"] and x["error_count"] == 0
        some = next(iter(x["by_stratum"].values()))
        assert {"acceptance", "ci_low", "ci_high", "pass_at_k", "pass_hat_k", "hangup_rate", "concern_discovery_rate"} <= set(some)
    assert report["versions"]["python"] and report["config"]["k"] == 3
    assert "accept" in r.output and "pass@1" in r.output and "95% CI" in r.output and "clustered by user" in r.output
    # the noise floor: 2.80 SE of a difference of two such cells, SE from the interval's half-width
    for x in report["results"]:
        se = (x["ci_high"] - x["ci_low"]) / (2 * 1.959964)
        assert x["min_detectable_difference"] == pytest.approx(2.801585 * 2 ** 0.5 * se, abs=1e-3)
    assert "Noise floor" in r.output and "pass^3" in r.output
    from protod.run.trajectories import read_trajectories

    for x in report["results"]:  # the interval clusters each user's 3 dialogues, in the cell and in every stratum
        by_user: dict = {}
        for rec in read_trajectories(out / "runs" / f"{x['agent']}__rule" / "trajectories.jsonl"):
            by_user.setdefault(rec["persona"]["id"], []).append(rec["decision"] == "accept")
        assert x["n_users"] == 60 and x["ci_method"].startswith("95% Wilson interval clustered by user")
        assert [x["ci_low"], x["ci_high"]] == pytest.approx(list(clustered_wilson_interval(list(by_user.values()))))
        assert 0 < x["effective_n"] <= 180


def test_eval_with_two_simulators_reports_a_matrix_and_kendall_tau(tmp_path):
    from protod.backends.fake_server import FakeOpenAIServer

    def respond(body):  # a role-play user who accepts any closing ask
        ask = any(w in body["messages"][-1]["content"].lower() for w in ("join", "sign", "started"))
        decision = "accept" if ask else "continue"
        return json.dumps({"reply": "Go on.", "stance": 0.5, "trust": 0.5, "concerns": [], "decision": decision})

    with FakeOpenAIServer(respond) as srv:
        out = tmp_path / "ev2"
        r = CliRunner().invoke(app, ["eval", "--agent", "passive", "--agent", "oracle", "--simulator", "rule",
                                     "--simulator", "prompted", "--sim-model", f"openai:fake@{srv.base_url}",
                                     "-n", "6", "-k", "1", "--out", str(out)])
    assert r.exit_code == 0, r.output
    report = json.loads((out / "eval.json").read_text())
    assert set(report["matrix"]) == {"passive", "oracle"} and set(report["matrix"]["oracle"]) == {"rule", "prompted"}
    assert "rule vs prompted" in report["kendall_tau"]

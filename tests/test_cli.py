"""End-to-end CLI behaviour through Typer's runner."""

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from protod.cli import app

runner = CliRunner()
MERCHANT = Path(__file__).parents[1] / "src/protod/scenarios/merchant_recruitment.yaml"


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_help_explains_every_command():
    r = run("--help")
    assert r.exit_code == 0
    for cmd in ("scenarios", "personas", "simulate", "eval", "gap", "train", "report", "chat", "demo", "baselines"):
        assert cmd in r.output
    r = run("simulate", "--help")
    assert "--resume" in r.output and "--seed" in r.output


def test_scenarios_list_json_show():
    r = run("scenarios", "--json")
    assert r.exit_code == 0
    ids = [p["id"] for p in json.loads(r.output)]
    assert "merchant_recruitment" in ids
    r = run("scenarios")
    assert r.exit_code == 0 and "merchant_recruitment" in r.output
    r = run("scenarios", "show", "merchant_recruitment")
    assert r.exit_code == 0 and "commission_too_high" in r.output


def test_validate_good_and_bad_packs(tmp_path):
    r = run("scenarios", "validate", MERCHANT)
    assert r.exit_code == 0 and "OK" in r.output
    data = yaml.safe_load(MERCHANT.read_text())
    data["concerns"][0]["resolution_facts"] = ["free_lunch"]
    data["correlations"][1]["trait"] = "shoe_size"
    del data["agent"]["goal"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    r = run("scenarios", "validate", bad)
    assert r.exit_code == 2
    assert "concerns.0.resolution_facts.0" in r.output
    assert "correlations.1.trait" in r.output or "agent.goal" in r.output  # field errors first, cross-refs once fields pass
    assert "problem(s)" in r.output


def test_bad_pack_in_a_command_is_one_line_and_exit_2(tmp_path):
    data = yaml.safe_load(MERCHANT.read_text())
    data["correlations"][0]["trait"] = "shoe_size"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    r = run("personas", "--scenario", bad, "-n", "2")
    assert r.exit_code == 2
    lines = [line for line in r.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "bad.yaml" in lines[0] and "correlations.0.trait" in lines[0]


def test_personas_json_lines():
    r = run("personas", "--scenario", "merchant_recruitment", "-n", "5", "--seed", "3", "--stratum", "hard", "--json")
    assert r.exit_code == 0
    rows = [json.loads(line) for line in r.output.strip().splitlines()]
    assert len(rows) == 5
    for row in rows:
        assert {"id", "stratum", "traits", "concerns", "initial_state"} <= set(row)
        assert row["stratum"].startswith("hard/")
        assert all({"id", "severity"} <= set(c) for c in row["concerns"])
    again = run("personas", "--scenario", "merchant_recruitment", "-n", "5", "--seed", "3", "--stratum", "hard", "--json")
    assert again.output == r.output


def test_simulate_writes_results_and_resumes(tmp_path):
    out = tmp_path / "run"
    r = run("simulate", "--scenario", "merchant_recruitment", "--agent", "oracle", "--n", "12", "--seed", "1", "--out", out)
    assert r.exit_code == 0, r.output
    assert "acceptance" in r.output and str(out / "metrics.json") in r.output.replace("\n", "")
    lines = (out / "trajectories.jsonl").read_text().splitlines()
    assert len(lines) == 12
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n"] == 12 and metrics["run"]["config"]["agent"] == "oracle"

    # simulate a kill: keep the first 5 dialogues, then resume
    (out / "trajectories.jsonl").write_text("\n".join(lines[:5]) + "\n")
    r = run("simulate", "--scenario", "merchant_recruitment", "--agent", "oracle", "--n", "12", "--seed", "1", "--out", out, "--resume")
    assert r.exit_code == 0, r.output
    assert (out / "trajectories.jsonl").read_text().splitlines() == lines

    r = run("simulate", "--agent", "oracle", "--n", "12", "--seed", "1", "--out", out)
    assert r.exit_code == 2 and "--resume" in r.output


def test_simulate_rejects_unknown_agent_and_scenario(tmp_path):
    r = run("simulate", "--agent", "genius", "--out", tmp_path)
    assert r.exit_code == 2 and "scripted agent" in r.output
    r = run("simulate", "--scenario", "nope", "--out", tmp_path)
    assert r.exit_code == 2 and "merchant_recruitment" in r.output


def test_baselines_run_and_write_summary(tmp_path):
    r = run("baselines", "-n", "24", "--out", tmp_path)
    assert r.exit_code == 0, r.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["merchant_recruitment/oracle"]["acceptance"] > summary["merchant_recruitment/passive"]["acceptance"]


def test_simulate_with_an_llm_agent_and_llm_simulator_over_http(tmp_path):
    from protod.backends.fake_server import FakeOpenAIServer

    def respond(body):
        if body["messages"][0]["content"].startswith("Role-play"):
            return '{"reply": "Tell me more.", "stance": 0.3, "trust": 0.5, "concerns": [], "decision": "hang_up"}'
        return "Hello! What holds you back from delivery today?"

    with FakeOpenAIServer(respond) as srv:
        spec = f"openai:fake-model@{srv.base_url}"
        out = tmp_path / "llm"
        r = run("simulate", "--agent", f"llm:{spec}:privileged", "--simulator", "prompted", "--sim-model", spec,
                "-n", "3", "--out", out, "--temperature", "0", "--cache-dir", tmp_path / "cache")
        assert r.exit_code == 0, r.output
        rec = json.loads((out / "trajectories.jsonl").read_text().splitlines()[0])
        assert rec["agent"] == f"llm:{spec}:privileged" and rec["simulator"] == "prompted"
        assert rec["decision"] == "hang_up" and rec["turns"][0]["agent_meta"]["seed"] is not None
        metrics = json.loads((out / "metrics.json").read_text())
        assert metrics["run"]["config"]["sim_model"] == spec


def test_bad_model_spec_and_missing_sim_model_are_clear_errors(tmp_path):
    r = run("simulate", "--agent", "llm", "--model", "gpt4", "--out", tmp_path)
    assert r.exit_code == 2 and "bad model spec" in r.output
    r = run("simulate", "--simulator", "prompted", "--out", tmp_path)
    assert r.exit_code == 2 and "--sim-model" in r.output


def test_chat_as_the_agent_with_scripted_input(tmp_path):
    from protod.user.persona import PersonaSampler
    from protod.world import load_scenario

    pack = load_scenario("merchant_recruitment")
    persona = PersonaSampler(pack, 4).sample(1)[0]
    concern = pack.concern_by_id[persona.concerns[0].id]
    answer = pack.fact_by_id[concern.resolution_facts[0]].text
    script = "\n".join(["/facts", concern.probe_question, "/state", answer, "/quit"]) + "\n"
    out = tmp_path / "chat.jsonl"
    r = CliRunner().invoke(app, ["chat", "--seed", "4", "--out", str(out)], input=script)
    assert r.exit_code == 0, r.output
    assert "user: " in r.output and "stance" in r.output
    assert f"voiced:{concern.id}" not in r.output  # the per-turn line shows acts, not hidden state
    assert "out in the open" in r.output and concern.id in r.output  # /state after it was voiced
    assert "hidden concerns:" in r.output  # the persona is revealed at the end
    record = json.loads(out.read_text())
    assert record["mode"] == "human-as-agent" and len(record["turns"]) == 2
    assert record["turns"][1]["state"]["concerns"][concern.id] == "resolved"


def test_chat_as_the_user_against_a_scripted_agent():
    r = CliRunner().invoke(app, ["chat", "--as", "user", "--agent", "oracle", "--seed", "1"],
                           input="Commission worries me, honestly.\n/quit\n")
    assert r.exit_code == 0, r.output
    assert r.output.count("caller: ") == 2 and "Call ended." in r.output

"""LLM-driven simulators and the LLM agent over a real OpenAI-compatible HTTP server on 127.0.0.1."""

import json
import re

import pytest

from protod.agent.llm import LLMAgent
from protod.agent.registry import make_scripted_agent
from protod.backends.base import SamplingParams
from protod.backends.fake_server import FakeOpenAIServer
from protod.backends.openai_compat import OpenAIBackend
from protod.backends.structured import extract_json
from protod.run.metrics import summarize
from protod.user.persona import PersonaSampler
from protod.run.rollout import run_episodes
from protod.user.perceive import RulePerceiver
from protod.user.llm_express import LLMExpresser
from protod.user.simulator import CognitiveUserSimulator, make_simulator


def _system(body):
    return body["messages"][0]["content"]


def judge_json(pack, text):
    """What an accurate judge answers: the rule perception of the caller's turn, as JSON."""
    p = RulePerceiver(pack).perceive(text)
    return json.dumps({
        "probed_concerns": list(p.probes), "pointed": sorted(p.pointed), "facts_stated": list(p.facts),
        "false_claims": list(p.false_claims), "pitch": p.pitch, "pressure": p.pressure,
        "closing_ask": p.closing_ask, "off_topic": p.off_topic,
    })


def responder_for(pack, judge_mode="good"):
    def respond(body):
        system = _system(body)
        if system.startswith("You label what one turn"):
            turn = body["messages"][-1]["content"].split("The caller's turn:\n", 1)[1]
            if judge_mode == "broken" or (judge_mode == "flaky" and body["seed"] % 2 == 0):
                return "Sure! Here is my analysis: {probed_concerns: [oops"
            return f"Here you go:\n```json\n{judge_json(pack, turn)}\n```"
        if system.startswith("You are a real person"):
            return "Hmm. " + body["messages"][-1]["content"].rsplit("[What you do in your reply: ", 1)[1].rstrip("]")
        return "Hello, I am calling about our platform."
    return respond


@pytest.fixture()
def server(pack):
    with FakeOpenAIServer(responder_for(pack)) as srv:
        yield srv


def backend_for(srv, **kw):
    return OpenAIBackend("fake-model", srv.base_url, timeout=2.0, max_retries=3, concurrency=8, **kw)


def test_cus_llm_with_an_accurate_judge_follows_the_same_dynamics(pack, server):
    personas = PersonaSampler(pack, 0).sample(6)
    sim = make_simulator("cus-llm", pack, backend_for(server))
    llm = run_episodes(pack, make_scripted_agent("oracle"), personas, simulator=sim)
    rule = run_episodes(pack, make_scripted_agent("oracle"), personas)
    assert [t.simulator for t in llm] == ["cus-llm"] * 6
    for a, b in zip(llm, rule):
        assert [t["state"] for t in a.turns] == [t["state"] for t in b.turns]
        assert all(t["user"].startswith("Hmm. ") for t in a.turns)  # the LLM voice speaks
        assert not any(t.get("sim_fallback") for t in a.turns)
        assert a.turns[0]["sim_meta"]["perceive"]["model"].startswith("openai:fake-model")
    assert summarize([t.to_dict() for t in llm])["sim_fallback_turns"] == 0


def test_malformed_judgements_are_retried_then_fall_back_to_rules_and_are_counted(pack):
    # An endpoint that cannot constrain output (it refuses every response_format): parse/repair/retry is all there is.
    personas = PersonaSampler(pack, 0).sample(4)
    with FakeOpenAIServer(responder_for(pack, "flaky"), response_formats=()) as srv:
        trajs = run_episodes(pack, make_scripted_agent("prober"), personas, simulator=make_simulator("cus-llm", pack, backend_for(srv)))
        attempts = [t["sim_meta"]["perceive"]["attempts"] for tr in trajs for t in tr.turns]
        assert 2 in attempts and max(attempts) <= 2
        assert summarize([t.to_dict() for t in trajs])["sim_fallback_turns"] == 0
    with FakeOpenAIServer(responder_for(pack, "broken"), response_formats=()) as srv:
        backend = backend_for(srv)
        trajs = run_episodes(pack, make_scripted_agent("prober"), personas, simulator=make_simulator("cus-llm", pack, backend))
        # The same voice with rule perception: rule perception stood in for every judgement.
        rules = CognitiveUserSimulator(pack, RulePerceiver(pack), LLMExpresser(pack, backend))
        rule = run_episodes(pack, make_scripted_agent("prober"), personas, simulator=rules)
        assert [[t["state"] for t in tr.turns] for tr in trajs] == [[t["state"] for t in tr.turns] for tr in rule]
        m = summarize([t.to_dict() for t in trajs])
        assert m["sim_fallback_turns"] == sum(len(t.turns) for t in trajs) and m["sim_fallback_rate"] == 1.0
        assert all(t["sim_meta"]["perceive"]["attempts"] == 3 for tr in trajs for t in tr.turns)
        assert not any(t["sim_meta"]["perceive"]["schema_constrained"] for tr in trajs for t in tr.turns)


def test_server_faults_during_a_cus_llm_run_lose_nothing(pack, server):
    server.inject("500", "429", "drop", "malformed", "500")
    backend = backend_for(server)
    trajs = run_episodes(pack, make_scripted_agent("oracle"), PersonaSampler(pack, 0).sample(5), simulator=make_simulator("cus-llm", pack, backend))
    assert len(trajs) == 5 and all(t.status == "ok" for t in trajs)
    assert backend.stats["retries"] >= 5


def test_llm_voice_is_never_told_a_hidden_concern(pack):
    persona = next(p for p in PersonaSampler(pack, 0).sample(40) if len(p.concerns) == 3)
    expresser = LLMExpresser(pack, backend=None)
    first = persona.concerns[0].id
    state = persona.initial_state
    messages = expresser.prompt(persona, state, (("voiced", first),), (), "What worries you?")
    text = " ".join(m["content"] for m in messages)
    assert pack.concern_by_id[first].description in text
    for c in persona.concerns[1:]:
        assert pack.concern_by_id[c.id].description not in text


def prompted_responder(mode):
    def respond(body):
        system = _system(body)
        held = re.findall(r"^- (\w+): ", system, re.M)
        caller = body["messages"][-1]["content"].lower()
        if mode == "garbage":
            return "I am not sure what you mean."
        decision = "accept" if "sign" in caller or "join" in caller else "continue"
        resolved = held if decision == "accept" else []
        state = {"stance": 0.9 if decision == "accept" else 0.4, "trust": 0.6, "decision": decision}
        if mode == "legacy":  # prose, then the state in the older block form: read by repair
            return f"Okay, go on.\n<state>{json.dumps({**state, 'concerns': dict.fromkeys(resolved, 'resolved')})}</state>"
        concerns = [{"id": cid, "status": "resolved"} for cid in resolved]
        return json.dumps({"reply": "Okay, go on.", **state, "concerns": concerns})
    return respond


@pytest.mark.parametrize("mode,formats", [("good", ("json_schema",)), ("legacy", ())])
def test_prompted_simulator_reads_its_own_state(pack, mode, formats):
    with FakeOpenAIServer(prompted_responder(mode), response_formats=formats) as srv:
        sim = make_simulator("prompted", pack, backend_for(srv))
        trajs = run_episodes(pack, make_scripted_agent("passive"), PersonaSampler(pack, 0).sample(3), simulator=sim)
        bodies = srv.requests
    for t in trajs:
        assert t.simulator == "prompted" and t.decision == "accept"
        assert t.turns[-1]["user"] == "Okay, go on." and "<state>" not in t.turns[-1]["user"]
        assert set(t.final_state.to_dict()["concerns"].values()) == {"resolved"}
        assert "closing_ask" in t.turns[-1]["acts"]  # acts are labelled for metrics, whatever the simulator
        assert all(turn["sim_meta"]["state"]["schema_constrained"] is (mode == "good") for turn in t.turns)
    if mode == "good":  # the turn schema went on the wire, limited to the pack's concern ids
        schema = bodies[0]["response_format"]["json_schema"]["schema"]
        assert schema == sim.schema and bodies[0]["response_format"]["json_schema"]["strict"] is True
        item = schema["properties"]["concerns"]["items"]["properties"]["id"]
        assert item["enum"] == [c.id for c in pack.concerns]


def test_prompted_turn_out_of_schema_is_salvaged_without_json_in_the_reply(pack):
    # A constrained reply that names a concern this user does not hold is schema-valid but not this persona's:
    # it is retried, then falls back, and the user still says the reply, never the raw JSON.
    persona = next(p for p in PersonaSampler(pack, 0).sample(40) if len(p.concerns) < len(pack.concerns))
    foreign = next(c.id for c in pack.concerns if c.id not in {h.id for h in persona.concerns})
    bad = {"reply": "I need to think.", "stance": 0.5, "trust": 0.5, "concerns": [{"id": foreign, "status": "voiced"}],
           "decision": "continue"}
    with FakeOpenAIServer(lambda body: json.dumps(bad)) as srv:
        sim = make_simulator("prompted", pack, backend_for(srv))
        (traj,) = run_episodes(pack, make_scripted_agent("prober"), [persona], simulator=sim)
    first = traj.turns[0]
    assert first["sim_fallback"] == ["state"] and first["sim_meta"]["state"]["attempts"] == 3
    assert first["user"] == "I need to think."


def test_prompted_simulator_without_state_blocks_falls_back_and_times_out(pack):
    with FakeOpenAIServer(prompted_responder("garbage")) as srv:
        sim = make_simulator("prompted", pack, backend_for(srv))
        trajs = run_episodes(pack, make_scripted_agent("prober"), PersonaSampler(pack, 0).sample(2), simulator=sim)
    for t in trajs:
        assert t.decision == "timeout" and len(t.turns) == pack.turn_budget
        assert all(turn["sim_fallback"] == ["state"] for turn in t.turns)


def test_llm_agent_over_http_records_every_call(pack, server):
    backend = backend_for(server)
    agent = LLMAgent(backend, view="privileged", params=SamplingParams(temperature=0.3, max_new_tokens=40))
    trajs = run_episodes(pack, agent, PersonaSampler(pack, 0).sample(3), seed=4)
    assert all(t.status == "ok" and t.agent == f"llm:{backend.name}:privileged" for t in trajs)
    meta = trajs[0].turns[0]["agent_meta"]
    assert meta["model"] == "fake-model" or "fake-model" in json.dumps(meta)
    assert meta["params"]["temperature"] == 0.3 and isinstance(meta["seed"], int)
    sent = server.requests[0]
    assert "What really holds this person back" in sent["messages"][0]["content"]  # privileged view


def test_extract_json_repairs_common_damage():
    assert extract_json('Sure!\n```json\n{"a": [1, 2,], "b": "x}"}\n```') == {"a": [1, 2], "b": "x}"}
    assert extract_json('text {"nested": {"k": 1}} tail {"second": 2}') == {"nested": {"k": 1}}
    with pytest.raises(ValueError):
        extract_json("no json here")
    with pytest.raises(ValueError):
        extract_json('{"a": 1')


def test_a_dialogue_the_endpoint_cannot_serve_is_written_as_an_error(tmp_path):
    from protod.world import load_scenario
    from protod.run.rollout import make_episodes
    from protod.run.trajectories import simulate_to_dir

    pack = load_scenario("merchant_recruitment")
    personas = PersonaSampler(pack, 0).sample(12)
    doomed = sum(1 for p in personas if p.traits["business_type"] == "a sushi bar")
    assert 0 < doomed < 12
    with FakeOpenAIServer(lambda body: "Hi, what holds you back?", fail_always="500",
                          fail_if=lambda body: "a sushi bar" in body["messages"][0]["content"]) as srv:
        agent = LLMAgent(OpenAIBackend("fake-model", srv.base_url, timeout=2.0, max_retries=1))
        metrics = simulate_to_dir(pack, agent, make_episodes(personas), tmp_path, seed=0)
    records = [json.loads(line) for line in (tmp_path / "trajectories.jsonl").read_text().splitlines()]
    assert len(records) == 12  # nothing dropped
    errors = [r for r in records if r["status"] == "error"]
    assert len(errors) == doomed == metrics["error_count"]
    assert all("500" in r["error"] or "Internal" in r["error"] for r in errors)
    assert metrics["n"] == 12 - doomed

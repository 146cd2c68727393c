"""Known-answer checks of the dialogue metrics."""

import pytest

from protod.run.metrics import summarize


def record(decision, turns, held, voiced, resolved, probe_turns, stratum="easy/a", status="ok"):
    concerns = {c: ("resolved" if c in resolved else "voiced" if c in voiced else "hidden") for c in held}
    turn_list = []
    for i in range(turns):
        events = [f"voiced:{voiced[i]}"] if i < len(voiced) else []
        acts = ["probe:x"] if i < probe_turns else ["pitch"]
        turn_list.append({"acts": acts, "events": events})
    return {
        "status": status, "decision": decision, "turns": turn_list,
        "persona": {"concerns": [{"id": c} for c in held], "stratum": stratum, "difficulty": stratum.split("/")[0]},
        "final_state": {"stance": 0.5, "concerns": concerns},
    }


def test_summary_known_answer():
    recs = [
        record("accept", 4, ["a", "b"], ["a", "b"], ["a", "b"], 2),
        record("hang_up", 2, ["a"], [], [], 0, stratum="hard/a"),
        record("reject", 3, ["a", "c"], ["c"], [], 3, stratum="hard/a"),
        record("timeout", 12, ["b"], [], [], 0, status="error"),
    ]
    m = summarize(recs)
    assert m["n"] == 3 and m["error_count"] == 1
    assert m["acceptance_rate"] == pytest.approx(1 / 3)
    assert m["hangup_rate"] == pytest.approx(1 / 3) and m["reject_rate"] == pytest.approx(1 / 3)
    assert m["mean_turns"] == pytest.approx(3.0)
    assert m["mean_turns_to_accept"] == pytest.approx(4.0)
    assert m["concern_discovery_rate"] == pytest.approx(3 / 5)
    assert m["concern_resolution_rate"] == pytest.approx(2 / 5)
    assert m["probing_rate"] == pytest.approx(5 / 9)
    assert m["by_difficulty"]["hard"]["acceptance_rate"] == 0.0
    assert m["by_stratum"]["easy/a"]["n"] == 1


def test_empty_is_zero_not_a_crash():
    m = summarize([])
    assert m["n"] == 0 and m["acceptance_rate"] == 0.0 and m["mean_turns_to_accept"] is None

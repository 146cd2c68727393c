"""Dialogue metrics, computed from trajectory records (the dicts of trajectories.jsonl).

Working on records rather than live objects means `report` and `eval` can recompute everything from files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from protod.text import asserts_a_worry, normalise, split_sentences

DECISIONS = ("accept", "reject", "hang_up", "timeout")


def unsupported_claims(record: dict[str, Any], concern_cues: dict[str, list[str]]) -> int:
    """Agent turns that assert a worry of the user's which the user has not voiced yet (leakage of hidden info).

    concern_cues: concern id -> its own (normalised) probe cues, as in the pack. A sentence counts when it is a
    statement (not a question), claims to know the user's feelings, and names a concern still hidden before the turn.
    """
    before = {c["id"]: "hidden" for c in record["persona"]["concerns"]}
    before.update((record.get("persona", {}).get("initial_state") or {}).get("concerns", {}))
    count = 0
    for turn in record["turns"]:
        for sentence in split_sentences(turn["agent"]):
            if sentence.strip().endswith("?") or not asserts_a_worry(sentence):
                continue
            norm = normalise(sentence)
            if any(status == "hidden" and any(c in norm for c in concern_cues.get(cid, [])) for cid, status in before.items()):
                count += 1
                break
        before = dict(turn["state"]["concerns"])
    return count


def _rate(num: float, den: float) -> float:
    return num / den if den else 0.0


def dialogue_stats(record: dict[str, Any]) -> dict[str, Any]:
    """Per-dialogue facts the aggregate metrics are built from."""
    held = [c["id"] for c in record["persona"]["concerns"]]
    voiced = {e.split(":")[1] for t in record["turns"] for e in t["events"] if e.startswith("voiced:")}  # voiced:cid[:fact]
    final = record.get("final_state") or {}
    resolved = [cid for cid, status in (final.get("concerns") or {}).items() if status == "resolved"]
    probe_turns = sum(1 for t in record["turns"] if any(a.startswith("probe:") for a in t["acts"]))
    fallback_turns = sum(1 for t in record["turns"] if t.get("sim_fallback"))
    return {
        "ok": record.get("status", "ok") == "ok",
        "decision": record["decision"],
        "turns": len(record["turns"]),
        "held": len(held),
        "voiced": len(voiced & set(held)),
        "resolved": len(resolved),
        "probe_turns": probe_turns,
        "final_stance": final.get("stance"),
        "fallback_turns": fallback_turns,
    }


def summarize(records: Iterable[dict[str, Any]], by_stratum: bool = True) -> dict[str, Any]:
    """Aggregate metrics over dialogues. Errored dialogues are counted, and excluded from the rates."""
    records = list(records)
    stats = [dialogue_stats(r) for r in records]
    ok = [s for s in stats if s["ok"]]
    n = len(ok)
    decisions = {d: sum(1 for s in ok if s["decision"] == d) for d in DECISIONS}
    accepted = [s for s in ok if s["decision"] == "accept"]
    held = sum(s["held"] for s in ok)
    turns = sum(s["turns"] for s in ok)
    out: dict[str, Any] = {
        "n": n,
        "error_count": len(stats) - n,
        "acceptance_rate": _rate(decisions["accept"], n),
        "reject_rate": _rate(decisions["reject"], n),
        "hangup_rate": _rate(decisions["hang_up"], n),
        "timeout_rate": _rate(decisions["timeout"], n),
        "mean_turns": _rate(turns, n),
        "mean_turns_to_accept": _rate(sum(s["turns"] for s in accepted), len(accepted)) if accepted else None,
        "concern_discovery_rate": _rate(sum(s["voiced"] for s in ok), held),
        "concern_resolution_rate": _rate(sum(s["resolved"] for s in ok), held),
        "probing_rate": _rate(sum(s["probe_turns"] for s in ok), turns),
        "mean_final_stance": _rate(sum(s["final_stance"] or 0.0 for s in ok), n),
        # LLM simulators: user turns where the model's judgement/reply/state never validated and rules stood in.
        "sim_fallback_turns": sum(s["fallback_turns"] for s in stats),
        "sim_fallback_rate": _rate(sum(s["fallback_turns"] for s in stats), sum(s["turns"] for s in stats)),
    }
    if by_stratum:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in records:
            groups[r["persona"]["difficulty"]].append(r)
        out["by_difficulty"] = {k: _brief(v) for k, v in sorted(groups.items())}
        groups = defaultdict(list)
        for r in records:
            groups[r["persona"]["stratum"]].append(r)
        out["by_stratum"] = {k: _brief(v) for k, v in sorted(groups.items())}
    return out


def _brief(records: list[dict[str, Any]]) -> dict[str, Any]:
    full = summarize(records, by_stratum=False)
    return {k: full[k] for k in ("n", "acceptance_rate", "mean_turns", "concern_discovery_rate", "concern_resolution_rate")}

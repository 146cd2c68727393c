"""`protod eval`: every agent x simulator on the same personas, K rollouts each, with intervals and pass@k.

Acceptance carries a 95% Wilson interval clustered by user (a user's K dialogues are not independent, so they count
as what the between-user variance says they are worth, never as K users: protod.eval.passk), and each cell its
noise floor (the smallest difference from another cell of its size detectable at 80% power); the interval is
conditional on the policies evaluated (a trained policy's seed-to-seed variance needs several seeds: protod.eval.
ablation). pass@k and pass^k use the unbiased estimators per persona, averaged over personas;
everything is also reported per stratum; dialogues that could not complete are counted, never dropped silently.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from protod.run.metrics import summarize, unsupported_claims
from protod.eval.passk import (
    CLUSTERED_CI, clustered_wilson_interval, effective_trials, kendall_tau, min_detectable_difference, pass_at_k, pass_hat_k,
)
from protod.user.persona import PersonaSampler
from protod.store.provenance import run_record
from protod.run.rollout import make_episodes
from protod.run.trajectories import read_trajectories, simulate_to_dir
from protod.store.files import atomic_write_json
from protod.world import Scenario
from protod.text import normalise


def cell_results(pack: Scenario, records: list[dict[str, Any]], k: int) -> dict[str, Any]:
    """Aggregate one (agent, simulator) cell: records hold K rollouts of each persona."""
    m = summarize(records)
    ok = [r for r in records if r.get("status", "ok") == "ok"]
    low, high, users, n_eff = _interval(ok)
    cues = {c.id: [normalise(x) for x in c.probe_cues] for c in pack.concerns}
    agent_turns = sum(len(r["turns"]) for r in ok)
    claims = sum(unsupported_claims(r, cues) for r in ok)
    out = {
        "acceptance": m["acceptance_rate"], "ci_low": low, "ci_high": high, "ci_method": CLUSTERED_CI,
        "n_dialogues": len(ok), "n_users": users, "effective_n": round(n_eff, 2),
        # the noise floor: two cells of this size differing by less are not told apart (80% power, alpha 0.05)
        "min_detectable_difference": round(min_detectable_difference(low, high, two_estimates=True), 4),
        **_pass_curves(ok, k),
        "mean_turns_to_accept": m["mean_turns_to_accept"], "hangup_rate": m["hangup_rate"],
        "timeout_rate": m["timeout_rate"], "reject_rate": m["reject_rate"],
        "concern_discovery_rate": m["concern_discovery_rate"], "concern_resolution_rate": m["concern_resolution_rate"],
        "probing_rate": m["probing_rate"], "unsupported_claim_rate": claims / agent_turns if agent_turns else 0.0,
        "error_count": m["error_count"], "sim_fallback_turns": m["sim_fallback_turns"],
    }
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in ok:
        by[r["persona"]["stratum"]].append(r)
    out["by_stratum"] = {}
    for stratum, rs in sorted(by.items()):
        acc = sum(r["decision"] == "accept" for r in rs)
        lo, hi, users, _ = _interval(rs)
        sm = summarize(rs, by_stratum=False)
        out["by_stratum"][stratum] = {
            "n": len(rs), "n_users": users, "acceptance": acc / len(rs), "ci_low": lo, "ci_high": hi, **_pass_curves(rs, k),
            **{key: sm[key] for key in ("mean_turns_to_accept", "hangup_rate", "timeout_rate", "concern_discovery_rate",
                                        "concern_resolution_rate", "probing_rate")},
        }
    return out


def _interval(records: list[dict[str, Any]]) -> tuple[float, float, int, float]:
    """Acceptance interval of finished dialogues, clustered by user: (low, high, users, effective n)."""
    by_user: dict[str, list[float]] = defaultdict(list)
    for r in records:
        by_user[r["persona"]["id"]].append(1.0 if r["decision"] == "accept" else 0.0)
    clusters = list(by_user.values())
    low, high = clustered_wilson_interval(clusters)
    return low, high, len(clusters), effective_trials(clusters)


def _pass_curves(records: list[dict[str, Any]], k: int) -> dict[str, dict[str, float]]:
    per_persona: dict[str, list[bool]] = defaultdict(list)
    for r in records:
        per_persona[r["persona"]["id"]].append(r["decision"] == "accept")
    at, hat = {}, {}
    for j in range(1, k + 1):
        usable = [v for v in per_persona.values() if len(v) >= j]
        if usable:
            at[str(j)] = sum(pass_at_k(len(v), sum(v), j) for v in usable) / len(usable)
            hat[str(j)] = sum(pass_hat_k(len(v), sum(v), j) for v in usable) / len(usable)
    return {"pass_at_k": at, "pass_hat_k": hat}


def evaluate(
    pack: Scenario,
    agents: dict[str, Any],
    simulators: dict[str, Any],
    n: int,
    k: int,
    seed: int,
    out_dir: Path,
    batch_size: int = 64,
    resume: bool = False,
    config: dict[str, Any] | None = None,
    on_done: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run every agent against every simulator on the same n personas, k rollouts each; write eval.json."""
    for (agent_label, agent), (sim_label, sim) in itertools.product(agents.items(), simulators.items()):
        run_cell(pack, agent_label, agent, sim_label, sim, n, k, seed, out_dir, batch_size, resume, config,
                 on_done=(lambda _t, a=agent_label: on_done(a)) if on_done else None)
    return collect(pack, list(agents), list(simulators), n, k, seed, out_dir, config)


def run_cell(pack: Scenario, agent_label: str, agent: Any, sim_label: str, simulator: Any, n: int, k: int, seed: int,
             out_dir: Path, batch_size: int = 64, resume: bool = False, config: dict[str, Any] | None = None,
             on_done: Callable[[Any], None] | None = None) -> Path:
    """One (agent, simulator) cell of an evaluation into out_dir/runs/<agent>__<simulator>: its own run, so cells
    can run in separate processes (the demo does) and `collect` reads them afterwards."""
    cell_dir = cell_path(out_dir, agent_label, sim_label)
    episodes = make_episodes(PersonaSampler(pack, seed).sample(n), rollouts=k)
    simulate_to_dir(pack, agent, episodes, cell_dir, seed=seed, resume=resume, overwrite=not resume, simulator=simulator,
                    batch_size=batch_size, config={**(config or {}), "agent": agent_label, "simulator": sim_label},
                    on_done=on_done)
    return cell_dir


def cell_path(out_dir: Path, agent_label: str, sim_label: str) -> Path:
    return out_dir / "runs" / f"{_slug(agent_label)}__{sim_label}"


def collect(pack: Scenario, agents: list[str], simulators: list[str], n: int, k: int, seed: int, out_dir: Path,
            config: dict[str, Any] | None = None) -> dict[str, Any]:
    """eval.json from finished cells (`run_cell`): per-cell results, and with several simulators the acceptance
    matrix and the Kendall tau between every two."""
    results = []
    for agent_label, sim_label in itertools.product(agents, simulators):
        cell_dir = cell_path(out_dir, agent_label, sim_label)
        records = read_trajectories(cell_dir / "trajectories.jsonl")
        results.append({"agent": agent_label, "simulator": sim_label, "run_dir": str(cell_dir), **cell_results(pack, records, k)})
    report: dict[str, Any] = {"results": results}
    if len(simulators) > 1:
        report["matrix"] = {a: {r["simulator"]: r["acceptance"] for r in results if r["agent"] == a} for a in agents}
        report["kendall_tau"] = {}
        for s1, s2 in itertools.combinations(simulators, 2):
            x = [report["matrix"][a][s1] for a in agents]
            y = [report["matrix"][a][s2] for a in agents]
            report["kendall_tau"][f"{s1} vs {s2}"] = kendall_tau(x, y)
    record = run_record(pack, {**(config or {}), "n": n, "k": k, "seed": seed})
    report["config"], report["versions"] = record["config"] | {"scenario_fingerprint": record["scenario"]["fingerprint"]}, record["versions"]
    atomic_write_json(out_dir / "eval.json", report, "the transcripts are intact", resumable=True)
    return report


def _slug(label: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in label)[:80]

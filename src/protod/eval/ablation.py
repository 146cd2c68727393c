"""Comparing training arms over seeds on the same held-out users: pure functions over trajectory records.

An arm (GRPO, SI-AVPO, an ablation) is trained with several seeds; each trained policy is evaluated on the same n
held-out users, k dialogues each. Dialogues of one user are correlated (same traits, same concerns), so intervals
resample *users*, not dialogues (a cluster bootstrap): a user's score is its mean success over every seed and
rollout of the arm. Two arms are compared on the same users by the paired difference of their user scores.

    user score   s_u = mean over seeds and rollouts of 1[accepted]
    acceptance   mean_u s_u                 95% CI: percentile bootstrap over users
    difference   mean_u (s_u^A - s_u^B)     95% CI: the same bootstrap over the paired differences
    seed spread  mean and sample std of the per-seed acceptance (each seed's n * k dialogues)
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from protod.eval.passk import bootstrap_interval

BOOTSTRAP_SAMPLES = 2000


def user_scores(records: Iterable[dict[str, Any]]) -> dict[str, list[float]]:
    """persona id -> 1.0/0.0 per finished dialogue (errored dialogues are left out, as in the metrics)."""
    out: dict[str, list[float]] = defaultdict(list)
    for r in records:
        if r.get("status", "ok") == "ok":
            out[r["persona"]["id"]].append(1.0 if r["decision"] == "accept" else 0.0)
    return dict(out)


def _merge(runs: Sequence[dict[str, list[float]]]) -> dict[str, float]:
    """persona id -> mean success over every run (seed) that has the persona."""
    pooled: dict[str, list[float]] = defaultdict(list)
    for run in runs:
        for pid, xs in run.items():
            pooled[pid].extend(xs)
    return {pid: sum(xs) / len(xs) for pid, xs in pooled.items() if xs}


def arm_acceptance(per_seed: Sequence[dict[str, list[float]]], seed: int = 0) -> dict[str, Any]:
    """Acceptance of one arm over its seeds: the user-level mean, its cluster-bootstrap 95% interval, and the
    per-seed values with their mean and sample std (0 with one seed)."""
    scores = _merge(per_seed)
    values = list(scores.values())
    low, high = bootstrap_interval(values, samples=BOOTSTRAP_SAMPLES, seed=seed)
    seeds = [sum(sum(xs) for xs in run.values()) / max(1, sum(len(xs) for xs in run.values())) for run in per_seed]
    return {
        "acceptance": sum(values) / len(values) if values else 0.0,
        "ci_low": low, "ci_high": high, "users": len(values),
        "dialogues": sum(len(xs) for run in per_seed for xs in run.values()),
        "per_seed": seeds,
        "seed_mean": statistics.fmean(seeds) if seeds else 0.0,
        "seed_std": statistics.stdev(seeds) if len(seeds) > 1 else 0.0,
    }


def paired_difference(a: Sequence[dict[str, list[float]]], b: Sequence[dict[str, list[float]]], seed: int = 0) -> dict[str, Any]:
    """Mean over shared users of (score under a) - (score under b), with a bootstrap 95% interval over users."""
    sa, sb = _merge(a), _merge(b)
    shared = sorted(set(sa) & set(sb))
    diffs = [sa[u] - sb[u] for u in shared]
    low, high = bootstrap_interval(diffs, samples=BOOTSTRAP_SAMPLES, seed=seed)
    return {"difference": sum(diffs) / len(diffs) if diffs else 0.0, "ci_low": low, "ci_high": high, "users": len(shared)}


def seed_spread(values: Sequence[float]) -> dict[str, float]:
    """Mean and sample std of one metric over seeds (std 0 with one seed; NaNs are skipped)."""
    xs = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not xs:
        return {"mean": float("nan"), "std": float("nan")}
    return {"mean": statistics.fmean(xs), "std": statistics.stdev(xs) if len(xs) > 1 else 0.0}


def intervals_separate(upper: dict[str, Any], lower: dict[str, Any]) -> bool:
    """True when `upper`'s 95% interval lies wholly above `lower`'s (the demo's headline bar)."""
    return upper["ci_low"] > lower["ci_high"]

"""Comparing training arms over seeds on the same held-out users: pure functions over trajectory records.

An arm (GRPO, SI-AVPO, an ablation) is trained with several seeds; each trained policy is evaluated on the same n
held-out users, k dialogues each. Two sources of noise decide whether a difference is real: which users were drawn
(dialogues of one user are correlated: same traits, same concerns) and which training seed ran (two seeds of one arm
can differ by more than two arms). The interval resamples both (a two-level bootstrap over a crossed design: seeds
with replacement, and users with replacement, the same user draw for every drawn seed):

    s_{u,r}      mean over the rollouts of user u under the policy of seed r of 1[accepted]
    user score   s_u = mean over seeds and rollouts of 1[accepted]
    acceptance   mean_u s_u                          95% CI: percentile of mean_{u*} mean_{r*} s_{u,r} over draws
    difference   mean_u (s_u^A - s_u^B)              95% CI: A's and B's seeds drawn independently, users once (paired)
    users_ci     the same with the seeds held fixed: conditional on the trained policies (the old, narrower interval)
    seed spread  mean and sample std of the per-seed acceptance (each seed's n * k dialogues)
    flips        share of users whose outcome (accepted in more than half of their rollouts) differs between two
                 seeds of the same arm, averaged over pairs of seeds: how much of a comparison is the seed's luck
    noise floor  MDD = 2.80 * SE of the paired difference, SE from its two-level interval (protod.eval.passk)

With one seed the interval is the users-only one; with two, seed resampling has only three outcomes and the interval
is a rough guide, which is why the per-seed values are always reported beside it.
"""

from __future__ import annotations

import math
import random
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from protod.eval.passk import bootstrap_interval, min_detectable_difference

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


def _matrix(per_seed: Sequence[dict[str, list[float]]], users: Sequence[str]) -> list[list[float | None]]:
    """[seed][user] -> s_{u,r}, the user's mean over that seed's rollouts (None when that seed has none)."""
    return [[(sum(run[u]) / len(run[u])) if run.get(u) else None for u in users] for run in per_seed]


def _draw_mean(rows: list[list[float | None]], seeds: list[int], users: list[int]) -> float | None:
    """mean over the drawn users of the mean over the drawn seeds of s_{u,r} (missing cells skipped)."""
    total, count = 0.0, 0
    for u in users:
        cells = [rows[r][u] for r in seeds if rows[r][u] is not None]
        if cells:
            total += sum(cells) / len(cells)
            count += 1
    return total / count if count else None


def _percentiles(draws: list[float], alpha: float = 0.05) -> tuple[float, float]:
    if not draws:
        return 0.0, 0.0
    draws = sorted(draws)
    n = len(draws)
    return draws[int(alpha / 2 * n)], draws[min(n - 1, int((1 - alpha / 2) * n))]


def two_level_interval(a: Sequence[dict[str, list[float]]], b: Sequence[dict[str, list[float]]] | None = None,
                       samples: int = BOOTSTRAP_SAMPLES, seed: int = 0, resample_seeds: bool = True) -> tuple[float, float]:
    """95% percentile interval of arm `a`'s acceptance, or with `b` of the paired difference a - b over shared users:
    each draw resamples each arm's seeds (unless `resample_seeds` is False) and the users (module docstring)."""
    users = sorted(set().union(*a)) if b is None else sorted(set().union(*a) & set().union(*b))
    if not users:
        return 0.0, 0.0
    rows_a = _matrix(a, users)
    rows_b = _matrix(b, users) if b is not None else None
    rng = random.Random(seed)
    draws: list[float] = []
    for _ in range(samples):
        pick_a = [rng.randrange(len(rows_a)) for _ in rows_a] if resample_seeds else list(range(len(rows_a)))
        pick_b = ([rng.randrange(len(rows_b)) for _ in rows_b] if resample_seeds else list(range(len(rows_b)))) if rows_b else []
        pick_u = [rng.randrange(len(users)) for _ in users]
        if rows_b is None:
            value = _draw_mean(rows_a, pick_a, pick_u)
        else:
            diffs = []
            for u in pick_u:
                x = [rows_a[r][u] for r in pick_a if rows_a[r][u] is not None]
                y = [rows_b[r][u] for r in pick_b if rows_b[r][u] is not None]
                if x and y:
                    diffs.append(sum(x) / len(x) - sum(y) / len(y))
            value = sum(diffs) / len(diffs) if diffs else None
        if value is not None:
            draws.append(value)
    return _percentiles(draws)


def arm_acceptance(per_seed: Sequence[dict[str, list[float]]], seed: int = 0) -> dict[str, Any]:
    """Acceptance of one arm over its seeds: the user-level mean, its two-level bootstrap 95% interval (seeds and
    users), the users-only interval, and the per-seed values with their mean and sample std (0 with one seed)."""
    scores = _merge(per_seed)
    values = list(scores.values())
    low, high = two_level_interval(per_seed, seed=seed)
    seeds = [sum(sum(xs) for xs in run.values()) / max(1, sum(len(xs) for xs in run.values())) for run in per_seed]
    return {
        "acceptance": sum(values) / len(values) if values else 0.0,
        "ci_low": low, "ci_high": high, "users_ci": list(bootstrap_interval(values, samples=BOOTSTRAP_SAMPLES, seed=seed)),
        "users": len(values),
        "dialogues": sum(len(xs) for run in per_seed for xs in run.values()),
        "per_seed": seeds,
        "seed_mean": statistics.fmean(seeds) if seeds else 0.0,
        "seed_std": statistics.stdev(seeds) if len(seeds) > 1 else 0.0,
        "seed_flips": flip_share(per_seed),
    }


def paired_difference(a: Sequence[dict[str, list[float]]], b: Sequence[dict[str, list[float]]], seed: int = 0) -> dict[str, Any]:
    """Mean over shared users of (score under a) - (score under b), with its two-level bootstrap 95% interval (each
    arm's seeds and the shared users), the users-only interval, and the difference per pair of seed indices."""
    sa, sb = _merge(a), _merge(b)
    shared = sorted(set(sa) & set(sb))
    diffs = [sa[u] - sb[u] for u in shared]
    low, high = two_level_interval(a, b, seed=seed)
    return {"difference": sum(diffs) / len(diffs) if diffs else 0.0, "ci_low": low, "ci_high": high,
            "users_ci": list(two_level_interval(a, b, seed=seed, resample_seeds=False)), "users": len(shared),
            "min_detectable_difference": min_detectable_difference(low, high)}


def flip_share(per_seed: Sequence[dict[str, list[float]]]) -> float | None:
    """Share of users whose outcome flips between two seeds of one arm, averaged over seed pairs (None: one seed)."""
    if len(per_seed) < 2:
        return None
    won = [{u: sum(xs) / len(xs) > 0.5 for u, xs in run.items() if xs} for run in per_seed]
    shares = []
    for i in range(len(won)):
        for j in range(i + 1, len(won)):
            shared = set(won[i]) & set(won[j])
            if shared:
                shares.append(sum(won[i][u] != won[j][u] for u in shared) / len(shared))
    return statistics.fmean(shares) if shares else None


def seed_spread(values: Sequence[float]) -> dict[str, float]:
    """Mean and sample std of one metric over seeds (std 0 with one seed; NaNs are skipped)."""
    xs = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not xs:
        return {"mean": float("nan"), "std": float("nan")}
    return {"mean": statistics.fmean(xs), "std": statistics.stdev(xs) if len(xs) > 1 else 0.0}


def intervals_separate(upper: dict[str, Any], lower: dict[str, Any]) -> bool:
    """True when `upper`'s 95% interval lies wholly above `lower`'s (the demo's headline bar)."""
    return upper["ci_low"] > lower["ci_high"]

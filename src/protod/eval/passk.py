"""Estimators for repeated trials and intervals: pure functions with their formulas.

    pass@k  = 1 - C(n - c, k) / C(n, k)   probability that at least one of k trials succeeds (unbiased, HumanEval)
    pass^k  = C(c, k) / C(n, k)           probability that all k trials succeed (tau-bench's reliability measure)
    Wilson  (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)
    Kendall tau-b between two rankings (ties handled)

n trials of one task, c of them successful, k <= n. Both are computed per user and averaged over users (one
convention everywhere: `eval`, `gap`, the demo).

Noise floor (minimum detectable difference at 80% power, two-sided alpha 0.05), from an estimate's 95% interval:

    SE  = (high - low) / (2 * 1.96)
    MDD = (1.96 + 0.84) * SE                 for a paired difference whose interval is given
    MDD = (1.96 + 0.84) * sqrt(2) * SE       for two independent estimates of this size (conservative when paired)

Clustered Wilson (acceptance over users who each had several dialogues, which are not independent: same traits,
same concerns). Users u with n_u dialogues, y_u accepted, N = sum n_u, p = sum y_u / N:

    V     = sum_u (y_u - p n_u)^2 / N^2      the cluster-robust (between-user) variance of p
    n_eff = p(1 - p) / V, at most N          the design effect's effective number of dialogues
    interval = Wilson with n = n_eff

k identical dialogues per user give n_eff = the number of users (not k times more); dialogues that vary within a
user as much as independent ones give n_eff = N (plain Wilson over every dialogue); one dialogue per user gives
exactly Wilson. When V = 0 (p is 0 or 1, or every user has the same rate) there is nothing to estimate the design
effect from, and each user counts once. Like any cluster-robust variance it needs tens of users to be reliable.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence


def pass_at_k(n: int, c: int, k: int) -> float:
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n; got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n; got n={n}, c={c}, k={k}")
    return math.comb(c, k) / math.comb(n, k)


Z_95, Z_POWER_80 = 1.959964, 0.841621


def min_detectable_difference(low: float, high: float, two_estimates: bool = False) -> float:
    """The noise floor (module docstring): the smallest true difference found 80% of the time at alpha 0.05, given a
    95% interval [low, high] of a difference (`two_estimates=False`) or of one of two equal-sized estimates."""
    se = max(0.0, high - low) / (2 * Z_95)
    return (Z_95 + Z_POWER_80) * se * (math.sqrt(2.0) if two_estimates else 1.0)


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% (z = 1.96) Wilson score interval for a binomial proportion; (0, 1) when n = 0."""
    if n == 0:
        return 0.0, 1.0
    return _wilson(successes / n, n, z)


CLUSTERED_CI = "95% Wilson interval clustered by user (design effect from the between-user variance)"


def effective_trials(clusters: Sequence[Sequence[float]]) -> float:
    """n_eff of the clustered Wilson interval: the number of independent trials the users' outcomes are worth.
    `clusters`: per user, 1.0/0.0 (or True/False) per trial. 0 when there is no trial."""
    sizes = [len(c) for c in clusters if len(c)]
    total = sum(sizes)
    if not total:
        return 0.0
    hits = [float(sum(c)) for c in clusters if len(c)]
    p = sum(hits) / total
    var = sum((y - p * n) ** 2 for y, n in zip(hits, sizes)) / total ** 2
    if var <= 0.0 or p * (1 - p) <= 0.0:
        return float(len(sizes))  # nothing to estimate a design effect from: each user counts once
    return min(float(total), p * (1 - p) / var)


def clustered_wilson_interval(clusters: Sequence[Sequence[float]], z: float = 1.96) -> tuple[float, float]:
    """95% (z = 1.96) Wilson interval of the pooled success rate of clustered trials (per user, that user's
    outcomes), with n replaced by `effective_trials`; (0, 1) when there is no trial."""
    n = effective_trials(clusters)
    if n <= 0:
        return 0.0, 1.0
    p = sum(float(sum(c)) for c in clusters) / sum(len(c) for c in clusters)
    return _wilson(p, n, z)


def _wilson(p: float, n: float, z: float) -> tuple[float, float]:
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # Wilson's interval always holds p; at p = 0 or 1 rounding could leave it a hair outside
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def bootstrap_interval(values: Sequence[float], stat: Callable[[Sequence[float]], float] | None = None,
                       samples: int = 1000, alpha: float = 0.05, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of `stat` (default: mean) over `values` resampled with replacement."""
    if not values:
        return 0.0, 0.0
    stat = stat or (lambda xs: sum(xs) / len(xs))
    rng = random.Random(seed)
    draws = sorted(stat([rng.choice(values) for _ in values]) for _ in range(samples))
    return draws[int(alpha / 2 * samples)], draws[min(samples - 1, int((1 - alpha / 2) * samples))]


def kendall_tau(x: Sequence[float], y: Sequence[float]) -> float:
    """Kendall's tau-b of two score lists over the same items (1 = same order, -1 = reversed)."""
    if len(x) != len(y):
        raise ValueError("kendall_tau needs two lists of the same length")
    concordant = discordant = ties_x = ties_y = 0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            dx, dy = x[i] - x[j], y[i] - y[j]
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                ties_x += 1
            elif dy == 0:
                ties_y += 1
            elif (dx > 0) == (dy > 0):
                concordant += 1
            else:
                discordant += 1
    denom = math.sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y))
    return (concordant - discordant) / denom if denom else 0.0

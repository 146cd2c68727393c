"""Advantage estimators: short pure functions over tensors, each with its formula and shapes.

Notation: a group is G rollouts (dialogues) of one persona; K is the most agent turns in the group.

    GRPO  A_i = (R_i - mean_j R_j) / (std_j R_j + eps)                       one value per dialogue
    STPR  A_ik = |A_i| * sign(delta_ik)   if |delta_ik| > delta_min           per agent turn k of dialogue i
               = A_i                      otherwise
               = lam * sign(delta_ik)     where A_i == 0 and lam > 0 (all rewards equal; off by default)

where delta_ik = stance after turn k - stance before it. The trajectory outcome sets *how much* credit a dialogue
gets; the user's state transitions set its *direction* turn by turn: in a failed dialogue the turn that surfaced a
concern is still pushed up, in a successful one the turn that pushed the user away is still pushed down.

Estimators are registered by name (`register_advantage`), so `grpo`, `stpr`, ablations and a user's own are peers.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

ADVANTAGES: dict[str, Callable[..., Tensor]] = {}


def register_advantage(name: str) -> Callable[[Callable[..., Tensor]], Callable[..., Tensor]]:
    """Decorator: make an estimator selectable by name (`advantage: <name>` in a training config)."""

    def wrap(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
        if name in ADVANTAGES:
            raise ValueError(f"advantage estimator {name!r} is already registered")
        ADVANTAGES[name] = fn
        return fn

    return wrap


def grpo_advantage(rewards: Tensor, eps: float = 1e-6) -> Tensor:
    """Group-normalised outcome advantage.

    rewards: [G] float. Returns [G]: (r - mean) / (std + eps), population std (unbiased=False).
    All-equal rewards give zeros (std = 0 and r - mean = 0).
    """
    rewards = rewards.float()
    centred = rewards - rewards.mean()
    return centred / (rewards.std(unbiased=False) + eps)


def stpr_turn_advantage(
    traj_adv: Tensor,
    stance_delta: Tensor,
    turn_mask: Tensor,
    delta_min: float = 0.0,
    lam: float = 0.0,
) -> Tensor:
    """State-transition policy refinement: per-turn credit whose direction follows the user's stance.

    traj_adv: [G] trajectory advantages (e.g. grpo_advantage).
    stance_delta: [G, K] stance change caused by each agent turn.
    turn_mask: [G, K] bool, True for turns that exist.
    Returns [G, K]: |A_i| * sign(delta) where |delta| > delta_min, else A_i; where A_i == 0 and lam > 0,
    lam * sign(delta) instead; 0 at masked turns.
    """
    a = traj_adv.float()[:, None].expand_as(stance_delta)
    delta = stance_delta.float()
    moved = delta.abs() > delta_min
    out = torch.where(moved, a.abs() * torch.sign(delta), a)
    if lam > 0:
        out = torch.where(a == 0, lam * torch.sign(delta) * moved, out)
    return torch.where(turn_mask, out, torch.zeros_like(out))


@register_advantage("grpo")
def grpo_turns(rewards: Tensor, stance_delta: Tensor, turn_mask: Tensor, eps: float = 1e-6, **_: float) -> Tensor:
    """GRPO as a per-turn estimator: every turn of dialogue i gets A_i. Shapes as `stpr_turns`."""
    adv = grpo_advantage(rewards, eps)[:, None].expand_as(stance_delta)
    return torch.where(turn_mask, adv, torch.zeros_like(adv))


@register_advantage("stpr")
def stpr_turns(
    rewards: Tensor, stance_delta: Tensor, turn_mask: Tensor, eps: float = 1e-6, delta_min: float = 0.0, lam: float = 0.0, **_: float
) -> Tensor:
    """rewards [G], stance_delta [G, K], turn_mask [G, K] -> per-turn advantages [G, K]."""
    return stpr_turn_advantage(grpo_advantage(rewards, eps), stance_delta, turn_mask, delta_min, lam)


def turn_advantages(name: str, rewards: Tensor, stance_delta: Tensor, turn_mask: Tensor, **options: float) -> Tensor:
    """Look up an estimator by name and apply it. Shapes: [G], [G, K], [G, K] -> [G, K]."""
    try:
        fn = ADVANTAGES[name]
    except KeyError:
        raise ValueError(f"unknown advantage estimator {name!r}; registered: {sorted(ADVANTAGES)}") from None
    return fn(rewards, stance_delta, turn_mask, **options)

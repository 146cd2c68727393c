"""Losses over agent tokens: pure tensor functions, token-mean over the mask, shapes in every docstring.

B = sequences in the batch, T = positions, V = vocabulary. `mask` is 1 exactly at agent tokens (prompts, user turns
and padding are 0), so nothing here can push on tokens the agent did not produce.

    policy_loss   L = -mean_t min(r_t A_t, clip(r_t, 1 - eps_low, 1 + eps_high) A_t),  r_t = exp(logp_t - old_logp_t)
    aopd_loss     full:    mean_t KL(p_T(.|t) || p_S(.|t)) = sum_v p_T (log p_T - log p_S)
                  topk:    the same sum over the teacher's k most likely tokens (k = V gives the full KL)
                  sampled: mean_t -sg(log p_T(y_t) - log p_S(y_t)) * log p_S(y_t) on the sampled tokens y_t
    kl_penalty    mean_t exp(ref_t - logp_t) - (ref_t - logp_t) - 1   (k3 estimator of KL(pi || pi_ref))
    sft_loss      mean_t -logp_t

The teacher in AOPD is the same network shown the privileged view; its logits are detached here, so no gradient
can reach it even if the caller forgot `torch.no_grad()`.
"""

from __future__ import annotations

import torch
from torch import Tensor


def masked_mean(values: Tensor, mask: Tensor) -> Tensor:
    """Token-mean of values [B, T] over mask [B, T] (0 if the mask is empty)."""
    mask = mask.to(values.dtype)
    return (values * mask).sum() / mask.sum().clamp(min=1.0)


def policy_loss(
    logp: Tensor,
    old_logp: Tensor,
    advantages: Tensor,
    mask: Tensor,
    clip_eps: float = 0.2,
    clip_low: float | None = None,
    clip_high: float | None = None,
) -> Tensor:
    """Clipped-ratio policy-gradient loss. logp, old_logp, advantages, mask: [B, T] -> scalar.

    `clip_low` / `clip_high` override `clip_eps` on each side (DAPO's asymmetric clip, e.g. 0.2 / 0.28).
    With logp == old_logp (one update per batch) this is plain REINFORCE with advantages: -mean(A * logp) in gradient.
    """
    low = clip_eps if clip_low is None else clip_low
    high = clip_eps if clip_high is None else clip_high
    ratio = torch.exp(logp - old_logp.detach())
    unclipped = ratio * advantages
    clipped = torch.clamp(ratio, 1.0 - low, 1.0 + high) * advantages
    return masked_mean(-torch.minimum(unclipped, clipped), mask)


def aopd_loss(
    student_logits: Tensor,
    teacher_logits: Tensor,
    mask: Tensor,
    mode: str = "full",
    topk: int = 64,
    tokens: Tensor | None = None,
) -> Tensor:
    """Asymmetric on-policy self-distillation: KL(teacher || student) per agent token, token-mean.

    student_logits, teacher_logits: [B, T, V] at the same positions (the agent's own tokens in both views).
    mask: [B, T]. tokens: [B, T] sampled ids, required for mode "sampled". Returns a scalar.
    """
    teacher_logits = teacher_logits.detach()
    log_s = torch.log_softmax(student_logits.float(), dim=-1)
    log_t = torch.log_softmax(teacher_logits.float(), dim=-1)
    if mode == "full":
        per_token = (log_t.exp() * (log_t - log_s)).sum(-1)
    elif mode == "topk":
        k = min(topk, log_t.shape[-1])
        top_t, index = log_t.topk(k, dim=-1)
        per_token = (top_t.exp() * (top_t - log_s.gather(-1, index))).sum(-1)
    elif mode == "sampled":
        if tokens is None:
            raise ValueError("aopd_loss(mode='sampled') needs the sampled `tokens`")
        lp_s = log_s.gather(-1, tokens[..., None])[..., 0]
        lp_t = log_t.gather(-1, tokens[..., None])[..., 0]
        per_token = -(lp_t - lp_s).detach() * lp_s
    else:
        raise ValueError(f"unknown aopd mode {mode!r}; expected full, topk or sampled")
    return masked_mean(per_token, mask)


def kl_penalty(logp: Tensor, ref_logp: Tensor, mask: Tensor) -> Tensor:
    """k3 estimate of KL(policy || reference) on sampled tokens. logp, ref_logp, mask: [B, T] -> scalar (>= 0)."""
    diff = ref_logp.detach() - logp
    return masked_mean(torch.exp(diff) - diff - 1.0, mask)


def sft_loss(logp: Tensor, mask: Tensor) -> Tensor:
    """Negative log-likelihood of the agent tokens. logp, mask: [B, T] -> scalar."""
    return masked_mean(-logp, mask)


def token_logprobs(logits: Tensor, tokens: Tensor) -> Tensor:
    """log p(tokens) under logits. logits [B, T, V] predicting tokens [B, T] -> [B, T]."""
    return torch.log_softmax(logits.float(), dim=-1).gather(-1, tokens[..., None])[..., 0]

"""Losses over agent tokens: pure tensor functions, shapes in every docstring.

N = agent tokens (any leading shape works the same), V = vocabulary. `mask` is 1 exactly at agent tokens (prompts,
user turns and padding are 0), so nothing here can push on tokens the agent did not produce.

    policy_loss   L = -mean_t w_t min(r_t A_t, clip(r_t, 1 - eps_low, 1 + eps_high) A_t),  r_t = exp(logp_t - old_logp_t)
    kl_penalty    mean_t exp(ref_t - logp_t) - (ref_t - logp_t) - 1   (k3 estimator of KL(pi || pi_ref))
    sft_loss      mean_t -logp_t

AOPD (teacher T = the same network shown the privileged view, student S = the policy in the deployable view), one
per-token function per mode, each named for what it optimises (p = softmax over the vocabulary at one position):

    forward_kl           KL(p_T || p_S) = sum_v p_T(v) (log p_T(v) - log p_S(v))
    forward_kl_topk      the same KL over k + 1 buckets: the teacher's top-k tokens and one tail bucket holding the
                         rest of the mass, P(tail) = 1 - sum_{v in top-k} p(v). A KL between two distributions, so
                         >= 0; k = V is the full forward KL; the optimum keeps the student's tail mass = the teacher's
    reverse_kl           KL(p_S || p_T) = sum_v p_S(v) (log p_S(v) - log p_T(v))
    reverse_kl_sampled   -w sg(log p_T(y) - log p_S(y)) * log p_S(y) at the sampled token y: a surrogate whose
                         gradient is, in expectation over y, the gradient of reverse_kl; its *value* is not a KL, so
                         the value logged for it is w (log p_S(y) - log p_T(y)), an estimate of reverse KL. y comes
                         from the behaviour policy mu (nucleus, another engine, weights one push old), not from p_S:
                         w = sg(p_S(y) / mu(y)) (importance weight) makes both unbiased wherever mu covers p_S; a
                         cap on w (tis_cap, when set) bounds the variance at the price of a bias against the tokens mu
                         samples less often than p_S would. Left: a nucleus (top_p < 1) never samples the tokens outside it, so
                         the expectation is the KL summed over the nucleus only - the bias is
                         -sum_{v outside} p_S(v) (log p_S(v) - log p_T(v)) (measured in tests/test_advantages_losses.py)
    generalized_jsd      beta KL(p_T || M) + (1 - beta) KL(p_S || M),  M = beta p_T + (1 - beta) p_S,  0 < beta < 1

The teacher's inputs are detached here, so no gradient can reach it even if the caller forgot `torch.no_grad()`.
`teacher_terms` keeps only what a mode needs from the teacher's [N, V] log-probs (top-k values, indices and tail
mass; or the sampled tokens' log-probs), so the full teacher distribution never has to outlive one micro-batch.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

AOPD_MODES = ("forward_kl", "forward_kl_topk", "reverse_kl", "reverse_kl_sampled", "generalized_jsd")


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
    weights: Tensor | None = None,
) -> Tensor:
    """Clipped-ratio policy-gradient loss. logp, old_logp, advantages, mask, weights: [B, T] -> scalar.

    `old_logp` is the behaviour policy (the recorded sampling log-probs, or the trainer's own at the start of the
    update). `clip_low` / `clip_high` override `clip_eps` on each side (DAPO's asymmetric clip, e.g. 0.2 / 0.28).
    `weights` (detached) scale each token's term: truncated importance sampling min(pi_old / pi_sample, cap).
    With logp == old_logp this is REINFORCE with advantages: -mean(A * logp) in gradient.
    """
    low = clip_eps if clip_low is None else clip_low
    high = clip_eps if clip_high is None else clip_high
    ratio = torch.exp(logp - old_logp.detach())
    unclipped = ratio * advantages
    clipped = torch.clamp(ratio, 1.0 - low, 1.0 + high) * advantages
    per_token = -torch.minimum(unclipped, clipped)
    if weights is not None:
        per_token = per_token * weights.detach()
    return masked_mean(per_token, mask)


def sampling_logprobs(logits: Tensor, tokens: Tensor, temperature: float = 1.0, top_p: float = 1.0) -> Tensor:
    """log pi_sample(tokens): softmax(logits / temperature) cut to the top-p nucleus and renormalised.

    logits [..., V], tokens [...] -> [...]. The nucleus is the smallest set of most likely tokens whose mass reaches
    top_p (the rule the HF backend samples with); membership is a discrete choice, so it carries no gradient, the
    renormalising mass does. These are the log-probs of the distribution the rollout actually sampled from.
    """
    logp = torch.log_softmax(logits.float() / temperature, dim=-1)
    picked = logp.gather(-1, tokens[..., None])[..., 0]
    if top_p >= 1.0:
        return picked
    with torch.no_grad():
        sorted_p, order = logp.exp().sort(dim=-1, descending=True)
        outside_sorted = sorted_p.cumsum(-1) - sorted_p >= top_p
        outside = torch.zeros_like(outside_sorted).scatter(-1, order, outside_sorted)
    return picked - logp.masked_fill(outside, float("-inf")).logsumexp(-1)


def behaviour_gap(logp: Tensor, sample_logp: Tensor) -> tuple[float, int, float]:
    """How far the trainer's log-probs are from the ones the rollout engine recorded: (sum, count, max) of
    |log pi_trainer(y) - log pi_sample(y)| over the tokens that have a recorded value.

    logp [N] (the trainer's, at the sampling distribution), sample_logp [N] (NaN where nothing was recorded).
    Sums and counts, not a mean, so micro-batches add up. Same weights on both sides: float noise (~1e-6..1e-4 for
    protod's own decode loop); a different engine (vLLM kernels, dtype) or stale engine weights show as more.
    """
    has = ~torch.isnan(sample_logp)
    diff = (logp.detach().float() - sample_logp.to(logp.device).float())[has].abs()
    if not diff.numel():
        return 0.0, 0, 0.0
    return float(diff.sum()), int(diff.numel()), float(diff.max())


def _detached_logp(teacher_logp: Tensor) -> Tensor:
    return teacher_logp.detach().float()


def forward_kl(log_s: Tensor, log_t: Tensor) -> Tensor:
    """KL(p_T || p_S) per position. log_s, log_t: [..., V] log-probs -> [...]. Gradient wrt student logits: p_S - p_T."""
    log_t = _detached_logp(log_t)
    return (log_t.exp() * (log_t - log_s)).sum(-1)


def forward_kl_topk(log_s: Tensor, top_logp_t: Tensor, top_index: Tensor, tail_logp_t: Tensor) -> Tensor:
    """KL(p_T || p_S) over the teacher's top-k tokens plus one tail bucket. -> [...] (>= 0).

    log_s: [..., V] student log-probs; top_logp_t, top_index: [..., k] the teacher's k largest log-probs and their
    ids; tail_logp_t: [...] log of the teacher's remaining mass (-inf when k = V). Gradient wrt student logit j:
    p_S(j) - p_T(j) inside the top-k, p_S(j) (1 - P_T(tail) / P_S(tail)) in the tail.
    """
    top_logp_t, tail_logp_t = _detached_logp(top_logp_t), _detached_logp(tail_logp_t)
    head = (top_logp_t.exp() * (top_logp_t - log_s.gather(-1, top_index))).sum(-1)
    if top_index.shape[-1] >= log_s.shape[-1]:
        return head  # no tail: the full KL (and no log(0) whose gradient would be NaN)
    tail_logp_s = log_s.scatter(-1, top_index, float("-inf")).logsumexp(-1)
    tail_p_t = tail_logp_t.exp()
    # 0 * log 0 = 0: a teacher whose top-k holds all the mass (numerically) contributes no tail term
    tail = torch.where(tail_p_t > 0, tail_p_t * (torch.nan_to_num(tail_logp_t, neginf=0.0) - tail_logp_s), 0.0)
    return head + tail


def reverse_kl(log_s: Tensor, log_t: Tensor) -> Tensor:
    """KL(p_S || p_T) per position. log_s, log_t: [..., V] -> [...]. Gradient wrt logit j: p_S(j) (log p_S(j)/p_T(j) - KL)."""
    log_t = _detached_logp(log_t)
    return (log_s.exp() * (log_s - log_t)).sum(-1)


def reverse_kl_sampled(logp_s: Tensor, logp_t: Tensor, behaviour_logp: Tensor | None = None,
                       cap: float | None = None) -> tuple[Tensor, Tensor]:
    """Sampled-token reverse-KL surrogate. logp_s, logp_t: [...] log-probs of the sampled tokens y under the student
    (at logits / temperature, the whole vocabulary) and the teacher; behaviour_logp: [...] log mu(y), the
    distribution y was actually sampled from (the rollout's recorded log-probs; NaN where none was recorded).

    Returns (surrogate, estimate), both [...]: surrogate = -w sg(log p_T(y) - log p_S(y)) log p_S(y), whose gradient
    has expectation over y ~ mu grad KL(p_S || p_T); estimate = w (log p_S(y) - log p_T(y)), detached, whose
    expectation is KL(p_S || p_T) itself (what to log). w = sg(exp(log p_S(y) - log mu(y))), capped at `cap` when
    given; 1 where behaviour_logp is None or NaN (then y is taken as drawn from p_S).
    """
    logp_t = _detached_logp(logp_t)
    weight = torch.ones_like(logp_s)
    if behaviour_logp is not None:
        mu = behaviour_logp.to(logp_s.device)
        weight = torch.where(torch.isnan(mu), weight, torch.exp(logp_s.detach() - mu.nan_to_num()))
        if cap is not None:
            weight = weight.clamp(max=cap)
    surrogate = -weight * (logp_t - logp_s).detach() * logp_s
    return surrogate, (weight * (logp_s - logp_t)).detach()


def generalized_jsd(log_s: Tensor, log_t: Tensor, beta: float) -> Tensor:
    """beta KL(p_T || M) + (1 - beta) KL(p_S || M), M = beta p_T + (1 - beta) p_S. [..., V] -> [...].

    0 < beta < 1 (0.5 is the symmetric Jensen-Shannon divergence; both ends vanish). Bounded by the entropy of
    the mixing weight, so no token can dominate the loss. dL/dp_S(v) = (1 - beta) log(p_S(v) / M(v)).
    """
    if not 0.0 < beta < 1.0:
        raise ValueError(f"generalized_jsd needs 0 < beta < 1, got {beta}")
    log_t = _detached_logp(log_t)
    log_m = torch.logsumexp(torch.stack([log_t + math.log(beta), log_s + math.log(1.0 - beta)]), dim=0)
    kl_t = (log_t.exp() * (log_t - log_m)).sum(-1)
    kl_s = (log_s.exp() * (log_s - log_m)).sum(-1)
    return beta * kl_t + (1.0 - beta) * kl_s


def teacher_terms(teacher_logits: Tensor, mode: str, tokens: Tensor, temperature: float = 1.0, topk: int = 64) -> dict[str, Tensor]:
    """What one AOPD mode needs from the teacher, computed at once so the [N, V] logits can be freed.

    teacher_logits [N, V], tokens [N] -> forward_kl_topk: top_logp [N, k], top_index [N, k], tail_logp [N];
    reverse_kl_sampled: token_logp [N]; the full-vocabulary modes: logp [N, V]. All detached, float32.
    """
    logp = torch.log_softmax(teacher_logits.detach().float() / temperature, dim=-1)
    if mode == "forward_kl_topk":
        k = min(topk, logp.shape[-1])
        top, index = logp.topk(k, dim=-1)
        tail = logp.scatter(-1, index, float("-inf")).logsumexp(-1) if k < logp.shape[-1] else torch.full_like(top[..., 0], float("-inf"))
        return {"top_logp": top, "top_index": index, "tail_logp": tail}
    if mode == "reverse_kl_sampled":
        return {"token_logp": logp.gather(-1, tokens[..., None])[..., 0]}
    if mode in AOPD_MODES:
        return {"logp": logp}
    raise ValueError(f"unknown aopd mode {mode!r}; expected one of {', '.join(AOPD_MODES)}")


def aopd_token_loss(student_logits: Tensor, terms: dict[str, Tensor], mode: str, tokens: Tensor,
                    temperature: float = 1.0, beta: float = 0.5, behaviour_logp: Tensor | None = None,
                    cap: float | None = None) -> tuple[Tensor, Tensor]:
    """Per-token AOPD loss and the value to log. student_logits [N, V], terms from `teacher_terms`, tokens [N];
    behaviour_logp [N] and cap: reverse_kl_sampled's importance weights (see `reverse_kl_sampled`).

    Returns (loss [N] to differentiate, value [N] detached): the divergence itself for every mode but
    reverse_kl_sampled, whose loss is a surrogate and whose value is the reverse-KL estimate.
    """
    log_s = torch.log_softmax(student_logits.float() / temperature, dim=-1)
    if mode == "forward_kl":
        loss = forward_kl(log_s, terms["logp"])
    elif mode == "forward_kl_topk":
        loss = forward_kl_topk(log_s, terms["top_logp"], terms["top_index"], terms["tail_logp"])
    elif mode == "reverse_kl":
        loss = reverse_kl(log_s, terms["logp"])
    elif mode == "generalized_jsd":
        loss = generalized_jsd(log_s, terms["logp"], beta)
    elif mode == "reverse_kl_sampled":
        return reverse_kl_sampled(log_s.gather(-1, tokens[..., None])[..., 0], terms["token_logp"], behaviour_logp, cap)
    else:
        raise ValueError(f"unknown aopd mode {mode!r}; expected one of {', '.join(AOPD_MODES)}")
    return loss, loss.detach()


def aopd_loss(student_logits: Tensor, teacher_logits: Tensor, mask: Tensor, mode: str = "forward_kl", topk: int = 64,
              tokens: Tensor | None = None, beta: float = 0.5, temperature: float = 1.0) -> Tensor:
    """Token-mean AOPD loss of one mode. student_logits, teacher_logits: [B, T, V]; mask, tokens: [B, T] -> scalar."""
    if tokens is None:
        if mode == "reverse_kl_sampled":
            raise ValueError("aopd_loss(mode='reverse_kl_sampled') needs the sampled `tokens`")
        tokens = torch.zeros(student_logits.shape[:-1], dtype=torch.long, device=student_logits.device)
    terms = teacher_terms(teacher_logits, mode, tokens, temperature, topk)
    loss, _ = aopd_token_loss(student_logits, terms, mode, tokens, temperature, beta)
    return masked_mean(loss, mask)


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

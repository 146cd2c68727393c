"""Known-answer tests for the advantage estimators and losses (values computed by hand, see comments)."""

import math

import pytest
import torch

from protod.train.advantages import ADVANTAGES, grpo_advantage, register_advantage, stpr_turn_advantage, turn_advantages
from protod.train.losses import (
    aopd_loss,
    aopd_token_loss,
    forward_kl,
    generalized_jsd,
    kl_penalty,
    policy_loss,
    sampling_logprobs,
    sft_loss,
    teacher_terms,
    token_logprobs,
)

approx = lambda x: pytest.approx(x, abs=1e-5)  # noqa: E731


def close(tensor, expected):
    torch.testing.assert_close(tensor.float(), torch.tensor(expected, dtype=torch.float32), atol=1e-5, rtol=0)


def test_grpo_known_answers():
    # mean 0.5, population std 0.5 -> (r - 0.5) / 0.5
    assert grpo_advantage(torch.tensor([1.0, 0.0, 0.0, 1.0])).tolist() == approx([1, -1, -1, 1])
    # mean 0.25, std sqrt(0.25 * 0.75) = 0.4330127
    s = math.sqrt(0.25 * 0.75)
    assert grpo_advantage(torch.tensor([1.0, 0.0, 0.0, 0.0])).tolist() == approx([0.75 / s, -0.25 / s, -0.25 / s, -0.25 / s])
    assert grpo_advantage(torch.tensor([1.0, 1.0, 1.0])).tolist() == [0.0, 0.0, 0.0]
    assert grpo_advantage(torch.tensor([0.0, 0.0])).tolist() == [0.0, 0.0]


def test_stpr_direction_follows_the_stance():
    s = math.sqrt(0.25 * 0.75)
    a = torch.tensor([0.75 / s, -0.25 / s])  # a success and a failure
    delta = torch.tensor([[0.05, 0.0, -0.04], [0.30, 0.0, 0.0]])
    mask = torch.tensor([[True, True, True], [True, True, False]])
    out = stpr_turn_advantage(a, delta, mask, delta_min=0.01)
    # success: up-move keeps +|A|, no move keeps A, down-move gets -|A|
    assert out[0].tolist() == approx([0.75 / s, 0.75 / s, -0.75 / s])
    # failure: the turn that raised the stance is credited +|A|; unmoved turn keeps A; masked turn is 0
    assert out[1].tolist() == approx([0.25 / s, -0.25 / s, 0.0])


def test_stpr_delta_min_and_lambda():
    a = torch.tensor([0.0, 0.0])  # all rewards equal
    delta = torch.tensor([[0.05, -0.10], [0.0, 0.20]])
    mask = torch.ones(2, 2, dtype=torch.bool)
    assert stpr_turn_advantage(a, delta, mask).tolist() == [[0.0, 0.0], [0.0, 0.0]]  # lam = 0: no signal
    close(stpr_turn_advantage(a, delta, mask, lam=0.1), [[0.1, -0.1], [0.0, 0.1]])
    # |delta| <= delta_min counts as no move
    assert stpr_turn_advantage(torch.tensor([-1.0]), torch.tensor([[0.05]]), torch.tensor([[True]]), delta_min=0.05).tolist() == [[-1.0]]


def test_registry_lookup_and_extension():
    rewards = torch.tensor([1.0, 0.0])
    delta = torch.tensor([[0.1, -0.1], [0.1, 0.0]])
    mask = torch.ones(2, 2, dtype=torch.bool)
    close(turn_advantages("grpo", rewards, delta, mask), [[1, 1], [-1, -1]])
    close(turn_advantages("stpr", rewards, delta, mask), [[1, -1], [1, -1]])
    with pytest.raises(ValueError, match="registered"):
        turn_advantages("ppo-gae", rewards, delta, mask)

    @register_advantage("test_sign_only")
    def sign_only(rewards, stance_delta, turn_mask, **_):
        return torch.sign(stance_delta) * turn_mask

    try:
        assert turn_advantages("test_sign_only", rewards, delta, mask).tolist() == [[1, -1], [1, 0]]
    finally:
        del ADVANTAGES["test_sign_only"]


def test_policy_loss_known_answers():
    logp = torch.log(torch.tensor([[0.5, 0.25]]))
    old = torch.log(torch.tensor([[0.25, 0.25]]))
    adv = torch.tensor([[1.0, -1.0]])
    mask = torch.ones(1, 2)
    # token 1: ratio 2, A=+1 -> min(2, 1.2) = 1.2; token 2: ratio 1, A=-1 -> -1. loss = mean(-1.2, 1) = -0.1
    assert policy_loss(logp, old, adv, mask, clip_eps=0.2).item() == approx(-0.1)
    # DAPO: clip_high 0.28 -> min(2, 1.28) -> mean(-1.28, 1) = -0.14
    assert policy_loss(logp, old, adv, mask, clip_low=0.2, clip_high=0.28).item() == approx(-0.14)
    # ratio 0.5 with A = -1: min(-0.5, 0.8 * -1) = -0.8 -> loss 0.8
    half = policy_loss(torch.log(torch.tensor([[0.25]])), torch.log(torch.tensor([[0.5]])), torch.tensor([[-1.0]]), torch.ones(1, 1))
    assert half.item() == approx(0.8)


def test_masks_exclude_prompt_and_user_tokens():
    logp = torch.tensor([[-1.0, -2.0, -3.0, -4.0]], requires_grad=True)
    mask = torch.tensor([[0.0, 1.0, 0.0, 1.0]])  # prompt, agent, user, agent
    loss = policy_loss(logp, logp.detach(), torch.ones(1, 4), mask)
    loss.backward()
    assert logp.grad[0, 0] == 0 and logp.grad[0, 2] == 0
    assert logp.grad[0, 1] == approx(-0.5) and logp.grad[0, 3] == approx(-0.5)  # d(-mean A*ratio)/dlogp = -A/2
    assert sft_loss(torch.tensor([[-1.0, -2.0, -3.0, -4.0]]), mask).item() == approx(3.0)
    assert policy_loss(logp, logp, torch.ones(1, 4), torch.zeros(1, 4)).item() == 0.0


# --- AOPD: each mode against its closed form, value and gradient, on a 4-token vocabulary -------------------------
# Student and teacher distributions, written out; closed forms below use plain floats, not the code under test.
P_S = [0.5, 0.3, 0.15, 0.05]
P_T = [0.25, 0.5, 0.1, 0.15]


def _student():
    return torch.log(torch.tensor(P_S)).requires_grad_()  # logits whose softmax is P_S


def _teacher():
    return torch.log(torch.tensor(P_T)).requires_grad_()


def _kl(p, q):
    return sum(a * math.log(a / b) for a, b in zip(p, q) if a > 0)


def _softmax_chain(p, g):
    """d/dz of a function with d/dp = g, through p = softmax(z): p_j (g_j - sum_v p_v g_v)."""
    mean = sum(a * b for a, b in zip(p, g))
    return [a * (b - mean) for a, b in zip(p, g)]


def _value_and_grad(mode, **kw):
    z, t = _student(), _teacher()
    tokens = kw.pop("tokens", torch.tensor(0))
    terms = teacher_terms(t, mode, tokens, topk=kw.pop("topk", 64))
    loss, value = aopd_token_loss(z, terms, mode, tokens, beta=kw.pop("beta", 0.5))
    loss.backward()
    assert t.grad is None  # no gradient reaches the teacher
    return loss.item(), value.item(), z.grad.tolist()


def test_forward_kl_value_and_gradient():
    loss, value, grad = _value_and_grad("forward_kl")
    assert loss == approx(_kl(P_T, P_S)) and value == loss
    assert grad == approx([s - t for s, t in zip(P_S, P_T)])  # p_S - p_T


def test_forward_kl_topk_has_a_tail_bucket_never_negative_and_is_exact_at_k_equal_v():
    # k = 2: the teacher's top-2 are tokens 1 (0.5) and 0 (0.25); the tail bucket holds 0.25 (teacher), 0.2 (student)
    buckets_t, buckets_s = [0.5, 0.25, 0.25], [0.3, 0.5, 0.2]
    loss, value, grad = _value_and_grad("forward_kl_topk", topk=2)
    assert loss == approx(_kl(buckets_t, buckets_s)) and loss >= 0
    # top-k tokens: p_S - p_T; tail tokens: p_S(j) (1 - P_T(tail) / P_S(tail))
    assert grad == approx([0.5 - 0.25, 0.3 - 0.5, 0.15 * (1 - 0.25 / 0.2), 0.05 * (1 - 0.25 / 0.2)])
    full, _, full_grad = _value_and_grad("forward_kl")
    at_v, _, at_v_grad = _value_and_grad("forward_kl_topk", topk=4)
    assert at_v == approx(full) and at_v_grad == approx(full_grad)
    # A student that over-covers the teacher's top-2: the old top-k sum without a tail is negative (-0.137), with
    # the tail bucket it is a KL between 3 buckets (0.092), below the full KL (0.097) as merging buckets must be.
    p_s = [0.3, 0.6, 0.05, 0.05]
    no_tail = sum(P_T[i] * math.log(P_T[i] / p_s[i]) for i in (1, 0))
    terms = teacher_terms(torch.log(torch.tensor(P_T)), "forward_kl_topk", torch.tensor(0), topk=2)
    with_tail, _ = aopd_token_loss(torch.log(torch.tensor(p_s)), terms, "forward_kl_topk", torch.tensor(0))
    assert no_tail == pytest.approx(-0.1367, abs=1e-4) and with_tail.item() == approx(_kl([0.5, 0.25, 0.25], [0.6, 0.3, 0.1]))
    assert 0 < with_tail.item() < _kl(P_T, p_s)


def test_forward_kl_topk_is_never_negative_property():
    torch.manual_seed(0)
    for _ in range(50):
        z, t = torch.randn(3, 7) * 3, torch.randn(3, 7) * 3
        for k in (1, 3, 7):
            terms = teacher_terms(t, "forward_kl_topk", torch.zeros(3, dtype=torch.long), topk=k)
            loss, _ = aopd_token_loss(z, terms, "forward_kl_topk", torch.zeros(3, dtype=torch.long))
            assert (loss >= -1e-6).all()
            if k == 7:
                close(loss, forward_kl(torch.log_softmax(z, -1), torch.log_softmax(t, -1)).tolist())


def test_reverse_kl_value_and_gradient():
    loss, value, grad = _value_and_grad("reverse_kl")
    kl = _kl(P_S, P_T)
    assert loss == approx(kl) and value == loss
    assert grad == approx([s * (math.log(s / t) - kl) for s, t in zip(P_S, P_T)])  # p_S (log p_S / p_T - KL)


def test_reverse_kl_sampled_is_the_reverse_kl_gradient_in_expectation():
    expected_grad, expected_value = [0.0] * 4, 0.0
    for y in range(4):
        loss, value, grad = _value_and_grad("reverse_kl_sampled", tokens=torch.tensor(y))
        c = math.log(P_T[y]) - math.log(P_S[y])
        assert loss == approx(-c * math.log(P_S[y]))  # the surrogate
        assert value == approx(-c)  # what is logged: log p_S(y) - log p_T(y)
        assert grad == approx([-c * ((j == y) - P_S[j]) for j in range(4)])  # -c * d log p_S(y) / dz
        expected_grad = [e + P_S[y] * g for e, g in zip(expected_grad, grad)]
        expected_value += P_S[y] * value
    kl = _kl(P_S, P_T)
    assert expected_value == approx(kl)  # E_y~p_S of the logged value is the reverse KL
    assert expected_grad == approx([s * (math.log(s / t) - kl) for s, t in zip(P_S, P_T)])  # and of the gradient
    forward_grad = [s - t for s, t in zip(P_S, P_T)]
    assert max(abs(a - b) for a, b in zip(expected_grad, forward_grad)) > 0.03  # it is not the forward KL's


def test_generalized_jsd_value_and_gradient():
    for beta in (0.1, 0.5, 0.9):
        loss, value, grad = _value_and_grad("generalized_jsd", beta=beta)
        m = [beta * t + (1 - beta) * s for s, t in zip(P_S, P_T)]
        assert loss == approx(beta * _kl(P_T, m) + (1 - beta) * _kl(P_S, m)) and value == loss
        # dL/dp_S(v) = (1 - beta) log(p_S(v) / M(v)), then through the softmax
        assert grad == approx(_softmax_chain(P_S, [(1 - beta) * math.log(s / mv) for s, mv in zip(P_S, m)]))
    # beta = 0.5 is the symmetric Jensen-Shannon divergence: swapping the two distributions leaves it unchanged
    a = generalized_jsd(torch.log(torch.tensor(P_S)), torch.log(torch.tensor(P_T)), 0.5)
    b = generalized_jsd(torch.log(torch.tensor(P_T)), torch.log(torch.tensor(P_S)), 0.5)
    assert a.item() == approx(b.item())
    with pytest.raises(ValueError, match="beta"):
        generalized_jsd(torch.zeros(2), torch.zeros(2), 1.0)


def test_aopd_loss_masks_and_temperature():
    student = torch.log(torch.tensor([[P_S, P_S]]))
    teacher = torch.log(torch.tensor([[P_T, P_S]]))
    # only the first position is an agent token: the mean is its KL, the second (KL 0) is ignored
    assert aopd_loss(student, teacher, torch.tensor([[1.0, 0.0]])).item() == approx(_kl(P_T, P_S))
    assert aopd_loss(student, teacher, torch.tensor([[1.0, 1.0]])).item() == approx(_kl(P_T, P_S) / 2)
    # at temperature 2 both distributions are softmax(log p / 2) = sqrt(p) renormalised
    sq = lambda p: [math.sqrt(x) / sum(math.sqrt(y) for y in p) for x in p]  # noqa: E731
    assert aopd_loss(student, teacher, torch.tensor([[1.0, 0.0]]), temperature=2.0).item() == approx(_kl(sq(P_T), sq(P_S)))
    with pytest.raises(ValueError, match="tokens"):
        aopd_loss(student, teacher, torch.ones(1, 2), mode="reverse_kl_sampled")
    with pytest.raises(ValueError, match="forward_kl"):
        aopd_loss(student, teacher, torch.ones(1, 2), mode="topk")


def test_sampling_logprobs_temperature_and_nucleus_by_hand():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    # T = 1, top-p 0.75: the nucleus is {0, 1} (0.5 < 0.75, 0.5 + 0.3 >= 0.75), renormalised over 0.8
    assert sampling_logprobs(logits, torch.tensor(1), 1.0, 0.75).item() == approx(math.log(0.3 / 0.8))
    # T = 0.5: p ~ p^2 = (.25, .09, .0225, .0025) / .365; top-p 1 is the plain tempered softmax
    z = 0.25 + 0.09 + 0.0225 + 0.0025
    assert sampling_logprobs(logits, torch.tensor(2), 0.5, 1.0).item() == approx(math.log(0.0225 / z))
    # T = 0.5 and top-p 0.9: 0.685 < 0.9 <= 0.685 + 0.247 -> nucleus {0, 1}
    assert sampling_logprobs(logits, torch.tensor(0), 0.5, 0.9).item() == approx(math.log(0.25 / 0.34))


def test_truncated_importance_weights_scale_each_token():
    logp = torch.log(torch.tensor([[0.5, 0.5]]))
    w = torch.tensor([[2.0, 0.5]])
    # ratio 1 everywhere: loss = -mean(w * A) = -(2 * 1 + 0.5 * 1) / 2
    assert policy_loss(logp, logp, torch.ones(1, 2), torch.ones(1, 2), weights=w).item() == approx(-1.25)


def test_kl_penalty_and_token_logprobs():
    logp = torch.log(torch.tensor([[0.5]]))
    ref = torch.log(torch.tensor([[0.25]]))
    d = math.log(0.25) - math.log(0.5)
    assert kl_penalty(logp, ref, torch.ones(1, 1)).item() == approx(math.exp(d) - d - 1)
    assert kl_penalty(logp, logp, torch.ones(1, 1)).item() == 0.0
    logits = torch.log(torch.tensor([[[0.2, 0.8], [0.6, 0.4]]]))
    close(token_logprobs(logits, torch.tensor([[1, 0]])), [[math.log(0.8), math.log(0.6)]])


def _expected_under(mu, z, t, corrected):
    """E_{y ~ mu} of reverse_kl_sampled's logged value and of its gradient wrt the student logits z, summed
    exactly over the vocabulary (no sampling noise)."""
    value, grad = 0.0, torch.zeros_like(z)
    for y in range(len(z)):
        if mu[y] == 0:
            continue
        zz = z.clone().requires_grad_(True)
        terms = teacher_terms(t[None], "reverse_kl_sampled", torch.tensor([y]))
        behaviour = torch.log(mu[y])[None] if corrected else None
        loss, v = aopd_token_loss(zz[None], terms, "reverse_kl_sampled", torch.tensor([y]), behaviour_logp=behaviour)
        loss.sum().backward()
        value += float(mu[y]) * float(v.sum())
        grad += mu[y] * zz.grad
    return value, grad


def test_reverse_kl_sampled_from_the_behaviour_policy_needs_the_importance_weight_and_states_the_nucleus_bias():
    """Tokens come from the behaviour policy mu, not from p_S. Exact expectations over a 6-token vocabulary:
    uncorrected, the estimate and its gradient are biased; with w = p_S / mu both are exact where mu covers p_S
    (a policy one push old); under a nucleus the missing part is the KL outside it, the stated bias."""
    torch.manual_seed(1)
    z, t = torch.randn(6) * 1.5, torch.randn(6) * 1.5
    log_s, log_t = torch.log_softmax(z, -1), torch.log_softmax(t, -1)
    p_s = log_s.exp()
    kl = float((p_s * (log_s - log_t)).sum())
    zz = z.clone().requires_grad_(True)
    lsz = torch.log_softmax(zz, -1)
    (lsz.exp() * (lsz - log_t)).sum().backward()
    true_grad = zz.grad

    stale = torch.softmax(z + torch.randn(6) * 0.7, -1)  # the engine's weights one optimizer step behind
    raw_value, raw_grad = _expected_under(stale, z, t, corrected=False)
    value, grad = _expected_under(stale, z, t, corrected=True)
    print(f"KL {kl:.4f}; stale behaviour: uncorrected {raw_value:.4f} (bias {raw_value - kl:+.4f}, gradient error "
          f"{(raw_grad - true_grad).abs().max():.4f}), corrected {value:.4f}")
    assert abs(raw_value - kl) > 0.02 and (raw_grad - true_grad).abs().max() > 0.01  # the bias is real
    assert value == pytest.approx(kl, abs=1e-5) and torch.allclose(grad, true_grad, atol=1e-5)

    order = torch.argsort(p_s, descending=True)  # a nucleus: the smallest tokens are never sampled
    inside = torch.zeros(6, dtype=torch.bool)
    inside[order[:4]] = True
    nucleus = torch.where(inside, p_s, torch.zeros(6))
    nucleus = nucleus / nucleus.sum()
    value, _ = _expected_under(nucleus, z, t, corrected=True)
    outside = float((p_s * (log_s - log_t))[~inside].sum())
    print(f"nucleus of 4 of 6 tokens: corrected {value:.4f}, KL {kl:.4f}, stated bias {-outside:+.4f}")
    assert value == pytest.approx(kl - outside, abs=1e-5) and abs(outside) > 1e-3

"""Known-answer tests for the advantage estimators and losses (values computed by hand, see comments)."""

import math

import pytest
import torch

from protod.train.advantages import ADVANTAGES, grpo_advantage, register_advantage, stpr_turn_advantage, turn_advantages
from protod.train.losses import aopd_loss, kl_penalty, policy_loss, sft_loss, token_logprobs

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


def test_aopd_full_topk_sampled_known_answers():
    student = torch.log(torch.tensor([[[0.75, 0.25]]])).requires_grad_()
    teacher = torch.tensor([[[0.0, 0.0]]], requires_grad=True)  # p_T = (0.5, 0.5)
    mask = torch.ones(1, 1)
    kl = 0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25)
    full = aopd_loss(student, teacher, mask, mode="full")
    assert full.item() == approx(kl)
    full.backward()
    assert student.grad[0, 0].tolist() == approx([0.25, -0.25])  # p_S - p_T
    assert teacher.grad is None  # the teacher gets no gradient
    assert aopd_loss(student, teacher, mask, mode="topk", topk=2).item() == approx(kl)  # k = V is the full KL

    peaked = torch.tensor([[[1.0, 0.0]]])  # p_T = (e/(e+1), 1/(e+1))
    pt0 = math.e / (math.e + 1)
    assert aopd_loss(student, peaked, mask, mode="topk", topk=1).item() == approx(pt0 * (math.log(pt0) - math.log(0.75)))

    student2 = torch.log(torch.tensor([[[0.75, 0.25]]])).requires_grad_()
    sampled = aopd_loss(student2, teacher, mask, mode="sampled", tokens=torch.tensor([[0]]))
    # -sg(log .5 - log .75) * log .75
    assert sampled.item() == approx(-(math.log(0.5) - math.log(0.75)) * math.log(0.75))
    sampled.backward()
    coeff = -(math.log(0.5) - math.log(0.75))
    assert student2.grad[0, 0].tolist() == approx([coeff * 0.25, -coeff * 0.25])
    with pytest.raises(ValueError, match="tokens"):
        aopd_loss(student, teacher, mask, mode="sampled")


def test_kl_penalty_and_token_logprobs():
    logp = torch.log(torch.tensor([[0.5]]))
    ref = torch.log(torch.tensor([[0.25]]))
    d = math.log(0.25) - math.log(0.5)
    assert kl_penalty(logp, ref, torch.ones(1, 1)).item() == approx(math.exp(d) - d - 1)
    assert kl_penalty(logp, logp, torch.ones(1, 1)).item() == 0.0
    logits = torch.log(torch.tensor([[[0.2, 0.8], [0.6, 0.4]]]))
    close(token_logprobs(logits, torch.tensor([[1, 0]])), [[math.log(0.8), math.log(0.6)]])

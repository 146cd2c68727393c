"""vLLM rollouts against protod's own HF decode loop: same tokens, same log-probs, seeds that ignore batching."""

import pytest

from protod.backends.base import SamplingParams

from tests.rollouts_vllm.conftest import forward_logprobs, requires_vllm

pytestmark = requires_vllm

CONVS = [
    [{"role": "system", "content": "You sell things."}, {"role": "user", "content": "Hi"}],
    [{"role": "system", "content": "You are a recruiter calling a restaurant owner about delivery."},
     {"role": "user", "content": "Hello? Who is this, and what do you want from me today?"}],
    [{"role": "system", "content": "x"}, {"role": "user", "content": "a"},
     {"role": "assistant", "content": "b", "token_ids": [65, 66, 67]}, {"role": "user", "content": "and then?"}],
]


def test_greedy_tokens_and_logprobs_match_the_hf_backend(tiny_engine, tiny_hf):
    params = SamplingParams(temperature=0.0, max_new_tokens=12)
    ours, theirs = tiny_engine.generate(CONVS, params, [0, 1, 2]), tiny_hf.generate(CONVS, params, [0, 1, 2])
    for v, h in zip(ours, theirs):
        assert v.ok and v.token_ids == h.token_ids and v.text == h.text and v.finish_reason == h.finish_reason
        assert v.logprobs == pytest.approx(h.logprobs, abs=1e-4)
        assert v.meta["model"] == tiny_engine.name and v.meta["prompt_tokens"] == h.meta["prompt_tokens"]
    # max_new_tokens is a hard cap, and the prompt really is our renderer's ids (assistant ids spliced verbatim)
    assert all(len(g.token_ids) <= 12 for g in ours)
    assert ours[2].meta["prompt_tokens"] == len(tiny_engine.renderer.render(CONVS[2], True).ids)


@pytest.mark.parametrize("temperature", [0.7, 1.3])
def test_sampled_logprobs_are_the_sampling_distribution(tiny_engine, tiny_hf, temperature):
    """The behaviour log-probs a trainer needs: log softmax(logits / T) at each sampled token, teacher-forced."""
    params = SamplingParams(temperature=temperature, max_new_tokens=16)
    for conv, g in zip(CONVS, tiny_engine.generate(CONVS, params, [11, 12, 13])):
        prompt = tiny_engine.renderer.render(conv, True).ids
        expected = forward_logprobs(tiny_hf.model, prompt, g.token_ids, temperature)
        assert g.logprobs == pytest.approx(expected.tolist(), abs=1e-4)
        # and not at temperature 1 (the default "raw" log-probs of vLLM would pass the greedy test above)
        assert max(abs(a - b) for a, b in zip(g.logprobs, forward_logprobs(tiny_hf.model, prompt, g.token_ids).tolist())) > 1e-2


def test_sampling_depends_on_the_seed_not_on_the_batch(tiny_engine):
    params = SamplingParams(temperature=1.0, top_p=0.9, max_new_tokens=10)
    together = tiny_engine.generate(CONVS, params, [7, 8, 9])
    alone = tiny_engine.generate([CONVS[1]], params, [8])[0]
    assert alone.token_ids == together[1].token_ids and alone.logprobs == together[1].logprobs
    assert tiny_engine.generate([CONVS[1]], params, [99])[0].token_ids != alone.token_ids
    repeated = tiny_engine.generate([CONVS[1]] * 3, params, [8, 8, 5])
    assert repeated[0].token_ids == repeated[1].token_ids == alone.token_ids != repeated[2].token_ids


def test_bad_arguments_and_an_over_long_prompt(tiny_engine):
    assert tiny_engine.generate([], SamplingParams(), []) == []
    with pytest.raises(ValueError, match="seeds"):
        tiny_engine.generate(CONVS, SamplingParams(), [1])
    huge = [{"role": "system", "content": "word " * 3000}, {"role": "user", "content": "hi"}]
    out = tiny_engine.generate([CONVS[0], huge], SamplingParams(temperature=0.0, max_new_tokens=4), [0, 1])
    assert out[0].ok and out[0].token_ids
    assert not out[1].ok and out[1].finish_reason == "error" and "max_model_len" in out[1].error


def test_smollm2_through_the_model_spec_matches_the_hf_backend():
    """The real model: `vllm:smollm2` against `smollm2`, greedy, same ids and log-probs (fp32 both sides)."""
    from protod.backends import BackendError, load_backend
    from protod.backends.hf import smollm2_dir

    try:
        smollm2_dir()
    except BackendError as e:
        pytest.skip(str(e))

    vllm_backend, hf_backend = load_backend("vllm:smollm2"), load_backend("smollm2")
    params = SamplingParams(temperature=0.0, max_new_tokens=24)
    gap = 0.0
    for v, h in zip(vllm_backend.generate(CONVS[:2], params, [0, 1]), hf_backend.generate(CONVS[:2], params, [0, 1])):
        assert v.ok and v.token_ids == h.token_ids and v.text == h.text
        assert v.logprobs == pytest.approx(h.logprobs, abs=2e-4)
        gap = max(gap, *(abs(a - b) for a, b in zip(v.logprobs, h.logprobs)))
    print(f"\nvllm:smollm2 engine start {vllm_backend.start_seconds:.1f} s; log-prob gap to the HF backend {gap:.1e}")

"""sync_weights: the running engine samples from the trainer's new weights (full, embedding-only, LoRA-merged).

Each test compares the engine's log-probs with a teacher-forced forward of the updated transformers model: that
is what catches a stale tied lm_head (the embedding moves, the engine's packed head copy would not) and a prefix
cache that still serves keys computed by the old weights. Every test puts the original weights back.
"""

import copy

import pytest
import torch

from protod.backends.base import SamplingParams
from tests.rollouts_vllm.conftest import forward_logprobs, requires_vllm

pytestmark = requires_vllm

GREEDY = SamplingParams(temperature=0.0, max_new_tokens=10)
CONV = [{"role": "system", "content": "You are a recruiter calling a restaurant owner about delivery. " * 12},
        {"role": "user", "content": "Hello? Who is this?"}]  # > one 128-token KV block: the prefix cache holds it


def _perturbed(model, scale, only=None, seed=1):
    new = copy.deepcopy(model)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in new.named_parameters():
            if only is None or only in name:
                p.add_(scale * torch.randn(p.shape, generator=gen))
    return new


def _gap(engine, model, g):
    """Largest |engine log-prob - model log-prob| over g's tokens."""
    prompt = engine.renderer.render(CONV, True).ids
    return (forward_logprobs(model, prompt, g.token_ids) - torch.tensor(g.logprobs)).abs().max().item()


@pytest.fixture
def engine(tiny_engine, tiny_hf):
    yield tiny_engine
    tiny_engine.sync_weights(tiny_hf.model)  # the session engine leaves every test with the saved weights


@pytest.mark.parametrize("only", [None, "embed_tokens"], ids=["all-weights", "tied-embedding-only"])
def test_synced_engine_matches_the_updated_model(engine, tiny_hf, only):
    before = engine.generate([CONV], GREEDY, [0])[0]
    assert _gap(engine, tiny_hf.model, before) < 1e-4
    assert engine.generate([CONV], GREEDY, [0])[0].meta["cached_tokens"] >= 128  # the prompt is in the prefix cache
    updated = _perturbed(tiny_hf.model, 0.05 if only is None else 0.3, only)
    seconds = engine.sync_weights(updated)
    after = engine.generate([CONV], GREEDY, [0])[0]
    assert after.meta["cached_tokens"] == 0  # old-weight KV is gone
    assert _gap(engine, updated, after) < 1e-4
    # and the update was not a no-op: the old model no longer explains what the engine does
    assert after.token_ids != before.token_ids or max(abs(a - b) for a, b in zip(after.logprobs, before.logprobs)) > 1e-2
    assert _gap(engine, tiny_hf.model, after) > 1e-2
    print(f"\nsync_weights ({'all' if only is None else only}): {seconds:.2f} s")


def test_state_dict_and_round_trip(engine, tiny_hf):
    before = engine.generate([CONV], GREEDY, [0])[0]
    updated = _perturbed(tiny_hf.model, 0.05)
    engine.sync_weights(dict(updated.state_dict()))
    assert _gap(engine, updated, engine.generate([CONV], GREEDY, [0])[0]) < 1e-4
    engine.sync_weights(tiny_hf.model)
    back = engine.generate([CONV], GREEDY, [0])[0]
    assert back.token_ids == before.token_ids and back.logprobs == pytest.approx(before.logprobs, abs=1e-6)


def test_lora_model_is_merged_for_the_push_and_left_unmerged(engine, tiny_hf):
    peft = pytest.importorskip("peft")
    base = copy.deepcopy(tiny_hf.model)
    lora = peft.get_peft_model(base, peft.LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "down_proj"]))
    with torch.no_grad():  # LoRA's B starts at zero (a no-op adapter): give it weight
        for name, p in lora.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.3, generator=torch.Generator().manual_seed(3))
    prompt = engine.renderer.render(CONV, True).ids
    probe = torch.tensor([prompt])
    snapshot = {k: v.clone() for k, v in lora.state_dict().items()}
    with torch.no_grad():
        logits_before = lora(input_ids=probe).logits
    engine.sync_weights(lora)
    # the trainer's model is untouched, bit for bit: merge + unmerge in place would drift by rounding every step
    assert all(torch.equal(v, snapshot[k]) for k, v in lora.state_dict().items())
    with torch.no_grad():
        assert torch.equal(lora(input_ids=probe).logits, logits_before)
    merged = copy.deepcopy(lora).merge_and_unload()
    g = engine.generate([CONV], GREEDY, [0])[0]
    assert _gap(engine, merged, g) < 1e-4 and _gap(engine, tiny_hf.model, g) > 1e-2


def test_empty_state_dict_is_refused(engine):
    with pytest.raises(ValueError, match="no tensors"):
        engine.sync_weights({})


def test_a_lora_model_on_a_bf16_base_pushes_its_adapter_into_the_float32_engine(engine, tiny_hf):
    """Issue 21 item 3 with the real engine: base weights in bf16, adapters ~1e-3 of a weight (below bf16
    resolution), the CPU engine in float32. After the push the engine's log-probs are the trainer's adapted
    model's (its own parameters evaluated in float32), not the base's."""
    from peft import LoraConfig, get_peft_model

    from protod.train.checkpoint import cast_parameters

    base = cast_parameters(copy.deepcopy(tiny_hf.model), torch.bfloat16)
    lora = get_peft_model(base, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
    gen = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for name, p in lora.named_parameters():
            if "lora_B" in name:
                p.data = (1e-2 * torch.randn(p.shape, generator=gen)).float()
    trainer = copy.deepcopy(lora).float().eval()  # the trainer's parameters, evaluated in float32
    engine.sync_weights(lora)
    after = engine.generate([CONV], GREEDY, [0])[0]
    gap = _gap(engine, trainer, after)
    with lora.disable_adapter():
        base_gap = _gap(engine, copy.deepcopy(lora).float().eval(), after)
    print(f"\nbf16 base + LoRA pushed to the fp32 engine: gap to the trainer {gap:.1e}, to the base {base_gap:.1e}")
    assert gap < 1e-4 and base_gap > 100 * gap

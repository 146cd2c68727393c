"""One numeric policy for rollouts and update (config `precision`), LoRA weights pushed to an engine without losing
the adapter, and thinking chat templates told not to think, with the prompt the agent sampled after equal to the
context its tokens are trained in. CPU only, tiny models, seconds."""

import copy

import pytest
import torch

import importlib.util
from pathlib import Path

# `from conftest import ...` picks tests/rollouts_vllm/conftest.py when the whole suite is collected: load ours by path.
_spec = importlib.util.spec_from_file_location("_tests_conftest", Path(__file__).with_name("conftest.py"))
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)
make_tiny_model = _conftest.make_tiny_model
from protod.backends.chat_tokens import ChatRenderer
from protod.backends.vllm_backend import full_weights
from protod.train.config import load_config


def _logprobs(model, ids):
    with torch.no_grad():
        logits = model(input_ids=ids).logits.float()
    return torch.log_softmax(logits[0, :-1], -1).gather(-1, ids[0, 1:, None])[:, 0]


def _bf16_lora(tokenizer, scale):
    """A tiny model with bf16 base weights and float32 LoRA adapters whose delta is ~`scale` of the weights."""
    from peft import LoraConfig, get_peft_model

    from protod.train.checkpoint import cast_parameters

    base = cast_parameters(make_tiny_model(tokenizer, seed=3), torch.bfloat16)  # buffers (rotary) stay float32
    model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
    torch.manual_seed(5)
    for name, p in model.named_parameters():
        if "lora_" in name:
            p.data = p.data.float()
            if "lora_B" in name:
                p.data.normal_(0, scale)
    return model


def test_a_lora_push_onto_a_float32_engine_keeps_the_adapter_of_a_bf16_base(smollm2_tokenizer):
    """The issue's case: base weights bf16, adapters early in training (delta ~1e-3 of a weight, under bf16
    resolution), the engine in float32. The pushed weights' log-probs equal the trainer's adapted model's."""
    from transformers import Qwen2ForCausalLM

    model = _bf16_lora(smollm2_tokenizer, scale=1e-3)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    ids = torch.tensor([smollm2_tokenizer.encode("Hello there, would you like to sell on our platform this week?")])
    trainer = _logprobs(copy.deepcopy(model).float(), ids)  # the trainer's parameters, evaluated in float32
    with model.disable_adapter():
        base = _logprobs(copy.deepcopy(model).float(), ids)

    engine = Qwen2ForCausalLM(copy.deepcopy(model.get_base_model().config)).float().eval()
    engine.load_state_dict(dict(full_weights(model, dtype=torch.float32)), strict=True)
    pushed = _logprobs(engine, ids)
    # the old merge: the delta cast to the base's dtype and added there, then the engine's cast
    old = {}
    for n, m in model.get_base_model().named_modules():
        if hasattr(m, "get_delta_weight") and hasattr(m, "base_layer"):
            old[f"{n}.weight"] = (m.base_layer.weight + m.get_delta_weight("default").to(torch.bfloat16)).float()
    state = dict(full_weights(model, dtype=torch.float32)) | old
    engine.load_state_dict(state, strict=True)
    old_pushed = _logprobs(engine, ids)

    adapter_effect = (trainer - base).abs().max().item()
    new_error = (pushed - trainer).abs().max().item()
    old_error = (old_pushed - trainer).abs().max().item()
    print(f"adapter effect {adapter_effect:.2e}, fp32 merge error {new_error:.2e}, bf16 merge error {old_error:.2e}")
    assert adapter_effect > 1e-4  # the adapter changes the policy measurably
    assert new_error < 5e-5 and new_error < adapter_effect / 100  # float32 summation order
    assert old_error > 10 * new_error  # what the float32 merge fixes
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())  # the trainer's weights untouched


def test_a_lora_push_onto_a_bf16_engine_is_the_float32_sum_cast_once(smollm2_tokenizer):
    model = _bf16_lora(smollm2_tokenizer, scale=1e-2)
    pushed = dict(full_weights(model, dtype=torch.bfloat16))
    layer = model.get_base_model().model.layers[0].self_attn.q_proj
    exact = layer.base_layer.weight.float() + (layer.lora_B["default"].weight @ layer.lora_A["default"].weight) * layer.scaling["default"]
    assert pushed["model.layers.0.self_attn.q_proj.weight"].dtype == torch.bfloat16
    assert torch.equal(pushed["model.layers.0.self_attn.q_proj.weight"], exact.to(torch.bfloat16))


@pytest.mark.parametrize("precision, device, expected", [("auto", "cpu", "float32"), ("auto", "cuda", "bfloat16"),
                                                         ("float32", "cuda", "float32"), ("bfloat16", "cpu", "bfloat16")])
def test_one_precision_policy_by_device(precision, device, expected):
    cfg = load_config(None, [f"precision={precision}"])
    assert cfg.dtype_name(device) == expected
    assert cfg.enforce_eager(device) is (device != "cuda")  # CUDA graphs on GPU, eager on CPU


def test_the_policy_loads_in_the_precision_with_float32_trainable_parameters(tmp_path):
    from protod.train.checkpoint import frozen_copy, load_policy

    lora = load_config(None, ["model=tiny-random", "lora=true"])
    model, _, _ = load_policy(lora, tmp_path / "a", "bfloat16")
    dtypes = {(p.requires_grad, p.dtype) for p in model.parameters()}
    assert dtypes == {(False, torch.bfloat16), (True, torch.float32)}
    full = load_config(None, ["model=tiny-random", "lora=false"])
    model, _, _ = load_policy(full, tmp_path / "b", "bfloat16")
    assert {p.dtype for p in model.parameters()} == {torch.float32}  # master weights
    assert {p.dtype for p in frozen_copy(model, "bfloat16").parameters()} == {torch.bfloat16}


# A chat template that behaves like Qwen3's (written for this test): the generation prompt opens an empty think
# block when enable_thinking is false; assistant turns before the last user message render without one.
QWEN3_STYLE = (
    "{%- set ns = namespace(last_user=-1) -%}"
    "{%- for m in messages -%}{%- if m.role == 'user' -%}{%- set ns.last_user = loop.index0 -%}{%- endif -%}{%- endfor -%}"
    "{%- for m in messages -%}"
    "{%- if m.role == 'assistant' -%}"
    "{{ '<|im_start|>assistant\\n' }}{%- if loop.index0 > ns.last_user -%}{{ '<think>\\n\\n</think>\\n\\n' }}{%- endif -%}"
    "{{ m.content + '<|im_end|>\\n' }}"
    "{%- else -%}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false -%}{{ '<think>\\n\\n</think>\\n\\n' }}{%- endif -%}"
    "{%- endif -%}"
)


@pytest.fixture(scope="module")
def qwen3_style_tokenizer(smollm2_tokenizer):
    tok = copy.deepcopy(smollm2_tokenizer)
    tok.chat_template = QWEN3_STYLE
    return tok


def test_thinking_is_off_by_default_for_agents(qwen3_style_tokenizer):
    cfg = load_config(None)
    assert cfg.chat_template_args == {"enable_thinking": False}
    conv = [{"role": "system", "content": "You recruit merchants."}, {"role": "user", "content": "Hi."}]
    off = qwen3_style_tokenizer.decode(ChatRenderer(qwen3_style_tokenizer, cfg.chat_template_args).render(conv, True).ids)
    on = qwen3_style_tokenizer.decode(ChatRenderer(qwen3_style_tokenizer, {}).render(conv, True).ids)
    default = qwen3_style_tokenizer.decode(ChatRenderer(qwen3_style_tokenizer).render(conv, True).ids)  # eval agents too
    assert off == default and off.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert on.endswith("<|im_start|>assistant\n")  # the model would open its own <think> block


def test_sampled_tokens_are_trained_in_the_context_they_were_sampled_in(qwen3_style_tokenizer):
    """Three agent turns sampled by a tiny model behind a Qwen3-style template with thinking off: in the training
    rendering of the whole dialogue, each turn's tokens are the sampled ones and everything before them is exactly
    the generation prompt they were sampled after (the empty think block included)."""
    from protod.backends.base import SamplingParams
    from protod.backends.hf import HFBackend

    tok = qwen3_style_tokenizer
    backend = HFBackend(make_tiny_model(tok), tok, template_args={"enable_thinking": False})
    conv = [{"role": "system", "content": "You recruit merchants."}]
    prompts, sampled = [], []
    for k, user in enumerate(["Hi, who are you?", "What are the fees?", "I worry about delivery times."]):
        conv.append({"role": "user", "content": user})
        prompts.append(backend.renderer.render(conv, add_generation_prompt=True).ids)
        gen = backend.generate([conv], SamplingParams(temperature=1.0, top_p=1.0, max_new_tokens=8), seeds=[k])[0]
        sampled.append(gen.token_ids)
        conv.append({"role": "assistant", "content": gen.text, "token_ids": gen.token_ids})
    conv.append({"role": "user", "content": "Thanks."})
    whole = backend.renderer.render(conv, add_generation_prompt=False)
    for (start, end), prompt, ids in zip(whole.agent_spans, prompts, sampled):
        assert whole.ids[start:end] == list(ids)
        assert whole.ids[:start] == prompt, tok.decode(whole.ids[:start])[-80:]
    assert tok.decode(whole.ids).count("<think>") == 3

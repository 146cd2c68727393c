import pytest

from protod.world import builtin_scenarios, load_scenario

PACKS = builtin_scenarios()


@pytest.fixture(params=PACKS)
def pack(request):
    return load_scenario(request.param)


@pytest.fixture(scope="session")
def smollm2_tokenizer():
    """The SmolLM2 tokenizer (from the embedded GGUF, converted once and cached by protod)."""
    pytest.importorskip("transformers")
    from transformers import AutoTokenizer

    from protod.backends.base import BackendError
    from protod.backends.hf import smollm2_dir

    try:
        path = smollm2_dir()
    except BackendError as e:
        pytest.skip(str(e))
    return AutoTokenizer.from_pretrained(path, local_files_only=True)


def make_tiny_model(tokenizer, seed=0, layers=2, hidden=64):
    """A randomly initialised Qwen2-architecture model with the SmolLM2 vocabulary (seconds to build, CPU)."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096, tie_word_embeddings=True,
        initializer_range=0.3,  # peaked logits: greedy choices are not decided by float noise
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    return Qwen2ForCausalLM(config).eval()


@pytest.fixture(scope="session")
def tiny_backend(smollm2_tokenizer):
    from protod.backends.hf import HFBackend

    return HFBackend(make_tiny_model(smollm2_tokenizer), smollm2_tokenizer, name="hf:tiny-qwen2")

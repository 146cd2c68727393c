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

from protod.backends.hf import load_any  # noqa: F401  (where it was; trainer and tests load checkpoints through here)
from protod.store.records import CHECKPOINT_META
from protod.train.config import TrainConfig

STATE_FILE = "trainer_state.pt"
# save_pretrained's shard size: a model above it is written as model-0000k-of-0000n.safetensors + an index, which
# `load_weights` reads back (tests lower it to exercise shards on a tiny model).
MAX_SHARD_SIZE = "5GB"
FULL_VOCAB = 49_152  # SmolLM2's tokenizer, which tiny-random models cut down (protod.train.vocab)


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


def load_policy(cfg: TrainConfig, out_dir: Path, dtype: str = "float32", fresh_base: bool = True,
                pack: Any = None) -> tuple[Any, Any, dict[str, Any]]:
    """(model ready to train, tokenizer, base-model record). LoRA adapters are added when cfg.lora.

    `dtype` is the precision policy (TrainConfig.dtype_name): LoRA keeps the frozen base in it and the adapters in
    float32; a full fine-tune loads float32 master weights whatever it is (bf16 parameters would drop updates below
    bf16 resolution; the forwards still run under the policy's autocast). A tiny-random base model is saved afresh
    when `fresh_base` (a new run: a failed earlier attempt may have left one of another size) and otherwise reused,
    after checking its size (a resumed run; the other ranks of a new one). Its vocabulary is cut to `pack`'s
    (cfg.scenario's when None) unless cfg.tiny_vocab is "full" (protod.train.vocab)."""
    from transformers import AutoModelForCausalLM

    from protod.backends.hf import load_tokenizer, smollm2_dir

    if cfg.model == "tiny-random":
        base_dir = out_dir / "base-model"  # saved so that checkpoints can be loaded without the trainer
        if fresh_base or not (base_dir / "config.json").exists():
            tokenizer = load_tokenizer(smollm2_dir())
            if cfg.tiny_vocab == "pack":
                from protod.train.vocab import pack_token_ids, trimmed_tokenizer

                world = pack if pack is not None else _load_pack(cfg.scenario)
                tokenizer = trimmed_tokenizer(tokenizer, pack_token_ids(world, tokenizer))
            model = tiny_random_model(tokenizer, cfg.tiny_hidden, cfg.tiny_layers, cfg.seed, cfg.tiny_init_range)
            _save_base(model, tokenizer, base_dir)
        else:  # a resumed run (or another rank of a new one) starts from the very same weights and vocabulary
            _check_base(base_dir, cfg)
            tokenizer = load_tokenizer(base_dir)
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


def _load_pack(scenario: str) -> Any:
    from protod.world import load_scenario

    return load_scenario(scenario)


def _save_base(model: Any, tokenizer: Any, base_dir: Path) -> None:
    """Written beside, then swapped in: a kill or a full disk never leaves a half-written base model."""
    import shutil

    from protod.store.files import os_error_of, write_failed

    partial = base_dir.with_name(base_dir.name + ".partial")
    try:
        shutil.rmtree(partial, ignore_errors=True)
        model.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        if base_dir.exists():
            shutil.rmtree(base_dir)
        os.replace(partial, base_dir)
    except Exception as e:  # the tokenizer (Rust) reports a full disk as a plain Exception "(os error 28)"
        shutil.rmtree(partial, ignore_errors=True)
        if (err := os_error_of(e)) is None:
            raise
        raise write_failed(base_dir, err, "nothing of this run was written yet") from None


def _check_base(base_dir: Path, cfg: TrainConfig) -> None:
    """A resumed tiny-random run must find the base model of its own size (one hidden size recorded, another trained
    is the mixing `train --overwrite` used to allow)."""
    try:
        saved = json.loads((base_dir / "config.json").read_text(encoding="utf-8"))
        got = (saved["hidden_size"], saved["num_hidden_layers"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ValueError(f"{base_dir / 'config.json'}: unreadable; pass --overwrite to start the run afresh") from None
    if got != (cfg.tiny_hidden, cfg.tiny_layers):
        raise ValueError(f"{base_dir}: holds a {got[0]}-d, {got[1]}-layer model but the config asks for "
                         f"tiny_hidden={cfg.tiny_hidden}, tiny_layers={cfg.tiny_layers}; pass --overwrite to start afresh")
    full = saved.get("vocab_size") == FULL_VOCAB
    if full != (cfg.tiny_vocab == "full"):
        raise ValueError(f"{base_dir}: holds a model over {saved.get('vocab_size')} tokens but the config asks for "
                         f"tiny_vocab={cfg.tiny_vocab}; pass --overwrite to start afresh")


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


def clear_run(out_dir: Path) -> None:
    """What `train --overwrite` removes: everything a training run writes (its log, config, checkpoints and the saved
    tiny-random base model, which a new run of another size must not reuse), nothing else."""
    import shutil

    if not out_dir.is_dir():
        return
    for name in ("train_log.jsonl", "config.yaml", "run.json", "demo_seconds.json"):
        (out_dir / name).unlink(missing_ok=True)
    owned = [p for p in out_dir.glob("checkpoint-*") if re.fullmatch(r"checkpoint-\d+", p.name)]
    for path in [*owned, out_dir / "base-model", out_dir / "base-model.partial"]:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


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
        try:
            return load_file(single)
        except Exception as e:  # a truncated or foreign file
            raise damaged(single, e) from None
    if index.is_file():
        try:
            shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError(f"{index}: not a safetensors index (expected a weight_map)") from None
        state: dict[str, torch.Tensor] = {}
        for shard in shards:
            if not (ckpt / shard).is_file():
                raise ValueError(f"{ckpt}: {index.name} lists {shard}, which is missing; cannot resume from it")
            try:
                state.update(load_file(ckpt / shard))
            except Exception as e:
                raise damaged(ckpt / shard, e) from None
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
            raise ValueError(f"{ckpt / 'adapter_model.safetensors'}: the adapter does not fit this model ({_first_line(err)}); "
                             "refusing to resume") from None
        missing = sorted(set(result.missing_keys) & expected)
        unexpected = sorted(result.unexpected_keys)
    else:
        state = read_weights(ckpt, "model")
        try:
            result = model.load_state_dict(state, strict=False)
        except RuntimeError as err:
            raise ValueError(f"{ckpt / 'model.safetensors'}: the weights do not fit this model ({_first_line(err)}); "
                             "refusing to resume") from None
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


def damaged(path: Path, e: BaseException) -> ValueError:
    """A checkpoint file that cannot be this run's: one line naming it and the way out."""
    what = " ".join(str(e).split())[:120] or type(e).__name__
    return ValueError(f"{path}: damaged or from another run ({what}); delete {path.parent.name}/ to resume from the "
                      "checkpoint before it, or pass --overwrite to start afresh")


def restore_state(trainer: Any, ckpt: Path, write_log: bool = True, load_optimizer: Any = None) -> int:
    """Optimizer, scheduler and RNG from `ckpt` into `trainer` (the weights: `load_weights`); drop the log lines
    written after it (when `write_log`: one process of a multi-process run rewrites the log). `load_optimizer(state)`
    replaces `optimizer.load_state_dict` (sharded training). Returns the checkpoint's step."""
    state_file = ckpt / STATE_FILE
    try:
        state = torch.load(state_file, weights_only=False)
        if not isinstance(state, dict) or not {"step", "optimizer", "scheduler", "torch_rng"} <= set(state):
            raise ValueError("expected a dict with step, optimizer, scheduler and torch_rng")
        if type(state["step"]) is not int or not 0 <= state["step"] <= 10**9:
            raise ValueError(f"step: expected a step number, got {str(state['step'])[:40]}")
    except Exception as e:  # an empty or torn file (EOFError, unpickling)
        raise damaged(state_file, e) from None
    _check_schedule(trainer, ckpt, state)  # an extended schedule is refused in one line, before anything is loaded
    try:
        (load_optimizer or trainer.optimizer.load_state_dict)(state["optimizer"])
        trainer.scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
    except Exception as e:  # another run's optimizer shapes
        raise damaged(state_file, e) from None
    step = state["step"]
    log = ckpt.parent / "train_log.jsonl"
    if write_log and log.exists():  # steps after the checkpoint will be redone: keep exactly one line per step
        from protod.store.records import TrainLogLine
        from protod.store.files import atomic_write_text, read_jsonl

        records = read_jsonl(log, TrainLogLine, "delete the run's log and checkpoints, or pass --overwrite")
        lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
        atomic_write_text(log, "".join(line + "\n" for line, r in zip(lines, records) if r.step <= step))
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


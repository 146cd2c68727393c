"""The one training config: every field documented, shared by `protod train --config` and the Python Trainer."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Algo = Literal["sft", "grpo", "stpr", "aopd", "siavpo"]


class SFTSource(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str = Field(description="Scripted agent whose transcripts are imitated (passive, prober, oracle, ...).")
    view: Literal["deployable", "privileged"] = Field("deployable", description="The view the transcripts are rendered in.")
    dialogues: int = Field(64, ge=1, description="How many transcripts to sample from this agent.")


class TrainConfig(BaseModel):
    """Everything a training run depends on. Unknown keys are rejected (a typo must not silently do nothing)."""

    model_config = ConfigDict(extra="forbid")

    # What to train
    algo: Algo = Field("siavpo", description="sft | grpo | stpr | aopd | siavpo (= STPR + aopd_beta * AOPD).")
    scenario: str = Field("merchant_recruitment", description="Scenario pack id or YAML path.")
    model: str = Field("smollm2", description="Starting policy: smollm2 | hf:<dir> | tiny-random (small random Qwen2, for tests).")
    tiny_hidden: int = Field(64, ge=8, description="tiny-random: hidden size.")
    tiny_layers: int = Field(2, ge=1, description="tiny-random: layers.")
    tiny_init_range: float = Field(0.02, gt=0, description="tiny-random: init std (larger = more peaked outputs).")
    device: str | None = Field(None, description="cpu, cuda, ... (default: where the model loads).")
    seed: int = Field(0, description="Seeds model init (tiny-random), rollouts and dropout.")

    # Rollouts
    max_steps: int = Field(20, ge=1, description="Optimizer steps.")
    personas_per_step: int = Field(4, ge=1, description="Distinct training personas per step.")
    group_size: int = Field(4, ge=1, description="G: rollouts per persona (a GRPO group).")
    persona_seed: int = Field(1000, description="Training personas come from this seed; evaluate on another.")
    stratum: str | None = Field(None, description="Restrict training personas to a stratum, difficulty or concern.")
    temperature: float = Field(1.0, gt=0, description="Rollout sampling temperature.")
    top_p: float = Field(1.0, gt=0, le=1, description="Rollout nucleus sampling.")
    max_new_tokens: int = Field(48, ge=1, description="Agent tokens per turn.")
    rollout_batch: int = Field(64, ge=1, description="Dialogues generated together.")
    simulator: Literal["rule", "cus-llm", "prompted"] = Field("rule", description="User simulator for rollouts.")
    sim_model: str | None = Field(None, description="Model spec for an LLM simulator.")

    # Policy-gradient part (grpo, stpr, siavpo)
    advantage: str | None = Field(None, description="Estimator name from protod.train.advantages (default: grpo for grpo, stpr otherwise).")
    delta_min: float = Field(0.0, ge=0, description="STPR: |stance change| at or below this keeps the trajectory advantage.")
    stpr_lambda: float = Field(0.0, ge=0, description="STPR: lam * sign(delta) for groups whose rewards are all equal (ablation; 0 = off).")
    clip_eps: float = Field(0.2, gt=0, description="PPO clip on the ratio.")
    clip_low: float | None = Field(None, gt=0, description="DAPO asymmetric clip: lower side (overrides clip_eps).")
    clip_high: float | None = Field(None, gt=0, description="DAPO asymmetric clip: upper side, e.g. 0.28.")
    updates_per_batch: int = Field(1, ge=1, description="Optimizer passes over each rollout batch (> 1 makes the clip matter).")
    filter_zero_variance: bool = Field(True, description="Drop groups whose rewards are all equal from the PG loss (they carry no GRPO signal); counted in the log.")
    kl_coef: float = Field(0.0, ge=0, description="Weight of a KL penalty to the initial policy (0 = off).")

    # AOPD part (aopd, siavpo)
    aopd_beta: float = Field(1.0, ge=0, description="Weight of the AOPD loss in siavpo.")
    aopd_mode: Literal["full", "topk", "sampled"] = Field("full", description="KL(teacher || student) over the full vocabulary, the teacher's top-k, or the sampled-token estimator.")
    aopd_topk: int = Field(64, ge=1, description="k for aopd_mode=topk.")
    teacher: Literal["frozen", "current"] = Field("frozen", description="frozen: initial weights (adapters disabled); current: the policy now, no grad.")
    teacher_concerns: bool | Literal["random", "none"] = Field(True, description="What the teacher's privileged view shows: the user's concerns (true), another persona's (random), or none (external traits only).")

    # SFT
    sft_data: list[SFTSource] = Field(default_factory=lambda: [SFTSource(agent="oracle")], description="Transcript sources for algo=sft.")
    sft_batch: int = Field(8, ge=1, description="Dialogues per SFT optimizer step.")

    # Optimisation
    lora: bool = Field(True, description="Train LoRA adapters (false: full fine-tune).")
    lora_r: int = Field(16, ge=1)
    lora_alpha: int = Field(32, ge=1)
    lora_dropout: float = Field(0.0, ge=0, lt=1)
    lora_targets: list[str] = Field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])
    lr: float = Field(1e-4, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    max_grad_norm: float = Field(1.0, gt=0)
    warmup_steps: int = Field(0, ge=0)
    schedule: Literal["constant", "linear", "cosine"] = Field("constant")
    save_every: int = Field(10, ge=1, description="Checkpoint every N steps (and at the end).")

    @model_validator(mode="after")
    def _consistent(self) -> TrainConfig:
        if self.simulator != "rule" and not self.sim_model:
            raise ValueError(f"simulator {self.simulator} needs sim_model")
        return self

    @property
    def advantage_name(self) -> str:
        return self.advantage or ("grpo" if self.algo == "grpo" else "stpr")

    @property
    def uses_pg(self) -> bool:
        return self.algo in ("grpo", "stpr", "siavpo")

    @property
    def uses_aopd(self) -> bool:
        return self.algo in ("aopd", "siavpo")


def _coerce(value: str) -> Any:
    """`--set key=value`: YAML scalar rules (true, 3, 0.5, null, [a, b])."""
    return yaml.safe_load(value)


def _parse_yaml(source: Path | str, where: str) -> Any:
    """YAML (safe types only: no !!python tags) from a file or a --set value; any failure is one line naming `where`."""
    try:
        text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
        if len(text) > 1_000_000:
            raise ValueError("larger than 1 MB")
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None and isinstance(source, Path) else ""
        what = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ValueError(f"{where}{line}: not valid YAML: {what}") from None
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError is a ValueError
        raise ValueError(f"{where}: cannot read it ({str(err).splitlines()[0][:120] or type(err).__name__})") from None


def load_config(path: str | Path | None = None, overrides: list[str] | None = None) -> TrainConfig:
    """Read a YAML config and apply `key=value` overrides. Errors are one line naming the file and the field."""
    data: dict[str, Any] = {}
    source = str(path) if path else "<defaults>"
    if path:
        p = Path(path)
        if not p.is_file():
            raise ValueError(f"{p}: no such config file")
        loaded = _parse_yaml(p, str(p)) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{p}: expected a mapping of config keys")
        data.update(loaded)
    for item in overrides or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--set {item!r}: expected key=value")
        data[key.strip()] = _parse_yaml(value, f"--set {item!r}")
    for key, value in data.items():  # a config number must be finite (an lr of .inf passes `gt=0`)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{source}: {key}: must be a finite number, got {value}")
    try:
        return TrainConfig.model_validate(data)
    except ValidationError as err:
        e = err.errors()[0]
        field = ".".join(str(x) for x in e["loc"]) or "<config>"
        msg = "unknown key (check the spelling)" if e["type"] == "extra_forbidden" else e["msg"]
        more = f" (+{len(err.errors()) - 1} more)" if len(err.errors()) > 1 else ""
        raise ValueError(f"{source}: {field}: {msg}{more}") from None

"""The one training config: every field documented, shared by `protod train --config` and the Python Trainer."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

Algo = Literal["sft", "grpo", "stpr", "aopd", "siavpo"]
AOPDMode = Literal["forward_kl", "forward_kl_topk", "reverse_kl", "reverse_kl_sampled", "generalized_jsd"]
# Names used before the modes were named for what they optimise: a one-line error points to the new ones.
RENAMED_AOPD_MODES = {"full": "forward_kl", "topk": "forward_kl_topk", "sampled": "reverse_kl_sampled"}
# Keys that became one precision policy (rollouts and update in the same numerics): a one-line error says so.
REPLACED_KEYS = {"bf16": "precision (auto | bfloat16 | float32: one policy for rollouts and update)",
                 "vllm_dtype": "precision (auto | bfloat16 | float32: the engine follows it)"}


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
    tiny_vocab: Literal["pack", "full"] = Field("pack", description="tiny-random: its vocabulary. pack = SmolLM2's tokens that the pack's text and scripted dialogues on it use, closed under the BPE merges that spell them (~2k; other text reads in shorter pieces; protod.train.vocab); full = all 49,152 (the output layer is then most of the model's compute).")
    device: str | None = Field(None, description="cpu, cuda, ... (default: where the model loads).")
    seed: int = Field(0, description="Seeds model init (tiny-random), rollouts and dropout.")

    # Rollouts
    max_steps: int = Field(20, ge=1, description="Optimizer steps.")
    personas_per_step: int = Field(4, ge=1, description="Distinct training personas per step.")
    group_size: int = Field(4, ge=1, description="G: rollouts per persona (a GRPO group).")
    persona_seed: int = Field(1000, description="Training personas come from this seed; evaluate on another.")
    stratum: str | None = Field(None, description="Restrict training personas to a stratum, difficulty or concern.")
    temperature: float = Field(1.0, gt=0, description="Rollout sampling temperature. The PG log-probs (ratio, KL penalty) and both AOPD distributions are taken at logits / temperature, so training is on the distribution sampled from.")
    top_p: float = Field(1.0, gt=0, le=1, description="Rollout nucleus sampling. The PG log-probs use the same nucleus, renormalised (the sampling distribution).")
    max_new_tokens: int = Field(48, ge=1, description="Agent tokens per turn.")
    rollout_batch: int = Field(64, ge=1, description="Dialogues generated together.")
    simulator: Literal["rule", "semantic", "cus-llm", "prompted"] = Field("rule", description="User simulator for rollouts.")
    sim_model: str | None = Field(None, description="Model spec for an LLM simulator.")
    rollout_engine: Literal["hf", "vllm"] = Field("hf", description="What samples the rollouts: hf = protod's own decode loop on the trained model (batched, KV reuse); vllm = an in-process vLLM engine (one per rank) started on the policy's weights (saved merged to <out>/rollout-policy at start and on resume), with every optimizer step's weights pushed into it (needs vLLM: `make vllm-env` on CPU, pip install 'protod[vllm]' on GPU). Either way the trainer recomputes the sampled tokens' log-probs; train_log's behaviour_logprob_gap shows how far they are from the engine's.")
    vllm_enforce_eager: bool | None = Field(None, description="rollout_engine vllm: no graph compilation. Default: true on CPU (compiling costs minutes at every start), false on GPU (CUDA graphs, faster once started).")
    vllm_kv_cache_gb: float | None = Field(None, gt=0, description="rollout_engine vllm: the engine's KV cache in GiB. Default: sized at start from the device's memory and the rollout batch - enough for rollout_batch dialogues of vllm_max_model_len tokens, capped by what the trainer's budget (protod.train.sizing) and the engine's weights leave of the device (CPU: a quarter of the available RAM). `protod train --preflight` prints the numbers.")
    vllm_max_model_len: int = Field(4096, ge=64, description="rollout_engine vllm: the longest dialogue (prompt + all turns) in tokens; the KV cache must hold at least one.")
    chat_template_args: dict[str, Any] = Field(default_factory=lambda: {"enable_thinking": False}, description="Extra arguments to the policy's chat template (tokenizer.apply_chat_template), for its rollout prompts and training sequences alike. enable_thinking: false (default): a thinking template (Qwen3) is told not to open a <think> block, which the user would otherwise hear and which would eat max_new_tokens; templates without the variable ignore it.")
    device_memory_gb: float | None = Field(None, gt=0, description="The memory of one accelerator (GB, 1e9 bytes) this config is planned for: `protod train --preflight` checks the budget against it where no such device is present (a present device's own memory wins).")
    # Policy-gradient part (grpo, stpr, siavpo)
    advantage: str | None = Field(None, description="Estimator name from protod.train.advantages (default: grpo for grpo, stpr otherwise).")
    delta_min: float = Field(0.0, ge=0, description="STPR: |stance change| at or below this keeps the trajectory advantage.")
    stpr_lambda: float = Field(0.0, ge=0, description="STPR: lam * sign(delta) for groups whose rewards are all equal (ablation; 0 = off).")
    clip_eps: float = Field(0.2, gt=0, description="PPO clip on the ratio pi_theta / pi_behaviour. With updates_per_batch = 1 the ratio is 1 up to rollout/trainer numerics, so the clip cannot act (a warning says so).")
    clip_low: float | None = Field(None, gt=0, description="DAPO asymmetric clip: lower side (overrides clip_eps).")
    clip_high: float | None = Field(None, gt=0, description="DAPO asymmetric clip: upper side, e.g. 0.28.")
    updates_per_batch: int = Field(1, ge=1, description="Optimizer passes over each rollout batch (> 1 makes the clip matter).")
    tis_cap: float | None = Field(None, gt=0, description="Truncated importance sampling for rollout/trainer mismatch: the ratio's denominator becomes the trainer's own log-probs at the start of the update (pi_old) and each token's PG term is weighted by min(pi_old / pi_sample, tis_cap), pi_sample = the rollout's recorded log-probs. None: the ratio is pi_theta / pi_sample directly.")
    errored_dialogues: Literal["drop_group", "zero_reward"] = Field("drop_group", description="A dialogue that ended in an error (a failed generation or simulator call): drop_group (default) = its whole group leaves the step (the others' advantages would be normalised against a survivor-biased baseline); zero_reward = it stays in its group with reward 0 (its turns, if any, are trained). Either way train_log counts dialogues_errored and groups_errored.")
    filter_zero_variance: bool = Field(True, description="Drop groups whose rewards are all equal from the PG loss (they carry no GRPO signal); counted in the log.")
    kl_coef: float = Field(0.0, ge=0, description="Weight of a k3 KL penalty to the initial policy on the sampled tokens, both at logits / temperature (0 = off).")
    stpr_signal: Literal["stance", "stance_trust_patience"] = Field("stance", description="STPR credit direction: the sign of each turn's stance change (the paper's reading, default), or of stance + trust + patience / initial patience, so a turn that ignores a voiced worry (trust and patience drop) is not credited by a win. A choice, to ablate.")

    # AOPD part (aopd, siavpo)
    aopd_beta: float = Field(1.0, ge=0, description="Weight of the AOPD loss in siavpo.")
    aopd_mode: AOPDMode = Field("forward_kl", description="What AOPD minimises per agent token (p_T: teacher, p_S: student, both at logits / temperature): forward_kl = KL(p_T || p_S) over the vocabulary (the paper's definition, default); forward_kl_topk = the same over the teacher's top-k plus one tail bucket (== forward_kl at k = V, never negative; keeps k values + ids per token); reverse_kl = KL(p_S || p_T); reverse_kl_sampled = its sampled-token estimator -w sg(log p_T - log p_S) log p_S (logs w (log p_S - log p_T); keeps one log-prob per token), w = p_S / mu the importance weight for the behaviour policy mu that sampled the token (the rollout's recorded log-probs), so it is unbiased wherever mu covers p_S (capped at tis_cap when set: lower variance, biased against the tokens mu samples less often than p_S would); with top_p < 1 the tokens outside the nucleus are never sampled and their part of the KL is missing (a stated bias, protod.train.losses); generalized_jsd = beta KL(p_T || M) + (1 - beta) KL(p_S || M), M = beta p_T + (1 - beta) p_S.")
    aopd_topk: int = Field(64, ge=1, description="k for aopd_mode=forward_kl_topk.")
    aopd_jsd_beta: float = Field(0.5, gt=0, lt=1, description="beta for aopd_mode=generalized_jsd (0.5: the symmetric JSD).")
    teacher: Literal["frozen", "current"] = Field("frozen", description="frozen: the initial weights (adapters disabled, or a frozen copy for a full fine-tune); current: the policy as it is when each micro-batch's teacher term is computed, no grad (it moves between passes when updates_per_batch > 1).")
    teacher_concerns: bool | Literal["prior", "random", "none"] = Field(True, description="What the teacher's privileged view shows, as many concerns as the user holds: the user's own (true); the ones the pack's trait->concern correlations rank highest for the user's visible traits, what an outside observer could guess (prior: the external-only teacher); concerns the user does NOT hold (random; fewer if the pack has too few); or none (none: the teacher's prompt is then byte-identical to the student's, so AOPD is a no-op distillation that only pulls towards the teacher's weights).")

    # Memory and speed of the update. Sequences are padded into micro-batches of `micro_batch` dialogues; gradients
    # accumulate over all of them, then one optimizer step. Teacher terms are computed per micro-batch and reduced at
    # once to what aopd_mode needs. Peak memory of an update, beyond weights + optimizer state:
    #   activations of one micro-batch: ~ micro_batch * L * H * layers * c (c ~ 10-20 values per hidden unit; with
    #     gradient_checkpointing ~ micro_batch * L * H * layers + one layer's activations)
    #   + logits of its agent tokens: n * V * 4 B * ~3 (student logits, log-softmax, gradient), n = agent tokens in
    #     the micro-batch (<= micro_batch * L); top_p < 1 adds a sort of the same size (n * V * 12 B, no gradient)
    #   + teacher terms of the micro-batch: n * V * 4 B (full-vocabulary modes), n * k * 12 B (forward_kl_topk) or
    #     n * 4 B (reverse_kl_sampled)
    #   + per-token scalars for the whole batch (advantages, recorded log-probs): O(total agent tokens) * 4 B.
    # It does not grow with the number of dialogues in the batch, only with micro_batch (tested).
    micro_batch: int = Field(4, ge=1, description="Dialogues per forward/backward in the update (padded batch); gradients accumulate over the micro-batches.")
    precision: Literal["auto", "bfloat16", "float32"] = Field("auto", description="One numeric policy for rollouts and the update, so that a pass is on-policy: bfloat16 = the frozen weights in bf16 and every forward (the HF rollouts, the update, the teacher) under bf16 autocast, the vLLM engine in bf16; trainable parameters (LoRA adapters; a full fine-tune's master weights) and the optimizer stay float32, losses are computed in float32. float32 = everything in fp32. auto (default): bfloat16 on CUDA, float32 elsewhere (CPU bf16 matmuls are slow without AVX512).")
    gradient_checkpointing: bool = Field(False, description="Recompute activations in the backward pass (less memory, ~30% more compute).")

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

    # Several processes (torchrun / accelerate launch; one process ignores this): each rank rolls out
    # personas_per_step / world size personas (whole groups) and the update is the one-process update on the whole
    # batch (protod.train.distributed).
    distributed: Literal["ddp", "fsdp"] = Field("ddp", description="ddp: every rank holds the whole model, gradients are summed over ranks once per step. fsdp: weights, gradients and optimizer state sharded over the ranks (PyTorch FSDP2), for models whose update does not fit one device; rollouts still run on the whole weights (protod.train.fsdp).")

    @model_validator(mode="before")
    @classmethod
    def _replaced_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for old, new in REPLACED_KEYS.items():
                if old in data:
                    raise ValueError(f"{old!r} was replaced by {new}")
        return data

    @field_validator("aopd_mode", mode="before")
    @classmethod
    def _renamed_mode(cls, value: Any) -> Any:
        if value in RENAMED_AOPD_MODES:
            raise ValueError(f"{value!r} was renamed to {RENAMED_AOPD_MODES[value]!r} (modes: {', '.join(get_args(AOPDMode))})")
        return value

    @field_validator("teacher_concerns", mode="before")
    @classmethod
    def _known_teacher_concerns(cls, value: Any) -> Any:
        if isinstance(value, bool) or value in ("prior", "random", "none"):
            return value
        raise ValueError(f"expected true (the user's own concerns), prior, random, none or false; got {str(value)[:40]!r}")

    @field_validator("advantage")
    @classmethod
    def _known_advantage(cls, value: str | None) -> str | None:
        from protod.train.advantages import ADVANTAGES  # lazy: torch is not needed to read a config

        if value is not None and value not in ADVANTAGES:
            raise ValueError(f"unknown estimator {value!r}; registered: {', '.join(sorted(ADVANTAGES))}")
        return value

    @field_validator("group_size")
    @classmethod
    def _group_for_group_normalised(cls, value: int, info: ValidationInfo) -> int:
        algo = info.data.get("algo")
        if algo in ("grpo", "stpr", "siavpo") and value < 2:
            raise ValueError(f"must be >= 2 for algo {algo} (its advantages are normalised within a group of rollouts)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TrainConfig:
        if self.simulator != "rule" and not self.sim_model:
            raise ValueError(f"simulator {self.simulator} needs sim_model")
        if self.algo == "sft" and not any(src.dialogues for src in self.sft_data):
            raise ValueError("sft_data: algo sft needs at least one transcript source with dialogues (it would train on nothing)")
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

    def lr_factor(self, step: int, max_steps: int | None = None) -> float:
        """The LR multiplier at optimizer step `step` (0-based): warmup, then constant, linear or cosine decay over
        max_steps (default: this config's)."""
        total = self.max_steps if max_steps is None else max_steps
        if step < self.warmup_steps:
            return (step + 1) / (self.warmup_steps + 1)
        progress = (step - self.warmup_steps) / max(1, total - self.warmup_steps)
        if self.schedule == "linear":
            return max(0.0, 1.0 - progress)
        if self.schedule == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
        return 1.0

    def dtype_name(self, device_type: str) -> str:
        """The precision policy on a device: "bfloat16" or "float32" (auto: bfloat16 on CUDA only)."""
        if self.precision != "auto":
            return self.precision
        return "bfloat16" if device_type == "cuda" else "float32"

    def enforce_eager(self, device_type: str) -> bool:
        """vLLM eager mode: the config's choice, else eager on CPU and CUDA graphs on GPU."""
        return self.vllm_enforce_eager if self.vllm_enforce_eager is not None else device_type != "cuda"


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
        loaded = _parse_yaml(p, str(p))
        if loaded is None or loaded == {}:  # an empty file would silently train the defaults (SmolLM2, GRPO)
            raise ValueError(f"{p}: empty; expected a mapping of config keys (see configs/ for examples)")
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
        msg = "unknown key (check the spelling)" if e["type"] == "extra_forbidden" else e["msg"].removeprefix("Value error, ")
        more = f" (+{len(err.errors()) - 1} more)" if len(err.errors()) > 1 else ""
        raise ValueError(f"{source}: {field}: {msg}{more}") from None

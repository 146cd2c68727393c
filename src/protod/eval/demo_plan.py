"""What the demo runs: its arms (SI-AVPO, GRPO and the ablations), the plan of stages and sizes (`DemoPlan`; the
default, full, quick and SmolLM2 plans) and the training configs each stage gets."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from protod.train.config import SFTSource, TrainConfig


SCENARIO = "merchant_recruitment"
TRAIN_PERSONA_SEED = 1000  # training personas; held-out users come from EVAL_SEED (other users, every stratum)
EVAL_SEED = 7


@dataclass(frozen=True)
class Arm:
    label: str
    overrides: dict[str, Any]
    why: str


ARMS: dict[str, Arm] = {
    "grpo": Arm("GRPO", {"algo": "grpo"}, "outcome reward only: the baseline the paper improves on"),
    "siavpo": Arm("SI-AVPO", {"algo": "siavpo"}, "STPR + AOPD with the user's own concerns: the method"),
    "stpr": Arm("STPR alone", {"algo": "stpr"}, "turn credit from state transitions, no distillation"),
    "aopd": Arm("AOPD alone", {"algo": "aopd"}, "distillation from the privileged view, no reward"),
    "siavpo_random": Arm("SI-AVPO, random concerns", {"algo": "siavpo", "teacher_concerns": "random"},
                         "the teacher is shown concerns the user does not hold: is it the concerns that help?"),
    "siavpo_prior": Arm("SI-AVPO, external-only teacher", {"algo": "siavpo", "teacher_concerns": "prior"},
                        "the teacher is shown as many concerns as the user holds, the ones the visible traits predict "
                        "(the pack's correlations): do the user's actual concerns beat what anyone can see?"),
}


@dataclass(frozen=True)
class DemoPlan:
    """Sizes of every stage. The default (3 arms x 3 seeds) fits ~15 minutes on 2 CPU cores; FULL runs every arm with 5 seeds."""

    model: str = "tiny"  # tiny | smollm2
    tiny_hidden: int = 128
    tiny_layers: int = 2
    sft_steps: int = 400
    sft_passive_dialogues: int = 120  # blind pitching is one simple behaviour: few transcripts teach it
    sft_oracle_dialogues: int = 1000  # probing the listed concerns generalises to new users only from many
    sft_batch: int = 8
    sft_lr: float = 2e-3
    sft_warmup: int = 20
    arms: tuple[str, ...] = ("grpo", "siavpo", "siavpo_random")
    seeds: tuple[int, ...] = (0, 1, 2)
    rl_steps: int = 15
    personas_per_step: int = 4
    group_size: int = 4
    rl_lr: float = 1e-4
    lora: bool = False
    rl_temperature: float = 1.0  # rollouts explore at 1.0; evaluation samples at eval_temperature
    max_new_tokens: int = 48
    batch_size: int = 64  # dialogues decoded together (gap, RL rollouts, evaluation)
    gap_n: int = 32
    gap_ks: tuple[int, ...] = (1, 2, 4, 8, 16)
    eval_n: int = 96
    eval_k: int = 2  # rule-simulator dialogues per user (pass@k up to this); 4 would cost ~100 s more
    eval_temperature: float = 0.7
    # held-out simulator beside rule: learned shares no perception code with rule (semantic is rule's perceiver plus
    # an encoder fallback, so their agreement says little); ~3x semantic's evaluation time, ~110 s of the demo's wall
    second_simulator: str | None = "learned"
    workers: int = 0  # gap, training and evaluation jobs run on this many processes (0: one per core, at most 2; 1: here)
    extra: dict[str, Any] = field(default_factory=dict)  # further TrainConfig keys for every arm

    @property
    def rollouts_per_run(self) -> int:
        return self.rl_steps * self.personas_per_step * self.group_size


DEFAULT = DemoPlan()
FULL = replace(DEFAULT, arms=tuple(ARMS), seeds=(0, 1, 2, 3, 4))
QUICK = replace(DEFAULT, sft_steps=6, sft_passive_dialogues=8, sft_oracle_dialogues=8, rl_steps=2, personas_per_step=2,
                group_size=2, gap_n=3, gap_ks=(1, 2), eval_n=4, eval_k=2, max_new_tokens=12, arms=("grpo", "siavpo"),
                seeds=(0,), workers=1)
# batch 32: SmolLM2's decode on CPU costs ~3.4 s a dialogue at batch 16 or 32, ~7 s at 64 (memory-bound KV).
SMOLLM2 = replace(DEFAULT, model="smollm2", lora=True, batch_size=32, rl_lr=5e-5, rl_steps=6, personas_per_step=4,
                  group_size=4, gap_n=16, gap_ks=(1, 2, 4, 8), eval_n=96, eval_k=1, arms=("grpo", "siavpo"), seeds=(0,), workers=1)
PLANS = {"default": DEFAULT, "full": FULL, "quick": QUICK, "smollm2": SMOLLM2}


def checkpoint_every(steps: int) -> int:
    """Every stage checkpoints about five times, so a killed demo resumes (`protod demo --resume`) losing at most a
    fifth of a stage; the earlier checkpoints are removed once the stage has finished."""
    return max(1, -(-steps // 5))


def _on(device: str | None) -> dict[str, Any]:
    return {"device": device} if device else {}


def sft_config(plan: DemoPlan, device: str | None = None) -> TrainConfig:
    """The conservative starting policy (configs/tiny-conservative-sft.yaml): pitch passively when blind, probe and
    answer when shown the concerns."""
    return TrainConfig(
        **_on(device),
        algo="sft", model="tiny-random", tiny_hidden=plan.tiny_hidden, tiny_layers=plan.tiny_layers, lora=False,
        lr=plan.sft_lr, warmup_steps=plan.sft_warmup, schedule="cosine", scenario=SCENARIO,
        sft_data=[SFTSource(agent="passive", view="deployable", dialogues=plan.sft_passive_dialogues),
                  SFTSource(agent="oracle", view="privileged", dialogues=plan.sft_oracle_dialogues)],
        sft_batch=plan.sft_batch, max_steps=plan.sft_steps, save_every=checkpoint_every(plan.sft_steps), seed=0,
        persona_seed=TRAIN_PERSONA_SEED,
    )


def rl_config(arm: str, start: str, plan: DemoPlan, seed: int, device: str | None = None) -> TrainConfig:
    """One arm's training config: identical budgets and settings across arms except what the arm overrides."""
    base = dict(
        model=start, lora=plan.lora, lr=plan.rl_lr, scenario=SCENARIO, personas_per_step=plan.personas_per_step,
        group_size=plan.group_size, max_new_tokens=plan.max_new_tokens, temperature=plan.rl_temperature,
        rollout_batch=plan.batch_size, max_steps=plan.rl_steps, save_every=checkpoint_every(plan.rl_steps), aopd_mode="forward_kl",
        aopd_beta=1.0, seed=seed, persona_seed=TRAIN_PERSONA_SEED, **_on(device),
    )
    return TrainConfig(**{**base, **plan.extra, **ARMS[arm].overrides})


RESTART = "delete that stage's directory to redo it, or use another --out"

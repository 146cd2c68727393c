"""The paper's experiment in miniature, on a CPU: post-train a conservative policy, measure the proactivity gap,
train GRPO and SI-AVPO from it with equal rollout budgets, evaluate on held-out personas, report.

Every stage is an ordinary protod command underneath (train, gap, eval, report) and is written to its own directory,
so a user can rerun any step with a bigger model. Stages already finished in `out_dir` are reused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from protod.agent.llm import LLMAgent
from protod.backends.base import SamplingParams
from protod.backends.hf import HFBackend
from protod.eval.evaluate import evaluate
from protod.eval.gap import proactivity_gap
from protod.eval.report import build_report
from protod.scenario import load_scenario
from protod.train.checkpoint import latest
from protod.train.config import SFTSource, TrainConfig
from protod.train.trainer import Trainer
from protod.user.simulator import make_simulator


@dataclass(frozen=True)
class DemoPlan:
    """Sizes of each stage. `full` fits ~15 minutes on 2 CPU cores; `quick` only checks the plumbing."""

    sft_steps: int = 300
    sft_dialogues: int = 120
    rl_steps: int = 15
    personas_per_step: int = 4
    group_size: int = 4
    gap_n: int = 16
    gap_ks: tuple[int, ...] = (1, 2, 4, 8, 16)
    eval_n: int = 48
    max_new_tokens: int = 48


QUICK = DemoPlan(sft_steps=6, sft_dialogues=8, rl_steps=2, personas_per_step=2, group_size=2, gap_n=3, gap_ks=(1, 2),
                 eval_n=4, max_new_tokens=12)

SCENARIO = "merchant_recruitment"
TRAIN_PERSONA_SEED = 1000  # training personas; evaluation uses `seed` (different users, every stratum)


def sft_config(plan: DemoPlan, seed: int) -> TrainConfig:
    """configs/tiny-conservative-sft.yaml: pitch passively when blind, probe when shown the concerns."""
    return TrainConfig(
        algo="sft", model="tiny-random", tiny_hidden=128, tiny_layers=2, lora=False, lr=1e-3, scenario=SCENARIO,
        sft_data=[SFTSource(agent="passive", view="deployable", dialogues=plan.sft_dialogues),
                  SFTSource(agent="oracle", view="privileged", dialogues=plan.sft_dialogues)],
        sft_batch=8, max_steps=plan.sft_steps, save_every=plan.sft_steps, seed=seed, persona_seed=TRAIN_PERSONA_SEED,
    )


def rl_config(algo: str, base: Path, plan: DemoPlan, seed: int) -> TrainConfig:
    return TrainConfig(
        algo=algo, model=f"hf:{base}", lora=False, lr=1e-4, scenario=SCENARIO, personas_per_step=plan.personas_per_step,
        group_size=plan.group_size, max_new_tokens=plan.max_new_tokens, temperature=1.0, max_steps=plan.rl_steps,
        save_every=plan.rl_steps, aopd_mode="forward_kl", aopd_beta=1.0, seed=seed, persona_seed=TRAIN_PERSONA_SEED,
    )


def _train(cfg: TrainConfig, out: Path, say: Callable[[str], None]) -> Path:
    done = latest(out)
    if done is not None and json.loads((done / "protod_checkpoint.json").read_text())["step"] >= cfg.max_steps:
        say(f"reusing {done}")
        return done
    trainer = Trainer(cfg, out, resume=done is not None)
    trainer.train(on_step=lambda r: say(f"{cfg.algo} step {r['step']}/{cfg.max_steps}: loss {r['loss']:.3f}"
                                         + (f", reward {r['reward_mean']:.2f}" if r.get("reward_mean") is not None else "")))
    return latest(out)


def run_demo(out_dir: Path, seed: int = 0, plan: DemoPlan = DemoPlan(), say: Callable[[str], None] = print) -> dict[str, Any]:
    start = time.perf_counter()
    pack = load_scenario(SCENARIO)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Evaluation samples at 0.7 (diverse enough for pass@k, close to how the policy would be deployed); RL rollouts
    # sample at 1.0 (rl_config) to explore.
    params = SamplingParams(temperature=0.7, max_new_tokens=plan.max_new_tokens)
    rule = make_simulator("rule", pack)

    say("1/5 post-training a conservative policy (SFT on passive blind transcripts + oracle privileged ones)")
    sft = _train(sft_config(plan, seed), out_dir / "sft", say)
    sft_backend = HFBackend.from_pretrained(sft)

    say("2/5 the proactivity gap: deployable pass@k vs privileged pass@1 on held-out users")
    gap = proactivity_gap(pack, LLMAgent(sft_backend, "deployable", params), LLMAgent(sft_backend, "privileged", params),
                          rule, list(plan.gap_ks), plan.gap_n, seed + 7, out_dir / "gap",
                          config={"model": str(sft), "stage": "demo-gap"})

    trained = {}
    for algo in ("grpo", "siavpo"):
        say(f"{3 if algo == 'grpo' else 4}/5 training {algo.upper()} from the post-trained policy "
            f"({plan.rl_steps} steps x {plan.personas_per_step * plan.group_size} dialogues)")
        trained[algo] = _train(rl_config(algo, sft, plan, seed), out_dir / algo, say)

    say("5/5 evaluating on held-out users (deployable view, rule simulator)")
    agents = {"post-trained": LLMAgent(sft_backend, "deployable", params)}
    for algo, ckpt in trained.items():
        agents[algo] = LLMAgent(HFBackend.from_pretrained(ckpt), "deployable", params)
    report = evaluate(pack, agents, {"rule": rule}, plan.eval_n, 1, seed + 7, out_dir / "eval", config={"stage": "demo-eval"})

    summary = {
        "gap": {
            "deployable_pass_at_k": gap["deployable_pass_at_k"],
            "privileged_pass_at_1": gap["privileged_pass_at_1"],
            "closed_by_sampling": gap["gap_closed_by_sampling"],
        },
        "final": {r["agent"]: {"acceptance": r["acceptance"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                               "concern_discovery_rate": r["concern_discovery_rate"], "probing_rate": r["probing_rate"],
                               "unsupported_claim_rate": r["unsupported_claim_rate"]}
                  for r in report["results"]},
        "budget": {"sft_steps": plan.sft_steps, "rl_steps": plan.rl_steps,
                   "rollouts_per_algo": plan.rl_steps * plan.personas_per_step * plan.group_size,
                   "gap_personas": plan.gap_n, "eval_personas": plan.eval_n, "model": "tiny random Qwen2 (128-d, 2 layers)"},
        "seed": seed,
        "seconds": round(time.perf_counter() - start, 1),
    }
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    (out_dir / "report.html").write_text(build_report([out_dir]), encoding="utf-8")
    return summary

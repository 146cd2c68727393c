"""Training step time, measured side by side in one run.

  1. SI-AVPO step over GRPO step on the same rollout batch: the rollouts are generated once and shared; the update
     of each algorithm is timed on it (SI-AVPO adds the teacher's no-grad forward in the privileged view).
  2. Our GRPO step over TRL's GRPOTrainer step (if `trl` is installed) on the same model, LoRA adapters, prompts,
     group size and completion length: a one-turn task so that both do exactly prompt -> G completions -> update.
  3. Rollouts with the HF backend's KV reuse across turns over rollouts without it: the same dialogues (same seeds,
     same weights; reuse changes no token), each run from an empty cache, prefill tokens counted exactly.
Last lines: `kv_reuse_rollout_speedup: <off / on>` and `aopd_over_grpo_step_ratio: <number>` (goal <= 1.35).
Never fails on a timing.

    python benchmarks/step_time.py [--quick] [--model tiny-random|smollm2]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time

import torch

from protod.agent.views import deployable_messages, observe
from protod.user.persona import PersonaSampler
from protod.world import load_scenario
from protod.train.config import TrainConfig
from protod.train.trainer import Trainer


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def siavpo_vs_grpo(model: str, quick: bool) -> float:
    cfg = TrainConfig(algo="siavpo", model=model, personas_per_step=2 if quick else 4, group_size=4,
                      max_new_tokens=16 if quick else 32, filter_zero_variance=False, tiny_hidden=128, tiny_layers=4)
    with tempfile.TemporaryDirectory() as tmp:
        tr = Trainer(cfg, tmp)
        start = time.perf_counter()
        trajs = tr.rollouts()
        rollout_s = time.perf_counter() - start
        tr.reward_fn = lambda t: random.Random(t.episode_id).random()  # varied rewards: every group trains
        times = {}
        for algo in ("grpo", "siavpo"):
            tr.cfg = cfg.model_copy(update={"algo": algo})
            items, _, _ = tr.prepare(trajs)
            tr._update(items)  # warm-up
            times[algo] = _median_time(lambda: tr._update(items), 2 if quick else 3)
    tokens = sum(len(t["agent_tokens"]["ids"]) for tr_ in trajs for t in tr_.turns)
    print(f"[1] {len(trajs)} dialogues, {tokens} agent tokens, model {model}")
    print(f"    rollout (shared) {rollout_s:.2f} s | update: grpo {times['grpo']:.2f} s, siavpo {times['siavpo']:.2f} s "
          f"(update ratio {times['siavpo'] / times['grpo']:.2f})")
    step_ratio = (rollout_s + times["siavpo"]) / (rollout_s + times["grpo"])
    print(f"    full step ratio siavpo/grpo: {step_ratio:.3f}")
    return step_ratio


def kv_reuse_rollouts(model: str, quick: bool) -> float:
    cfg = TrainConfig(algo="grpo", model=model, personas_per_step=2 if quick else 4, group_size=4,
                      max_new_tokens=16 if quick else 32, tiny_hidden=128, tiny_layers=4)
    with tempfile.TemporaryDirectory() as tmp:
        tr = Trainer(cfg, tmp)
        result = {}
        for reuse in (False, True, False, True):  # alternated, the second pair kept: less drift from machine load
            tr.backend.kv_reuse = reuse
            tr.backend.kv_store.clear()
            before = dict(tr.backend.stats)
            start = time.perf_counter()
            trajs = tr.rollouts()
            seconds = time.perf_counter() - start
            prefill = tr.backend.stats["prefill_tokens"] - before.get("prefill_tokens", 0)
            result[reuse] = (seconds, prefill, [t.turns[-1]["agent"] for t in trajs])
    (off_s, off_tok, off_text), (on_s, on_tok, on_text) = result[False], result[True]
    print(f"[3] rollouts of {len(off_text)} dialogues, model {model}: without KV reuse {off_s:.2f} s / {off_tok} prefill "
          f"tokens, with {on_s:.2f} s / {on_tok} (same dialogues: {off_text == on_text})")
    print(f"    prefill_token_ratio: {off_tok / max(on_tok, 1):.2f}")
    print(f"kv_reuse_rollout_speedup: {off_s / on_s:.3f}")
    return off_s / on_s


def ours_vs_trl(model: str, quick: bool) -> None:
    try:
        from datasets import Dataset
        from peft import LoraConfig
        from transformers import TrainerCallback
        from trl import GRPOConfig, GRPOTrainer
    except ImportError as err:
        print(f"[2] skipped: TRL comparison needs `pip install trl datasets` ({err})")
        return
    personas_n, group, length, steps = (2, 4, 16, 3) if quick else (4, 4, 32, 4)
    pack = load_scenario("merchant_recruitment").model_copy(update={"turn_budget": 1})
    cfg = TrainConfig(algo="grpo", model=model, personas_per_step=personas_n, group_size=group, max_new_tokens=length,
                      filter_zero_variance=False, tiny_hidden=128, tiny_layers=4, lr=1e-5)
    with tempfile.TemporaryDirectory() as tmp:
        ours = Trainer(cfg, tmp, pack=pack, reward_fn=lambda t: random.random())
        ours.train(max_steps=1)  # warm-up
        ours_s = _median_time(lambda: ours.train(max_steps=ours.step + 1), steps)
        personas = PersonaSampler(pack, cfg.persona_seed).sample(personas_n * (steps + 2))
        prompts = [[{"role": m["role"], "content": m["content"]} for m in deployable_messages(observe(pack, p, (), False))] for p in personas]
        base = ours.model.get_base_model()
        stamps: list[float] = []

        class Clock(TrainerCallback):
            def on_step_end(self, args, state, control, **kwargs):
                stamps.append(time.perf_counter())

        args = GRPOConfig(
            output_dir=f"{tmp}/trl", per_device_train_batch_size=personas_n * group, num_generations=group,
            max_completion_length=length, learning_rate=1e-5, max_steps=steps + 1, logging_steps=10_000,
            save_strategy="no", report_to=[], use_cpu=True, beta=0.0, temperature=1.0, seed=0,
            gradient_accumulation_steps=1, dataloader_num_workers=0,
        )
        lora = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, target_modules=list(cfg.lora_targets), task_type="CAUSAL_LM")
        trl = GRPOTrainer(model=base, reward_funcs=lambda completions, **_: [random.random() for _ in completions], args=args,
                          train_dataset=Dataset.from_dict({"prompt": prompts}), processing_class=ours.tokenizer,
                          peft_config=lora, callbacks=[Clock()])
        start = time.perf_counter()
        trl.train()
        stamps.insert(0, start)
        trl_s = statistics.median(b - a for a, b in zip(stamps[1:], stamps[2:]))  # skip the first (warm-up) step
    print(f"[2] one-turn GRPO, {personas_n} prompts x {group} completions x {length} tokens, LoRA r={cfg.lora_r}, model {model}")
    print(f"    step: ours {ours_s:.2f} s, TRL GRPOTrainer {trl_s:.2f} s")
    print(f"ours_over_trl_grpo_step_ratio: {ours_s / trl_s:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--model", default="tiny-random", help="tiny-random (default) or smollm2")
    args = parser.parse_args()
    torch.manual_seed(0)
    random.seed(0)
    ratio = siavpo_vs_grpo(args.model, args.quick)
    ours_vs_trl(args.model, args.quick)
    kv_reuse_rollouts(args.model, args.quick)
    print(f"aopd_over_grpo_step_ratio: {ratio:.3f}")


if __name__ == "__main__":
    main()

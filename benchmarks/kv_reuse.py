"""KV reuse across turns: prefill tokens and wall time per dialogue, with and without, side by side in one run.

The same dialogues (same personas, seeds and weights) run through the engine twice: once with the HF backend's
KV reuse off (every turn prefills the whole conversation) and once on (each turn prefills only the user's reply and
the generation prompt; identical first prompts of a group are prefilled once). Token counts are exact and the
dialogues are checked to be the same; times are wall clock on whatever else the machine is doing.
Last lines: `prefill_token_ratio: <off / on>` (goal >= 3), `cpu_time_ratio` (process CPU seconds, off / on) and
`dialogue_speedup: <wall off / wall on>` (goal >= 2).
Never fails on a timing.

    python benchmarks/kv_reuse.py [--model smollm2|tiny] [--batch 8] [--turns 8] [--max-new-tokens 32] [--rollouts 1]
"""

from __future__ import annotations

import argparse
import time

import torch

from protod import PersonaSampler, load_scenario
from protod.agent.llm import LLMAgent
from protod.backends.base import SamplingParams
from protod.backends.hf import HFBackend, load_smollm2, smollm2_dir
from protod.run.rollout import make_episodes, run_episodes


def tiny_model_and_tokenizer():
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    tok = AutoTokenizer.from_pretrained(smollm2_dir(), local_files_only=True)
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=len(tok), hidden_size=256, intermediate_size=768, num_hidden_layers=4,
                         num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True, initializer_range=0.3,
                         eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    return Qwen2ForCausalLM(config).eval(), tok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=["smollm2", "tiny"], default="smollm2")
    parser.add_argument("--batch", type=int, default=8, help="dialogues at once (and in all)")
    parser.add_argument("--turns", type=int, default=8, help="turn budget")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--rollouts", type=int, default=1, help="rollouts per persona (G); batch/G personas")
    args = parser.parse_args()
    if args.model == "tiny":
        model, tok = tiny_model_and_tokenizer()
        name = "hf:tiny-qwen2-256"
    else:
        base = load_smollm2()
        model, tok, name = base.model, base.tokenizer, base.name
    pack = load_scenario("merchant_recruitment").model_copy(update={"turn_budget": args.turns})
    personas = PersonaSampler(pack, 0).sample(max(1, args.batch // args.rollouts))
    episodes = make_episodes(personas, rollouts=args.rollouts)
    params = SamplingParams(temperature=0.7, max_new_tokens=args.max_new_tokens)
    print(f"model={name} dialogues={len(episodes)} (G={args.rollouts}) batch={args.batch} turns<={args.turns} "
          f"max_new_tokens={args.max_new_tokens} threads={torch.get_num_threads()}")

    warm = HFBackend(model, tok, name=name, kv_reuse=False)
    run_episodes(pack.model_copy(update={"turn_budget": 1}), LLMAgent(warm, params=params), episodes[:1], seed=1)

    results = {}
    for label, reuse in (("off", False), ("on", True)):
        backend = HFBackend(model, tok, name=name, kv_reuse=reuse)
        start, cpu = time.perf_counter(), time.process_time()
        trajs = run_episodes(pack, LLMAgent(backend, params=params), episodes, seed=0, batch_size=args.batch)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        results[label] = (trajs, seconds, cpu, dict(backend.stats))
    (off, off_s, off_cpu, off_stats), (on, on_s, on_cpu, on_stats) = results["off"], results["on"]
    same = [[t["agent_tokens"]["ids"] for t in a.turns] == [t["agent_tokens"]["ids"] for t in b.turns] for a, b in zip(off, on)]
    n, turns = len(episodes), sum(len(t.turns) for t in on)
    print(f"agent turns: {turns} ({turns / n:.1f} a dialogue); same dialogues with and without reuse: {sum(same)}/{n}")
    for label, seconds, cpu, stats in (("reuse off", off_s, off_cpu, off_stats), ("reuse on ", on_s, on_cpu, on_stats)):
        print(f"{label}: prefill {stats['prefill_tokens'] / n:8.0f} tokens/dialogue  (prompt {stats['prompt_tokens'] / n:.0f}, "
              f"reused {stats['reused_tokens'] / n:.0f}, full prefills {stats['full_prefills']}, fallbacks {stats['fallbacks']})"
              f"  {seconds / n:7.2f} s/dialogue ({cpu / n:.2f} CPU s)")
    print(f"prefill_token_ratio: {off_stats['prefill_tokens'] / on_stats['prefill_tokens']:.2f}")
    print(f"cpu_time_ratio: {off_cpu / on_cpu:.2f}  (less sensitive than wall time to other load on the machine)")
    print(f"dialogue_speedup: {off_s / on_s:.2f}")


if __name__ == "__main__":
    main()

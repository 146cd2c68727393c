"""Episode engine vs bare `model.generate`: how much do dialogues, the simulator and bookkeeping cost on top?

Measured side by side in one run, on the same model:
  1. the engine runs B dialogues at once (LLM agent, rule simulator, trajectories recorded) and we count agent tokens/s;
  2. every batch the engine generated is replayed through transformers' `model.generate` with the same prompt ids,
     batch size and number of new tokens, and we count the same tokens/s;
  3. the same dialogues one at a time (batch 1), for the batched-over-sequential speed-up.
Last line: `engine_vs_generate_ratio: <engine tok/s / generate tok/s>` (goal >= 0.85). Never fails on a timing.

    python benchmarks/engine_vs_generate.py [--quick] [--model smollm2|tiny] [--batch 8]
"""

from __future__ import annotations

import argparse
import time

import torch

from protod import PersonaSampler, load_scenario, run_episodes
from protod.agent.llm import LLMAgent
from protod.backends.base import SamplingParams
from protod.backends.hf import HFBackend, load_smollm2, smollm2_dir


class Recording:
    """Delegates to a backend and keeps each batch's conversations and generated lengths for the replay."""

    def __init__(self, backend: HFBackend):
        self.backend, self.name, self.batches = backend, backend.name, []

    def generate(self, conversations, params, seeds):
        gens = self.backend.generate(conversations, params, seeds)
        self.batches.append((conversations, [len(g.token_ids) for g in gens]))
        return gens


def tiny_backend() -> HFBackend:
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    tok = AutoTokenizer.from_pretrained(smollm2_dir(), local_files_only=True)
    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=len(tok), hidden_size=256, intermediate_size=768, num_hidden_layers=4,
                         num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True, initializer_range=0.3,
                         eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    return HFBackend(Qwen2ForCausalLM(config).eval(), tok, name="hf:tiny-qwen2-256")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny model, short dialogues (about a minute)")
    parser.add_argument("--model", choices=["smollm2", "tiny"], default=None)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--turns", type=int, default=None, help="turn budget (default: 3, or 2 with --quick)")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    args = parser.parse_args()
    model = args.model or ("tiny" if args.quick else "smollm2")
    backend = tiny_backend() if model == "tiny" else load_smollm2()
    turns = args.turns or (2 if args.quick else 3)
    pack = load_scenario("merchant_recruitment").model_copy(update={"turn_budget": turns})
    personas = PersonaSampler(pack, 0).sample(args.batch)
    params = SamplingParams(temperature=0.7, max_new_tokens=args.max_new_tokens)
    print(f"model={backend.name} batch={args.batch} turns<={turns} max_new_tokens={args.max_new_tokens} threads={torch.get_num_threads()}")

    run_episodes(pack, LLMAgent(backend, params=params), personas[:1], seed=1)  # warm-up
    recording = Recording(backend)
    start = time.perf_counter()
    trajs = run_episodes(pack, LLMAgent(recording, params=params), personas, seed=0, batch_size=args.batch)
    engine_s = time.perf_counter() - start
    tokens = sum(len(t["agent_tokens"]["ids"]) for tr in trajs for t in tr.turns)

    # Replay every batch through model.generate: same prompts, batch, and new-token count.
    generate_s = 0.0
    for conversations, lengths in recording.batches:
        prompts = [backend.renderer.render(c, add_generation_prompt=True).ids for c in conversations]
        width = max(map(len, prompts))
        ids = torch.tensor([[backend.pad_id] * (width - len(p)) + p for p in prompts])
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
        new = max(lengths)
        start = time.perf_counter()
        with torch.inference_mode():
            backend.model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=new, min_new_tokens=new,
                                   do_sample=True, temperature=0.7, top_p=1.0, pad_token_id=backend.pad_id)
        generate_s += time.perf_counter() - start

    start = time.perf_counter()
    run_episodes(pack, LLMAgent(backend, params=params), personas, seed=0, batch_size=1)
    sequential_s = time.perf_counter() - start

    engine_tps, generate_tps = tokens / engine_s, tokens / generate_s
    print(f"engine (agent + rule simulator + records): {engine_tps:8.1f} agent tokens/s  ({tokens} tokens, {engine_s:.1f} s)")
    print(f"bare model.generate, same batches:         {generate_tps:8.1f} tokens/s  ({generate_s:.1f} s)")
    print(f"batched_over_sequential_speedup: {sequential_s / engine_s:.2f}  ({args.batch} dialogues at once vs one at a time)")
    print(f"engine_vs_generate_ratio: {engine_tps / generate_tps:.3f}")


if __name__ == "__main__":
    main()

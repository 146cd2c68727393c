"""vLLM rollouts vs protod's own HF decode loop on SmolLM2: agent tokens/s, and what prefix caching saves per turn.

Runs in the vLLM environment (`make bench-vllm`, i.e. `.venv-vllm/bin/python benchmarks/vllm_vs_hf.py`), one run:
  1. throughput: the same dialogues (greedy, so both backends see the same prompts turn after turn) run through
     protod's episode engine with the LLM agent on `smollm2` (HF loop) and on `vllm:smollm2`, at each batch size;
     agent tokens / wall seconds, and the ratio vLLM / HF;
  2. prefix caching: N dialogues of T turns on vLLM, on the engine above and on a second one started with
     enable_prefix_caching=False; seconds per turn and the speed-up. (Emptying the cache before each turn would not
     do: dialogues of one batch share their system prompt, so they would still reuse each other's blocks.)
Both in fp32 on CPU. Timings on a shared machine are noisy: one run, read the ratios, not the digits.

    python benchmarks/vllm_vs_hf.py [--batches 8,32] [--turns 2] [--prefix-dialogues 8] [--prefix-turns 6]
"""

from __future__ import annotations

import argparse
import sys
import time

from protod import PersonaSampler, load_scenario, run_episodes
from protod.agent.llm import LLMAgent
from protod.backends import load_backend
from protod.backends.base import SamplingParams


class Timed:
    """Delegates to a backend; adds up the seconds spent in generate (the agent's share of a rollout)."""

    def __init__(self, backend):
        self.backend, self.name, self.seconds, self.calls = backend, backend.name, 0.0, 0

    def generate(self, conversations, params, seeds):
        start = time.perf_counter()
        out = self.backend.generate(conversations, params, seeds)
        self.seconds += time.perf_counter() - start
        self.calls += 1
        return out


def rollout(backend, pack, personas, params):
    timed = Timed(backend)
    trajs = run_episodes(pack, LLMAgent(timed, params=params), personas, seed=0, batch_size=len(personas))
    turns = [t for tr in trajs for t in tr.turns]
    tokens = sum(len(t["agent_tokens"]["ids"]) for t in turns)
    return trajs, tokens, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", default="8,32", help="comma-separated dialogue batch sizes")
    parser.add_argument("--turns", type=int, default=2, help="turn budget of the throughput dialogues")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--prefix-dialogues", type=int, default=8)
    parser.add_argument("--prefix-turns", type=int, default=6, help="0 skips the prefix-caching part")
    parser.add_argument("--repeats", type=int, default=2, help="interleaved runs of each prefix-caching arm")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows when redirected to a file
    params = SamplingParams(temperature=0.0, max_new_tokens=args.max_new_tokens)
    base = load_scenario("merchant_recruitment")

    hf = load_backend("smollm2")
    start = time.perf_counter()
    vllm = load_backend("vllm:smollm2")
    print(f"vllm:smollm2 engine start: {time.perf_counter() - start:.1f} s (fp32, eager, prefix caching on)")
    warm = base.model_copy(update={"turn_budget": 1})
    for backend in (hf, vllm):
        rollout(backend, warm, PersonaSampler(warm, 1).sample(2), params)

    pack = base.model_copy(update={"turn_budget": args.turns})
    for batch in (int(b) for b in args.batches.split(",") if b):
        personas = PersonaSampler(pack, 0).sample(batch)
        rates, runs = {}, {}
        for label, backend in (("hf", hf), ("vllm", vllm)):
            trajs, tokens, timed = rollout(backend, pack, personas, params)
            rates[label], runs[label] = tokens / timed.seconds, trajs
            print(f"batch {batch:3d} {label:5s}: {rates[label]:7.1f} agent tokens/s ({tokens} tokens, {timed.seconds:.1f} s in generate)")
        ids = lambda tr: [t["agent_tokens"]["ids"] for t in tr.turns]  # noqa: E731
        same = sum(ids(a) == ids(b) for a, b in zip(runs["hf"], runs["vllm"]))
        print(f"batch {batch:3d}: vllm_over_hf_tokens_per_s: {rates['vllm'] / rates['hf']:.2f} "
              f"({same}/{batch} dialogues identical turn for turn)")

    if args.prefix_turns:
        pack = base.model_copy(update={"turn_budget": args.prefix_turns})
        personas = PersonaSampler(pack, 2).sample(args.prefix_dialogues)
        from protod.backends.hf import smollm2_dir
        from protod.backends.vllm_backend import VLLMBackend

        uncached = VLLMBackend(smollm2_dir(), name="vllm:smollm2", enable_prefix_caching=False)
        rollout(uncached, warm, PersonaSampler(warm, 1).sample(2), params)
        per_turn: dict[str, float] = {}
        # Interleaved, best of --repeats: on a shared machine the load drifts between back-to-back runs.
        for _ in range(args.repeats):
            for label, engine in (("without", uncached), ("with", vllm)):
                engine.reset_prefix_cache()
                trajs, tokens, timed = rollout(engine, pack, personas, params)
                per_turn[label] = min(per_turn.get(label, float("inf")), timed.seconds / timed.calls)
                cached = sum(t["agent_meta"].get("cached_tokens", 0) for tr in trajs for t in tr.turns)
                print(f"prefix caching {label:7s}: {timed.seconds:6.1f} s for {timed.calls} turns of {len(personas)} "
                      f"dialogues ({timed.seconds / timed.calls:.2f} s/turn, {cached} prompt tokens from cache)")
        print(f"prefix_cache_speedup_per_turn: {per_turn['without'] / per_turn['with']:.2f} (best of {args.repeats})")


if __name__ == "__main__":
    main()

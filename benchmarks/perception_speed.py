"""User turns per second of the `learned` simulator beside `rule`'s, measured side by side in one run.

Two workloads, each on both simulators:
  - scripted: whole dialogues of the scripted agents through the episode engine (turns repeat, so caches help: this
    is what training and evaluation against scripted or converged policies look like);
  - natural: every agent line of the corpus's dev pack perceived once, cold (no cache): what fresh LLM speech costs.
Prints turns/s for each and the ratio rule/learned. Never fails on a timing.

    python benchmarks/perception_speed.py [--quick] [--threads N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from protod import PersonaSampler, load_scenario, make_scripted_agent, run_episodes
from protod.audit import perception as pe
from protod.user.simulator import make_simulator

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="Small sizes (under a minute).")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the reference machine has 2 cores).")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    pack = load_scenario("courier_recruitment")
    n = 24 if args.quick else 96
    personas = PersonaSampler(pack, 0).sample(n)
    print(f"threads={args.threads} dialogues_per_agent={n}")
    for kind in ("rule", "learned"):
        sim = make_simulator(kind, pack)
        sim.perceiver.perceive("Hello, do you have a minute?")  # load the model outside the timing
        turns = 0
        start = time.perf_counter()
        for name in ("passive", "prober", "oracle"):
            trajs = run_episodes(pack, make_scripted_agent(name), personas, seed=0, simulator=sim, batch_size=64)
            turns += sum(len(t.turns) for t in trajs)
        elapsed = time.perf_counter() - start
        print(f"  scripted {kind:8s} {turns / elapsed:10.1f} user turns/s ({turns} turns, {elapsed:.1f} s)")

    lines = [ln for ln in pe.load_corpora([ROOT / "data" / "perception"]) if ln.pack == "home_broadband"]
    lines = lines[: 80 if args.quick else len(lines)]
    broadband = pe.resolve_pack("home_broadband", [ROOT / "examples" / "packs"])
    rates = {}
    for kind in ("rule", "learned"):
        perceiver = pe.perceiver_of(make_simulator(kind, broadband))
        start = time.perf_counter()
        pe.perceive_texts(perceiver, [ln.text for ln in lines])
        rates[kind] = len(lines) / (time.perf_counter() - start)
        print(f"  natural  {kind:8s} {rates[kind]:10.1f} lines/s  ({len(lines)} distinct corpus lines, cold)")
    print(f"ratio rule/learned on natural lines: {rates['rule'] / rates['learned']:.0f}x")


if __name__ == "__main__":
    main()

"""Simulator throughput: user turns per second on one core, with the scripted agents.

Prints, measured side by side in this run:
  - per agent: user turns/s through the full episode engine (agent + simulator + bookkeeping);
  - the simulator alone (perceive -> transition -> express on recorded agent turns) and the engine's share of time;
  - last line: `user_turns_per_s_per_core: <number>` over all agents together (goal >= 20,000).
Never fails on a timing.

    python benchmarks/simulator_throughput.py [--quick] [--scenario ID]
"""

from __future__ import annotations

import argparse
import os
import random
import time

from protod import PersonaSampler, load_scenario, make_scripted_agent, run_episodes
from protod.agent.registry import SCRIPTED_AGENTS
from protod.user.simulator import CognitiveUserSimulator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="Small sizes (a few seconds).")
    parser.add_argument("--scenario", default="merchant_recruitment")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, honestly
    n = 400 if args.quick else 3000
    pack = load_scenario(args.scenario)
    personas = PersonaSampler(pack, args.seed).sample(n)

    total_turns = 0
    total_s = 0.0
    recorded = []
    print(f"scenario={pack.id} dialogues_per_agent={n} (one core)")
    for name in SCRIPTED_AGENTS:
        agent = make_scripted_agent(name)
        run_episodes(pack, agent, personas[:50], seed=args.seed)  # warm caches
        start = time.perf_counter()
        trajs = run_episodes(pack, agent, personas, seed=args.seed, batch_size=256)
        elapsed = time.perf_counter() - start
        turns = sum(len(t.turns) for t in trajs)
        total_turns += turns
        total_s += elapsed
        recorded += [(t.persona, [turn["agent"] for turn in t.turns]) for t in trajs]
        print(f"  engine {name:8s} {turns / elapsed:10.0f} user turns/s  ({turns} turns, {elapsed:.2f} s)")

    # The simulator alone on the same agent turns: how much of the engine's time is the user model itself.
    sim = CognitiveUserSimulator(pack)
    start = time.perf_counter()
    sim_turns = 0
    for persona, texts in recorded:
        state, rng = persona.initial_state, random.Random(0)
        for text in texts:
            state = sim.step(persona, state, text, rng).state
            sim_turns += 1
    sim_s = time.perf_counter() - start
    engine_rate = total_turns / total_s
    sim_rate = sim_turns / sim_s
    print(f"  simulator alone      {sim_rate:10.0f} user turns/s")
    print(f"engine_over_simulator_ratio: {engine_rate / sim_rate:.3f}  (1.0 = engine and agents cost nothing)")
    print(f"user_turns_per_s_per_core: {engine_rate:.0f}")


if __name__ == "__main__":
    main()

"""Automatic prefix caching over a multi-turn dialogue: later turns reuse earlier turns' KV, results unchanged."""

import time

from protod.backends.base import SamplingParams
from tests.rollouts_vllm.conftest import requires_vllm

pytestmark = requires_vllm

SYSTEM = "You are a recruiter calling a restaurant owner about a delivery platform. Be brief and concrete. " * 8
USER_TURNS = ["Hello? Who is this?", "What does it cost me?", "My staff is already busy.", "How fast do I get paid?"]


def _dialogue(engine, reset_each_turn):
    """Greedy 4-turn dialogue; returns per turn (generated ids, cached prompt tokens, seconds)."""
    params = SamplingParams(temperature=0.0, max_new_tokens=8)
    messages, turns = [{"role": "system", "content": SYSTEM}], []
    for user in USER_TURNS:
        messages.append({"role": "user", "content": user})
        if reset_each_turn:
            engine.reset_prefix_cache()
        start = time.perf_counter()
        g = engine.generate([messages], params, [0])[0]
        turns.append((g.token_ids, g.meta["cached_tokens"], time.perf_counter() - start))
        messages.append({"role": "assistant", "content": g.text, "token_ids": g.token_ids})
    return turns


def test_later_turns_hit_the_prefix_cache_and_give_the_same_tokens(tiny_engine):
    uncached = _dialogue(tiny_engine, reset_each_turn=True)  # first: it also warms the engine for this prompt shape
    tiny_engine.reset_prefix_cache()
    cached = _dialogue(tiny_engine, reset_each_turn=False)
    assert [t[0] for t in cached] == [t[0] for t in uncached]
    assert cached[0][1] == 0 and all(t[1] == 0 for t in uncached)
    # every later turn's prompt starts with the previous prompt: all its full 128-token blocks are reused
    assert all(t[1] >= 128 for t in cached[1:])
    assert [t[1] for t in cached[1:]] == sorted(t[1] for t in cached[1:])
    per_turn = lambda turns: sum(t[2] for t in turns[1:]) / (len(turns) - 1)  # noqa: E731
    print(f"\nprefix cache, tiny model, turns 2-4: {per_turn(cached) * 1e3:.0f} ms/turn cached vs "
          f"{per_turn(uncached) * 1e3:.0f} ms/turn uncached (cached tokens {[t[1] for t in cached]})")

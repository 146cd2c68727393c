"""KV reuse across turns: same tokens as a full prefill, exact token accounting, group sharing, bounded memory."""

import pytest

from protod.backends.kv_store import PrefixStore

torch = pytest.importorskip("torch")

from protod.agent.llm import LLMAgent  # noqa: E402
from protod.backends.base import SamplingParams  # noqa: E402
from protod.backends.hf import HFBackend  # noqa: E402
from protod.user.persona import PersonaSampler  # noqa: E402
from protod.run.rollout import make_episodes, run_episodes  # noqa: E402

GREEDY = SamplingParams(temperature=0.0, max_new_tokens=10)
SAMPLED = SamplingParams(temperature=1.0, top_p=0.9, max_new_tokens=10)
SYSTEM = "You are a sales agent for a delivery platform. Be brief, be honest, and ask about worries. " * 3


@pytest.fixture(scope="module")
def tiny_model(smollm2_tokenizer):
    from tests.conftest import make_tiny_model

    return make_tiny_model(smollm2_tokenizer, seed=1)


def backends(model, tokenizer, **options):
    """The same weights with and without reuse."""
    return (HFBackend(model, tokenizer, kv_reuse=True, **options), HFBackend(model, tokenizer, kv_reuse=False))


def conv(user: str, system: str = SYSTEM):
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def reply(messages, generation, user_text):
    return messages + [{"role": "assistant", "content": generation.text, "token_ids": generation.token_ids},
                       {"role": "user", "content": user_text}]


# -- the store alone ----------------------------------------------------------------------------------------------


def test_store_finds_the_longest_common_prefix_and_verifies_it():
    store = PrefixStore(capacity_tokens=1000, block=4)
    a = store.add(list(range(10)), kv=["a"])
    b = store.add(list(range(6)) + [99, 98, 97, 96], kv=["b"])
    assert store.lookup(list(range(12))) == (a, 10)  # extends a fully
    assert store.lookup(list(range(7)) + [5, 5]) == (a, 7)  # diverges inside a's second block
    assert store.lookup(list(range(6)) + [99, 98, 0]) == (b, 8)
    assert store.lookup([1, 2, 3, 4, 5]) == (None, 0)  # no shared first block
    assert store.lookup([0, 1, 2]) == (None, 0)  # shorter than a block: not worth a lookup
    assert store.tokens == 20


def test_store_evicts_least_recently_used_beyond_capacity():
    store = PrefixStore(capacity_tokens=20, block=4)
    a = store.add(list(range(8)), kv=[])
    b = store.add(list(range(100, 108)), kv=[])
    store.lookup(list(range(8)))  # a is now the most recently used
    c = store.add(list(range(200, 208)), kv=[])
    assert store.entries() == [a, c] and store.evictions == 1 and store.tokens == 16
    assert store.lookup(list(range(100, 108))) == (None, 0)
    assert store.add(list(range(300, 330)), kv=[]) is None  # larger than the whole store: never kept
    assert store.add(list(range(8)), kv=[]) is a  # the same ids twice: one entry
    assert len(store) == 2 and b not in store.entries()


# -- the backend ---------------------------------------------------------------------------------------------------


def test_a_second_turn_prefills_only_its_new_tokens(tiny_model, smollm2_tokenizer):
    reuse, full = backends(tiny_model, smollm2_tokenizer)
    first = conv("Hello? Who is this?")
    g1 = reuse.generate([first], GREEDY, [0])[0]
    p1 = reuse.renderer.render(first, add_generation_prompt=True).ids
    assert reuse.stats["prefill_tokens"] == len(p1) and reuse.stats["full_prefills"] == 1
    second = reply(first, g1, "Fine, tell me more about the fees.")
    p2 = reuse.renderer.render(second, add_generation_prompt=True).ids
    assert p2[: len(p1) + len(g1.token_ids)] == p1 + g1.token_ids  # token in, token out: the prefix property
    g2 = reuse.generate([second], GREEDY, [0])[0]
    # Cached: the first prompt and every generated id but the last (never fed back).
    cached = len(p1) + len(g1.token_ids) - 1
    assert reuse.stats["prefill_tokens"] == len(p1) + len(p2) - cached
    assert reuse.stats["reused_tokens"] == cached and reuse.stats["fallbacks"] == 0
    assert len(reuse.kv_store) == 1  # the first turn's cache was superseded by the second's
    g2_full = full.generate([second], GREEDY, [0])[0]
    assert g2.token_ids == g2_full.token_ids
    assert g2.logprobs == pytest.approx(g2_full.logprobs, abs=1e-4)
    assert full.stats["reused_tokens"] == 0 and len(full.kv_store) == 0


def test_rows_with_caches_of_different_lengths_decode_like_each_alone(tiny_model, smollm2_tokenizer):
    reuse, full = backends(tiny_model, smollm2_tokenizer)
    long_conv, short_conv = conv("Hello? Who is this?"), conv("Hi.", system="Sell.")
    g_long = reuse.generate([long_conv], GREEDY, [0])[0]
    g_short = reuse.generate([short_conv], GREEDY, [0])[0]
    batch = [
        reply(long_conv, g_long, "Go on, what does it cost me per order and who pays for the tablets?"),
        conv("A brand new call with nothing cached at all, from a different system prompt.", system="Other."),
        reply(short_conv, g_short, "Why?"),
        conv("Hello? Who is this?"),  # a prefix of the long dialogue's cache
    ]
    for params in (GREEDY, SAMPLED):
        together = reuse.generate(batch, params, [5, 6, 7, 8])
        for i, c in enumerate(batch):
            alone = full.generate([c], params, [5 + i])[0]
            assert together[i].token_ids == alone.token_ids, (params, i)
            assert together[i].logprobs == pytest.approx(alone.logprobs, abs=1e-4)
    assert reuse.stats["fallbacks"] == 0


def test_rows_that_stop_early_cache_only_their_own_positions(tiny_model, smollm2_tokenizer):
    reuse, full = backends(tiny_model, smollm2_tokenizer)
    convs = [conv("Hello? Who is this?"), conv("Sorry, who is calling me at this hour?")]
    probe = full.generate(convs, GREEDY, [0, 0])
    # Make a token of row 0's reply a stop token that row 1 never emits: row 0 ends while row 1 decodes on.
    stop = next(t for t in probe[0].token_ids[1:] if t not in probe[1].token_ids)
    for b in (reuse, full):
        b.stop_ids = sorted(set(b.stop_ids) | {stop})
    gens = reuse.generate(convs, GREEDY, [0, 0])
    assert gens[0].finish_reason == "stop" and len(gens[0].token_ids) < len(gens[1].token_ids)
    nxt = [reply(c, g, "Go on.") for c, g in zip(convs, gens)]
    again = reuse.generate(nxt, GREEDY, [0, 0])
    assert reuse.stats["fallbacks"] == 0
    assert [g.token_ids for g in again] == [g.token_ids for g in full.generate(nxt, GREEDY, [0, 0])]


def test_identical_prompts_are_prefilled_once_and_sample_by_their_own_seeds(tiny_model, smollm2_tokenizer):
    reuse, full = backends(tiny_model, smollm2_tokenizer)
    group = [conv("Hello? Who is this?")] * 4
    n = len(reuse.renderer.render(group[0], add_generation_prompt=True).ids)
    shared = reuse.generate(group, SAMPLED, [11, 12, 13, 14])
    assert reuse.stats["prefill_tokens"] == n and reuse.stats["reused_tokens"] == 3 * n
    for seed, g in zip([11, 12, 13, 14], shared):
        alone = full.generate([group[0]], SAMPLED, [seed])[0]
        assert g.token_ids == alone.token_ids
        assert g.logprobs == pytest.approx(alone.logprobs, abs=1e-4)
    assert len({tuple(g.token_ids) for g in shared}) > 1


def test_a_history_that_does_not_extend_the_cache_falls_back_and_is_counted(tiny_model, smollm2_tokenizer):
    reuse, full = backends(tiny_model, smollm2_tokenizer)
    first = conv("Hello? Who is this?")
    g1 = reuse.generate([first], GREEDY, [0])[0]
    # The caller hands back different ids than were generated (an edited history): the cache must not be trusted.
    edited = reply(first, g1, "And the fees?")
    edited[2] = {**edited[2], "token_ids": [g1.token_ids[0] + 1] + g1.token_ids[1:]}
    g2 = reuse.generate([edited], GREEDY, [0])[0]
    assert reuse.stats["fallbacks"] == 1
    assert g2.token_ids == full.generate([edited], GREEDY, [0])[0].token_ids


def test_a_weight_update_empties_the_cache(smollm2_tokenizer):
    from tests.conftest import make_tiny_model

    model = make_tiny_model(smollm2_tokenizer, seed=2)
    reuse, full = backends(model, smollm2_tokenizer)
    first = conv("Hello? Who is this?")
    g1 = reuse.generate([first], GREEDY, [0])[0]
    with torch.no_grad():  # what an optimiser step does: parameters change in place
        next(model.parameters()).mul_(1.5)
    second = reply(first, g1, "Go on.")
    g2 = reuse.generate([second], GREEDY, [0])[0]
    assert reuse.stats["invalidations"] == 1 and reuse.stats["fallbacks"] == 1
    assert g2.token_ids == full.generate([second], GREEDY, [0])[0].token_ids


def test_memory_stays_within_capacity(tiny_model, smollm2_tokenizer):
    reuse = HFBackend(tiny_model, smollm2_tokenizer, kv_capacity_tokens=300)
    convs = [conv(f"Caller number {i}, hello?") for i in range(4)]
    gens = reuse.generate(convs, GREEDY, [0, 1, 2, 3])
    assert reuse.kv_store.tokens <= 300 and reuse.kv_store.evictions >= 1
    reuse.generate([reply(c, g, "Yes?") for c, g in zip(convs, gens)], GREEDY, [0, 1, 2, 3])
    assert reuse.kv_store.tokens <= 300
    assert reuse.stats["fallbacks"] >= 1  # evicted dialogues re-prefilled, and counted


@pytest.mark.parametrize("params", [GREEDY, SAMPLED], ids=["greedy", "sampled"])
def test_dialogues_are_the_same_with_and_without_reuse(tiny_model, smollm2_tokenizer, params):
    from protod.world import load_scenario

    pack = load_scenario("merchant_recruitment").model_copy(update={"turn_budget": 4})
    episodes = make_episodes(PersonaSampler(pack, 0).sample(3), rollouts=2)  # groups of G = 2
    reuse, full = backends(tiny_model, smollm2_tokenizer)
    runs = [run_episodes(pack, LLMAgent(b, params=params), episodes, seed=0, batch_size=4) for b in (reuse, full)]
    identical = 0
    for with_reuse, without in zip(*runs):
        ids = [t["agent_tokens"]["ids"] for t in with_reuse.turns], [t["agent_tokens"]["ids"] for t in without.turns]
        identical += ids[0] == ids[1]
        for a, b in zip(with_reuse.turns, without.turns):
            # Logits agree to float noise; a sampled draw that lands on a near-tie can still take the other token
            # (the two paths multiply matrices of different shapes), so a sampled dialogue is compared up to there.
            n = next((i for i, (x, y) in enumerate(zip(a["agent_tokens"]["ids"], b["agent_tokens"]["ids"])) if x != y),
                     min(len(a["agent_tokens"]["ids"]), len(b["agent_tokens"]["ids"])))
            assert a["agent_tokens"]["logprobs"][:n] == pytest.approx(b["agent_tokens"]["logprobs"][:n], abs=1e-4)
            if a["agent_tokens"]["ids"] != b["agent_tokens"]["ids"]:
                assert params is SAMPLED, "greedy decoding must give the same tokens with and without reuse"
                break
    assert identical >= len(runs[0]) - 1  # at most one sampled dialogue parted at a near-tie
    assert sum(len(t.turns) for t in runs[0]) > len(episodes)  # some dialogues did continue
    assert reuse.stats["fallbacks"] == 0 and reuse.stats["prompt_tokens"] == full.stats["prefill_tokens"]
    assert reuse.stats["prefill_tokens"] * 2 < full.stats["prefill_tokens"]
    assert len(reuse.kv_store) == 0 and reuse.stats["released"] >= 1  # finished dialogues let go of their caches

"""The trainer's update on synthetic sequences (no rollouts, so fast): micro-batching, memory, every AOPD mode,
several passes with the clip active, the KL penalty, which network the teacher is, and the LR schedule."""

import json
import weakref

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

from protod.train.config import TrainConfig
from protod.train.losses import AOPD_MODES, aopd_loss, behaviour_gap, kl_penalty, token_logprobs
from protod.train.sequences import TrainSequence
from protod.train.trainer import Trainer


@pytest.fixture(autouse=True)
def _needs_tokenizer(smollm2_tokenizer):
    """Every test here needs the SmolLM2 tokenizer (skips cleanly without the embedded model)."""


def synthetic_items(n, length=28, agent=10, extra=5, seed=0, vocab=5000):
    """n dialogues: random ids, the last `agent` tokens are the agent's; the teacher's rendering has `extra` more
    prompt tokens. Lengths vary so micro-batches are padded. Advantages +-1 per token."""
    g = torch.Generator().manual_seed(seed)
    items = []
    for i in range(n):
        size = length - (i % 3) * 3
        ids = torch.randint(100, vocab, (size,), generator=g)
        pred = torch.arange(size - agent - 1, size - 1)
        teacher_ids = torch.cat([torch.randint(100, vocab, (extra,), generator=g), ids])
        seq = TrainSequence(ids=ids, pred_pos=pred, tokens=ids[pred + 1], turn=torch.zeros(agent, dtype=torch.long),
                            teacher_ids=teacher_ids, teacher_pred_pos=pred + extra)
        adv = torch.where(torch.rand(agent, generator=g) > 0.5, 1.0, -1.0) if i % 4 != 3 else None  # some AOPD-only
        items.append((seq, adv))
    return items


def make_trainer(tmp_path, **overrides):
    # the full vocabulary: these update tests feed random ids up to 5,000, and the memory bounds are relative to
    # logits over 49k tokens
    base = dict(algo="siavpo", model="tiny-random", tiny_init_range=0.3, lr=1e-2, personas_per_step=2, group_size=2,
                max_steps=10, save_every=100, tiny_vocab="full")
    return Trainer(TrainConfig(**(base | overrides)), tmp_path)


@pytest.fixture(scope="module")
def trainer(tmp_path_factory):
    return make_trainer(tmp_path_factory.mktemp("upd"), lora=True, aopd_mode="forward_kl", kl_coef=0.1, temperature=0.8, top_p=0.9)


def _grads(tr, items, micro_batch):
    tr.cfg = tr.cfg.model_copy(update={"micro_batch": micro_batch})
    tr.optimizer.zero_grad(set_to_none=True)
    pg = sum(len(s.tokens) for s, a in items if a is not None)
    total = sum(len(s.tokens) for s, _ in items)
    tr.model.train()
    for i in range(0, len(items), micro_batch):
        tr._micro_step(items[i : i + micro_batch], None, pg, total)
    return [p.grad.clone() for p in tr.trainable if p.grad is not None]


def test_micro_batched_gradients_equal_the_whole_batch_gradients(trainer):
    items = synthetic_items(5)
    whole = _grads(trainer, items, 5)
    for mb in (1, 3):  # one dialogue per forward, and an uneven split
        for a, b in zip(whole, _grads(trainer, items, mb)):
            # equal up to float32 summation order (padding changes the kernels' reduction order, not the math)
            assert float((a - b).norm()) <= 1e-4 * float(a.norm()) + 1e-7, (float((a - b).norm()), float(a.norm()))
    assert sum(float(g.abs().sum()) for g in whole) > 0


class LiveTensorBytes(TorchDispatchMode):
    """Peak bytes of the CPU tensors created inside the block and still alive (activations, logits, teacher terms,
    gradients, optimizer temporaries): every op's outputs are counted once per storage until it is freed."""

    def __init__(self):
        super().__init__()
        self.live = self.peak = 0
        self.keys = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in tree_leaves(out):
            if isinstance(t, torch.Tensor) and t.device.type == "cpu":
                storage = t.untyped_storage()
                if storage._cdata not in self.keys:
                    self.keys.add(storage._cdata)
                    self.live += storage.nbytes()
                    self.peak = max(self.peak, self.live)
                    weakref.finalize(storage, self._free, storage._cdata, storage.nbytes())
        return out

    def _free(self, key, nbytes):
        self.keys.discard(key)
        self.live -= nbytes


def _peak_update_bytes(tr, items):
    tr._update(items)  # warm-up: optimizer state exists before measuring
    with LiveTensorBytes() as tracker:
        tr._update(items)
    return tracker.peak


def test_update_peak_memory_does_not_grow_with_the_number_of_dialogues(tmp_path):
    tr = make_trainer(tmp_path, lora=True, aopd_mode="forward_kl", micro_batch=2)
    small = _peak_update_bytes(tr, synthetic_items(2))
    large = _peak_update_bytes(tr, synthetic_items(8))
    # 4x the dialogues: the same peak up to per-token scalars (advantages, log-probs: a few KB)
    assert large - small < 0.02 * small, (small, large)
    tr.cfg = tr.cfg.model_copy(update={"micro_batch": 8})
    one_forward = _peak_update_bytes(tr, synthetic_items(8))
    assert one_forward > 2 * small, (small, one_forward)  # the measurement sees the batch when it is there
    print(f"peak update bytes: 2 dialogues {small}, 8 dialogues {large} (micro_batch 2), 8 in one forward {one_forward}")


@pytest.mark.parametrize("mode", AOPD_MODES)
def test_every_aopd_mode_through_the_trainer_logs_the_divergence_it_names(tmp_path, mode):
    tr = make_trainer(tmp_path, algo="aopd", aopd_mode=mode, aopd_topk=16, temperature=0.7, micro_batch=2,
                      teacher="current")
    items = synthetic_items(3)
    with torch.no_grad():  # the divergence written out with whole-sequence forwards, one dialogue at a time
        values, n = 0.0, 0
        for seq, _ in items:
            student = tr.model(input_ids=seq.ids[None]).logits[0, seq.pred_pos]
            teacher = tr.model(input_ids=seq.teacher_ids[None]).logits[0, seq.teacher_pred_pos]
            if mode == "reverse_kl_sampled":  # logged: log p_S(y) - log p_T(y) at the sampled tokens
                v = token_logprobs(student[None] / 0.7, seq.tokens[None]) - token_logprobs(teacher[None] / 0.7, seq.tokens[None])
                values += float(v.sum())
            else:
                values += float(aopd_loss(student[None], teacher[None], torch.ones(1, len(seq.tokens)), mode, 16,
                                          seq.tokens[None], 0.5, 0.7)) * len(seq.tokens)
            n += len(seq.tokens)
    stats = tr._update(items)
    assert stats["aopd_loss"] == pytest.approx(values / n, rel=1e-3, abs=1e-6)
    assert stats["grad_norm"] > 0 and stats["pg_loss"] == 0.0
    if mode != "reverse_kl_sampled":
        assert stats["aopd_loss"] > 0


def test_several_passes_move_the_ratio_and_the_clip_acts(tmp_path):
    tr = make_trainer(tmp_path, algo="grpo", lr=5e-2, updates_per_batch=4, clip_eps=0.05, micro_batch=3)
    items = [(s, a if a is not None else torch.ones(len(s.tokens))) for s, a in synthetic_items(6, agent=6)]
    passes = []
    original = tr._micro_step

    def record(batch, old_lp, pg_tokens, all_tokens, gap=None):
        out = original(batch, old_lp, pg_tokens, all_tokens, gap=gap)
        passes.append(out["clip_frac"])
        return out

    tr._micro_step = record
    stats = tr._update(items)
    first, last = sum(passes[:2]), sum(passes[-2:])
    assert first == 0.0  # pass 1: the policy is pi_old, ratio 1, nothing clipped
    assert last > 0.05, passes  # later passes: the ratio left [0.95, 1.05] and the clip bound the objective
    assert stats["clip_frac"] > 0


def test_kl_penalty_known_answer_on_a_fresh_update(tmp_path):
    tr = make_trainer(tmp_path, lora=False, algo="grpo", kl_coef=0.5, micro_batch=2)
    items = synthetic_items(3)
    assert tr._update(items)["kl"] == pytest.approx(0.0, abs=1e-6)  # policy == initial weights
    with torch.no_grad():
        num, den = 0.0, 0
        for seq, _ in items:
            lp = token_logprobs(tr.model(input_ids=seq.ids[None]).logits[:, seq.pred_pos], seq.tokens[None])
            ref = token_logprobs(tr.reference(input_ids=seq.ids[None]).logits[:, seq.pred_pos], seq.tokens[None])
            num += float(kl_penalty(lp, ref, torch.ones_like(lp))) * len(seq.tokens)
            den += len(seq.tokens)
    stats = tr._update(items)  # measured before its own optimizer step: the value just computed
    assert num / den > 1e-6 and stats["kl"] == pytest.approx(num / den, rel=1e-3)


def test_frozen_teacher_stays_put_while_current_follows_the_policy(tmp_path):
    for lora in (True, False):  # adapters off / the frozen copy of a full fine-tune
        tr = make_trainer(tmp_path / str(lora), lora=lora, algo="aopd", aopd_mode="forward_kl", lr=5e-2)
        seq = synthetic_items(1)[0][0]
        before = tr._teacher_logits([seq])
        items = synthetic_items(2)
        for _ in range(2):
            tr._update(items)
        torch.testing.assert_close(tr._teacher_logits([seq]), before)  # frozen: the initial weights
        tr.cfg = tr.cfg.model_copy(update={"teacher": "current"})
        current = tr._teacher_logits([seq])
        assert (current - before).abs().max() > 1e-3  # current: the trained policy
        with torch.no_grad():
            now = tr.model(input_ids=seq.teacher_ids[None]).logits[0, seq.teacher_pred_pos]
        torch.testing.assert_close(current, now, atol=1e-4, rtol=1e-4)
        assert not current.requires_grad


def test_lr_schedule_advances_when_every_group_is_filtered(tmp_path):
    tr = make_trainer(tmp_path, algo="grpo", warmup_steps=4, schedule="cosine", lr=1.0)
    lrs = [tr._update([])["lr"] for _ in range(3)]  # every group filtered: no items at all
    assert lrs == pytest.approx([1 / 5, 2 / 5, 3 / 5])  # warmup goes on


def test_an_external_rollout_engine_gets_the_new_weights_after_every_optimizer_step(tmp_path):
    """The vLLM path in miniature: rollouts come from a second engine holding its own copy of the weights; the trainer
    pushes its weights into that engine after every optimizer step, so every step's rollouts are on-policy."""
    import copy
    import itertools

    from protod.backends.hf import HFBackend

    class SeparateEngine(HFBackend):
        syncs = 0
        calls = 0

        def generate(self, *args, **kwargs):
            SeparateEngine.calls += 1
            return super().generate(*args, **kwargs)

        def sync_weights(self, model):
            SeparateEngine.syncs += 1
            self.model.load_state_dict(model.state_dict())

    cfg = TrainConfig(algo="grpo", model="tiny-random", tiny_init_range=0.3, lr=5e-2, personas_per_step=2, group_size=2,
                      max_steps=2, save_every=100, lora=False, max_new_tokens=4)
    probe = Trainer(cfg, tmp_path / "probe")  # only to build the same initial weights and tokenizer
    engine = SeparateEngine(copy.deepcopy(probe.model), probe.tokenizer, name="engine", device="cpu")
    # Alternating rewards: every group of 2 has one of each, so no group is filtered and every step updates (a
    # reward read off the dialogue can tie within a group and skip the step).
    flip = itertools.count()
    tr = Trainer(cfg, tmp_path / "run", rollout_backend=engine, reward_fn=lambda t: float(next(flip) % 2))
    tr.train()
    assert SeparateEngine.calls > 0 and SeparateEngine.syncs == tr.step == 2
    for a, b in zip(engine.model.state_dict().values(), tr.model.state_dict().values()):
        assert torch.equal(a, b)


def test_behaviour_gap_known_answer():
    trainer_lp = torch.tensor([-1.0, -2.0, -0.5, -3.0, -0.25])
    recorded = torch.tensor([-1.1, float("nan"), -0.5, -2.7, -0.2])  # the second token has no recorded log-prob
    total, count, largest = behaviour_gap(trainer_lp, recorded)
    assert count == 4 and total == pytest.approx(0.1 + 0.0 + 0.3 + 0.05) and largest == pytest.approx(0.3)
    assert behaviour_gap(trainer_lp, torch.full((5,), float("nan"))) == (0.0, 0, 0.0)


class ShiftedLogprobs:
    """A rollout engine whose recorded log-probs are off by a known amount: the same model, log-probs - shift."""

    def __init__(self, backend, shift):
        self.backend, self.shift, self.name = backend, shift, backend.name

    def generate(self, conversations, params, seeds):
        gens = self.backend.generate(conversations, params, seeds)
        for g in gens:
            g.logprobs = [lp - self.shift for lp in g.logprobs] if g.logprobs else g.logprobs
        return gens

    def release(self, conversations):
        self.backend.release(conversations)


def test_the_log_shows_the_behaviour_logprob_gap(tmp_path):
    """Known answer on real rollouts: an engine that records log p - 0.01 shows a gap of 0.01; the trainer's own
    decode loop shows float noise only. Measured on agent tokens, for PG and AOPD-only groups alike."""
    cfg = TrainConfig(algo="siavpo", model="tiny-random", tiny_init_range=0.3, personas_per_step=2, group_size=2,
                      max_steps=2, save_every=100, max_new_tokens=4, temperature=0.8, top_p=0.9)
    tr = Trainer(cfg, tmp_path)
    tr.rollout_backend = ShiftedLogprobs(tr.backend, 0.01)
    shifted = tr.train(max_steps=1)[-1]
    tr.rollout_backend = tr.backend
    own = tr.train(max_steps=2)[-1]
    assert shifted["behaviour_logprob_gap"] == pytest.approx(0.01, abs=5e-4)
    assert 0.01 - 5e-4 <= shifted["behaviour_logprob_gap_max"] <= 0.0105
    assert 0 <= own["behaviour_logprob_gap"] <= own["behaviour_logprob_gap_max"] < 1e-3
    logged = [json.loads(line) for line in (tmp_path / "train_log.jsonl").read_text().splitlines()]
    assert [r["behaviour_logprob_gap"] for r in logged] == [shifted["behaviour_logprob_gap"], own["behaviour_logprob_gap"]]
    print(f"\nbehaviour/trainer log-prob gap, hf engine: mean {own['behaviour_logprob_gap']:.1e}, "
          f"max {own['behaviour_logprob_gap_max']:.1e}")


def test_rollout_engine_vllm_without_vllm_is_one_line_before_any_model_loads(tmp_path):
    import importlib.util

    from typer.testing import CliRunner

    from protod.cli import app

    spec = importlib.util.find_spec("vllm")
    if spec is not None and spec.origin is not None:
        pytest.skip("vLLM is installed here")
    r = CliRunner().invoke(app, ["train", "--set", "model=tiny-random", "--set", "rollout_engine=vllm",
                                 "--max-steps", "1", "--out", str(tmp_path / "run")])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "rollout_engine: vllm needs vLLM" in r.output and "make vllm-env" in r.output
    assert not (tmp_path / "run" / "base-model").exists()  # failed before building the model
    bad = CliRunner().invoke(app, ["train", "--set", "rollout_engine=sglang", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "rollout_engine" in bad.output

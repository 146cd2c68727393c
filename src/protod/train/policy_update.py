"""One policy update of the trainer, from rendered sequences and their advantages: gradient accumulation over padded
micro-batches (the PG, AOPD and KL terms of each, as token sums over the step's normalisers), the behaviour policy
the PG ratio is taken against, gradient clipping and the optimizer step, the LR schedule, and the weight push into an
external rollout engine. The teacher and the reference are the same network read another way (the privileged view;
adapters off, or the frozen copy of a full fine-tune).

`PolicyUpdate` is half of `Trainer` (protod.train.trainer), which sets what it reads: cfg, model, reference, backend,
device, ranks, sharded (with _roots, _placeholder), trainable, optimizer, scheduler, rollout_backend, pushes.
"""

from __future__ import annotations

import warnings
from contextlib import nullcontext
from typing import Any, Callable

import torch

from protod.train import distributed, fsdp
from protod.train.batching import agent_logits, micro_batches
from protod.train.losses import (
    aopd_token_loss, behaviour_gap, kl_penalty, policy_loss, sampling_logprobs, teacher_terms, token_logprobs,
)
from protod.train.sequences import TrainSequence


class PolicyUpdate:
    """The update half of `Trainer` (see the module docstring for the attributes it reads)."""

    def _initial_policy(self):
        """The starting weights: adapters disabled (LoRA) or the frozen copy (full fine-tune)."""
        if self.reference is not None:
            return nullcontext(self.reference)
        return _AdaptersOff(self.model)

    def _logits(self, model: Any, seqs: list[TrainSequence], teacher: bool = False) -> torch.Tensor:
        """agent_logits of `model` (the policy, the reference, or the policy with adapters off), through its sharding
        root when sharded."""
        return agent_logits(self._roots.get(id(model), model), seqs, self.backend.pad_id, self.device, teacher=teacher, bf16=self.bf16)

    def _update(self, items: list[tuple[TrainSequence, torch.Tensor | None]]) -> dict[str, Any]:
        """Gradient accumulation over padded micro-batches, one optimizer step per pass, then the schedule moves."""
        cfg = self.cfg
        # Normalisers over the whole step (all ranks): each rank's token-sums / global counts add up to the
        # whole batch's token means once gradients and stats are summed over ranks.
        pg_tokens, all_tokens = (int(x) for x in distributed.all_reduce_values(
            [sum(len(s.tokens) for s, a in items if a is not None), sum(len(s.tokens) for s, _ in items)], self.ranks, device=self.device))
        totals = {"loss": 0.0, "pg_loss": 0.0, "aopd_loss": 0.0, "kl": 0.0, "clip_frac": 0.0}
        if not all_tokens:  # every group filtered: no gradient, but warmup and decay follow the step count
            with warnings.catch_warnings():  # torch warns that no optimizer step came first: intended here
                warnings.simplefilter("ignore", UserWarning)
                return {**totals, "lr": self._advance_schedule(), "grad_norm": 0.0}
        batches = self._as_many_as_any_rank(micro_batches(items, cfg.micro_batch), lambda: [(self._placeholder, None)])
        # pi_old, the trainer's own log-probs before any update (per token, tiny): the ratio's denominator under
        # truncated IS, and for dialogues without recorded log-probs when there are several passes.
        # One pass without dropout: pi_old is the first pass's own log-probs (detached), no extra forward.
        old: list[torch.Tensor | None] = [None] * len(batches)
        one_pass = cfg.updates_per_batch == 1 and (cfg.lora_dropout == 0 or not cfg.lora)
        if cfg.uses_pg and (cfg.tis_cap is not None or cfg.updates_per_batch > 1) and not one_pass:
            with torch.no_grad():
                for b, batch in enumerate(batches):
                    logits = self._logits(self.model, [s for s, _ in batch])
                    old[b] = sampling_logprobs(logits, torch.cat([s.tokens for s, _ in batch]).to(self.device), cfg.temperature, cfg.top_p)
        self.model.train()
        grad_norm = 0.0
        gap = [0.0, 0, 0.0]  # behaviour/trainer log-prob gap on the first pass: sum, count, max
        for n_pass in range(cfg.updates_per_batch):
            self.optimizer.zero_grad(set_to_none=True)
            for batch, old_lp in zip(batches, old):
                for key, value in self._micro_step(batch, old_lp, pg_tokens, all_tokens, gap=gap if n_pass == 0 else None).items():
                    totals[key] += value
            grad_norm = self._clip_and_step()
        self._push_weights()  # once, after the step's last optimizer step: the engine samples only the next step
        lr = self._advance_schedule()
        k = cfg.updates_per_batch
        totals = distributed.reduce_stats(totals, self.ranks, sums=list(totals), device=self.device)
        gap_sum = distributed.reduce_stats({"sum": gap[0], "count": gap[1], "max": gap[2]}, self.ranks, sums=("sum", "count"),
                                           maxima=("max",), device=self.device)
        return ({key: value / k for key, value in totals.items()} | {"lr": lr, "grad_norm": grad_norm}
                | {"behaviour_logprob_gap": _sig(gap_sum["sum"] / gap_sum["count"]) if gap_sum["count"] else None,
                   "behaviour_logprob_gap_max": _sig(gap_sum["max"]) if gap_sum["count"] else None})

    def _micro_step(self, batch: list[tuple[TrainSequence, torch.Tensor | None]], old_lp: torch.Tensor | None,
                    pg_tokens: int, all_tokens: int, gap: list | None = None) -> dict[str, float]:
        """Forward + backward of one micro-batch; each term is a token-sum over the batch's normaliser, so the
        accumulated gradient equals the whole batch's token-mean gradient. `gap` ([sum, count, max]) accumulates
        the behaviour/trainer log-prob gap from this forward's logits."""
        cfg, dev = self.cfg, self.device
        seqs = [s for s, _ in batch]
        tokens = torch.cat([s.tokens for s in seqs]).to(dev)
        stats = {"loss": 0.0, "pg_loss": 0.0, "aopd_loss": 0.0, "kl": 0.0, "clip_frac": 0.0}
        terms = ref_lp = None
        with torch.no_grad():  # teacher and reference: this micro-batch only, reduced at once to what is needed
            if cfg.uses_aopd:
                t_logits = self._teacher_logits(seqs)
                terms = teacher_terms(t_logits, cfg.aopd_mode, tokens, cfg.temperature, cfg.aopd_topk)
                del t_logits
            if cfg.kl_coef:
                with self._initial_policy() as m:
                    ref_lp = token_logprobs(self._logits(m, seqs) / cfg.temperature, tokens)
        logits = self._logits(self.model, seqs)
        loss = torch.zeros((), device=dev)
        logp = None
        if cfg.uses_pg and any(a is not None for _, a in batch):
            pg_mask = torch.cat([torch.full((len(s.tokens),), float(a is not None)) for s, a in batch]).to(dev)
            adv = torch.cat([a.float() if a is not None else torch.zeros(len(s.tokens)) for s, a in batch]).to(dev)
            logp = sampling_logprobs(logits, tokens, cfg.temperature, cfg.top_p)
            old, weights = self._behaviour(seqs, logp, old_lp)
            n = pg_mask.sum()
            pg = policy_loss(logp[None], old[None], adv[None], pg_mask[None], cfg.clip_eps, cfg.clip_low, cfg.clip_high,
                             None if weights is None else weights[None]) * n / pg_tokens
            loss = loss + pg
            stats["pg_loss"] = pg.item()
            with torch.no_grad():
                ratio = torch.exp(logp - old)
                low = cfg.clip_eps if cfg.clip_low is None else cfg.clip_low
                high = cfg.clip_eps if cfg.clip_high is None else cfg.clip_high
                clipped = ((ratio > 1 + high) & (adv > 0)) | ((ratio < 1 - low) & (adv < 0))
                stats["clip_frac"] = float((clipped.float() * pg_mask).sum()) / pg_tokens
        if terms is not None:
            behaviour = _recorded_logprobs(seqs) if cfg.aopd_mode == "reverse_kl_sampled" else None
            kd, value = aopd_token_loss(logits, terms, cfg.aopd_mode, tokens, cfg.temperature, cfg.aopd_jsd_beta,
                                        behaviour_logp=behaviour, cap=cfg.tis_cap)
            loss = loss + cfg.aopd_beta * kd.sum() / all_tokens
            stats["aopd_loss"] = float(value.sum()) / all_tokens  # the divergence (reverse_kl_sampled: its estimate)
        if gap is not None and any(s.sample_logp is not None for s in seqs):
            with torch.no_grad():
                lp = logp if logp is not None else sampling_logprobs(logits, tokens, cfg.temperature, cfg.top_p)
                total, count, largest = behaviour_gap(lp, _recorded_logprobs(seqs))
            gap[0], gap[1], gap[2] = gap[0] + total, gap[1] + count, max(gap[2], largest)
        if ref_lp is not None:
            logp_t = token_logprobs(logits / cfg.temperature, tokens)
            kl = kl_penalty(logp_t[None], ref_lp[None], torch.ones(1, len(tokens), device=dev)) * len(tokens) / all_tokens
            loss = loss + cfg.kl_coef * kl
            stats["kl"] = kl.item()
        if self.sharded and batch[0][0] is self._placeholder:  # the backward runs (collectives), the loss counts 0
            loss = logits.sum() * 0.0
            stats = dict.fromkeys(stats, 0.0)
        if loss.requires_grad:
            loss.backward()
        stats["loss"] = loss.item()
        return stats

    def _as_many_as_any_rank(self, batches: list[Any], placeholder: Callable[[], Any]) -> list[Any]:
        """Sharded: `batches` padded with placeholder micro-batches (loss x 0) to the largest count on any rank, as
        every forward and backward is a collective. Otherwise `batches` as they are."""
        if not self.sharded:
            return batches
        most = int(distributed.all_reduce_values([len(batches)], self.ranks, "max", self.device)[0])
        return batches + [placeholder() for _ in range(most - len(batches))]

    def _behaviour(self, seqs: list[TrainSequence], logp: torch.Tensor, old_lp: torch.Tensor | None
                   ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(ratio denominator [M], truncated-IS weights [M] or None) for the PG loss of one micro-batch.

        Default: the rollout's recorded sampling log-probs pi_sample (the behaviour policy), else pi_old (several
        passes), else logp itself (one pass: REINFORCE). tis_cap: pi_old, weighted by min(pi_old / pi_sample, cap).
        """
        cfg = self.cfg
        recorded = _recorded_logprobs(seqs).to(logp.device)
        has = ~torch.isnan(recorded)
        fallback = old_lp if old_lp is not None else logp.detach()
        if cfg.tis_cap is None:
            return torch.where(has, recorded, fallback), None
        weights = torch.where(has, torch.exp(fallback - recorded.nan_to_num()).clamp(max=cfg.tis_cap), torch.ones_like(fallback))
        return fallback, weights

    def _clip_and_step(self) -> float:
        """Clip the accumulated gradient and take one optimizer step; returns the pre-clip gradient norm."""
        if not self.sharded:  # (sharded: FSDP has reduce-scattered them in backward)
            distributed.all_reduce_gradients(self.trainable, self.ranks)  # sum of the ranks' shares (no-op in one process)
        grad_norm = fsdp.as_float(torch.nn.utils.clip_grad_norm_(self.trainable, self.cfg.max_grad_norm))
        self.optimizer.step()
        if self.sharded:
            self.backend.kv_store.clear()  # weights are swapped in and out by sharding: do not trust version counters
        return grad_norm

    def _push_weights(self) -> None:
        """An external engine (vLLM) samples the next rollouts from the new weights."""
        sync = getattr(self.rollout_backend, "sync_weights", None)
        if sync is not None and self.rollout_backend is not self.backend:
            sync(self.model)
            self.pushes += 1

    def _advance_schedule(self) -> float:
        """Move the LR schedule one step on; returns the LR the step just used."""
        lr = self.scheduler.get_last_lr()[0]
        self.scheduler.step()
        return lr

    def _teacher_model(self):
        """teacher: frozen -> the initial weights; current -> the policy as it is now (both used under no_grad)."""
        return nullcontext(self.model) if self.cfg.teacher == "current" else self._initial_policy()

    def _teacher_logits(self, seqs: list[TrainSequence]) -> torch.Tensor:
        """The teacher's logits [N, V] at the agent tokens of `seqs` (privileged view; N tokens in all), no gradient."""
        with torch.no_grad(), self._teacher_model() as m:
            return self._logits(m, seqs, teacher=True)


def _sig(value: float) -> float:
    return float(f"{value:.3g}")


def _recorded_logprobs(seqs: list[TrainSequence]) -> torch.Tensor:
    """The rollout's recorded sampling log-probs of a micro-batch's agent tokens, NaN where none were recorded: [M]."""
    return torch.cat([s.sample_logp if s.sample_logp is not None else torch.full((len(s.tokens),), float("nan"))
                      for s in seqs])


class _AdaptersOff:
    """Context: the PEFT model with its adapters disabled is the initial policy."""

    def __init__(self, model: Any):
        self.model = model
        self._ctx = model.disable_adapter()

    def __enter__(self) -> Any:
        self._ctx.__enter__()
        return self.model

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(*exc)

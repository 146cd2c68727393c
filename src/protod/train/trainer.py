"""The trainer: sft, grpo, stpr, aopd and siavpo, transformers + PEFT; one process, or N under torchrun /
accelerate launch, where each rank rolls out its share of a step's personas and the update is the one-process
update on the whole batch (data-parallel, protod.train.distributed; or sharded, protod.train.fsdp).

One step of the RL algorithms, top to bottom:
  1. draw `personas_per_step` training personas and run `group_size` dialogues with each (the policy itself, in the
     deployable view, through the episode engine; the user simulator answers); the rollout records each sampled
     token's log-prob under the sampling distribution (logits / temperature, top-p nucleus);
  2. reward R_i = 1 if the user accepted; per-turn advantages from the registry (grpo: A_i; stpr: |A_i| * sign of
     the stance change the turn caused); groups with all-equal rewards are dropped from the PG loss (counted);
  3. render each dialogue with the exact sampled ids; the loss touches agent tokens only:
        L = L_PG + aopd_beta * L_AOPD + kl_coef * KL(policy || initial)
     L_PG is the clipped ratio pi_theta / pi_sample with pi_theta at the sampling distribution (so one pass is
     on-policy up to the numerical difference between the rollout engine and the trainer's forward, which each step
     logs as behaviour_logprob_gap), optionally with truncated importance sampling; L_AOPD is the divergence
     `aopd_mode` names between the teacher (the same network reading the privileged view, no gradient) and the
     student;
  4. gradients accumulate over padded micro-batches of `micro_batch` dialogues (teacher terms computed per
     micro-batch, so memory does not grow with the batch); one optimizer step per pass (`updates_per_batch`),
     gradient clipping; the LR schedule moves once per step, even when every group was filtered.

Steps 1-2 and the loop are here; step 3-4, the update itself, is protod.train.policy_update.
"""

from __future__ import annotations

import json
import random
import time
import warnings
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Callable

import torch
import yaml

from protod.agent.llm import LLMAgent
from protod.agent.registry import make_scripted_agent
from protod.backends.base import SamplingParams
from protod.backends.hf import HFBackend
from protod.user.persona import PersonaSampler
from protod.store.provenance import package_versions
from protod.run.rollout import Trajectory, make_episodes, run_episodes
from protod.store.files import atomic_write_json, atomic_write_text
from protod.world import load_scenario
from protod.train import checkpoint, distributed, fsdp
from protod.train.advantages import turn_advantages
from protod.train.batching import micro_batches
from protod.train.config import TrainConfig
from protod.train.policy_update import PolicyUpdate
from protod.train.losses import token_logprobs
from protod.train.sequences import TrainSequence, build_sequence, state_deltas, teacher_concerns_for
from protod.user.simulator import make_simulator


def acceptance_reward(traj: Trajectory) -> float:
    """The default reward: 1 if the user accepted, else 0 (the paper's outcome reward)."""
    return 1.0 if traj.accepted else 0.0


class Trainer(PolicyUpdate):
    """`Trainer(config, out_dir).train()`. `reward_fn(trajectory) -> float` replaces the acceptance reward (toy
    objectives, shaped rewards); `pack` replaces the config's scenario with an already loaded one.

    `rollout_backend` samples the rollouts instead of the trainer's own HF backend (e.g. a `VLLMBackend` started
    from the same weights). It must record the sampled tokens and their log-probs (the behaviour policy); if it has
    `sync_weights(model)`, the trainer pushes the new weights into it after every optimizer step, so rollouts stay
    on-policy without a restart. `rollout_engine: vllm` in the config starts such an engine itself (`_start_engine`).

    Each RL step logs behaviour_logprob_gap (mean |log pi_trainer - log pi_sample| over the agent tokens with a
    recorded log-prob, from the update's first-pass logits: no extra forward) and its max: float noise with the hf
    engine, the engine mismatch with vLLM, and a stale engine (missed weight push) as a jump."""

    def __init__(self, config: TrainConfig, out_dir: str | Path, resume: bool = False,
                 reward_fn: Callable[[Trajectory], float] = acceptance_reward, pack: Any = None,
                 rollout_backend: Any = None):
        self.cfg = config
        self.out = Path(out_dir)
        self.reward_fn = reward_fn
        starts_engine = rollout_backend is None and config.rollout_engine == "vllm" and config.algo != "sft"
        if starts_engine:  # before any model loads: a missing vLLM is a one-line error, not a minute later
            from protod.backends.vllm_backend import require_vllm

            require_vllm("rollout_engine: vllm")
        self.pack = pack if pack is not None else load_scenario(config.scenario)
        # Several processes (torchrun / accelerate launch): see protod.train.distributed. One process: no-ops.
        self.ranks = distributed.ranks_from_env()
        world = self.ranks.world_size
        if config.personas_per_step % world:
            raise ValueError(f"personas_per_step = {config.personas_per_step} cannot be split evenly over {world} "
                             f"processes (each rolls out whole groups); make it a multiple of {world}")
        device = distributed.setup(self.ranks, config.device)
        self.log_path = self.out / "train_log.jsonl"
        if not resume and self.log_path.is_file() and self.log_path.stat().st_size:  # before a new base model replaces its
            raise ValueError(f"{self.out} already holds a training run; pass --resume to continue it or use another --out")
        torch.manual_seed(config.seed)
        # One precision policy (config.precision) for the weights, the rollouts and the update.
        self.dtype_name = config.dtype_name(torch.device(device).type if device else "cpu")
        self.bf16 = self.dtype_name == "bfloat16"
        with distributed.main_first(self.ranks):  # rank 0 saves a tiny-random base model before the others read it
            self.model, self.tokenizer, self.base_spec = checkpoint.load_policy(config, self.out, self.dtype_name, fresh_base=not resume and self.ranks.is_main,
                                                                                pack=self.pack)
        self.backend = HFBackend(self.model, self.tokenizer, name=f"policy:{config.model}", device=device,
                                 autocast_dtype=torch.bfloat16 if self.bf16 else None, template_args=config.chat_template_args)
        distributed.broadcast_parameters(self.model, self.ranks)
        self.rollout_backend = rollout_backend if rollout_backend is not None else self.backend
        self.renderer = self.backend.renderer
        self.device = self.backend.device
        if config.gradient_checkpointing:
            self.model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        _warn_if_clip_cannot_act(config)
        self.reference = checkpoint.frozen_copy(self.model, self.dtype_name) if not config.lora and (config.uses_aopd or config.kl_coef) else None
        resume_from = checkpoint.resume_point(self.out) if resume else None
        if resume_from is not None:  # the weights go in whole, before any sharding (the reference keeps the start)
            checkpoint.load_weights(self.model, resume_from, config.lora)
        # distributed: fsdp with several processes shards the policy (and the frozen reference); `_roots` maps a
        # model to the sharding root its training forwards run through (protod.train.fsdp).
        self.sharded = config.distributed == "fsdp" and self.ranks.active
        self._roots: dict[int, Any] = {}
        if self.sharded:
            if rollout_backend is not None:
                raise ValueError("distributed: fsdp with an external rollout engine is not supported yet (the engine "
                                 "needs the whole weights after each step); use distributed: ddp")
            self._roots = {id(m): fsdp.shard(m) for m in (self.model, self.reference) if m is not None}
            self._placeholder = fsdp.placeholder_sequence(self.backend.pad_id)
        self.trainable = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(self.trainable, lr=config.lr, weight_decay=config.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, self._lr_factor)
        sim_backend = None
        if config.sim_model:
            from protod.backends import load_backend

            sim_backend = load_backend(config.sim_model, device=device)
        self.simulator = make_simulator(config.simulator, self.pack, sim_backend)
        self.step = 0
        self.pushes = 0  # weight pushes into an external rollout engine (one per RL step with an optimizer step)
        self.log_path = self.out / "train_log.jsonl"
        self.out.mkdir(parents=True, exist_ok=True)
        if resume_from is not None:
            load_optimizer = (lambda state: fsdp.load_optimizer_state(self.model, self.optimizer, state)) if self.sharded else None
            self.step = checkpoint.restore_state(self, resume_from, write_log=self.ranks.is_main, load_optimizer=load_optimizer)
        elif self.log_path.exists() and self.log_path.stat().st_size:
            raise ValueError(f"{self.out} already holds a training run; pass --resume to continue it or use another --out")
        if starts_engine:  # after restore: a resumed run's engine starts from the resumed weights
            self.rollout_backend = self._start_engine()
        if self.ranks.is_main:
            kept = "no training step has run yet" if self.step == 0 else "the last checkpoint is intact"
            atomic_write_text(self.out / "config.yaml", yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False), kept, resumable=self.step > 0)
            atomic_write_json(self.out / "run.json", {"versions": package_versions(), "base_model": self.base_spec}, kept, resumable=self.step > 0)
        distributed.barrier(self.ranks)  # no rank starts step 1 (and rank 0's log) before all have checked the run dir
        self._sft_data: list[Trajectory] | None = None

    # -- schedule --------------------------------------------------------------------------------------------------
    def _lr_factor(self, step: int) -> float:
        return self.cfg.lr_factor(step)

    def _start_engine(self) -> Any:
        """rollout_engine: vllm - the policy as it is now (LoRA merged) saved to <out>/rollout-policy, an in-process
        vLLM engine started on it. Later weights reach the engine by `sync_weights`, not through this directory.
        The engine renders prompts with the trainer's own tokenizer: the sampled sequence is the trained one."""
        from protod.backends.vllm_backend import VLLMBackend, save_full_model

        from protod.train.preflight import engine_kv_gb

        cfg = self.cfg
        # Each rank writes its own copy (an engine must never read a file another rank is still writing) and the
        # safetensors file is renamed into place whole (save_full_model).
        where = self.out / "rollout-policy" / (f"rank-{self.ranks.rank}" if self.ranks.active else "")
        path = save_full_model(self.model, self.tokenizer, where, dtype=self.dtype_name)
        return VLLMBackend(path, name=f"vllm:policy:{cfg.model}", dtype=self.dtype_name, enforce_eager=cfg.enforce_eager(self.device.type),
                           kv_cache_gb=engine_kv_gb(cfg, self.model.config if not hasattr(self.model, "get_base_model") else self.model.get_base_model().config,
                                                    self.device, self.ranks.world_size),
                           max_model_len=cfg.vllm_max_model_len, seed=cfg.seed, tokenizer=self.tokenizer,
                           template_args=cfg.chat_template_args)


    # -- one step --------------------------------------------------------------------------------------------------
    def rollouts(self) -> list[Trajectory]:
        cfg = self.cfg
        sampler = PersonaSampler(self.pack, cfg.persona_seed)
        personas = sampler.sample(cfg.personas_per_step, stratum=cfg.stratum, start=self.step * cfg.personas_per_step)
        personas = distributed.shard(personas, self.ranks, "personas_per_step")  # whole groups: all G rollouts here
        agent = LLMAgent(self.rollout_backend, "deployable", SamplingParams(cfg.temperature, cfg.top_p, cfg.max_new_tokens))
        self.model.eval()
        # sharded: whole weights while decoding (each rank decodes a different number of tokens, no collectives)
        with fsdp.gathered([self._roots[id(self.model)]]) if self.sharded else nullcontext():
            return run_episodes(self.pack, agent, make_episodes(personas, cfg.group_size), simulator=self.simulator,
                                seed=cfg.seed * 1_000_003 + self.step, batch_size=cfg.rollout_batch)

    def rl_step(self) -> dict[str, Any]:
        t0 = time.perf_counter()
        trajs, errored, groups_errored = self._errored_handled(self.rollouts())
        rollout_s = time.perf_counter() - t0
        rewards = {t.episode_id: (0.0 if t.status != "ok" else float(self.reward_fn(t))) for t in trajs}
        items, groups, filtered = self.prepare(trajs, rewards)
        stats = self._update(items)
        # This rank's counts, then the whole step's (summed over ranks; one process: unchanged).
        counts = distributed.reduce_stats(
            {"reward_sum": sum(rewards.values()), "accepted": sum(t.accepted for t in trajs), "rewarded": len(rewards),
             "dialogues": len(trajs), "groups_filtered": filtered, "groups": groups,
             "agent_tokens": sum(len(s.tokens) for s, _ in items), "rollout_s": rollout_s,
             "turns": sum(len(t.turns) for t in trajs),
             "probe_turns": sum(any(a.startswith("probe:") for a in turn["acts"]) for t in trajs for turn in t.turns),
             "dialogues_errored": errored, "groups_errored": groups_errored,
             "sim_fallback_turns": sum(bool(turn.get("sim_fallback")) for t in trajs for turn in t.turns)},
            self.ranks, sums=("reward_sum", "accepted", "rewarded", "dialogues", "groups_filtered", "groups", "agent_tokens",
                              "turns", "probe_turns", "dialogues_errored", "groups_errored", "sim_fallback_turns"),
            maxima=("rollout_s",), device=self.device)
        return {
            **stats,
            "reward_mean": counts["reward_sum"] / max(counts["rewarded"], 1),
            "acceptance": counts["accepted"] / max(counts["dialogues"], 1),
            # share of agent turns the user heard as a probe (a question about a worry): the behaviour AOPD distils
            "probing_rate": counts["probe_turns"] / max(counts["turns"], 1),
            "dialogues": counts["dialogues"],
            "groups_filtered": counts["groups_filtered"],
            "groups": counts["groups"],
            "dialogues_errored": counts["dialogues_errored"],
            "groups_errored": counts["groups_errored"],
            "agent_tokens": counts["agent_tokens"],
            "rollout_s": round(counts["rollout_s"], 3),
            # user turns an LLM simulator failed (a dead endpoint) and the rules stood in for: training on rules
            # while believing it trains on the LLM user must show in the log
            "sim_fallback_turns": int(counts["sim_fallback_turns"]),
        }

    def _errored_handled(self, trajs: list[Trajectory]) -> tuple[list[Trajectory], int, int]:
        """(the dialogues that enter the step, dialogues errored, groups with an error) per `errored_dialogues`:
        never a silent drop of the failures alone, which would leave each group's baseline to the survivors."""
        bad_groups = {t.persona.id for t in trajs if t.status != "ok"}
        errored = sum(t.status != "ok" for t in trajs)
        if self.cfg.errored_dialogues == "drop_group":
            kept = [t for t in trajs if t.persona.id not in bad_groups]
        else:  # zero_reward: every dialogue stays in its group (an errored one with reward 0)
            kept = list(trajs)
        return kept, errored, len(bad_groups)

    def prepare(self, trajs: list[Trajectory], rewards: dict[str, float] | None = None
                ) -> tuple[list[tuple[TrainSequence, torch.Tensor | None]], int, int]:
        """Per-turn advantages and rendered sequences for a rollout batch (`rewards` by episode id, else reward_fn).

        Returns (items, groups, groups filtered): each item is a sequence with its per-token advantages, or None
        where the dialogue only feeds the AOPD loss (its group had no reward variance).
        """
        cfg = self.cfg
        groups: dict[str, list[Trajectory]] = {}
        for t in trajs:
            groups.setdefault(t.persona.id, []).append(t)
        items: list[tuple[TrainSequence, torch.Tensor | None]] = []
        filtered = 0
        for persona_id, group in groups.items():
            # random teacher concerns: drawn per group, so a group draws the same wherever it is trained (any rank)
            rng = random.Random(f"teacher:{cfg.seed}:{self.step}:{persona_id}")
            group_rewards = torch.tensor([rewards[t.episode_id] if rewards is not None else float(self.reward_fn(t)) for t in group])
            k = max(len(t.turns) for t in group)
            deltas = torch.zeros(len(group), k)
            mask = torch.zeros(len(group), k, dtype=torch.bool)
            for i, t in enumerate(group):
                d = state_deltas(t, cfg.stpr_signal)
                deltas[i, : len(d)] = torch.tensor(d)
                mask[i, : len(d)] = True
            adv = None
            if cfg.uses_pg:
                if cfg.filter_zero_variance and bool((group_rewards == group_rewards[0]).all()) and cfg.stpr_lambda == 0:
                    filtered += 1  # all-equal rewards: no GRPO signal in this group
                else:
                    adv = turn_advantages(cfg.advantage_name, group_rewards, deltas, mask, delta_min=cfg.delta_min, lam=cfg.stpr_lambda)
            for i, t in enumerate(group):
                if (adv is None and not cfg.uses_aopd) or not t.turns:  # no turns: in the baseline only
                    continue
                concerns = teacher_concerns_for(self.pack, t, cfg.teacher_concerns, rng) if cfg.uses_aopd else None
                seq = build_sequence(self.pack, self.renderer, t, concerns)
                items.append((seq, adv[i][seq.turn] if adv is not None else None))
        return items, len(groups), filtered

    def sft_step(self) -> dict[str, Any]:
        cfg = self.cfg
        if self._sft_data is None:
            self._sft_data = self._sft_transcripts()
        batch_rng = random.Random(f"sft:{cfg.seed}:{self.step}")
        batch = batch_rng.sample(self._sft_data, k=min(cfg.sft_batch, len(self._sft_data)))
        seqs = [build_sequence(self.pack, self.renderer, t, view=t.view) for t in batch]
        total = sum(len(s.tokens) for s in seqs)  # every rank builds the whole batch: the normaliser is global
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        value = 0.0
        for chunk in self._as_many_as_any_rank(micro_batches(distributed.shard_uneven(seqs, self.ranks), cfg.micro_batch),
                                               lambda: [self._placeholder]):
            tokens = torch.cat([s.tokens for s in chunk]).to(self.device)
            logp = token_logprobs(self._logits(self.model, chunk), tokens)
            loss = -logp.sum() / total * (0.0 if self.sharded and chunk[0] is self._placeholder else 1.0)
            loss.backward()
            value += loss.item()
        grad_norm = self._clip_and_step()
        lr = self._advance_schedule()
        value = distributed.all_reduce_values([value], self.ranks, device=self.device)[0]
        return {"loss": value, "sft_loss": value, "agent_tokens": total, "dialogues": len(seqs), "lr": lr, "grad_norm": grad_norm}

    def _sft_transcripts(self) -> list[Trajectory]:
        cfg, data = self.cfg, []
        sampler = PersonaSampler(self.pack, cfg.persona_seed)
        for i, src in enumerate(cfg.sft_data):
            personas = sampler.sample(src.dialogues, stratum=cfg.stratum, start=i * 100_000)
            trajs = run_episodes(self.pack, make_scripted_agent(src.agent), personas, seed=cfg.seed + i)
            for t in trajs:
                t.view = src.view  # render in the view the source asks for
            data += trajs
        return data

    # -- the loop --------------------------------------------------------------------------------------------------
    def train(self, max_steps: int | None = None, on_step: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
        """Run steps up to `max_steps` (default cfg.max_steps); returns their log records. With several processes
        every rank returns the same records (stats reduced over ranks) and calls `on_step`; rank 0 alone writes
        train_log.jsonl and the checkpoints."""
        cfg = self.cfg
        last = max_steps if max_steps is not None else cfg.max_steps
        logs = []
        main = self.ranks.is_main
        with self.log_path.open("a", encoding="utf-8") if main else nullcontext() as log:
            cuda = self.device.type == "cuda"
            while self.step < last:
                start = time.perf_counter()
                if cuda:
                    torch.cuda.reset_peak_memory_stats(self.device)
                stats = self.sft_step() if cfg.algo == "sft" else self.rl_step()
                self.step += 1
                elapsed = time.perf_counter() - start
                record = {"step": self.step, **{k: (round(v, 6) if isinstance(v, float) and k not in _SIGNIFICANT else v)
                                                for k, v in stats.items()},
                          "tokens_per_s": round(stats.get("agent_tokens", 0) / elapsed, 2), "step_s": round(elapsed, 3)}
                record.setdefault("pg_loss", None)
                record.setdefault("aopd_loss", None)
                record.setdefault("kl", None)
                record.setdefault("reward_mean", None)
                record.setdefault("acceptance", None)
                if cuda:  # this step's peak, rollouts and update together: what a user sizes a GPU by
                    record["peak_mem_gib"] = round(torch.cuda.max_memory_allocated(self.device) / 2**30, 3)
                if log is not None:
                    log.write(json.dumps(record) + "\n")
                    log.flush()
                logs.append(record)
                if on_step is not None:
                    on_step(record)
                if self.step % cfg.save_every == 0 or self.step == last:
                    self.save()
        return logs

    def save(self) -> None:
        """Write checkpoint-<step> (rank 0; every replica holds the same weights and optimizer state) and wait."""
        model_state = optimizer_state = None
        if self.sharded:  # gathered whole onto rank 0 (every rank takes part)
            model_state, optimizer_state = fsdp.full_state(self.model, self.optimizer)
        if self.ranks.is_main:
            try:
                checkpoint.save(self, self.out, model_state, optimizer_state)
            except Exception as e:  # full disk, no permission: `latest` never takes this torn checkpoint
                from protod.store.files import os_error_of, write_failed

                if (err := os_error_of(e)) is None:
                    raise
                raise write_failed(getattr(err, "filename", None) or self.out / f"checkpoint-{self.step}", err,
                                   "the previous checkpoint is intact; free space and pass --resume") from None
        distributed.barrier(self.ranks)  # a resume or a reader must not see a half-written checkpoint


# Logged with 3 significant digits, not 6 decimals: float noise of 1e-7 must not read as 0.
_SIGNIFICANT = ("behaviour_logprob_gap", "behaviour_logprob_gap_max")


def _warn_if_clip_cannot_act(cfg: TrainConfig) -> None:
    """A clip setting with one pass per batch is a no-op (ratio = 1 up to numerics): say so once, at start."""
    clip_keys = sorted({"clip_eps", "clip_low", "clip_high"} & cfg.model_fields_set)
    if cfg.uses_pg and clip_keys and cfg.updates_per_batch == 1:
        warnings.warn(f"{', '.join(clip_keys)} set but updates_per_batch = 1: the policy is still the one that sampled, "
                      "so the ratio is 1 and the clip cannot act; set updates_per_batch > 1 for it to matter",
                      UserWarning, stacklevel=3)



"""The paper's experiment in miniature: a conservative starting policy, its proactivity gap, several training arms
with equal budgets and several seeds, held-out evaluation against two user simulators, one summary.

Stages (each an ordinary protod run in its own directory under `out_dir`; finished ones are reused):
  1. start  - the conservative policy. `tiny`: a small random Qwen2 fine-tuned on transcripts (blind: the passive
              agent's pitch-and-ask; shown the concerns: the oracle's probe-and-answer), so the gap comes from
              data, not code. `smollm2`: the embedded SmolLM2-135M-Instruct as it is (a post-trained LLM).
  2. gap    - deployable pass@k vs privileged pass@1 of that policy on held-out users (`protod gap`).
  3. train  - every arm x seed from the same start with the same number of training dialogues (`protod train`).
  4. eval   - every policy on the same >= 96 held-out users, deployable view, against the training simulator
              (rule) and one it never saw (learned by default): acceptance, pass@k, discovery, probing, unsupported claims.
  5. summary.json + report.html; `protod results` renders README's Results section from summary.json.

Arms are data (ARMS): what each changes in the training config, and why it is there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from protod.eval.ablation import arm_acceptance, intervals_separate, paired_difference, seed_spread, user_scores
from protod.eval.passk import kendall_tau
from protod.run.jobs import Job, default_workers, run_jobs
from protod.store.files import FULL_ERRNOS, WriteFailed, writing
from protod.train.config import SFTSource, TrainConfig

SCENARIO = "merchant_recruitment"
TRAIN_PERSONA_SEED = 1000  # training personas; held-out users come from EVAL_SEED (other users, every stratum)
EVAL_SEED = 7


@dataclass(frozen=True)
class Arm:
    label: str
    overrides: dict[str, Any]
    why: str


ARMS: dict[str, Arm] = {
    "grpo": Arm("GRPO", {"algo": "grpo"}, "outcome reward only: the baseline the paper improves on"),
    "siavpo": Arm("SI-AVPO", {"algo": "siavpo"}, "STPR + AOPD with the user's own concerns: the method"),
    "stpr": Arm("STPR alone", {"algo": "stpr"}, "turn credit from state transitions, no distillation"),
    "aopd": Arm("AOPD alone", {"algo": "aopd"}, "distillation from the privileged view, no reward"),
    "siavpo_random": Arm("SI-AVPO, random concerns", {"algo": "siavpo", "teacher_concerns": "random"},
                         "the teacher is shown concerns the user does not hold: is it the concerns that help?"),
    "siavpo_prior": Arm("SI-AVPO, external-only teacher", {"algo": "siavpo", "teacher_concerns": "prior"},
                        "the teacher is shown as many concerns as the user holds, the ones the visible traits predict "
                        "(the pack's correlations): do the user's actual concerns beat what anyone can see?"),
}


@dataclass(frozen=True)
class DemoPlan:
    """Sizes of every stage. The default (3 arms x 3 seeds) fits ~15 minutes on 2 CPU cores; FULL runs every arm with 5 seeds."""

    model: str = "tiny"  # tiny | smollm2
    tiny_hidden: int = 128
    tiny_layers: int = 2
    sft_steps: int = 400
    sft_passive_dialogues: int = 120  # blind pitching is one simple behaviour: few transcripts teach it
    sft_oracle_dialogues: int = 1000  # probing the listed concerns generalises to new users only from many
    sft_batch: int = 8
    sft_lr: float = 2e-3
    sft_warmup: int = 20
    arms: tuple[str, ...] = ("grpo", "siavpo", "siavpo_random")
    seeds: tuple[int, ...] = (0, 1, 2)
    rl_steps: int = 15
    personas_per_step: int = 4
    group_size: int = 4
    rl_lr: float = 1e-4
    lora: bool = False
    rl_temperature: float = 1.0  # rollouts explore at 1.0; evaluation samples at eval_temperature
    max_new_tokens: int = 48
    batch_size: int = 64  # dialogues decoded together (gap, RL rollouts, evaluation)
    gap_n: int = 32
    gap_ks: tuple[int, ...] = (1, 2, 4, 8, 16)
    eval_n: int = 96
    eval_k: int = 2  # rule-simulator dialogues per user (pass@k up to this); 4 would cost ~100 s more
    eval_temperature: float = 0.7
    # held-out simulator beside rule: learned shares no perception code with rule (semantic is rule's perceiver plus
    # an encoder fallback, so their agreement says little); ~3x semantic's evaluation time, ~110 s of the demo's wall
    second_simulator: str | None = "learned"
    workers: int = 0  # gap, training and evaluation jobs run on this many processes (0: one per core, at most 2; 1: here)
    extra: dict[str, Any] = field(default_factory=dict)  # further TrainConfig keys for every arm

    @property
    def rollouts_per_run(self) -> int:
        return self.rl_steps * self.personas_per_step * self.group_size


DEFAULT = DemoPlan()
FULL = replace(DEFAULT, arms=tuple(ARMS), seeds=(0, 1, 2, 3, 4))
QUICK = replace(DEFAULT, sft_steps=6, sft_passive_dialogues=8, sft_oracle_dialogues=8, rl_steps=2, personas_per_step=2,
                group_size=2, gap_n=3, gap_ks=(1, 2), eval_n=4, eval_k=2, max_new_tokens=12, arms=("grpo", "siavpo"),
                seeds=(0,), workers=1)
# batch 32: SmolLM2's decode on CPU costs ~3.4 s a dialogue at batch 16 or 32, ~7 s at 64 (memory-bound KV).
SMOLLM2 = replace(DEFAULT, model="smollm2", lora=True, batch_size=32, rl_lr=5e-5, rl_steps=6, personas_per_step=4,
                  group_size=4, gap_n=16, gap_ks=(1, 2, 4, 8), eval_n=96, eval_k=1, arms=("grpo", "siavpo"), seeds=(0,), workers=1)
PLANS = {"default": DEFAULT, "full": FULL, "quick": QUICK, "smollm2": SMOLLM2}


def checkpoint_every(steps: int) -> int:
    """Every stage checkpoints about five times, so a killed demo resumes (`protod demo --resume`) losing at most a
    fifth of a stage; the earlier checkpoints are removed once the stage has finished."""
    return max(1, -(-steps // 5))


def _on(device: str | None) -> dict[str, Any]:
    return {"device": device} if device else {}


def sft_config(plan: DemoPlan, device: str | None = None) -> TrainConfig:
    """The conservative starting policy (configs/tiny-conservative-sft.yaml): pitch passively when blind, probe and
    answer when shown the concerns."""
    return TrainConfig(
        **_on(device),
        algo="sft", model="tiny-random", tiny_hidden=plan.tiny_hidden, tiny_layers=plan.tiny_layers, lora=False,
        lr=plan.sft_lr, warmup_steps=plan.sft_warmup, schedule="cosine", scenario=SCENARIO,
        sft_data=[SFTSource(agent="passive", view="deployable", dialogues=plan.sft_passive_dialogues),
                  SFTSource(agent="oracle", view="privileged", dialogues=plan.sft_oracle_dialogues)],
        sft_batch=plan.sft_batch, max_steps=plan.sft_steps, save_every=checkpoint_every(plan.sft_steps), seed=0,
        persona_seed=TRAIN_PERSONA_SEED,
    )


def rl_config(arm: str, start: str, plan: DemoPlan, seed: int, device: str | None = None) -> TrainConfig:
    """One arm's training config: identical budgets and settings across arms except what the arm overrides."""
    base = dict(
        model=start, lora=plan.lora, lr=plan.rl_lr, scenario=SCENARIO, personas_per_step=plan.personas_per_step,
        group_size=plan.group_size, max_new_tokens=plan.max_new_tokens, temperature=plan.rl_temperature,
        rollout_batch=plan.batch_size, max_steps=plan.rl_steps, save_every=checkpoint_every(plan.rl_steps), aopd_mode="forward_kl",
        aopd_beta=1.0, seed=seed, persona_seed=TRAIN_PERSONA_SEED, **_on(device),
    )
    return TrainConfig(**{**base, **plan.extra, **ARMS[arm].overrides})


# -- stages ---------------------------------------------------------------------------------------------------------
def eval_params(plan: DemoPlan) -> Any:
    """How the gap and the held-out evaluation sample (RL rollouts explore at plan.rl_temperature instead)."""
    from protod.backends.base import SamplingParams

    return SamplingParams(temperature=plan.eval_temperature, max_new_tokens=plan.max_new_tokens)


def _finished(out: Path, steps: int) -> Path | None:
    from protod.store.records import CHECKPOINT_META, CheckpointMeta
    from protod.store.files import read_model
    from protod.train.checkpoint import latest

    done = latest(out)
    if done is not None and read_model(done / CHECKPOINT_META, CheckpointMeta, RESTART).step >= steps:
        return done
    return None


RESTART = "delete that stage's directory to redo it, or use another --out"
KEPT = "every finished stage and checkpoint is intact"


def _prune(out: Path, keep: Path) -> None:
    """A finished stage keeps its last checkpoint only (the periodic ones were for resuming)."""
    import re
    import shutil

    for ckpt in out.glob("checkpoint-*"):
        if ckpt != keep and re.fullmatch(r"checkpoint-\d+", ckpt.name) and ckpt.is_dir():
            shutil.rmtree(ckpt, ignore_errors=True)


def train_run(config: dict[str, Any], out: str, label: str = "", threads: int = 0) -> dict[str, Any]:
    """Train one config to its last step in `out` (resuming a partial run); returns the final checkpoint and the
    wall time. Top-level so that a worker process can run it."""
    import torch

    from protod.store.records import DemoSeconds
    from protod.store.files import atomic_write_json, read_model
    from protod.train.checkpoint import clear_run, latest
    from protod.train.trainer import Trainer

    if threads:
        torch.set_num_threads(threads)
    cfg = TrainConfig.model_validate(config)
    path = Path(out)
    start = time.perf_counter()
    done = _finished(path, cfg.max_steps)
    timing = path / "demo_seconds.json"  # the training time of a finished run, so that reuse reports it unchanged
    if done is not None and timing.exists():
        return {"checkpoint": str(done), "seconds": read_model(timing, DemoSeconds, RESTART).seconds}
    if done is None:
        resume = latest(path) is not None
        if not resume:  # killed before its first checkpoint: nothing to keep, start the stage afresh
            clear_run(path)
        trainer = Trainer(cfg, path, resume=resume)

        def show(r: dict[str, Any]) -> None:
            every = max(1, cfg.max_steps // 10)  # about ten lines a run
            if label and (r["step"] % every == 0 or r["step"] == cfg.max_steps):
                reward = f", reward {r['reward_mean']:.2f}" if r.get("reward_mean") is not None else ""
                print(f"  {label} step {r['step']}/{cfg.max_steps}: loss {r['loss']:.3f}{reward}", flush=True)

        trainer.train(on_step=show)
        done = latest(path)
        _prune(path, done)
    seconds = round(time.perf_counter() - start, 1)
    atomic_write_json(timing, {"seconds": seconds})
    return {"checkpoint": str(done), "seconds": seconds}


STAGES = ("start", "gap", "train", "eval-rule", "eval-semantic", "eval-learned", "summary.json")
SECOND_SIMULATORS = ("learned", "semantic", "none")  # --second-simulator: the held-out simulator beside rule


def _plan_guard(out_dir: Path, plan: DemoPlan, resume: bool) -> None:
    """A demo directory holds one plan: reusing stages of another plan would mix budgets. An unfinished demo is
    continued only when told (`--resume`); a finished one is reused as it is."""
    from pydantic import TypeAdapter

    from protod.store.files import atomic_write_json, read_model, validate

    path = out_dir / "plan.json"
    record = json.loads(json.dumps(asdict(plan)))
    held = [name for name in STAGES if (out_dir / name).exists()]
    if not path.exists():
        if held:
            raise ValueError(f"{path}: missing, but {out_dir} holds demo stages ({', '.join(held)}) of an unknown plan; "
                             "delete them or use another --out")
        atomic_write_json(path, record)
        return
    todo = "use another --out, or delete the directory"
    raw = read_model(path, _AnyObject, todo).model_dump()
    old = json.loads(json.dumps(asdict(validate(raw, TypeAdapter(DemoPlan), str(path), todo))))
    if old != record or set(raw) != set(record):
        diff = sorted(k for k in set(raw) | set(record) if raw.get(k) != record.get(k))
        raise ValueError(f"{out_dir} holds a demo with another plan (differs in: {', '.join(diff)}); "
                         "use another --out or delete it")
    if not resume and "summary.json" not in held:
        raise ValueError(f"{out_dir} holds an unfinished demo; pass --resume to continue it (each stage from its last "
                         "checkpoint) or use another --out")


class _AnyObject(BaseModel):
    """plan.json's outer shape (a JSON object); its fields are checked against DemoPlan."""

    model_config = ConfigDict(extra="allow")


def run_demo(out_dir: Path, plan: DemoPlan = DEFAULT, say: Callable[[str], None] = print,
             device: str | None = None, resume: bool = False) -> dict[str, Any]:
    """Run (or, with `resume`, finish) the demo in `out_dir`. `device` (cpu, cuda, ...) is where every model runs; it
    is not part of the plan, so a run may be finished on another device, and summary.json records where each call
    ran. One demo at a time per directory (a lock)."""
    from protod.store.files import run_lock

    if device:
        from protod.backends.hf import check_device

        check_device(device)  # before any stage: a bad device fails in a second, not after the SFT
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir}: exists and is not a directory; --out must be a directory")
    with run_lock(out_dir, "demo"):
        # a full disk anywhere in a stage (a transcript, a figure, a checkpoint, a library's own file): one line
        # naming the file; finished stages and checkpoints stay, so --resume continues from them
        with writing(out_dir, KEPT, errnos=FULL_ERRNOS):
            try:
                return _run_demo(out_dir, plan, say, device, resume)
            except WriteFailed as e:
                e.resumable = True  # a training stage's "previous checkpoint is intact": the demo resumes from it
                raise


def _run_demo(out_dir: Path, plan: DemoPlan, say: Callable[[str], None], device: str | None, resume: bool) -> dict[str, Any]:
    from protod.backends.hf import smollm2_dir
    from protod.eval.report import build_report
    from protod.world import load_scenario
    from protod.store.files import atomic_write_json, atomic_write_text

    start = time.perf_counter()
    _plan_guard(out_dir, plan, resume)
    pack = load_scenario(SCENARIO)
    seconds: dict[str, float] = {}
    # made now, afresh: a missing model for one fails in seconds, not after the training; an in-process run's jobs
    # reuse them (`_simulator`), spawned workers build their own
    sims = {"rule": (_simulator("rule", pack, fresh=True), plan.eval_k)}
    if plan.second_simulator:
        sims[plan.second_simulator] = (_simulator(plan.second_simulator, pack, fresh=True), 1)

    t = time.perf_counter()
    if plan.model == "tiny":
        say(f"1/5 the conservative starting policy: SFT of a tiny Qwen2 ({plan.tiny_hidden}-d, {plan.tiny_layers} layers) "
            f"on passive blind transcripts + oracle privileged ones, {plan.sft_steps} steps")
        sft = train_run(sft_config(plan, device).model_dump(mode="json", exclude_unset=True), str(out_dir / "start"), "sft")
        start_dir = Path(sft["checkpoint"])
        start_spec = f"hf:{start_dir}"
    elif plan.model == "smollm2":
        say("1/5 the starting policy: the embedded SmolLM2-135M-Instruct as it is (LoRA on top for training)")
        start_dir = smollm2_dir()
        start_spec = "smollm2"
    else:
        raise ValueError(f"demo model: expected tiny or smollm2, got {plan.model!r}")
    seconds["start"] = round(time.perf_counter() - t, 1)

    # Stages 2-4 share one queue of jobs on the worker processes: the gap, every training run, and one evaluation job
    # per (policy, simulator), each started as soon as its policy exists (protod.run.jobs)
    t = time.perf_counter()
    train_jobs = {f"{arm}-s{seed}": rl_config(arm, start_spec, plan, seed, device) for arm in plan.arms for seed in plan.seeds}
    todo_sims = {name: k for name, (_, k) in sims.items() if not (out_dir / f"eval-{name}" / "eval.json").exists()}
    # the gap and the training runs first, in the stages' order (one worker runs them as the stages used to be run);
    # the short evaluation jobs fill in behind them
    jobs = [Job("gap", gap_run, (str(start_dir), start_spec, plan, str(out_dir / "gap"), device))]
    jobs += [Job(f"train {name}", train_run, (cfg.model_dump(mode="json", exclude_unset=True), str(out_dir / "train" / name), name))
             for name, cfg in train_jobs.items()]
    for policy in ["start", *train_jobs]:
        for sim_name, k in todo_sims.items():
            path = str(start_dir) if policy == "start" else None  # None: the run's last checkpoint, once it exists
            jobs.append(Job(f"eval {sim_name} {policy}", eval_run, (policy, path, sim_name, k, plan, str(out_dir), device),
                            needs=None if policy == "start" else f"train {policy}", priority=1))
    workers = default_workers(len(jobs), plan.workers)
    say(f"2-4/5 on {workers} worker process{'es' if workers > 1 else ''}: the proactivity gap (deployable pass@k vs "
        f"privileged pass@1 on {plan.gap_n} held-out users); {len(plan.arms)} arms x {len(plan.seeds)} seeds trained from "
        f"the starting policy, {plan.rl_steps} steps x {plan.personas_per_step * plan.group_size} dialogues each "
        f"({plan.rollouts_per_run} per run); {len(train_jobs) + 1} policies evaluated on {plan.eval_n} held-out users, "
        f"deployable view, simulators {', '.join(sims)}")

    def done(name: str, result: dict[str, Any]) -> None:
        say(f"  {name}: done in {result['seconds']:.0f} s")

    results = run_jobs(jobs, workers, done)
    gap = results["gap"]["gap"]
    trained = {name: results[f"train {name}"] for name in train_jobs}
    evals = collect_evals(pack, ["start", *train_jobs], sims, plan, out_dir)
    seconds["gap"] = results["gap"]["seconds"]
    seconds["train"] = round(sum(r["seconds"] for r in trained.values()), 1)
    seconds["eval"] = round(sum(r["seconds"] for name, r in results.items() if name.startswith("eval ")), 1)
    seconds["gap_train_eval_wall"] = round(time.perf_counter() - t, 1)
    seconds["workers"] = workers

    say("5/5 summary and report")
    seconds["total"] = round(time.perf_counter() - start, 1)
    summary = summarise(plan, gap, evals, out_dir, seconds, {name: r["seconds"] for name, r in trained.items()}, device)
    # report.html first: summary.json is what marks the demo finished
    page = build_report([out_dir / "eval-rule", out_dir / "gap"], lead=demo_report_html(summary, out_dir))
    atomic_write_text(out_dir / "report.html", page, KEPT, resumable=True)
    atomic_write_json(out_dir / "summary.json", summary, KEPT, resumable=True)
    return summary


def gap_run(start_dir: str, start_spec: str, plan: DemoPlan, out: str, device: str | None = None,
            threads: int = 0) -> dict[str, Any]:
    """Stage 2 as a job: gap.json (reused when present)."""
    from protod.agent.llm import LLMAgent
    from protod.backends.hf import HFBackend
    from protod.eval.gap import proactivity_gap
    from protod.store.records import GapRecord
    from protod.store.files import read_model
    from protod.world import load_scenario

    t = time.perf_counter()
    gap_dir = Path(out)
    if (gap_dir / "gap.json").exists():
        return {"gap": read_model(gap_dir / "gap.json", GapRecord, RESTART).model_dump(), "seconds": 0.0}
    _threads(threads)
    pack, params = load_scenario(SCENARIO), eval_params(plan)
    backend = HFBackend.from_pretrained(start_dir, device=device)
    gap = proactivity_gap(pack, LLMAgent(backend, "deployable", params), LLMAgent(backend, "privileged", params),
                          _simulator("rule", pack), list(plan.gap_ks), plan.gap_n, EVAL_SEED, gap_dir,
                          batch_size=plan.batch_size, resume=gap_dir.exists(), config={"model": start_spec, "stage": "demo-gap"})
    return {"gap": gap, "seconds": round(time.perf_counter() - t, 1)}


def eval_run(policy: str, path: str | None, sim_name: str, k: int, plan: DemoPlan, out_dir: str,
             device: str | None = None, threads: int = 0) -> dict[str, Any]:
    """Stage 4 as a job: one policy against one simulator on the held-out users (a finished cell is reused, a
    partial one resumed)."""
    from protod.agent.llm import LLMAgent
    from protod.backends.hf import HFBackend
    from protod.eval.evaluate import cell_path, run_cell
    from protod.world import load_scenario

    t = time.perf_counter()
    _threads(threads)
    pack, where = load_scenario(SCENARIO), Path(out_dir) / f"eval-{sim_name}"
    weights = Path(path) if path else trained_policy(Path(out_dir), policy)
    agent = LLMAgent(HFBackend.from_pretrained(weights, device=device), "deployable", eval_params(plan))
    run_cell(pack, policy, agent, sim_name, _simulator(sim_name, pack), plan.eval_n, k, EVAL_SEED, where,
             batch_size=plan.batch_size, resume=cell_path(where, policy, sim_name).exists(), config=_eval_config(sim_name))
    return {"seconds": round(time.perf_counter() - t, 1)}


def collect_evals(pack: Any, policies: list[str], sims: dict[str, tuple[Any, int]], plan: DemoPlan,
                  out_dir: Path) -> dict[str, dict[str, Any]]:
    """eval.json per simulator from the finished cells (reused when present), every policy on the same users."""
    from protod.eval.evaluate import collect
    from protod.store.records import EvalRecord
    from protod.store.files import read_model

    out: dict[str, dict[str, Any]] = {}
    for sim_name, (_, k) in sims.items():
        where = out_dir / f"eval-{sim_name}"
        if (where / "eval.json").exists():
            out[sim_name] = read_model(where / "eval.json", EvalRecord, RESTART).model_dump()
        else:
            out[sim_name] = collect(pack, policies, [sim_name], plan.eval_n, k, EVAL_SEED, where, _eval_config(sim_name))
    return out


def trained_policy(out_dir: Path, name: str) -> Path:
    """A finished training run's weights: its last checkpoint."""
    from protod.train.checkpoint import latest

    found = latest(out_dir / "train" / name)
    if found is None:
        raise FileNotFoundError(f"{out_dir / 'train' / name}: the training run has no checkpoint")
    return found


def _eval_config(sim_name: str) -> dict[str, Any]:
    return {"stage": "demo-eval", "simulator": sim_name}


_SIMULATORS: dict[tuple[str, str], Any] = {}  # a worker evaluating several policies builds each simulator once


def _simulator(name: str, pack: Any, fresh: bool = False) -> Any:
    """The process's simulator `name` for `pack`, made once (`fresh`: made again, replacing the kept one)."""
    from protod.store.provenance import pack_fingerprint
    from protod.user.simulator import make_simulator

    key = (name, pack_fingerprint(pack))
    if fresh or key not in _SIMULATORS:
        _SIMULATORS[key] = make_simulator(name, pack)
    return _SIMULATORS[key]


def _threads(threads: int) -> None:
    if threads:
        import torch

        torch.set_num_threads(threads)


def hardware(device: str | None, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Where this call ran and what training cost: mean seconds per RL step (`steps`: every run's train_log records)
    and, on CUDA, the largest peak memory of any step (rollouts and update) and of this process (gap and evaluation,
    and training when in-process). Step numbers come from the logs, so reused runs keep those of the call that ran
    them; the process peak is this call's."""
    import platform

    import torch

    dev = torch.device(device or "cpu")
    out: dict[str, Any] = {"device": str(dev), "cpu_threads": torch.get_num_threads(), "machine": platform.machine(),
                           "train_step_s": round(sum(r["step_s"] for r in steps) / len(steps), 2) if steps else None}
    if dev.type == "cuda":
        peaks = [r["peak_mem_gib"] for r in steps if "peak_mem_gib" in r]
        out.update(gpu=torch.cuda.get_device_name(dev), train_peak_mem_gib=max(peaks) if peaks else None,
                   process_peak_mem_gib=round(torch.cuda.max_memory_allocated(dev) / 2**30, 3))
    return out


CURVE_KEYS = ("reward_mean", "acceptance", "probing_rate", "aopd_loss", "groups_filtered")
METRIC_KEYS = ("concern_discovery_rate", "probing_rate", "unsupported_claim_rate", "mean_turns_to_accept")


def policy_fingerprint(out_dir: Path, name: str) -> str:
    """What a policy computes, as a hash of its weights: the starting policy's for `start` and for an adapter that is
    still a no-op (every LoRA B matrix zero: no update ever landed), else the hash of its trained tensors."""
    import hashlib

    from safetensors.numpy import load_file

    from protod.train.checkpoint import latest

    ckpt = latest(out_dir / ("start" if name == "start" else f"train/{name}"))
    if ckpt is None:
        return f"missing:{name}"
    adapter = ckpt / "adapter_model.safetensors"
    if name != "start" and adapter.is_file():
        tensors = load_file(adapter)
        if all(not t.any() for k, t in tensors.items() if "lora_B" in k):
            return policy_fingerprint(out_dir, "start")
    else:
        tensors = load_file(ckpt / "model.safetensors") if (ckpt / "model.safetensors").is_file() else {}
    digest = hashlib.sha256()
    for key in sorted(tensors):
        digest.update(key.encode())
        digest.update(tensors[key].tobytes())
    return digest.hexdigest()[:16]


def _records(cell: dict[str, Any]) -> list[dict[str, Any]]:
    from protod.run.rollout import read_trajectories

    return read_trajectories(Path(cell["run_dir"]) / "trajectories.jsonl")


def _curves(logs: list[list[dict[str, Any]]]) -> dict[str, list[float | None]]:
    """Per step, the mean over seeds of each training curve (None where no seed logged it)."""
    steps = max((len(log) for log in logs), default=0)
    out: dict[str, list[float | None]] = {}
    for key in CURVE_KEYS:
        row: list[float | None] = []
        for i in range(steps):
            xs = [log[i].get(key) for log in logs if i < len(log) and log[i].get(key) is not None]
            row.append(round(sum(xs) / len(xs), 4) if xs else None)
        out[key] = row
    return out


def summarise(plan: DemoPlan, gap: dict[str, Any], evals: dict[str, dict[str, Any]], out_dir: Path,
              seconds: dict[str, float], train_seconds: dict[str, float], device: str | None = None) -> dict[str, Any]:
    from protod.store.provenance import package_versions
    from protod.store.records import TrainLogLine
    from protod.store.files import read_jsonl

    from protod.eval.probing import first_probe_targets
    from protod.world import load_scenario

    cells = {sim: {r["agent"]: r for r in ev["results"]} for sim, ev in evals.items()}
    scores = {sim: {name: user_scores(_records(cell)) for name, cell in by.items()} for sim, by in cells.items()}
    pack = load_scenario(SCENARIO)
    arms: dict[str, Any] = {}
    steps: list[dict[str, Any]] = []
    groups = {"start": ["start"], **{arm: [f"{arm}-s{s}" for s in plan.seeds] for arm in plan.arms}}
    for arm, names in groups.items():
        entry: dict[str, Any] = {"label": "starting policy" if arm == "start" else ARMS[arm].label,
                                 "why": "the conservative policy every arm starts from" if arm == "start" else ARMS[arm].why,
                                 "policies": names}
        for sim in cells:
            acc = arm_acceptance([scores[sim][n] for n in names])
            per = [cells[sim][n] for n in names]
            entry[sim] = {
                **acc,
                "pass_at_k": {k: seed_spread([c["pass_at_k"][k] for c in per])["mean"] for k in per[0]["pass_at_k"]},
                "pass_hat_k": {k: seed_spread([c["pass_hat_k"][k] for c in per])["mean"] for k in per[0]["pass_hat_k"]},
                **{key: seed_spread([c[key] for c in per]) for key in METRIC_KEYS},
            }
        # which concern the blind policy asks about first, against the user's own and the observable prior's
        entry["first_probe"] = first_probe_targets(pack, [rec for n in names for rec in _records(cells["rule"][n])])
        if arm != "start":
            logs = [[r.model_dump() for r in read_jsonl(out_dir / "train" / n / "train_log.jsonl", TrainLogLine, RESTART)]
                    for n in names]
            entry["curves"] = _curves(logs)
            steps += [r for log in logs for r in log]
            entry["train_seconds"] = [train_seconds.get(n) for n in names]
        arms[arm] = entry
    comparisons: dict[str, Any] = {}
    for sim in cells:
        for other in plan.arms:
            if other != "siavpo" and "siavpo" in plan.arms:
                comparisons[f"{sim}:siavpo-vs-{other}"] = paired_difference(
                    [scores[sim][n] for n in groups["siavpo"]], [scores[sim][n] for n in groups[other]])
    headline = None
    if "siavpo" in plan.arms and "grpo" in plan.arms:
        si, gr = arms["siavpo"]["rule"], arms["grpo"]["rule"]
        headline = {"siavpo": [si["acceptance"], si["ci_low"], si["ci_high"]], "grpo": [gr["acceptance"], gr["ci_low"], gr["ci_high"]],
                    "intervals_separate": intervals_separate(si, gr), "paired": comparisons.get("rule:siavpo-vs-grpo")}
    matrix = {name: {sim: cells[sim][name]["acceptance"] for sim in cells} for name in cells["rule"]}
    # Kendall tau over distinct policies: an arm whose weights never moved (every group filtered) is the starting
    # policy again, and counting it twice would inflate the agreement between simulators
    first_of: dict[str, str] = {}  # fingerprint -> the first policy with those weights
    for name in matrix:
        first_of.setdefault(policy_fingerprint(out_dir, name), name)
    distinct = list(first_of.values())
    taus = {}
    sim_names = list(cells)
    for i, a in enumerate(sim_names):
        for b in sim_names[i + 1:]:
            taus[f"{a}~{b}"] = kendall_tau([matrix[n][a] for n in distinct], [matrix[n][b] for n in distinct])
    return {
        "scenario": SCENARIO,
        "plan": json.loads(json.dumps(asdict(plan))),
        "model": {"tiny": f"tiny random Qwen2 ({plan.tiny_hidden}-d, {plan.tiny_layers} layers, SmolLM2 tokenizer cut to the pack's tokens), SFT {plan.sft_steps} steps",
                  "smollm2": "SmolLM2-135M-Instruct (embedded), LoRA"}[plan.model],
        "gap": {"deployable_pass_at_k": gap["deployable_pass_at_k"], "privileged_pass_at_k": gap["privileged_pass_at_k"],
                "privileged_pass_at_1": gap["privileged_pass_at_1"], "closed_by_sampling": gap["gap_closed_by_sampling"],
                "users": gap["n"]},
        "budget": {"training_dialogues_per_run": plan.rollouts_per_run, "steps": plan.rl_steps,
                   "dialogues_per_step": plan.personas_per_step * plan.group_size, "eval_users": plan.eval_n,
                   "eval_rollouts_per_user": {sim: (plan.eval_k if sim == "rule" else 1) for sim in cells},
                   "train_persona_seed": TRAIN_PERSONA_SEED, "eval_persona_seed": EVAL_SEED},
        "seeds": list(plan.seeds),
        "arms": arms,
        "comparisons": comparisons,
        "headline": headline,
        "matrix": matrix,
        "kendall_tau": taus,
        "distinct_policies": distinct,
        "seconds": seconds,
        "hardware": hardware(device, steps),
        "versions": package_versions(),
    }


# -- rendering ------------------------------------------------------------------------------------------------------
def _ci(x: dict[str, Any]) -> str:
    return f"{x['acceptance']:.3f} ({x['ci_low']:.2f}–{x['ci_high']:.2f})"


def _pm(x: dict[str, float], digits: int = 2) -> str:
    if x["mean"] != x["mean"]:  # NaN: nothing to average (e.g. no acceptance, so no turns-to-accept)
        return "–"
    return f"{x['mean']:.{digits}f} ± {x['std']:.{digits}f}"


def arm_table(summary: dict[str, Any], why: bool = False) -> tuple[list[str], list[list[str]]]:
    """The ablation table (column names, one row of text per arm) that the CLI, README and report.html all show."""
    sims = list(summary["budget"]["eval_rollouts_per_user"])
    over = "seeds and users" if next(iter(summary["arms"].values()))["rule"].get("users_ci") is not None else "users"
    columns = ["arm", f"acceptance, rule (95% CI over {over})", "per seed", "pass@k (rule)", "concerns found", "probing rate",
               "unsupported claims", *[f"acceptance, {s}" for s in sims if s != "rule"], *(["why it is here"] if why else [])]
    rows = []
    for a in summary["arms"].values():
        r = a["rule"]
        rows.append([a["label"], _ci(r), " / ".join(f"{x:.3f}" for x in r["per_seed"]),
                     ", ".join(f"@{k} {v:.2f}" for k, v in r["pass_at_k"].items()), _pm(r["concern_discovery_rate"]),
                     _pm(r["probing_rate"]), _pm(r["unsupported_claim_rate"], 3), *[_ci(a[s]) for s in sims if s != "rule"],
                     *([a["why"]] if why else [])])
    return columns, rows


def _markdown_table(columns: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns), *("| " + " | ".join(r) + " |" for r in rows)]


def results_markdown(summary: dict[str, Any]) -> str:
    """README's Results block, rendered from summary.json alone (so the README cannot drift from the run)."""
    gap, budget = summary["gap"], summary["budget"]
    ks = list(gap["deployable_pass_at_k"])
    lines = [
        f"Model: {summary['model']}. Training: {budget['steps']} steps x {budget['dialogues_per_step']} dialogues = "
        f"{budget['training_dialogues_per_run']} dialogues per run, seeds {', '.join(map(str, summary['seeds']))}. "
        f"Held-out: {budget['eval_users']} users, rollouts per user: "
        + ", ".join(f"{s} {k}" for s, k in budget["eval_rollouts_per_user"].items())
        + f". Wall time {summary['seconds']['total'] / 60:.1f} min ({timing_line(summary['seconds'])}).",
        "",
        f"**Proactivity gap** of the starting policy ({gap['users']} held-out users): deployable pass@1 "
        f"{gap['deployable_pass_at_k'][ks[0]]:.3f}, pass@{ks[-1]} {gap['deployable_pass_at_k'][ks[-1]]:.3f}; "
        f"privileged pass@1 {gap['privileged_pass_at_1']:.3f} ({'closed' if gap['closed_by_sampling'] else 'not closed'} by sampling).",
        "",
        *_markdown_table(*arm_table(summary)),
        "",
    ]
    lines += [f"- {line}" for line in verdict_lines(summary)]
    return "\n".join(lines) + "\n"


def timing_line(seconds: dict[str, float]) -> str:
    """Where the wall time went. Stages 2-4 run interleaved on worker processes: their wall time, then each kind's
    worker time (summed over its jobs, so it adds up to about workers x wall)."""
    if "gap_train_eval_wall" not in seconds:  # a summary from before the stages were interleaved
        return ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items() if k != "total")
    workers = int(seconds.get("workers", 1))
    return (f"start {seconds['start']:.0f} s; then gap, training and evaluation interleaved on {workers} worker "
            f"process{'es' if workers > 1 else ''}, {seconds['gap_train_eval_wall']:.0f} s (worker time: gap "
            f"{seconds['gap']:.0f} s, training {seconds['train']:.0f} s, evaluation {seconds['eval']:.0f} s)")


def _paired_ci(p: dict[str, Any]) -> str:
    """A paired difference's interval; a summary with both says which noise each one covers."""
    ci = f"95% CI {p['ci_low']:+.3f} to {p['ci_high']:+.3f}"
    if p.get("users_ci") is None:
        return ci
    low, high = p["users_ci"]
    return f"{ci} over training seeds and users; {low:+.3f} to {high:+.3f} over users with these trained policies fixed"


def verdict_lines(summary: dict[str, Any]) -> list[str]:
    """What a reader needs after the table, as plain sentences (README lists them, the CLI prints them): the
    headline bar, every paired comparison on the same users, and how far the simulators agree on the ranking."""
    out = []
    head = summary.get("headline")
    if head:
        p = head["paired"]
        out.append(f"Headline bar (SI-AVPO's interval above GRPO's, rule simulator): "
                   f"{'met' if head['intervals_separate'] else 'not met'}. SI-AVPO − GRPO on the same users: "
                   f"{p['difference']:+.3f} ({_paired_ci(p)}).")
    labels = {arm: a["label"] for arm, a in summary["arms"].items()}
    for key, p in summary["comparisons"].items():
        sim, pair = key.split(":", 1)
        a, b = pair.split("-vs-")
        if (sim, b) != ("rule", "grpo"):
            out.append(f"{labels[a]} − {labels[b]} on the same users, {sim} simulator: {p['difference']:+.3f} "
                       f"({_paired_ci(p)}).")
    floors = [p["min_detectable_difference"] for p in summary["comparisons"].values()
              if p.get("min_detectable_difference") is not None]
    flips = [(a["label"], a["rule"]["seed_flips"]) for a in summary["arms"].values() if a["rule"].get("seed_flips") is not None]
    if floors:
        out.append(f"Noise floor at this size: paired differences below {min(floors):.3f}–{max(floors):.3f} are not "
                   "detectable (80% power, alpha 0.05, from the intervals over seeds and users)"
                   + ("; users whose outcome flips between two seeds of one arm: "
                      + ", ".join(f"{label} {share:.0%}" for label, share in flips) if flips else "") + ".")
    probing = [(a["label"], a["first_probe"]) for a in summary["arms"].values()
               if (a.get("first_probe") or {}).get("probed") and a["first_probe"].get("first_hits_primary") is not None
               and a["first_probe"].get("first_hits_prior") is not None]
    if probing:
        base = probing[0][1].get("prior_hits_primary") or 0.0
        out.append("First concern probed (rule simulator; share of dialogues with a probe) hits the user's own primary "
                   "concern / the trait prior's top concern: "
                   + "; ".join(f"{label} {f['first_hits_primary']:.2f} / {f['first_hits_prior']:.2f}" for label, f in probing)
                   + f". The trait prior alone names the primary concern for {base:.2f} of users.")
    distinct = [n for n in summary.get("distinct_policies") or () if n in summary["matrix"]] or list(summary["matrix"])
    same = len(summary["matrix"]) - len(distinct)
    for pair, tau in summary["kendall_tau"].items():
        which = "distinct policies" if summary.get("distinct_policies") else "policies"
        out.append(f"Kendall tau of the {len(distinct)} {which}' acceptance, {pair.replace('~', ' vs ')}: {tau:.2f}"
                   + (f" ({same} whose weights never moved from another's counted once)." if same else "."))
    return out


README_BEGIN = "<!-- demo-results:begin (generated by `protod results docs/demo-summary.json --readme README.md`) -->"
README_END = "<!-- demo-results:end -->"


def write_readme_block(readme: Path, summary: dict[str, Any]) -> None:
    """Replace the generated block between README_BEGIN and README_END with results_markdown(summary)."""
    text = readme.read_text(encoding="utf-8")
    if README_BEGIN not in text or README_END not in text:
        raise ValueError(f"{readme}: no generated results block (expected the markers {README_BEGIN!r} and {README_END!r})")
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    from protod.store.files import atomic_write_text

    # whole or not at all: written in place, a full disk once cut README to its first 8 KB
    atomic_write_text(readme, head + README_BEGIN + "\n" + results_markdown(summary) + README_END + tail)


def demo_report_html(summary: dict[str, Any], out_dir: Path) -> str:
    """The demo's own section of report.html: the ablation table and the training curves per arm (the gap plot is the
    report's own, from the gap directory: once)."""
    import html

    from protod.eval.report import png_img, html_table

    table = html_table(*arm_table(summary, why=True))
    figs = [png_img(_curves_figure(summary))]
    verdict = "<ul>" + "".join(f"<li>{html.escape(line)}</li>" for line in verdict_lines(summary)) + "</ul>"
    return ("<h2>Demo: arms with equal budgets</h2>"
            f"<p>{html.escape(summary['model'])}; {summary['budget']['training_dialogues_per_run']} training dialogues per run; "
            f"seeds {html.escape(', '.join(map(str, summary['seeds'])))}; {summary['budget']['eval_users']} held-out users. "
            "Intervals resample users (every seed and rollout of a user kept together).</p>"
            + table + verdict + "<div class='figs'>" + "".join(figs) + "</div>")


def _curves_figure(summary: dict[str, Any]) -> Any:
    from protod.eval.report import pyplot

    plt = pyplot()
    # Two by two at the page's width (one row of four was four thumbnails), one legend for all below them
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.6))
    labels: dict[str, Any] = {}
    for ax, key, title in zip(axes.flat, ("reward_mean", "acceptance", "probing_rate", "aopd_loss"),
                              ("reward", "training acceptance", "probing rate", "AOPD loss")):
        for arm, a in summary["arms"].items():
            values = a.get("curves", {}).get(key)
            if values and any(v is not None for v in values):
                line, = ax.plot(range(1, len(values) + 1), [v if v is not None else float("nan") for v in values],
                                label=a["label"])
                labels.setdefault(a["label"], line)
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("step")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    if labels:
        fig.legend(list(labels.values()), list(labels), loc="lower center", ncol=min(len(labels), 4), fontsize=9,
                   bbox_to_anchor=(0.5, 0.0))
    return fig

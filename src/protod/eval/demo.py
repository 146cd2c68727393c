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
from dataclasses import asdict
from pathlib import Path
from typing import Any
from pydantic import BaseModel, ConfigDict

from protod.run.jobs import Job, default_workers, run_jobs
from protod.store.files import FULL_ERRNOS, WriteFailed, writing
from protod.train.config import TrainConfig
from protod.eval.demo_plan import DEFAULT, DemoPlan, EVAL_SEED, RESTART, SCENARIO, rl_config, sft_config
from protod.eval.demo_summary import demo_report_html, summarise


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

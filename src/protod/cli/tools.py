"""Commands around runs: train, report, redteam, consistency (chat: protod.cli.chat)."""

from __future__ import annotations

import json
import os
import shlex
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Optional

import typer

from protod.cli.common import (
    ENDPOINT_DEFAULTS, MAX_SEARCH_USERS, RETRIES_HELP, TIMEOUT_HELP, progress, app, friendly, on_interrupt, out,
    rank_errors_are_own,
)
from protod.store.files import atomic_write_json, atomic_write_text, run_lock
from protod.world import load_scenario


# --------------------------------------------------------------------------------------------------------------
# train


@app.command()
@friendly
def train(
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="Training config YAML (see configs/; every key documented in protod.train.config)."),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", min=1, help="Override the config's max_steps."),
    out_dir: Path = typer.Option(Path("runs/train"), "--out", "-o", help="Run directory: train_log.jsonl, checkpoint-N/, config.yaml."),
    resume: bool = typer.Option(False, "--resume", help="Continue from the latest checkpoint in --out (weights, optimizer, scheduler, RNG, step)."),
    overrides: list[str] = typer.Option([], "--set", help="Override a config key: --set lr=5e-5 --set algo=grpo."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Override the config's seed."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Start afresh in an --out that holds a run (its log, checkpoints and config are removed)."),
    timeout: float = typer.Option(ENDPOINT_DEFAULTS["timeout"], "--timeout", min=0.1, help=TIMEOUT_HELP),
    max_retries: int = typer.Option(ENDPOINT_DEFAULTS["max_retries"], "--max-retries", min=0, help=RETRIES_HELP),
    preflight: bool = typer.Option(False, "--preflight", help="Train nothing: print what would run where (devices, world size, vLLM executor, dtype), the memory budget of one device and the template args, one line per problem; exit 2 if the run cannot work. Loads no weights."),
    nproc: int = typer.Option(1, "--nproc", min=1, max=1024, help="Ranks to start on this machine (data-parallel; one failing stops all with its one line). With --preflight: the ranks planned."),
) -> None:
    """Train a policy: sft, grpo, stpr, aopd or siavpo (= STPR + beta * AOPD), resumable; one process, or N ranks
    on this machine with --nproc N, or under `torchrun` / `accelerate launch` across machines (data-parallel; README
    "Scaling out"). Check a config first with `protod train --preflight --config FILE --nproc N`."""
    from protod.backends import ENDPOINT_OPTIONS
    from protod.train import distributed
    from protod.train.config import load_config

    if resume and overwrite:
        raise ValueError("--resume and --overwrite contradict each other; pass one")
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir}: exists and is not a directory; --out must be a directory")
    extra = list(overrides) + ([f"max_steps={max_steps}"] if max_steps else []) + ([f"seed={seed}"] if seed is not None else [])
    cfg = load_config(config, extra)
    if preflight:
        from protod.train.preflight import preflight as check

        report = check(cfg, nproc, source=str(config) if config else "<defaults>")
        out.print(report.text(), markup=False, highlight=False, soft_wrap=True)
        if report.problems:
            raise typer.Exit(2)
        return
    ranks = distributed.ranks_from_env()  # torchrun / accelerate launch: every rank runs this command
    launching = nproc > 1
    if launching and ranks.active:
        raise ValueError("--nproc starts its own ranks; under torchrun or accelerate launch leave it out")
    if launching:
        ranks = distributed.Ranks(nproc, 0, 0)  # the checks below speak for every rank, once, before any starts
    if resume:
        check_train_identity(out_dir, cfg)
    elif not overwrite and (out_dir / "train_log.jsonl").is_file() and (out_dir / "train_log.jsonl").stat().st_size:
        raise ValueError(f"{out_dir} already holds a training run; pass --resume to continue it or --overwrite to replace it")
    if cfg.personas_per_step % ranks.world_size:  # as the trainer would, but before any rank joins: said once
        raise ValueError(f"personas_per_step = {cfg.personas_per_step} cannot be split evenly over {ranks.world_size} "
                         f"processes (each rolls out whole groups); make it a multiple of {ranks.world_size}")
    if cfg.rollout_engine == "vllm" and cfg.algo != "sft":  # before any rank joins: one line, not one per rank
        from protod.backends.vllm_backend import require_vllm

        require_vllm("rollout_engine: vllm")
    from protod.train.launch import LAUNCHED, PEER_LOST, launch

    launched = os.environ.get(LAUNCHED)
    on_interrupt(" ".join(["protod train", *(["--config", shlex.quote(str(config))] if config else []),
                           *(f"--set {shlex.quote(o)}" for o in overrides), "--out", shlex.quote(str(out_dir)),
                           *([f"--nproc {launched}"] if launched else []), "--resume"]))
    if launching:
        args = [*(["--config", str(config)] if config else []), *(a for o in overrides for a in ("--set", o)),
                *(["--max-steps", str(max_steps)] if max_steps else []), *(["--seed", str(seed)] if seed is not None else []),
                "--out", str(out_dir), *(["--resume"] if resume else []), *(["--overwrite"] if overwrite else []),
                "--timeout", str(timeout), "--max-retries", str(max_retries)]
        code = launch(args, nproc)
        if code:
            raise typer.Exit(code)
        return
    # rank 0 holds --out for the whole job: a second `protod train` (or demo, eval) into it is refused at once
    with run_lock(out_dir, "train") if ranks.is_main else nullcontext():
        try:
            _train(cfg, out_dir, ranks, resume, overwrite, timeout, max_retries)
        except BaseException as e:
            distributed.abandon(ranks)
            if ranks.active and distributed.peer_lost(e):
                if launched:  # `train --nproc`: the launcher names the rank that failed
                    raise typer.Exit(PEER_LOST) from None
                raise ValueError("lost contact with another rank (it failed or was killed: see its own message); the "
                                 "last checkpoint in --out is intact") from None
            raise


def _train(cfg: Any, out_dir: Path, ranks: Any, resume: bool, overwrite: bool, timeout: float, max_retries: int) -> None:
    from protod.backends import ENDPOINT_OPTIONS
    from protod.train import distributed

    distributed.setup(ranks, cfg.device)
    record = {**{f"config.{k}": v for k, v in cfg.model_dump(mode="json").items()}, "--out": str(out_dir.resolve()),
              "--resume": resume, "--overwrite": overwrite}
    differs = distributed.first_disagreement(ranks, record)
    if differs is not None:
        rank, key, zero, other = differs
        raise ValueError(f"the ranks were started with different settings: rank 0 has {key}={json.dumps(zero)[:60]}, "
                         f"rank {rank} has {key}={json.dumps(other)[:60]}; start every rank with the same command")
    rank_errors_are_own()  # from here on a rank's failure is its own: it prints it, naming the rank
    if overwrite and not resume:
        if ranks.is_main:
            from protod.train.checkpoint import clear_run

            clear_run(out_dir)
        distributed.barrier(ranks)  # no rank reads the run directory before it is cleared
    ENDPOINT_OPTIONS.update(timeout=timeout, max_retries=max_retries)
    from protod.train.trainer import Trainer

    trainer = Trainer(cfg, out_dir, resume=resume)
    if not ranks.is_main:  # the other ranks train in silence; rank 0 shows the progress of the whole step
        trainer.train()
        distributed.finish(ranks)
        return
    with progress() as bar:
        task = bar.add_task(f"{cfg.algo} on {cfg.scenario}", total=cfg.max_steps, completed=trainer.step)

        def show(record: dict[str, Any]) -> None:
            parts = [f"loss {record['loss']:.4f}"]
            if record.get("reward_mean") is not None:
                parts.append(f"reward {record['reward_mean']:.3f}")
            bar.update(task, advance=1, description=f"{cfg.algo} step {record['step']}: " + ", ".join(parts))

        logs = trainer.train(on_step=show)
    distributed.finish(ranks)
    last = logs[-1] if logs else None
    if last:
        out.print(f"step {last['step']}: loss {last['loss']:.4f}" + (f", reward {last['reward_mean']:.3f}" if last.get("reward_mean") is not None else ""))
    fallbacks = sum(r.get("sim_fallback_turns") or 0 for r in logs)
    if fallbacks:
        out.print(f"Warning: the {cfg.simulator} simulator failed on {fallbacks} user turns and the rules stood in "
                  "(sim_fallback_turns in the log); check --sim-model's endpoint")
    from protod.train.checkpoint import latest

    ckpt = latest(out_dir)
    out.print(f"Log: {out_dir / 'train_log.jsonl'}; checkpoint: {ckpt}; evaluate it with `protod simulate --agent llm:hf:{ckpt}`")


def check_train_identity(out_dir: Path, cfg: Any) -> None:
    """`train --resume` continues the same run: the recorded config.yaml must match (max_steps may grow)."""
    import yaml

    from protod.store.identity import IdentityMismatch, describe, first_difference

    recorded_path = out_dir / "config.yaml"
    if not recorded_path.is_file():
        from protod.train.checkpoint import resume_point

        resume_point(out_dir)  # no checkpoint at all: that is the first thing to say
        # without the recorded config a resume could continue the run with another algorithm or model
        raise ValueError(f"{recorded_path}: missing, so --resume cannot check that it continues the same run; "
                         "pass --overwrite to start afresh, or use another --out")
    try:
        recorded = yaml.safe_load(recorded_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, ValueError):
        raise ValueError(f"{recorded_path}: unreadable; cannot check that --resume continues the same run") from None
    if not isinstance(recorded, dict):
        raise ValueError(f"{recorded_path}: expected a mapping of config keys")
    diff = first_difference({"config": recorded}, {"config": cfg.model_dump(mode="json")})
    if diff is not None:
        raise IdentityMismatch(f"{out_dir}: --resume of a different run: {describe(diff)}; "
                               "use the recorded config, another --out, or --overwrite")


@app.command()
@friendly
def report(
    dirs: list[Path] = typer.Argument(..., help="Run directories from protod eval / gap / simulate / train."),
    out_file: Path = typer.Option(Path("report.html"), "--out", "-o", help="The HTML file to write (self-contained, no network)."),
) -> None:
    """One self-contained HTML report: results with intervals, curves, training, and a transcript browser."""
    from protod.eval.report import build_report

    page = build_report(list(dirs))
    atomic_write_text(out_file, page)  # a full disk leaves an earlier report whole
    out.print(f"Report: {out_file} ({len(page) // 1024} KiB); open it in any browser")


# --------------------------------------------------------------------------------------------------------------
# chat


@app.command()
@friendly
def redteam(
    scenario: str = typer.Option("merchant_recruitment", "--scenario", "-s", help="Built-in pack id or path to a YAML pack."),
    budget_s: float = typer.Option(60.0, "--budget-s", min=0.1, help="Seconds of search (CPU)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the search and of its users (held-out users use seed + 1)."),
    personas: int = typer.Option(48, "--personas", min=1, max=MAX_SEARCH_USERS, help=f"Users each candidate strategy is scored on during the search (at most {MAX_SEARCH_USERS:,}: more outlasts any --budget-s on the first candidate)."),
    holdout: int = typer.Option(200, "--holdout", min=1, max=MAX_SEARCH_USERS, help=f"Held-out users the best strategies and the prober are re-scored on (at most {MAX_SEARCH_USERS:,})."),
    top: int = typer.Option(3, "--top", min=1, max=100, help="How many of the best strategies (of different gene kinds) to show (at most 100)."),
    max_evals: Optional[int] = typer.Option(None, "--max-evals", min=1, help="Stop after this many strategies (a reproducible budget)."),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the strategies, scores and transcripts as JSON."),
    fail_on_exploit: bool = typer.Option(False, "--fail-on-exploit", help="Exit 1 when a dishonest strategy beats the prober by > 0.05 (for CI)."),
) -> None:
    """Hunt for exploits of the user simulator: an evolutionary search over turns built from the pack's own data
    (facts, questions, cue words, negations, wrong numbers, injections, flattery) that maximises acceptance."""
    from protod.audit.redteam import describe, hunt

    pack = load_scenario(scenario)
    with progress() as bar:
        task = bar.add_task(f"hunting on {pack.id}", total=None)
        result = hunt(pack, budget_s=budget_s, seed=seed, personas=personas, holdout=holdout, top=top, max_evals=max_evals,
                      on_progress=lambda n, best: bar.update(task, description=f"{n} strategies tried, best fitness {best:.3f}"))
    out.print(f"{result.evaluations} strategies tried in {result.seconds:.1f} s. Prober on {holdout} held-out users: "
              f"{result.prober_acceptance:.3f}", markup=False)
    for i, e in enumerate(result.exploits, 1):
        verdict = "honest" if e.honest else f"NOT honest (its honest genes alone: {e.honest_twin_acceptance:.3f})"
        out.print(f"\n#{i}: acceptance {e.acceptance:.3f} held-out ({e.search_acceptance:.3f} in search), {verdict}", markup=False)
        out.print(f"  strategy (cycles): {describe(e.strategy)}", markup=False)
        for p in e.problems[:3]:
            out.print(f"  why not honest: {p}", markup=False)
        for turn in e.transcript:
            out.print(f"  agent: {turn['agent']}", markup=False, style="dim")
            out.print(f"  user:  {turn['user']}", markup=False)
    winners = result.dishonest_winners()
    out.print("\n" + (f"EXPLOITS: {len(winners)} dishonest strateg{'y beats' if len(winners) == 1 else 'ies beat'} the prober and its honest twin by > 0.05."
                      if winners else "No dishonest strategy found beats the prober and its honest twin by > 0.05."), markup=False)
    if out_file is not None:
        atomic_write_json(out_file, result.to_dict())
        out.print(f"Results: {out_file}")
    if fail_on_exploit and winners:
        raise typer.Exit(1)


# --------------------------------------------------------------------------------------------------------------
# consistency


@app.command()
@friendly
def consistency(
    path: Path = typer.Argument(..., help="A trajectories.jsonl file, or a run directory holding one."),
    scenario: Optional[str] = typer.Option(None, "--scenario", "-s", help="Pack to check against (default: the built-in pack each dialogue names)."),
    show: int = typer.Option(10, "--show", min=0, help="Findings to print in full."),
) -> None:
    """Check that users stayed true to the dialogue: no line citing an unstated fact, contradicting the persona's
    traits, or voicing a concern the persona does not hold. Exit code 1 when anything is found."""
    from protod.run.trajectories import read_trajectories
    from protod.audit.consistency import check_trajectory, count

    file = path / "trajectories.jsonl" if path.is_dir() else path
    if not file.is_file():
        raise ValueError(f"{file}: no such trajectories file")
    pack = load_scenario(scenario) if scenario else None
    findings = []
    records = read_trajectories(file)
    for lineno, record in enumerate(records, start=1):
        if pack is not None and isinstance(record, dict) and record.get("scenario") != pack.id:
            # another pack's rules find nothing wrong in lines they do not know: that is not a clean result
            raise ValueError(f"{file}:{lineno}: a dialogue of scenario {str(record.get('scenario'))[:60]!r}, but --scenario "
                             f"is {pack.id!r}; check it against its own pack (drop --scenario)")
        try:
            findings += check_trajectory(record, pack or load_scenario(record["scenario"]))
        except (KeyError, TypeError, AttributeError) as e:
            raise ValueError(f"{file}:{lineno}: not a protod trajectory ({type(e).__name__}: {e})") from None
    tally = count(findings)
    out.print(f"{len(records)} dialogues: " + ", ".join(f"{kind} {n}" for kind, n in tally.items()))
    for f in findings[:show]:
        out.print(f"  {f.dialogue} turn {f.turn} [{f.kind}] {f.detail}", highlight=False, markup=False)
    if findings:
        raise typer.Exit(1)

"""Commands that run dialogues: simulate, eval, gap, demo."""

from __future__ import annotations

import shlex
from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from protod.agent.llm import make_agent
from protod.agent.scripted import HONEST_AGENTS
from protod.agent.registry import SCRIPTED_AGENTS, make_scripted_agent
from protod.backends import SPEC_HELP, SamplingParams, load_backend
from protod.cli.common import (
    MAX_K, MAX_N, ENDPOINT_DEFAULTS, RETRIES_HELP, TIMEOUT_HELP, fmt, print_metrics, progress, app, err, friendly, on_interrupt, out,
    refuse_existing_runs,
)
from protod.user.persona import PersonaSampler
from protod.run.rollout import make_episodes
from protod.run.trajectories import simulate_to_dir
from protod.store.files import atomic_write_json, run_lock
from protod.world import builtin_scenarios, load_scenario


@app.command()
@friendly
def simulate(
    scenario: str = typer.Option("merchant_recruitment", "--scenario", "-s", help="Built-in pack id or path to a YAML pack."),
    agent: str = typer.Option("prober", "--agent", "-a", help=f"Scripted agent ({', '.join(SCRIPTED_AGENTS)}), `llm` with --model, or llm:<model spec>[:view]."),
    n: int = typer.Option(48, "-n", "--n", min=1, max=MAX_N, help="Number of dialogues (one per persona)."),
    seed: int = typer.Option(0, "--seed", help="Seed for personas and every dialogue's randomness."),
    stratum: Optional[str] = typer.Option(None, "--stratum", help="Only users of this stratum, difficulty or primary concern."),
    out_dir: Path = typer.Option(Path("runs/simulate"), "--out", "-o", help="Output directory (trajectories.jsonl, metrics.json)."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run in --out: keeps finished dialogues, runs the rest."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace results already in --out."),
    batch_size: int = typer.Option(64, "--batch-size", min=1, help="Dialogues run concurrently (turn-synchronous; one model batch per turn)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=f"Agent model for --agent llm: {SPEC_HELP}."),
    view: str = typer.Option("deployable", "--view", help="What the LLM agent sees: deployable (conversation only) or privileged (+ hidden concerns)."),
    temperature: float = typer.Option(0.7, "--temperature", min=0.0, help="Agent sampling temperature (0 = greedy)."),
    top_p: float = typer.Option(1.0, "--top-p", min=0.0, max=1.0, help="Agent nucleus sampling."),
    max_new_tokens: int = typer.Option(96, "--max-new-tokens", min=1, help="Agent tokens per turn (longer outputs are truncated)."),
    simulator: str = typer.Option("rule", "--simulator", help="rule (no model), cus-llm (LLM judge + voice over the same dynamics) or prompted (LLM role-play)."),
    sim_model: Optional[str] = typer.Option(None, "--sim-model", help=f"Model for cus-llm / prompted: {SPEC_HELP}."),
    device: Optional[str] = typer.Option(None, "--device", help="Device for local models (cpu, cuda, ...)."),
    timeout: float = typer.Option(ENDPOINT_DEFAULTS["timeout"], "--timeout", min=0.1, help=TIMEOUT_HELP),
    max_retries: int = typer.Option(ENDPOINT_DEFAULTS["max_retries"], "--max-retries", min=0, help=RETRIES_HELP),
    concurrency: int = typer.Option(16, "--concurrency", min=1, help="Requests in flight to an endpoint."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="On-disk response cache for endpoints (reproducible re-runs)."),
    api_key_env: str = typer.Option("OPENAI_API_KEY", "--api-key-env", help="Environment variable that holds the endpoint's API key."),
) -> None:
    """Run dialogues between an agent and a user simulator; write transcripts and metrics."""
    if view not in ("deployable", "privileged"):
        raise ValueError(f"--view {view!r}: expected deployable or privileged")
    pack = load_scenario(scenario)
    endpoint = {"timeout": timeout, "max_retries": max_retries, "concurrency": concurrency,
                "cache_dir": str(cache_dir) if cache_dir else None, "api_key_env": api_key_env}
    params = SamplingParams(temperature=temperature, top_p=top_p, max_new_tokens=max_new_tokens)
    policy = make_agent(agent, model=model, view=view, params=params, device=device, **endpoint)
    user_model = load_backend(sim_model, device=device, **endpoint) if sim_model else None
    from protod.user.simulator import make_simulator

    user_sim = make_simulator(simulator, pack, user_model)
    people = PersonaSampler(pack, seed).sample(n, stratum=stratum)
    episodes = make_episodes(people)
    config = {"scenario": scenario, "agent": policy.name, "n": n, "seed": seed, "stratum": stratum, "view": view if agent.startswith("llm") else None,
              "sampling": params.to_dict() if agent.startswith("llm") else None, "simulator": simulator, "sim_model": sim_model,
              "batch_size": batch_size}
    with run_lock(out_dir, "simulate"), progress() as bar:
        task = bar.add_task(f"{policy.name} on {pack.id}", total=n)
        if resume:
            from protod.run.trajectories import read_trajectories

            bar.update(task, completed=min(len(read_trajectories(out_dir / "trajectories.jsonl", repair=True)), n))
        metrics = simulate_to_dir(
            pack, policy, episodes, out_dir, seed=seed, resume=resume, overwrite=overwrite, simulator=user_sim,
            batch_size=batch_size, config=config, on_done=lambda _t: bar.advance(task),
        )
    print_metrics(f"{policy.name} vs {user_sim.name} simulator on {pack.id} (n={metrics['n']}, seed={seed})", metrics)
    out.print(f"Results: {out_dir / 'trajectories.jsonl'} and {out_dir / 'metrics.json'}")


# --------------------------------------------------------------------------------------------------------------
# eval


@app.command("eval")
@friendly
def eval_command(
    scenario: str = typer.Option("merchant_recruitment", "--scenario", "-s", help="Built-in pack id or path to a YAML pack."),
    agents: list[str] = typer.Option(["passive", "prober", "oracle"], "--agent", "-a", help="Repeatable: a scripted agent or llm:<model spec>[:deployable|:privileged]."),
    simulators: list[str] = typer.Option(["rule"], "--simulator", help="Repeatable: rule, cus-llm, prompted (LLM ones need --sim-model)."),
    n: int = typer.Option(48, "-n", "--n", min=1, max=MAX_N, help="Personas (the same for every agent and simulator)."),
    k: int = typer.Option(4, "-k", "--k", min=1, max=MAX_K, help=f"Rollouts per persona: pass@k and pass^k for k = 1..K (at most {MAX_K})."),
    seed: int = typer.Option(0, "--seed", help="Persona and dialogue seed (evaluate on a seed you did not train on)."),
    out_dir: Path = typer.Option(Path("runs/eval"), "--out", "-o", help="Writes eval.json and runs/<agent>__<simulator>/."),
    resume: bool = typer.Option(False, "--resume", help="Keep finished dialogues of an interrupted eval."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace transcripts already in --out."),
    batch_size: int = typer.Option(64, "--batch-size", min=1),
    sim_model: Optional[str] = typer.Option(None, "--sim-model", help=f"Model for LLM simulators: {SPEC_HELP}."),
    temperature: float = typer.Option(0.7, "--temperature", min=0.0, help="LLM agents' sampling temperature."),
    max_new_tokens: int = typer.Option(96, "--max-new-tokens", min=1, help="LLM agents' tokens per turn."),
    device: Optional[str] = typer.Option(None, "--device", help="Device for local models (cpu, cuda, ...)."),
    timeout: float = typer.Option(ENDPOINT_DEFAULTS["timeout"], "--timeout", min=0.1, help=TIMEOUT_HELP),
    max_retries: int = typer.Option(ENDPOINT_DEFAULTS["max_retries"], "--max-retries", min=0, help=RETRIES_HELP),
) -> None:
    """Compare agents (and simulators): acceptance with 95% intervals, pass@k / pass^k, per stratum, and more."""
    from protod.eval.evaluate import evaluate
    from protod.eval.passk import CLUSTERED_CI
    from protod.user.simulator import make_simulator

    refuse_existing_runs(out_dir, resume, overwrite)
    pack = load_scenario(scenario)
    endpoint = {"timeout": timeout, "max_retries": max_retries}
    params = SamplingParams(temperature=temperature, max_new_tokens=max_new_tokens)
    policies = {a: make_agent(a, params=params, device=device, **endpoint) for a in dict.fromkeys(agents)}
    user_model = load_backend(sim_model, device=device, **endpoint) if sim_model else None
    sims = {s: make_simulator(s, pack, user_model) for s in dict.fromkeys(simulators)}
    total = len(policies) * len(sims) * n * k
    with run_lock(out_dir, "eval"), progress() as bar:
        task = bar.add_task(f"eval on {pack.id}", total=total)
        report = evaluate(pack, policies, sims, n, k, seed, out_dir, batch_size=batch_size, resume=resume,
                          config={"scenario": scenario, "agents": list(policies), "simulators": list(sims), "sim_model": sim_model},
                          on_done=lambda _a: bar.advance(task))
    table = Table(title=f"{pack.id}: n={n} personas x k={k} rollouts, seed {seed}")
    table.add_column("agent", overflow="fold", min_width=min(40, max(len(a) for a in policies)))
    table.add_column("simulator", no_wrap=True)
    heads = ("accept", "95% CI by user", "pass@1", f"pass@{k}", f"pass^{k}", "found", "solved", "probe", "claims", "hang-up", "err")
    for col in heads:
        table.add_column(col, justify="right", no_wrap=True)
    for r in report["results"]:
        table.add_row(
            r["agent"], r["simulator"], f"{r['acceptance']:.3f}", f"{r['ci_low']:.2f}-{r['ci_high']:.2f}",
            fmt(r["pass_at_k"].get("1")), fmt(r["pass_at_k"].get(str(k))), fmt(r["pass_hat_k"].get(str(k))),
            fmt(r["concern_discovery_rate"]), fmt(r["concern_resolution_rate"]), fmt(r["probing_rate"]),
            fmt(r["unsupported_claim_rate"]), fmt(r["hangup_rate"]), str(r["error_count"]),
        )
    out.print(table)
    for pair, tau in report.get("kendall_tau", {}).items():
        out.print(f"Kendall tau of the agent ranking, {pair}: {tau:.2f}")
    out.print(f"95% CI by user: {CLUSTERED_CI}; a user's dialogues are not independent", markup=False)
    floor = max((r["min_detectable_difference"] for r in report["results"]), default=0.0)
    out.print(f"Noise floor: rows differing in acceptance by less than {floor:.3f} cannot be told apart at this size "
              f"(80% power, alpha 0.05); pass^{k}: all {k} rollouts of a user accept, averaged over users", markup=False)
    out.print("found/solved: hidden concerns voiced/resolved; probe: turns asking about a concern; claims: turns asserting "
              "a worry the user never voiced (leakage)")
    out.print(f"Results: {out_dir / 'eval.json'} (per stratum inside), transcripts under {out_dir / 'runs'}")


@app.command()
@friendly
def gap(
    scenario: str = typer.Option("merchant_recruitment", "--scenario", "-s", help="Built-in pack id or path to a YAML pack."),
    model: str = typer.Option("smollm2", "--model", "-m", help=f"The model to study: {SPEC_HELP}."),
    ks: str = typer.Option("1,2,4,8,16", "--k", help=f"Comma-separated k values for pass@k (each at most {MAX_K}; n x max k at most {MAX_N:,})."),
    n: int = typer.Option(24, "-n", "--n", min=1, max=MAX_N, help="Personas."),
    seed: int = typer.Option(0, "--seed"),
    out_dir: Path = typer.Option(Path("runs/gap"), "--out", "-o", help="Writes gap.json, gap.png and the transcripts."),
    temperature: float = typer.Option(1.0, "--temperature", min=0.0, help="Sampling temperature (pass@k needs diversity)."),
    max_new_tokens: int = typer.Option(64, "--max-new-tokens", min=1),
    batch_size: int = typer.Option(64, "--batch-size", min=1),
    device: Optional[str] = typer.Option(None, "--device", help="Device for local models (cpu, cuda, ...)."),
    resume: bool = typer.Option(False, "--resume", help="Keep finished dialogues of an interrupted run in --out."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace transcripts already in --out."),
    timeout: float = typer.Option(ENDPOINT_DEFAULTS["timeout"], "--timeout", min=0.1, help=TIMEOUT_HELP),
    max_retries: int = typer.Option(ENDPOINT_DEFAULTS["max_retries"], "--max-retries", min=0, help=RETRIES_HELP),
) -> None:
    """The proactivity gap: deployable-view pass@k of a model against its privileged-view pass@1."""
    from protod.eval.gap import proactivity_gap
    from protod.user.simulator import make_simulator

    try:
        k_values = [int(x) for x in ks.split(",") if x.strip()]
    except ValueError:
        raise ValueError(f"--k {ks!r}: expected comma-separated integers such as 1,2,4,8,16") from None
    if not k_values or sorted(set(k_values)) != k_values or k_values[0] < 1:
        raise ValueError(f"--k must be increasing positive integers, e.g. 1,2,4,8,16; got {ks}")
    if k_values[-1] > MAX_K or n * k_values[-1] > MAX_N:  # before anything runs: the rollouts are made up front
        raise ValueError(f"--k {k_values[-1]}: at most {MAX_K} rollouts per user and n x k at most {MAX_N:,} "
                         f"(here {n} x {k_values[-1]}); pass@k for k = 1..16 is what the gap needs")
    refuse_existing_runs(out_dir, resume, overwrite)
    pack = load_scenario(scenario)
    params = SamplingParams(temperature=temperature, max_new_tokens=max_new_tokens)
    endpoint = {"timeout": timeout, "max_retries": max_retries}
    deployable = make_agent("llm", model=model, view="deployable", params=params, device=device, **endpoint)
    privileged = make_agent("llm", model=model, view="privileged", params=params, device=device, **endpoint)
    total = 2 * n * max(k_values or [1])
    with run_lock(out_dir, "gap"), progress() as bar:
        task = bar.add_task(f"gap of {model}", total=total)
        result = proactivity_gap(pack, deployable, privileged, make_simulator("rule", pack), k_values, n, seed, out_dir,
                                 batch_size=batch_size, on_done=lambda _a: bar.advance(task), resume=resume,
                                 config={"scenario": scenario, "model": model, "temperature": temperature})
    table = Table(title=f"Proactivity gap of {model} on {pack.id} (n={n})")
    table.add_column("k", justify="right")
    table.add_column("deployable pass@k", justify="right")
    table.add_column("privileged pass@k", justify="right")
    for k in k_values:
        table.add_row(str(k), fmt(result["deployable_pass_at_k"][str(k)]), fmt(result["privileged_pass_at_k"][str(k)]))
    out.print(table)
    for view in ("deployable", "privileged"):
        low, high = result[f"{view}_acceptance_ci"]
        out.print(f"{view} acceptance {result[f'{view}_acceptance']:.3f} (95% CI {low:.2f}-{high:.2f}, clustered by user: "
                  f"{max(k_values)} dialogues a user)", markup=False)
    verdict = "closes" if result["gap_closed_by_sampling"] else "does not close"
    out.print(f"privileged pass@1 = {result['privileged_pass_at_1']:.3f}: sampling the deployable view {max(k_values)} times {verdict} the gap.")
    out.print(f"Results: {out_dir / 'gap.json'}, {out_dir / 'gap.png'}")


# --------------------------------------------------------------------------------------------------------------
# demo


@app.command()
@friendly
def baselines(
    n: int = typer.Option(120, "-n", "--n", min=1, max=MAX_N, help="Dialogues per agent and pack."),
    seed: int = typer.Option(0, "--seed"),
    out_dir: Path = typer.Option(Path("runs/baselines"), "--out", "-o", help="Where results go."),
    adversarial: bool = typer.Option(False, "--adversarial", help="Also run the adversarial zoo (protod.agent.adversarial): no trick may beat passive."),
    scenarios: list[str] = typer.Option([], "--scenario", "-s", help="Repeatable: a pack id or YAML path (default: every built-in pack). Prints the fidelity bands with pass/fail."),
) -> None:
    """Every scripted agent against the simulator on every built-in pack, side by side (no model, seconds)."""
    from protod.audit.packs import adversary_bands, fidelity

    rows = []
    packs = list(dict.fromkeys(scenarios)) or builtin_scenarios()
    loaded = {pack_id: load_scenario(pack_id) for pack_id in packs}  # every pack checked before any run starts
    names = [name for name in SCRIPTED_AGENTS if adversarial or name in HONEST_AGENTS]
    with progress() as bar:
        for pack_id in packs:
            pack = loaded[pack_id]
            episodes = make_episodes(PersonaSampler(pack, seed).sample(n))
            for name in names:
                task = bar.add_task(f"{name:8s} {pack_id}", total=n)
                m = simulate_to_dir(
                    pack, make_scripted_agent(name), episodes, out_dir / pack.id / name, seed=seed, overwrite=True,
                    config={"scenario": pack_id, "agent": name, "n": n, "seed": seed}, on_done=lambda _t, t=task: bar.advance(t),
                )
                rows.append((pack_id, name, m))
    table = Table(title=f"Scripted agents vs the Cognitive User Simulator (n={n} per cell, seed={seed})")
    for col in ("scenario", "agent", "acceptance", "discovered", "resolved", "probing", "hang-ups", "mean turns"):
        table.add_column(col, justify="right" if col not in ("scenario", "agent") else "left")
    for pack_id, name, m in rows:
        table.add_row(
            pack_id, name, fmt(m["acceptance_rate"]), fmt(m["concern_discovery_rate"]), fmt(m["concern_resolution_rate"]),
            fmt(m["probing_rate"]), fmt(m["hangup_rate"]), fmt(m["mean_turns"]),
        )
    out.print(table)
    for pack_id in packs:
        acceptance = {a: m["acceptance_rate"] for p, a, m in rows if p == pack_id}
        bands = fidelity(acceptance) + adversary_bands(acceptance, set(HONEST_AGENTS))
        out.print(f"Fidelity bands on {loaded[pack_id].id}: " + "; ".join(f"{b} {'pass' if ok else 'FAIL'}" for b, ok in bands))
    if adversarial:  # the zoo's bar (issue 10): no trick may win more than passive pitching + 0.05
        passive = {p: m["acceptance_rate"] for p, a, m in rows if a == "passive"}
        games = [f"{a} on {p} ({m['acceptance_rate']:.3f})" for p, a, m in rows
                 if a not in HONEST_AGENTS and m["acceptance_rate"] > passive[p] + 0.05]
        out.print("Adversaries that beat passive + 0.05: " + (", ".join(games) if games else "none"), markup=False)
    summary = {f"{p}/{a}": {"acceptance": m["acceptance_rate"], "n": m["n"]} for p, a, m in rows}
    atomic_write_json(out_dir / "summary.json", summary, "the transcripts are intact")
    out.print(
        "Passive pitching rarely wins; the oracle, which is told the hidden concerns, almost always does. "
        "The prober, which must find them by asking, sits between: that gap is what SI-AVPO training closes."
    )
    out.print(f"Results: {out_dir}/<scenario>/<agent>/trajectories.jsonl, metrics.json; summary in {out_dir / 'summary.json'}")


@app.command()
@friendly
def demo(
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Where every stage writes (default runs/demo, runs/demo-full, runs/demo-smollm2); finished stages are reused."),
    full: bool = typer.Option(False, "--full", help="Every arm (GRPO, SI-AVPO, STPR alone, AOPD alone, random-concern and external-only (trait-prior) teachers) with 3 seeds (~29 min on 2 cores)."),
    model: str = typer.Option("tiny", "--model", help="tiny: a small Qwen2 fine-tuned into the conservative policy (~15 min); smollm2: the embedded SmolLM2-135M-Instruct with LoRA (67 min measured on 2 CPU cores; about 8 on one H100 with --device cuda)."),
    quick: bool = typer.Option(False, "--quick", help="Tiny sizes: checks the pipeline in about a minute; the numbers mean nothing."),
    workers: int = typer.Option(0, "--workers", min=0, help="Training runs in parallel processes (0: one per core, at most 2)."),
    device: Optional[str] = typer.Option(None, "--device", help="Where every model runs (cpu, cuda, cuda:1, ...; default cpu). Not part of the plan: a run may be finished elsewhere."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted demo in --out: finished stages are reused, a training stage continues from its last checkpoint."),
    second_simulator: str = typer.Option("learned", "--second-simulator", help="The held-out simulator beside rule: learned (the trained cross-encoder perceiver: shares no perception code with rule; default), semantic (rule perception plus an encoder fallback, ~3x faster, but shares rule's perceiver and dynamics, so the two agree by construction), or none."),
) -> None:
    """The paper's experiment in miniature on a CPU: a conservative starting policy and its proactivity gap; GRPO,
    SI-AVPO and ablations trained with equal budgets and several seeds; held-out evaluation (>= 96 users) against the
    training simulator and one it never saw; summary.json and report.html. Stages already finished in --out are reused."""
    from protod.eval.demo import SECOND_SIMULATORS, run_demo
    from protod.eval.demo_summary import timing_line, verdict_lines
    from protod.eval.demo_plan import DEFAULT, FULL, QUICK, SMOLLM2

    if model not in ("tiny", "smollm2"):
        raise ValueError(f"--model: expected tiny or smollm2, got {model!r}")
    if quick and full:
        raise ValueError("--quick and --full: pick one")
    plan = QUICK if quick else FULL if full else DEFAULT
    if model == "smollm2":  # quick: the pipeline at tiny sizes, on SmolLM2 with LoRA
        plan = (replace(QUICK, model="smollm2", lora=True, rl_lr=SMOLLM2.rl_lr) if quick
                else replace(SMOLLM2, arms=FULL.arms, seeds=FULL.seeds) if full else SMOLLM2)
    if workers:
        plan = replace(plan, workers=workers)
    if second_simulator not in SECOND_SIMULATORS:
        raise ValueError(f"--second-simulator: expected one of {', '.join(SECOND_SIMULATORS)}, got {second_simulator!r}")
    if second_simulator != plan.second_simulator:
        plan = replace(plan, second_simulator=None if second_simulator == "none" else second_simulator)
    default_dir = "runs/demo" + ("-smollm2" if model == "smollm2" else "") + ("-full" if full else "") + ("-quick" if quick else "")
    out_dir = out_dir or Path(default_dir)
    on_interrupt(" ".join(["protod demo", *(["--model", model] if model != "tiny" else []), *(["--full"] if full else []),
                           *(["--quick"] if quick else []),
                           *(["--second-simulator", second_simulator] if second_simulator != "learned" else []),
                           "--out", shlex.quote(str(out_dir)), "--resume"]))
    summary = run_demo(out_dir, plan, say=lambda m: err.print(m, markup=False, highlight=False), device=device, resume=resume)
    out.print(results_table(summary))
    for line in verdict_lines(summary):
        out.print(line, markup=False, highlight=False)
    secs = summary["seconds"]
    out.print(f"Took {secs['total'] / 60:.1f} min ({timing_line(secs)}). Summary: {out_dir / 'summary.json'}; "
              f"report: {out_dir / 'report.html'}")


def results_table(summary: dict) -> Table:
    from protod.eval.demo_summary import arm_table

    gap = summary["gap"]
    ks = list(gap["deployable_pass_at_k"])
    title = (f"Held-out users ({summary['budget']['eval_users']}), deployable view. Starting policy: deployable pass@{ks[-1]} "
             f"{gap['deployable_pass_at_k'][ks[-1]]:.3f} vs privileged pass@1 {gap['privileged_pass_at_1']:.3f}")
    columns, rows = arm_table(summary)
    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="left" if col == "arm" else "right")
    for row in rows:
        table.add_row(*row)
    return table


@app.command()
@friendly
def results(
    summary_file: Path = typer.Argument(Path("runs/demo/summary.json"), help="summary.json written by protod demo."),
    readme: Optional[Path] = typer.Option(None, "--readme", help="Rewrite this file's generated results block (between the demo-results markers) instead of printing."),
) -> None:
    """The demo's results as Markdown, rendered from summary.json alone (README's Results section is this output)."""
    from protod.eval.demo_summary import results_markdown, write_readme_block
    from protod.store.records import Summary
    from protod.store.files import read_model

    if not summary_file.is_file():
        raise ValueError(f"{summary_file}: no such file (run `protod demo` first)")
    summary = read_model(summary_file, Summary, "expected the summary.json `protod demo` writes; rerun the demo").model_dump()
    text = results_markdown(summary)
    if readme is None:
        out.print(text, markup=False, highlight=False, soft_wrap=True)
        return
    write_readme_block(readme, summary)
    out.print(f"Rewrote the results block of {readme} from {summary_file}")

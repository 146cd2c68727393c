"""`protod`: the command line. A thin layer over the Python API; the only module that imports Typer and Rich."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from protod.agent.llm import make_agent
from protod.agent.scripted import SCRIPTED_AGENTS, make_scripted_agent
from protod.backends import SPEC_HELP, BackendError, SamplingParams, load_backend
from protod.persona import PersonaSampler
from protod.rollout import RunMismatch, make_episodes, simulate_to_dir
from protod.scenario import ScenarioError, builtin_scenarios, load_scenario, parse_scenario

app = typer.Typer(
    help="protod: simulate, train and evaluate proactive task-oriented dialogue agents.\n\n"
    "An agent calls a user who did not ask, must draw out what really holds them back, answer it truthfully and win "
    "acceptance within a turn budget. Start with `protod scenarios`, then `protod simulate --agent oracle`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
scenarios_app = typer.Typer(help="List, show and validate scenario packs (domains as YAML data).")
app.add_typer(scenarios_app, name="scenarios")

# When piped (CI logs, files), 80 columns would truncate ids in tables; a terminal keeps its own width.
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def friendly(fn):
    """Turn the errors a user can cause into one clear line on stderr and exit code 2 (no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ScenarioError as e:
            _fail(str(e))
        except (RunMismatch, BackendError, ValueError, FileNotFoundError) as e:
            _fail(str(e))

    return wrapper


def _version_callback(value: bool) -> None:
    if value:
        from protod import __version__

        typer.echo(f"protod {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."),
) -> None:
    pass


# --------------------------------------------------------------------------------------------------------------
# scenarios


@scenarios_app.callback(invoke_without_command=True)
@friendly
def scenarios(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list of objects (one per pack) instead of a table."),
) -> None:
    """List the built-in scenario packs. Subcommands: `show ID`, `validate FILE`."""
    if ctx.invoked_subcommand is not None:
        return
    packs = [load_scenario(pid) for pid in builtin_scenarios()]
    if as_json:
        typer.echo(json.dumps([p.summary() for p in packs], indent=2))
        return
    table = Table(title="Scenario packs")
    table.add_column("id", no_wrap=True)
    for col in ("name", "concerns", "traits", "facts", "strata", "turn budget"):
        table.add_column(col)
    for p in packs:
        s = p.summary()
        table.add_row(p.id, p.name, str(s["concerns"]), str(s["traits"]), str(s["facts"]), str(s["strata"]), str(p.turn_budget))
    out.print(table)
    out.print("Use [bold]--scenario ID[/] with any command, or a path to your own pack (check it with `protod scenarios validate FILE`).")


@scenarios_app.command("show")
@friendly
def scenarios_show(
    scenario: str = typer.Argument(..., help="A built-in pack id or a path to a YAML pack."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole validated pack as JSON."),
) -> None:
    """Print one pack: goal, facts, visible traits, concern catalogue, strata."""
    pack = load_scenario(scenario)
    if as_json:
        typer.echo(json.dumps(pack.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    out.print(f"[bold]{pack.name}[/] ({pack.id})\n{pack.description}\n")
    out.print(f"Agent: {pack.agent.role}\nGoal: {pack.agent.goal}\nTurn budget: {pack.turn_budget}\n")
    facts = Table(title="Product facts (what the agent may truthfully say)")
    facts.add_column("id", no_wrap=True)
    facts.add_column("text")
    for f in pack.facts:
        facts.add_row(f.id, f.text)
    out.print(facts)
    traits = Table(title="Visible traits")
    traits.add_column("trait", no_wrap=True)
    traits.add_column("values")
    for t in pack.traits:
        traits.add_row(t.name, "; ".join(t.values))
    out.print(traits)
    concerns = Table(title="Hidden concern catalogue")
    concerns.add_column("id", no_wrap=True)
    for col in ("area", "severity", "answered by", "description"):
        concerns.add_column(col)
    for c in pack.concerns:
        concerns.add_row(c.id, c.area, f"{c.severity:.2f}", ", ".join(c.resolution_facts), c.description)
    out.print(concerns)
    out.print(f"Strata: {len(pack.strata)} = difficulty {list(pack.difficulties)} x primary concern")


@scenarios_app.command("validate")
def scenarios_validate(file: Path = typer.Argument(..., help="A user-authored scenario pack (YAML).")) -> None:
    """Check a pack and report every problem with its field path and line (exit 2 if any)."""
    if not file.is_file():
        _fail(f"{file}: no such file")
    try:
        pack = parse_scenario(file.read_text(encoding="utf-8"), source=str(file))
    except ScenarioError as e:
        for line in e.lines():
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        err.print(f"{len(e.problems)} problem(s) in {file}", markup=False)
        raise typer.Exit(2)
    s = pack.summary()
    out.print(f"OK: {file} is a valid pack '{pack.id}' ({s['concerns']} concerns, {s['traits']} traits, {s['facts']} facts, {s['strata']} strata)")


# --------------------------------------------------------------------------------------------------------------
# personas


@app.command()
@friendly
def personas(
    scenario: str = typer.Option("merchant_recruitment", "--scenario", "-s", help="Built-in pack id or path to a YAML pack."),
    n: int = typer.Option(8, "-n", "--n", min=0, help="How many personas."),
    seed: int = typer.Option(0, "--seed", help="Sampling seed: the same seed always gives the same users."),
    stratum: Optional[str] = typer.Option(None, "--stratum", help="Only this stratum: 'hard/commission_too_high', a difficulty ('hard') or a concern id."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line (id, stratum, traits, concerns, initial_state)."),
    out_file: Optional[Path] = typer.Option(None, "--out", help="Also write the JSON lines to this file."),
) -> None:
    """Sample simulated users (stratified by difficulty x primary concern) and show who they are."""
    pack = load_scenario(scenario)
    people = PersonaSampler(pack, seed).sample(n, stratum=stratum)
    lines = [json.dumps(p.to_dict(), ensure_ascii=False) for p in people]
    if out_file is not None:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    if as_json:
        for line in lines:
            typer.echo(line)
    else:
        table = Table(title=f"{n} personas of {pack.id} (seed {seed})")
        for col in ("id", "stratum", "visible traits", "hidden concerns", "stance", "trust", "patience"):
            table.add_column(col)
        for p in people:
            s = p.initial_state
            table.add_row(
                p.id, p.stratum, "; ".join(p.traits.values()), ", ".join(c.id for c in p.concerns),
                f"{s.stance:.2f}", f"{s.trust:.2f}", str(s.patience),
            )
        out.print(table)
    if out_file is not None:
        err.print(f"wrote {len(lines)} personas to {out_file}")


# --------------------------------------------------------------------------------------------------------------
# simulate


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=False,
    )


_METRIC_ROWS = (
    ("acceptance_rate", "acceptance"), ("concern_discovery_rate", "concerns discovered"),
    ("concern_resolution_rate", "concerns resolved"), ("probing_rate", "probing turns"),
    ("hangup_rate", "hang-ups"), ("reject_rate", "rejections"), ("timeout_rate", "timeouts"),
)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


@app.command()
@friendly
def simulate(
    scenario: str = typer.Option("merchant_recruitment", "--scenario", "-s", help="Built-in pack id or path to a YAML pack."),
    agent: str = typer.Option("prober", "--agent", "-a", help=f"Scripted agent ({', '.join(SCRIPTED_AGENTS)}), `llm` with --model, or llm:<model spec>[:view]."),
    n: int = typer.Option(48, "-n", "--n", min=1, help="Number of dialogues (one per persona)."),
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
    timeout: float = typer.Option(60.0, "--timeout", min=0.1, help="Seconds per request to an OpenAI-compatible endpoint."),
    max_retries: int = typer.Option(4, "--max-retries", min=0, help="Retries (exponential backoff) on 429 / 5xx / timeouts / dropped connections."),
    concurrency: int = typer.Option(16, "--concurrency", min=1, help="Requests in flight to an endpoint."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="On-disk response cache for endpoints (reproducible re-runs)."),
    api_key_env: str = typer.Option("OPENAI_API_KEY", "--api-key-env", help="Environment variable that holds the endpoint's API key."),
) -> None:
    """Run dialogues between an agent and a user simulator; write transcripts and metrics."""
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
    with _progress() as bar:
        task = bar.add_task(f"{policy.name} on {pack.id}", total=n)
        if resume:
            from protod.rollout import read_trajectories

            bar.update(task, completed=min(len(read_trajectories(out_dir / "trajectories.jsonl", repair=True)), n))
        metrics = simulate_to_dir(
            pack, policy, episodes, out_dir, seed=seed, resume=resume, overwrite=overwrite, simulator=user_sim,
            batch_size=batch_size, config=config, on_done=lambda _t: bar.advance(task),
        )
    _print_metrics(f"{policy.name} vs {user_sim.name} simulator on {pack.id} (n={metrics['n']}, seed={seed})", metrics)
    out.print(f"Results: {out_dir / 'trajectories.jsonl'} and {out_dir / 'metrics.json'}")


def _print_metrics(title: str, metrics: dict[str, Any]) -> None:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, label in _METRIC_ROWS:
        table.add_row(label, _fmt(metrics[key]))
    table.add_row("mean turns", _fmt(metrics["mean_turns"]))
    table.add_row("errors", str(metrics["error_count"]))
    if metrics.get("sim_fallback_turns"):
        table.add_row("simulator fallbacks (turns)", str(metrics["sim_fallback_turns"]))
    out.print(table)
    if metrics.get("by_difficulty"):
        by = Table(title="Acceptance by difficulty")
        by.add_column("difficulty")
        by.add_column("n", justify="right")
        by.add_column("acceptance", justify="right")
        for k, v in metrics["by_difficulty"].items():
            by.add_row(k, str(v["n"]), _fmt(v["acceptance_rate"]))
        out.print(by)


# --------------------------------------------------------------------------------------------------------------
# eval


@app.command("eval")
@friendly
def eval_command(
    scenario: str = typer.Option("merchant_recruitment", "--scenario", "-s", help="Built-in pack id or path to a YAML pack."),
    agents: list[str] = typer.Option(["passive", "prober", "oracle"], "--agent", "-a", help="Repeatable: a scripted agent or llm:<model spec>[:deployable|:privileged]."),
    simulators: list[str] = typer.Option(["rule"], "--simulator", help="Repeatable: rule, cus-llm, prompted (LLM ones need --sim-model)."),
    n: int = typer.Option(48, "-n", "--n", min=1, help="Personas (the same for every agent and simulator)."),
    k: int = typer.Option(4, "-k", "--k", min=1, help="Rollouts per persona: pass@k and pass^k for k = 1..K."),
    seed: int = typer.Option(0, "--seed", help="Persona and dialogue seed (evaluate on a seed you did not train on)."),
    out_dir: Path = typer.Option(Path("runs/eval"), "--out", "-o", help="Writes eval.json and runs/<agent>__<simulator>/."),
    resume: bool = typer.Option(False, "--resume", help="Keep finished dialogues of an interrupted eval."),
    batch_size: int = typer.Option(64, "--batch-size", min=1),
    sim_model: Optional[str] = typer.Option(None, "--sim-model", help=f"Model for LLM simulators: {SPEC_HELP}."),
    temperature: float = typer.Option(0.7, "--temperature", min=0.0, help="LLM agents' sampling temperature."),
    max_new_tokens: int = typer.Option(96, "--max-new-tokens", min=1, help="LLM agents' tokens per turn."),
    device: Optional[str] = typer.Option(None, "--device"),
) -> None:
    """Compare agents (and simulators): acceptance with 95% intervals, pass@k / pass^k, per stratum, and more."""
    from protod.eval.evaluate import evaluate
    from protod.user.simulator import make_simulator

    pack = load_scenario(scenario)
    params = SamplingParams(temperature=temperature, max_new_tokens=max_new_tokens)
    policies = {a: make_agent(a, params=params, device=device) for a in dict.fromkeys(agents)}
    user_model = load_backend(sim_model, device=device) if sim_model else None
    sims = {s: make_simulator(s, pack, user_model) for s in dict.fromkeys(simulators)}
    total = len(policies) * len(sims) * n * k
    with _progress() as bar:
        task = bar.add_task(f"eval on {pack.id}", total=total)
        report = evaluate(pack, policies, sims, n, k, seed, out_dir, batch_size=batch_size, resume=resume,
                          config={"scenario": scenario, "agents": list(policies), "simulators": list(sims), "sim_model": sim_model},
                          on_done=lambda _a: bar.advance(task))
    table = Table(title=f"{pack.id}: n={n} personas x k={k} rollouts, seed {seed}")
    table.add_column("agent", overflow="fold", min_width=min(40, max(len(a) for a in policies)))
    table.add_column("simulator", no_wrap=True)
    heads = ("accept", "95% CI", "pass@1", f"pass@{k}", f"pass^{k}", "found", "solved", "probe", "claims", "hang-up", "err")
    for col in heads:
        table.add_column(col, justify="right", no_wrap=True)
    for r in report["results"]:
        table.add_row(
            r["agent"], r["simulator"], f"{r['acceptance']:.3f}", f"{r['ci_low']:.2f}-{r['ci_high']:.2f}",
            _fmt(r["pass_at_k"].get("1")), _fmt(r["pass_at_k"].get(str(k))), _fmt(r["pass_hat_k"].get(str(k))),
            _fmt(r["concern_discovery_rate"]), _fmt(r["concern_resolution_rate"]), _fmt(r["probing_rate"]),
            _fmt(r["unsupported_claim_rate"]), _fmt(r["hangup_rate"]), str(r["error_count"]),
        )
    out.print(table)
    for pair, tau in report.get("kendall_tau", {}).items():
        out.print(f"Kendall tau of the agent ranking, {pair}: {tau:.2f}")
    out.print("found/solved: hidden concerns voiced/resolved; probe: turns asking about a concern; claims: turns asserting "
              "a worry the user never voiced (leakage)")
    out.print(f"Results: {out_dir / 'eval.json'} (per stratum inside), transcripts under {out_dir / 'runs'}")


@app.command()
@friendly
def gap(
    scenario: str = typer.Option("merchant_recruitment", "--scenario", "-s", help="Built-in pack id or path to a YAML pack."),
    model: str = typer.Option("smollm2", "--model", "-m", help=f"The model to study: {SPEC_HELP}."),
    ks: str = typer.Option("1,2,4,8,16", "--k", help="Comma-separated k values for pass@k."),
    n: int = typer.Option(24, "-n", "--n", min=1, help="Personas."),
    seed: int = typer.Option(0, "--seed"),
    out_dir: Path = typer.Option(Path("runs/gap"), "--out", "-o", help="Writes gap.json, gap.png and the transcripts."),
    temperature: float = typer.Option(1.0, "--temperature", min=0.0, help="Sampling temperature (pass@k needs diversity)."),
    max_new_tokens: int = typer.Option(64, "--max-new-tokens", min=1),
    batch_size: int = typer.Option(64, "--batch-size", min=1),
    device: Optional[str] = typer.Option(None, "--device"),
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
    pack = load_scenario(scenario)
    params = SamplingParams(temperature=temperature, max_new_tokens=max_new_tokens)
    deployable = make_agent("llm", model=model, view="deployable", params=params, device=device)
    privileged = make_agent("llm", model=model, view="privileged", params=params, device=device)
    total = 2 * n * max(k_values or [1])
    with _progress() as bar:
        task = bar.add_task(f"gap of {model}", total=total)
        result = proactivity_gap(pack, deployable, privileged, make_simulator("rule", pack), k_values, n, seed, out_dir,
                                 batch_size=batch_size, on_done=lambda _a: bar.advance(task),
                                 config={"scenario": scenario, "model": model, "temperature": temperature})
    table = Table(title=f"Proactivity gap of {model} on {pack.id} (n={n})")
    table.add_column("k", justify="right")
    table.add_column("deployable pass@k", justify="right")
    table.add_column("privileged pass@k", justify="right")
    for k in k_values:
        table.add_row(str(k), _fmt(result["deployable_pass_at_k"][str(k)]), _fmt(result["privileged_pass_at_k"][str(k)]))
    out.print(table)
    verdict = "closes" if result["gap_closed_by_sampling"] else "does not close"
    out.print(f"privileged pass@1 = {result['privileged_pass_at_1']:.3f}: sampling the deployable view {max(k_values)} times {verdict} the gap.")
    out.print(f"Results: {out_dir / 'gap.json'}, {out_dir / 'gap.png'}")


@app.command()
@friendly
def report(
    dirs: list[Path] = typer.Argument(..., help="Run directories from protod eval / gap / simulate / train."),
    out_file: Path = typer.Option(Path("report.html"), "--out", "-o", help="The HTML file to write (self-contained, no network)."),
) -> None:
    """One self-contained HTML report: results with intervals, curves, training, and a transcript browser."""
    from protod.eval.report import build_report

    page = build_report(list(dirs))
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(page, encoding="utf-8")
    out.print(f"Report: {out_file} ({len(page) // 1024} KiB); open it in any browser")


# --------------------------------------------------------------------------------------------------------------
# chat


@app.command()
@friendly
def chat(
    scenario: str = typer.Option("merchant_recruitment", "--scenario", "-s", help="Built-in pack id or path to a YAML pack."),
    role: str = typer.Option("agent", "--as", help="agent: you make the call and the simulator answers; user: you take the call from an agent."),
    agent: str = typer.Option("prober", "--agent", help="With --as user: the caller (a scripted agent or llm:<spec>[:view]); --model is a shortcut."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=f"With --as user: an LLM caller, {SPEC_HELP}."),
    stratum: Optional[str] = typer.Option(None, "--stratum", help="Whom to meet: a stratum, difficulty or primary concern."),
    seed: int = typer.Option(0, "--seed", help="Which persona (and replies) you get."),
    out_file: Optional[Path] = typer.Option(None, "--out", help="Save the transcript as one JSON line."),
) -> None:
    """Talk to the simulator yourself (as the agent), or be the user an agent calls. Commands: /state, /facts, /quit."""
    import random

    from protod.agent.views import Message, observe
    from protod.rollout import SCHEMA_VERSION
    from protod.user.simulator import CognitiveUserSimulator

    if role not in ("agent", "user"):
        raise ValueError(f"--as {role!r}: expected agent or user")
    pack = load_scenario(scenario)
    persona = PersonaSampler(pack, seed).sample(1, stratum=stratum)[0]
    history: tuple[Message, ...] = ()
    turns: list[dict[str, Any]] = []
    if role == "agent":
        sim = CognitiveUserSimulator(pack)
        state, rng = persona.initial_state, random.Random(f"chat:{seed}")
        out.print(f"You are {pack.agent.role}. Goal: {pack.agent.goal}. You have {pack.turn_budget} turns.")
        out.print("Whom you are calling: " + "; ".join(persona.traits.values()))
        out.print("Type what you say. /facts lists what you may truthfully claim, /state shows the user's state, /quit ends.")
        while not state.done:
            try:
                line = input(f"you (turn {state.turn + 1})> ").strip()
            except EOFError:
                break
            if line == "/quit":
                break
            if line == "/facts":
                for f in pack.facts:
                    out.print(f"- {f.text}", markup=False)
                continue
            if line == "/state":
                shown = {cid: s.value for cid, s in state.concerns if s.value != "hidden"}
                hidden = sum(1 for _, s in state.concerns if s.value == "hidden")
                out.print(f"stance {state.stance:.2f}, trust {state.trust:.2f}, patience {state.patience}, "
                          f"concerns out in the open {shown or '{}'}, still hidden: {hidden}", markup=False)
                continue
            reply = sim.step(persona, state, line, rng, history)
            history += (Message("agent", line), Message("user", reply.text))
            turns.append({"turn": reply.state.turn, "agent": line, **reply.to_dict()})
            state = reply.state
            out.print(f"user: {reply.text}", markup=False)
            out.print(f"   [stance {state.stance:.2f} | trust {state.trust:.2f} | patience {state.patience} | "
                      f"{', '.join(reply.acts) or 'no act'}]", markup=False, style="dim")
        out.print(f"Decision: {state.decision.value}. ", end="")
        final = state
    else:
        caller = make_agent("llm" if model else agent, model=model, params=SamplingParams(temperature=0.7, max_new_tokens=96))
        agent_rng = random.Random(f"chat-agent:{seed}")
        out.print(f"You are {'; '.join(persona.traits.values())}. A caller from {pack.name} rings. Reply as yourself; /quit hangs up.")
        out.print("Your hidden worries (the caller does not know them): " + ", ".join(pack.concern_by_id[c.id].description for c in persona.concerns))
        final = None
        for _ in range(pack.turn_budget):
            said = caller.act([observe(pack, persona, history, caller.privileged)], [agent_rng])[0]
            text = said if isinstance(said, str) else said.text
            out.print(f"caller: {text}", markup=False)
            try:
                line = input("you> ").strip()
            except EOFError:
                break
            if line == "/quit":
                break
            history += (Message("agent", text), Message("user", line))
            turns.append({"turn": len(turns) + 1, "agent": text, "user": line})
        out.print("Call ended. ", end="")
    out.print("The persona was: " + "; ".join(f"{k}={v}" for k, v in persona.traits.items()) + " | hidden concerns: "
              + ", ".join(f"{c.id} (severity {c.severity})" for c in persona.concerns), markup=False)
    if out_file is not None:
        record = {"schema_version": SCHEMA_VERSION, "id": f"chat-{persona.id}", "scenario": pack.id, "mode": f"human-as-{role}",
                  "persona": persona.to_dict(), "turns": turns, "decision": final.decision.value if final else "ended",
                  "final_state": final.to_dict() if final else None}
        out_file.parent.mkdir(parents=True, exist_ok=True)
        with out_file.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
        out.print(f"Transcript: {out_file}")


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
) -> None:
    """Train a policy: sft, grpo, stpr, aopd or siavpo (= STPR + beta * AOPD), single node, resumable."""
    from protod.train.config import load_config
    from protod.train.trainer import Trainer

    extra = list(overrides) + ([f"max_steps={max_steps}"] if max_steps else []) + ([f"seed={seed}"] if seed is not None else [])
    cfg = load_config(config, extra)
    trainer = Trainer(cfg, out_dir, resume=resume)
    with _progress() as bar:
        task = bar.add_task(f"{cfg.algo} on {cfg.scenario}", total=cfg.max_steps, completed=trainer.step)

        def show(record: dict[str, Any]) -> None:
            parts = [f"loss {record['loss']:.4f}"]
            if record.get("reward_mean") is not None:
                parts.append(f"reward {record['reward_mean']:.3f}")
            bar.update(task, advance=1, description=f"{cfg.algo} step {record['step']}: " + ", ".join(parts))

        logs = trainer.train(on_step=show)
    last = logs[-1] if logs else None
    if last:
        out.print(f"step {last['step']}: loss {last['loss']:.4f}" + (f", reward {last['reward_mean']:.3f}" if last.get("reward_mean") is not None else ""))
    from protod.train.checkpoint import latest

    ckpt = latest(out_dir)
    out.print(f"Log: {out_dir / 'train_log.jsonl'}; checkpoint: {ckpt}; evaluate it with `protod simulate --agent llm:hf:{ckpt}`")


# --------------------------------------------------------------------------------------------------------------
# demo


@app.command()
@friendly
def demo(
    n: int = typer.Option(120, "-n", "--n", min=1, help="Dialogues per agent and pack."),
    seed: int = typer.Option(0, "--seed"),
    out_dir: Path = typer.Option(Path("runs/demo"), "--out", "-o", help="Where results go."),
) -> None:
    """Every scripted agent against the simulator on every built-in pack, side by side.

    (The full demo - proactivity gap, GRPO vs SI-AVPO training - lands with the trainer.)
    """
    rows = []
    packs = builtin_scenarios()
    with _progress() as bar:
        for pack_id in packs:
            pack = load_scenario(pack_id)
            episodes = make_episodes(PersonaSampler(pack, seed).sample(n))
            for name in SCRIPTED_AGENTS:
                task = bar.add_task(f"{name:8s} {pack_id}", total=n)
                m = simulate_to_dir(
                    pack, make_scripted_agent(name), episodes, out_dir / pack_id / name, seed=seed, overwrite=True,
                    config={"scenario": pack_id, "agent": name, "n": n, "seed": seed}, on_done=lambda _t, t=task: bar.advance(t),
                )
                rows.append((pack_id, name, m))
    table = Table(title=f"Scripted agents vs the Cognitive User Simulator (n={n} per cell, seed={seed})")
    for col in ("scenario", "agent", "acceptance", "discovered", "resolved", "probing", "hang-ups", "mean turns"):
        table.add_column(col, justify="right" if col not in ("scenario", "agent") else "left")
    for pack_id, name, m in rows:
        table.add_row(
            pack_id, name, _fmt(m["acceptance_rate"]), _fmt(m["concern_discovery_rate"]), _fmt(m["concern_resolution_rate"]),
            _fmt(m["probing_rate"]), _fmt(m["hangup_rate"]), _fmt(m["mean_turns"]),
        )
    out.print(table)
    summary = {f"{p}/{a}": {"acceptance": m["acceptance_rate"], "n": m["n"]} for p, a, m in rows}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    out.print(
        "Passive pitching rarely wins; the oracle, which is told the hidden concerns, almost always does. "
        "The prober, which must find them by asking, sits between: that gap is what SI-AVPO training closes."
    )
    out.print(f"Results: {out_dir}/<scenario>/<agent>/trajectories.jsonl, metrics.json; summary in {out_dir / 'summary.json'}")


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())

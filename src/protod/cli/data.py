"""Commands about data: scenario packs and personas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from protod.cli.common import MAX_N, app, friendly, out, scenarios_app, err, fail, one_line
from protod.user.persona import PersonaSampler
from protod.store.files import atomic_write_text
from protod.world import ScenarioError, builtin_scenarios, load_scenario, parse_scenario, read_pack_text


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
    out.print("Use --scenario ID with any command, or a path to your own pack (check it with `protod scenarios validate FILE`).")


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
    out.print(f"{pack.name} ({pack.id})\n{pack.description}\n", style="bold")
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
    """Check a pack and report every problem with its field path and line (exit 2 if any).

    Beyond the schema: duplicate keys, unknown schema_version, non-finite or out-of-range numbers, empty cues, fact
    cues absent from their fact, facts that answer no concern, cues in the opening line, sentences of the pack that
    the simulator would perceive as something else, and trait values one person could not both have ("retired",
    "in my twenties") left drawable together."""
    from protod.audit.packs import perception_problems, persona_clashes

    if not file.is_file():
        fail(f"{file}: no such file")
    try:
        pack = parse_scenario(read_pack_text(file), source=str(file))
        lint = perception_problems(pack) + persona_clashes(pack)
        if lint:
            raise ScenarioError(str(file), lint)
    except ScenarioError as e:
        for line in e.lines():
            err.print(one_line(line), soft_wrap=True)
        err.print(f"{len(e.problems)} problem(s) in {file}")
        raise typer.Exit(2)
    s = pack.summary()
    out.print(f"OK: {file} is a valid pack '{pack.id}' ({s['concerns']} concerns, {s['traits']} traits, {s['facts']} facts, {s['strata']} strata)")


# --------------------------------------------------------------------------------------------------------------
# personas


@app.command()
@friendly
def personas(
    scenario: str = typer.Option("merchant_recruitment", "--scenario", "-s", help="Built-in pack id or path to a YAML pack."),
    n: int = typer.Option(8, "-n", "--n", min=0, max=MAX_N, help="How many personas."),
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
        atomic_write_text(out_file, "".join(line + "\n" for line in lines))
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

"""The `protod` command line: the Typer app, shared console output and error handling.

The CLI is a thin layer over the Python API and the only code that imports Typer and Rich. Commands live in
protod.cli.data (scenarios, personas), protod.cli.run (simulate, eval, gap, demo) and protod.cli.tools (train,
report, chat).
"""

from __future__ import annotations

import functools
import sys
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from protod.backends import BackendError
from protod.rollout import RunMismatch
from protod.scenario import ScenarioError

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

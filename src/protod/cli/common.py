"""The `protod` command line: the Typer app, shared console output and error handling.

The CLI is a thin layer over the Python API and the only code that imports Typer and Rich. Commands live in
protod.cli.data (scenarios, personas), protod.cli.run (simulate, eval, gap, demo) and protod.cli.tools (train,
report, chat).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer.core import TyperGroup
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from protod.backends import BackendError
from protod.run.trajectories import RunMismatch
from protod.store.files import WriteFailed
from protod.world import ScenarioError

# Hugging Face's own bars ("Loading weights", "Writing model shards") would sit between protod's progress and its one
# error line; protod loads local files only, so they say nothing a user needs. Set before transformers is imported.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


class _OneLineErrors(TyperGroup):
    """Usage errors (a bad option value, a missing argument) as one `error:` line too, not a framed usage box."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        _sigterm_interrupts()
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as e:
            e.show()
            sys.exit(e.exit_code)
        except ClickException as e:
            where = getattr(getattr(e, "ctx", None), "command_path", None) or "protod"
            err.print(Text.assemble(("error: ", "bold red"), one_line(f"{e.format_message()} (see `{where} --help`)")), soft_wrap=True)
            sys.exit(e.exit_code)
        finally:
            _leaving[0] = True
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=_OneLineErrors,
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
# Markup is off: paths, agent names and pack text are user data, and "[red]" in a path must print as "[red]".
out = Console(width=None if sys.stdout.isatty() else 120, markup=False, highlight=False)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120, markup=False, highlight=False)


def one_line(message: str, limit: int = 500) -> str:
    """A message as one bounded line: whatever it quotes (a pack value, a server reply) cannot flood the terminal."""
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# Under torchrun every rank runs the command. Until the ranks have compared their settings, an error is the same on
# every rank (same argv, same files): rank 0 alone prints it. After that a failing rank prints its own, naming it.
_own_errors: list[bool] = [False]


def rank_errors_are_own() -> None:
    _own_errors[0] = True


def _rank_prefix() -> str | None:
    """'' on rank 0 or in one process, 'rank N: ' on another rank with its own error, None for a rank that keeps quiet."""
    try:
        world, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
    except ValueError:
        return ""
    if world <= 1 or rank == 0:
        return ""
    return f"rank {rank}: " if _own_errors[0] else None


# A rank that keeps quiet about an error every rank hits waits this long before exiting: rank 0 says it and exits
# first, instead of being stopped by torchrun (which stops every rank when the first one exits) before it can.
QUIET_RANK_DELAY_S = 3.0


def fail(message: str, code: int = 2) -> None:
    prefix = _rank_prefix()
    if prefix is not None:
        err.print(Text.assemble(("error: ", "bold red"), one_line(prefix + message)), soft_wrap=True)
    else:
        import time

        time.sleep(QUIET_RANK_DELAY_S)
    raise typer.Exit(code)


def _os_message(e: OSError) -> str:
    import errno

    where = e.filename if e.filename is not None else "file"
    reason = e.strerror or type(e).__name__
    if e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        reason += "; what was written before is intact (checkpoints and summaries are written aside, then renamed)"
    if isinstance(e, (NotADirectoryError, FileExistsError)):
        reason += " (an output path must be a directory, or not exist yet)"
    return f"{where}: {reason}"


def _write_failed_message(e: WriteFailed) -> str:
    if not e.resumable:
        return str(e)
    how = f"continue with `{_resume_hint[0]}`" if _resume_hint else "run the same command with --resume to continue"
    return f"{e}; free space (or fix the permission), then {how}"


def _sigterm_interrupts() -> None:
    """SIGTERM (a scheduler, torchrun stopping the other ranks, `kill`) stops a command the way Ctrl-C does: children
    stopped, one line, exit 130, instead of an abrupt end that leaves worker processes behind."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def interrupt(signum: int, frame: Any) -> None:
        if _leaving[0]:
            os._exit(130)  # the command is done and the interpreter is shutting down: nothing left to stop or say
        raise KeyboardInterrupt

    def stop_quietly(signum: int, frame: Any) -> None:
        _quiet_stop[0] = True
        if _leaving[0]:
            # Raised inside an exit handler it would print "Exception ignored in atexit callback" and a traceback
            # (seen once in the suite: the surviving rank was told to stop while torch's finalizers ran).
            os._exit(130)
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, interrupt)
        from protod.train.launch import LAUNCHED

        if os.environ.get(LAUNCHED):  # a rank of `train --nproc`: another rank failed and said why
            signal.signal(signal.SIGUSR1, stop_quietly)
    except (ValueError, OSError):
        pass


_quiet_stop = [False]
_leaving = [False]  # the command has returned: a stop signal now ends the process without a word


# What an interrupted command tells the user to run to continue (set by the command once it knows its --out).
_resume_hint: list[str] = []


def on_interrupt(command: str) -> None:
    _resume_hint[:] = [command]


def _interrupted() -> None:
    if _quiet_stop[0] or _rank_prefix() != "":  # stopped after another rank failed: that one has said why
        raise typer.Exit(130)
    hint = f"; continue with `{_resume_hint[0]}`" if _resume_hint else ""
    err.print(Text.assemble(("interrupted", "bold red"), one_line(f": what finished is on disk{hint}")), soft_wrap=True)
    raise typer.Exit(130)


def friendly(fn):
    """Turn the errors a user can cause into one clear line on stderr and exit code 2 (no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ScenarioError as e:
            fail(str(e))
        except WriteFailed as e:  # a full disk or a missing permission mid-run: what was kept and how to go on
            fail(_write_failed_message(e))
        except (RunMismatch, BackendError, ValueError, yaml.YAMLError) as e:
            fail(str(e))
        except OSError as e:  # --out on a regular file, a read-only directory, a full disk ...
            fail(_os_message(e))
        except RecursionError:
            fail("input nested too deeply to read")
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: one line and the way back, never a traceback
            _interrupted()
        finally:
            _resume_hint.clear()

    return wrapper


def refuse_existing_runs(out_dir: Path, resume: bool, overwrite: bool) -> None:
    """eval / gap replace their transcripts only when told: earlier results are never deleted silently."""
    if resume and overwrite:
        raise ValueError("--resume and --overwrite contradict each other; pass one")
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir}: exists and is not a directory; --out must be a directory")
    if resume or overwrite or not out_dir.is_dir():
        return
    held = next((p for p in sorted(out_dir.rglob("trajectories.jsonl")) if p.stat().st_size > 0), None)
    if held is not None:
        raise ValueError(f"{held} already exists; pass --resume to continue the run or --overwrite to replace it")


# More dialogues or personas than this in one command is a typo (and would exhaust memory before any output).
MAX_N = 1_000_000
# pass@k beyond this many rollouts per user says nothing new; a bigger --k is a typo (and fills memory silently).
MAX_K = 1024
# redteam scores every candidate on --personas users: more than this outlasts any --budget-s on its first candidate.
MAX_SEARCH_USERS = 10_000

# Endpoint defaults shared by every command that can talk to an OpenAI-compatible server.
ENDPOINT_DEFAULTS = {"timeout": 30.0, "max_retries": 2}
TIMEOUT_HELP = ("Seconds per request to an OpenAI-compatible endpoint; one call (retries included) never takes more "
                "than (max-retries + 1) x timeout + backoff, and a dead endpoint ends the dialogue with status error.")
RETRIES_HELP = "Retries (exponential backoff) on 429 / 5xx / timeouts / dropped connections."


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


class _QuietOnError(Progress):
    """A progress display that vanishes when the command fails: the error stays the only line on stderr."""

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.live.transient = True
            self.console.quiet = True
            try:
                super().__exit__(exc_type, exc, tb)
            finally:
                self.console.quiet = False
            return
        super().__exit__(exc_type, exc, tb)


def progress() -> Progress:
    return _QuietOnError(
        TextColumn("{task.description}", markup=False, style="bold"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=False,
    )


_METRIC_ROWS = (
    ("acceptance_rate", "acceptance"), ("concern_discovery_rate", "concerns discovered"),
    ("concern_resolution_rate", "concerns resolved"), ("probing_rate", "probing turns"),
    ("hangup_rate", "hang-ups"), ("reject_rate", "rejections"), ("timeout_rate", "timeouts"),
)


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def print_metrics(title: str, metrics: dict[str, Any]) -> None:
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, label in _METRIC_ROWS:
        table.add_row(label, fmt(metrics[key]))
    table.add_row("mean turns", fmt(metrics["mean_turns"]))
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
            by.add_row(k, str(v["n"]), fmt(v["acceptance_rate"]))
        out.print(by)

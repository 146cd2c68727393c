"""Commands for people in the loop: serve (the local web page) and agreement (kappa between two labellers)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Optional

import typer

from protod.cli.common import ENDPOINT_DEFAULTS, RETRIES_HELP, TIMEOUT_HELP, app, err, friendly, out


@app.command()
@friendly
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on. Only this machine can reach 127.0.0.1; anything else opens the page to the network."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    out_dir: Path = typer.Option(Path("runs/people"), "--out", "-o", help="Sessions, the people's runs (play-user/, play-agent/) and label queues."),
    device: Optional[str] = typer.Option(None, "--device", help="Device for local models (cpu, cuda, ...)."),
    timeout: float = typer.Option(ENDPOINT_DEFAULTS["timeout"], "--timeout", min=0.1, help=TIMEOUT_HELP),
    max_retries: int = typer.Option(ENDPOINT_DEFAULTS["max_retries"], "--max-retries", min=0, help=RETRIES_HELP),
) -> None:
    """A local web page where a person plays the user (an agent calls them), plays the agent (calling a simulated
    user), or labels what agent turns did. Every turn is on disk before the page answers; restart to continue."""
    try:
        import uvicorn

        from protod.serve.app import create_app
    except ImportError as e:
        raise ValueError(f"protod serve needs the web extra: pip install 'protod[serve]' ({e.name} is missing)") from None
    from protod.backends import ENDPOINT_OPTIONS

    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir}: exists and is not a directory; --out must be a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    ENDPOINT_OPTIONS.update(timeout=timeout, max_retries=max_retries)
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        err.print(f"warning: listening on {host}: anyone who can reach this machine can use the page and its models", markup=False)
    out.print(f"protod serve: http://{host if ':' not in host else f'[{host}]'}:{port}/ (files under {out_dir}); Ctrl+C stops", markup=False)
    uvicorn.run(create_app(out_dir, device), host=host, port=port, log_level="warning")


@app.command()
@friendly
def agreement(
    first: Path = typer.Argument(..., help="One labeller's labels (label/<queue>/labels-<name>.jsonl under the serve directory)."),
    second: Path = typer.Argument(..., help="Another labeller's labels of the same queue."),
) -> None:
    """Cohen's kappa per act (each fact stated, each concern probed, false claim, closing ask, honest) between two
    people who labelled the same lines."""
    from rich.table import Table

    from protod.serve.labels import agreement as kappa_table, read_label_file

    result = kappa_table(read_label_file(first), read_label_file(second))
    if not result["lines_in_common"]:
        raise ValueError(f"{first} and {second} have no labelled line in common; label the same queue")
    table = Table(title=f"{result['lines_in_common']} lines labelled by both")
    for col in ("act", "lines", "agreement", "kappa"):
        table.add_column(col, justify="left" if col == "act" else "right")
    for act, row in result["acts"].items():
        table.add_row(act, str(row["n"]), "-" if row["agreement"] is None else f"{row['agreement']:.2f}",
                      "undefined" if row["kappa"] is None else f"{row['kappa']:.2f}")
    out.print(table)

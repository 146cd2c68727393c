"""`protod`: simulate, train and evaluate proactive task-oriented dialogue agents (see protod.cli.common)."""

from protod.cli import data, perception, run, serve, tools, chat  # noqa: F401  (importing registers the commands, in --help order)
from protod.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    app()

"""`protod`: simulate, train and evaluate proactive task-oriented dialogue agents (see protod.cli.common)."""

from protod.cli import data, perception, run, serve, tools  # noqa: F401  (importing registers the commands)
from protod.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    app()

"""Moved to `protod.run.metrics`; this path re-exports it for one release (see CHANGELOG)."""

from protod.run.metrics import *  # noqa: F401,F403

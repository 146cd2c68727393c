"""Moved to `protod.run.jobs`; this path re-exports it for one release (see CHANGELOG)."""

from protod.run.jobs import *  # noqa: F401,F403

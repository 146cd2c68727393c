"""Moved to `protod.run.rollout`; this path re-exports it for one release (see CHANGELOG)."""

from protod.run.rollout import *  # noqa: F401,F403

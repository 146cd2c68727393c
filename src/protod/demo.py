"""Moved to `protod.eval.demo`; this path re-exports it for one release (see CHANGELOG)."""

from protod.eval.demo import *  # noqa: F401,F403

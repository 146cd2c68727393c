"""Moved to `protod.world` (schema, load, checks, problems); this path re-exports it for one release (see CHANGELOG)."""

from protod.world import *  # noqa: F401,F403

"""Moved to `protod.audit.redteam`; this path re-exports it for one release (see CHANGELOG)."""

from protod.audit.redteam import *  # noqa: F401,F403

"""Moved to `protod.audit.consistency`; this path re-exports it for one release (see CHANGELOG)."""

from protod.audit.consistency import *  # noqa: F401,F403

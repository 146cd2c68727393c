"""Moved to `protod.audit.perception`; this path re-exports it for one release (see CHANGELOG)."""

from protod.audit.perception import *  # noqa: F401,F403

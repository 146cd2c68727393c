"""Moved to `protod.user.persona`; this path re-exports it for one release (see CHANGELOG)."""

from protod.user.persona import *  # noqa: F401,F403

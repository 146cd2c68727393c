"""Moved to `protod.text`; this path re-exports it for one release (see CHANGELOG)."""

from protod.text import *  # noqa: F401,F403

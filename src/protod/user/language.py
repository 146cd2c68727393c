"""Moved to `protod.text.language`; this path re-exports it for one release (see CHANGELOG)."""

from protod.text.language import *  # noqa: F401,F403

"""Moved to `protod.text.sanitize`; this path re-exports it for one release (see CHANGELOG)."""

from protod.text.sanitize import *  # noqa: F401,F403

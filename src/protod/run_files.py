"""Moved to `protod.store.files`; this path re-exports it for one release (see CHANGELOG)."""

from protod.store.files import *  # noqa: F401,F403

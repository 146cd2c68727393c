"""Moved to `protod.store.identity`; this path re-exports it for one release (see CHANGELOG)."""

from protod.store.identity import *  # noqa: F401,F403

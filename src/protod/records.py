"""Moved to `protod.store.records`; this path re-exports it for one release (see CHANGELOG)."""

from protod.store.records import *  # noqa: F401,F403

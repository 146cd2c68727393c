"""Moved to `protod.store.provenance`; this path re-exports it for one release (see CHANGELOG)."""

from protod.store.provenance import *  # noqa: F401,F403

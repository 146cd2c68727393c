"""Moved: `authoring_problems` to `protod.world.checks`, the rest to `protod.audit.packs`; this path re-exports both
for one release (see CHANGELOG)."""

from protod.audit.packs import *  # noqa: F401,F403
from protod.world.checks import authoring_problems  # noqa: F401

"""Moved to `protod.run.rollout` and `protod.run.trajectories`; this path re-exports both for one release (see
CHANGELOG)."""

from protod.run.rollout import *  # noqa: F401,F403
from protod.run.trajectories import *  # noqa: F401,F403

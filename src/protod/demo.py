"""Moved to `protod.eval.demo` (with `demo_plan` and `demo_summary`); this path re-exports them for one release (see
CHANGELOG)."""

from protod.eval.demo import *  # noqa: F401,F403
from protod.eval.demo_plan import *  # noqa: F401,F403
from protod.eval.demo_summary import *  # noqa: F401,F403

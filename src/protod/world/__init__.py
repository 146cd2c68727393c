"""The world an agent calls into: a scenario pack (`schema`), how it is read from YAML (`load`), what every load checks
beyond the schema (`checks`) and how problems are reported (`problems`). The layer below everything that simulates,
runs or trains: it imports nothing of protod but `protod.world` itself."""

from protod.world.checks import authoring_problems, cross_reference_problems
from protod.world.load import (
    BUILTIN_PACKAGE, MAX_PACK_BYTES, MAX_PACK_NODES, builtin_scenarios, load_scenario, parse_scenario, read_pack_text,
)
from protod.world.problems import SUPPORTED_SCHEMA_VERSIONS, Problem, ScenarioError
from protod.world.schema import (
    AgentLines, AgentSpec, Concern, Correlation, Difficulty, Dynamics, Fact, FalseClaim, Lexicon, ProbeArea, Range,
    Scenario, TraitEffect, TraitField, UserLine, UserLines,
)

__all__ = [
    "BUILTIN_PACKAGE", "MAX_PACK_BYTES", "MAX_PACK_NODES", "SUPPORTED_SCHEMA_VERSIONS", "AgentLines", "AgentSpec",
    "Concern", "Correlation", "Difficulty", "Dynamics", "Fact", "FalseClaim", "Lexicon", "ProbeArea", "Problem", "Range",
    "Scenario", "ScenarioError", "TraitEffect", "TraitField", "UserLine", "UserLines", "authoring_problems",
    "builtin_scenarios", "cross_reference_problems", "load_scenario", "parse_scenario", "read_pack_text",
]

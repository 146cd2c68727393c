"""What is wrong with a pack: a problem per field (path, message, line) and the error that carries them all, with the
small readers of raw pack data that the schema, the checks and the loader share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SUPPORTED_SCHEMA_VERSIONS = (1,)
NAME = re.compile(r"^[a-z][a-z0-9_-]*$")  # ids and difficulty names: lower-case letters, digits, _ or -


@dataclass(frozen=True)
class Problem:
    path: str  # dotted field path, e.g. "concerns.3.resolution_facts.0"
    message: str
    line: int | None = None


class ScenarioError(ValueError):
    """A pack that cannot be used. `problems` lists all that was found; str() is one line for the first."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__(self.format_problem(problems[0]) + (f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""))

    def format_problem(self, problem: Problem) -> str:
        where = f"{self.source}:{problem.line}" if problem.line else self.source
        field = problem.path or "<top level>"
        return f"{where}: {field}: {problem.message}"

    def lines(self) -> list[str]:
        return [self.format_problem(p) for p in self.problems]



def short(value: Any, limit: int = 60) -> str:
    """A bounded preview of a bad value (never the repr of a huge or alias-expanded structure)."""
    if isinstance(value, (dict, list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    text = repr(value[: limit + 1] if isinstance(value, str) else value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def items(data: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(key) if isinstance(data, dict) else None
    return [(i, x) for i, x in enumerate(value) if isinstance(x, dict)] if isinstance(value, list) else []


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []

"""Structured output from any backend: parse, repair, retry a bounded number of times, then report failure.

LLM judges and role-play simulators must return JSON that validates. Small or busy models often wrap it in prose or
code fences, or break it. `extract_json` repairs the common cases; `generate_validated` re-asks (with fresh seeds)
only the conversations whose reply still does not validate, and returns None for those that never do, so the
caller can fall back and count it.

Schema first, repair second: a caller that knows the shape of its answer puts the JSON schema in
`SamplingParams.json_schema`, and a backend that can constrain decoding returns only schema instances (recorded as
`meta["schema_constrained"]`). Parsing, repair and retries still run on every reply: they are what remains for a
backend or endpoint that cannot constrain, and they check what the schema cannot (ids against a persona).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from protod.backends.base import Backend, ChatMessage, SamplingParams

T = TypeVar("T")

# Judges and state blocks are flat; deeper nesting is garbage or an attack (json.loads would hit the recursion limit).
MAX_JSON_DEPTH = 20

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


def extract_json(text: str) -> dict[str, Any]:
    """The first JSON object in `text`, tolerating code fences, surrounding prose and trailing commas."""
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1)
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object in the reply")
    depth, in_string, escaped = 0, False, False
    for i, ch in enumerate(text[start:], start):
        if in_string:
            escaped = ch == "\\" and not escaped
            if ch == '"' and not escaped:
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
            if ch == "[":
                continue
        elif ch == "]":
            depth -= 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                candidate = text[start : i + 1]
                try:
                    value = json.loads(candidate)
                except json.JSONDecodeError:
                    value = json.loads(_TRAILING_COMMA.sub(r"\1", candidate))
                if not isinstance(value, dict):
                    raise ValueError("the JSON is not an object")
                return value
    raise ValueError("unterminated JSON object")


@dataclass
class Structured(Generic[T]):
    value: T | None  # None: never validated (the caller falls back)
    text: str  # the last raw reply
    attempts: int
    errors: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


def generate_validated(
    backend: Backend,
    conversations: list[list[ChatMessage]],
    params: SamplingParams,
    seeds: list[int],
    parse: Callable[[str], T] | list[Callable[[str], T]],
    max_retries: int = 2,
) -> list[Structured[T]]:
    """Generate and `parse` (raise ValueError on invalid) each reply; retry failures up to `max_retries` times.

    `parse` is one function for all replies, or one per conversation (e.g. to check against each user's persona).
    """
    parsers = parse if isinstance(parse, list) else [parse] * len(conversations)
    results = [Structured[T](None, "", 0) for _ in conversations]
    pending = list(range(len(conversations)))
    for attempt in range(max_retries + 1):
        if not pending:
            break
        # A retry needs a different sample: shift the seed deterministically.
        gens = backend.generate([conversations[i] for i in pending], params, [seeds[i] + 7919 * attempt for i in pending])
        still = []
        for i, gen in zip(pending, gens):
            r = results[i]
            r.attempts += 1
            r.text = gen.text
            r.meta = {"model": backend.name, "seed": seeds[i] + 7919 * attempt, "attempts": r.attempts,
                      "schema_constrained": bool(gen.meta.get("schema_constrained", False))}
            if gen.error is not None:
                # The backend already retried the transport (timeouts, 5xx, drops) within its deadline; asking
                # again would multiply a dead endpoint's cost. Only a reply that came back but did not parse is re-asked.
                r.errors.append(gen.error)
                continue
            try:
                r.value = parsers[i](gen.text)
            except (ValueError, TypeError, RecursionError) as err:  # pydantic's ValidationError is a ValueError
                r.errors.append(str(err).splitlines()[0][:200])
                still.append(i)
        pending = still
    return results

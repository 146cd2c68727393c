"""What every model backend provides: chat conversations in, generations out, many at once.

A backend is stateless across calls. `generate` takes a batch of conversations (chat messages, as built by
protod.agent.views or a simulator's prompt builder) and returns one Generation per conversation, in order. A
conversation that could not be completed (after the backend's own retries) comes back with `error` set instead of
raising, so one bad call never loses the other dialogues of the batch.

`SamplingParams.json_schema` asks for schema-constrained output: a backend that can constrain decoding (an endpoint
that takes OpenAI's `response_format`, llama.cpp's `json_schema`, vLLM's structured outputs) does so and records
`meta["schema_constrained"] = True`; one that cannot (the local `hf` backend) samples freely and records False, and
the caller's parse/repair/retry (protod.backends.structured) is the fallback either way.

Assistant messages may carry `token_ids` (what a local model actually generated): a token-level backend splices
those ids into the prompt instead of re-tokenising the text, so the policy is always conditioned on exactly the
sequence it produced.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

ChatMessage = dict[str, Any]  # {"role": "system"|"user"|"assistant", "content": str, optional "token_ids": list[int]}


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 0.7  # 0 = greedy
    top_p: float = 1.0
    max_new_tokens: int = 96
    # A JSON schema the reply must be an instance of (None: free text). Left out of the hash (a dict is unhashable),
    # kept in equality.
    json_schema: dict[str, Any] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.json_schema is not None and not isinstance(self.json_schema, dict):
            raise ValueError(f"json_schema must be a JSON schema object (dict), got {type(self.json_schema).__name__}")

    def with_schema(self, json_schema: dict[str, Any] | None) -> "SamplingParams":
        """The same sampling, asking for output that obeys `json_schema` (None: free text)."""
        return replace(self, json_schema=json_schema)

    def to_dict(self) -> dict[str, Any]:
        """What is recorded with every call (and keys the endpoint cache): a schema by its digest, not its text, so
        that a judge's pack-sized schema is not copied into every turn's metadata."""
        out: dict[str, Any] = {"temperature": self.temperature, "top_p": self.top_p, "max_new_tokens": self.max_new_tokens}
        if self.json_schema is not None:
            out["json_schema"] = schema_digest(self.json_schema)
        return out


def schema_digest(schema: dict[str, Any]) -> str:
    """A short stable name for a JSON schema (key order does not matter)."""
    blob = json.dumps(schema, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


@dataclass
class Generation:
    text: str
    token_ids: list[int] | None = None  # generated ids (local backends), including a generated end-of-turn token
    logprobs: list[float] | None = None  # log p(token) under the sampling temperature, one per token id
    finish_reason: str = "stop"  # "stop" | "length" | "error"
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # model, sampling params, seed, cached, retries, ...

    @property
    def ok(self) -> bool:
        return self.error is None


class Backend(Protocol):
    name: str  # model identity recorded with every result, e.g. "hf:/models/x" or "openai:gpt-4o@https://..."

    def generate(
        self, conversations: list[list[ChatMessage]], params: SamplingParams, seeds: list[int]
    ) -> list[Generation]: ...


class BackendError(RuntimeError):
    """A backend that cannot be set up (missing package, bad spec, unreachable model directory)."""

"""Backend for any OpenAI-compatible chat-completions endpoint (vLLM, SGLang, llama.cpp server, hosted APIs).

Design notes (why it looks like this):

* The official `openai.AsyncOpenAI` client does the HTTP work and the transport-level retrying (exponential backoff
  with jitter on 408/409/429/5xx, timeouts and dropped connections, honouring Retry-After). We do not reimplement it.
* A 200 response whose body is not JSON, or not a usable chat completion, is *not* retried by the client; we retry
  that case with a small bounded `tenacity` policy.
* `generate` is synchronous, but the calls run concurrently on ONE long-lived asyncio loop in a background thread
  owned by the backend. The AsyncOpenAI client (and its connection pool) is bound to the loop it was first used on,
  so a fresh `asyncio.run` per call would break it; one loop also lets one semaphore bound concurrency across calls.
* Retries are counted from the HTTP requests actually sent (an httpx2 request event hook), not from guesses about
  the client's policy: retries = requests - logical calls, overall and per conversation.
* A conversation that still fails comes back as `Generation(finish_reason="error", error=...)`; it never raises, so
  one bad call cannot lose the rest of the batch.
* A schema (`SamplingParams.json_schema`) is asked for in the first dialect the endpoint takes, walking
  `SCHEMA_DIALECTS`: OpenAI's `response_format` json_schema (OpenAI, vLLM, SGLang, current llama-server), then
  llama.cpp's own (`response_format` json_object with a `schema`, read by llama-cpp-python's server, plus the
  top-level `json_schema` field of llama-server's native API), then none. A dialect the endpoint refuses (HTTP
  400/422, or any error naming the field) is not asked again by this backend. Each call records which dialect it got in `meta["schema_dialect"]`
  and `meta["schema_constrained"]`; the caller's parse/repair/retry stays the fallback for unconstrained replies.

Over 400 lines: one backend; requests, retries with backoff, schema-constrained output and the one-line errors
for each way an endpoint fails.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protod.backends.base import BackendError, ChatMessage, Generation, SamplingParams

# Ways of asking for schema-constrained output, most standard first; "none" asks for nothing.
SCHEMA_DIALECTS = ("openai", "llama.cpp", "none")

if TYPE_CHECKING:
    import httpx2  # openai 3.x's HTTP transport (a dependency of openai); only used in annotations here

try:  # the openai SDK is an optional dependency: fail with an install hint only when this backend is used
    import openai
    from openai.types.chat import ChatCompletion
except ImportError as _exc:  # pragma: no cover - exercised only where openai is absent
    _IMPORT_ERROR: ImportError | None = _exc
else:
    _IMPORT_ERROR = None

# The per-conversation request counter of the task currently running. The httpx2 request hook runs inside the task
# that issued the request (hooks are awaited inline by AsyncClient.send), so it can attribute each HTTP request,
# first tries and retries alike, to the conversation that caused it.
_ITEM_REQUESTS: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("_ITEM_REQUESTS", default=None)


class _UnusableCompletion(ValueError):
    """A 200 response that parsed but is not a chat completion we can use (no choices, no message)."""


def _one_line(exc: BaseException, limit: int = 300) -> str:
    text = str(exc).strip().splitlines()
    reason = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    return reason if len(reason) <= limit else reason[: limit - 3] + "..."


# A token is rarely more than a few characters; a reply longer than this many characters per requested token
# ignored max_tokens (a misconfigured or hostile server) and is cut.
CHARS_PER_TOKEN_BOUND = 8


def clip_reply(text: str, finish_reason: str, max_new_tokens: int) -> tuple[str, str]:
    """Apply `max_new_tokens` on our side too: a server that ignores max_tokens cannot store 100 KB agent turns."""
    limit = max_new_tokens * CHARS_PER_TOKEN_BOUND
    if len(text) <= limit:
        return text, finish_reason
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit], "length"


def schema_request(dialect: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The chat-completions arguments that ask for output obeying `schema` in `dialect` (see SCHEMA_DIALECTS)."""
    if dialect == "openai":
        title = str(schema.get("title") or "reply")
        name = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in title)[:64]  # OpenAI: [a-zA-Z0-9_-]{1,64}
        return {"response_format": {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}}
    if dialect == "llama.cpp":
        # Both llama.cpp servers ignore fields they do not know, so one request serves either.
        return {"response_format": {"type": "json_object", "schema": schema}, "extra_body": {"json_schema": schema}}
    if dialect == "none":
        return {}
    raise ValueError(f"unknown schema dialect {dialect!r}; expected one of {SCHEMA_DIALECTS}")


def _refuses_schema(exc: "openai.APIStatusError") -> bool:
    """Whether an error answer refuses the way a schema was asked: a 400/422, or any status whose message names the
    field (llama-cpp-python's server answers an unknown response_format type with a validation error as HTTP 500)."""
    if exc.status_code in (400, 422):
        return True
    text = str(exc).lower()
    return "response_format" in text or "json_schema" in text


class OpenAIBackend:
    # A malformed 200 body is retried this many times in total (first try included), with a short exponential wait.
    # Class attributes rather than constructor arguments: they rarely need changing and keep the signature small.
    body_attempts: int = 3
    body_wait_s: float = 0.05

    def __init__(
        self,
        model: str,
        base_url: str,
        api_key: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        timeout: float = 30.0,
        max_retries: int = 2,
        concurrency: int = 16,
        cache_dir: str | Path | None = None,
        deadline_s: float | None = None,
        schema_dialect: str = "auto",
    ) -> None:
        if _IMPORT_ERROR is not None:
            raise BackendError(
                "the OpenAI-compatible backend needs the `openai` package (and its `httpx2` transport): "
                f"pip install openai  ({_IMPORT_ERROR})"
            )
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        if schema_dialect != "auto" and schema_dialect not in SCHEMA_DIALECTS:
            raise ValueError(f"schema_dialect must be auto or one of {SCHEMA_DIALECTS}, got {schema_dialect!r}")
        # "auto": walk SCHEMA_DIALECTS from the first this endpoint has not refused; otherwise always that one.
        self.schema_dialect = schema_dialect
        self._schema_floor = 0
        self.model = model
        self.base_url = base_url
        # Local servers (vLLM, llama.cpp) need no key, but the client refuses an empty one: "EMPTY" is the convention.
        self._api_key = api_key or os.environ.get(api_key_env) or "EMPTY"
        self.timeout = timeout
        self.max_retries = max_retries
        # One call never takes longer than this, whatever the server does (a server that trickles bytes resets a
        # per-read timeout forever): every try, the SDK's backoff (<= 8 s) and the body re-asks included.
        self.deadline_s = deadline_s if deadline_s is not None else (timeout + 8.0) * (max_retries + 1) * self.body_attempts
        self.concurrency = concurrency
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.name = f"openai:{model}@{base_url}"

        self._counts = {"calls": 0, "requests": 0, "errors": 0, "cache_hits": 0}
        # Guards lazy start/close of the loop thread when several threads share one backend.
        self._lifecycle = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: openai.AsyncOpenAI | None = None
        self._semaphore: asyncio.Semaphore | None = None

    # ------------------------------------------------------------------ public API

    @property
    def stats(self) -> dict[str, int]:
        """calls: conversations sent to the endpoint (cache misses); requests: HTTP requests sent; retries: requests
        beyond the first of each call; errors: conversations that ended in error; cache_hits: served from disk."""
        counts = dict(self._counts)
        counts["retries"] = counts["requests"] - counts["calls"]
        return counts

    def generate(
        self, conversations: list[list[ChatMessage]], params: SamplingParams, seeds: list[int]
    ) -> list[Generation]:
        if len(conversations) != len(seeds):
            raise ValueError(f"got {len(conversations)} conversations but {len(seeds)} seeds")
        if not conversations:
            return []
        loop = self._ensure_started()
        if threading.current_thread() is self._thread:
            # Blocking on our own loop from inside it would deadlock.
            raise RuntimeError("OpenAIBackend.generate cannot be called from the backend's own event loop")
        future = asyncio.run_coroutine_threadsafe(self._generate_all(conversations, params, seeds), loop)
        return future.result()

    def close(self) -> None:
        """Close the HTTP client and stop the loop thread. A later `generate` starts fresh ones."""
        with self._lifecycle:
            loop, thread, client = self._loop, self._thread, self._client
            self._loop = self._thread = self._client = self._semaphore = None
        if loop is None or thread is None:
            return
        try:
            if client is not None:
                asyncio.run_coroutine_threadsafe(client.close(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()

    def __enter__(self) -> "OpenAIBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ loop and client

    def _ensure_started(self) -> asyncio.AbstractEventLoop:
        with self._lifecycle:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name=f"openai-backend:{self.model}", daemon=True)
                thread.start()
                # Create the client and semaphore on the loop that will use them.
                try:
                    asyncio.run_coroutine_threadsafe(self._setup_on_loop(), loop).result(timeout=30)
                except BaseException:  # do not leak a running thread if the client cannot be built
                    loop.call_soon_threadsafe(loop.stop)
                    thread.join(timeout=10)
                    loop.close()
                    raise
                self._loop, self._thread = loop, thread
            return self._loop

    async def _setup_on_loop(self) -> None:
        # Our own httpx2 client (the SDK's defaults: pool limits, redirects) with a request hook that counts every
        # HTTP request actually sent, retries included. The SDK's own timeout/max_retries still apply per request.
        http_client = openai.DefaultAsyncHttpx2Client(event_hooks={"request": [self._on_request]})
        self._client = openai.AsyncOpenAI(
            base_url=self.base_url,
            api_key=self._api_key,
            timeout=self.timeout,
            max_retries=self.max_retries,
            http_client=http_client,
        )
        self._semaphore = asyncio.Semaphore(self.concurrency)

    async def _on_request(self, request: httpx2.Request) -> None:
        self._counts["requests"] += 1  # only ever touched on the loop thread
        item = _ITEM_REQUESTS.get()
        if item is not None:
            item[0] += 1

    # ------------------------------------------------------------------ generation

    async def _generate_all(
        self, conversations: Sequence[list[ChatMessage]], params: SamplingParams, seeds: Sequence[int]
    ) -> list[Generation]:
        # gather keeps input order; each item is its own task (own context), so per-item request counting works.
        return list(await asyncio.gather(*(self._one(c, params, s) for c, s in zip(conversations, seeds))))

    async def _one(self, conversation: list[ChatMessage], params: SamplingParams, seed: int) -> Generation:
        start = time.perf_counter()
        # Only role and content go on the wire; token_ids etc. are local bookkeeping the API would reject.
        messages = [{"role": m["role"], "content": m["content"]} for m in conversation]
        meta: dict[str, Any] = {
            "model": self.model,
            "base_url": self.base_url,
            "params": params.to_dict(),
            "seed": seed,
            "cached": False,
            "retries": 0,
            "schema_constrained": False,
        }
        key = self._cache_key(messages, params, seed)

        if params.json_schema is not None:
            meta["schema_dialect"] = "none"
        cached = self._cache_read(key)
        if cached is not None:
            self._counts["cache_hits"] += 1
            meta.update(cached=True, latency_s=time.perf_counter() - start, usage=cached.get("usage"))
            if "schema_dialect" in cached:
                meta.update(schema_dialect=cached["schema_dialect"], schema_constrained=cached["schema_dialect"] != "none")
            meta["finish_reason"] = cached.get("raw_finish_reason", "stop")
            finish = "length" if cached.get("finish_reason") == "length" else "stop"
            return Generation(text=cached["text"], finish_reason=finish, meta=meta)

        assert self._semaphore is not None
        async with self._semaphore:
            self._counts["calls"] += 1
            sent = [0]
            _ITEM_REQUESTS.set(sent)  # task-local: this task was created by gather with its own context copy
            try:
                completion, dialect = await asyncio.wait_for(self._create_constrained(messages, params, seed), self.deadline_s)
                text, raw_finish = self._extract(completion)
                text, raw_finish = clip_reply(text, raw_finish, params.max_new_tokens)
            except Exception as exc:  # after all retries: report on the item, never lose the batch
                self._counts["errors"] += 1
                meta.update(retries=max(sent[0] - 1, 0), latency_s=time.perf_counter() - start, usage=None)
                meta["finish_reason"] = "error"
                return Generation(text="", finish_reason="error", error=_one_line(exc), meta=meta)

        usage = completion.usage.model_dump() if completion.usage is not None else None
        finish = "length" if raw_finish == "length" else "stop"  # Generation knows stop|length|error only
        meta.update(retries=sent[0] - 1, latency_s=time.perf_counter() - start, usage=usage)
        meta["finish_reason"] = raw_finish  # the server's own value (may be content_filter, tool_calls, ...)
        if dialect is not None:
            meta.update(schema_constrained=dialect != "none", schema_dialect=dialect)
        try:
            entry = {"text": text, "finish_reason": finish, "raw_finish_reason": raw_finish, "usage": usage}
            if dialect is not None:
                entry["schema_dialect"] = dialect
            self._cache_write(key, entry)
        except OSError as exc:  # an unwritable cache must not turn a good answer into a lost batch
            meta["cache_error"] = _one_line(exc)
        return Generation(text=text, finish_reason=finish, meta=meta)

    async def _create_constrained(
        self, messages: list[dict[str, Any]], params: SamplingParams, seed: int
    ) -> tuple["ChatCompletion", str | None]:
        """A completion, and the schema dialect it was asked in (None: no schema wanted)."""
        schema = params.json_schema
        if schema is None:
            return await self._create(messages, params, seed, {}), None
        if self.schema_dialect != "auto":
            return await self._create(messages, params, seed, schema_request(self.schema_dialect, schema)), self.schema_dialect
        for index in range(self._schema_floor, len(SCHEMA_DIALECTS)):
            dialect = SCHEMA_DIALECTS[index]
            try:
                completion = await self._create(messages, params, seed, schema_request(dialect, schema))
            except openai.APIStatusError as exc:
                if dialect == "none" or not _refuses_schema(exc):  # without a schema, the request itself is bad
                    raise
                continue
            # Remember the refusals so that later calls do not pay for them again (only ever moves forward).
            self._schema_floor = max(self._schema_floor, index)
            return completion, dialect
        raise AssertionError("unreachable: the last dialect either returns or raises")

    async def _create(
        self, messages: list[dict[str, Any]], params: SamplingParams, seed: int, extra: dict[str, Any]
    ) -> "ChatCompletion":
        import tenacity  # imported here so a missing tenacity surfaces as a clear error only when used

        # Only body-level failures are retried here; HTTP-level ones were already retried by the client, and
        # retrying them again would multiply its budget.
        retrying = tenacity.AsyncRetrying(
            stop=tenacity.stop_after_attempt(self.body_attempts),
            wait=tenacity.wait_exponential(multiplier=self.body_wait_s, max=1.0),
            retry=tenacity.retry_if_exception_type((ValueError, openai.APIResponseValidationError)),
            reraise=True,  # surface the last real error, not a tenacity.RetryError wrapper
        )
        async for attempt in retrying:
            with attempt:
                assert self._client is not None
                completion = await self._client.chat.completions.create(
                    model=self.model,
                    messages=messages,  # type: ignore[arg-type]
                    temperature=params.temperature,
                    top_p=params.top_p,
                    max_tokens=params.max_new_tokens,
                    seed=seed,
                    **extra,  # a schema request (response_format / extra_body), see schema_request
                )
                self._extract(completion)  # validate inside the attempt so an unusable body is retried
        return completion

    @staticmethod
    def _extract(completion: Any) -> tuple[str, str]:
        # The client validates loosely: a non-JSON content type comes back as a str, missing fields as None.
        if not isinstance(completion, ChatCompletion):
            raise _UnusableCompletion(f"response is not a chat completion: {str(completion)[:80]!r}")
        if not completion.choices or completion.choices[0].message is None:
            raise _UnusableCompletion("chat completion has no choices")
        choice = completion.choices[0]
        return choice.message.content or "", choice.finish_reason or "stop"

    # ------------------------------------------------------------------ cache

    def _cache_key(self, messages: list[dict[str, Any]], params: SamplingParams, seed: int) -> str:
        material = {
            "model": self.model,
            "base_url": self.base_url,
            "messages": messages,
            "params": params.to_dict(),
            "seed": seed,
        }
        blob = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _cache_path(self, key: str) -> Path:
        assert self.cache_dir is not None
        return self.cache_dir / key[:2] / f"{key}.json"

    def _cache_read(self, key: str) -> dict[str, Any] | None:
        # Small files, read on the loop thread: cheap next to a network round trip.
        if self.cache_dir is None:
            return None
        try:
            with open(self._cache_path(key), encoding="utf-8") as f:
                entry = json.load(f)
            if not isinstance(entry.get("text"), str):
                return None
            return entry
        except (OSError, ValueError):  # missing or unreadable: a miss, to be overwritten by a fresh answer
            return None

    def _cache_write(self, key: str, entry: dict[str, Any]) -> None:
        if self.cache_dir is None:
            return
        path = self._cache_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Temp file in the same directory + os.replace: readers (other processes too) never see a partial file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(entry, f, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

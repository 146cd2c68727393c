"""A real, local OpenAI-compatible HTTP server for offline tests, with scripted replies and fault injection.

It is a genuine aiohttp server on 127.0.0.1 (OS-chosen port) so that a client under test goes through its whole
network stack — connection pooling, timeouts, retries, JSON parsing — exactly as it would against vLLM or a hosted
API. It runs on its own event loop in a daemon thread, so synchronous test code (and a client that owns another
event loop) can talk to it without any asyncio plumbing.

    with FakeOpenAIServer(responder=lambda body: "hi") as server:
        server.inject("500", "timeout")          # the next two requests fail, in that order
        backend = OpenAIBackend("fake-model", server.base_url, timeout=0.5)
        ...
        assert server.fault_counts["500"] == 1

Faults (consumed one per incoming request, in order):
    "500"        HTTP 500 with an OpenAI-style error body
    "429"        HTTP 429 with `Retry-After: 0`
    "timeout"    hold the request for `hang_s` seconds (longer than the client's timeout), then answer normally
    "malformed"  HTTP 200 whose body is not JSON
    "drop"       close the connection without sending any response
    "hang"       never answer (held until the server stops): only a client-side deadline gets out
    "trickle"    send the response headers, then one byte of body every `hang_s / 4` seconds, forever

Schema-constrained output, as a constrained decoder gives it: a request that carries a JSON schema (OpenAI's
`response_format={"type": "json_schema", "json_schema": {"schema": ...}}`, llama.cpp's
`response_format={"type": "json_object", "schema": ...}` or its top-level `json_schema` field) is answered with an
instance of that schema, whatever the responder wrote: its JSON object if it holds one, fitted to the schema
(protod.backends.json_schema.fit_to_schema), else the schema's simplest instance. `response_formats` lists the
`response_format` types the server knows; a request with any other is refused (HTTP `refuse_status`, 400 unless
told), as an endpoint without that feature refuses it. `honour_schema=False` takes every schema request and ignores it (what a hostile
endpoint, or one that drops fields it does not implement, does): the responder's text goes out as written.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from aiohttp import web

from protod.backends.json_schema import fit_to_schema
from protod.backends.structured import extract_json

FAULTS = ("500", "429", "timeout", "malformed", "drop", "hang", "trickle")

Responder = Callable[[dict[str, Any]], str]


def _default_responder(body: dict[str, Any]) -> str:
    return "This is a reply from the fake server."


class FakeOpenAIServer:
    def __init__(
        self,
        responder: Responder | None = None,
        *,
        model: str = "fake-model",
        hang_s: float = 2.0,
        fail_always: str | None = None,
        fail_if: Callable[[dict[str, Any]], bool] | None = None,
        responder_threads: int = 32,
        response_formats: tuple[str, ...] = ("json_schema", "json_object"),
        honour_schema: bool = True,
        refuse_status: int = 400,
    ) -> None:
        self.responder: Responder = responder or _default_responder
        self.model = model
        self.hang_s = hang_s  # how long a "timeout" fault holds the request
        # A permanent fault applied to every request (or only to those where fail_if(body) is true), after the
        # queued one-shot faults. Lets a test make one conversation fail for good while the others succeed.
        self.fail_always: str | None = fail_always
        self.fail_if = fail_if
        self.response_formats = response_formats
        self.honour_schema = honour_schema
        self.refuse_status = refuse_status  # llama-cpp-python's server refuses an unknown response_format with a 500

        # Counters. Written only on the server's loop thread; plain ints/lists are safe to read from tests.
        self.requests: list[dict[str, Any]] = []  # JSON bodies of the chat-completion requests received
        self.request_count = 0  # chat-completion requests received (including faulted ones)
        self.fault_counts: Counter[str] = Counter()
        self.schema_replies = 0  # replies made to obey a requested JSON schema
        self.in_flight = 0
        self.max_in_flight = 0

        self._faults: deque[str] = deque()
        self._faults_lock = threading.Lock()  # inject() is called from the test thread, consumed on the loop
        # The responder may be slow (sleeps, a tiny local model): run it off the loop so that the server keeps
        # accepting requests concurrently, which is what the concurrency tests measure.
        self._pool = ThreadPoolExecutor(max_workers=responder_threads, thread_name_prefix="fake-openai-responder")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("FakeOpenAIServer is not started (use it as a context manager or call start())")
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "FakeOpenAIServer":
        if self._thread is not None:
            return self
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-openai-server", daemon=True)
        self._thread.start()
        # Bind and start serving before returning, so base_url is valid and the first request cannot race startup.
        asyncio.run_coroutine_threadsafe(self._start_site(), self._loop).result(timeout=10)
        return self

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._runner_cleanup(), self._loop).result(timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._thread = self._loop = self._runner = None

    def __enter__(self) -> "FakeOpenAIServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _start_site(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat_completions)
        app.router.add_get("/v1/models", self._models)
        # A short shutdown timeout: requests parked by a "timeout" fault are cancelled instead of delaying stop().
        self._runner = web.AppRunner(app, shutdown_timeout=0.2, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)  # port 0: let the OS pick a free port
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _runner_cleanup(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        # Handlers still parked by a "timeout" fault outlive the runner's shutdown window: cancel and reap them so
        # that closing the loop does not leave "Task was destroyed but it is pending" noise behind.
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    # ------------------------------------------------------------------ fault control

    def inject(self, *faults: str) -> None:
        """Queue one-shot faults; each incoming chat-completion request consumes the next one, in order."""
        for fault in faults:
            if fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}; expected one of {FAULTS}")
        with self._faults_lock:
            self._faults.extend(faults)

    @property
    def pending_faults(self) -> int:
        with self._faults_lock:
            return len(self._faults)

    def _next_fault(self, body: dict[str, Any]) -> str | None:
        with self._faults_lock:
            if self._faults:
                return self._faults.popleft()
        if self.fail_always is not None and (self.fail_if is None or self.fail_if(body)):
            if self.fail_always not in FAULTS:
                raise ValueError(f"unknown fault {self.fail_always!r}; expected one of {FAULTS}")
            return self.fail_always
        return None

    # ------------------------------------------------------------------ handlers

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"object": "list", "data": [{"id": self.model, "object": "model", "created": 0, "owned_by": "protod"}]}
        )

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        self.request_count += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            try:
                body = await request.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                return _error(400, "request body is not valid JSON", "invalid_request_error")
            self.requests.append(body)

            fault = self._next_fault(body)
            if fault is not None:
                self.fault_counts[fault] += 1
                if fault == "500":
                    return _error(500, "injected fault: internal server error", "server_error")
                if fault == "429":
                    return _error(429, "injected fault: rate limited", "rate_limit_error", {"Retry-After": "0"})
                if fault == "malformed":
                    # Claims JSON but is not: what a crashing proxy or a truncated body looks like to the client.
                    broken = '{"id": "chatcmpl-broken", "choi'
                    return web.Response(status=200, text=broken, content_type="application/json")
                if fault == "drop":
                    # Abort the TCP connection before any byte of a response: the client sees a disconnect.
                    if request.transport is not None:
                        request.transport.abort()
                    raise asyncio.CancelledError  # nothing left to answer on; aiohttp treats this as a lost client
                if fault == "hang":
                    await asyncio.sleep(3600)  # cancelled by stop()
                if fault == "trickle":
                    # Bytes keep coming, each before a per-read timeout fires: only an overall deadline ends it.
                    resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
                    await resp.prepare(request)
                    while True:
                        await resp.write(b" ")
                        await asyncio.sleep(self.hang_s / 4)
                if fault == "timeout":
                    # Hold the request past the client's timeout; the client gives up and retries. If the client is
                    # still there afterwards (it should not be) it gets a normal answer.
                    await asyncio.sleep(self.hang_s)

            kind = (body.get("response_format") or {}).get("type", "text")
            if kind != "text" and kind not in self.response_formats:
                return _error(self.refuse_status, f"response_format type must be one of {['text', *self.response_formats]}, got {kind!r}",
                              "invalid_request_error")
            loop = asyncio.get_running_loop()
            try:
                text = await loop.run_in_executor(self._pool, self.responder, body)
            except Exception as exc:  # a broken responder is a server error, as it would be in a real server
                return _error(500, f"responder failed: {type(exc).__name__}: {exc}", "server_error")
            schema = requested_schema(body)
            if schema is not None and self.honour_schema:
                text = _constrained(str(text), schema)
                self.schema_replies += 1
            return web.json_response(self._completion(body, str(text)))
        finally:
            self.in_flight -= 1

    def _completion(self, body: dict[str, Any], text: str) -> dict[str, Any]:
        # Whitespace word counts stand in for token counts: enough to exercise usage bookkeeping.
        prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        completion_tokens = len(text.split())
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", self.model),
            "system_fingerprint": "fake-openai-server",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }


def requested_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema a chat-completion request asks its reply to obey, in any of the dialects servers take."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return (fmt.get("json_schema") or {}).get("schema")
    if fmt.get("type") == "json_object" and isinstance(fmt.get("schema"), dict):
        return fmt["schema"]
    schema = body.get("json_schema")
    return schema if isinstance(schema, dict) else None


def _constrained(text: str, schema: dict[str, Any]) -> str:
    try:
        value: Any = extract_json(text)
    except (ValueError, RecursionError):
        value = None
    return json.dumps(fit_to_schema(value, schema), ensure_ascii=False)


def _error(status: int, message: str, kind: str, headers: dict[str, str] | None = None) -> web.Response:
    payload = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return web.json_response(payload, status=status, headers=headers)

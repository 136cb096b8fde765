"""A deltajson stream as Server-Sent Events, for browsers (``static/deltajson.js``).

::

    from deltajson.sse import sse_response

    @app.post("/plan")
    async def plan(request):
        stream = await client.chat.completions.create(..., stream=True)
        return sse_response(deltajson.sources.openai_chat(stream), TripPlan)

Events (each ``data:`` is one line of JSON):

- ``patch``: ``{"ops": [...], "completed": [...]}`` — the JSON Patch operations of the text
  read since the last event (``add``, and the ``append`` extension for string growth, so the
  bytes sent over a stream are O(document), not O(document x chunks)), and the JSON Pointers
  of the values completed meanwhile. With ``total`` given, also ``"progress"`` (0 to 1).
- ``done``: ``{"value": ...}`` — the final value (validated by ``model`` when given, as JSON).
- ``error``: ``{"type": ..., "message": ...}`` plus, by type, ``offset``/``line``/``column``
  (invalid JSON), ``path`` and ``errors`` (schema mismatch: Pydantic's error types and
  locations, no text), ``kind`` (provider error). Ops read before the error are sent first:
  nothing is lost. Only deltajson's own words reach the client: an error with a cause from
  elsewhere (the source's exception, the provider's text, a validator's message) is sent with
  a fixed message, and any other exception as ``InternalError``; the full detail goes to the
  ``deltajson.sse`` logger. Anything that goes wrong once the response has started, even
  while the last events are being written, ends it with an ``error`` event.
- ``: heartbeat`` comments while the source is silent for ``heartbeat`` seconds, so proxies
  keep the connection open.

Every ``data:`` is valid JSON: a number too large for a float (``1e400``) or a ``NaN`` read
with ``allow_nan`` goes out as ``null``, and the event says so in ``"nonfinite"`` (JSON
Pointer -> ``"Infinity"``, ``"-Infinity"`` or ``"NaN"``). Values are written without
recursion, so a document nested as deep as ``max_depth`` allows is sent like any other.

**Cost.** The work per chunk is the parser's: the events' text is written by the parser
itself (``Parser.patch_event``, in Rust), chunks that are ready at the source are read as one
batch and give one event (``coalesce=True``, the default; ``coalesce=False`` sends one event
per chunk), and the timers tick per period, never per chunk (``deltajson._sse_inbox``).

**Memory and faults.** The source is read ``buffer`` chunks ahead of the events at most, so a
client that reads slowly slows the reading of the source. Ops held back by ``min_interval``
are merged (appends to one string become one) and sent early once the bytes read since the
last event pass ``max_held``. When the client disconnects, the response stops at once,
however fast the source, and closes it (``aclose``, within ``close_timeout`` seconds, else the
source is logged and abandoned; a sync iterator's ``close`` once its thread is back). A
blocking (sync) source is read by a thread of a pool sized for streams
(:func:`set_sync_source_threads`, 256 by default). ``idle_timeout`` (seconds without a chunk)
and ``timeout`` (seconds for the whole stream) end a stream with a ``StreamTimeout`` error
event. A ``HEAD`` request gets the headers without the source being read.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any, Callable, Optional

from deltajson._api import Parser
from deltajson._errors import (
    JSONError,
    ProviderError,
    Refusal,
    SchemaMismatch,
    StreamInterrupted,
    StreamTimeout,
    Truncated,
)
from deltajson._sse_direct import DirectReader
from deltajson._sse_inbox import (
    DEFAULT_SYNC_SOURCE_THREADS,
    Chunk,
    Chunks,
    Failed,
    Inbox,
    close_unread,
    set_sync_source_threads,
    shielded,
)
from deltajson._wire import event as _error_event
from deltajson._wire import patch_event as _patch_event
from deltajson._wire import value_event as _value_event
from deltajson.patch import json_pointer

__all__ = [
    "DEFAULT_SYNC_SOURCE_THREADS",
    "HEADERS",
    "SourceCancelled",
    "error_payload",
    "event_stream",
    "set_sync_source_threads",
    "sse_response",
]

log = logging.getLogger("deltajson.sse")

#: Headers an SSE response needs: no caching, and no buffering by nginx-style proxies.
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"}

#: Sent when even the error event cannot be written.
_LAST_RESORT = (
    b'event: error\ndata: {"type":"InternalError","message":"the stream failed on the server"}\n\n'
)
_HEARTBEAT = b": heartbeat\n\n"


def _utf8_len(chunk: Chunk) -> int:
    if isinstance(chunk, str):
        return len(chunk) if chunk.isascii() else len(chunk.encode("utf-8", "surrogatepass"))
    return len(chunk)


class _Reader:
    """The parser (or model engine) behind a stream; it writes the events' text."""

    def __init__(self, model: Optional[type], parser_options: dict[str, Any]) -> None:
        self.engine: Any = None
        if model is not None:
            from deltajson._contracts import engine_for

            self.engine = engine_for(model, parser_options=parser_options)
            self.engine.record_ops = True
            self.parser = self.engine.parser
            self.feed: Callable[[Chunk], None] = self.engine.feed
            take_ops = self.engine.take_ops
            #: The ``patch`` event of what was read since the last one (``None`` if nothing),
            #: given the progress.
            self.event: Callable[[Optional[float]], Optional[bytes]] = lambda progress: (
                _patch_event(take_ops(), progress)
            )
        else:
            self.parser = Parser(**parser_options)
            self.parser.changes()  # start recording
            self.feed = self.parser.feed
            self.event = self.parser.patch_event

    def finish(self) -> Any:
        if self.engine is not None:
            return _as_json(self.engine.model, self.engine.finish())
        return self.parser.finish()


def _as_json(model: Any, final: Any) -> Any:
    """The final value as JSON data: a model's ``model_dump(mode="json")``, any other type's
    (``list[Model]``, a union) as its ``TypeAdapter`` dumps it."""
    from pydantic import BaseModel, TypeAdapter

    from deltajson._jsonschema import is_json_schema

    if is_json_schema(model):
        return final  # a JSON Schema's value is plain JSON already
    if isinstance(final, BaseModel):
        return final.model_dump(mode="json")
    adapter: TypeAdapter[Any] = TypeAdapter(model)
    return adapter.dump_python(final, mode="json")


#: Fixed messages for errors whose own text may come from outside deltajson.
_SAFE_MESSAGES = {
    "SchemaMismatch": "the value does not match the schema",
    "StreamInterrupted": "the source failed",
    "ProviderError": "the provider reported an error",
}


def error_payload(error: BaseException) -> dict[str, Any]:
    """What an ``error`` event says about ``error``: its type, a message in deltajson's own
    words, and where (README: what each type sends). The full error goes to the log."""
    if isinstance(error, JSONError):
        log.info("deltajson SSE stream: invalid JSON: %s", error)
        return {
            "type": type(error).__name__,
            "message": str(error),  # deltajson's own words, quoting the document
            "offset": error.pos,
            "line": error.lineno,
            "column": error.colno,
        }
    if isinstance(error, _STREAM_ERRORS):
        log.warning("deltajson SSE stream failed: %r", error, exc_info=error)
        payload: dict[str, Any] = {"type": type(error).__name__}
        if isinstance(error, SchemaMismatch):
            payload["message"] = _SAFE_MESSAGES["SchemaMismatch"]
            payload["path"] = json_pointer(error.path)
            payload["errors"] = _schema_errors(error)
        elif isinstance(error, ProviderError):
            payload["message"] = _SAFE_MESSAGES["ProviderError"]
            payload["kind"] = str(error.kind)
        elif isinstance(error, SourceCancelled):
            payload.update(type="StreamInterrupted", message="the source was cancelled")
        elif isinstance(error, StreamInterrupted):
            payload.update(type="StreamInterrupted", message=_SAFE_MESSAGES["StreamInterrupted"])
        else:  # Refusal (the model's own answer); StreamTimeout, Truncated (deltajson's words)
            payload["message"] = str(error)
        return payload
    # Unexpected failures are logged, not described to the client.
    log.error("deltajson SSE stream failed", exc_info=error)
    return {"type": "InternalError", "message": "the stream failed on the server"}


_STREAM_ERRORS = (
    SchemaMismatch,
    ProviderError,
    StreamInterrupted,
    StreamTimeout,
    Refusal,
    Truncated,
)


def _schema_errors(error: SchemaMismatch) -> list[dict[str, Any]]:
    """Pydantic's error types and locations (a JSON Schema validator's keyword and the
    path), without messages or inputs."""
    validation = error.validation_error
    if validation is not None and not hasattr(validation, "errors"):
        keyword = getattr(validation, "validator", None)
        return [{"type": str(keyword), "loc": list(error.path)}]
    try:
        items = validation.errors(include_url=False) if validation is not None else []
    except Exception:
        return []
    return [{"type": item["type"], "loc": list(item["loc"])} for item in items]


class SourceCancelled(StreamInterrupted):
    """The source itself was cancelled (a ``CancelledError`` raised inside it)."""


def event_stream(
    chunks: Chunks,
    model: Optional[type] = None,
    *,
    min_interval: float = 0.0,
    heartbeat: Optional[float] = 15.0,
    total: Optional[int] = None,
    buffer: int = 16,
    max_held: int = 1 << 20,
    coalesce: bool = True,
    idle_timeout: Optional[float] = None,
    timeout: Optional[float] = None,
    close_timeout: float = 5.0,
    **parser_options: Any,
) -> AsyncIterator[bytes]:
    """The SSE bytes of a stream of JSON text ``chunks`` (framework-agnostic).

    Args:
        chunks: text or bytes pieces of one JSON document (e.g. a ``deltajson.sources``
            source); an async iterable, or a blocking iterable read in a thread of its own.
        model: a Pydantic model (or type) validating the document; the ``done`` value is the
            model's JSON (``model_dump(mode="json")``).
        min_interval: send ``patch`` events at most this often (milliseconds); the ops in
            between are merged and sent together when the interval has passed, even if the
            source has gone quiet meanwhile, so nothing is lost or held back.
        heartbeat: seconds without an event after which a comment is sent (``None``: never).
        total: the expected size in bytes, to report ``progress``.
        buffer: chunks the source is read ahead of the events, at most (at least 1).
        max_held: bytes read since the last event past which a patch goes out at once, even
            under ``min_interval`` (bounds the memory of a fast source under a long interval).
        coalesce: ``True``: the chunks that are ready together give one event; ``False``:
            one event per chunk that changed something.
        idle_timeout: seconds the source may stay silent (``StreamTimeout``; ``None``: no
            limit).
        timeout: seconds the whole stream may take (``StreamTimeout``; ``None``: no limit).
        close_timeout: seconds the source's ``aclose`` may take once the stream stops; past
            it the source is logged and abandoned.
        parser_options: options of ``deltajson.Parser``.

    Closing the generator (the response does when the client disconnects) stops the reading
    and closes the source.
    """
    if type(buffer) is not int or buffer < 1:
        raise ValueError(f"buffer must be an int of at least 1, not {buffer!r}")
    return _events(
        _Reader(model, parser_options),
        chunks,
        min_interval=min_interval,
        heartbeat=heartbeat,
        total=total,
        buffer=buffer,
        max_held=max_held,
        coalesce=coalesce,
        idle_timeout=idle_timeout,
        timeout=timeout,
        close_timeout=close_timeout,
    )


async def _events(
    reader: _Reader,
    chunks: Chunks,
    *,
    min_interval: float,
    heartbeat: Optional[float],
    total: Optional[int],
    buffer: int,
    max_held: int,
    coalesce: bool,
    idle_timeout: Optional[float],
    timeout: Optional[float],
    close_timeout: float,
) -> AsyncIterator[bytes]:
    """``event_stream``'s events, read with ``reader`` (a resumable stream's producer keeps
    its own, to take snapshots of the value between events)."""
    interval = min_interval / 1000.0
    inbox: Any
    if (
        isinstance(chunks, AsyncIterable)
        and heartbeat is None
        and interval == 0
        and idle_timeout is None
        and timeout is None
    ):
        # Nothing to wake up for but the source: read it in this task (no hand-over).
        inbox = DirectReader(chunks.__aiter__(), buffer, close_timeout)
    else:
        inbox = Inbox(
            chunks,
            buffer=buffer,
            heartbeat=heartbeat,
            idle_timeout=idle_timeout,
            timeout=timeout,
            close_timeout=close_timeout,
        )
    # Bytes are counted only where they are used (progress, or the bound on held ops); the
    # plain case, one event per batch with no interval, keeps its loop minimal.
    counting = bool(total) or interval > 0
    throttled = interval > 0
    loop = asyncio.get_running_loop()
    last_sent = -math.inf
    unsent = 0  # bytes read since the last event (chunks, when not counting)
    read = 0
    feed = reader.feed
    event = reader.event

    def progress() -> Optional[float]:
        return min(1.0, read / total) if total else None

    def due() -> Optional[bytes]:
        """The next ``patch`` event, if one is due (else a flush is scheduled)."""
        nonlocal last_sent, unsent
        if throttled:
            now = loop.time()
            if now - last_sent < interval and unsent < max_held:
                inbox.flush_at(last_sent + interval)
                return None
            last_sent = now
        unsent = 0
        inbox.flush_due = False
        return event(progress())

    try:
        try:
            if isinstance(inbox, DirectReader) and not counting:
                # The plain case (sse_response's default): nothing to count or throttle.
                next_batch = inbox.next_batch
                while True:
                    batch = await next_batch()
                    if coalesce:
                        for chunk in batch:
                            feed(chunk)
                        patch = event(None) if batch else None
                        if patch is not None:
                            yield patch
                    else:
                        for chunk in batch:
                            feed(chunk)
                            patch = event(None)
                            if patch is not None:
                                yield patch
                    if inbox.end is not None:
                        _raise_if_failed(inbox.end)
                        break
            while inbox.end is None:
                batch = await inbox.next_batch()
                if not (counting or not coalesce):
                    for chunk in batch:
                        feed(chunk)
                    unsent += len(batch)
                else:
                    for chunk in batch:
                        feed(chunk)
                        if counting:
                            size = _utf8_len(chunk)
                            read += size
                            unsent += size
                        else:
                            unsent += 1
                        if not coalesce or unsent >= max_held:
                            patch = due()
                            if patch is not None:
                                inbox.sent()
                                yield patch
                if inbox.end is not None:
                    _raise_if_failed(inbox.end)
                    break
                if inbox.expired is not None:
                    raise _timed_out(inbox.expired, idle_timeout, timeout)
                if unsent or inbox.flush_due:
                    patch = due()
                    if patch is not None:
                        inbox.sent()
                        yield patch
                if inbox.beat_due:
                    inbox.sent()
                    yield _HEARTBEAT
            final = reader.finish()
            tail = event(progress())
            done = _value_event("done", final)
        except Exception as e:  # a typed error event, after what was read before it
            for failure in _failure_events(reader, e, progress()):
                yield failure
            return
        if tail is not None:
            yield tail
        yield done
    finally:
        await inbox.close()


def _raise_if_failed(end: Any) -> None:
    """Raises the source's own error, if it ended with one."""
    if isinstance(end, Failed):
        error = end.error
        if not isinstance(error, Exception):  # cancelled inside the source
            raise SourceCancelled("the source was cancelled") from error
        raise error


def _timed_out(which: str, idle: Optional[float], total: Optional[float]) -> StreamTimeout:
    if which == "idle":
        return StreamTimeout(f"the stream exceeded its idle timeout of {idle} s")
    return StreamTimeout(f"the stream exceeded its timeout of {total} s")


def _failure_events(reader: _Reader, error: Exception, progress: Optional[float]) -> list[bytes]:
    """What was read before ``error`` (if it can still be written), then its ``error``
    event; never raises, so a response that has started always ends with an event."""
    events = []
    try:
        tail = reader.event(progress)
        if tail is not None:
            events.append(tail)
    except Exception:
        log.error("deltajson SSE stream: the last ops could not be written", exc_info=True)
    try:
        events.append(_error_event("error", error_payload(error)))
    except Exception:
        log.error("deltajson SSE stream: the error event could not be written", exc_info=True)
        events.append(_LAST_RESORT)
    return events


def sse_response(
    chunks: Chunks,
    model: Optional[type] = None,
    *,
    min_interval: float = 0.0,
    heartbeat: Optional[float] = 15.0,
    total: Optional[int] = None,
    buffer: int = 16,
    max_held: int = 1 << 20,
    coalesce: bool = True,
    idle_timeout: Optional[float] = None,
    timeout: Optional[float] = None,
    close_timeout: float = 5.0,
    **parser_options: Any,
) -> Any:
    """A Starlette (and FastAPI) ``StreamingResponse`` of ``event_stream(...)`` (same
    arguments) with the SSE headers (``Cache-Control: no-cache``, ``X-Accel-Buffering: no``).
    It watches for the client's disconnect itself (whatever the server and the ASGI version),
    and then stops the stream and closes the source at once; a ``HEAD`` request gets the
    headers only, the source closed unread. Heartbeats are sent by the response, beside the
    stream, so that the stream itself needs no timer (see ``deltajson._sse_direct``)."""
    body = event_stream(
        chunks,
        model,
        min_interval=min_interval,
        heartbeat=None,
        total=total,
        buffer=buffer,
        max_held=max_held,
        coalesce=coalesce,
        idle_timeout=idle_timeout,
        timeout=timeout,
        close_timeout=close_timeout,
        **parser_options,
    )
    response = _response_class()(body, media_type="text/event-stream", headers=HEADERS)
    response.source = chunks
    response.heartbeat = heartbeat
    return response


class _Sender:
    """Sends a response's events and, beside them, a heartbeat after ``heartbeat`` seconds
    without one; the two never interleave (a send is never started during another)."""

    def __init__(self, send: Any, heartbeat: Optional[float]) -> None:
        import anyio

        self._send = send
        self.heartbeat = heartbeat
        self.last = time.monotonic()
        self.busy = False
        self.beating: Optional[Any] = None  # an anyio.Event while a heartbeat is being sent
        self._event_class = anyio.Event

    async def body(self, data: bytes, more: bool = True) -> None:
        """Sends a part of the body (the stream's loop inlines this for its events)."""
        while self.beating is not None:
            await self.beating.wait()
        self.busy = True
        try:
            await self._send({"type": "http.response.body", "body": data, "more_body": more})
        finally:
            self.busy = False
            self.last = time.monotonic()

    async def after_beat(self) -> None:
        """Waits for the heartbeat being sent, if one is."""
        while self.beating is not None:
            await self.beating.wait()

    async def beat(self) -> None:
        """Runs beside the stream until cancelled."""
        import anyio

        assert self.heartbeat is not None
        while True:
            await anyio.sleep(max(0.0, self.last + self.heartbeat - time.monotonic()))
            now = time.monotonic()
            if now - self.last < self.heartbeat:
                continue  # an event went out meanwhile
            if self.busy:  # an event is being sent: that is activity too
                self.last = now
                continue
            self.beating = done = self._event_class()
            try:
                await self._send(
                    {"type": "http.response.body", "body": _HEARTBEAT, "more_body": True}
                )
            finally:
                self.beating = None
                self.last = time.monotonic()
                done.set()


_RESPONSE: list[type] = []


def _response_class() -> type:
    """``EventStreamResponse``, made on first use (Starlette is optional)."""
    if _RESPONSE:
        return _RESPONSE[0]
    try:
        import anyio
        from starlette.responses import StreamingResponse
    except ImportError as e:
        raise ImportError(
            "deltajson.sse.sse_response needs starlette: pip install starlette"
        ) from e

    class EventStreamResponse(StreamingResponse):
        """A ``StreamingResponse`` that ends as soon as the client disconnects, and sends
        heartbeats while the stream is silent.

        Servers that speak ASGI 2.4 (uvicorn, hypercorn) let a response go on writing into a
        closed connection, and Starlette then only notices when a write fails — never, with
        some servers, so a fast source would be read on to its end (or forever). This
        response listens for ``http.disconnect`` beside the stream and cancels it, and checks
        between events (a server whose writes into a closed connection never suspend, like
        hypercorn, may never let a cancellation reach the stream).
        """

        source: Any = None
        heartbeat: Optional[float] = None

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            body = self.body_iterator
            start = {
                "type": "http.response.start",
                "status": self.status_code,
                "headers": self.raw_headers,
            }
            if scope.get("method") == "HEAD":
                await send(start)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                await shielded(_close_body(body, self.source))
                return
            sender = _Sender(send, self.heartbeat)
            heartbeat = self.heartbeat
            left = False  # the client disconnected
            async with anyio.create_task_group() as group:

                async def stream() -> None:
                    # In a task of its own, as Starlette's StreamingResponse does: resuming it
                    # for each chunk then resumes a few frames, not the whole stack of
                    # middleware the request's own task runs under.
                    try:
                        await send(start)
                        if heartbeat is not None:
                            group.start_soon(sender.beat)
                        monotonic = time.monotonic
                        async for event in body:
                            if left:
                                return
                            if sender.beating is not None:
                                await sender.after_beat()
                            # `sender.body`, inlined: this runs once per event.
                            sender.busy = True
                            try:
                                await send(
                                    {"type": "http.response.body", "body": event, "more_body": True}
                                )
                            finally:
                                sender.busy = False
                                sender.last = monotonic()
                        await send({"type": "http.response.body", "body": b"", "more_body": False})
                    finally:
                        group.cancel_scope.cancel()  # the watch below ends with the stream
                        aclose = getattr(body, "aclose", None)
                        if aclose is not None:
                            await shielded(aclose())

                group.start_soon(stream)
                # The request's own task watches for the client leaving, and then cancels the
                # stream (and the source with it) at once; the stream also checks between
                # events, for a server whose writes into a closed connection never suspend.
                while True:
                    message = await receive()
                    if message.get("type") == "http.disconnect":
                        left = True
                        group.cancel_scope.cancel()
                        return

    _RESPONSE.append(EventStreamResponse)
    # Threads that made it at the same time all use the first one kept.
    return _RESPONSE[0]


async def _close_body(body: Any, source: Any) -> None:
    """A stream that never started: its generator closed, and its source (never read)."""
    await body.aclose()
    if source is not None:
        await close_unread(source)

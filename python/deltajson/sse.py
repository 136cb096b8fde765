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
  ``deltajson.sse`` logger.
- ``: heartbeat`` comments while the source is silent for ``heartbeat`` seconds, so proxies
  keep the connection open.

Every ``data:`` is valid JSON: a number too large for a float (``1e400``) or a ``NaN`` read
with ``allow_nan`` goes out as ``null``, and the event says so in ``"nonfinite"`` (JSON
Pointer -> ``"Infinity"``, ``"-Infinity"`` or ``"NaN"``).

Memory per stream is bounded: the source is read ``buffer`` chunks ahead of the events at
most, and a client that reads slowly slows the reading of the source (nothing queues up
behind it). Ops held back by ``min_interval`` are merged (appends to one string become one)
and sent early once they pass ``max_held`` bytes. When the client disconnects, the response
stops at once, however fast the source, and closes it (``aclose``; a sync iterator's
``close`` once its worker thread is back).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import threading
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any, Optional, Union

from deltajson._api import Parser
from deltajson._errors import (
    JSONError,
    ProviderError,
    Refusal,
    SchemaMismatch,
    StreamInterrupted,
    StreamTimeout,
)
from deltajson.patch import JsonPatcher, json_pointer

__all__ = ["HEADERS", "SourceCancelled", "error_payload", "event_stream", "sse_response"]

log = logging.getLogger("deltajson.sse")

Chunk = Union[str, bytes]
Chunks = Union[Iterable[Chunk], AsyncIterable[Chunk]]

#: Headers an SSE response needs: no caching, and no buffering by nginx-style proxies.
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"}


def _event(name: str, payload: Any) -> bytes:
    try:
        data = _dumps(payload, ensure_ascii=False)
    except ValueError:
        # NaN or an infinity: not JSON. Sent as null, and named (see the module docs).
        payload = _finite(payload)
        data = _dumps(payload, ensure_ascii=False)
    try:
        return f"event: {name}\ndata: {data}\n\n".encode()
    except UnicodeEncodeError:
        # A lone surrogate (``"\\ud800"`` in the document, kept as json.loads keeps it) has
        # no UTF-8 form; as a ``\\u`` escape it reaches JSON.parse intact.
        data = _dumps(payload, ensure_ascii=True)
        return f"event: {name}\ndata: {data}\n\n".encode()


def _dumps(payload: Any, *, ensure_ascii: bool) -> str:
    return json.dumps(
        payload, ensure_ascii=ensure_ascii, separators=(",", ":"), default=str, allow_nan=False
    )


def _finite(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` with every non-finite float replaced by ``None``, and ``"nonfinite"``
    naming each (the JSON Pointer of its place in the document)."""
    found: dict[str, str] = {}
    payload = dict(payload)
    if "ops" in payload:
        payload["ops"] = [
            {**op, "value": _replace_nonfinite(op["value"], op["path"], found)}
            if "value" in op
            else op
            for op in payload["ops"]
        ]
    if "value" in payload:
        payload["value"] = _replace_nonfinite(payload["value"], "", found)
    payload["nonfinite"] = found
    return payload


def _replace_nonfinite(value: Any, pointer: str, found: dict[str, str]) -> Any:
    """A copy of ``value`` with non-finite floats as ``None`` (recorded in ``found``);
    iterative, so that a deep value cannot exhaust the stack."""
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        found[pointer] = "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
        return None
    if not isinstance(value, (dict, list)):
        return value
    root: Any = dict(value) if isinstance(value, dict) else list(value)
    stack = [(root, pointer)]
    while stack:
        container, where = stack.pop()
        keys = container.keys() if isinstance(container, dict) else range(len(container))
        for key in list(keys):
            item = container[key]
            place = f"{where}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if isinstance(item, float) and not math.isfinite(item):
                found[place] = "NaN" if item != item else ("Infinity" if item > 0 else "-Infinity")
                container[key] = None
            elif isinstance(item, (dict, list)):
                copied = dict(item) if isinstance(item, dict) else list(item)
                container[key] = copied
                stack.append((copied, place))
    return root


class _Reader:
    """The parser (or model engine) behind a stream, and the ops it has not sent yet: taken
    from the parser after every chunk and merged while they wait (appends to the string that
    is being written become one op), so what waits is bounded by what it will send."""

    def __init__(self, model: Optional[type], parser_options: dict[str, Any]) -> None:
        self.engine: Any = None
        if model is not None:
            from deltajson._engine import ModelEngine

            self.engine = ModelEngine(model, parser_options=parser_options)
            self.engine.record_ops = True
            self.parser = self.engine.parser
        else:
            self.parser = Parser(**parser_options)
            self.parser.changes()  # start recording
        self.patcher = JsonPatcher()
        self.bytes = 0
        self.held: list[Any] = []
        #: Bytes of string text held (what merging cannot shrink).
        self.held_bytes = 0

    def feed(self, chunk: Chunk) -> None:
        self.bytes += (
            len(chunk.encode("utf-8", "surrogatepass")) if isinstance(chunk, str) else len(chunk)
        )
        if self.engine is not None:
            self.engine.feed(chunk)
        else:
            self.parser.feed(chunk)
        self._take()

    def finish(self) -> Any:
        if self.engine is not None:
            final = self.engine.finish()
            self._take()
            return final.model_dump(mode="json")
        final = self.parser.finish()
        self._take()
        return final

    def _take(self) -> None:
        ops = self.engine.take_ops() if self.engine is not None else self.parser.changes()
        held = self.held
        for op in ops:
            kind, path = op[0], op[1]  # ("remove", path) has no value
            if kind == "append":
                value = op[2]
                self.held_bytes += len(value)
                last = held[-1] if held else None
                if last is not None and last[1] == path and last[0] in ("add", "append"):
                    held[-1] = (last[0], path, last[2] + value)
                    continue
            held.append(op)

    def pending(self, total: Optional[int]) -> Optional[dict[str, Any]]:
        """The ``patch`` payload of what was read since the last one (``None`` if nothing)."""
        self._take()
        ops, self.held, self.held_bytes = self.held, [], 0
        if not ops:
            return None
        payload: dict[str, Any] = {
            "ops": self.patcher.patch(ops),
            "completed": [json_pointer(op[1]) for op in ops if op[0] == "done"],
        }
        if total:
            payload["progress"] = min(1.0, self.bytes / total)
        return payload


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
        else:  # Refusal (the model's own answer), StreamTimeout (deltajson's words)
            payload["message"] = str(error)
        return payload
    # Unexpected failures are logged, not described to the client.
    log.error("deltajson SSE stream failed", exc_info=error)
    return {"type": "InternalError", "message": "the stream failed on the server"}


_STREAM_ERRORS = (SchemaMismatch, ProviderError, StreamInterrupted, StreamTimeout, Refusal)


def _schema_errors(error: SchemaMismatch) -> list[dict[str, Any]]:
    """Pydantic's error types and locations, without messages or inputs."""
    validation = error.validation_error
    try:
        items = validation.errors(include_url=False) if validation is not None else []
    except Exception:
        return []
    return [{"type": item["type"], "loc": list(item["loc"])} for item in items]


async def _sync_to_async(chunks: Iterable[Chunk]) -> AsyncIterator[Chunk]:
    """A blocking iterable (a sync SDK stream) read in a worker thread, one item at a time.
    Closed with it: at once if no item is being read, else by the worker as soon as it is
    back with the item (a running generator cannot be closed from another thread)."""
    iterator: Iterator[Chunk] = iter(chunks)
    close = getattr(iterator, "close", None)
    end = object()
    lock = threading.Lock()
    state = {"reading": False, "closing": False}

    def step() -> Any:
        # Marked as reading in the worker itself: a call cancelled before it started never
        # runs, and must not leave the source waiting for a worker that never comes back.
        with lock:
            if state["closing"]:
                return end
            state["reading"] = True
        try:
            return next(iterator, end)
        finally:
            with lock:
                state["reading"] = False
                closing = state["closing"]
            if closing and close is not None:
                _close_quietly(close)

    try:
        while True:
            item = await asyncio.to_thread(step)
            if item is end:
                return
            yield item
    finally:
        with lock:
            state["closing"] = True
            busy = state["reading"]
        if not busy and close is not None:
            _close_quietly(close)


def _close_quietly(close: Any) -> None:
    try:
        close()
    except Exception:  # closing must not fail the response; the cause is the log's
        log.debug("closing a sync source failed", exc_info=True)


class _Failed:
    """The source raised: the exception, handed from the pump to the stream."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


_END, _BEAT, _FLUSH = object(), object(), object()


class _Inbox:
    """What the stream waits for: the source's chunks, read by one pump task at most
    ``buffer`` chunks ahead (it waits for room, so a slow client paces the source), and the
    ticks of two timers — a heartbeat after ``heartbeat`` seconds without an event, and a
    flush when throttled ops fall due. Waiting costs one queue get per chunk (no task and no
    timer reset per chunk), which is most of what a stream costs a server."""

    def __init__(
        self, source: AsyncIterator[Chunk], heartbeat: Optional[float], buffer: int
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Any] = asyncio.Queue()  # chunks (bounded by room) and ticks
        self.room = asyncio.Semaphore(buffer)
        self.source = source
        self.pump = self.loop.create_task(self._pump())
        self.heartbeat = heartbeat
        self.last_event = self.loop.time()
        self.beat_queued = False
        self.beat_timer: Optional[asyncio.TimerHandle] = None
        self.flush_timer: Optional[asyncio.TimerHandle] = None
        if heartbeat is not None:
            self.beat_timer = self.loop.call_later(heartbeat, self._beat)

    async def _pump(self) -> None:
        try:
            async for chunk in self.source:
                await self.room.acquire()
                self.queue.put_nowait(chunk)
        except Exception as e:
            self.queue.put_nowait(_Failed(e))
        except BaseException as e:
            # Cancelled (by `close`, or inside the source itself): the stream must not wait
            # for a chunk that will never come.
            self.queue.put_nowait(_Failed(e))
            raise
        else:
            self.queue.put_nowait(_END)

    def _beat(self) -> None:
        # Fires once per heartbeat period, not per chunk: silence is measured from the last
        # event sent, and the timer re-arms itself for when that silence would be long enough.
        assert self.heartbeat is not None
        due = self.last_event + self.heartbeat
        now = self.loop.time()
        if now >= due:
            if not self.beat_queued:  # a slow client gets one pending heartbeat, not many
                self.beat_queued = True
                self.queue.put_nowait(_BEAT)
            due = now + self.heartbeat
        self.beat_timer = self.loop.call_at(due, self._beat)

    def flush_at(self, when: float) -> None:
        """Queues a flush tick at loop time ``when``, unless one is pending."""
        if self.flush_timer is None:
            self.flush_timer = self.loop.call_at(when, self.queue.put_nowait, _FLUSH)

    def sent(self) -> None:
        """An event went out: the heartbeat counts silence from now."""
        self.last_event = self.loop.time()

    async def get(self) -> Any:
        item = await self.queue.get()
        if item is _BEAT:
            self.beat_queued = False
        elif item is _FLUSH:
            self.flush_timer = None
        elif not isinstance(item, _Failed) and item is not _END:
            self.room.release()  # a chunk: the pump may read the next one
        return item

    async def close(self) -> None:
        """Stops the timers and the pump, and closes the source (also while cancelled)."""
        for timer in (self.beat_timer, self.flush_timer):
            if timer is not None:
                timer.cancel()
        self.pump.cancel()
        await _shielded(self._settle())

    async def _settle(self) -> None:
        try:
            await self.pump
        except BaseException:  # cancelled, or already reported through the queue
            pass
        aclose = getattr(self.source, "aclose", None)
        if aclose is not None:
            try:
                await aclose()
            except RuntimeError:
                pass  # already running or closed (a generator closing itself)
            except Exception:  # the source failing to close must not fail the response
                log.debug("closing the source failed", exc_info=True)


class SourceCancelled(StreamInterrupted):
    """The source itself was cancelled (a ``CancelledError`` raised inside it)."""


async def event_stream(
    chunks: Chunks,
    model: Optional[type] = None,
    *,
    min_interval: float = 0.0,
    heartbeat: Optional[float] = 15.0,
    total: Optional[int] = None,
    buffer: int = 16,
    max_held: int = 1 << 20,
    **parser_options: Any,
) -> AsyncIterator[bytes]:
    """The SSE bytes of a stream of JSON text ``chunks`` (framework-agnostic).

    Args:
        chunks: text or bytes pieces of one JSON document (e.g. a ``deltajson.sources``
            source); an async iterable, or a blocking iterable read in a worker thread.
        model: a Pydantic model validating the document; the ``done`` value is the model's
            JSON (``model_dump(mode="json")``).
        min_interval: send ``patch`` events at most this often (milliseconds); the ops in
            between are merged and sent together when the interval has passed, even if the
            source has gone quiet meanwhile, so nothing is lost or held back.
        heartbeat: seconds without an event after which a comment is sent (``None``: never).
        total: the expected size in bytes, to report ``progress``.
        buffer: chunks the source is read ahead of the events, at most (at least 1).
        max_held: string bytes held back by ``min_interval`` past which a patch goes out at
            once (bounds the memory of a fast source under a long interval).
        parser_options: options of ``deltajson.Parser``.

    The source is read by one task while events are written, ``buffer`` chunks ahead at
    most: a slow client slows the reading, nothing piles up. Closing the generator (the
    response does when the client disconnects) stops that task and closes the source.
    """
    if type(buffer) is not int or buffer < 1:
        raise ValueError(f"buffer must be an int of at least 1, not {buffer!r}")
    reader = _Reader(model, parser_options)
    source: AsyncIterator[Chunk] = (
        chunks.__aiter__() if isinstance(chunks, AsyncIterable) else _sync_to_async(chunks)
    )
    inbox = _Inbox(source, heartbeat, buffer)
    interval = min_interval / 1000.0
    last_sent = -math.inf
    try:
        try:
            while True:
                item = await inbox.get()
                if item is _BEAT:
                    inbox.sent()
                    yield b": heartbeat\n\n"
                    continue
                if item is _END:
                    break
                if isinstance(item, _Failed):
                    error = item.error
                    if not isinstance(error, Exception):  # cancelled inside the source
                        raise SourceCancelled("the source was cancelled") from error
                    raise error
                if item is not _FLUSH:
                    reader.feed(item)
                now = inbox.loop.time()
                if now - last_sent < interval and reader.held_bytes < max_held:
                    inbox.flush_at(last_sent + interval)
                    continue
                payload = reader.pending(total)
                if payload is not None:
                    last_sent = now
                    inbox.sent()
                    yield _event("patch", payload)
            final = reader.finish()
        except Exception as e:  # a typed error event, after what was read before it
            payload = reader.pending(total)
            if payload is not None:
                yield _event("patch", payload)
            yield _event("error", error_payload(e))
            return
        payload = reader.pending(total)
        if payload is not None:
            yield _event("patch", payload)
        yield _event("done", {"value": final})
    finally:
        await inbox.close()


async def _shielded(work: Any) -> None:
    """Awaits ``work`` even while the surrounding task is being cancelled (a disconnect)."""
    try:
        import anyio
    except ImportError:  # pragma: no cover - Starlette brings anyio
        await work
        return
    with anyio.CancelScope(shield=True):
        await work


def sse_response(
    chunks: Chunks,
    model: Optional[type] = None,
    *,
    min_interval: float = 0.0,
    heartbeat: Optional[float] = 15.0,
    total: Optional[int] = None,
    buffer: int = 16,
    max_held: int = 1 << 20,
    **parser_options: Any,
) -> Any:
    """A Starlette (and FastAPI) ``StreamingResponse`` of ``event_stream(...)`` with the SSE
    headers (``Cache-Control: no-cache``, ``X-Accel-Buffering: no``). It watches for the
    client's disconnect itself (whatever the server and the ASGI version), and then stops the
    stream and closes the source at once."""
    body = event_stream(
        chunks,
        model,
        min_interval=min_interval,
        heartbeat=heartbeat,
        total=total,
        buffer=buffer,
        max_held=max_held,
        **parser_options,
    )
    return _response_class()(body, media_type="text/event-stream", headers=HEADERS)


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
        """A ``StreamingResponse`` that ends as soon as the client disconnects.

        Servers that speak ASGI 2.4 (uvicorn, hypercorn) let a response go on writing into a
        closed connection, and Starlette then only notices when a write fails — never, with
        some servers, so a fast source would be read on to its end (or forever). This
        response listens for ``http.disconnect`` beside the stream and cancels it.
        """

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            body = self.body_iterator
            gone = anyio.Event()

            async def until_gone() -> AsyncIterator[Any]:
                # Checked between events too: a server whose writes into a closed connection
                # never suspend (hypercorn) may never let a cancellation reach the stream.
                async for event in body:
                    if gone.is_set():
                        return
                    yield event

            async def idle_receive() -> Any:  # the stream itself needs no input
                await anyio.sleep_forever()

            self.body_iterator = until_gone()
            async with anyio.create_task_group() as group:

                async def watch() -> None:
                    while True:
                        message = await receive()
                        if message.get("type") == "http.disconnect":
                            gone.set()
                            group.cancel_scope.cancel()
                            return

                group.start_soon(watch)
                try:
                    await super().__call__(scope, idle_receive, send)
                finally:
                    group.cancel_scope.cancel()
                    for iterator in (self.body_iterator, body):
                        aclose = getattr(iterator, "aclose", None)
                        if aclose is not None:
                            await _shielded(aclose())

    _RESPONSE.append(EventStreamResponse)
    return EventStreamResponse

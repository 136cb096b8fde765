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
  (invalid JSON), ``path`` (schema mismatch), ``kind`` (provider error). Ops read before the
  error are sent first: nothing is lost.
- ``: heartbeat`` comments while the source is silent for ``heartbeat`` seconds, so proxies
  keep the connection open.

When the client disconnects, Starlette cancels the response; the generator then stops reading
and closes its source (an SDK stream's HTTP connection with it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any, Optional, Union

from deltajson._api import Parser
from deltajson._errors import JSONError, ProviderError, SchemaMismatch
from deltajson.patch import JsonPatcher, json_pointer

__all__ = ["HEADERS", "event_stream", "sse_response"]

log = logging.getLogger("deltajson.sse")

Chunk = Union[str, bytes]
Chunks = Union[Iterable[Chunk], AsyncIterable[Chunk]]

#: Headers an SSE response needs: no caching, and no buffering by nginx-style proxies.
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"}


def _event(name: str, payload: Any) -> bytes:
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    try:
        return f"event: {name}\ndata: {data}\n\n".encode()
    except UnicodeEncodeError:
        # A lone surrogate (``"\\ud800"`` in the document, kept as json.loads keeps it) has
        # no UTF-8 form; as a ``\\u`` escape it reaches JSON.parse intact.
        data = json.dumps(payload, separators=(",", ":"), default=str)
        return f"event: {name}\ndata: {data}\n\n".encode()


class _Reader:
    """The parser (or model engine) behind a stream, and the ops it has not sent yet."""

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

    def feed(self, chunk: Chunk) -> None:
        self.bytes += len(chunk.encode()) if isinstance(chunk, str) else len(chunk)
        if self.engine is not None:
            self.engine.feed(chunk)
        else:
            self.parser.feed(chunk)

    def finish(self) -> Any:
        if self.engine is not None:
            return self.engine.finish().model_dump(mode="json")
        return self.parser.finish()

    def pending(self, total: Optional[int]) -> Optional[dict[str, Any]]:
        """The ``patch`` payload of what was read since the last one (``None`` if nothing)."""
        ops = self.engine.take_ops() if self.engine is not None else self.parser.changes()
        if not ops:
            return None
        payload: dict[str, Any] = {
            "ops": self.patcher.patch(ops),
            "completed": [json_pointer(path) for op, path, _ in ops if op == "done"],
        }
        if total:
            payload["progress"] = min(1.0, self.bytes / total)
        return payload


def error_payload(error: BaseException) -> dict[str, Any]:
    """What an ``error`` event says about ``error``: its type and message, and where."""
    if not isinstance(error, (JSONError, SchemaMismatch, ProviderError)) and not hasattr(
        error, "partial"
    ):
        # Unexpected failures are logged, not described to the client.
        log.exception("deltajson SSE stream failed", exc_info=error)
        return {"type": "InternalError", "message": "the stream failed on the server"}
    payload: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, JSONError):
        payload.update(offset=error.pos, line=error.lineno, column=error.colno)
    if isinstance(error, SchemaMismatch):
        payload["path"] = json_pointer(error.path)
    if isinstance(error, ProviderError):
        payload["kind"] = error.kind
    return payload


async def _sync_to_async(chunks: Iterable[Chunk]) -> AsyncIterator[Chunk]:
    """A blocking iterable (a sync SDK stream) read in a worker thread, one item at a time."""
    iterator: Iterator[Chunk] = iter(chunks)
    end = object()
    try:
        while True:
            item = await asyncio.to_thread(next, iterator, end)
            if item is end:
                return
            yield item  # type: ignore[misc]
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            try:
                close()
            except ValueError:
                pass  # still running in its worker thread: it ends with the process


class _Failed:
    """The source raised: the exception, handed from the pump to the stream."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


_END, _BEAT, _FLUSH = object(), object(), object()


class _Inbox:
    """What the stream waits for: the source's chunks, read by one pump task, and the ticks
    of two timers — a heartbeat after ``heartbeat`` seconds without an event, and a flush
    when throttled ops fall due. Waiting costs one queue get per chunk (no task and no timer
    reset per chunk), which is most of what a stream costs a server."""

    def __init__(self, source: AsyncIterator[Chunk], heartbeat: Optional[float]) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
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


async def event_stream(
    chunks: Chunks,
    model: Optional[type] = None,
    *,
    min_interval: float = 0.0,
    heartbeat: Optional[float] = 15.0,
    total: Optional[int] = None,
    **parser_options: Any,
) -> AsyncIterator[bytes]:
    """The SSE bytes of a stream of JSON text ``chunks`` (framework-agnostic).

    Args:
        chunks: text or bytes pieces of one JSON document (e.g. a ``deltajson.sources``
            source); an async iterable, or a blocking iterable read in a worker thread.
        model: a Pydantic model validating the document; the ``done`` value is the model's
            JSON (``model_dump(mode="json")``).
        min_interval: send ``patch`` events at most this often (milliseconds); the ops in
            between are sent together when the interval has passed, even if the source has
            gone quiet meanwhile, so nothing is lost or held back.
        heartbeat: seconds without an event after which a comment is sent (``None``: never).
        total: the expected size in bytes, to report ``progress``.
        parser_options: options of ``deltajson.Parser``.

    The source is read by one task while events are written, so a slow client does not slow
    the upstream stream; chunks wait in a queue meanwhile. Closing the generator (Starlette
    does when the client disconnects) stops that task and closes the source.
    """
    reader = _Reader(model, parser_options)
    source: AsyncIterator[Chunk] = (
        chunks.__aiter__() if isinstance(chunks, AsyncIterable) else _sync_to_async(chunks)
    )
    inbox = _Inbox(source, heartbeat)
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
                    raise item.error
                if item is not _FLUSH:
                    reader.feed(item)
                now = inbox.loop.time()
                if now - last_sent < interval:
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
    **parser_options: Any,
) -> Any:
    """A Starlette (and FastAPI) ``StreamingResponse`` of ``event_stream(...)`` with the SSE
    headers (``Cache-Control: no-cache``, ``X-Accel-Buffering: no``)."""
    try:
        from starlette.responses import StreamingResponse
    except ImportError as e:
        raise ImportError(
            "deltajson.sse.sse_response needs starlette: pip install starlette"
        ) from e
    body = event_stream(
        chunks,
        model,
        min_interval=min_interval,
        heartbeat=heartbeat,
        total=total,
        **parser_options,
    )
    return StreamingResponse(body, media_type="text/event-stream", headers=HEADERS)

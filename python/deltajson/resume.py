"""Streams that outlive their connections: detached producers, a store, and readers that
resume with ``Last-Event-ID``.

::

    from deltajson.resume import ResumableStreams, RedisStore

    streams = ResumableStreams(RedisStore("redis://localhost:6379/0"))

    @app.post("/plans")
    async def start(request):
        stream_id = await streams.start(openai_chat(await client.chat...), meta={"owner": user})
        return JSONResponse({"id": stream_id}, status_code=201)

    @app.get("/plans/{stream_id}/events")
    async def events(request):
        return await streams.response(
            request, request.path_params["stream_id"],
            authorize=lambda meta: meta.get("owner") == user,
        )

**Producer.** :meth:`ResumableStreams.start` reads the source in a task of its own, whoever
is listening, and appends each event (the same ``patch``/``done``/``error`` events as
``deltajson.sse``, numbered from 1) to the store. It stops at the end of the source, after
``max_lifetime`` seconds (a ``StreamTimeout`` error event), or when no reader has been
attached for ``reader_grace`` seconds (a ``StreamAbandoned`` error event); either way the
source is closed. A store that fails stops it too: the producer's task ends with
:class:`StoreError` (logged, and raised by :meth:`ResumableStreams.wait`).

**Store.** Compacted: when the events since the last snapshot outweigh it, the producer writes
a ``snapshot`` event (``{"value": ..., "completed": [...]}``, the value and the JSON Pointers
complete so far, as of the last event) and the store drops the events before it. Memory per
stream stays O(document), not O(events). :class:`MemoryStore` (one process) and
:class:`RedisStore` (a fleet).

**Readers.** Any number, on any instance. ``Last-Event-ID`` (the header, as browsers send it,
or ``?lastEventId=`` for fetch clients) resumes exactly after that event: the events after it
follow, then the live ones. Without one, or when the store compacted past it, the reader first
gets the snapshot event (its ``id`` is the event it stands for) — the value is rebuilt exactly,
no op applied twice or missed. An id the stream never issued, a stream that expired
(``retention`` seconds after it ended), and a producer that died without ending the stream
each end the reader with an ``error`` event; an unknown stream id gets a 404.

**Who may read.** Stream ids are 128 random bits (``secrets.token_urlsafe(16)``), never
listed; ``authorize(meta)`` (the metadata given to ``start``) decides who may attach, and a
reader it refuses gets the same 404 as an unknown stream.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Mapping
from typing import Any, Callable, Optional, Union

from deltajson._errors import StreamTimeout
from deltajson._sse_inbox import Chunks
from deltajson._stores import MemoryStore, RedisStore, Store, Stored, StoreError
from deltajson._wire import event as _error_event
from deltajson._wire import value_event as _value_event
from deltajson.patch import json_pointer
from deltajson.sse import (
    HEADERS,
    _events,
    _Reader,
    _response_class,
    error_payload,
    event_stream,
)

__all__ = [
    "MemoryStore",
    "RedisStore",
    "ResumableStreams",
    "Store",
    "StoreError",
    "Stored",
    "StreamAbandoned",
]

log = logging.getLogger("deltajson.resume")

Authorize = Callable[[Mapping[str, str]], Union[bool, Awaitable[bool]]]


class StreamAbandoned(StreamTimeout):
    """No reader was attached to a detached stream for its ``reader_grace``."""


def _error_block(kind: str, message: str) -> bytes:
    return _error_event("error", {"type": kind, "message": message})


def parse_event_id(value: Optional[str]) -> Optional[int]:
    """A ``Last-Event-ID`` as an event number (None when absent or not one of ours)."""
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit() or len(value) > 18:
        return None
    return int(value)


class ResumableStreams:
    """Detached streams in a store, and their readers (see the module docs).

    Args:
        store: Where events live (default: a :class:`MemoryStore`).
        retention: Seconds a stream stays readable after it ended.
        max_lifetime: Seconds a producer may run; then its source is closed.
        reader_grace: Seconds a producer goes on with no reader attached.
        heartbeat: Seconds of silence after which a reader gets a ``: heartbeat``.
        lease: Seconds a producer's liveness lasts in the store without renewal (renewed
            every third of it); readers of a stream whose producer died see its end after
            that long (and one more read, so that a producer only slow to renew, on a
            loaded machine, is not taken for dead).
        compact_min: Bytes of events kept before the store is compacted, at least.
        wait: Seconds a reader blocks on the store per read (then it checks the producer).
    """

    def __init__(
        self,
        store: Optional[Store] = None,
        *,
        retention: float = 300.0,
        max_lifetime: float = 3600.0,
        reader_grace: float = 60.0,
        heartbeat: Optional[float] = 15.0,
        lease: float = 15.0,
        compact_min: int = 64 * 1024,
        wait: float = 1.0,
    ) -> None:
        self.store: Store = store if store is not None else MemoryStore()
        self.retention = retention
        self.max_lifetime = max_lifetime
        self.reader_grace = reader_grace
        self.heartbeat = heartbeat
        self.lease = lease
        self.compact_min = compact_min
        self.read_wait = wait
        self._producers: dict[str, asyncio.Task[None]] = {}
        #: Why a producer is being stopped (set by its keeper before cancelling it).
        self._stopping: dict[str, BaseException] = {}

    # ---- producing ---------------------------------------------------------------------------

    async def start(
        self,
        chunks: Chunks,
        model: Optional[type] = None,
        *,
        meta: Optional[Mapping[str, str]] = None,
        stream_id: Optional[str] = None,
        **options: Any,
    ) -> str:
        """Starts reading ``chunks`` into the store, detached from any client; returns the
        stream's id. ``meta`` (strings) is kept with it for ``authorize``; ``options`` are
        ``event_stream``'s (``min_interval``, ``total``, parser options, ...)."""
        stream_id = stream_id or secrets.token_urlsafe(16)
        options = {"heartbeat": None, **options}
        reader = _Reader(model, _parser_options(options))
        events = _events(reader, chunks, **_event_options(options))
        await self.store.create(stream_id, meta or {}, self.max_lifetime + self.retention)
        task = asyncio.get_running_loop().create_task(self._produce(stream_id, reader, events))
        self._producers[stream_id] = task
        task.add_done_callback(lambda _: self._producers.pop(stream_id, None))
        return stream_id

    async def wait(self, stream_id: str) -> None:
        """Waits for this process's producer of ``stream_id`` to end; raises its
        :class:`StoreError` if the store failed it."""
        task = self._producers.get(stream_id)
        if task is not None:
            await task

    async def _produce(self, stream_id: str, reader: _Reader, events: AsyncIterator[bytes]) -> None:
        store = self.store
        this = asyncio.current_task()
        assert this is not None
        keeper = asyncio.get_running_loop().create_task(self._keep(stream_id, this))
        appender = _Appender(store, stream_id)
        seq = 0
        since_snapshot = 0
        snapshot_size = 0
        try:
            async for block in events:
                seq += 1
                await appender.add(seq, block)
                since_snapshot += len(block)
                if since_snapshot > max(snapshot_size, self.compact_min) and _is_patch(block):
                    snapshot = _snapshot_block(reader)
                    await appender.flush()
                    await store.compact(stream_id, seq, snapshot)
                    snapshot_size, since_snapshot = len(snapshot), 0
            await appender.flush()
            await store.finish(stream_id, self.retention)
        except asyncio.CancelledError:
            reason = self._stopping.pop(stream_id, None)
            if reason is None:  # cancelled from outside (shutdown): readers are told
                await self._last_word(
                    stream_id,
                    appender,
                    seq,
                    _error_block("StreamInterrupted", "the stream's producer stopped"),
                )
                raise
            uncancel = getattr(this, "uncancel", None)
            if uncancel is not None:
                uncancel()  # our own cancellation, handled here
            if isinstance(reason, StoreError):
                log.error("deltajson resumable stream %s: %s", stream_id, reason)
                raise reason from None
            # Stopped on purpose (no reader, or its lifetime): readers are told why.
            log.info("deltajson resumable stream %s stopped: %s", stream_id, reason)
            await self._last_word(
                stream_id, appender, seq, _error_event("error", error_payload(reason))
            )
        except StoreError:
            log.error("deltajson resumable stream %s: the store failed", stream_id, exc_info=True)
            raise
        except Exception:
            log.error(
                "deltajson resumable stream %s: the producer failed", stream_id, exc_info=True
            )
            await self._last_word(
                stream_id,
                appender,
                seq,
                _error_block("StreamInterrupted", "the stream's producer stopped"),
            )
        finally:
            keeper.cancel()
            self._stopping.pop(stream_id, None)
            await events.aclose()  # type: ignore[attr-defined]

    async def _keep(self, stream_id: str, producer: asyncio.Task[None]) -> None:
        """Renews the producer's lease every third of it, and stops the producer when no
        reader came for ``reader_grace``, when its lifetime is over, or when the store fails."""
        started = time.monotonic()
        reason: BaseException
        while True:
            try:
                attached = await self.store.renew(stream_id, self.lease, self.reader_grace)
            except StoreError as e:
                reason = e
                break
            if not attached:
                reason = StreamAbandoned(f"no reader was attached for {self.reader_grace} s")
                break
            if time.monotonic() - started >= self.max_lifetime:
                reason = StreamTimeout(f"the stream exceeded its lifetime of {self.max_lifetime} s")
                break
            await asyncio.sleep(self.lease / 3)
        self._stopping[stream_id] = reason
        producer.cancel()

    async def _last_word(self, stream_id: str, appender: _Appender, seq: int, block: bytes) -> None:
        """Records the stream's end after the events it had (each written, none skipped)."""
        try:
            await appender.add(seq + 1, block)
            await appender.flush()
            await self.store.finish(stream_id, self.retention)
        except Exception:
            log.error("deltajson resumable stream %s: could not record its end", stream_id)

    async def drain(self) -> None:
        """Waits for every producer of this process to end (errors are logged, not raised)."""
        await asyncio.gather(*self._producers.values(), return_exceptions=True)

    async def close(self) -> None:
        """Stops this process's producers (their readers get an error event)."""
        tasks = list(self._producers.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ---- reading -----------------------------------------------------------------------------

    async def exists(self, stream_id: str, authorize: Optional[Authorize] = None) -> bool:
        """Whether a reader may attach to ``stream_id``: the store holds it and
        ``authorize(meta)`` (if given) allows it."""
        meta = await self.store.meta(stream_id)
        if meta is None:
            return False
        if authorize is None:
            return True
        allowed = authorize(meta)
        if inspect.isawaitable(allowed):
            allowed = await allowed
        return bool(allowed)

    async def events(
        self, stream_id: str, last_event_id: Optional[int] = None
    ) -> AsyncIterator[bytes]:
        """The SSE bytes a reader gets, each event with its ``id:`` (see the module docs)."""
        store = self.store
        position = last_event_id
        live = False  # it had every event up to `position` from the store a moment ago
        lapsed = 0  # reads in a row that found the producer's lease lapsed
        while True:
            try:
                found = await store.read(stream_id, position, self.read_wait, live)
            except StoreError as e:
                log.error("deltajson resumable stream %s: %s", stream_id, e)
                yield _with_id(
                    position, _error_block("StoreUnavailable", "the stream's store failed")
                )
                return
            if found is None:
                yield _with_id(
                    position, _error_block("StreamExpired", "the stream is no longer held")
                )
                return
            if found.beyond:
                yield _with_id(
                    position,
                    _error_block("StreamExpired", "the stream has no event with this id"),
                )
                return
            if found.snapshot is not None:
                position, block = found.snapshot
                yield _with_id(position, block)
            live = position is not None
            for seq, block in found.events:
                if position is not None and seq != position + 1:
                    live = False  # compacted past us between two reads: read again from here
                    break
                position = seq
                yield _with_id(seq, block)
                if _is_last(block):
                    return
            else:
                if not found.events and found.snapshot is None:
                    if found.finished:
                        return  # the reader already had the last event
                    if not found.producer_alive:
                        lapsed += 1
                        if lapsed >= 2:  # its lease lapsed on two reads in a row
                            yield _with_id(
                                position,
                                _error_block("StreamInterrupted", "the stream's producer stopped"),
                            )
                            return
                    else:
                        lapsed = 0

    async def response(
        self,
        request: Any,
        stream_id: str,
        *,
        authorize: Optional[Authorize] = None,
    ) -> Any:
        """A Starlette response for a reader of ``stream_id``: its SSE, resumed after the
        request's ``Last-Event-ID`` header (or ``lastEventId`` query parameter), or a 404 for
        a stream that is unknown, expired or not ``authorize``-d."""
        from starlette.responses import JSONResponse

        if not await self.exists(stream_id, authorize):
            return JSONResponse({"error": "no such stream"}, status_code=404)
        header = request.headers.get("last-event-id")
        last = parse_event_id(
            header if header is not None else request.query_params.get("lastEventId")
        )
        response = _response_class()(
            self.events(stream_id, last), media_type="text/event-stream", headers=HEADERS
        )
        response.heartbeat = self.heartbeat
        return response


# ---- helpers --------------------------------------------------------------------------------


class _Appender:
    """Writes a producer's events to the store. A store across the network gets them in
    batches: what accumulates while a write is in flight goes in the next one (one round trip
    per batch, not per event), ``limit`` events ahead of the store at most. An in-process
    store gets each at once."""

    def __init__(self, store: Store, stream_id: str, limit: int = 1024) -> None:
        self.store = store
        self.stream_id = stream_id
        self.limit = limit
        self.batched = not isinstance(store, MemoryStore)
        self.pending: list[tuple[int, bytes]] = []
        self.task: Optional[asyncio.Task[None]] = None

    async def add(self, seq: int, block: bytes) -> None:
        if not self.batched:
            await self.store.append(self.stream_id, [(seq, block)])
            return
        self.pending.append((seq, block))
        task = self.task
        if task is None or task.done():
            if task is not None:
                task.result()  # a failed write fails the producer here
            self.task = asyncio.get_running_loop().create_task(self._write())
        elif len(self.pending) >= self.limit:
            await asyncio.shield(task)  # the store is behind: wait for it

    async def _write(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, []
            await self.store.append(self.stream_id, batch)

    async def flush(self) -> None:
        """Waits until every event added is written (raising a write's error)."""
        if self.task is not None:
            await asyncio.shield(self.task)
        if self.pending:
            await self._write()


#: ``event_stream``'s own options and their defaults (read off its signature, so that the two
#: never disagree); everything else given to ``start`` goes to the parser.
_EVENT_DEFAULTS: dict[str, Any] = {
    name: parameter.default
    for name, parameter in inspect.signature(event_stream).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY
}
_EVENT_OPTIONS = tuple(_EVENT_DEFAULTS)


def _event_options(options: dict[str, Any]) -> dict[str, Any]:
    return {name: options.get(name, _EVENT_DEFAULTS[name]) for name in _EVENT_OPTIONS}


def _parser_options(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k not in _EVENT_OPTIONS}


def _with_id(seq: Optional[int], block: bytes) -> bytes:
    return b"id: %d\n%s" % (seq or 0, block)


def _is_patch(block: bytes) -> bool:
    return block.startswith(b"event: patch\n")


def _is_last(block: bytes) -> bool:
    return block.startswith((b"event: done\n", b"event: error\n"))


def _snapshot_block(reader: _Reader) -> bytes:
    """The ``snapshot`` event of the value as the events so far left it: the value and the
    pointers of what is complete (everything but the open containers and the open string)."""
    parser = reader.parser
    value = parser.snapshot()
    open_pointers = set()
    if parser.status == "partial":
        path = parser.path
        for end in range(len(path) + 1):
            if not parser.completed(path[:end]):
                open_pointers.add(json_pointer(path[:end]))
    completed = [p for p in _pointers(value) if p not in open_pointers]
    block: bytes = _value_event("snapshot", value)
    head, _, _ = block.rpartition(b"}")
    listed = json.dumps(completed, ensure_ascii=True, separators=(",", ":")).encode()
    return head + b',"completed":' + listed + b"}\n\n"


def _pointers(value: Any) -> list[str]:
    """Every JSON Pointer of ``value`` (itself included), without recursion."""
    found = []
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        pointer, item = stack.pop()
        found.append(pointer)
        if isinstance(item, dict):
            for key, child in item.items():
                stack.append((f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}", child))
        elif isinstance(item, list):
            for index, child in enumerate(item):
                stack.append((f"{pointer}/{index}", child))
    return found

"""What an SSE stream waits for: the source's chunks, and the ticks of its timers.

The serving path's cost per chunk should be the parser's, so chunks are handed over in
batches: one pump task reads the source into a deque, ``buffer`` chunks ahead at most, and
wakes the stream only when it is waiting; the stream then takes every chunk that is ready at
once (``take``). A fast source thus costs one task switch per batch, not per chunk, and a
slow client paces the source (the pump waits for room). Timers tick per period, never per
chunk: a heartbeat after ``heartbeat`` seconds without an event, a flush when held ops fall
due, the idle and total timeouts.

A blocking (sync) source is read by a thread of its own, from a pool sized for streams
(:func:`set_sync_source_threads`), not the event loop's default executor, whose handful of
threads would let only that many sync streams advance at once.

Closing has a deadline: a source whose ``aclose`` (or ``finally``) does not return within
``close_timeout`` seconds is logged and abandoned, so a stream's tasks never outlive its
client for long.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional, Union

log = logging.getLogger("deltajson.sse")

Chunk = Union[str, bytes]
Chunks = Union[Iterable[Chunk], AsyncIterable[Chunk]]

#: Blocking sources read at once, by default: one thread each, for the stream's life.
DEFAULT_SYNC_SOURCE_THREADS = 256
SYNC_SOURCE_THREADS = DEFAULT_SYNC_SOURCE_THREADS
_pool: Optional[ThreadPoolExecutor] = None
_pool_lock = threading.Lock()
#: Closing tasks abandoned past their deadline (kept referenced until they end).
_abandoned: set[asyncio.Task[Any]] = set()


def set_sync_source_threads(threads: int) -> None:
    """Sets how many blocking sources are read at once (one thread each, for the whole
    stream); further sync streams wait for a thread (their heartbeats go on meanwhile).
    Takes effect for streams started afterwards."""
    global _pool, SYNC_SOURCE_THREADS
    if type(threads) is not int or threads < 1:
        raise ValueError(f"threads must be an int of at least 1, not {threads!r}")
    with _pool_lock:
        SYNC_SOURCE_THREADS = threads
        old, _pool = _pool, None
    if old is not None:
        old.shutdown(wait=False)


def _sync_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(SYNC_SOURCE_THREADS, thread_name_prefix="deltajson-source")
        return _pool


class Failed:
    """The source raised: the exception, handed from the reader to the stream."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


#: The end of the source.
END = object()


class Inbox:
    """The chunks a stream has not read yet, and its timers' ticks (see the module docs)."""

    def __init__(
        self,
        chunks: Chunks,
        *,
        buffer: int,
        heartbeat: Optional[float],
        idle_timeout: Optional[float],
        timeout: Optional[float],
        close_timeout: float,
    ) -> None:
        self.loop = asyncio.get_running_loop()
        #: The chunks read and not taken yet.
        self.items: deque[Chunk] = deque()
        #: ``END`` or a ``Failed`` once the source ended (after the chunks in ``items``).
        self.end: Any = None
        self.buffer = buffer
        self.close_timeout = close_timeout
        self._waiter: Optional[asyncio.Future[None]] = None
        self._room: Optional[asyncio.Future[None]] = None
        #: Ticks, set by the timers and read by the stream.
        self.beat_due = False
        self.flush_due = False
        #: ``"idle"`` or ``"total"`` once a timeout expired.
        self.expired: Optional[str] = None
        self.heartbeat = heartbeat
        self.idle_timeout = idle_timeout
        self.started = self.last_event = self.last_chunk = self.loop.time()
        self.deadline = self.started + timeout if timeout is not None else None
        self._beat_timer: Optional[asyncio.TimerHandle] = None
        self._flush_timer: Optional[asyncio.TimerHandle] = None
        self._watch_timer: Optional[asyncio.TimerHandle] = None
        if heartbeat is not None:
            self._beat_timer = self.loop.call_later(heartbeat, self._beat)
        if idle_timeout is not None or self.deadline is not None:
            self._watch()
        self._stop = threading.Event()
        self._sync_room: Optional[threading.Semaphore] = None
        #: A sync source's reader: "queued" (waiting for a thread), "reading", "done".
        self._sync_state = "queued"
        self._sync_lock = threading.Lock()
        self.pump: Optional[asyncio.Task[None]] = None
        self._source: Any = chunks
        if isinstance(chunks, AsyncIterable):
            self._source = chunks.__aiter__()
            self.pump = self.loop.create_task(self._pump(self._source))
        else:
            self._source = iter(chunks)
            self._sync_room = threading.Semaphore(buffer)
            self._sync = self.loop.run_in_executor(_sync_pool(), self._read_sync, self._source)

    # ---- the source's side ----------------------------------------------------------------

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _pump(self, source: AsyncIterator[Chunk]) -> None:
        items = self.items
        watch = self.idle_timeout is not None
        buffer = self.buffer
        try:
            async for chunk in source:
                items.append(chunk)
                if watch:
                    self.last_chunk = self.loop.time()
                waiter = self._waiter
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)
                if len(items) >= buffer:  # the stream is behind: wait for room
                    self._room = self.loop.create_future()
                    await self._room
        except Exception as e:
            self._ended(Failed(e))
        except BaseException as e:
            # Cancelled (by `close`, or inside the source itself): the stream must not wait
            # for a chunk that will never come.
            self._ended(Failed(e))
            raise
        else:
            self._ended(END)

    def _ended(self, end: Any) -> None:
        self.end = end
        self._wake()

    def _put(self, item: Any) -> None:
        """A sync source's item, delivered on the loop."""
        if item is END or isinstance(item, Failed):
            self._ended(item)
            return
        self.items.append(item)
        if self.idle_timeout is not None:
            self.last_chunk = self.loop.time()
        self._wake()

    def _read_sync(self, iterator: Iterator[Chunk]) -> None:
        """Reads a blocking source to its end in a thread of the pool, a bounded way ahead of
        the stream; it closes the source itself when the stream has stopped meanwhile (a
        running generator cannot be closed from another thread)."""
        with self._sync_lock:
            if self._stop.is_set():
                return  # closed before a thread came: `close` closed the source
            self._sync_state = "reading"
        room = self._sync_room
        assert room is not None
        try:
            while not self._stop.is_set():
                try:
                    chunk = next(iterator, END)
                except Exception as e:  # handed to the stream, which reports it
                    self._deliver(Failed(e))
                    return
                if chunk is END:
                    self._deliver(END)
                    return
                while not room.acquire(timeout=0.25):
                    if self._stop.is_set():
                        return
                if self._stop.is_set() or not self._deliver(chunk):
                    return
        finally:
            with self._sync_lock:
                self._sync_state = "done"
            _close_sync(iterator)

    def _deliver(self, item: Any) -> bool:
        """Hands an item to the loop from the reading thread; false once the loop is gone."""
        try:
            self.loop.call_soon_threadsafe(self._put, item)
        except RuntimeError:  # the loop closed: nobody reads any more
            return False
        return True

    # ---- the stream's side ------------------------------------------------------------------

    def ready(self) -> bool:
        """Whether the stream has something to do: chunks, the end, or a tick."""
        return bool(
            self.items
            or self.end is not None
            or self.beat_due
            or self.flush_due
            or self.expired is not None
        )

    def waiter(self) -> asyncio.Future[None]:
        """A future done when the stream has something to do (await it when not ``ready``)."""
        waiter = self._waiter = self.loop.create_future()
        return waiter

    def take(self) -> list[Chunk]:
        """Every chunk ready now (the reader may then read on)."""
        items = self.items
        batch = list(items)
        items.clear()
        room = self._room
        if room is not None and not room.done():
            room.set_result(None)
        if self._sync_room is not None:
            for _ in range(len(batch)):
                self._sync_room.release()
        return batch

    def sent(self) -> None:
        """An event went out: the heartbeat counts silence from now."""
        self.last_event = self.loop.time()
        self.beat_due = False

    def flush_at(self, when: float) -> None:
        """Ticks ``flush_due`` at loop time ``when``, unless a flush is pending."""
        if self._flush_timer is None:
            self._flush_timer = self.loop.call_at(when, self._flush)

    def flushed(self) -> None:
        self.flush_due = False

    def _flush(self) -> None:
        self._flush_timer = None
        self.flush_due = True
        self._wake()

    def _beat(self) -> None:
        # Once per heartbeat period, not per event: silence is measured from the last event,
        # and the timer re-arms itself for when that silence would be long enough.
        assert self.heartbeat is not None
        due = self.last_event + self.heartbeat
        now = self.loop.time()
        if now >= due:
            self.beat_due = True  # a slow client gets one pending heartbeat, not many
            self._wake()
            due = now + self.heartbeat
        self._beat_timer = self.loop.call_at(due, self._beat)

    def _watch(self) -> None:
        now = self.loop.time()
        deadlines = []
        if self.deadline is not None:
            if now >= self.deadline:
                self.expired = "total"
            deadlines.append(self.deadline)
        if self.idle_timeout is not None and self.expired is None:
            idle_until = self.last_chunk + self.idle_timeout
            if now >= idle_until:
                self.expired = "idle"
            deadlines.append(idle_until)
        if self.expired is not None:
            self._wake()
            return
        self._watch_timer = self.loop.call_at(min(deadlines), self._watch)

    # ---- the end ----------------------------------------------------------------------------

    async def close(self) -> None:
        """Stops the timers and the reading, and closes the source (also while cancelled);
        a source that does not close within ``close_timeout`` seconds is abandoned."""
        for timer in (self._beat_timer, self._flush_timer, self._watch_timer):
            if timer is not None:
                timer.cancel()
        with self._sync_lock:
            self._stop.set()
            queued = self._sync_state == "queued"
        if self.pump is None:
            if queued:  # no thread took it up yet: nothing runs it, close it now
                _close_sync(self._source)
            return  # else its thread closes it when it is back
        self.pump.cancel()
        await abandon_after(self._settle(), self.close_timeout)

    async def _settle(self) -> None:
        assert self.pump is not None
        try:
            await self.pump
        except BaseException:  # cancelled, or already reported through `end`
            pass
        await close_async_source(self._source)

    async def next_batch(self) -> list[Chunk]:
        """The chunks ready now, waiting for one (or for a tick, or the end) if none is."""
        if not self.ready():
            await self.waiter()
        return self.take()


async def abandon_after(work: Any, timeout: float) -> None:
    """Runs ``work`` (a source's closing) in a task of its own and waits for it, even while
    the caller is being cancelled, for ``timeout`` seconds at most: past that the task is
    logged and abandoned (kept referenced until it ends), so a source whose cleanup never
    returns cannot hold the stream."""
    closing = asyncio.get_running_loop().create_task(work)

    async def wait() -> None:
        done, _ = await asyncio.wait({closing}, timeout=timeout)
        if not done:
            log.warning("deltajson SSE: the source did not close within %s s; abandoned", timeout)
            _abandoned.add(closing)
            closing.add_done_callback(_abandoned.discard)

    await shielded(wait())


async def close_async_source(source: Any) -> None:
    """``aclose()`` of an async source, if it has one; its failures only logged."""
    aclose = getattr(source, "aclose", None)
    if aclose is not None:
        try:
            await aclose()
        except RuntimeError:
            pass  # already running or closed (a generator closing itself)
        except Exception:  # the source failing to close must not fail the response
            log.debug("closing the source failed", exc_info=True)


async def shielded(work: Any) -> None:
    """Awaits ``work`` even while the surrounding task is being cancelled (a disconnect)."""
    try:
        import anyio
    except ImportError:  # pragma: no cover - Starlette brings anyio
        await work
        return
    with anyio.CancelScope(shield=True):
        await work


async def close_unread(chunks: Chunks) -> None:
    """Closes a source that was never read (a ``HEAD`` request's)."""
    if hasattr(chunks, "aclose"):
        await close_async_source(chunks)
    else:
        _close_sync(chunks)


def _close_sync(iterator: Any) -> None:
    close = getattr(iterator, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # closing must not fail anything; the cause is the log's
            log.debug("closing a sync source failed", exc_info=True)

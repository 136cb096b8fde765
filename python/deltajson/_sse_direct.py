"""An async source read in the stream's own task: no pump task, no hand-over per chunk.

The inbox (``_sse_inbox``) reads the source in a task of its own so that the stream can wake
up for its timers while the source is silent. That costs one more pass of the event loop per
chunk, which on a server streaming token-sized chunks is a good part of the CPU. When a
stream needs no timer of its own — no heartbeat (``sse_response`` sends those itself, beside
the stream), no ``min_interval``, no timeouts — this reader is used instead: the stream's task
awaits the source itself.

Chunks that are ready together still make one batch (one event): after each chunk, the next
read is *stepped* once (``send(None)`` on the source's ``__anext__()`` awaitable). If that
completes at once, the chunk was ready and joins the batch; if the source has to wait, the
batch goes out, and the half-started read is kept and resumed later by :func:`_resume`,
which hands the future it waits on to the task exactly as ``await`` would. So the source sees
a plain ``async for``, whatever it awaits.

If the stream's task is cancelled while it waits (the client left), the cancellation is *not*
forwarded into the source there: the read stays pending and :meth:`DirectReader.close`
unwinds it in a task of its own, with the same deadline as the inbox's close, so a source
whose cleanup never returns cannot keep the response alive.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import AsyncIterator, Generator
from typing import Any, Optional

from deltajson._sse_inbox import END, Chunk, Failed, abandon_after, close_async_source

#: What a step of a read gave: a chunk, the end (``END`` or a ``Failed``), or a wait.
_CHUNK, _ENDED = 0, 1


@types.coroutine
def _resume(reader: DirectReader, coro: Any, value: Any) -> Generator[Any, None, tuple[int, Any]]:
    """Awaits a read of the source that was already stepped once and is waiting on ``value``
    (a future, or ``None`` for a bare ``yield`` that only asks to be scheduled again), as
    ``await`` would. Gives ``(_CHUNK, chunk)`` or ``(_ENDED, END | Failed)``."""
    while True:
        try:
            yield value  # the task waits on it, as for any await
        except BaseException:
            # Thrown in by the task (a cancellation): the read stays pending, for `close` to
            # unwind within its deadline.
            reader.pending = coro
            raise
        try:
            value = coro.send(None)
        except StopIteration as done:
            return _CHUNK, done.value
        except StopAsyncIteration:
            return _ENDED, END
        except (Exception, asyncio.CancelledError) as e:  # the source failed or cancelled itself
            return _ENDED, Failed(e)


class DirectReader:
    """Reads an async source in the calling task, in batches of the chunks ready together
    (at most ``buffer``). It has no timers: the ticks an inbox reports never come."""

    beat_due = False
    flush_due = False
    expired: Optional[str] = None

    def sent(self) -> None:
        """An event went out (nothing to do: no heartbeat here)."""

    def __init__(self, source: AsyncIterator[Chunk], buffer: int, close_timeout: float) -> None:
        self.source = source
        self._next: Any = source.__anext__
        self.buffer = buffer
        self.close_timeout = close_timeout
        #: A read stepped once and waiting (its awaitable), if any.
        self.pending: Any = None
        self._yielded: Any = None
        #: ``END`` or a ``Failed`` once the source ended.
        self.end: Any = None
        #: The last batch filled up with chunks that were all ready (see ``next_batch``).
        self._ran_ahead = False

    async def next_batch(self) -> list[Chunk]:
        """The chunks ready now, waiting for the first if none is; empty once the source has
        ended (``end`` says how). One pass per chunk: this is the serving path's loop."""
        batch: list[Chunk] = []
        if self._ran_ahead:
            # The last batch filled up without the source ever waiting (a replay, a cache):
            # let the loop run other streams before reading on, as a source that waits would.
            self._ran_ahead = False
            await asyncio.sleep(0)
        coro = self.pending
        if coro is not None:
            self.pending = None
            kind, value = await _resume(self, coro, self._yielded)
            if kind:
                self.end = value
                return batch
            batch.append(value)
        next_read = self._next
        buffer = self.buffer
        while len(batch) < buffer:
            coro = next_read()
            try:
                yielded = coro.send(None)  # one step: done at once if the chunk was ready
            except StopIteration as done:
                batch.append(done.value)
                continue
            except StopAsyncIteration:
                self.end = END
                return batch
            except (Exception, asyncio.CancelledError) as e:  # failed, or cancelled itself
                self.end = Failed(e)
                return batch
            if batch:  # the source waits: what is ready goes out now, the read stays pending
                self.pending, self._yielded = coro, yielded
                return batch
            kind, value = await _resume(self, coro, yielded)
            if kind:
                self.end = value
                return batch
            batch.append(value)
        self._ran_ahead = True
        return batch

    async def close(self) -> None:
        """Unwinds a pending read (cancelled inside the source) and closes the source, in a
        task of its own that is abandoned, and logged, after ``close_timeout`` seconds."""
        pending, self.pending = self.pending, None
        await abandon_after(self._unwind(pending), self.close_timeout)

    async def _unwind(self, pending: Any) -> None:
        if pending is not None:
            try:
                yielded = pending.throw(asyncio.CancelledError())
                while True:
                    await _Wait(yielded)
                    yielded = pending.send(None)
            except BaseException:  # the read ended, as a cancelled read does
                pass
        await close_async_source(self.source)


class _Wait:
    """Waits on what a coroutine being driven by hand yielded (a future or ``None``)."""

    __slots__ = ("yielded",)

    def __init__(self, yielded: Any) -> None:
        self.yielded = yielded

    def __await__(self) -> Generator[Any, None, None]:
        yield self.yielded

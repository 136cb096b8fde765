"""Where a resumable stream's events live while readers come and go (``deltajson.resume``).

A stream's events are numbered from 1 (their SSE ``id``) and kept compacted: a *snapshot*
event (the value, and what is complete, as of event ``k``) plus the events after ``k``. So a
store holds O(document) per stream, however many events it has had, and a reader that comes
back after event ``j`` gets exactly the events after ``j`` — or, if the store compacted past
``j``, the snapshot and the events after it, which rebuild the same value.

Two stores share this interface:

- :class:`MemoryStore`: one process (the default; no dependency). Readers must run on the
  producer's event loop.
- :class:`RedisStore`: Redis Streams (``XADD`` with explicit ids, ``XTRIM MINID`` when
  compacting, ``XREAD BLOCK`` for live readers), so any instance of a fleet serves any
  stream. The producer holds a lease key (``SET ... PX``) that it renews; readers treat a
  stream whose lease lapsed before it finished as failed. Keys expire ``retention`` seconds
  after the stream ends, and ``max_lifetime`` + ``retention`` after it starts at the latest.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

__all__ = ["MemoryStore", "RedisStore", "Store", "StoreError", "Stored"]


class StoreError(RuntimeError):
    """The store failed (unreachable, or it lost the stream's data)."""


@dataclass
class Stored:
    """What a reader gets from one read."""

    #: ``(k, block)``: the snapshot event as of event ``k``, when the reader needs it (it
    #: has no position yet, or the store compacted past it).
    snapshot: Optional[tuple[int, bytes]] = None
    #: ``(seq, block)`` in order, each after the reader's position (or the snapshot).
    events: list[tuple[int, bytes]] = field(default_factory=list)
    #: The last event has been written (the stream ended).
    finished: bool = False
    #: The producer is alive (or finished); false: it stopped without ending the stream.
    producer_alive: bool = True
    #: The position asked for is past the stream's last event (an id it never issued).
    beyond: bool = False


class Store(ABC):
    """The operations a resumable stream needs from its store (all async)."""

    @abstractmethod
    async def create(self, stream_id: str, meta: Mapping[str, str], ttl: float) -> None:
        """A new stream with its metadata (who may read it, ...); gone after ``ttl`` s at
        the latest."""

    @abstractmethod
    async def meta(self, stream_id: str) -> Optional[dict[str, str]]:
        """A stream's metadata, or None if the store holds no such stream (any more)."""

    @abstractmethod
    async def append(self, stream_id: str, events: list[tuple[int, bytes]]) -> None:
        """The next events of the stream, ``(seq, block)`` in order."""

    @abstractmethod
    async def compact(self, stream_id: str, seq: int, snapshot: bytes) -> None:
        """The snapshot event as of event ``seq``; the events up to ``seq`` are dropped."""

    @abstractmethod
    async def renew(self, stream_id: str, lease: float, grace: float) -> bool:
        """The producer is alive for ``lease`` more seconds; returns whether a reader was
        attached in the last ``grace`` seconds (or the stream is younger than that)."""

    @abstractmethod
    async def finish(self, stream_id: str, retention: float) -> None:
        """The stream ended (its last event is written); it stays ``retention`` seconds."""

    @abstractmethod
    async def read(
        self, stream_id: str, after: Optional[int], wait: float, live: bool = False
    ) -> Optional[Stored]:
        """The events after ``after`` (with the snapshot when needed), waiting up to
        ``wait`` seconds for one if there is none yet; None for an unknown stream. Also
        records that a reader is attached. ``live``: the reader had every event up to
        ``after`` from this store a moment ago (a store may then skip what only a reader
        coming back needs)."""

    @abstractmethod
    async def size(self, stream_id: str) -> int:
        """Bytes held for the stream (snapshot and events)."""

    async def close(self) -> None:  # noqa: B027 - a store without connections has none
        """Releases the store's connections."""


# ---- in memory ------------------------------------------------------------------------------


@dataclass
class _Memory:
    meta: dict[str, str]
    expires_at: float
    snapshot: Optional[tuple[int, bytes]] = None
    #: The events up to here were dropped (the snapshot stands for them); ``events[i]`` is
    #: event ``floor + 1 + i`` (events are numbered without gaps).
    floor: int = 0
    events: list[tuple[int, bytes]] = field(default_factory=list)
    last: int = 0
    finished: bool = False
    lease_until: float = 0.0
    reader_seen: float = 0.0
    held: int = 0
    waiters: set[asyncio.Future[None]] = field(default_factory=set)


class MemoryStore(Store):
    """Streams kept in this process (readers on the producer's event loop)."""

    def __init__(self) -> None:
        self._streams: dict[str, _Memory] = {}

    def _get(self, stream_id: str) -> Optional[_Memory]:
        found = self._streams.get(stream_id)
        now = time.monotonic()
        if found is not None and now >= found.expires_at:
            del self._streams[stream_id]
            self._wake(found)
            return None
        return found

    def _purge(self) -> None:
        now = time.monotonic()
        for stream_id in [k for k, s in self._streams.items() if now >= s.expires_at]:
            self._wake(self._streams.pop(stream_id))

    @staticmethod
    def _wake(stream: _Memory) -> None:
        for waiter in stream.waiters:
            if not waiter.done():
                waiter.set_result(None)
        stream.waiters.clear()

    async def create(self, stream_id: str, meta: Mapping[str, str], ttl: float) -> None:
        self._purge()
        now = time.monotonic()
        self._streams[stream_id] = _Memory(dict(meta), now + ttl, reader_seen=now)

    async def meta(self, stream_id: str) -> Optional[dict[str, str]]:
        found = self._get(stream_id)
        return dict(found.meta) if found is not None else None

    def _stream(self, stream_id: str) -> _Memory:
        found = self._get(stream_id)
        if found is None:
            raise StoreError(f"the store holds no stream {stream_id!r} (expired?)")
        return found

    async def append(self, stream_id: str, events: list[tuple[int, bytes]]) -> None:
        stream = self._stream(stream_id)
        for seq, block in events:
            stream.events.append((seq, block))
            stream.held += len(block)
            stream.last = seq
        self._wake(stream)

    async def compact(self, stream_id: str, seq: int, snapshot: bytes) -> None:
        stream = self._stream(stream_id)
        # The events up to the previous snapshot go; those since stay, so that readers
        # following the stream live read on without needing the snapshot.
        floor = stream.snapshot[0] if stream.snapshot is not None else 0
        dropped = floor - stream.floor
        stream.held -= sum(len(block) for _, block in stream.events[:dropped])
        del stream.events[:dropped]
        stream.floor = floor
        stream.snapshot = (seq, snapshot)

    async def renew(self, stream_id: str, lease: float, grace: float) -> bool:
        stream = self._stream(stream_id)
        now = time.monotonic()
        stream.lease_until = now + lease
        return now - stream.reader_seen < grace

    async def finish(self, stream_id: str, retention: float) -> None:
        stream = self._stream(stream_id)
        stream.finished = True
        stream.expires_at = time.monotonic() + retention
        self._wake(stream)

    async def read(
        self, stream_id: str, after: Optional[int], wait: float, live: bool = False
    ) -> Optional[Stored]:
        stream = self._get(stream_id)
        if stream is None:
            return None
        stream.reader_seen = time.monotonic()
        found = self._collect(stream, after)
        if found.events or found.snapshot or found.finished or found.beyond or wait <= 0:
            return found
        waiter = asyncio.get_running_loop().create_future()
        stream.waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, wait)
        except asyncio.TimeoutError:
            pass
        finally:
            stream.waiters.discard(waiter)
        stream = self._get(stream_id)
        return self._collect(stream, after) if stream is not None else None

    @staticmethod
    def _collect(stream: _Memory, after: Optional[int]) -> Stored:
        found = Stored(finished=stream.finished)
        found.producer_alive = stream.finished or time.monotonic() < stream.lease_until
        if after is not None and after > stream.last:
            found.beyond = True
            return found
        snapshot = stream.snapshot
        if snapshot is not None and (after is None or after < stream.floor):
            found.snapshot = snapshot
            after = snapshot[0]
        start = after or 0
        found.events = stream.events[max(0, start - stream.floor) :]
        return found

    async def size(self, stream_id: str) -> int:
        stream = self._get(stream_id)
        if stream is None:
            return 0
        return stream.held + (len(stream.snapshot[1]) if stream.snapshot else 0)

    def streams(self) -> int:
        """Streams held now (expired ones dropped)."""
        self._purge()
        return len(self._streams)


# ---- Redis Streams --------------------------------------------------------------------------


class RedisStore(Store):
    """Streams kept in Redis, shared by every instance of a fleet (redis-py's asyncio API).

    Args:
        url: ``redis://HOST:PORT/DB``.
        prefix: Prefix of the keys (``{prefix}:{stream id}:...``).
        client: An existing ``redis.asyncio.Redis`` instead of ``url``.
        max_connections: Connections to Redis at most (with ``url``): a live reader holds
            one while it blocks on ``XREAD``, and a call waits for a free one beyond this.
    """

    def __init__(
        self,
        url: Optional[str] = None,
        *,
        prefix: str = "deltajson",
        client: Any = None,
        max_connections: int = 1024,
    ) -> None:
        try:
            import redis.asyncio as aioredis
            from redis.exceptions import RedisError
        except ImportError as e:  # pragma: no cover - the redis extra
            raise ImportError("RedisStore needs redis-py: pip install 'deltajson[redis]'") from e
        if client is None:
            if url is None:
                raise ValueError("RedisStore needs a url or a client")
            pool = aioredis.BlockingConnectionPool.from_url(
                url, max_connections=max_connections, timeout=None
            )
            client = aioredis.Redis(connection_pool=pool)
        self.redis = client
        self.prefix = prefix
        #: When this instance last recorded a reader of a stream (wall clock).
        self._marked: dict[str, float] = {}
        self._mark_reader = client.register_script(
            "if redis.call('EXISTS', KEYS[1]) == 1 then "
            "redis.call('HSET', KEYS[1], '_reader', ARGV[1]) end"
        )
        self._errors: tuple[type[BaseException], ...] = (RedisError, OSError)

    def _keys(self, stream_id: str) -> tuple[str, str, str, str]:
        base = f"{self.prefix}:{stream_id}"
        return f"{base}:meta", f"{base}:events", f"{base}:snapshot", f"{base}:lease"

    async def _call(self, work: Any) -> Any:
        try:
            return await work
        except self._errors as e:
            raise StoreError(f"the Redis store failed: {type(e).__name__}: {e}") from e

    async def create(self, stream_id: str, meta: Mapping[str, str], ttl: float) -> None:
        meta_key, events, _snapshot, _lease = self._keys(stream_id)
        seconds = max(1, int(ttl + 0.999))
        fields = {**meta, "_state": "running", "_snapshot_seq": "0", "_reader": str(time.time())}
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(meta_key, mapping=fields)
            pipe.expire(meta_key, seconds)
            # The events key exists from the start, empty (a stream key outlives its entries).
            pipe.xadd(events, {"b": b""}, id="0-1")
            pipe.xtrim(events, minid="1-0")
            pipe.expire(events, seconds)
            await self._call(pipe.execute())

    async def meta(self, stream_id: str) -> Optional[dict[str, str]]:
        meta_key = self._keys(stream_id)[0]
        found = await self._call(self.redis.hgetall(meta_key))
        if not found:
            return None
        return {k.decode(): v.decode() for k, v in found.items() if not k.startswith(b"_")}

    async def append(self, stream_id: str, events: list[tuple[int, bytes]]) -> None:
        key = self._keys(stream_id)[1]
        if len(events) == 1:
            seq, block = events[0]
            await self._call(self.redis.xadd(key, {"b": block}, id=f"{seq}-0"))
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for seq, block in events:
                pipe.xadd(key, {"b": block}, id=f"{seq}-0")
            await self._call(pipe.execute())

    async def compact(self, stream_id: str, seq: int, snapshot: bytes) -> None:
        meta_key, events, snapshot_key, _lease = self._keys(stream_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.ttl(meta_key)
            pipe.hget(meta_key, "_snapshot_seq")
            ttl, previous = await self._call(pipe.execute())
        floor = int(previous or 0)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(snapshot_key, snapshot, ex=ttl if ttl and ttl > 0 else None)
            pipe.hset(meta_key, mapping={"_snapshot_seq": str(seq), "_floor": str(floor)})
            pipe.xtrim(events, minid=f"{floor + 1}-0")
            await self._call(pipe.execute())

    async def renew(self, stream_id: str, lease: float, grace: float) -> bool:
        meta_key, _events, _snapshot, lease_key = self._keys(stream_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(lease_key, b"1", px=max(1, int(lease * 1000)))
            pipe.hget(meta_key, "_reader")
            _, seen = await self._call(pipe.execute())
        if seen is None:
            raise StoreError(f"the Redis store lost stream {stream_id!r} (restarted or evicted?)")
        # Wall-clock times, written by readers on any instance (clocks of a fleet agree to
        # far better than a grace period).
        return time.time() - float(seen) < grace

    async def finish(self, stream_id: str, retention: float) -> None:
        meta_key, events, snapshot, lease = self._keys(stream_id)
        seconds = max(1, int(retention + 0.999))
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(meta_key, "_state", "finished")
            for key in (meta_key, events, snapshot):
                pipe.expire(key, seconds)
            pipe.delete(lease)
            await self._call(pipe.execute())

    async def read(
        self, stream_id: str, after: Optional[int], wait: float, live: bool = False
    ) -> Optional[Stored]:
        events = self._keys(stream_id)[1]
        if not (live and after is not None):
            found = await self._consistent(stream_id, after)
            if found is None:
                return None
            if found.events or found.snapshot or found.finished or found.beyond or wait <= 0:
                return found
        # Following live: one blocking XREAD per batch of new events. Anything else (no
        # event within `wait`, a gap because the store was compacted past the reader) goes
        # back to a consistent read, which also sees the stream's state.
        start = f"{after}-0" if after is not None else "0-0"
        block_ms = max(1, int(wait * 1000))
        reply = await self._call(self.redis.xread({events: start}, block=block_ms, count=1024))
        if not reply:
            return await self._consistent(stream_id, after)
        entries = reply[0][1]
        got = [(int(entry_id.split(b"-")[0]), data[b"b"]) for entry_id, data in entries]
        if not got or got[0][0] != (after or 0) + 1:
            return await self._consistent(stream_id, after)  # compacted past us meanwhile
        await self._seen(stream_id)
        return Stored(events=got)

    async def _consistent(self, stream_id: str, after: Optional[int]) -> Optional[Stored]:
        """One consistent read (a transaction): state, snapshot if needed, events."""
        meta_key, events, snapshot_key, lease_key = self._keys(stream_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hmget(meta_key, "_state", "_snapshot_seq", "_floor")
            pipe.exists(lease_key)
            pipe.get(snapshot_key)
            pipe.xrevrange(events, max="+", min="-", count=1)
            pipe.xrange(events, min=f"({max(after or 0, 0)}-0", max="+")
            state, lease_alive, snapshot, last, tail = await self._call(pipe.execute())
        if state[0] is None:
            return None
        await self._seen(stream_id, force=True)
        finished = state[0] == b"finished"
        snapshot_seq = int(state[1] or 0)
        floor = int(state[2] or 0)
        last_seq = int(last[0][0].split(b"-")[0]) if last else snapshot_seq
        found = Stored(finished=finished, producer_alive=finished or bool(lease_alive))
        if after is not None and after > max(last_seq, snapshot_seq):
            found.beyond = True
            return found
        position = after
        if snapshot is not None and snapshot_seq and (after is None or after < floor):
            found.snapshot = (snapshot_seq, snapshot)
            position = snapshot_seq
            tail = await self._call(self.redis.xrange(events, min=f"({snapshot_seq}-0", max="+"))
        start = position or 0
        found.events = [
            (seq, data[b"b"])
            for entry_id, data in tail
            if (seq := int(entry_id.split(b"-")[0])) > start
        ]
        return found

    async def _seen(self, stream_id: str, force: bool = False) -> None:
        """Records that a reader is attached (the producer's grace counts from it), at most
        once a second per stream from this instance; written only while the stream exists,
        so an expired one is never brought back."""
        now = time.time()
        if not force and now - self._marked.get(stream_id, 0.0) < 1.0:
            return
        self._marked[stream_id] = now
        if len(self._marked) > 10_000:
            self._marked.clear()
        meta_key = self._keys(stream_id)[0]
        await self._call(self._mark_reader(keys=[meta_key], args=[str(now)]))

    async def size(self, stream_id: str) -> int:
        meta_key, events, snapshot_key, _lease = self._keys(stream_id)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.memory_usage(events)
            pipe.strlen(snapshot_key)
            pipe.memory_usage(meta_key)
            sizes = await self._call(pipe.execute())
        return sum(int(s or 0) for s in sizes)

    async def close(self) -> None:
        await self.redis.aclose(close_connection_pool=True)

"""Resumable streams (``deltajson.resume``) on both stores, in memory and on a real Redis:
readers that resume after any event, fresh readers that get a snapshot, many readers, the
compacted store's size, who may read, and streams that end without a reader (no reader for
too long, a lifetime over, retention expired, an id never issued)."""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltajson.resume import MemoryStore, RedisStore, ResumableStreams, Store
from deltajson.serve import recording
from redis_server import REDIS_SERVER, RedisServer, require_redis
from resume_client import Rebuilt, parse_events
from workloads import list_document, token_chunks

STORES = ["memory", "redis"]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[Optional[str]]:
    if REDIS_SERVER is None:
        yield None
        return
    server = RedisServer()
    server.start()
    try:
        yield server.url
    finally:
        server.close()


def make_store(kind: str, redis_url: Optional[str]) -> Store:
    if kind == "memory":
        return MemoryStore()
    require_redis()
    assert redis_url is not None
    return RedisStore(redis_url, prefix=f"test-{uuid.uuid4().hex}")


async def chunks_of(text: str) -> AsyncIterator[str]:
    for chunk in token_chunks(text):
        await asyncio.sleep(0)
        yield chunk


async def read_all(streams: ResumableStreams, stream_id: str, after: Optional[int]) -> bytes:
    return b"".join([part async for part in streams.events(stream_id, after)])


async def done(streams: ResumableStreams) -> None:
    """The producers ended (a reader may return on the last event before its producer has
    recorded the end), then the store's connections are closed."""
    await streams.drain()
    await streams.store.close()


def run(work: Any) -> Any:
    return asyncio.run(asyncio.wait_for(work, 120))


TEXT = list_document(6_000)  # big enough to be compacted several times (compact_min below)


@pytest.mark.parametrize("kind", STORES)
def test_a_reader_resumes_exactly_after_every_event(kind: str, redis_url: Optional[str]) -> None:
    """The whole stream read once, then resumed after each of its events in turn (the
    store compacted meanwhile): every resume rebuilds the document, no op twice or missed."""

    async def main() -> None:
        streams = ResumableStreams(make_store(kind, redis_url), compact_min=2_000)
        stream_id = await streams.start(chunks_of(TEXT))
        first = Rebuilt()
        states: dict[int, Any] = {}  # the client's value after each event it applied
        for event in parse_events(await read_all(streams, stream_id, None)):
            first.apply([event])
            states[event[0]] = copy.deepcopy(first.value)
        assert first.final == json.loads(TEXT) == first.value
        last = first.applied[-1]
        assert await streams.store.size(stream_id) < 6 * len(TEXT)  # compacted
        for after in states:
            events = parse_events(await read_all(streams, stream_id, after))
            if after == last:
                assert events == []  # it had everything
                continue
            again = Rebuilt(value=copy.deepcopy(states[after]), last_id=after)
            again.apply(events)
            assert again.final == json.loads(TEXT) == again.value, after
        await done(streams)

    run(main())


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(1, 40), min_size=1, max_size=6), kind=st.sampled_from(STORES))
def test_a_live_reader_cut_anywhere_rebuilds_the_document(
    cuts: list[int], kind: str, redis_url: Optional[str]
) -> None:
    """A reader following the stream live drops after a few events, again and again, and
    resumes with the last id it had, while the stream goes on."""
    if kind == "redis" and redis_url is None:
        require_redis()

    async def main() -> None:
        streams = ResumableStreams(make_store(kind, redis_url), compact_min=2_000)
        stream_id = await streams.start(chunks_of(TEXT))
        client = Rebuilt()
        for cut in [*cuts, None]:
            got = []
            async for part in streams.events(stream_id, client.last_id):
                got.append(part)
                if cut is not None and len(got) >= cut:
                    break  # the connection drops here
            client.apply(parse_events(b"".join(got)))
            if client.ended:
                break
        if not client.ended:
            client.apply(parse_events(await read_all(streams, stream_id, client.last_id)))
        assert client.final == json.loads(TEXT) == client.value
        await done(streams)

    run(main())


@pytest.mark.parametrize("kind", STORES)
def test_many_readers_follow_one_stream(kind: str, redis_url: Optional[str]) -> None:
    async def main() -> None:
        streams = ResumableStreams(make_store(kind, redis_url), compact_min=2_000)
        stream_id = await streams.start(chunks_of(TEXT))
        bodies = await asyncio.gather(*(read_all(streams, stream_id, None) for _ in range(8)))
        for body in bodies:
            client = Rebuilt()
            client.apply(parse_events(body))
            assert client.final == json.loads(TEXT) == client.value
        await done(streams)

    run(main())


@pytest.mark.parametrize("kind", STORES)
def test_a_fresh_reader_of_a_finished_stream_gets_a_snapshot_and_the_end(
    kind: str, redis_url: Optional[str]
) -> None:
    async def main() -> None:
        streams = ResumableStreams(make_store(kind, redis_url), compact_min=2_000)
        stream_id = await streams.start(chunks_of(TEXT))
        await streams.wait(stream_id)
        events = parse_events(await read_all(streams, stream_id, None))
        assert events[0][1] == "snapshot" and events[-1][1] == "done"
        assert len(events) < 200  # compact: not every event since the start
        client = Rebuilt()
        client.apply(events)
        assert client.final == json.loads(TEXT) == client.value
        assert "" in client.completed
        await done(streams)

    run(main())


# ---- who may read, and the ends -----------------------------------------------------------


@pytest.mark.parametrize("kind", STORES)
def test_ids_are_unguessable_and_authorize_decides(kind: str, redis_url: Optional[str]) -> None:
    async def main() -> None:
        streams = ResumableStreams(make_store(kind, redis_url))
        ids = {await streams.start(chunks_of("[1]"), meta={"owner": "ana"}) for _ in range(5)}
        assert len(ids) == 5 and all(len(i) >= 22 for i in ids)  # 128 random bits
        stream_id = ids.pop()
        assert await streams.exists(stream_id, lambda meta: meta["owner"] == "ana")
        assert not await streams.exists(stream_id, lambda meta: meta["owner"] == "bo")

        async def later(meta: Any) -> bool:
            return bool(meta["owner"] == "ana")

        assert await streams.exists(stream_id, later)
        assert not await streams.exists("no-such-stream")
        await done(streams)

    run(main())


@pytest.mark.parametrize("kind", STORES)
def test_an_id_the_stream_never_issued_is_an_error_event(
    kind: str, redis_url: Optional[str]
) -> None:
    async def main() -> None:
        streams = ResumableStreams(make_store(kind, redis_url))
        stream_id = await streams.start(chunks_of("[1, 2]"))
        await streams.wait(stream_id)
        events = parse_events(await read_all(streams, stream_id, 10_000))
        assert [e[1] for e in events] == ["error"]
        assert events[0][2]["type"] == "StreamExpired"
        await done(streams)

    run(main())


@pytest.mark.parametrize("kind", STORES)
def test_retention_expires_a_finished_stream(kind: str, redis_url: Optional[str]) -> None:
    async def main() -> None:
        streams = ResumableStreams(make_store(kind, redis_url), retention=1.0)
        stream_id = await streams.start(chunks_of("[1, 2]"))
        await streams.wait(stream_id)
        assert await streams.exists(stream_id)
        for _ in range(100):  # expiry is the store's clock (Redis: whole seconds)
            if not await streams.exists(stream_id):
                break
            await asyncio.sleep(0.05)
        assert not await streams.exists(stream_id)
        events = parse_events(await read_all(streams, stream_id, 1))
        assert [(e[1], e[2]["type"]) for e in events] == [("error", "StreamExpired")]
        await done(streams)

    run(main())


@pytest.mark.parametrize("kind", STORES)
def test_a_stream_nobody_reads_stops_and_closes_its_source(
    kind: str, redis_url: Optional[str]
) -> None:
    async def main() -> None:
        closed = asyncio.Event()
        release = asyncio.Event()

        async def endless() -> AsyncIterator[str]:
            try:
                yield "[1"
                await release.wait()  # never set: the source would wait forever
            finally:
                closed.set()

        streams = ResumableStreams(make_store(kind, redis_url), reader_grace=0.3, lease=0.3)
        stream_id = await streams.start(endless())
        await streams.wait(stream_id)
        assert closed.is_set()
        events = parse_events(await read_all(streams, stream_id, None))
        assert events[-1][1] == "error" and events[-1][2]["type"] == "StreamAbandoned"
        await done(streams)

    run(main())


@pytest.mark.parametrize("kind", STORES)
def test_a_stream_past_its_lifetime_stops(kind: str, redis_url: Optional[str]) -> None:
    async def main() -> None:
        async def endless() -> AsyncIterator[str]:
            yield "[1"
            await asyncio.Event().wait()

        streams = ResumableStreams(make_store(kind, redis_url), max_lifetime=0.2, lease=0.3)
        stream_id = await streams.start(endless())
        events = parse_events(await read_all(streams, stream_id, None))
        assert events[-1][1] == "error"
        assert events[-1][2] == {
            "type": "StreamTimeout",
            "message": "the stream exceeded its lifetime of 0.2 s",
        }
        await done(streams)

    run(main())


def test_memory_per_stream_stays_bounded_by_the_document() -> None:
    """A 100 KB document in token chunks (tens of thousands of events): the store holds a
    snapshot and the events since, a few times the document, never every event."""

    async def main() -> tuple[int, int]:
        text = list_document(100_000)
        streams = ResumableStreams(MemoryStore(), compact_min=16_000)
        stream_id = await streams.start(chunks_of(text), coalesce=False)
        peak = 0
        async for _ in streams.events(stream_id, None):
            peak = max(peak, await streams.store.size(stream_id))
        return peak, len(text.encode())

    peak, size = run(main())
    assert peak < 8 * size


def test_the_demo_answers_404_for_an_unknown_stream() -> None:
    from starlette.testclient import TestClient

    from deltajson.serve import create_app

    with TestClient(create_app()) as client:
        assert client.get("/streams/nope/events").status_code == 404
        created = client.post("/streams?recording=support_ticket&delay=0")
        assert created.status_code == 201
        body = created.json()
        assert body["events"] == f"/streams/{body['id']}/events"
        events = parse_events(client.get(body["events"]).content)
        client_value = Rebuilt()
        client_value.apply(events)
        assert client_value.final == json.loads(recording("support_ticket"))
        assert client.post("/streams?recording=nope").status_code == 404
        assert client.post("/streams?recording=trip_plan&delay=-1").status_code == 400

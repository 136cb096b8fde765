"""Resumable streams across a fleet: two instances of the demo app on loopback share a real
Redis; a client starts a stream on one, its connection is cut at random points (between
events and inside one) and it resumes on the other, or on the same. Also the same on one
instance with the in-memory store; a bounded load test; and faults: Redis restarted or gone
mid-stream, a producer that dies."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from deltajson.resume import MemoryStore, RedisStore, ResumableStreams, StoreError
from deltajson.serve import create_app, recording
from redis_server import RedisServer, require_redis
from resume_client import Rebuilt, parse_events, post, read_stream
from test_sse import Server

require_redis()


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def fleet(redis: RedisServer) -> Iterator[list[int]]:
    """Two instances of the demo app sharing the Redis store: their ports."""
    prefix = f"fleet-{uuid.uuid4().hex}"
    apps = [
        create_app(streams=ResumableStreams(RedisStore(redis.url, prefix=prefix), wait=0.5))
        for _ in range(2)
    ]
    with Server(apps[0]) as first, Server(apps[1]) as second:
        yield [int(url.rsplit(":", 1)[1]) for url in (first, second)]


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


async def follow(
    ports: list[int], start_on: int, name: str, rng: random.Random, delay: float = 1.0
) -> tuple[Rebuilt, int]:
    """Starts a stream of recording ``name`` on ``ports[start_on]`` and reads it to the end,
    its connection cut after a random number of bytes each time (between events or inside
    one), resuming on a random instance with the last complete event's id. Returns what the
    client rebuilt and how many connections it took."""
    status, created = await post(ports[start_on], f"/streams?recording={name}&delay={delay:g}")
    assert status == 201
    client = Rebuilt()
    connections = 0
    while not client.ended:
        connections += 1
        assert connections < 200, "the stream never ended"
        port = rng.choice(ports)
        if connections == 1:
            cut: Any = rng.randint(1, 3000)  # the first connection always drops
        else:
            cut = rng.choice([None, rng.randint(1, 3000)]) if connections < 8 else None
        status, body = await read_stream(port, created["events"], client.last_id, cut)
        assert status == 200
        client.apply(parse_events(body))
    return client, connections


@pytest.mark.parametrize("seed", range(6))
def test_a_client_cut_anywhere_resumes_on_either_instance(fleet: list[int], seed: int) -> None:
    rng = random.Random(seed)
    name = rng.choice(["trip_plan", "support_ticket"])
    client, connections = asyncio.run(asyncio.wait_for(follow(fleet, seed % 2, name, rng), 120))
    expected = json.loads(recording(name))
    assert client.error is None
    assert client.final == expected == client.value  # no op applied twice or missed
    assert connections > 1


@pytest.mark.parametrize("seed", range(3))
def test_the_same_on_one_instance_with_the_memory_store(seed: int) -> None:
    app = create_app(streams=ResumableStreams(MemoryStore()))
    rng = random.Random(100 + seed)
    with Server(app) as url:
        client, _ = asyncio.run(asyncio.wait_for(follow([port_of(url)], 0, "trip_plan", rng), 120))
    assert client.final == json.loads(recording("trip_plan")) == client.value


def test_a_bounded_load_of_streams_dropping_and_resuming(fleet: list[int]) -> None:
    """200 streams at once, each client dropping and resuming at random times, on either
    instance: every document rebuilt exactly (Rebuilt checks each event id)."""

    async def main() -> list[tuple[Rebuilt, int]]:
        rng = random.Random(7)
        return await asyncio.gather(
            *(
                follow(fleet, i % 2, "support_ticket", random.Random(rng.random()), delay=2)
                for i in range(200)
            )
        )

    results = asyncio.run(asyncio.wait_for(main(), 600))
    expected = json.loads(recording("support_ticket"))
    wrong = [c.error for c, _ in results if not c.final == expected == c.value]
    assert wrong == []
    assert sum(connections for _, connections in results) > 400  # they did drop


# ---- faults ---------------------------------------------------------------------------------


async def slow_source() -> AsyncIterator[str]:
    yield '{"items": ['
    for i in range(10_000):
        await asyncio.sleep(0.01)
        yield f'{{"n": {i}}}, '


@pytest.mark.parametrize("restart", [True, False], ids=["restarted", "gone"])
def test_redis_failing_mid_stream_ends_readers_with_an_error_and_stops_the_producer(
    restart: bool,
) -> None:
    server = RedisServer()
    server.start()
    try:

        async def main() -> tuple[list[Any], BaseException]:
            streams = ResumableStreams(RedisStore(server.url), wait=0.2, lease=0.6)
            stream_id = await streams.start(slow_source())
            got: list[bytes] = []
            reading = streams.events(stream_id, None)
            async for part in reading:
                got.append(part)
                if len(got) == 5:
                    server.stop()
                    if restart:
                        server.start()  # empty: the stream's data is lost
            with pytest.raises(StoreError) as failed:
                await streams.wait(stream_id)
            return parse_events(b"".join(got)), failed.value

        events, error = asyncio.run(asyncio.wait_for(main(), 60))
    finally:
        server.close()
    assert events[-1][1] == "error"
    assert events[-1][2]["type"] in ("StoreUnavailable", "StreamExpired")
    assert "Redis" in str(error)


PRODUCER = textwrap.dedent(
    """
    import asyncio, sys
    from deltajson.resume import RedisStore, ResumableStreams

    async def source():
        yield "[1"
        await asyncio.Event().wait()

    async def main():
        streams = ResumableStreams(RedisStore(sys.argv[1]), lease=0.6)
        print(await streams.start(source()), flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
    """
)


def test_a_producer_that_dies_ends_its_readers_with_an_error(redis: RedisServer) -> None:
    producer = subprocess.Popen(
        [sys.executable, "-c", PRODUCER, redis.url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert producer.stdout is not None
        stream_id = producer.stdout.readline().strip()

        async def main() -> list[Any]:
            streams = ResumableStreams(RedisStore(redis.url), wait=0.2)
            got: list[bytes] = []
            async for part in streams.events(stream_id, None):
                got.append(part)
                if len(got) == 1:
                    os.kill(producer.pid, signal.SIGKILL)  # no goodbye from it
            return parse_events(b"".join(got))

        events = asyncio.run(asyncio.wait_for(main(), 60))
    finally:
        producer.kill()
        producer.wait()
    assert events[-1] == (
        events[-1][0],
        "error",
        {"type": "StreamInterrupted", "message": "the stream's producer stopped"},
    )

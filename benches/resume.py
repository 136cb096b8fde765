"""Resumable streams: what each store costs per event, and what one Redis-backed instance
sustains.

    python benches/resume.py                  # starts its own redis-server on a free port
    python benches/resume.py --streams 100 --rounds 3

Three measurements:

1. **Cost per event of each store** (in process): a producer (``ResumableStreams.start``)
   reads a document in token chunks, one event per chunk (``coalesce=False``), into the
   store, with a reader following it; CPU microseconds per event, the producer and the reader
   together (``time.process_time``; the Redis server's own CPU is not counted), best of the
   rounds, the stores interleaved. The plain ``event_stream`` of the same chunks (no store)
   is the floor.
2. **Events per second of one instance**: the demo app on one uvicorn worker (its own
   process) with a ``RedisStore``; ``--streams`` detached streams started at once with
   ``POST /streams`` (no pacing) and each read to its end by a client; events delivered per
   second (wall time) and the server's CPU per event.
3. **A load with drops**: 200 streams, each client cutting its connection at random points
   and resuming (half on a second instance sharing the Redis), every document checked; the
   Redis memory per stream (``MEMORY USAGE`` of its keys, and ``used_memory``) while they run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from redis_server import RedisServer, free_port  # noqa: E402
from resume_client import Rebuilt, parse_events, post, read_stream  # noqa: E402


def chunks_of(text: str) -> list[str]:
    from workloads import BENCH_SEED, token_chunks

    return token_chunks(text, BENCH_SEED)


async def fast(chunks: list[str]) -> Any:
    for chunk in chunks:
        await asyncio.sleep(0)
        yield chunk


async def per_event(kind: str, redis_url: str, chunks: list[str]) -> tuple[float, int]:
    """CPU seconds and events of one stream through a store (or none: ``"no store"``)."""
    from deltajson.resume import MemoryStore, RedisStore, ResumableStreams
    from deltajson.sse import event_stream

    started = time.process_time()
    if kind == "no store":
        events = 0
        async for _ in event_stream(fast(chunks), heartbeat=None, coalesce=False):
            events += 1
        return time.process_time() - started, events
    store = MemoryStore() if kind == "memory" else RedisStore(redis_url, prefix=uuid.uuid4().hex)
    streams = ResumableStreams(store)
    stream_id = await streams.start(fast(chunks), coalesce=False)
    events = 0
    async for _ in streams.events(stream_id, None):
        events += 1
    await streams.drain()
    spent = time.process_time() - started
    await store.close()
    return spent, events


def measure_stores(redis_url: str, rounds: int) -> dict[str, Any]:
    from workloads import list_document

    chunks = chunks_of(list_document(20_000))
    kinds = ["no store", "memory", "redis"]
    best: dict[str, float] = {}
    counts: dict[str, int] = {}
    for r in range(rounds):
        for kind in kinds[r % 3 :] + kinds[: r % 3]:
            spent, events = asyncio.run(per_event(kind, redis_url, chunks))
            best[kind] = min(best.get(kind, spent / events), spent / events)
            counts[kind] = events
    print(
        f"cost per event, 20 KB in {len(chunks):,} token chunks, one event per chunk "
        f"(CPU time of producer + reader, best of {rounds}):"
    )
    for kind in kinds:
        print(f"  {kind:10s} {best[kind] * 1e6:7.2f} us per event ({counts[kind]:,} events)")
    return {kind: {"us_per_event": best[kind] * 1e6, "events": counts[kind]} for kind in kinds}


# ---- one instance, many streams ------------------------------------------------------------


SERVER = """
import sys, uvicorn
from deltajson.resume import RedisStore, ResumableStreams
from deltajson.serve import create_app
app = create_app(streams=ResumableStreams(RedisStore(sys.argv[2], prefix=sys.argv[3])))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", backlog=4096)
"""


def proc_cpu(pid: int) -> float:
    """A process's CPU seconds (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_instance(redis_url: str, prefix: str) -> tuple[int, subprocess.Popen[bytes]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), redis_url, prefix])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return port, proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the instance did not start")


async def one_stream(port: int, name: str) -> int:
    status, created = await post(port, f"/streams?recording={name}&delay=0")
    assert status == 201
    status, body = await read_stream(port, created["events"], None)
    client = Rebuilt()
    client.apply(parse_events(body))
    assert client.final is not None
    return len(client.applied)


def measure_instance(redis_url: str, streams: int) -> dict[str, Any]:
    port, proc = start_instance(redis_url, uuid.uuid4().hex)
    try:
        asyncio.run(one_stream(port, "trip_plan"))  # warm up
        cpu = proc_cpu(proc.pid)
        started = time.perf_counter()
        counts = asyncio.run(_many(port, streams))
        wall = time.perf_counter() - started
        spent = proc_cpu(proc.pid) - cpu
    finally:
        proc.terminate()
        proc.wait(30)
    events = sum(counts)
    result = {
        "streams": streams,
        "events": events,
        "wall_s": wall,
        "events_per_s": events / wall,
        "server_cpu_us_per_event": spent * 1e6 / events,
    }
    print(
        f"one instance (uvicorn, RedisStore), {streams} streams at once: {events:,} events "
        f"in {wall:.1f} s = {events / wall:,.0f} events/s (wall); server CPU "
        f"{result['server_cpu_us_per_event']:.1f} us per event"
    )
    return result


async def _many(port: int, streams: int) -> list[int]:
    return await asyncio.gather(*(one_stream(port, "trip_plan") for _ in range(streams)))


# ---- a load with drops ---------------------------------------------------------------------


async def follow(ports: list[int], rng: random.Random) -> tuple[Rebuilt, int]:
    _status, created = await post(ports[0], "/streams?recording=trip_plan&delay=2")
    client, connections = Rebuilt(), 0
    while not client.ended:
        connections += 1
        cut = rng.randint(1, 3000) if connections < 6 else None
        _, body = await read_stream(rng.choice(ports), created["events"], client.last_id, cut)
        client.apply(parse_events(body))
    return client, connections


def measure_load(redis_url: str, streams: int) -> dict[str, Any]:
    import redis as sync_redis

    prefix = uuid.uuid4().hex
    instances = [start_instance(redis_url, prefix) for _ in range(2)]
    ports = [port for port, _ in instances]
    peak = {"used_memory": 0, "keys_bytes": 0}

    async def watch(done: asyncio.Event) -> None:
        client = sync_redis.Redis.from_url(redis_url)
        while not done.is_set():
            info = client.info("memory")
            keys = list(client.scan_iter(f"{prefix}:*"))
            used = sum(int(client.memory_usage(k) or 0) for k in keys)
            peak["used_memory"] = max(peak["used_memory"], int(info["used_memory"]))
            peak["keys_bytes"] = max(peak["keys_bytes"], used)
            await asyncio.sleep(0.5)

    async def main() -> list[tuple[Rebuilt, int]]:
        done = asyncio.Event()
        watcher = asyncio.create_task(watch(done))
        rng = random.Random(1)
        try:
            return await asyncio.gather(
                *(
                    follow(ports[i % 2 :] + ports[: i % 2], random.Random(rng.random()))
                    for i in range(streams)
                )
            )
        finally:
            done.set()
            await watcher

    try:
        results = asyncio.run(main())
    finally:
        for _, proc in instances:
            proc.terminate()
            proc.wait(30)
    from deltajson.serve import recording

    expected = json.loads(recording("trip_plan"))
    right = sum(client.final == expected == client.value for client, _ in results)
    connections = sum(c for _, c in results)
    result = {
        "streams": streams,
        "rebuilt_exactly": right,
        "connections": connections,
        "peak_redis_bytes_per_stream": peak["keys_bytes"] / streams,
        "peak_used_memory": peak["used_memory"],
    }
    print(
        f"load: {streams} streams on 2 instances, {connections} connections (drops and "
        f"resumes): {right}/{streams} rebuilt exactly, 0 ops lost or doubled (each event id "
        f"checked); Redis keys at peak {result['peak_redis_bytes_per_stream']:,.0f} bytes per "
        f"stream (document: {len(recording('trip_plan').encode()):,} bytes), used_memory "
        f"{peak['used_memory'] / 2**20:.1f} MiB"
    )
    return result


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--streams", type=int, default=200)
    ap.add_argument("--out", default=str(HERE / "results" / "resume.json"))
    args = ap.parse_args()
    server = RedisServer()
    server.start()
    try:
        results = {
            "stores": measure_stores(server.url, args.rounds),
            "instance": measure_instance(server.url, args.streams),
            "load": measure_load(server.url, 200),
        }
    finally:
        server.close()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"results written to {out}")


if __name__ == "__main__":
    main()

"""SSE under faults: 200 clients of ``deltajson.sse`` misbehaving on loopback, one server.

    python benches/sse_faults.py                  # table; JSON in benches/results/
    python benches/sse_faults.py --clients 100 --seconds 4

A uvicorn server (a subprocess, so its CPU time and memory are its own) serves one route per
kind of source, each an ``sse_response``:

- ``complete``: a recorded reply in token-sized chunks, 2 ms apart;
- ``endless``: a source that is always ready (it yields to the loop, never waits) of
  ~1 KB strings inside one endless array;
- ``raises``: a few chunks, then an exception with a secret in its message;
- ``stalls``: a few chunks, then silence forever.

The clients (raw asyncio sockets, in this process) are a mix: some read to the end, some
disconnect at a random moment, some read slowly (1 KB every 50 ms), the rest call a fast
endless source or one that raises or stalls, and leave after a while. Reported: server CPU
(user + system seconds) and peak RSS over the run, RSS at the end, and the close latency —
from a client leaving to the server closing that client's source (the app notes each close,
with the wall clock, at ``/closed``) — p50/p99/max; plus whether any secret reached a client
and whether every completing client got its ``done``.
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
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SECRET = "postgres://admin:hunter2@db.internal"

# ---- the server (runs in a subprocess) -----------------------------------------------------


def server_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    from deltajson.serve import recording
    from deltajson.sse import sse_response
    from workloads import token_chunks

    closed: dict[str, float] = {}
    text = recording("trip_plan")

    def noting(request: Request, source: AsyncIterator[str]) -> AsyncIterator[str]:
        key = request.query_params.get("id", "")

        async def wrapped() -> AsyncIterator[str]:
            try:
                async for chunk in source:
                    yield chunk
            finally:
                closed[key] = time.time()

        return wrapped()

    async def complete() -> AsyncIterator[str]:
        for chunk in token_chunks(text):
            await asyncio.sleep(0.002)
            yield chunk

    async def endless() -> AsyncIterator[str]:
        yield "["
        piece = '"' + "x" * 1000 + '", '
        while True:
            await asyncio.sleep(0)
            yield piece

    async def raises() -> AsyncIterator[str]:
        yield '{"a": [1, 2'
        await asyncio.sleep(0.05)
        raise RuntimeError(SECRET)

    async def stalls() -> AsyncIterator[str]:
        yield '{"a": [1, 2'
        await asyncio.Event().wait()
        yield "]}"

    sources = {"complete": complete, "endless": endless, "raises": raises, "stalls": stalls}

    async def stream(request: Request) -> Response:
        make = sources[request.path_params["kind"]]
        response: Response = sse_response(noting(request, make()), heartbeat=1.0)
        return response

    async def closes(request: Request) -> Response:
        return JSONResponse(closed)

    return Starlette(
        routes=[Route("/s/{kind}", stream), Route("/closed", closes)],
    )


def serve(port: int) -> None:
    import logging

    import uvicorn

    # The raising sources' errors, logged in full, 20 times over (uvicorn's logging setup
    # re-enables disabled loggers, so the level is what silences them).
    logging.getLogger("deltajson.sse").setLevel(logging.CRITICAL + 1)

    uvicorn.run(server_app(), host="127.0.0.1", port=port, log_level="critical")


# ---- the clients ---------------------------------------------------------------------------


async def client(
    port: int, kind: str, behaviour: str, key: str, rng: random.Random
) -> dict[str, Any]:
    """One client; returns what it saw and when it left (wall clock)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /s/{kind}?id={key} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
    await writer.drain()
    received = bytearray()
    deadline = time.monotonic() + rng.uniform(0.2, 2.0)
    try:
        while True:
            if behaviour == "slow":
                await asyncio.sleep(0.05)
                piece = await reader.read(1024)
            elif behaviour == "complete":
                piece = await reader.read(65536)
            else:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    piece = await asyncio.wait_for(reader.read(65536), remaining)
                except asyncio.TimeoutError:
                    break
            if not piece:
                break
            received += piece
            if behaviour == "slow" and time.monotonic() > deadline:
                break
            if behaviour == "complete" and b"event: done" in received[-4096:]:
                break
    finally:
        left = time.time()
        writer.close()
    return {"key": key, "kind": kind, "behaviour": behaviour, "left": left, "body": bytes(received)}


def proc_stats(pid: int) -> tuple[float, int, int]:
    """(user + system CPU seconds, peak RSS bytes, RSS bytes) of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    peak = rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) * 1024
            elif line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    return cpu, peak, rss


async def run_clients(port: int, clients: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    mix = (
        [("complete", "complete")] * 4
        + [("complete", "disconnects")] * 2
        + [("complete", "slow")] * 1
        + [("endless", "disconnects")] * 2
        + [("raises", "complete")] * 1
        + [("stalls", "disconnects")] * 1
    )
    plan = [mix[i % len(mix)] for i in range(clients)]
    rng.shuffle(plan)
    tasks = [
        client(port, kind, behaviour, str(i), random.Random(seed + i))
        for i, (kind, behaviour) in enumerate(plan)
    ]
    return await asyncio.gather(*tasks)


async def stalled_readers(port: int, clients: int, seconds: float, pid: int) -> int:
    """Clients of the endless source that read the head of the response, then nothing; the
    server's RSS at the end of the stall."""
    writers = []
    for i in range(clients):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /s/endless?id=stalled{i} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
        await writer.drain()
        await reader.read(1024)
        writers.append(writer)
    await asyncio.sleep(seconds)
    rss = proc_stats(pid)[2]
    for writer in writers:
        writer.close()
    return rss


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=str(HERE / "results" / "sse_faults.json"))
    args = ap.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)], cwd=str(HERE.parent)
    )
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        cpu0, _, rss0 = proc_stats(server.pid)
        started = time.monotonic()
        results = asyncio.run(run_clients(port, args.clients, args.seed))
        wall = time.monotonic() - started
        time.sleep(1.0)  # let the last closes land
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/closed") as response:
            closed = json.loads(response.read())
        cpu1, peak, rss1 = proc_stats(server.pid)
        # Memory per stream: endless, always-ready sources whose clients stop reading.
        before = proc_stats(server.pid)[2]
        stalled = max(1, args.clients // 4)
        during = asyncio.run(stalled_readers(port, stalled, 3.0, server.pid))
    finally:
        server.terminate()
        server.wait(10)
    leavers = [r for r in results if r["behaviour"] != "complete" or r["kind"] == "raises"]
    latencies = [
        max(0.0, closed[r["key"]] - r["left"]) * 1000 for r in leavers if r["key"] in closed
    ]
    never_closed = [r["key"] for r in results if r["key"] not in closed]
    completing = [r for r in results if r["kind"] == "complete" and r["behaviour"] == "complete"]
    summary = {
        "clients": args.clients,
        "wall_s": round(wall, 2),
        "server_cpu_s": round(cpu1 - cpu0, 2),
        "server_rss_start_mb": round(rss0 / 2**20, 1),
        "server_rss_peak_mb": round(peak / 2**20, 1),
        "server_rss_end_mb": round(rss1 / 2**20, 1),
        "close_latency_ms": {
            "p50": round(percentile(latencies, 0.5), 1),
            "p99": round(percentile(latencies, 0.99), 1),
            "max": round(max(latencies, default=float("nan")), 1),
        },
        "sources_never_closed": len(never_closed),
        "stalled_endless_clients": stalled,
        "rss_per_stalled_stream_kb": round(max(0, during - before) / stalled / 1024, 1),
        "rss_with_stalled_mb": round(during / 2**20, 1),
        "secret_leaked": any(SECRET.encode() in r["body"] for r in results),
        "completing_clients_done": sum(b"event: done" in r["body"] for r in completing),
        "completing_clients": len(completing),
    }
    print(json.dumps(summary, indent=1))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
    else:
        main()

"""Many concurrent SSE clients on loopback: what ``deltajson.sse`` costs a server.

    python benches/sse_load.py                       # 200 clients; JSON in benches/results/
    python benches/sse_load.py --clients 50 --delay-ms 10 --recording support_ticket

A uvicorn server (a subprocess, so its CPU time is its own) streams a recorded structured
reply to every client in token-sized chunks (1-8 characters, one every ``--delay-ms``, as an
LLM emits them), in two ways:

- ``patch``: ``deltajson.sse.sse_response`` — O(delta) JSON Patch events, then ``done``;
- ``snapshot``: the usual alternative — the whole partial value as JSON after every chunk
  (deltajson's own ``snapshot()``, so only what is sent differs);
- ``raw``: the text chunks forwarded as they come, no parsing: the cost of the transport and
  of the simulated upstream alone, to subtract.

Every event carries, as its SSE ``id``, the time its chunk was due from the upstream source; a
client reads the time the event arrives, so latency = parse + serialise + send + receive +
any lag of a saturated server. Clients
are raw asyncio sockets in another process (cheap, so the server is what is measured), all
connected at once, start times spread over the first chunk interval. Reported per mode: server
CPU per stream (from /proc, user + system), bytes received per stream, events per stream,
p50/p99/max event latency, and whether every client's final value equals the recording.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

# ---- the server (runs in a subprocess) -----------------------------------------------------


def server_app(delay_ms: float) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response, StreamingResponse
    from starlette.routing import Route

    import deltajson
    from deltajson.serve import recording
    from deltajson.sse import HEADERS, event_stream
    from workloads import token_chunks

    async def paced(text: str, sent: list[float]) -> AsyncIterator[str]:
        """The upstream LLM: a chunk every ``delay_ms``. ``sent[0]`` is when the last one was
        due (wall clock), so a server falling behind shows as latency, not as a slower
        stream."""
        start = time.time()
        for k, chunk in enumerate(token_chunks(text), 1):
            due = start + k * delay_ms / 1000
            await asyncio.sleep(max(0.0, due - time.time()))
            sent[0] = due
            yield chunk

    async def stamped(events: AsyncIterator[bytes], sent: list[float]) -> AsyncIterator[bytes]:
        async for event in events:
            yield f"id: {sent[0]:.6f}\n".encode() + event

    async def patch(request: Request) -> Response:
        sent = [time.time()]
        events = event_stream(paced(recording(request.path_params["name"]), sent))
        return StreamingResponse(
            stamped(events, sent), media_type="text/event-stream", headers=HEADERS
        )

    async def snapshots(text: str, sent: list[float]) -> AsyncIterator[bytes]:
        parser = deltajson.Parser()
        async for chunk in paced(text, sent):
            parser.feed(chunk)
            data = json.dumps(parser.snapshot(), ensure_ascii=False, separators=(",", ":"))
            yield f"id: {sent[0]:.6f}\nevent: snapshot\ndata: {data}\n\n".encode()
        data = json.dumps({"value": parser.finish()}, ensure_ascii=False, separators=(",", ":"))
        yield f"id: {sent[0]:.6f}\nevent: done\ndata: {data}\n\n".encode()

    async def snapshot(request: Request) -> Response:
        body = snapshots(recording(request.path_params["name"]), [time.time()])
        return StreamingResponse(body, media_type="text/event-stream", headers=HEADERS)

    async def raw_events(text: str, sent: list[float]) -> AsyncIterator[bytes]:
        async for chunk in paced(text, sent):
            yield f"id: {sent[0]:.6f}\nevent: text\ndata: {json.dumps(chunk)}\n\n".encode()

    async def raw(request: Request) -> Response:
        body = raw_events(recording(request.path_params["name"]), [time.time()])
        return StreamingResponse(body, media_type="text/event-stream", headers=HEADERS)

    async def cpu(request: Request) -> Response:
        t = os.times()
        return Response(json.dumps(t.user + t.system), media_type="application/json")

    return Starlette(
        routes=[
            Route("/patch/{name}", patch),
            Route("/snapshot/{name}", snapshot),
            Route("/raw/{name}", raw),
            Route("/cpu", cpu),
        ]
    )


def serve(port: int, delay_ms: float) -> None:
    import uvicorn

    uvicorn.run(
        server_app(delay_ms), host="127.0.0.1", port=port, log_level="warning", backlog=4096
    )


# ---- the clients ---------------------------------------------------------------------------


async def http_get(port: int, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 24)
    # HTTP/1.0: the body is not chunked and ends when the server closes the connection.
    writer.write(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
    await writer.drain()
    while (await reader.readline()) not in (b"\r\n", b""):
        pass  # status line and headers
    return reader, writer


async def client(port: int, path: str, start_in: float) -> dict[str, Any]:
    await asyncio.sleep(start_in)
    reader, writer = await http_get(port, path)
    body = events = 0
    latencies: list[float] = []
    final: Any = None
    stamp, name = 0.0, ""
    while line := await reader.readline():
        arrived = time.time()
        body += len(line)
        if line.startswith(b"id: "):
            stamp = float(line[4:])
        elif line.startswith(b"event: "):
            name = line[7:].strip().decode()
        elif line.startswith(b"data: "):
            events += 1
            latencies.append(arrived - stamp)
            if name == "done":
                final = json.loads(line[6:])["value"]
    writer.close()
    return {"bytes": body, "events": events, "latencies": latencies, "final": final}


async def server_cpu(port: int) -> float:
    reader, writer = await http_get(port, "/cpu")
    seconds = float(await reader.read())
    writer.close()
    return seconds


async def load(port: int, mode: str, name: str, clients: int, spread: float) -> dict[str, Any]:
    rng = random.Random(1)
    cpu_before = await server_cpu(port)
    started = time.perf_counter()
    runs = await asyncio.gather(
        *(client(port, f"/{mode}/{name}", rng.random() * spread) for _ in range(clients))
    )
    wall = time.perf_counter() - started
    cpu = await server_cpu(port) - cpu_before
    latencies = sorted(x for r in runs for x in r["latencies"])

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1e3

    return {
        "clients": clients,
        "wall_s": wall,
        "server_cpu_s": cpu,
        "server_cpu_ms_per_stream": cpu * 1e3 / clients,
        "bytes_per_stream": statistics.fmean(r["bytes"] for r in runs),
        "events_per_stream": statistics.fmean(r["events"] for r in runs),
        "latency_p50_ms": pct(0.50),
        "latency_p99_ms": pct(0.99),
        "latency_max_ms": latencies[-1] * 1e3,
        "finals": [r["final"] for r in runs],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--delay-ms", type=float, default=20.0, help="between upstream chunks")
    ap.add_argument("--recording", default="trip_plan")
    ap.add_argument("--modes", nargs="+", default=["raw", "patch", "snapshot"])
    ap.add_argument("--out", default=str(HERE / "results" / "sse_load.json"))
    ap.add_argument("--server", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.server:
        serve(args.server, args.delay_ms)
        return

    from deltajson.serve import recording
    from workloads import token_chunks

    text = recording(args.recording)
    expected = json.loads(text)
    port = free_port()
    cmd = [sys.executable, __file__, "--server", str(port), "--delay-ms", str(args.delay_ms)]
    proc = subprocess.Popen(cmd)
    results: dict[str, Any] = {
        "clients": args.clients,
        "recording": args.recording,
        "bytes": len(text.encode()),
        "chunks": len(token_chunks(text)),
        "delay_ms": args.delay_ms,
        "modes": {},
    }
    try:
        wait_until_up(port, proc)
        print(
            f"{args.clients} concurrent SSE clients on loopback; {args.recording}: "
            f"{results['bytes']:,} bytes in {results['chunks']} chunks, one per "
            f"{args.delay_ms:g} ms"
        )
        print(
            f"  {'mode':10s} {'wall s':>7} {'CPU ms/stream':>14} {'bytes/stream':>13} "
            f"{'events':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}  all finals right"
        )
        for mode in args.modes:
            spread = args.delay_ms / 1000
            r = asyncio.run(load(port, mode, args.recording, args.clients, spread))
            finals = r.pop("finals")
            right = None if mode == "raw" else all(final == expected for final in finals)
            r["all_finals_right"] = right
            results["modes"][mode] = r
            print(
                f"  {mode:10s} {r['wall_s']:7.1f} {r['server_cpu_ms_per_stream']:14.1f} "
                f"{r['bytes_per_stream']:13,.0f} {r['events_per_stream']:7.0f} "
                f"{r['latency_p50_ms']:7.2f} {r['latency_p99_ms']:7.2f} "
                f"{r['latency_max_ms']:7.1f}  {right}",
                flush=True,
            )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"results written to {out}")


if __name__ == "__main__":
    main()

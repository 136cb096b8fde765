"""Server CPU per streamed document: ``deltajson.sse`` against the relays it replaces.

    python benches/serve.py                                  # the table, then the capacity run
    python benches/serve.py --rounds 5 --fast-sizes 1KB 10KB --paced-sizes --capacity 0

One uvicorn worker runs in its own process; clients are raw asyncio sockets on loopback in
this process; the server's CPU seconds (user + system: ``time.process_time`` in the server)
are read before and after each contender's turn. Contenders, interleaved round by round (the
order rotates each round), each serving the same documents (lists of records from
``workloads.list_document``, in token-sized chunks of 1-8 characters):

- ``sse``: ``sse_response(chunks)`` with default settings (chunks ready together make one
  event);
- ``sse-per-chunk``: ``sse_response(chunks, coalesce=False)``: one event per chunk;
- ``sse-typed`` / ``sse-typed-per-chunk``: the same with a Pydantic type (``list[Record]``);
- ``naive``: the usual relay: the buffer re-parsed by ``jiter`` (``partial_mode=
  "trailing-strings"``) after every chunk and the whole value sent as JSON;
- ``raw``: the text forwarded unparsed, one SSE ``data:`` event per chunk: the transport's own
  cost, the floor.

Sources run "fast" (every chunk ready at once, as a fast upstream or a replay) and "paced"
(a chunk every ``--pace-ms``, 20 by default, as an LLM emits tokens; several clients at
once so a turn lasts one document's time). A paced turn lasts seconds, long enough for the
machine's load to change under it, so paced contenders each get a server of their own and
run at the same time (whatever else the machine does falls on all alike), each server's idle
CPU over the turn taken off. Every client checks its document: the patches
replayed (``deltajson.patch.apply_patch``) and the ``done`` value equal the document, the
naive relay's last value and the raw relay's text too. Reported per contender: server CPU
per document (best round, in CPU milliseconds), its ratio to ``raw`` and to ``naive``, bytes
and events on the wire per document.

The capacity run: ``--capacity`` clients (1,000) connected at once to a 20 KB document, paced
as an LLM streams it, on the same single worker (default settings): CPU per stream, p50/p99
time to first event (wall time, from the client's connect), and whether every client rebuilt
the document exactly. Results are also written as JSON (``--out``).

To measure another version of deltajson's Python layer (the one before a change, say) on the
same extension, put its ``python`` folder first on ``PYTHONPATH`` with the extension copied
into it, and name only the contenders it has (``--contenders raw sse sse-typed naive``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from inspect import signature
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
SIZES = {"1KB": 1_000, "10KB": 10_000, "20KB": 20_000, "100KB": 100_000}
CONTENDERS = ("raw", "sse", "sse-per-chunk", "sse-typed", "sse-typed-per-chunk", "naive")


def documents() -> dict[str, tuple[str, list[str]]]:
    from workloads import BENCH_SEED, list_document, token_chunks

    found = {}
    for name, size in SIZES.items():
        text = list_document(size)
        found[name] = (text, token_chunks(text, BENCH_SEED))
    return found


# ---- the server (a subprocess: its CPU time is its own) ------------------------------------


def server_app() -> Any:
    from typing import Optional as Opt

    import jiter
    from pydantic import BaseModel
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response, StreamingResponse
    from starlette.routing import Route

    from deltajson.sse import HEADERS, sse_response

    class Record(BaseModel):
        id: int
        title: str
        tags: list[str]
        score: float
        done: bool
        owner: Opt[str] = None

    typed = list[Record]
    docs = documents()

    async def source(chunks: list[str], pace_ms: float) -> AsyncIterator[str]:
        if pace_ms <= 0:
            for chunk in chunks:
                yield chunk
            return
        start = time.monotonic()
        for k, chunk in enumerate(chunks, 1):
            await asyncio.sleep(max(0.0, start + k * pace_ms / 1000 - time.monotonic()))
            yield chunk

    async def naive_events(chunks: AsyncIterator[str]) -> AsyncIterator[bytes]:
        buffer = ""
        async for chunk in chunks:
            buffer += chunk
            value = jiter.from_json(buffer.encode(), partial_mode="trailing-strings")
            data = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            yield f"event: snapshot\ndata: {data}\n\n".encode()
        data = json.dumps({"value": jiter.from_json(buffer.encode())}, ensure_ascii=False)
        yield f"event: done\ndata: {data}\n\n".encode()

    async def raw_events(chunks: AsyncIterator[str]) -> AsyncIterator[bytes]:
        async for chunk in chunks:
            yield b"data: " + chunk.encode().replace(b"\n", b"\ndata: ") + b"\n\n"
        yield b"event: done\ndata: {}\n\n"

    async def stream(request: Request) -> Response:
        contender = request.path_params["contender"]
        _text, chunks = docs[request.path_params["size"]]
        pace = float(request.path_params["pace"])
        chunks_in = source(chunks, pace)
        if contender == "raw":
            body = raw_events(chunks_in)
        elif contender == "naive":
            body = naive_events(chunks_in)
        else:
            model = typed if "typed" in contender else None
            options = {}
            if "coalesce" in signature(sse_response).parameters:  # (not in older versions)
                options["coalesce"] = "per-chunk" not in contender
            response: Response = sse_response(chunks_in, model, **options)
            return response
        return StreamingResponse(body, media_type="text/event-stream", headers=HEADERS)

    async def cpu(request: Request) -> Response:
        # The process's CPU clock (user + system, nanosecond resolution; os.times() counts
        # in 10 ms ticks).
        return Response(json.dumps(time.process_time()), media_type="application/json")

    return Starlette(routes=[Route("/s/{contender}/{size}/{pace}", stream), Route("/cpu", cpu)])


def serve(port: int) -> None:
    import uvicorn

    uvicorn.run(server_app(), host="127.0.0.1", port=port, log_level="warning", backlog=4096)


# ---- the clients ---------------------------------------------------------------------------


async def http_get(port: int, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 26)
    # HTTP/1.0: the body is not chunked and ends when the server closes the connection.
    writer.write(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
    await writer.drain()
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    return reader, writer


def rebuilt(contender: str, body: bytes) -> tuple[Any, int]:
    """What a client makes of the body (the value, or the raw relay's text) and its events."""
    from deltajson.patch import apply_patch

    events = [block for block in body.decode().split("\n\n") if block.strip()]
    if contender == "raw":
        events = [block for block in events if not block.startswith(":")]
        text = ""
        for block in events[:-1]:
            text += "\n".join(line[6:] for line in block.split("\n"))
        return text, len(events)
    value: Any = None
    done: Any = None
    for block in events:
        if block.startswith(":"):
            continue  # a heartbeat comment
        name, data = block.split("\n", 1)
        payload = json.loads(data.removeprefix("data: "))
        if name == "event: patch":
            value = apply_patch(value, payload["ops"])
        elif name == "event: snapshot":
            value = payload
        elif name == "event: done":
            done = payload["value"]
    if contender != "naive" and value != done:
        return ("patches and done disagree", value, done), len(events)
    return done, len(events)


async def one_client(port: int, path: str) -> dict[str, Any]:
    started = time.perf_counter()
    reader, writer = await http_get(port, path)
    first = await reader.readline()
    first_event = time.perf_counter() - started
    body = first + await reader.read()
    writer.close()
    return {"body": body, "first_event_s": first_event, "wall_s": time.perf_counter() - started}


async def server_cpu(port: int) -> float:
    reader, writer = await http_get(port, "/cpu")
    seconds = float(await reader.read())
    writer.close()
    return seconds


async def turn(port: int, contender: str, size: str, pace: float, clients: int) -> dict[str, Any]:
    """``clients`` documents of one contender (at once), measured on the server."""
    path = f"/s/{contender}/{size}/{pace:g}"
    before = await server_cpu(port)
    started = time.perf_counter()
    runs = await asyncio.gather(*(one_client(port, path) for _ in range(clients)))
    cpu = await server_cpu(port) - before
    return {"cpu_s": cpu, "wall_s": time.perf_counter() - started, "runs": runs}


async def idle_cpu_rate(port: int, seconds: float = 2.0) -> float:
    """The server's CPU seconds per second with no stream (its own timers, the clock): taken
    off paced turns, which last seconds and would otherwise all look alike."""
    before = await server_cpu(port)
    await asyncio.sleep(seconds)
    return max(0.0, (await server_cpu(port) - before) / seconds)


def check(contender: str, text: str, runs: list[dict[str, Any]]) -> tuple[bool, float, float]:
    """Whether every client got the document; bytes and events per document."""
    expected: Any = text if contender == "raw" else json.loads(text)
    right, sizes, counts = True, [], []
    for run in runs:
        got, events = rebuilt(contender, run["body"])
        right = right and got == expected
        sizes.append(len(run["body"]))
        counts.append(events)
    return right, statistics.fmean(sizes), statistics.fmean(counts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> tuple[int, subprocess.Popen[bytes]]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--server", str(port)])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return port, proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


# ---- the comparison ------------------------------------------------------------------------


def clients_for(size: str, paced: bool) -> int:
    """Documents per turn: enough work to measure, a turn of a few seconds at most."""
    if paced:
        return {"1KB": 20, "10KB": 8}.get(size, 2)
    return {"1KB": 40, "10KB": 8, "20KB": 4}.get(size, 1)


def compare(
    port: int,
    workloads: list[tuple[str, float]],
    contenders: list[str],
    rounds: int,
    docs: dict[str, tuple[str, list[str]]],
    naive_limit: int,
) -> list[dict[str, Any]]:
    """Each workload's table. Fast workloads: the contenders' turns one after the other on
    the one server, the order rotating each round. Paced workloads last a document's time
    per turn, long enough for the machine's load to change under them: each contender gets a
    server of its own and all run at the same time, so that whatever else the machine does
    falls on all alike (each server's idle CPU over the turn is taken off)."""
    results = []
    for size, pace in workloads:
        text, chunks = docs[size]
        paced = pace > 0
        clients = clients_for(size, paced)
        # The naive relay is quadratic: past `naive_limit` bytes it would take minutes.
        here = [c for c in contenders if c != "naive" or len(text) <= naive_limit]
        best: dict[str, float] = {}
        wire: dict[str, tuple[bool, float, float]] = {}
        if paced:
            servers = {contender: start_server() for contender in here}
            try:
                ports = {contender: server[0] for contender, server in servers.items()}
                rates = asyncio.run(_all(idle_cpu_rate(ports[c]) for c in here))
                idle = dict(zip(here, rates, strict=True))
                for _ in range(rounds):
                    turns = asyncio.run(_all(turn(ports[c], c, size, pace, clients) for c in here))
                    for contender, t in zip(here, turns, strict=True):
                        spent = t["cpu_s"] - idle[contender] * t["wall_s"]
                        per_doc = max(0.0, spent) / clients
                        best[contender] = min(best.get(contender, per_doc), per_doc)
                        wire.setdefault(contender, check(contender, text, t["runs"]))
            finally:
                for _port, proc in servers.values():
                    proc.terminate()
                    proc.wait(timeout=30)
        else:
            for r in range(rounds):
                order = here[r % len(here) :] + here[: r % len(here)]
                for contender in order:
                    t = asyncio.run(turn(port, contender, size, pace, clients))
                    per_doc = t["cpu_s"] / clients
                    best[contender] = min(best.get(contender, per_doc), per_doc)
                    wire.setdefault(contender, check(contender, text, t["runs"]))
        results.append(report(size, pace, text, chunks, clients, rounds, here, best, wire))
    return results


async def _all(work: Any) -> list[Any]:
    return list(await asyncio.gather(*work))


def report(
    size: str,
    pace: float,
    text: str,
    chunks: list[str],
    clients: int,
    rounds: int,
    here: list[str],
    best: dict[str, float],
    wire: dict[str, tuple[bool, float, float]],
) -> dict[str, Any]:
    """Prints one workload's table; its row for the JSON results."""
    paced = pace > 0
    row: dict[str, Any] = {
        "size": size,
        "bytes": len(text.encode()),
        "chunks": len(chunks),
        "pace_ms": pace,
        "clients_per_turn": clients,
        "contenders": {},
    }
    raw, naive = best.get("raw"), best.get("naive")
    label = f"{size}, {'paced ' + format(pace, 'g') + ' ms' if paced else 'fast'}"
    print(f"\n{label}: {len(text.encode()):,} bytes, {len(chunks):,} chunks; best of {rounds}")
    print(
        f"  {'contender':22s} {'CPU ms/doc':>11} {'us/chunk':>9} {'x raw':>7} {'naive/x':>8}"
        f" {'bytes/doc':>11} {'events':>7}  right"
    )
    for contender in here:
        cpu = best[contender]
        right, nbytes, events = wire[contender]
        entry = {
            "cpu_ms_per_doc": cpu * 1e3,
            "cpu_us_per_chunk": cpu * 1e6 / len(chunks),
            "x_raw": cpu / raw if raw else None,
            "naive_over": naive / cpu if naive else None,
            "bytes_per_doc": nbytes,
            "events_per_doc": events,
            "all_rebuilt_exactly": right,
        }
        row["contenders"][contender] = entry
        x_raw = f"{entry['x_raw']:.2f}" if raw else "-"
        naive_over = f"{entry['naive_over']:.1f}" if naive else "-"
        print(
            f"  {contender:22s} {cpu * 1e3:11.2f} {entry['cpu_us_per_chunk']:9.2f}"
            f" {x_raw:>7} {naive_over:>8} {nbytes:11,.0f} {events:7.0f}  {right}",
            flush=True,
        )
    return row


# ---- capacity ------------------------------------------------------------------------------


def capacity(port: int, clients: int, pace: float, docs: dict[str, Any]) -> dict[str, Any]:
    text, chunks = docs["20KB"]
    t = asyncio.run(turn(port, "sse", "20KB", pace, clients))
    right, nbytes, events = check("sse", text, t["runs"])
    firsts = sorted(run["first_event_s"] for run in t["runs"])
    walls = sorted(run["wall_s"] for run in t["runs"])

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, int(p * len(values)))]

    result = {
        "clients": clients,
        "bytes": len(text.encode()),
        "chunks": len(chunks),
        "pace_ms": pace,
        "cpu_s": t["cpu_s"],
        "cpu_ms_per_stream": t["cpu_s"] * 1e3 / clients,
        "first_event_p50_ms": pct(firsts, 0.5) * 1e3,
        "first_event_p99_ms": pct(firsts, 0.99) * 1e3,
        "stream_wall_p50_s": pct(walls, 0.5),
        "stream_wall_max_s": walls[-1],
        "bytes_per_stream": nbytes,
        "events_per_stream": events,
        "all_rebuilt_exactly": right,
    }
    print(
        f"\ncapacity: {clients} concurrent clients of a 20 KB document ({len(chunks):,} chunks"
        f"{', one per ' + format(pace, 'g') + ' ms' if pace else ', fast'}) on one worker:"
        f" server CPU {result['cpu_ms_per_stream']:.1f} ms per stream (CPU time);"
        f" time to first event p50 {result['first_event_p50_ms']:.1f} ms,"
        f" p99 {result['first_event_p99_ms']:.1f} ms (wall time); slowest stream"
        f" {result['stream_wall_max_s']:.1f} s; all rebuilt exactly: {right}",
        flush=True,
    )
    return result


# ---- in process ----------------------------------------------------------------------------


def in_process(docs: dict[str, Any], size: str, rounds: int) -> dict[str, Any]:
    """CPU µs per chunk of ``event_stream`` consumed in-process (no server, no socket), beside the
    floor: a bare async generator relaying the same source. The source hands control to the
    loop before each chunk (``await asyncio.sleep(0)``), as a network stream does."""
    from deltajson.sse import event_stream

    _text, chunks = docs[size]

    async def source() -> AsyncIterator[str]:
        for chunk in chunks:
            await asyncio.sleep(0)
            yield chunk

    async def floor() -> None:
        async def relay() -> AsyncIterator[bytes]:
            async for chunk in source():
                yield chunk.encode()

        async for _ in relay():
            pass

    def stream(**options: Any) -> Any:
        async def run() -> None:
            async for _ in event_stream(source(), heartbeat=None, **options):
                pass

        return run

    contenders = {
        "bare async-generator relay (floor)": floor,
        "event_stream, default": stream(),
    }
    if "coalesce" in signature(event_stream).parameters:  # (not in older versions)
        contenders["event_stream, one event per chunk"] = stream(coalesce=False)
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, run in contenders.items():
            started = time.process_time()  # CPU time: the machine's other work is not ours
            asyncio.run(run())
            per_chunk = (time.process_time() - started) / len(chunks)
            best[name] = min(best.get(name, per_chunk), per_chunk)
    floor_us = best["bare async-generator relay (floor)"] * 1e6
    print(f"\nin process, {size} ({len(chunks):,} chunks), CPU time per chunk, best of {rounds}:")
    for name, seconds in best.items():
        print(f"  {name:38s} {seconds * 1e6:7.2f} us  {seconds * 1e6 / floor_us:5.2f}x floor")
    return {name: seconds * 1e6 for name, seconds in best.items()}


def main(argv: Optional[list[str]] = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--fast-sizes", nargs="*", default=["1KB", "10KB", "100KB"])
    ap.add_argument("--paced-sizes", nargs="*", default=["1KB", "10KB"])
    ap.add_argument("--pace-ms", type=float, default=20.0)
    ap.add_argument("--contenders", nargs="+", default=list(CONTENDERS))
    ap.add_argument(
        "--naive-limit",
        type=int,
        default=20_000,
        help="skip the naive relay on larger documents (it re-parses the whole buffer)",
    )
    ap.add_argument("--capacity", type=int, default=1000, help="clients (0: skip)")
    ap.add_argument("--capacity-pace-ms", type=float, default=20.0)
    ap.add_argument("--in-process-size", default="10KB", help="'' to skip")
    ap.add_argument("--out", default=str(HERE / "results" / "serve.json"))
    ap.add_argument("--server", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.server:
        serve(args.server)
        return
    docs = documents()
    results: dict[str, Any] = {"python": sys.version.split()[0], "rounds": args.rounds}
    if args.in_process_size:
        results["in_process_us_per_chunk"] = in_process(docs, args.in_process_size, args.rounds)
    workloads = [(s, 0.0) for s in args.fast_sizes] + [(s, args.pace_ms) for s in args.paced_sizes]
    port, proc = start_server()
    try:
        print(
            "server CPU per document (CPU time, best round); clients on loopback; one uvicorn"
            " worker"
        )
        results["workloads"] = compare(
            port, workloads, args.contenders, args.rounds, docs, args.naive_limit
        )
        if args.capacity:
            results["capacity"] = capacity(port, args.capacity, args.capacity_pace_ms, docs)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"results written to {out}")


if __name__ == "__main__":
    main()

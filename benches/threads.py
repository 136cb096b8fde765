"""Thread scaling: N threads, each with its own parsers, against one thread doing the same work.

    python benches/threads.py                          # this interpreter: 1 and 2 threads
    python benches/threads.py --threads 1 2 4 --rounds 7
    python benches/threads.py --python 3.11=target/venvs/py3.11/bin/python \\
        --python 3.13t=target/venvs/py3.13t/bin/python   # each in turn, then the comparison

Workloads, each a fixed amount of work split evenly over the threads (every thread has its own
copy of the input, so no two threads touch the same objects):

- token stream: the 100 KB list or long string in token-sized chunks (1-8 bytes), a
  ``snapshot()`` after every chunk, as a server streaming LLM output does;
- one-shot: whole 1 MB documents, ``feed`` + ``finish`` (and ``json.loads`` for comparison).

Throughput is work per second of wall time; the gain of N threads is their throughput over one
thread's (2.00x would be perfect on two cores). Rounds interleave the thread counts, and the
best of each is kept, so a busy machine slows all alike. On a free-threaded interpreter (3.13t)
threads run Python and deltajson side by side; with a GIL only deltajson's scanning of big
chunks (256 KiB and more, with the GIL released) overlaps.

With ``--python``, the script runs itself under each interpreter (whose environment has
deltajson installed, e.g. a venv of ``make test-matrix``), then prints the gains side by side
and each interpreter's single-thread time against the first one's: the single-thread cost of
a free-threaded build is its one-thread time over a GIL build's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import deltajson
from workloads import document, token_chunks

# name -> (what one unit of work is, how many units a run does in total)
STREAMS = [("list", "100KB"), ("string", "100KB")]
WHOLES = [("list", "1MB"), ("string", "1MB")]


def gil_enabled() -> bool:
    return bool(getattr(sys, "_is_gil_enabled", lambda: True)())


def stream_work(text: str) -> Callable[[], Callable[[], Any]]:
    """Per thread: its own chunks of `text` (new objects), and the stream over them."""

    def make() -> Callable[[], Any]:
        chunks = [chunk.encode() for chunk in token_chunks(text)]

        def run() -> Any:
            p = deltajson.Parser()
            for chunk in chunks:
                p.feed(chunk)
                p.snapshot()
            return p.finish()

        return run

    return make


def whole_work(text: str, parse: Callable[[bytes], Any]) -> Callable[[], Callable[[], Any]]:
    """Per thread: its own copy of `text`'s bytes, and one parse of it."""

    def make() -> Callable[[], Any]:
        data = bytes(bytearray(text.encode()))
        return lambda: parse(data)

    return make


def feed_finish(data: bytes) -> Any:
    p = deltajson.Parser()
    p.feed(data)
    return p.finish()


def wall(make: Callable[[], Callable[[], Any]], units: int, threads: int) -> float:
    """Seconds for `threads` threads to do `units` units of work between them."""
    runs = [make() for _ in range(threads)]
    barrier = threading.Barrier(threads + 1)

    def work(run: Callable[[], Any], count: int) -> None:
        barrier.wait()
        for _ in range(count):
            run()

    shares = [units // threads + (1 if i < units % threads else 0) for i in range(threads)]
    workers = [threading.Thread(target=work, args=(runs[i], shares[i])) for i in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    for w in workers:
        w.join()
    return time.perf_counter() - start


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Best wall time per workload and thread count, rounds interleaved."""
    workloads: list[tuple[str, Callable[[], Callable[[], Any]], int]] = []
    for shape, size in STREAMS:
        name = f"token stream {shape} {size}"
        workloads.append((name, stream_work(document(shape, size)), args.stream_units))
    for shape, size in WHOLES:
        text = document(shape, size)
        workloads.append((f"one-shot {shape} {size}", whole_work(text, feed_finish), args.units))
        workloads.append(
            (f"one-shot {shape} {size} json.loads", whole_work(text, json.loads), args.units)
        )
    best: dict[str, dict[int, float]] = {name: {} for name, _, _ in workloads}
    for _, make, _ in workloads:  # warm up: caches, allocator, lazy imports
        wall(make, 2, 1)
    for _ in range(args.rounds):
        for name, make, units in workloads:
            for n in args.threads:
                seconds = wall(make, units, n)
                best[name][n] = min(best[name].get(n, seconds), seconds)
    return {
        "python": sys.version.split()[0] + ("t" if not gil_enabled() else ""),
        "gil": gil_enabled(),
        "units": {name: units for name, _, units in workloads},
        "best": {name: {str(n): s for n, s in by.items()} for name, by in best.items()},
    }


def print_one(result: dict[str, Any], threads: list[int]) -> None:
    print(f"CPython {result['python']}, GIL {'on' if result['gil'] else 'off'}")
    head = "".join(f"{f'{n} thr s':>10}" for n in threads)
    gains = "".join(f"{f'{n}/1':>8}" for n in threads[1:])
    print(f"  {'workload':36s}{head}{gains}")
    for name, by in result["best"].items():
        one = by[str(threads[0])]
        row = "".join(f"{by[str(n)]:10.3f}" for n in threads)
        row += "".join(f"{one / by[str(n)]:7.2f}x" for n in threads[1:])
        print(f"  {name:36s}{row}", flush=True)


def compare(results: dict[str, dict[str, Any]], threads: list[int]) -> None:
    """Gains side by side, and single-thread time against the first interpreter's."""
    names = list(results)
    first = results[names[0]]
    n = str(threads[-1])
    print(f"\n{threads[-1]} threads against 1 (throughput), and 1-thread time / {names[0]}'s")
    print(f"  {'workload':36s}" + "".join(f"{label:>22}" for label in names))
    for workload in first["best"]:
        cells = []
        for label in names:
            by = results[label]["best"][workload]
            gain = by["1"] / by[n]
            cost = by["1"] / first["best"][workload]["1"]
            cells.append(f"{gain:8.2f}x   {cost:6.2f}x")
        print(f"  {workload:36s}" + "".join(f"{c:>22}" for c in cells))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=5, help="best of this many, interleaved")
    ap.add_argument("--units", type=int, default=40, help="1 MB documents per one-shot run")
    ap.add_argument("--stream-units", type=int, default=24, help="streams per token-stream run")
    ap.add_argument("--python", action="append", default=[], metavar="LABEL=PYTHON")
    ap.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = ap.parse_args()
    if args.threads[0] != 1:
        ap.error("--threads starts with 1 (the reference)")
    if not args.python:
        result = measure(args)
        if args.json:
            print(json.dumps(result))
        else:
            print_one(result, args.threads)
        return
    results = {}
    for pair in args.python:
        label, _, python = pair.partition("=")
        cmd = [python, __file__, "--json", "--rounds", str(args.rounds), "--units"]
        cmd += [str(args.units), "--stream-units", str(args.stream_units), "--threads"]
        cmd += [str(n) for n in args.threads]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        results[label] = json.loads(out)
        print_one(results[label], args.threads)
    compare(results, args.threads)


if __name__ == "__main__":
    main()

"""What releasing the GIL around the scanning of big chunks buys: two threads parsing.

    python benches/threads.py

Chunks of 256 KiB and more are scanned with the GIL released (then their values are built
with it held). Here 2 x ``--docs`` whole documents are parsed by one thread, then by two
threads taking half each; the ratio of wall times is the gain (2.0 would be perfect). Python
objects are still built under the GIL, so the gain is bounded by the scanning's share of the
work: large for long strings, smaller for many small values. json.loads, which holds the GIL
throughout, runs the same way for comparison.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import deltajson
from deltajson.bench import document


def deltajson_parse(data: bytes) -> Any:
    p = deltajson.Parser()
    p.feed(data)
    return p.finish()


def wall(parse: Callable[[bytes], Any], data: bytes, docs: int, threads: int) -> float:
    def work() -> None:
        for _ in range(docs // threads):
            parse(data)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=40, help="documents per run (split over threads)")
    ap.add_argument("--rounds", type=int, default=3, help="best of this many runs")
    args = ap.parse_args()
    print(f"{'document':18s} {'parser':10s} {'1 thread s':>11} {'2 threads s':>12} {'gain':>6}")
    for shape, size in (("string", "1MB"), ("list", "1MB")):
        data = document(shape, size).encode()
        for name, parse in (("deltajson", deltajson_parse), ("json.loads", json.loads)):
            one = min(wall(parse, data, args.docs, 1) for _ in range(args.rounds))
            two = min(wall(parse, data, args.docs, 2) for _ in range(args.rounds))
            print(
                f"{shape + ' ' + size:18s} {name:10s} {one:11.3f} {two:12.3f} {one / two:5.2f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()

"""Many streams at once in one process: 1,000 parsers fed token-sized chunks in turn.

    python benches/load.py                       # 1,000 streams of the 10 KB list, Rust engine
    python benches/load.py --streams 200 --backend python

Every stream is one structured reply (the benchmark's list of records); the chunks of all
streams are interleaved round-robin, as a server handling many LLM responses sees them, with a
``snapshot()`` after every chunk (or ``changes()`` with ``--changes``). Reported: total
throughput (chunks and MB per second), memory per open stream (RSS growth with every stream
half-way, divided by the number of streams), and per-chunk latency percentiles.
"""

from __future__ import annotations

import argparse
import gc
import os
import time

import deltajson
from workloads import BENCH_SEED, document, token_chunks

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--streams", type=int, default=1000)
    ap.add_argument("--size", default="10KB")
    ap.add_argument("--backend", default="rust", choices=deltajson.BACKENDS)
    ap.add_argument("--changes", action="store_true", help="changes() instead of snapshot()")
    args = ap.parse_args()
    text = document("list", args.size)
    # Each stream gets its own chunking, so streams are not in lockstep.
    streams = [
        [c.encode() for c in token_chunks(text, BENCH_SEED + i)] for i in range(args.streams)
    ]
    longest = max(len(s) for s in streams)
    parsers = [deltajson.Parser(backend=args.backend) for _ in streams]  # type: ignore[arg-type]
    read = [p.changes if args.changes else p.snapshot for p in parsers]
    gc.collect()
    before = rss_mb()
    halfway = 0.0
    latencies: list[int] = []
    clock = time.perf_counter_ns
    start = clock()
    for k in range(longest):
        for i, chunks in enumerate(streams):
            if k < len(chunks):
                t0 = clock()
                parsers[i].feed(chunks[k])
                read[i]()
                latencies.append(clock() - t0)
        if k == longest // 2:
            halfway = rss_mb()
    elapsed = (clock() - start) / 1e9
    finals = [p.finish() for p in parsers]
    assert all(f == finals[0] for f in finals)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] / 1000

    total_bytes = len(text.encode()) * args.streams
    print(
        f"{args.streams:,} concurrent streams ({args.backend} engine, {args.size} list each, "
        f"{'changes()' if args.changes else 'snapshot()'} after every chunk), interleaved"
    )
    print(f"  chunks: {len(latencies):,} in {elapsed:.2f} s = {len(latencies) / elapsed:,.0f}/s")
    print(f"  throughput: {total_bytes / 1e6 / elapsed:.1f} MB/s")
    print(
        f"  per-chunk latency: p50 {pct(0.5):.2f} us, p99 {pct(0.99):.2f} us, "
        f"max {latencies[-1] / 1000:.0f} us"
    )
    per_stream_kb = (halfway - before) * 1e3 / args.streams
    print(
        f"  memory: {halfway - before:.1f} MB with every stream half-way = {per_stream_kb:.1f} KB "
        "per stream (its partial value included)"
    )
    idle = deltajson.Parser(backend=args.backend)  # type: ignore[arg-type]
    print(f"  an idle parser: {idle.__sizeof__():,} bytes")


if __name__ == "__main__":
    main()

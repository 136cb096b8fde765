"""deltajson against its peers on the pattern LLM apps use: token-sized chunks, a value after
every chunk; plus one feed of the whole document.

    python benches/compare.py                 # everything, prints a table, writes JSON
    python benches/compare.py --sizes 1KB 10KB --quick

Columns (when installed): deltajson Rust (`snapshot()` and `snapshot(copy=False)`), deltajson
pure Python, jiter re-parsing the buffer per chunk (`partial_mode="trailing-strings"`),
partial-json-parser re-parsing per chunk, and the incremental `streaming-json-parser` with its
native add-on (live view) and without it (pure Python). The streaming-json-parser variants run
in subprocesses from their own target folders under `benches/.peers/` (`make bench-peers`),
because the native package replaces the pure backend when both share a site-packages.

Re-parsing peers cost O(buffer) per chunk, so a 1 MB stream would take minutes; above
`--sample-above` chunks they are timed at evenly spaced points of the stream and their totals
are estimates (marked `~`). Incremental parsers always run every chunk.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workloads import SHAPES, SIZES, document, token_chunks  # noqa: E402

PEERS_DIR = HERE / ".peers"
SUBPROCESS_PEERS = {
    "streaming-json-parser native (live view)": ("sjp-native", "sjp"),
    "streaming-json-parser pure Python": ("sjp-python", "sjp"),
}


# ---- runners ------------------------------------------------------------------------------
# A stream runner takes the chunks and returns a function that processes chunk i.
# A re-parse runner takes a prefix of the document and parses it.


def deltajson_stream(backend: str, copy: bool) -> Callable[[list[bytes]], Callable[[int], Any]]:
    import deltajson

    def setup(chunks: list[bytes]) -> Callable[[int], Any]:
        parser = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
        feed, snapshot = parser.feed, parser.snapshot

        def step(i: int) -> Any:
            feed(chunks[i])
            return snapshot(copy=copy)

        return step

    return setup


def sjp_stream(chunks: list[bytes]) -> Callable[[int], Any]:
    from streaming_json_parser import StreamingJsonParser

    parser = StreamingJsonParser()
    feed = parser.feed

    def step(i: int) -> Any:
        return feed(chunks[i]).value

    return step


def jiter_reparse(prefix: bytes) -> Any:
    import jiter

    return jiter.from_json(prefix, partial_mode="trailing-strings")


def partial_json_parser_reparse(prefix: bytes) -> Any:
    import partial_json_parser

    return partial_json_parser.loads(prefix.decode())


STREAM_RUNNERS: dict[str, Callable[[list[bytes]], Callable[[int], Any]]] = {
    "deltajson Rust snapshot()": deltajson_stream("rust", True),
    "deltajson Rust snapshot(copy=False)": deltajson_stream("rust", False),
    "deltajson pure Python snapshot()": deltajson_stream("python", True),
}
REPARSE_RUNNERS: dict[str, Callable[[bytes], Any]] = {
    "jiter re-parse per chunk": jiter_reparse,
    "partial-json-parser re-parse per chunk": partial_json_parser_reparse,
}


def available(name: str) -> bool:
    module = {
        "jiter re-parse per chunk": "jiter",
        "partial-json-parser re-parse per chunk": "partial_json_parser",
    }.get(name)
    if module is None:
        return True
    try:
        __import__(module)
        return True
    except ImportError:
        return False


# ---- measuring ----------------------------------------------------------------------------


def measure_stream(
    setup: Callable[[list[bytes]], Callable[[int], Any]],
    chunks: list[bytes],
    repeats: int,
    budget_s: float,
) -> dict[str, Any]:
    """Total time (best of `repeats` untimed-per-chunk runs) and per-chunk percentiles (one run
    with a clock read around every chunk). A run that exceeds the budget stops; its total is
    then a lower bound (the time it took to get that far), marked `>`."""
    n = len(chunks)
    clock = time.perf_counter_ns
    per_chunk: list[int] = []
    step = setup(chunks)
    start = clock()
    for i in range(n):
        t0 = clock()
        step(i)
        per_chunk.append(clock() - t0)
        if i % 512 == 511 and (clock() - start) / 1e9 > budget_s:
            result = summary(clock() - start, per_chunk, estimated=False)
            result["stopped_after"] = i + 1
            return result
    totals = []
    for _ in range(repeats):
        step = setup(chunks)
        start = clock()
        for i in range(n):
            step(i)
        totals.append(clock() - start)
    return summary(min(totals), per_chunk, estimated=False)


def measure_reparse(
    parse: Callable[[bytes], Any], chunks: list[bytes], sample_above: int, budget_s: float
) -> dict[str, Any]:
    ends, total = [], 0
    for c in chunks:
        total += len(c)
        ends.append(total)
    data = b"".join(chunks)
    n = len(chunks)
    clock = time.perf_counter_ns
    if n <= sample_above:
        per_chunk, buf = [0] * n, b""
        start = clock()
        for i in range(n):
            t0 = clock()
            buf += chunks[i]  # what callers do: accumulate, then parse the whole buffer
            parse(buf)
            per_chunk[i] = clock() - t0
            if (clock() - start) / 1e9 > budget_s:
                return summary(
                    int(statistics.fmean(per_chunk[: i + 1]) * n),
                    per_chunk[: i + 1],
                    estimated=True,
                )
        return summary(sum(per_chunk), per_chunk, estimated=False)
    # As many evenly spaced points as fit in the budget (a prefix costs about half the whole
    # document on average), at least 30.
    t0 = clock()
    parse(data)
    whole_s = max((clock() - t0) / 1e9, 1e-7)
    count = max(30, min(sample_above, int(budget_s / (whole_s / 2))))
    points = [round(k * (n - 1) / (count - 1)) for k in range(count)]
    samples = []
    for i in points:
        prefix = data[: ends[i]]
        t0 = clock()
        parse(prefix)
        samples.append(clock() - t0)
    return summary(int(statistics.fmean(samples) * n), samples, estimated=True)


def summary(total_ns: int, per_chunk: list[int], *, estimated: bool) -> dict[str, Any]:
    ordered = sorted(per_chunk)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] / 1000

    return {
        "total_ms": total_ns / 1e6,
        "p50_us": pct(0.50),
        "p99_us": pct(0.99),
        "estimated": estimated,
    }


def measure_whole(parse: Callable[[bytes], Any], data: bytes, repeats: int) -> dict[str, Any]:
    """Best time of one parse, over runs filling at least 0.3 s (and `repeats` runs)."""
    clock = time.perf_counter_ns
    best, spent, runs = None, 0, 0
    while runs < repeats or spent < 300_000_000:
        t0 = clock()
        parse(data)
        elapsed = clock() - t0
        spent += elapsed
        runs += 1
        best = elapsed if best is None else min(best, elapsed)
    assert best is not None
    return {"total_ms": best / 1e6, "estimated": False}


def whole_parsers() -> dict[str, Callable[[bytes], Any]]:
    import deltajson

    def dj(backend: str) -> Callable[[bytes], Any]:
        def parse(data: bytes) -> Any:
            p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
            p.feed(data)
            return p.finish()

        return parse

    parsers: dict[str, Callable[[bytes], Any]] = {
        "deltajson Rust feed(all)": dj("rust"),
        "deltajson pure Python feed(all)": dj("python"),
        "json.loads": json.loads,
    }
    try:
        import jiter

        parsers["jiter.from_json"] = jiter.from_json
    except ImportError:
        pass
    return parsers


# ---- subprocess workers (peers living in their own folders) -------------------------------


def run_worker(
    folder: str, shape: str, size: str, repeats: int, budget: float
) -> Optional[dict[str, Any]]:
    path = PEERS_DIR / folder
    if not path.is_dir():
        return None
    env = dict(os.environ, PYTHONPATH=str(path))
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        shape,
        size,
        str(repeats),
        str(budget),
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"  ({folder} failed: {done.stderr.strip().splitlines()[-1:]})", file=sys.stderr)
        return None
    return dict(json.loads(done.stdout))


def worker_main(shape: str, size: str, repeats: int, budget: float) -> None:
    chunks = [c.encode() for c in token_chunks(document(shape, size))]
    result = measure_stream(sjp_stream, chunks, repeats, budget)
    data = b"".join(chunks)

    def whole(d: bytes) -> Any:
        from streaming_json_parser import StreamingJsonParser

        return StreamingJsonParser().feed(d).value

    result["whole"] = measure_whole(whole, data, repeats)
    print(json.dumps(result))


# ---- report -------------------------------------------------------------------------------


def fmt_row(name: str, r: dict[str, Any], nbytes: int, nchunks: int) -> str:
    mark = ">" if "stopped_after" in r else "~" if r["estimated"] else " "
    mbps = nbytes / 1e6 / (r["total_ms"] / 1e3) if r["total_ms"] else float("inf")
    p50 = f"{r['p50_us']:10.2f}" if "p50_us" in r else " " * 10
    p99 = f"{r['p99_us']:10.2f}" if "p99_us" in r else " " * 10
    per = f"{r['total_ms'] * 1e3 / nchunks:9.2f}" if nchunks else " " * 9
    note = f"  (stopped after {r['stopped_after']:,} chunks)" if "stopped_after" in r else ""
    return f"  {name:44s} {mark}{r['total_ms']:11.1f} {mbps:9.2f} {per} {p50} {p99}{note}"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    ap.add_argument("--shapes", nargs="*", default=list(SHAPES), choices=list(SHAPES))
    ap.add_argument(
        "--sample-above",
        type=int,
        default=3000,
        help="re-parse peers: time at this many sample points above this many chunks",
    )
    ap.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="seconds a run may take before it stops (re-parse runs are then "
        "estimated, stream runs reported as lower bounds)",
    )
    ap.add_argument("--quick", action="store_true", help="one repeat, fewer samples")
    ap.add_argument("--out", default=str(HERE / "results" / "compare.json"))
    ap.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker_main(args.worker[0], args.worker[1], int(args.worker[2]), float(args.worker[3]))
        return
    if args.quick:
        args.sample_above = min(args.sample_above, 500)

    import deltajson

    results: dict[str, Any] = {
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "deltajson": deltajson.__version__,
            "backends": list(deltajson.BACKENDS),
        },
        "workloads": [],
    }
    header = (
        f"  {'parser':44s} {'total ms':>12} {'MB/s':>9} {'us/chunk':>9} "
        f"{'p50 us':>10} {'p99 us':>10}"
    )
    for shape in args.shapes:
        for size in args.sizes:
            text = document(shape, size)
            chunks = [c.encode() for c in token_chunks(text)]
            data = text.encode()
            repeats = 1 if args.quick or len(data) >= 1_000_000 else 3
            print(
                f"\n{shape} document, {size} ({len(data):,} bytes, {len(chunks):,} chunks of "
                f"1-8 characters), value after every chunk"
            )
            print(header)
            rows: dict[str, Any] = {}
            gc.collect()
            for name, setup in STREAM_RUNNERS.items():
                rows[name] = measure_stream(setup, chunks, repeats, args.budget)
                print(fmt_row(name, rows[name], len(data), len(chunks)), flush=True)
            for name, (folder, _) in SUBPROCESS_PEERS.items():
                r = run_worker(folder, shape, size, repeats, args.budget)
                if r is not None:
                    rows[name] = r
                    print(fmt_row(name, r, len(data), len(chunks)), flush=True)
            for name, parse in REPARSE_RUNNERS.items():
                if available(name):
                    rows[name] = measure_reparse(parse, chunks, args.sample_above, args.budget)
                    print(fmt_row(name, rows[name], len(data), len(chunks)), flush=True)
            print("  one feed of the whole document:")
            whole: dict[str, Any] = {}
            for name, parse in whole_parsers().items():
                whole[name] = measure_whole(parse, data, max(3, repeats))
                print(fmt_row(name, whole[name], len(data), 0), flush=True)
            for name, r in rows.items():
                if "whole" in r:
                    whole[name.replace("(live view)", "feed(all)")] = r.pop("whole")
                    print(
                        fmt_row(
                            name.replace("(live view)", "feed(all)"),
                            whole[name.replace("(live view)", "feed(all)")],
                            len(data),
                            0,
                        )
                    )
            results["workloads"].append(
                {
                    "shape": shape,
                    "size": size,
                    "bytes": len(data),
                    "chunks": len(chunks),
                    "stream": rows,
                    "whole": whole,
                }
            )
    results["memory"] = measure_memory()
    print_targets(results)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"\nresults written to {out}")


def measure_memory() -> dict[str, Any]:
    """Bytes an idle parser holds, and what it holds after streaming the 1 MB list (its value
    excluded: that is the output, not the parser's state)."""
    import sys
    import tracemalloc

    import deltajson

    report: dict[str, Any] = {}
    if "rust" in deltajson.BACKENDS:
        p = deltajson.Parser(backend="rust")
        report["rust_idle_bytes"] = sys.getsizeof(p)
        for c in token_chunks(document("list", "1MB")):
            p.feed(c)
        report["rust_after_1MB_bytes"] = sys.getsizeof(p)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    q = deltajson.Parser(backend="python")
    stats = tracemalloc.take_snapshot().compare_to(before, "filename")
    tracemalloc.stop()
    report["python_idle_bytes"] = sum(s.size_diff for s in stats if s.size_diff > 0)
    del q
    print("\nMemory: " + ", ".join(f"{k.replace('_', ' ')} = {v:,}" for k, v in report.items()))
    return report


def print_targets(results: dict[str, Any]) -> None:
    """The ratios the project's targets are stated in."""
    by = {(w["shape"], w["size"]): w for w in results["workloads"]}
    print("\nTargets (ratios from this run):")

    def ratio(
        w: dict[str, Any], slow: str, fast: str, part: str = "stream", key: str = "total_ms"
    ) -> Optional[float]:
        a, b = w[part].get(slow), w[part].get(fast)
        return a[key] / b[key] if a and b and b[key] else None

    for shape in SHAPES:
        w = by.get((shape, "100KB"))
        if w:
            r = ratio(w, "jiter re-parse per chunk", "deltajson Rust snapshot()")
            if r:
                print(
                    f"  {shape} 100KB: snapshot() vs jiter re-parse: {r:,.0f}x faster "
                    "(target >= 100x)"
                )
            r = ratio(
                w, "streaming-json-parser native (live view)", "deltajson Rust snapshot(copy=False)"
            )
            if r:
                print(
                    f"  {shape} 100KB: snapshot(copy=False) vs streaming-json-parser native: "
                    f"{r:.2f}x (aim 1.5x)"
                )
        small, big = by.get((shape, "10KB")), by.get((shape, "1MB"))
        if small and big:
            for name in ("deltajson Rust snapshot()", "deltajson Rust snapshot(copy=False)"):
                if name in small["stream"] and name in big["stream"]:
                    f = big["stream"][name]["p50_us"] / small["stream"][name]["p50_us"]
                    print(
                        f"  {shape}: {name} median per-chunk 1MB / 10KB = {f:.2f} (target <= 1.5)"
                    )
    for (shape, size), w in sorted(by.items()):
        r = ratio(w, "jiter.from_json", "deltajson Rust feed(all)", part="whole")
        if r:
            print(
                f"  {shape} {size}: one feed, throughput vs jiter.from_json = {r:.2f}x "
                f"(target >= 0.8x)"
            )


if __name__ == "__main__":
    main()

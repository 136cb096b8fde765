"""The comparison benchmark behind ``benches/compare.py`` and ``deltajson bench`` (which runs it
from a source checkout: it is not part of the installed package).

The pattern LLM apps use: a document streamed in token-sized chunks (1-8 characters) with a
value read after every chunk; plus one feed of the whole document. deltajson (both engines)
runs against whichever peers are installed: jiter and partial-json-parser re-parsing the
accumulated buffer after every chunk, and the incremental ``streaming-json-parser``.

Re-parsing peers cost O(buffer) per chunk, so a 1 MB stream would take them minutes to hours;
above ``sample_above`` chunks they are timed at evenly spaced points of the stream and their
totals estimated (marked ``~``). Incremental parsers always run every chunk. Timings are
best-of-``repeats`` totals plus per-chunk percentiles from one run with a clock read around
every chunk; nothing here asserts a speed.
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any, Optional

from workloads import (
    BENCH_SEED,
    SHAPES,
    SIZES,
    document,
    list_document,
    string_document,
    text_document,
    token_chunks,
)

__all__ = [
    "BENCH_SEED",
    "SHAPES",
    "SIZES",
    "document",
    "list_document",
    "main",
    "measure_reparse",
    "measure_stream",
    "measure_whole",
    "plot",
    "run",
    "string_document",
    "text_document",
    "token_chunks",
]


# ---- runners -------------------------------------------------------------------------------
# A stream runner takes the chunks and returns a function that processes chunk i.
# A re-parse runner takes a prefix of the document and parses it.

StreamRunner = Callable[[list[bytes]], Callable[[int], Any]]
#: streaming-json-parser when importable here (whichever of its backends is installed).
SJP_IN_PROCESS = "streaming-json-parser (live view)"


def deltajson_stream(backend: str, copy: bool, **options: Any) -> StreamRunner:
    """Feed each chunk, then ``snapshot(copy=copy)``; ``options`` go to the parser."""
    import deltajson

    def setup(chunks: list[bytes]) -> Callable[[int], Any]:
        parser = deltajson.Parser(backend=backend, **options)  # type: ignore[arg-type]
        feed, snapshot = parser.feed, parser.snapshot

        def step(i: int) -> Any:
            feed(chunks[i])
            return snapshot(copy=copy)

        return step

    return setup


def sjp_stream(chunks: list[bytes]) -> Callable[[int], Any]:
    """streaming-json-parser: feed each chunk and read its (live) value."""
    from streaming_json_parser import StreamingJsonParser

    parser = StreamingJsonParser()
    feed = parser.feed

    def step(i: int) -> Any:
        return feed(chunks[i]).value

    return step


#: The stream that does nothing (see `floor_stream`).
FLOOR = "floor: a stream that does nothing"


def floor_stream(chunks: list[bytes]) -> Callable[[int], Any]:
    """A stream that does nothing: a C-level append and length per chunk. What the harness
    itself costs per chunk; a parser's cost above it is its own."""
    parts: list[bytes] = []
    feed, value = parts.append, parts.__len__

    def step(i: int) -> Any:
        feed(chunks[i])
        return value()

    return step


def jiter_reparse(prefix: bytes) -> Any:
    import jiter

    return jiter.from_json(prefix, partial_mode="trailing-strings")


def partial_json_parser_reparse(prefix: bytes) -> Any:
    import partial_json_parser

    return partial_json_parser.loads(prefix.decode())


def _installed(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def stream_runners() -> dict[str, StreamRunner]:
    """The incremental parsers present: deltajson's engines, and streaming-json-parser."""
    import deltajson

    runners: dict[str, StreamRunner] = {}
    if "rust" in deltajson.BACKENDS:
        runners["deltajson Rust snapshot()"] = deltajson_stream("rust", True)
        runners["deltajson Rust snapshot(copy=False)"] = deltajson_stream("rust", False)
    runners["deltajson pure Python snapshot()"] = deltajson_stream("python", True)
    if _installed("streaming_json_parser"):
        runners[SJP_IN_PROCESS] = sjp_stream
    return runners


def reparse_runners() -> dict[str, Callable[[bytes], Any]]:
    """The re-parsing peers present."""
    runners: dict[str, Callable[[bytes], Any]] = {}
    if _installed("jiter"):
        runners["jiter re-parse per chunk"] = jiter_reparse
    if _installed("partial_json_parser"):
        runners["partial-json-parser re-parse per chunk"] = partial_json_parser_reparse
    return runners


def whole_parsers() -> dict[str, Callable[[bytes], Any]]:
    """One-call parsers of a whole document."""
    import deltajson

    def dj(backend: str) -> Callable[[bytes], Any]:
        def parse(data: bytes) -> Any:
            p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
            p.feed(data)
            return p.finish()

        return parse

    parsers: dict[str, Callable[[bytes], Any]] = {}
    if "rust" in deltajson.BACKENDS:
        parsers["deltajson Rust feed(all)"] = dj("rust")
    parsers["deltajson pure Python feed(all)"] = dj("python")
    parsers["json.loads"] = json.loads
    if _installed("jiter"):
        import jiter

        parsers["jiter.from_json"] = jiter.from_json
    return parsers


# ---- measuring -----------------------------------------------------------------------------


def summary(total_ns: float, per_chunk: list[int], *, estimated: bool) -> dict[str, Any]:
    """Total milliseconds and per-chunk p50/p99 microseconds."""
    ordered = sorted(per_chunk)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] / 1000

    return {
        "total_ms": total_ns / 1e6,
        "p50_us": pct(0.50),
        "p99_us": pct(0.99),
        "estimated": estimated,
    }


def measure_stream(
    setup: StreamRunner, chunks: list[bytes], repeats: int, budget_s: float
) -> dict[str, Any]:
    """Total time (best of ``repeats`` runs without per-chunk clocks) and per-chunk
    percentiles (one run with a clock read around every chunk). A run that exceeds the budget
    stops; its total is then a lower bound (the time it took to get that far)."""
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


def measure_interleaved(
    runners: dict[str, StreamRunner], chunks: list[bytes], rounds: int
) -> dict[str, float]:
    """Best total milliseconds of each stream runner over ``rounds`` rounds that run every
    runner once, in turn: on a machine whose speed drifts, each one sees the same fast and
    slow phases, so the ratios between them are fair where separate runs' are not."""
    clock = time.perf_counter_ns
    best = dict.fromkeys(runners, float("inf"))
    n = len(chunks)
    for _ in range(rounds):
        for name, setup in runners.items():
            step = setup(chunks)
            start = clock()
            for i in range(n):
                step(i)
            best[name] = min(best[name], clock() - start)
    return {name: ns / 1e6 for name, ns in best.items()}


def measure_reparse(
    parse: Callable[[bytes], Any], chunks: list[bytes], sample_above: int, budget_s: float
) -> dict[str, Any]:
    """The accumulate-and-re-parse pattern; sampled (an estimate) on long streams."""
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
                mean = statistics.fmean(per_chunk[: i + 1])
                return summary(mean * n, per_chunk[: i + 1], estimated=True)
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
    return summary(statistics.fmean(samples) * n, samples, estimated=True)


def measure_whole(parse: Callable[[bytes], Any], data: bytes, repeats: int) -> dict[str, Any]:
    """Best time of one parse, over runs filling at least 0.3 s (and ``repeats`` runs)."""
    return measure_wholes({"": parse}, data, repeats)[""]


def measure_wholes(
    parsers: dict[str, Callable[[bytes], Any]], data: bytes, repeats: int, seconds: float = 1.0
) -> dict[str, dict[str, Any]]:
    """Best time of one parse for each parser, over rounds that run every parser once, in
    turn, until ``seconds`` have passed (and at least ``repeats`` rounds). Interleaving keeps
    the ratios honest on a machine whose speed drifts (shared or throttled CPUs): every
    parser sees the same fast and slow phases."""
    clock = time.perf_counter_ns
    best = dict.fromkeys(parsers, float("inf"))
    spent, rounds = 0, 0
    while rounds < repeats or spent < seconds * 1e9:
        for name, parse in parsers.items():
            t0 = clock()
            parse(data)
            elapsed = clock() - t0
            spent += elapsed
            best[name] = min(best[name], elapsed)
        rounds += 1
    return {name: {"total_ms": ns / 1e6, "estimated": False} for name, ns in best.items()}


# ---- running and reporting -----------------------------------------------------------------

HEADER = (
    f"  {'parser':44s} {'total ms':>12} {'MB/s':>9} {'us/chunk':>9} {'p50 us':>10} {'p99 us':>10}"
)


def fmt_row(name: str, r: dict[str, Any], nbytes: int, nchunks: int) -> str:
    """One table row: ``~`` marks estimates, ``>`` runs stopped by the budget."""
    mark = ">" if "stopped_after" in r else "~" if r["estimated"] else " "
    mbps = nbytes / 1e6 / (r["total_ms"] / 1e3) if r["total_ms"] else float("inf")
    p50 = f"{r['p50_us']:10.2f}" if "p50_us" in r else " " * 10
    p99 = f"{r['p99_us']:10.2f}" if "p99_us" in r else " " * 10
    per = f"{r['total_ms'] * 1e3 / nchunks:9.2f}" if nchunks else " " * 9
    note = f"  (stopped after {r['stopped_after']:,} chunks)" if "stopped_after" in r else ""
    return f"  {name:44s} {mark}{r['total_ms']:11.1f} {mbps:9.2f} {per} {p50} {p99}{note}"


def run(
    sizes: Iterable[str] = tuple(SIZES),
    shapes: Iterable[str] = SHAPES,
    *,
    sample_above: int = 3000,
    budget: float = 60.0,
    quick: bool = False,
    extra_streams: Optional[Callable[[str, str, int], dict[str, dict[str, Any]]]] = None,
    out: Any = sys.stdout,
) -> list[dict[str, Any]]:
    """Runs every workload, printing a table per workload; returns the measurements.

    ``extra_streams(shape, size, repeats)`` may add measured rows (``benches/compare.py``
    runs peers that need their own site-packages in subprocesses); a row holding a
    ``"whole"`` measurement adds it to the whole-document table.
    """
    if quick:
        sample_above = min(sample_above, 500)
    workloads = []
    for shape in shapes:
        for size in sizes:
            text = document(shape, size)
            chunks = [c.encode() for c in token_chunks(text, BENCH_SEED)]
            data = text.encode()
            repeats = 1 if quick or len(data) >= 1_000_000 else 3
            print(
                f"\n{shape} document, {size} ({len(data):,} bytes, {len(chunks):,} chunks of "
                "1-8 characters), value after every chunk",
                file=out,
            )
            print(HEADER, file=out)
            rows: dict[str, Any] = {}
            gc.collect()
            for name, setup in stream_runners().items():
                rows[name] = measure_stream(setup, chunks, repeats, budget)
                print(fmt_row(name, rows[name], len(data), len(chunks)), file=out, flush=True)
            for name, r in (extra_streams(shape, size, repeats) if extra_streams else {}).items():
                rows[name] = r
                print(fmt_row(name, r, len(data), len(chunks)), file=out, flush=True)
            for name, parse in reparse_runners().items():
                rows[name] = measure_reparse(parse, chunks, sample_above, budget)
                print(fmt_row(name, rows[name], len(data), len(chunks)), file=out, flush=True)
            print("  one feed of the whole document:", file=out)
            whole: dict[str, Any] = measure_wholes(whole_parsers(), data, max(3, repeats))
            for name, r in whole.items():
                print(fmt_row(name, r, len(data), 0), file=out, flush=True)
            for name, r in rows.items():
                if "whole" in r:
                    label = name.replace("(live view)", "feed(all)")
                    whole[label] = r.pop("whole")
                    print(fmt_row(label, whole[label], len(data), 0), file=out, flush=True)
            workloads.append(
                {
                    "shape": shape,
                    "size": size,
                    "bytes": len(data),
                    "chunks": len(chunks),
                    "stream": rows,
                    "whole": whole,
                }
            )
    return workloads


def plot(workloads: list[dict[str, Any]], path: str) -> None:
    """Writes a chart of median per-chunk cost against document size, one line per parser
    and one panel per document shape (log-log). Needs matplotlib."""
    try:
        import matplotlib
    except ImportError as e:
        raise ImportError("--plot needs matplotlib: pip install matplotlib") from e
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shapes = sorted({w["shape"] for w in workloads})
    fig, axes = plt.subplots(1, len(shapes), figsize=(6.5 * len(shapes), 4.8), squeeze=False)
    for ax, shape in zip(axes[0], shapes, strict=True):
        series: dict[str, list[tuple[int, float]]] = {}
        for w in workloads:
            if w["shape"] != shape:
                continue
            for name, r in w["stream"].items():
                if "p50_us" in r:
                    series.setdefault(name, []).append((w["bytes"], r["p50_us"]))
        for name, points in sorted(series.items()):
            points.sort()
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("document size (bytes)")
        ax.set_ylabel("median time per chunk (µs), value read after every chunk")
        ax.set_title(f"{shape} document, token-sized chunks")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def measure_memory(out: Any = sys.stdout) -> dict[str, Any]:
    """Bytes an idle parser holds, and what it holds after streaming the 1 MB list (its value
    excluded: that is the output, not the parser's state)."""
    import tracemalloc

    import deltajson

    report: dict[str, Any] = {}
    if "rust" in deltajson.BACKENDS:
        p = deltajson.Parser(backend="rust")
        report["rust_idle_bytes"] = sys.getsizeof(p)
        for c in token_chunks(document("list", "1MB"), BENCH_SEED):
            p.feed(c)
        report["rust_after_1MB_bytes"] = sys.getsizeof(p)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    q = deltajson.Parser(backend="python")
    stats = tracemalloc.take_snapshot().compare_to(before, "filename")
    tracemalloc.stop()
    report["python_idle_bytes"] = sum(s.size_diff for s in stats if s.size_diff > 0)
    del q
    line = ", ".join(f"{k.replace('_', ' ')} = {v:,}" for k, v in report.items())
    print(f"\nMemory: {line}", file=out)
    return report


def print_targets(workloads: list[dict[str, Any]], out: Any = sys.stdout) -> None:
    """The ratios the project's performance targets are stated in, from this run."""
    by = {(w["shape"], w["size"]): w for w in workloads}
    print("\nTargets (ratios from this run):", file=out)

    def ratio(w: dict[str, Any], slow: str, fast: str, part: str = "stream") -> Optional[float]:
        a, b = w[part].get(slow), w[part].get(fast)
        return float(a["total_ms"] / b["total_ms"]) if a and b and b["total_ms"] else None

    for shape in SHAPES:
        w = by.get((shape, "100KB"))
        if w:
            r = ratio(w, "jiter re-parse per chunk", "deltajson Rust snapshot()")
            if r:
                print(
                    f"  {shape} 100KB: snapshot() vs jiter re-parse: {r:,.0f}x faster "
                    "(target >= 100x)",
                    file=out,
                )
            # The live-view targets are stated on the list (on the long string the peer's
            # view skips most updates: see the README's footnote).
            peers = ("streaming-json-parser native (live view)", SJP_IN_PROCESS)
            for peer in peers if shape == "list" else ():
                row = w["stream"].get(peer) or {}
                together = row.get("interleaved")
                for name, target in (
                    ("deltajson Rust snapshot(copy=False)", 2.0),
                    ("deltajson Rust snapshot()", 1.5),
                ):
                    if together and name in together:
                        # Measured in turn with the peer, in one process (see
                        # measure_interleaved): the figure the target is judged by.
                        r = together[peer] / together[name]
                        how = f"interleaved, best of {together['rounds']:.0f}"
                        if FLOOR in together:
                            per = 1e6 / w["chunks"]
                            floor = together[FLOOR] * per
                            how += (
                                f"; ns per chunk above the floor of {floor:.0f}: "
                                f"{together[name] * per - floor:.0f}, "
                                f"the peer {together[peer] * per - floor:.0f}"
                            )
                    else:
                        r = ratio(w, peer, name)
                        how = "separate runs"
                    if r:
                        print(
                            f"  {shape} 100KB: {name[len('deltajson Rust ') :]} vs {peer}: "
                            f"{r:.2f}x ({how}; target >= {target}x)",
                            file=out,
                        )
        small, big = by.get((shape, "10KB")), by.get((shape, "1MB"))
        if small and big:
            for name in ("deltajson Rust snapshot()", "deltajson Rust snapshot(copy=False)"):
                if name in small["stream"] and name in big["stream"]:
                    f = big["stream"][name]["p50_us"] / small["stream"][name]["p50_us"]
                    print(
                        f"  {shape}: {name} median per-chunk 1MB / 10KB = {f:.2f} (target <= 1.5)",
                        file=out,
                    )
    for (shape, size), w in sorted(by.items()):
        r = ratio(w, "jiter.from_json", "deltajson Rust feed(all)", part="whole")
        if r:
            print(
                f"  {shape} {size}: one feed, throughput vs jiter.from_json = {r:.2f}x "
                "(target >= 0.8x)",
                file=out,
            )


def machine() -> dict[str, Any]:
    """Where the figures come from."""
    import platform

    import deltajson

    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "deltajson": deltajson.__version__,
        "backends": list(deltajson.BACKENDS),
    }


def add_arguments(ap: Any) -> None:
    """The benchmark's options, on an ``argparse`` parser (the CLI's and the script's)."""
    ap.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    ap.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    ap.add_argument(
        "--sample-above",
        type=int,
        default=3000,
        help="re-parse peers: time at most this many evenly spaced chunks on longer streams",
    )
    ap.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="seconds a run may take before it stops (re-parse runs are then estimated, "
        "stream runs reported as lower bounds)",
    )
    ap.add_argument("--quick", action="store_true", help="one repeat, fewer samples")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--plot", metavar="PNG", help="also draw per-chunk cost against document size")


def main(
    args: Any,
    out: Any = sys.stdout,
    extra_streams: Optional[Callable[[str, str, int], dict[str, dict[str, Any]]]] = None,
) -> dict[str, Any]:
    """Runs the benchmark with parsed ``add_arguments`` options: tables, memory, target
    ratios, then the JSON file and the chart if asked for. Returns the results."""
    results: dict[str, Any] = {"machine": machine()}
    results["workloads"] = run(
        args.sizes,
        args.shapes,
        sample_above=args.sample_above,
        budget=args.budget,
        quick=args.quick,
        extra_streams=extra_streams,
        out=out,
    )
    results["memory"] = measure_memory(out)
    print_targets(results["workloads"], out)
    if args.json:
        from pathlib import Path

        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=1))
        print(f"\nresults written to {path}", file=out)
    if args.plot:
        plot(results["workloads"], args.plot)
        print(f"chart written to {args.plot}", file=out)
    return results

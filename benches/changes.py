"""What it costs to send a stream's progress: patches from changes() against alternatives.

    python benches/changes.py                # table; JSON in benches/results/changes.json
    python benches/changes.py --sizes 10KB 100KB

Per stream of token-sized chunks (1-8 characters), the bytes sent if, after every chunk, one
sends (a) the whole partial value as JSON, (b) a JSON Patch diffing it against the previous
one (the LangChain ``JsonOutputParser(diff=True)`` pattern, computed here with
``jsonpatch.make_patch`` on deltajson's own snapshots, so only the diffing is measured),
(c) deltajson's ``changes()`` as JSON Patch with the ``append`` extension, (d) the same,
RFC-strict (string growth as ``replace``). Then the time per chunk of ``feed() + changes()``
as documents grow, which must stay flat. (a) and (b) cost O(document) per chunk; on long
streams they are measured on evenly spaced chunks and scaled (``~``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import deltajson  # noqa: E402
from deltajson import JsonPatcher  # noqa: E402
from workloads import BENCH_SEED, SHAPES, SIZES, document, token_chunks  # noqa: E402


def dumps(value: Any) -> int:
    """Bytes of compact JSON."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def full_and_diff_bytes(chunks: list[str], samples: int) -> dict[str, Any]:
    """Bytes of the whole value (a) and of a diff against the previous one (b) after every
    chunk, in one pass keeping only the previous snapshot. Past `samples` chunks, every k-th
    chunk is measured and the totals scaled (estimates)."""
    try:
        import jsonpatch
    except ImportError:
        jsonpatch = None
    n = len(chunks)
    step = max(1, n // samples)
    p = deltajson.Parser()
    previous: Any = {}
    whole = diff = measured = 0
    for i, chunk in enumerate(chunks):
        p.feed(chunk)
        snap = p.snapshot()
        current = snap if snap is not None else {}
        if i % step == 0:
            measured += 1
            whole += dumps(snap)
            if jsonpatch is not None:
                patch = jsonpatch.make_patch(previous, current).patch
                diff += dumps(patch) if patch else 0
        previous = current
    scale = n / measured
    row: dict[str, Any] = {"whole_value_bytes": whole * scale, "estimated": step > 1}
    if jsonpatch is not None:
        row["diff_bytes"] = diff * scale
    return row


def patch_bytes(chunks: list[str], strict: bool) -> int:
    """Bytes of the JSON Patch of changes() after every chunk, for a whole stream."""
    p = deltajson.Parser()
    p.changes()
    patcher = JsonPatcher(strict=strict)
    total = 0
    for chunk in chunks:
        p.feed(chunk)
        patch = patcher.patch(p.changes())
        if patch:
            total += dumps(patch)
    p.finish()
    patch = patcher.patch(p.changes())
    return total + (dumps(patch) if patch else 0)


def per_chunk_changes(chunks: list[str]) -> dict[str, float]:
    """Time of feed() + changes() per chunk."""
    p = deltajson.Parser()
    p.changes()
    clock = time.perf_counter_ns
    times = []
    for chunk in chunks:
        t0 = clock()
        p.feed(chunk)
        p.changes()
        times.append(clock() - t0)
    times.sort()
    return {
        "p50_us": times[len(times) // 2] / 1e3,
        "p99_us": times[int(len(times) * 0.99)] / 1e3,
        "mean_us": statistics.fmean(times) / 1e3,
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", nargs="*", default=["10KB", "100KB", "1MB"], choices=list(SIZES))
    ap.add_argument(
        "--samples",
        type=int,
        default=3000,
        help="measure (a) and (b) on at most this many evenly spaced chunks",
    )
    ap.add_argument("--out", default=str(HERE / "results" / "changes.json"))
    args = ap.parse_args()
    results: list[dict[str, Any]] = []
    print(
        f"{'document':16s} {'whole value':>16s} {'diff (LangChain)':>17s} {'changes()':>11s} "
        f"{'strict':>14s}   changes() per chunk p50 / p99 us"
    )
    for shape in SHAPES:
        for size in args.sizes:
            text = document(shape, size)
            chunks = token_chunks(text, BENCH_SEED)
            row: dict[str, Any] = {
                "shape": shape,
                "size": size,
                "bytes": len(text.encode()),
                "chunks": len(chunks),
            }
            row.update(full_and_diff_bytes(chunks, args.samples))
            row["changes_bytes"] = patch_bytes(chunks, strict=False)
            row["strict_bytes"] = patch_bytes(chunks, strict=True)
            row["changes_per_chunk"] = per_chunk_changes(chunks)
            results.append(row)
            mark = "~" if row["estimated"] else " "
            diff = f"{mark}{row['diff_bytes']:>16,.0f}" if "diff_bytes" in row else f"{'-':>17s}"
            pc = row["changes_per_chunk"]
            print(
                f"{shape + ' ' + size:16s} {mark}{row['whole_value_bytes']:>15,.0f} {diff} "
                f"{row['changes_bytes']:>11,} {row['strict_bytes']:>14,}   "
                f"{pc['p50_us']:.2f} / {pc['p99_us']:.2f}",
                flush=True,
            )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"\nresults written to {out}")


if __name__ == "__main__":
    main()

"""Per-chunk cost of typed partial models: deltajson.stream_model against the Instructor-style
pipeline, which re-parses the whole buffer with ``pydantic_core.from_json(...,
allow_partial=True)`` and validates a partial model after every chunk.

    python benches/models.py                 # table; JSON in benches/results/models.json
    python benches/models.py --sizes 10KB 100KB

Documents are lists of records (a model with ``items: list[Record]``), token-sized chunks of
1-8 characters. The re-parsing pipeline costs O(buffer) per chunk; past ``--sample-above``
chunks it is timed at evenly spaced points and its total estimated (``~``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import deltajson  # noqa: E402
from deltajson import Partial  # noqa: E402
from workloads import BENCH_SEED, SIZES, list_document, token_chunks  # noqa: E402


class Record(BaseModel):
    id: int
    title: str
    tags: list[str]
    score: float
    done: bool
    owner: Optional[str]


class Records(BaseModel):
    items: list[Record]


def document(size: str) -> str:
    return '{"items": ' + list_document(SIZES[size]) + "}"


def deltajson_per_chunk(chunks: list[str], copy: bool = True) -> list[int]:
    clock = time.perf_counter_ns
    times = []
    stream = iter(deltajson.stream_model(iter(chunks), Records, copy=copy))
    for _ in range(len(chunks) + 1):
        t0 = clock()
        try:
            next(stream)
        except StopIteration:
            break
        times.append(clock() - t0)
    return times


def instructor_style_at(prefix: str, partial: type[BaseModel]) -> Any:
    from pydantic_core import from_json

    return partial.model_validate(from_json(prefix, allow_partial=True))


def instructor_per_chunk(chunks: list[str], sample_above: int) -> tuple[list[int], bool]:
    partial = Partial[Records]
    clock = time.perf_counter_ns
    ends, total = [], 0
    for c in chunks:
        total += len(c)
        ends.append(total)
    text = "".join(chunks)
    n = len(chunks)
    points = (
        range(n)
        if n <= sample_above
        else [round(k * (n - 1) / (sample_above - 1)) for k in range(sample_above)]
    )
    times = []
    for i in points:
        prefix = text[: ends[i]]
        t0 = clock()
        try:
            instructor_style_at(prefix, partial)
        except ValueError:
            pass  # a prefix the partial parser cannot read yet (mid-key, mid-number)
        times.append(clock() - t0)
    return times, n > sample_above


def summarize(times: list[int], n: int, estimated: bool) -> dict[str, Any]:
    ordered = sorted(times)
    return {
        "total_ms": statistics.fmean(times) * n / 1e6,
        "p50_us": ordered[len(ordered) // 2] / 1e3,
        "p99_us": ordered[int(len(ordered) * 0.99)] / 1e3,
        "estimated": estimated,
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", nargs="*", default=["10KB", "100KB", "1MB"], choices=list(SIZES))
    ap.add_argument("--sample-above", type=int, default=1500)
    ap.add_argument("--out", default=str(HERE / "results" / "models.json"))
    args = ap.parse_args()
    rows = []
    print(
        f"{'document':8s} {'chunks':>8s}  {'deltajson p50/p99 us':>20s} {'total ms':>9s}  "
        f"{'copy=False p50/p99 us':>21s} {'total ms':>9s}  "
        f"{'instructor-style p50/p99 us':>27s} {'total ms':>12s} {'ratio':>6s}"
    )
    for size in args.sizes:
        text = document(size)
        chunks = token_chunks(text, BENCH_SEED)
        ours = summarize(deltajson_per_chunk(chunks), len(chunks), False)
        live = summarize(deltajson_per_chunk(chunks, copy=False), len(chunks), False)
        theirs_times, est = instructor_per_chunk(chunks, args.sample_above)
        theirs = summarize(theirs_times, len(chunks), est)
        ratio = theirs["total_ms"] / ours["total_ms"]
        rows.append(
            {
                "size": size,
                "bytes": len(text.encode()),
                "chunks": len(chunks),
                "deltajson": ours,
                "deltajson_live": live,
                "instructor_style": theirs,
                "ratio": ratio,
            }
        )
        mark = "~" if est else " "
        print(
            f"{size:8s} {len(chunks):>8,}  {ours['p50_us']:>9.2f} / {ours['p99_us']:<8.2f} "
            f"{ours['total_ms']:>9.1f}  {live['p50_us']:>9.2f} / {live['p99_us']:<9.2f} "
            f"{live['total_ms']:>9.1f}  {theirs['p50_us']:>13.1f} / {theirs['p99_us']:<11.1f} "
            f"{mark}{theirs['total_ms']:>11.1f} {ratio:>5.0f}x",
            flush=True,
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1))
    print(f"\nresults written to {out}")


if __name__ == "__main__":
    main()

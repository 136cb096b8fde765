"""Per-chunk cost of the typed contracts beside each other: a Pydantic model, the same
contract as a JSON Schema (``Records.model_json_schema()``, validated by python-jsonschema),
and each with streaming policies on the records' fields.

    python benches/contracts.py              # table; JSON in benches/results/contracts.json
    python benches/contracts.py --sizes 10KB 100KB

The document and chunks are ``benches/models.py``'s (``{"items": [...]}``, token-sized
chunks of 1-8 characters, a partial after each). Wall times (best of ``--repeat`` runs of
the whole stream): noisy on a shared machine, compare the rows of one run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Optional

from pydantic import BaseModel

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import deltajson  # noqa: E402
from models import Records, document, summarize  # noqa: E402
from workloads import BENCH_SEED, SIZES, token_chunks  # noqa: E402


class PolicyRecord(BaseModel):
    id: Annotated[int, deltajson.StreamNotNull()]
    title: Annotated[str, deltajson.StreamDone()]
    tags: list[str]
    score: float
    done: Annotated[bool, deltajson.StreamWithState()]
    owner: Optional[str]


class PolicyRecords(BaseModel):
    items: list[PolicyRecord]


def contracts() -> dict[str, Any]:
    return {
        "pydantic": Records,
        "json schema": deltajson.JSONSchema(Records.model_json_schema()),
        "pydantic + policies": PolicyRecords,
        "json schema + policies": deltajson.JSONSchema(PolicyRecords.model_json_schema()),
    }


def per_chunk(chunks: list[str], contract: Any) -> list[int]:
    clock = time.perf_counter_ns
    times = []
    stream = iter(deltajson.stream_model(iter(chunks), contract))
    while True:
        t0 = clock()
        try:
            next(stream)
        except StopIteration:
            break
        times.append(clock() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", nargs="*", default=["10KB", "100KB"], choices=list(SIZES))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(HERE / "results" / "contracts.json"))
    args = ap.parse_args()
    rows = []
    print(
        f"{'document':8s} {'contract':24s} {'chunks':>8s} {'p50 us':>8s} {'p99 us':>8s} "
        f"{'total ms':>9s}"
    )
    for size in args.sizes:
        text = document(size)
        chunks = token_chunks(text, BENCH_SEED)
        for name, contract in contracts().items():
            best: Optional[dict[str, Any]] = None
            for _ in range(args.repeat):
                times = per_chunk(chunks, contract)
                found = summarize(times, len(times), False)
                if best is None or found["total_ms"] < best["total_ms"]:
                    best = found
            assert best is not None
            rows.append({"size": size, "contract": name, "chunks": len(chunks), **best})
            print(
                f"{size:8s} {name:24s} {len(chunks):>8,} {best['p50_us']:>8.2f} "
                f"{best['p99_us']:>8.2f} {best['total_ms']:>9.1f}",
                flush=True,
            )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1))
    print(f"\nresults written to {out}")


if __name__ == "__main__":
    main()

"""One feed of a whole document: deltajson against jiter, orjson and json.loads, wall time.

    python benches/oneshot.py                       # lists 1 KB - 1 MB and the long string
    python benches/oneshot.py --rounds 5 --seconds 1

Each round times every parser in turn on the same document until ``--seconds`` have passed,
keeping each one's best time (``workloads.measure_wholes``): on a shared machine whose
speed drifts, interleaving gives every parser the same fast and slow phases. Several rounds
show how much the ratios move. Instruction counts, the stable figure: benches/instructions.py.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, Callable

from deltajson import Parser, bench, loads

WORKLOADS = [("list", "1KB"), ("list", "10KB"), ("list", "100KB"), ("list", "1MB")]
WORKLOADS += [("string", "100KB"), ("string", "1MB")]


def parsers() -> dict[str, Callable[[bytes], Any]]:
    """The one-call parsers present, deltajson's two entry points first."""

    def feed(doc: bytes) -> Any:
        p = Parser()
        p.feed(doc)
        return p.finish()

    found: dict[str, Callable[[bytes], Any]] = {
        "deltajson feed+finish": feed,
        "deltajson loads(partial=False)": lambda doc: loads(doc, partial=False),
    }
    try:
        import jiter

        found["jiter"] = jiter.from_json
    except ImportError:
        pass
    try:
        import orjson

        found["orjson"] = orjson.loads
    except ImportError:
        pass
    found["json.loads"] = json.loads
    return found


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=2.0, help="per round and document")
    args = ap.parse_args()
    contenders = parsers()
    reference = "jiter" if "jiter" in contenders else "json.loads"
    print(f"throughput in MB/s, best of each round; (x) = ratio to {reference}")
    for shape, size in WORKLOADS:
        doc = bench.document(shape, size).encode()
        for r in range(args.rounds):
            best = bench.measure_wholes(contenders, doc, 5, seconds=args.seconds)
            mbs = {k: len(doc) / (v["total_ms"] / 1e3) / 1e6 for k, v in best.items()}
            ref = mbs[reference]
            row = "  ".join(f"{k} {v:,.0f} ({v / ref:.2f}x)" for k, v in mbs.items())
            print(f"{shape} {size} round {r + 1}: {row}", flush=True)


if __name__ == "__main__":
    main()

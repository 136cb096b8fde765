"""Memory over long runs: the process's resident memory must stay flat.

    python benches/leakcheck.py                       # 10^6 lifecycles, 10^7 feeds (minutes)
    python benches/leakcheck.py --lifecycles 100000 --feeds 1000000 --check   # `make leakcheck`

Two loops, Rust engine (and the pure twin at a hundredth of the counts):

- lifecycles: create a parser, feed a small document in pieces, take snapshots and changes,
  finish (or fail on an invalid one), drop it;
- feeds: one endless JSON Lines stream (``multiple=True``) read with ``iter_items`` style
  dropping (``select`` + ``pop_selected``), fed in token-sized chunks;
- compat shims: the accumulate-and-reparse pattern through the ``deltajson.compat`` shims, a
  new document each time (their prefix caches keep evicting), at a tenth of the lifecycles.

RSS (from ``/proc/self/statm``) is printed at every tenth of each loop: the curve. With
``--check`` the run fails if RSS grew by more than ``--tolerance-mb`` between the end of the
first tenth (allocator pools warm) and the end.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from collections.abc import Callable

import deltajson
from deltajson.compat import jiter as jiter_shim
from deltajson.compat import langchain as langchain_shim
from deltajson.compat import pydantic_core as pydantic_core_shim

PAGE = os.sysconf("SC_PAGE_SIZE")
DOCS = [
    b'{"title": "caf\\u00e9 \xf0\x9f\x98\x80", "tags": ["a", "b"], "n": [1, 2.5, -3e4]}',
    b'{"a": [1, 2, {"b": "unfinished',  # ends early: IncompleteJSONError
    b'{"a": [1, 2 x]}',  # invalid: JSONError
]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 1e6


def lifecycle(backend: str, i: int) -> None:
    doc = DOCS[i % len(DOCS)]
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    p.changes()
    try:
        for k in range(0, len(doc), 7):
            p.feed(doc[k : k + 7])
            p.snapshot()
        p.changes()
        p.finish()
    except deltajson.JSONError:
        p.snapshot()


def make_feeder(backend: str) -> Callable[[int], None]:
    p = deltajson.Parser(multiple=True, backend=backend)  # type: ignore[arg-type]
    p.select(("*",), drop=True)
    line = json.dumps({"id": 1, "text": "token stream ü", "v": [1.5, True, None]}) + "\n"
    chunks = [line[k : k + 5].encode() for k in range(0, len(line), 5)]

    def feed(i: int) -> None:
        p.feed(chunks[i % len(chunks)])
        if i % len(chunks) == 0:
            p.pop_selected()

    return feed


def shim_stream(i: int) -> None:
    """One stream through the compat shims (accumulate-and-reparse), each a new document, so
    the prefix caches keep evicting; a third of them invalid, a third cut short."""
    doc = b"[%d, " % i + DOCS[i % len(DOCS)]
    for k in range(7, len(doc) + 7, 7):
        buffer = doc[:k]
        text = buffer.decode(errors="replace")
        for shim, data, options in (
            (jiter_shim.from_json, buffer, {"partial_mode": "trailing-strings"}),
            (pydantic_core_shim.from_json, text, {"allow_partial": True}),
            (langchain_shim.parse_partial_json, text, {}),
        ):
            try:
                shim(data, **options)
            except ValueError:
                pass


def run(name: str, step: Callable[[int], None], count: int) -> list[float]:
    """Runs ``step`` ``count`` times; returns RSS at each tenth (after the first)."""
    curve = []
    tenth = max(1, count // 10)
    start = time.perf_counter()
    for i in range(count):
        step(i)
        if (i + 1) % tenth == 0:
            gc.collect()
            curve.append(rss_mb())
    elapsed = time.perf_counter() - start
    points = " ".join(f"{mb:.1f}" for mb in curve)
    print(f"{name:34s} {count:>10,} in {elapsed:6.1f} s; RSS MB at each tenth: {points}")
    return curve


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--lifecycles", type=int, default=1_000_000)
    ap.add_argument("--feeds", type=int, default=10_000_000)
    ap.add_argument("--check", action="store_true", help="fail if RSS grows")
    ap.add_argument("--tolerance-mb", type=float, default=4.0)
    args = ap.parse_args()
    print(f"RSS at start: {rss_mb():.1f} MB")
    curves: dict[str, list[float]] = {}
    for backend, scale in (("rust", 1), ("python", 100)):
        if backend not in deltajson.BACKENDS:
            continue
        curves[f"{backend} lifecycles"] = run(
            f"{backend}: parser lifecycles",
            lambda i, b=backend: lifecycle(b, i),
            args.lifecycles // scale,
        )
        curves[f"{backend} feeds"] = run(
            f"{backend}: feeds of one endless stream", make_feeder(backend), args.feeds // scale
        )
    curves["compat shim streams"] = run("compat shims: streams", shim_stream, args.lifecycles // 10)
    growth = {name: curve[-1] - curve[0] for name, curve in curves.items() if len(curve) > 1}
    shown = ", ".join(f"{k} {v:+.2f}" for k, v in growth.items())
    print(f"growth after the first tenth (MB): {shown}")
    if args.check:
        bad = {k: v for k, v in growth.items() if v > args.tolerance_mb}
        if bad:
            print(f"FAILED: RSS grew by more than {args.tolerance_mb} MB: {bad}", file=sys.stderr)
            sys.exit(1)
        print(f"leakcheck passed: no loop grew RSS by more than {args.tolerance_mb} MB")


if __name__ == "__main__":
    main()

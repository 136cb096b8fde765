"""The accumulate-and-reparse pattern: each deltajson.compat shim against the library it
stands in for.

    python benches/compat.py                      # 100 KB and 300 KB; JSON in benches/results/
    python benches/compat.py --sizes 100000 --shims jiter langchain

A streaming library keeps ``buffer += chunk`` and calls its parser on the whole buffer after
every token-sized chunk (1-8 characters). The documents are tool-call arguments: an object
holding a list of records (``records``), and one whose ``content`` is a long string
(``text``). Each shim runs over the whole stream (its cost depends on having seen the previous
buffers); the original library's cost per call grows with the buffer, so past ``--samples``
calls it is timed on evenly spaced buffers and the total is the mean times the number of
calls (``~``). Both sides run the same pattern, timed per call, concatenation excluded, and
the best of ``--repeats`` runs of each (taken in turns) is kept. Each library and document is
measured in a fresh interpreter (``--same-process`` to run all in this one).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from deltajson import compat  # noqa: E402
from workloads import BENCH_SEED, list_document, string_document, token_chunks  # noqa: E402


def tool_arguments(shape: str, size: int) -> str:
    """A tool call's arguments of about ``size`` bytes."""
    if shape == "records":
        return '{"query": "open issues", "results": ' + list_document(size) + "}"
    body = json.loads(string_document(size))["body"]
    return json.dumps({"path": "notes/answer.md", "content": body}, ensure_ascii=False)


def peers() -> dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any], bool]]:
    """name -> (original, shim, takes bytes), for the libraries that are installed."""
    found: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any], bool]] = {}
    try:
        import jiter

        from deltajson.compat import jiter as jiter_shim

        found["jiter"] = (
            lambda b: jiter.from_json(b, partial_mode="trailing-strings"),
            lambda b: jiter_shim.from_json(b, partial_mode="trailing-strings"),
            True,
        )
    except ImportError:
        pass
    try:
        import pydantic_core

        from deltajson.compat import pydantic_core as pydantic_core_shim

        found["pydantic_core"] = (
            lambda s: pydantic_core.from_json(s, allow_partial="trailing-strings"),
            lambda s: pydantic_core_shim.from_json(s, allow_partial="trailing-strings"),
            False,
        )
        # The same on bytes: a str holding any non-Latin-1 character is 2 or 4 bytes per
        # character in CPython, which the prefix check reads whole.
        found["pydantic_core/bytes"] = (*found["pydantic_core"][:2], True)
    except ImportError:
        pass
    try:
        import partial_json_parser

        from deltajson.compat import partial_json_parser as pjp_shim

        found["partial_json_parser"] = (partial_json_parser.loads, pjp_shim.loads, False)
    except ImportError:
        pass
    try:
        from langchain_core.utils.json import parse_partial_json

        from deltajson.compat import langchain as langchain_shim

        found["langchain"] = (parse_partial_json, langchain_shim.parse_partial_json, False)
    except ImportError:
        pass
    return found


def stream_calls(f: Callable[[Any], Any], chunks: list[Any], every: int = 1) -> tuple[float, int]:
    """Runs the pattern: ``buffer += chunk`` for every chunk, ``f(buffer)`` after every
    ``every``-th one. Returns the seconds spent in ``f`` (the concatenation excluded: both
    sides pay it) and the number of calls timed."""
    total = 0.0
    calls = 0
    clock = time.perf_counter
    buffer = chunks[0][:0]
    for i, chunk in enumerate(chunks):
        buffer += chunk
        if i % every == 0:
            start = clock()
            f(buffer)
            total += clock() - start
            calls += 1
    return total, calls


def measure(
    shape: str, size: int, names: list[str], samples: int, repeats: int
) -> list[dict[str, Any]]:
    text = tool_arguments(shape, size)
    rows = []
    available = peers()
    for name in names:
        if name not in available:
            print(f"  ({name} not installed: skipped)", file=sys.stderr)
            continue
        original, shim, as_bytes = available[name]
        chunks: list[Any] = token_chunks(text, BENCH_SEED)
        if as_bytes:
            chunks = [c.encode() for c in chunks]
        # Best of `repeats` for each side, taken in turns, so a slow spell of the machine
        # cannot favour either.
        shim_total = original_total = float("inf")
        for _ in range(repeats):
            compat.clear()
            seconds, calls = stream_calls(shim, chunks)
            shim_total = min(shim_total, seconds)
            step = max(1, calls // samples)
            sampled, timed = stream_calls(original, chunks, step)
            original_total = min(original_total, sampled * calls / timed)
        rows.append(
            {
                "shape": shape,
                "bytes": len(text.encode()),
                "library": name,
                "calls": calls,
                "original_ms": original_total * 1e3,
                "original_estimated": step > 1,
                "shim_ms": shim_total * 1e3,
                "original_us_per_call": original_total / calls * 1e6,
                "shim_us_per_call": shim_total / calls * 1e6,
                "speedup": original_total / shim_total,
            }
        )
    return rows


def in_fresh_process(
    shape: str, size: int, name: str, samples: int, repeats: int
) -> list[dict[str, Any]]:
    """``measure`` for one library in a new interpreter: a growing string's cost depends on
    how fragmented the heap already is (whether ``realloc`` can extend it in place), so pairs
    measured after others in one process would pay for their history."""
    command = [sys.executable, __file__, "--one", "--shapes", shape, "--sizes", str(size)]
    command += ["--shims", name, "--samples", str(samples), "--repeats", str(repeats)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    rows: list[dict[str, Any]] = json.loads(done.stdout.splitlines()[-1])
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="*", type=int, default=[100_000, 300_000])
    ap.add_argument("--shapes", nargs="*", default=["records", "text"])
    ap.add_argument(
        "--shims",
        nargs="*",
        default=[
            "jiter",
            "pydantic_core",
            "pydantic_core/bytes",
            "partial_json_parser",
            "langchain",
        ],
    )
    ap.add_argument("--samples", type=int, default=400, help="original calls timed per stream")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each side (best is kept)")
    ap.add_argument(
        "--same-process",
        action="store_true",
        help="measure every pair in this process (by default each runs in a fresh one)",
    )
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a child's job
    args = ap.parse_args()
    if args.one:
        rows = measure(args.shapes[0], args.sizes[0], args.shims, args.samples, args.repeats)
        print(json.dumps(rows))
        return
    rows = []
    print(
        f"{'document':<16} {'library':<20} {'calls':>6} {'original ms':>13} {'shim ms':>9} "
        f"{'µs/call orig':>13} {'µs/call shim':>13} {'speedup':>8}"
    )
    for size in args.sizes:
        for shape in args.shapes:
            if args.same_process:
                measured = measure(shape, size, args.shims, args.samples, args.repeats)
            else:
                measured = [
                    row
                    for name in args.shims
                    for row in in_fresh_process(shape, size, name, args.samples, args.repeats)
                ]
            for row in measured:
                rows.append(row)
                approx = "~" if row["original_estimated"] else ""
                doc = f"{shape} {row['bytes'] // 1000} KB"
                print(
                    f"{doc:<16} {row['library']:<20} {row['calls']:>6} "
                    f"{approx + format(row['original_ms'], ',.0f'):>13} "
                    f"{row['shim_ms']:>9,.0f} {row['original_us_per_call']:>13,.1f} "
                    f"{row['shim_us_per_call']:>13,.1f} {row['speedup']:>7,.0f}x"
                )
    out = HERE / "results" / "compat.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

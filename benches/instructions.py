"""Instructions per parse and per chunk, counted by callgrind: deltajson against its peers on
the same workloads, as ratios (``make bench`` reports wall times; these counts are the stable
figures on a noisy machine).

    python benches/instructions.py                    # every workload and contender
    python benches/instructions.py --workloads list-1MB --contenders deltajson-feed jiter
    python benches/instructions.py --json benches/results/instructions.json
    python benches/instructions.py --workloads typed-10KB typed-100KB typed-1MB

Each contender runs in its own interpreter under ``valgrind --tool=callgrind``, once with the
workload repeated ``--reps`` A times and once B times (default 1 and 3); the difference divided
by B - A is the cost of one repetition in steady state, without the interpreter's start-up,
the imports, building the document or the chunks, nor the first repetition's warm-up (caches
filled, code paged in). ``PYTHONHASHSEED`` is fixed, so dict probing (and with it the count)
is the same from run to run. The runs go in parallel, one per CPU.

One-shot workloads parse a whole document from ``bytes`` in one call; the token streams feed
it in 1-8 character chunks (``workloads.token_chunks``) and read the value after every
chunk. ``text`` is one long string mixing ASCII with accented letters, CJK, emoji and escapes
(``workloads.text_document``). The typed streams feed the list of records as
``{"items": [...]}`` in ``str`` chunks to ``stream_model(..., Records)`` (``benches/models.py``)
and take every partial, beside the untyped ``snapshot()`` of the same chunks, their reference.
streaming-json-parser runs from ``benches/.peers/sjp-native`` (``make bench-peers``) when it is
there; otherwise its row says it was skipped.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Optional

HERE = Path(__file__).resolve().parent
SJP_NATIVE = HERE / ".peers" / "sjp-native"

#: name -> (document shape, size, how it is fed)
WORKLOADS = {
    "list-100KB": ("list", "100KB", "whole"),
    "list-1MB": ("list", "1MB", "whole"),
    "string-1MB": ("string", "1MB", "whole"),
    "text-100KB": ("text", "100KB", "whole"),
    "stream-list-100KB": ("list", "100KB", "tokens"),
    "stream-text-100KB": ("text", "100KB", "tokens"),
    "typed-10KB": ("records", "10KB", "typed"),
    "typed-100KB": ("records", "100KB", "typed"),
    "typed-1MB": ("records", "1MB", "typed"),
}
#: Repetitions (A, B) where the default would take too long under callgrind.
REPS = {"typed-1MB": (1, 2)}
#: The one-shot contenders, in table order; the first peer named is the ratios' reference.
WHOLE = ["deltajson-feed", "deltajson-loads", "jiter", "orjson", "json"]
#: The token-stream contenders.
STREAM = [
    "deltajson-snapshot",
    "deltajson-live",
    "deltajson-snapshot-kept",
    "deltajson-repair",
    "sjp-native",
    "floor",
]
#: The typed-stream contenders.
TYPED = ["deltajson-snapshot", "model-copy", "model-live", "floor"]
#: Contenders per way of feeding.
CONTENDERS = {"whole": WHOLE, "tokens": STREAM, "typed": TYPED}
LABELS = {
    "deltajson-feed": "deltajson Parser().feed(doc); finish()",
    "deltajson-loads": "deltajson.loads(doc, partial=False)",
    "jiter": "jiter.from_json(doc)",
    "orjson": "orjson.loads(doc)",
    "json": "json.loads(doc)",
    "deltajson-snapshot": "deltajson feed + snapshot()",
    "deltajson-live": "deltajson feed + snapshot(copy=False)",
    "deltajson-snapshot-kept": "deltajson feed + snapshot(), each kept until the next",
    "deltajson-repair": "deltajson Parser(repair=True) feed + snapshot()",
    "sjp-native": "streaming-json-parser native, feed().value",
    "floor": "floor: list.append + len() per chunk",
    "model-copy": "stream_model(copy=True), every partial",
    "model-live": "stream_model(copy=False), every partial",
}
REFERENCE = {"whole": "jiter", "tokens": "deltajson-snapshot", "typed": "deltajson-snapshot"}


# ---- inside the measured interpreter -------------------------------------------------------


def whole_runner(contender: str) -> Callable[[bytes], Any]:
    """The one-call parse of a whole document."""
    if contender == "deltajson-feed":
        from deltajson import Parser

        def feed(doc: bytes) -> Any:
            p = Parser()
            p.feed(doc)
            return p.finish()

        return feed
    if contender == "deltajson-loads":
        from deltajson import loads

        return lambda doc: loads(doc, partial=False)
    if contender == "jiter":
        import jiter

        return jiter.from_json  # type: ignore[no-any-return]
    if contender == "orjson":
        import orjson

        return orjson.loads
    if contender == "json":
        return json.loads
    raise SystemExit(f"unknown one-shot contender {contender!r}")


def stream_runner(contender: str) -> Callable[[list[bytes]], Any]:
    """One pass over the chunks with a fresh parser, reading the value after each chunk."""
    if contender in ("deltajson-snapshot", "deltajson-live", "deltajson-repair"):
        from deltajson import Parser

        copy = contender != "deltajson-live"
        # repair=True on the same valid document: what repair mode costs where nothing needs
        # repairing (each string's end waits for the next byte, literals are read as words).
        options = {"repair": True} if contender == "deltajson-repair" else {}

        def stream(chunks: list[bytes]) -> Any:
            # Read, render, drop, as benches/compare.py's harness does: the last snapshot
            # is let go before the next is asked for, so snapshot() may update it in place.
            p = Parser(**options)
            feed, snapshot = p.feed, p.snapshot
            for c in chunks:
                feed(c)
                snapshot(copy=copy)
            return snapshot(copy=copy)

        return stream
    if contender == "deltajson-snapshot-kept":
        from deltajson import Parser

        def kept(chunks: list[bytes]) -> Any:
            # The caller still holds the last snapshot when it asks for the next: it must
            # not change, so the open containers are copied (O(width) per call).
            p = Parser()
            feed, snapshot = p.feed, p.snapshot
            value = None
            for c in chunks:
                feed(c)
                value = snapshot()
            return value

        return kept
    if contender == "floor":

        def floor(chunks: list[bytes]) -> Any:
            # A stream that does nothing: two C calls per chunk (an append and a length), the
            # loop and call overhead every contender pays; subtracted to give cost above it.
            parts: list[bytes] = []
            feed, snapshot = parts.append, parts.__len__
            for c in chunks:
                feed(c)
                snapshot()
            return snapshot()

        return floor
    if contender == "sjp-native":
        from streaming_json_parser import StreamingJsonParser

        def sjp(chunks: list[bytes]) -> Any:
            feed = StreamingJsonParser().feed
            value = None
            for c in chunks:
                value = feed(c).value
            return value

        return sjp
    raise SystemExit(f"unknown stream contender {contender!r}")


def typed_runner(contender: str) -> Callable[[list[str]], Any]:
    """One ``stream_model`` over the chunks, taking every partial (the for loop of an app)."""
    if contender not in ("model-copy", "model-live"):
        return stream_runner(contender)  # type: ignore[return-value]
    import deltajson
    from models import Records

    copy = contender == "model-copy"

    def stream(chunks: list[str]) -> Any:
        # The for loop of an app: each partial is held until the next one is made.
        last = None
        for partial in deltajson.stream_model(iter(chunks), Records, copy=copy):
            last = partial
        return last

    return stream


def source_text(workload: str) -> str:
    """The workload's document."""
    import harness as bench

    shape, size, _ = WORKLOADS[workload]
    if shape == "records":
        from models import document

        return document(size)
    return bench.document(shape, size)


def worker(contender: str, workload: str, reps: int) -> None:
    """Builds the workload, then runs it ``reps`` times (what callgrind counts)."""
    import harness as bench

    feeding = WORKLOADS[workload][2]
    text = source_text(workload)
    if feeding == "whole":
        doc = text.encode()
        parse = whole_runner(contender)
        for _ in range(reps):
            parse(doc)
    elif feeding == "typed":
        pieces = bench.token_chunks(text, bench.BENCH_SEED)
        typed = typed_runner(contender)
        for _ in range(reps):
            typed(pieces)
    else:
        chunks = [c.encode() for c in bench.token_chunks(text, bench.BENCH_SEED)]
        stream = stream_runner(contender)
        for _ in range(reps):
            stream(chunks)


# ---- the driver ----------------------------------------------------------------------------


def count(contender: str, workload: str, reps: int, valgrind: str) -> int:
    """Instructions callgrind counts for one interpreter running the workload ``reps`` times."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    if contender == "sjp-native":
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(SJP_NATIVE), env.get("PYTHONPATH", "")) if p
        )
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            valgrind,
            "--tool=callgrind",
            f"--callgrind-out-file={tmp}/callgrind.out",
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            contender,
            workload,
            str(reps),
        ]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not found:
        tail = done.stderr.strip().splitlines()[-3:]
        raise RuntimeError(f"{contender} on {workload} failed: {tail}")
    return int(found.group(1))


def available(contender: str) -> Optional[str]:
    """Why a contender cannot run here, or None."""
    if contender == "sjp-native":
        if not (SJP_NATIVE / "streaming_json_parser").is_dir():
            return "not installed (make bench-peers puts it in benches/.peers/sjp-native)"
        return None
    module = {"jiter": "jiter", "orjson": "orjson"}.get(contender)
    if module:
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed"
    return None


@functools.cache
def units(workload: str) -> tuple[int, int]:
    """Bytes of the document and chunks of its stream."""
    import harness as bench

    text = source_text(workload)
    return len(text.encode()), len(bench.token_chunks(text, bench.BENCH_SEED))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    every = list(dict.fromkeys(WHOLE + STREAM + TYPED))
    ap.add_argument("--contenders", nargs="+", default=every, choices=every)
    ap.add_argument(
        "--reps",
        nargs=2,
        type=int,
        metavar=("A", "B"),
        help="repetitions of the two runs (default 1 3; 1 2 for typed-1MB)",
    )
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", metavar="FILE", help="also write the counts as JSON")
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], int(args.worker[2]))
        return
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    args.reps_given = args.reps is not None
    low, high = args.reps or (1, 3)
    if high <= low:
        raise SystemExit("--reps A B needs B > A")

    plan: list[tuple[str, str]] = []
    skipped: dict[tuple[str, str], str] = {}
    for workload in args.workloads:
        feeding = WORKLOADS[workload][2]
        for contender in CONTENDERS[feeding]:
            if contender not in args.contenders:
                continue
            why = available(contender)
            if why:
                skipped[(workload, contender)] = why
            else:
                plan.append((workload, contender))

    def reps_of(workload: str) -> tuple[int, int]:
        return (low, high) if args.reps_given else REPS.get(workload, (low, high))

    # The longest runs first, so that the pool is not left waiting for one at the end.
    jobs = [(w, c, r) for w, c in plan for r in reps_of(w)]
    jobs.sort(key=lambda j: -units(j[0])[1] * j[2] * (j[1].startswith("model-") + 1))
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        counts = pool.map(lambda j: count(j[1], j[0], j[2], valgrind), jobs)
        counted = dict(zip(jobs, counts, strict=True))

    results: dict[str, Any] = {"python": sys.version.split()[0], "reps": [low, high]}
    rows: list[dict[str, Any]] = []
    for workload in args.workloads:
        feeding = WORKLOADS[workload][2]
        nbytes, nchunks = units(workload)
        a, b = reps_of(workload)
        per = {
            c: (counted[(workload, c, b)] - counted[(workload, c, a)]) / (b - a)
            for w, c in plan
            if w == workload
        }
        ref = per.get(REFERENCE[feeding])
        what = "per parse" if feeding == "whole" else f"per stream of {nchunks:,} chunks"
        print(f"\n{workload} ({nbytes:,} bytes), instructions {what}")
        unit = "instr/byte" if feeding == "whole" else "instr/chunk"
        floor = per.get("floor") if feeding != "whole" else None
        above = f"{'above floor':>12}" if floor is not None else ""
        print(
            f"  {'contender':48s} {'M instr':>10} {unit:>12} {'vs ' + REFERENCE[feeding]:>22}"
            + above
        )
        for contender in CONTENDERS[feeding]:
            if (workload, contender) in skipped:
                print(f"  {LABELS[contender]:48s} skipped: {skipped[(workload, contender)]}")
                continue
            if contender not in per:
                continue
            n = per[contender]
            scaled = n / nbytes if feeding == "whole" else n / nchunks
            ratio = f"{n / ref:.2f}x" if ref else "-"
            # Cost per chunk above the do-nothing stream (the harness's own share).
            extra = f"{(n - floor) / nchunks:12.1f}" if floor is not None else ""
            print(f"  {LABELS[contender]:48s} {n / 1e6:10.2f} {scaled:12.1f} {ratio:>22}{extra}")
            rows.append(
                {
                    "workload": workload,
                    "contender": contender,
                    "instructions": n,
                    "bytes": nbytes,
                    "chunks": nchunks if feeding != "whole" else None,
                    "ratio_to_" + REFERENCE[feeding]: n / ref if ref else None,
                    "above_floor_per_chunk": (n - floor) / nchunks if floor is not None else None,
                }
            )
    print(
        "\nRatios: instructions of the contender / instructions of the reference (below 1.00x"
        " is fewer). Counts are deterministic; wall time: benches/compare.py."
    )
    results["rows"] = rows
    results["skipped"] = [
        {"workload": w, "contender": c, "why": y} for (w, c), y in skipped.items()
    ]
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=1))
        print(f"results written to {path}")


if __name__ == "__main__":
    main()

"""repair=True against json_repair on broken LLM JSON, wall time.

    python benches/repair.py            # growing buffer at 10 KB and 100 KB, one call at 1 MB
    python benches/repair.py --quick    # a smoke run: 10 KB stream, one call at 100 KB
    python benches/repair.py --rounds 5 --budget 60
    python benches/repair.py --held-quote   # per-chunk cost while a quote and whitespace are held

The document is what a model writes when it is asked for JSON and does not quite manage:
prose and a code fence around it, single quotes, unquoted keys and values, comments, Python
literals, missing and trailing commas, numbers like ``.5`` and ``1_000``, raw newlines and
inner quotes in strings (the patterns of tests/repair_corpus, in the forms whose repaired
value the rules leave unambiguous). Its repaired value is built alongside the text, so both
parsers are checked against it before anything is timed.

Two workloads:

* growing buffer: the document streamed in token-sized chunks (4-6 characters); after every
  chunk deltajson does ``feed(chunk); snapshot()`` and json_repair (which cannot resume)
  ``json_repair.loads(buffer_so_far)``. json_repair's cost per chunk grows with the buffer
  (O(n^2) in all); on streams of more than ``--sample-above`` chunks, or when a run passes
  ``--budget`` seconds, it is timed at evenly spaced prefixes and its total estimated
  (``workloads.measure_reparse``; marked ``~``).
* one call: ``json_repair.loads(doc)`` against ``deltajson.loads(doc, repair=True)``.

``--held-quote`` times deltajson alone, both engines: a string whose quote may be its end
(``{"q": "he said "``) followed by 10 KB, 100 KB or 1 MB of whitespace before the text that
decides it (``hi" to me"}``), streamed in token-sized chunks with ``feed(chunk); snapshot()``.
Everything after the quote is held until that text arrives, so the cost of a chunk must not
grow with what is held (O(delta)); the final value is checked when a run completes.

Each round runs every contender in turn and each one's best round is kept (on a shared
machine whose speed drifts, interleaving gives every contender the same fast and slow phases).
deltajson runs its Rust engine; build it in release mode first (``make install``).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from typing import Any, Optional

import deltajson
import harness as bench

# ---- the document -----------------------------------------------------------------------

_CITIES = ["New York", "São Paulo", "Zürich", "東京", "Reykjavík", "Cape Town", "Kraków"]
_NOTES = ["checked by hand", "from the crawl", "needs review", "café menu 😀", "naïve guess"]
_TAGS = ["food", "open late", "vegan", "wifi", "cash only", "terrace", "dogs ok"]
_COMMENTS = ["// source: crawl", "# verified", "/* approximate */", "// TODO: recheck"]
# Numbers as models misspell them: (text, value).
_FIXED_NUMBERS = [(".5", 0.5), ("+3", 3), ("1_000", 1000), ("-.25", -0.25), ("7.", 7.0)]


def _key(rng: random.Random, name: str) -> str:
    """A key, double-quoted, single-quoted or bare."""
    return rng.choice([f'"{name}"', f"'{name}'", name])


def _string(rng: random.Random, text: str) -> str:
    """A string value, double- or single-quoted (the texts hold no quote or backslash)."""
    return f"'{text}'" if rng.random() < 0.5 else json.dumps(text, ensure_ascii=False)


def _record(rng: random.Random, i: int) -> tuple[str, dict[str, Any]]:
    """One broken record and its repaired value."""
    value: dict[str, Any] = {}
    members: list[tuple[str, str, str]] = []  # (key text, value text, kind of value)

    def add(name: str, text: str, python: Any, kind: str) -> None:
        value[name] = python
        members.append((_key(rng, name), text, kind))

    add("id", str(i), i, "number")
    add("name", _string(rng, f"Place {i}"), f"Place {i}", "string")
    city = rng.choice(_CITIES)
    if rng.random() < 0.5:
        add("city", city, city, "word")  # an unquoted value
    else:
        add("city", _string(rng, city), city, "string")
    literal, python = rng.choice([("True", True), ("False", False), ("None", None)])
    if rng.random() < 0.3:
        literal = literal.lower() if python is not None else "null"
    add("open", literal, python, "word")
    if rng.random() < 0.5:
        text, number = rng.choice(_FIXED_NUMBERS)
        add("rating", text, number, "word")
    else:
        number = round(rng.random() * 5, 2)
        add("rating", repr(number), number, "number")
    tags = rng.sample(_TAGS, rng.randint(0, 3))
    trailing = "," if tags and rng.random() < 0.5 else ""
    add("tags", "[" + ", ".join(_string(rng, t) for t in tags) + trailing + "]", tags, "list")
    note = rng.choice(_NOTES)
    if rng.random() < 0.2:
        note += '\nsee "details" below'  # a raw newline and inner quotes
        add("note", '"' + note + '"', note, "string")
    else:
        add("note", _string(rng, note), note, "string")
    parts = []
    for k, (key, text, kind) in enumerate(members):
        sep = ""
        if k < len(members) - 1:
            # Only where the rules leave no doubt: a bare word (unquoted value, literal,
            # number) runs to the next ',', '}', ']' or newline, so nothing else may follow
            # it on its line; a quote closes a string before whitespace and a quote or a
            # comment, not before whitespace and a bare key.
            closed = kind == "list" or (kind == "string" and members[k + 1][0][0] == '"')
            r = rng.random()
            if closed and r < 0.15:
                sep = " "  # a missing comma
            elif kind in ("list", "string") and r < 0.25:
                sep = " /* approximate */,"
            elif r < 0.35:
                sep = f",\n      {rng.choice(_COMMENTS)}\n     "  # a comment on its own line
            else:
                sep = ","
        elif rng.random() < 0.3:
            sep = ","  # a trailing comma
        parts.append(f"{key}: {text}{sep}")
    return "{" + " ".join(parts) + "}", value


def broken_document(size: int, seed: int = 7) -> tuple[str, Any]:
    """About ``size`` bytes of broken LLM JSON, and the value repair=True must give."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    texts: list[str] = []
    total = 0
    while total < size:
        text, value = _record(rng, len(records))
        texts.append(text)
        records.append(value)
        total += len(text.encode()) + 8
    body = ""
    for k, text in enumerate(texts):
        if k:
            # Records on their own lines, sometimes without the comma between them.
            body += "\n    " if rng.random() < 0.2 else ",\n    "
        body += text
    doc = (
        "Sure! Here is the data I extracted:\n\n```json\n{\n"
        "  // extraction run 42\n"
        "  source: 'crawler',\n"
        f'  "records": [\n    {body},\n  ],\n'
        f"  count: {len(records)}\n"
        "}\n```\n\nLet me know if you need anything else."
    )
    return doc, {"source": "crawler", "records": records, "count": len(records)}


def token_chunks(text: str, seed: int = bench.BENCH_SEED) -> list[str]:
    """Pieces of 4 to 6 characters, about the size of LLM tokens."""
    rng = random.Random(seed)
    chunks, i = [], 0
    while i < len(text):
        step = rng.randint(4, 6)
        chunks.append(text[i : i + step])
        i += step
    return chunks


# ---- the contenders ---------------------------------------------------------------------


#: deltajson's options here: repair mode on the Rust engine.
REPAIR: dict[str, Any] = {"repair": True, "backend": "rust"}


def json_repair_buffer(buffer: bytes) -> Any:
    """json_repair on the buffer so far (decoded: it takes str; the decode is <1% of it)."""
    import json_repair

    return json_repair.loads(buffer.decode())


def deltajson_loads(doc: Any) -> Any:
    return deltajson.loads(doc, **REPAIR)


def json_repair_loads(doc: Any) -> Any:
    import json_repair

    return json_repair.loads(doc)


def deltajson_final(chunks: list[bytes]) -> Any:
    """What the stream ends as: every chunk fed, then ``finish()``."""
    parser = deltajson.Parser(**REPAIR)
    for chunk in chunks:
        parser.feed(chunk)
    return parser.finish()


# ---- checking ---------------------------------------------------------------------------


def first_difference(a: Any, b: Any, path: str = "$") -> str:
    """Where two values first differ ('' if they are equal, types compared)."""
    if type(a) is not type(b):
        return f"{path}: {a!r:.60} vs {b!r:.60}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)!r:.80} vs {list(b)!r:.80}"
        return next((d for k in a if (d := first_difference(a[k], b[k], f"{path}.{k}"))), "")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} vs {len(b)} items"
        pairs = zip(a, b, strict=True)
        return next(
            (d for k, (x, y) in enumerate(pairs) if (d := first_difference(x, y, f"{path}[{k}]"))),
            "",
        )
    return "" if a == b else f"{path}: {a!r:.60} vs {b!r:.60}"


def check(label: str, doc: str, expected: Any, chunks: list[bytes], out: Any) -> None:
    """deltajson (one call and streamed) against the built value; json_repair against it."""
    ours = deltajson_loads(doc)
    streamed = deltajson_final(chunks)
    theirs = json_repair_loads(doc)
    for name, value in (
        ("deltajson.loads(repair=True)", ours),
        ("deltajson streamed + finish()", streamed),
        ("json_repair.loads", theirs),
    ):
        diff = first_difference(value, expected)
        verdict = "same value" if not diff else f"DIFFERS at {diff}"
        print(f"  {label}: {name} vs the document's repaired value: {verdict}", file=out)
    diff = first_difference(theirs, ours)
    agree = "agree" if not diff else f"disagree (first at {diff})"
    print(f"  {label}: json_repair and deltajson {agree}", file=out, flush=True)


# ---- measuring --------------------------------------------------------------------------


def growing_buffer(
    size: int, rounds: int, sample_above: int, budget: float, out: Any
) -> list[tuple[str, dict[str, Any]]]:
    """The stream: best-of-``rounds`` interleaved totals; rows (contender, measurement)."""
    doc, expected = broken_document(size)
    chunks = [c.encode() for c in token_chunks(doc)]
    label = f"{_size(len(doc.encode()))} stream"
    check(label, doc, expected, chunks, out)
    contenders: dict[str, Callable[[], dict[str, Any]]] = {
        "deltajson feed(chunk); snapshot()": lambda: bench.measure_stream(
            bench.deltajson_stream("rust", True, repair=True), chunks, 1, budget
        ),
        "json_repair.loads(buffer)": lambda: bench.measure_reparse(
            json_repair_buffer, chunks, sample_above, budget
        ),
        bench.FLOOR: lambda: bench.measure_stream(bench.floor_stream, chunks, 1, budget),
    }
    best: dict[str, dict[str, Any]] = {}
    for r in range(rounds):
        for name, measure in contenders.items():
            gc.collect()
            result = measure()
            if name not in best or result["total_ms"] < best[name]["total_ms"]:
                best[name] = result
        print(f"  {label}: round {r + 1}/{rounds} done", file=out, flush=True)
    rows = []
    for name, result in best.items():
        result.update(bytes=len(doc.encode()), chunks=len(chunks), workload=label)
        rows.append((name, result))
    return rows


def one_call(size: int, rounds: int, out: Any) -> list[tuple[str, dict[str, Any]]]:
    """One call on the whole document: best of ``rounds`` interleaved rounds."""
    doc, expected = broken_document(size)
    label = f"{_size(len(doc.encode()))} one call"
    check(label, doc, expected, [doc.encode()], out)
    parsers: dict[str, Callable[[bytes], Any]] = {
        "deltajson.loads(doc, repair=True)": deltajson_loads,
        "json_repair.loads(doc)": json_repair_loads,
    }
    # The str document to both (what an SDK hands over); measure_wholes only passes it on.
    best = bench.measure_wholes(parsers, doc, rounds, seconds=0)  # type: ignore[arg-type]
    return [
        (name, dict(r, bytes=len(doc.encode()), chunks=0, workload=label))
        for name, r in best.items()
    ]


# ---- a held quote ------------------------------------------------------------------------


def held_quote_document(size: int) -> tuple[str, Any]:
    """A quote that may end its string, ``size`` bytes of whitespace held after it, then the
    text that makes it an inner quote; and the value that must come out."""
    whitespace = ("   \n" * (size // 4 + 1))[:size]
    text = 'he said "' + whitespace + 'hi" to me'
    return '{"q": "he said "' + whitespace + 'hi" to me"}', {"q": text}


def _held_quote_run(
    backend: str, chunks: list[bytes], budget: float
) -> tuple[float, int, Optional[Any]]:
    """One run: seconds, chunks done, and the final value (None if the budget stopped it)."""
    parser = deltajson.Parser(repair=True, backend=backend)  # type: ignore[arg-type]
    feed, snapshot = parser.feed, parser.snapshot
    clock = time.perf_counter
    start = clock()
    for i, chunk in enumerate(chunks):
        feed(chunk)
        snapshot()
        if i % 512 == 511 and clock() - start > budget:
            return clock() - start, i + 1, None
    elapsed = clock() - start
    return elapsed, len(chunks), parser.finish()


def held_quote(sizes: list[int], rounds: int, budget: float, out: Any) -> str:
    """Per-chunk wall time (best of ``rounds`` interleaved rounds) on each engine; a table."""
    lines = [
        "| whitespace held | engine | chunks | µs per chunk | total ms |",
        "|---|---|---:|---:|---:|",
    ]
    for size in sizes:
        doc, expected = held_quote_document(size)
        chunks = [c.encode() for c in token_chunks(doc)]
        best: dict[str, tuple[float, int]] = {}
        for r in range(rounds):
            for backend in deltajson.BACKENDS:
                gc.collect()
                seconds, done, final = _held_quote_run(backend, chunks, budget)
                if done == len(chunks) and final != expected:
                    sys.exit(f"held quote, {backend} engine: wrong value")
                per = seconds / done
                if backend not in best or per < best[backend][0] / best[backend][1]:
                    best[backend] = (seconds, done)
            print(f"  held quote {_size(size)}: round {r + 1}/{rounds} done", file=out, flush=True)
        for backend, (seconds, done) in best.items():
            # A run the budget stopped is marked '>': its mean covers the smaller first part of
            # the stream, so it understates the whole.
            mark = ">" if done < len(chunks) else ""
            lines.append(
                f"| {_size(size)} | {backend} | {done:,} of {len(chunks):,} "
                f"| {mark}{seconds * 1e6 / done:,.2f} | {seconds * 1e3:,.1f} |"
            )
    return "\n".join(lines)


# ---- reporting --------------------------------------------------------------------------


def _size(n: int) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 1e6 * 0.95 else f"{n / 1e3:,.0f} KB"


def table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    """Markdown: per workload, each contender's total, per-chunk cost and ratio to deltajson."""
    lines = [
        "| workload | contender | total ms | MB/s | µs per chunk | p99 µs per chunk | "
        "time / deltajson's |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    ours: dict[str, float] = {
        r["workload"]: r["total_ms"] for name, r in rows if name.startswith("deltajson")
    }
    for name, r in rows:
        mark = "~" if r.get("estimated") else ">" if "stopped_after" in r else ""
        mbs = r["bytes"] / 1e6 / (r["total_ms"] / 1e3)
        per = f"{r['total_ms'] * 1e3 / r['chunks']:,.2f}" if r["chunks"] else ""
        p99 = f"{r['p99_us']:,.2f}" if "p99_us" in r else ""
        ratio = r["total_ms"] / ours[r["workload"]]
        ratio_text = "" if name == bench.FLOOR else f"{ratio:,.1f}x"
        lines.append(
            f"| {r['workload']} ({r['chunks']:,} chunks) | {name} | {mark}{r['total_ms']:,.1f} "
            f"| {mbs:,.2f} | {per} | {p99} | {ratio_text} |"
            if r["chunks"]
            else f"| {r['workload']} | {name} | {r['total_ms']:,.1f} | {mbs:,.2f} | | "
            f"| {ratio_text} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds, best kept")
    ap.add_argument("--budget", type=float, default=60.0, help="seconds one stream run may take")
    ap.add_argument(
        "--sample-above",
        type=int,
        default=3000,
        help="json_repair: time this many evenly spaced prefixes at most on longer streams",
    )
    ap.add_argument("--quick", action="store_true", help="a smoke run: 10 KB stream, 100 KB call")
    ap.add_argument(
        "--held-quote",
        action="store_true",
        help="per-chunk cost on both engines while a quote and 10 KB-1 MB of whitespace are held",
    )
    args = ap.parse_args()
    if args.held_quote:
        sizes = [10_000] if args.quick else [10_000, 100_000, 1_000_000]
        print(held_quote(sizes, args.rounds, args.budget, sys.stdout))
        print(f"\nBest of {args.rounds} interleaved round(s); chunks of 4-6 characters.")
        return
    if "rust" not in deltajson.BACKENDS:
        sys.exit("benches/repair.py times the Rust engine: build it first (make install)")
    out = sys.stdout
    streams, whole = ([10_000], 100_000) if args.quick else ([10_000, 100_000], 1_000_000)
    rounds = 1 if args.quick else args.rounds
    sample_above = min(args.sample_above, 300) if args.quick else args.sample_above
    budget = min(args.budget, 5.0) if args.quick else args.budget
    machine = bench.machine()
    print(
        f"deltajson {machine['deltajson']} (Rust engine), json_repair {version('json_repair')}, "
        f"Python {machine['python']}, {machine['platform']}",
        file=out,
    )
    rows: list[tuple[str, dict[str, Any]]] = []
    for size in streams:
        rows += growing_buffer(size, rounds, sample_above, budget, out)
    rows += one_call(whole, max(rounds, 1), out)
    print("\n" + table(rows), file=out)
    estimated = [r for _, r in rows if r.get("estimated")]
    print(
        f"\nBest of {rounds} interleaved round(s); chunks of 4-6 characters. "
        + (
            "~: json_repair timed on evenly spaced prefixes (its cost per chunk grows with the "
            f"buffer), total estimated as mean x chunks (streams over {sample_above:,} chunks "
            f"or runs over {budget:g} s)."
            if estimated
            else "json_repair ran on every chunk."
        ),
        file=out,
    )


if __name__ == "__main__":
    main()

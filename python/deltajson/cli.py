"""The ``deltajson`` command: ``demo``, ``parse`` and ``serve``.

``cli(*argv)`` is a plain function that returns the exit code, so tests call it directly;
``main()`` is the console-script entry point.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import IO, Any, Optional

import deltajson
from deltajson._api import BACKENDS
from deltajson.select import value_at


def token_chunks(text: str, seed: int = 3) -> list[str]:
    """Splits text the way an LLM streams it: pieces of 1 to 8 characters."""
    rng = random.Random(seed)
    chunks, i = [], 0
    while i < len(text):
        step = rng.randint(1, 8)
        chunks.append(text[i : i + step])
        i += step
    return chunks


def demo_document() -> str:
    """The embedded recording of a structured LLM reply."""
    return (
        resources.files("deltajson").joinpath("data/recordings/trip_plan.json").read_text("utf-8")
    )


def _render(value: Any, width: int) -> list[str]:
    text = json.dumps(value, ensure_ascii=False, indent=2) if value is not None else "…"
    return [line[: width - 1] for line in text.splitlines()]


def run_demo(out: IO[str], *, delay: float, backend: Optional[str], live: bool) -> int:
    text = demo_document()
    chunks = token_chunks(text)
    parser = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    spent = 0.0
    drawn = 0
    width = 100
    for n, chunk in enumerate(chunks, 1):
        start = time.perf_counter()
        parser.feed(chunk)
        value = parser.snapshot()
        spent += time.perf_counter() - start
        if live:
            lines = _render(value, width)[-30:]
            status = (
                f"chunk {n}/{len(chunks)}  {parser.offset} bytes  status={parser.status}"
                f"  path={'/'.join(map(str, parser.path)) or '-'}"
            )
            # Move up over the previous frame and redraw it.
            out.write((f"\x1b[{drawn}F" if drawn else "") + "\x1b[J")
            out.write("\n".join([status, *lines]) + "\n")
            out.flush()
            drawn = len(lines) + 1
            time.sleep(delay)
        elif n % 25 == 0 or n == len(chunks):
            path = parser.path
            out.write(
                f"{parser.offset:5d} bytes  {parser.status:8s}  "
                f"{'/'.join(map(str, path)) or '(root)':24s} "
                f"{json.dumps(value_at(value, path), ensure_ascii=False)[:60]}\n"
            )
    final = parser.finish()
    # What re-parsing the whole buffer after every chunk (the usual approach) costs here.
    reparse, buffer = 0.0, ""
    for chunk in chunks:
        buffer += chunk
        start = time.perf_counter()
        deltajson.loads(buffer)
        reparse += time.perf_counter() - start
    out.write(
        f"\nfinal value has {len(final['days'])} days, "
        f"{sum(len(d['stops']) for d in final['days'])} stops.\n"
    )
    out.write(
        f"{len(chunks)} chunks: feed + snapshot took {spent * 1e3:.2f} ms in total "
        f"({parser.backend} engine); re-parsing the whole buffer after every chunk, as "
        f"most stacks do, took {reparse * 1e3:.2f} ms with the same engine "
        f"({reparse / spent:.0f}x more).\n"
    )
    return 0


def read_chunks(source: IO[bytes], size: int) -> Iterator[bytes]:
    """Reads a stream as it arrives: each read returns what is available, up to ``size``."""
    read = getattr(source, "read1", source.read)
    while True:
        chunk = read(size)
        if not chunk:
            return
        yield chunk


def run_parse(args: argparse.Namespace, out: IO[str]) -> int:
    source = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")
    parser = deltajson.Parser(multiple=args.multiple, backend=args.backend)
    try:
        with source:
            for chunk in read_chunks(source, args.chunk_size):
                parser.feed(chunk)
                if args.format == "snapshot":
                    out.write(json.dumps(parser.snapshot(), ensure_ascii=False) + "\n")
        final = parser.finish()
    except deltajson.JSONError as e:
        sys.stderr.write(f"deltajson: {args.file}: {e}\n")
        return 1
    out.write(json.dumps(final, ensure_ascii=False) + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="deltajson",
        description="Truly incremental partial-JSON parsing: feed(delta) costs O(delta).",
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="stream an embedded LLM reply and show it filling in")
    demo.add_argument(
        "--delay", type=float, default=0.01, help="seconds between chunks (live view)"
    )
    demo.add_argument("--backend", choices=BACKENDS, default=None)
    demo.add_argument("--no-live", action="store_true", help="print progress lines, no redrawing")
    parse = sub.add_parser("parse", help="parse JSON from a file or stdin as it arrives")
    parse.add_argument("file", nargs="?", default="-", help="a file, or - for stdin (default)")
    parse.add_argument(
        "--format",
        choices=["snapshot", "final"],
        default="snapshot",
        help="a JSON line per chunk (snapshot) or only the final value",
    )
    parse.add_argument("--chunk-size", type=int, default=65536, help="largest read, in bytes")
    parse.add_argument("--multiple", action="store_true", help="a stream of values (JSON Lines)")
    parse.add_argument("--backend", choices=BACKENDS, default=None)
    serve = sub.add_parser(
        "serve", help="serve the browser demo: recordings streamed over SSE (deltajson[serve])"
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    return ap


def run_serve(args: argparse.Namespace, out: IO[str]) -> int:
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        sys.stderr.write(
            "deltajson: serve needs starlette and uvicorn: pip install 'deltajson[serve]'\n"
        )
        return 2
    from deltajson.serve import run

    out.write(f"deltajson demo on http://{args.host}:{args.port}/ (Ctrl-C stops)\n")
    out.flush()
    run(args.host, args.port)
    return 0


def cli(*argv: str, out: Optional[IO[str]] = None) -> int:
    """Runs the command line; returns the exit code."""
    stream = out if out is not None else sys.stdout
    args = build_parser().parse_args(list(argv))
    try:
        if args.command == "demo":
            live = not args.no_live and stream.isatty()
            return run_demo(stream, delay=args.delay, backend=args.backend, live=live)
        if args.command == "serve":
            return run_serve(args, stream)
        return run_parse(args, stream)
    except (OSError, ValueError) as e:
        sys.stderr.write(f"deltajson: {e}\n")
        return 2
    except KeyboardInterrupt:
        return 130


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Console-script entry point."""
    sys.exit(cli(*(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    main()

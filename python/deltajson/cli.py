"""The ``deltajson`` command: ``demo``, ``parse``, ``bench`` and ``serve``.

``cli(*argv)`` is a plain function that returns the exit code, so tests call it directly;
``main()`` is the console-script entry point. Failures are one line on stderr and a non-zero
exit code (1: the input is invalid JSON; 2: a usage, file or missing-dependency error), never
a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Optional

import deltajson
from deltajson._api import BACKENDS
from deltajson._chunks import token_chunks
from deltajson.patch import JsonPatcher, json_pointer

__all__ = ["build_parser", "cli", "main", "token_chunks"]

PARSE_FORMATS = ("snapshot", "patch", "events", "items", "final")


class MissingExtra(Exception):
    """A command needs packages that are not installed (say which, and how to get them)."""


def _need(extra: str, *modules: str) -> None:
    for module in modules:
        try:
            __import__(module)
        except ImportError:
            names = " and ".join(modules)
            hint = f"pip install 'deltajson[{extra}]'"
            raise MissingExtra(f"this command needs {names}: {hint}") from None


# ---- parse ---------------------------------------------------------------------------------


def read_chunks(source: IO[bytes], size: int) -> Iterator[bytes]:
    """Reads a stream as it arrives: each read returns what is available, up to ``size``."""
    read = getattr(source, "read1", source.read)
    while True:
        chunk = read(size)
        if not chunk:
            return
        yield chunk


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) + "\n"


class _Printer:
    """Writes what one ``--format`` prints after each chunk and at the end."""

    def __init__(self, args: argparse.Namespace, parser: Any, out: IO[str]) -> None:
        self.format, self.parser, self.out = args.format, parser, out
        self.patcher = JsonPatcher()
        if self.format in ("patch", "events"):
            parser.changes()  # start recording: ops from the first byte on
        elif self.format == "items":
            parser.select(deltajson.parse_path(args.path), drop=True)

    def after_chunk(self) -> None:
        if self.format == "snapshot":
            self.out.write(_line(self.parser.snapshot()))
        else:
            self.pending()

    def at_end(self, final: Any) -> None:
        self.pending()
        if self.format in ("snapshot", "final"):
            self.out.write(_line(final))

    def pending(self) -> None:
        """Prints what was read since the last call (not for ``snapshot``/``final``)."""
        if self.format == "patch":
            ops = self.patcher.patch(self.parser.changes())
            if ops:
                self.out.write(_line(ops))
        elif self.format == "events":
            for op, path, value in self.parser.changes():
                self.out.write(_line({"op": op, "path": json_pointer(path), "value": value}))
        elif self.format == "items":
            for _, value in self.parser.pop_selected():
                self.out.write(_line(value))


def run_parse(args: argparse.Namespace, out: IO[str]) -> int:
    if args.chunk_size < 1:
        raise ValueError("--chunk-size must be at least 1")
    if args.path is not None and args.format != "items":
        raise ValueError("--path selects items: use it with --format items")
    if args.format == "items" and args.path is None:
        args.path = "$[*]"  # each item of a top-level array, or each value with --multiple
    deltajson.parse_path(args.path or "$")  # a bad path is a usage error before any read
    parser = deltajson.Parser(
        multiple=args.multiple, lenient=args.lenient, repair=args.repair, backend=args.backend
    )
    printer = _Printer(args, parser, out)
    source = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")
    try:
        with source:
            for chunk in read_chunks(source, args.chunk_size):
                parser.feed(chunk)
                printer.after_chunk()
                out.flush()
        printer.at_end(parser.finish())
    except deltajson.JSONError as e:
        _report_repairs(args, parser)
        printer.pending()  # what was read before the error is printed, then the error
        sys.stderr.write(f"deltajson: {args.file}: {e}\n")
        return 1
    _report_repairs(args, parser)
    return 0


def _report_repairs(args: argparse.Namespace, parser: deltajson.Parser) -> None:
    """With --repair, every repair made, one line each on stderr: never silent."""
    if args.repair:
        for kind, offset, length in parser.repairs:
            sys.stderr.write(f"deltajson: {args.file}: {kind} at byte {offset} ({length} bytes)\n")


# ---- demo, bench, serve --------------------------------------------------------------------


def run_demo_command(args: argparse.Namespace, out: IO[str]) -> int:
    _need("cli", "rich", "pydantic")
    from deltajson._demo import run_demo

    live = args.live if args.live is not None else out.isatty()
    return run_demo(out, name=args.recording, delay=args.delay, backend=args.backend, live=live)


def run_bench(options: list[str], out: IO[str]) -> int:
    """``deltajson bench``: a thin entry into the benchmark of a source checkout
    (``benches/harness.py``), which is not part of the installed package."""
    harness = _bench_harness()
    if harness is None:
        sys.stderr.write(
            "deltajson bench: the benchmark is not part of the installed package; run it from "
            "a clone of deltajson (deltajson bench in its root, or python benches/compare.py)\n"
        )
        return 2
    ap = argparse.ArgumentParser(
        prog="deltajson bench",
        description="Token-sized chunks with a value read after every chunk, and one feed of "
        "the whole document: deltajson's engines against jiter and partial-json-parser "
        "re-parsing per chunk and streaming-json-parser, whichever are installed "
        "(deltajson[bench]).",
    )
    harness.add_arguments(ap)
    args = ap.parse_args(options)
    if args.plot:
        _need("bench", "matplotlib")
    harness.main(args, out)
    return 0


def _bench_harness() -> Any:
    """``benches/harness.py`` of the source checkout in the current directory or the one this
    package is installed from in editable mode, imported; None if there is none."""
    here = Path(__file__).resolve()
    for benches in (Path.cwd() / "benches", here.parents[2] / "benches"):
        if (benches / "harness.py").is_file() and (benches / "workloads.py").is_file():
            if str(benches) not in sys.path:
                sys.path.insert(0, str(benches))
            return importlib.import_module("harness")
    return None


def run_serve(args: argparse.Namespace, out: IO[str]) -> int:
    _need("serve", "starlette", "uvicorn")
    from deltajson.serve import run, store_from

    out.write(f"deltajson demo on http://{args.host}:{args.port}/ (Ctrl-C stops)\n")
    out.flush()
    try:
        store_from(args.store)
    except ValueError as e:
        out.write(f"deltajson serve: {e}\n")
        return 2
    run(args.host, args.port, args.store)
    return 0


# ---- the command line ----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The ``argparse`` parser of the ``deltajson`` command."""
    ap = argparse.ArgumentParser(
        prog="deltajson",
        description="Truly incremental partial-JSON parsing: feed(delta) costs O(delta).",
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="stream a recorded LLM reply into a live view (deltajson[cli])",
        description="Replays a recorded structured LLM reply in token-sized chunks: a live "
        "view of the value filling in, fields ticked as they complete, a progress bar, then "
        "the final value validated by its Pydantic model and the time parsing took compared "
        "with re-parsing the buffer after every chunk.",
    )
    demo.add_argument(
        "--recording",
        default="trip_plan",
        choices=["trip_plan", "support_ticket", "broken_reply"],
        help="which bundled reply (broken_reply ends in invalid JSON)",
    )
    demo.add_argument(
        "--delay", type=float, default=0.01, help="seconds between chunks in the live view"
    )
    demo.add_argument("--backend", choices=BACKENDS, default=None, help="engine")
    view = demo.add_mutually_exclusive_group()
    view.add_argument(
        "--live", dest="live", action="store_true", default=None, help="redraw a live view"
    )
    view.add_argument(
        "--no-live", dest="live", action="store_false", help="print one line per completed field"
    )

    parse = sub.add_parser(
        "parse",
        help="parse JSON from a file or stdin as it arrives, printing JSON lines",
        description="Reads a file or stdin as it arrives and prints JSON lines: the value "
        "after each read (snapshot), JSON Patch operations (patch), change ops (events), each "
        "completed item at --path (items), or only the final value (final).",
    )
    parse.add_argument("file", nargs="?", default="-", help="a file, or - for stdin (default)")
    parse.add_argument("--format", choices=PARSE_FORMATS, default="snapshot")
    parse.add_argument(
        "--path",
        default=None,
        help="with --format items: where the items are, e.g. '$.results[*]' (default '$[*]')",
    )
    parse.add_argument("--chunk-size", type=int, default=65536, help="largest read, in bytes")
    parse.add_argument("--multiple", action="store_true", help="a stream of values (JSON Lines)")
    parse.add_argument(
        "--lenient", action="store_true", help="skip prose and fences around the value"
    )
    parse.add_argument(
        "--repair",
        action="store_true",
        help="read broken JSON as models write it (implies --lenient; repairs go to stderr)",
    )
    parse.add_argument("--backend", choices=BACKENDS, default=None, help="engine")

    # Only listed here: `deltajson bench ...` goes to the benchmark's own options (run_bench).
    sub.add_parser(
        "bench",
        add_help=False,
        help="compare with the peer parsers installed, from a source checkout (deltajson[bench])",
    )

    serve = sub.add_parser(
        "serve",
        help="serve the browser demo: recordings streamed over SSE (deltajson[serve])",
        description="Serves a page that streams bundled recordings over Server-Sent Events "
        "and renders the fields as they fill in. Routes: /, /recordings, /stream/{name}, and "
        "resumable streams: POST /streams?recording=NAME&delay=MS, GET /streams/{id}/events.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--store",
        default="memory",
        help="where resumable streams live: memory (default) or redis://HOST:PORT/DB",
    )
    return ap


COMMANDS = {"demo": run_demo_command, "parse": run_parse, "serve": run_serve}


def cli(*argv: str, out: Optional[IO[str]] = None) -> int:
    """Runs the command line; returns the exit code."""
    stream = out if out is not None else sys.stdout
    if argv[:1] == ("bench",):
        try:
            return run_bench(list(argv[1:]), stream)
        except MissingExtra as e:
            sys.stderr.write(f"deltajson bench: {e}\n")
            return 2
    args = build_parser().parse_args(list(argv))
    try:
        return COMMANDS[args.command](args, stream)
    except MissingExtra as e:
        sys.stderr.write(f"deltajson {args.command}: {e}\n")
        return 2
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

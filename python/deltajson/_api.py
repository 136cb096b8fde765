"""The public ``Parser`` type and ``loads``: a thin front over the two engines.

``Parser(...)`` returns an instance of the chosen engine's class directly (no wrapper, so a
``feed()`` or ``snapshot()`` call costs exactly what the engine costs); both classes are
registered as virtual subclasses, so ``isinstance(p, deltajson.Parser)`` holds.
"""

from __future__ import annotations

import os
from abc import ABCMeta
from typing import TYPE_CHECKING, Any, Literal, Optional, Union

from deltajson._errors import IncompleteJSONError
from deltajson._options import check_options
from deltajson._pure import Parser as PurePythonParser

RustParser: Optional[type[Any]]
try:
    from deltajson._deltajson import Parser as _CompiledParser

    RustParser = _CompiledParser
except ImportError:  # pragma: no cover - only without the compiled extension
    RustParser = None

Backend = Literal["rust", "python"]
FloatMode = Literal["float", "decimal"]
Chunk = Union[bytes, bytearray, memoryview, str]


def joined(pieces: list[Union[str, bytes]]) -> Union[str, bytes]:
    """Chunks kept as fed, as one text: a str, or bytes where any piece was bytes (str pieces
    in UTF-8, their lone surrogates kept, as the parser reads them)."""
    if all(isinstance(p, str) for p in pieces):
        return "".join(pieces)  # type: ignore[arg-type]
    return b"".join(p.encode("utf-8", "surrogatepass") if isinstance(p, str) else p for p in pieces)


PathPart = Union[str, int]
Path = tuple[PathPart, ...]
Op = tuple[str, Path, Any]
Status = Literal["empty", "partial", "complete", "error"]
TailState = Literal[
    "value",
    "first_item",
    "first_key",
    "key",
    "colon",
    "after_value",
    "string",
    "key_string",
    "word",
    "key_word",
    "comment",
    "number",
    "literal",
    "prose",
    "stopped",
    "error",
]

BACKENDS: tuple[str, ...] = ("rust", "python") if RustParser is not None else ("python",)


def backend_from_environment() -> Backend:
    """The engine named by ``$DELTAJSON_BACKEND``, else Rust if it is available."""
    chosen = os.environ.get("DELTAJSON_BACKEND", "").strip().lower()
    if chosen in ("rust", "python"):
        return chosen  # type: ignore[return-value]
    if chosen:
        raise ValueError(f"DELTAJSON_BACKEND must be 'rust' or 'python', not {chosen!r}")
    return "rust" if RustParser is not None else "python"


# Read once, when deltajson is imported: looking the variable up costs more than making a parser.
DEFAULT_BACKEND: Backend = backend_from_environment()


def default_backend() -> Backend:
    """The engine used when none is named (``$DELTAJSON_BACKEND`` at import time, else Rust)."""
    return DEFAULT_BACKEND


class Parser(metaclass=ABCMeta):  # noqa: B024 - an ABC for isinstance() over both engines
    """An incremental JSON parser: ``feed()`` chunks, read ``snapshot()`` any time, ``finish()``.

    Each ``feed(delta)`` costs O(len(delta)); ``snapshot()`` copies only the containers that are
    still open. See the README for the partial-value guarantees.

    Args:
        partial_strings: Show an unfinished string value as its decoded prefix (else strings
            appear only when closed).
        multiple: Read a stream of values (concatenated or JSON Lines) as if it were one array.
        max_depth: Deepest nesting allowed; one more ``[`` or ``{`` is an error.
        max_bytes: Largest total input accepted.
        max_string_bytes: Largest raw size of one string (key or value) between its quotes.
        allow_nan: Accept ``NaN``, ``Infinity`` and ``-Infinity``.
        float_mode: ``"float"`` (like ``json.loads``) or ``"decimal"`` (``decimal.Decimal``).
        lenient: For LLM output: skip prose and code fences before the first ``{`` or ``[``,
            stop after that value, accept trailing commas; each repair is listed in
            ``repairs``. With ``multiple``, read every object or array found that way (the
            text between them skipped too) into the list of values.
        repair: Read the broken JSON models write, as it streams (implies ``lenient``):
            single quotes, unquoted keys and values, ``True``/``False``/``None``, comments,
            missing commas, raw control characters and stray quotes in strings, numbers
            such as ``.5`` or ``1_000``, and input cut short (``finish()`` closes it). Each
            repair is listed in ``repairs``; one that depends on what follows is held (not
            shown) until the input decides it. Valid JSON reads as without it. With
            ``multiple``, several values with no array around them (``{...}\n{...}``) are
            read as a list from the first (a snapshot never changes type).
        allow_lone_surrogates: Keep a lone surrogate, as ``json.loads`` does: a
            ``\\uD800``-``\\uDFFF`` escape that is not half of a surrogate pair, or such a
            character in a ``str`` chunk; ``False`` makes either an error (such a string
            cannot be encoded as UTF-8).
        backend: ``"rust"`` or ``"python"``; default from ``$DELTAJSON_BACKEND`` (read when
            deltajson is imported), else Rust.

    Threads: a parser reads one stream; give each thread its own (parsers of different
    threads share nothing mutable, and run in parallel on a free-threaded CPython). A call
    that would overlap another on the same parser, from another thread, raises
    ``RuntimeError`` and changes nothing.
    """

    if TYPE_CHECKING:

        def __new__(
            cls,
            *,
            partial_strings: bool = True,
            multiple: bool = False,
            max_depth: int = 1024,
            max_bytes: Optional[int] = None,
            max_string_bytes: Optional[int] = None,
            allow_nan: bool = False,
            float_mode: FloatMode = "float",
            lenient: bool = False,
            allow_lone_surrogates: bool = True,
            repair: bool = False,
            backend: Optional[Backend] = None,
        ) -> Parser: ...

    else:

        def __new__(cls, *, backend=None, **options):
            # Only the options given are passed on: this runs once per stream, and forwarding
            # every default through Python cost more than building the engine.
            chosen = backend if backend is not None else DEFAULT_BACKEND
            if options:
                check_options(options)  # the same refusals from both engines
            if chosen == "rust" and RustParser is not None:
                return RustParser(**options)
            if chosen == "python":
                return PurePythonParser(**options)
            if chosen == "rust":
                raise ImportError("the deltajson Rust extension is not available")
            raise ValueError(f"backend must be 'rust' or 'python', not {chosen!r}")

    if TYPE_CHECKING:
        # The engines implement these; declared here for type checkers and documentation.

        def feed(self, chunk: Chunk, /) -> None:
            """Feeds the next chunk (bytes, bytearray, memoryview or str).

            Raises:
                JSONError: if the chunk holds the first invalid byte (or the parser failed
                    earlier: it stays failed).
            """

        def snapshot(self, *, copy: bool = True) -> Any:
            """The current partial value (``None`` before any value began).

            With ``copy=True`` the result is never mutated by later feeds and the same object
            comes back while nothing changed. Snapshots share their completed values, and one
            you let go of may be reused for the next: treat them as read-only (copy one to
            edit it). ``copy=False`` returns the live tree (zero copy), which later feeds keep
            extending; treat it as read-only too, and read it between feeds: on a
            free-threaded CPython another thread reading it while a feed runs may see it
            half-updated (a snapshot is what to hand to another thread).
            """

        def finish(self) -> Any:
            """Ends the input and returns the final value.

            Raises:
                IncompleteJSONError: the input ended early; ``.partial`` holds the last
                    snapshot.
                JSONError: the input was invalid.
            """

        def changes(self) -> list[Op]:
            """The changes since the last call, as ops replaying to ``snapshot()``:
            ``("add", path, value)`` (a key or item appears; a container arrives empty),
            ``("append", path, text)`` (an open string grows) and ``("done", path, value)``
            (a value completes). The first call starts recording and returns the current
            value as ``("add", (), value)``. O(delta) per call."""

        def patch_event(self, progress: Optional[float] = None) -> Optional[bytes]:
            """The Server-Sent Event ``patch`` of the changes since the last call, as the
            bytes ``deltajson.sse`` sends (``event: patch`` and one ``data:`` line of
            ``{"ops": [...JSON Patch...], "completed": [...pointers...]}``, with
            ``"progress"`` if given), or ``None`` when nothing changed. It takes the same ops
            ``changes()`` would return (the first call starts recording), but writes them
            without making Python objects of them: what a server that only forwards them
            needs. See ``deltajson.sse`` for the format."""

        def done(self) -> list[tuple[Path, Any]]:
            """The ``(path, value)`` pairs completed since the last call, in completion order
            (the first call starts recording and returns ``[]``)."""

        def select(self, path: Path, /, *, drop: bool = False) -> None:
            """Collects every value completed at a path matching ``path`` (keys, indexes,
            ``"*"``) for ``pop_selected()``; with ``drop`` the value then leaves the tree."""

        def pop_selected(self) -> list[tuple[Path, Any]]:
            """The ``(path, value)`` pairs selected since the last call."""

        def completed(self, path: Path, /) -> bool:
            """Whether the value at ``path`` exists and is complete."""

        @property
        def repairs(self) -> list[tuple[str, int, int]]:
            """Lenient- and repair-mode repairs: ``(kind, byte offset, length)`` (kinds
            such as ``"skipped_prefix"``, ``"trailing_comma"``, ``"ignored_suffix"``). The
            list only grows while the stream is read: each repair is added once final, and
            ``"ignored_suffix"`` when the input ends (at ``finish()`` or at an error)."""

        @property
        def status(self) -> Status:
            """``"empty"``, ``"partial"``, ``"complete"`` or ``"error"``."""

        @property
        def path(self) -> tuple[PathPart, ...]:
            """Path of the value being written now, e.g. ``("items", 3, "title")``."""

        @property
        def tail(self) -> tuple[TailState, int]:
            """What the parser is in the middle of, as ``(state, pending)``.

            ``state`` is where the grammar stands after the last byte: ``"value"`` (a value
            must follow), ``"first_item"`` (after ``[``), ``"first_key"`` (after ``{``),
            ``"key"`` (after ``,`` in an object), ``"colon"``, ``"after_value"``,
            ``"string"``, ``"key_string"``, ``"number"``, ``"literal"``, ``"prose"`` /
            ``"stopped"`` (lenient mode, before / after the value), ``"word"`` /
            ``"key_word"`` / ``"comment"`` (repair mode: an unquoted value or key, a comment)
            or ``"error"``.
            ``pending`` counts the last bytes fed that belong to the unfinished token and are
            not in ``snapshot()`` yet: a number, literal or unquoted word so far, the
            undecoded end of a string (a partial escape, a ``\\uD83D`` waiting for its pair,
            part of a UTF-8 character), or in repair mode a held closing quote and the
            whitespace after it. A caller that keeps the input can render that token its own way —
            the compatibility shims do, to reproduce other parsers' rules.
            """

        @property
        def offset(self) -> int:
            """Bytes consumed (the error's offset once failed)."""

        @property
        def line(self) -> int:
            """1-based line of ``offset``."""

        @property
        def column(self) -> int:
            """1-based column of ``offset``, in characters."""

        @property
        def depth(self) -> int:
            """Number of open arrays and objects."""

        @property
        def backend(self) -> Backend:
            """The engine: ``"rust"`` or ``"python"``."""


if RustParser is not None:
    Parser.register(RustParser)
Parser.register(PurePythonParser)


def loads(
    data: Chunk,
    /,
    *,
    partial: bool = True,
    partial_strings: bool = True,
    multiple: bool = False,
    max_depth: int = 1024,
    max_bytes: Optional[int] = None,
    max_string_bytes: Optional[int] = None,
    allow_nan: bool = False,
    float_mode: FloatMode = "float",
    lenient: bool = False,
    allow_lone_surrogates: bool = True,
    repair: bool = False,
    backend: Optional[Backend] = None,
) -> Any:
    """Parses a whole (possibly truncated) document in one call.

    With ``partial=True`` a document cut short gives its partial value, with the same rules as
    ``Parser.snapshot()``, except that a number at the very end is complete (the input has
    ended, so it cannot continue); invalid JSON still raises. With ``partial=False`` it
    behaves like ``json.loads``. With ``repair=True`` the broken JSON models write is read
    (see ``Parser``) and a document cut short is closed where it ends.

    Raises:
        JSONError: the text is invalid.
        IncompleteJSONError: the text is cut short and ``partial`` is False.
    """
    parser = Parser(
        partial_strings=partial_strings,
        multiple=multiple,
        max_depth=max_depth,
        max_bytes=max_bytes,
        max_string_bytes=max_string_bytes,
        allow_nan=allow_nan,
        float_mode=float_mode,
        lenient=lenient,
        allow_lone_surrogates=allow_lone_surrogates,
        backend=backend,
        **({"repair": True} if repair else {}),
    )
    parser.feed(data)
    try:
        return parser.finish()
    except IncompleteJSONError as e:
        if partial:
            return e.partial
        raise

"""Test helpers: strict equality, the partial-value invariants of DESIGN §3, chunking."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Union

import deltajson

Chunk = Union[bytes, str]


def strict_equal(a: Any, b: Any) -> bool:
    """Equality that also compares types (``1 != 1.0 != True``) and the sign of zero."""
    if type(a) is not type(b):
        return False
    if isinstance(a, Decimal):
        return repr(a) == repr(b)  # exact digits, NaN included
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(strict_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def grows_into(before: Any, after: Any, *, partial_strings: bool = True) -> bool:
    """Whether ``after`` can follow ``before`` under DESIGN §3: strings only grow at the end,
    lists only append or extend their last item, dicts only add keys (in order) or extend
    their last key's value, types never change and atoms never change."""
    if before is None:
        return True
    if type(before) is not type(after):
        return False
    if isinstance(before, str):
        return after.startswith(before) if partial_strings else before == after
    if isinstance(before, list):
        if len(after) < len(before):
            return False
        if not before:
            return True
        done = len(before) - 1
        return all(
            strict_equal(x, y) for x, y in zip(before[:done], after[:done], strict=True)
        ) and grows_into(before[done], after[done], partial_strings=partial_strings)
    if isinstance(before, dict):
        keys = list(before)
        if list(after)[: len(keys)] != keys:
            return False
        if not keys:
            return True
        *done, last = keys
        return all(strict_equal(before[k], after[k]) for k in done) and grows_into(
            before[last], after[last], partial_strings=partial_strings
        )
    return strict_equal(before, after)


def check_snapshots(snapshots: Sequence[Any], final: Any, *, partial_strings: bool = True) -> None:
    """Asserts the §3 guarantees over one stream's successive snapshots."""
    previous = None
    for i, snap in enumerate(snapshots):
        assert grows_into(previous, snap, partial_strings=partial_strings), (i, previous, snap)
        assert grows_into(snap, final, partial_strings=partial_strings), (i, snap, final)
        previous = snap


def split(data: Any, cuts: Iterable[int]) -> list[Any]:
    """Splits ``data`` at the given cut points (taken modulo its length + 1)."""
    points = sorted({c % (len(data) + 1) for c in cuts})
    chunks, start = [], 0
    for p in points:
        chunks.append(data[start:p])
        start = p
    chunks.append(data[start:])
    return chunks


def stream(
    chunks: Iterable[Chunk], backend: str, **options: Any
) -> tuple[list[Any], Any, deltajson.Parser]:
    """Feeds every chunk, keeping a snapshot after each (and a deep copy to prove that later
    feeds never mutate it); returns the snapshots, the final value and the parser."""
    parser = deltajson.Parser(backend=backend, **options)  # type: ignore[arg-type]
    snapshots, copies = [], []
    for chunk in chunks:
        parser.feed(chunk)
        snap = parser.snapshot()
        snapshots.append(snap)
        copies.append(copy.deepcopy(snap))
    final = parser.finish()
    for snap, kept in zip(snapshots, copies, strict=True):
        assert strict_equal(snap, kept), "a snapshot was mutated by a later feed"
    return snapshots, final, parser


def loads_reference(text: Union[str, bytes]) -> Any:
    """What the standard library makes of the whole document."""
    return json.loads(text)


def error_fields(e: deltajson.JSONError) -> tuple[Any, ...]:
    """What both engines must report alike; the excerpt too for grammar errors, whose last
    character is the offending one (the compat shims read it)."""
    excerpt = e.excerpt if e.msg.startswith("expected") and not e.is_eof else None
    return (type(e), e.msg, e.offset, e.lineno, e.colno, excerpt)


def outcome(backend: str, chunks: list[Any], **options: Any) -> list[Any]:
    """Everything observable after each feed, then the result of finish()."""
    parser = deltajson.Parser(backend=backend, **options)
    trace: list[Any] = [parser.changes(), parser.done()]
    for chunk in chunks:
        try:
            parser.feed(chunk)
        except deltajson.JSONError as e:
            trace.append(("error", *error_fields(e), parser.snapshot()))
            return trace
        trace.append(
            (
                parser.snapshot(),
                parser.status,
                parser.path,
                parser.offset,
                parser.line,
                parser.column,
                parser.depth,
                parser.tail,
                parser.changes(),
                parser.done(),
                parser.repairs,
            )
        )
    try:
        trace.append(("final", parser.finish()))
    except deltajson.JSONError as e:
        trace.append(("error", *error_fields(e), parser.snapshot()))
    return trace


def assert_engines_agree(chunks: list[Any], as_text: bool, **options: Any) -> None:
    """Both engines observe the same after each feed and at the end (the chunks as bytes, or
    as ``str`` with invalid bytes turned into lone surrogates)."""
    if as_text:
        chunks = [c.decode("utf-8", "surrogateescape") for c in chunks]
    traces = [outcome(b, chunks, **options) for b in deltajson.BACKENDS]
    for other in traces[1:]:
        assert repr(other) == repr(traces[0])


def assert_chunking_independent(data: bytes, chunks: list[bytes], **options: Any) -> None:
    """Each engine ends ``chunks`` as it ends ``data`` in one feed: the same error where it
    is (and what was built before it), or the same value and repairs."""
    for backend in deltajson.BACKENDS:
        whole = outcome(backend, [data], **options)
        pieces = outcome(backend, chunks, **options)
        if whole[-1][0] == "error" or pieces[-1][0] == "error":
            assert repr(whole[-1]) == repr(pieces[-1])
        else:
            assert strict_equal(whole[-1][1], pieces[-1][1])
            # The repairs (the last entry of a feed's trace) after all the input.
            assert whole[-2][-1] == pieces[-2][-1]

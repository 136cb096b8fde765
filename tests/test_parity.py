"""Both engines answer alike where a user can tell them apart: option values (accepted, or
refused with the same exception and message), selections of keys with lone surrogates, and
messages that hold backslashes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import deltajson
from helpers import split
from strategies import cuts, json_texts

pytestmark = pytest.mark.skipif(len(deltajson.BACKENDS) < 2, reason="needs both engines")

_OPTION_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, 1, 2**32, 2**64 - 1, 2**64, -1]),
    st.floats(allow_nan=False),
    st.text(max_size=3),
    st.sampled_from(["float", "decimal", "lossless-float", b"float"]),
    st.lists(st.integers(), max_size=1),
)
_OPTIONS = (
    "max_depth",
    "max_bytes",
    "max_string_bytes",
    "partial_strings",
    "multiple",
    "allow_nan",
    "float_mode",
    "lenient",
    "allow_lone_surrogates",
    "repair",
)


def _outcome(backend: str, options: dict[str, Any]) -> tuple[str, str]:
    try:
        deltajson.Parser(backend=backend, **options)  # type: ignore[arg-type]
    except Exception as e:
        return type(e).__name__, str(e)
    return "ok", ""


@given(st.dictionaries(st.sampled_from(_OPTIONS), _OPTION_VALUES, max_size=3))
def test_option_values_are_judged_alike(options: dict[str, Any]) -> None:
    assert _outcome("rust", options) == _outcome("python", options)


@given(
    st.text(alphabet=st.sampled_from(["a", "\ud800", "\udfff", "é", "*"]), min_size=1, max_size=3),
    st.sampled_from([True, False]),
)
def test_selecting_keys_with_lone_surrogates(key: str, drop: bool) -> None:
    import json

    document = json.dumps({key: [1, {"b": 2}], "other": [3]})
    assume(key in json.loads(document))  # "\ud800\udfff" reads back as one character
    results = []
    for backend in ("rust", "python"):
        parser = deltajson.Parser(backend=backend)
        parser.select((key, "*"), drop=drop)
        parser.feed(document)
        parser.finish()
        results.append(parser.pop_selected())
    assert results[0] == results[1]
    if key != "*":
        assert [value for _, value in results[0]] == [1, {"b": 2}]


def test_the_lone_surrogate_message_is_the_same() -> None:
    messages = []
    for backend in ("rust", "python"):
        parser = deltajson.Parser(backend=backend, allow_lone_surrogates=False)
        with pytest.raises(deltajson.JSONError) as info:
            parser.feed('["\\ud800"]')
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert "a \\uD800-\\uDFFF escape" in messages[0]


@given(
    json_texts(),
    cuts,
    st.sampled_from([("*",), ("*", "*"), ("a", "*"), ("*", "a"), ("a",), (0,), ("*", 0)]),
    st.booleans(),
)
def test_ops_replay_to_the_snapshot_under_a_dropping_selection(
    case: tuple[Any, str], at: list[int], pattern: tuple[Any, ...], multiple: bool
) -> None:
    """With items dropped as they complete, ``("remove", path)`` says so and later op paths
    address the tree as it stands: replaying the ops gives ``snapshot()`` after every chunk,
    on both engines, with the same ops."""
    from deltajson.patch import apply_patch, to_json_patch

    text = case[1]
    if multiple:
        text = text + "\n" + text
    chunks = [c for c in split(text, at) if c]
    seen: list[list[Any]] = []
    for backend in ("rust", "python"):
        parser = deltajson.Parser(backend=backend, multiple=multiple)
        parser.changes()
        parser.select(pattern, drop=True)
        doc: Any = None
        ops: list[Any] = []
        for chunk in chunks:
            try:
                parser.feed(chunk)
            except deltajson.JSONError:
                break
            batch = parser.changes()
            ops.extend(batch)
            doc = apply_patch(doc, to_json_patch(batch))
            assert doc == parser.snapshot()
        seen.append(ops)
    assert seen[0] == seen[1]


@given(
    json_texts(),
    st.sampled_from(["", " ", " x", "\n  ]", "1", '"', "\n\u00e9"]),
    st.sampled_from([{}, {"max_depth": 3}, {"max_string_bytes": 4}, {"float_mode": "decimal"}]),
)
def test_a_whole_document_in_one_feed_reads_as_in_pieces(
    case: tuple[Any, str], after: str, options: dict[str, Any]
) -> None:
    """One feed of a whole document takes the Rust engine's fast path (recursive descent);
    what follows it, and ``finish()``, must see the parser exactly where the byte-by-byte
    path leaves it: the same values, errors, positions and excerpts, on both engines."""

    def outcome(backend: str, chunks: list[str]) -> tuple[Any, ...]:
        """Snapshots after the document and after what follows, then the end."""
        parser = deltajson.Parser(backend=backend, **options)
        seen: list[Any] = []
        try:
            for i, chunk in enumerate(chunks):
                parser.feed(chunk)
                if i >= len(chunks) - 2:
                    seen.append(parser.snapshot())
            return ("value", seen, parser.finish())
        except deltajson.JSONError as e:
            return ("error", seen, str(e), e.offset, e.line, e.column, e.is_eof)

    text = case[1]
    half = len(text) // 2
    whole = outcome("rust", [text, after])
    assert whole == outcome("rust", [text[:half], text[half:], after])
    assert whole == outcome("python", [text, after])

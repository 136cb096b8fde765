"""A ``str`` chunk may hold a lone surrogate as a character (not the escape ``\\ud800``): inside a
string, ``json.loads`` keeps it, and so do both engines, over any chunking; anywhere else, and
in ``bytes`` (where ``ED A0 80`` is not UTF-8), it is an error. With limits and
``allow_lone_surrogates=False`` both engines fail alike: same message, offset, line and column,
and the same snapshot before the error."""

from __future__ import annotations

import json
from typing import Any, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

import deltajson
from helpers import split
from strategies import cuts, documents_of

pytestmark = pytest.mark.skipif(len(deltajson.BACKENDS) < 2, reason="needs both engines")

_SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
# Strings rich in raw surrogates: next to each other (a raw high and low stay two code
# points), next to escapes, quotes and multi-byte characters.
_TEXT = st.text(
    st.one_of(_SURROGATES, st.sampled_from(['"', "\\", "é", "😀", "a", "\n"]), st.characters()),
    max_size=8,
)
_DOCUMENTS = documents_of(st.none() | st.integers() | _TEXT)


def _raw(value: Any) -> str:
    """``value`` as JSON with every non-ASCII character raw, lone surrogates included."""
    return json.dumps(value, ensure_ascii=False)


def _outcome(backend: str, chunks: list[str], **options: Any) -> tuple[list[Any], Any]:
    """The snapshot after each chunk, then the final value or the error's details."""
    parser = deltajson.Parser(backend=backend, **options)  # type: ignore[arg-type]
    seen: list[Any] = []
    try:
        for chunk in chunks:
            parser.feed(chunk)
            seen.append(parser.snapshot())
        return seen, ("value", parser.finish())
    except deltajson.JSONError as e:
        seen.append(parser.snapshot())
        return seen, ("error", str(e), e.offset, e.line, e.column, e.is_eof)


@given(_DOCUMENTS, cuts, st.booleans())
def test_raw_lone_surrogates_read_like_json_loads(
    value: Any, at: list[int], partial_strings: bool
) -> None:
    text = _raw(value)
    expected = json.loads(text)
    chunks = split(text, at)
    results = [
        _outcome(backend, chunks, partial_strings=partial_strings) for backend in ("rust", "python")
    ]
    assert results[0] == results[1]
    assert results[0][1] == ("value", expected)


@given(
    _DOCUMENTS,
    cuts,
    st.none() | st.integers(0, 60),
    st.none() | st.integers(0, 12),
    st.booleans(),
)
def test_both_engines_fail_alike_on_limits_and_refusal(
    value: Any,
    at: list[int],
    max_bytes: Optional[int],
    max_string_bytes: Optional[int],
    allow_lone_surrogates: bool,
) -> None:
    chunks = split(_raw(value), at)
    options = {
        "max_bytes": max_bytes,
        "max_string_bytes": max_string_bytes,
        "allow_lone_surrogates": allow_lone_surrogates,
    }
    assert _outcome("rust", chunks, **options) == _outcome("python", chunks, **options)


@pytest.mark.parametrize("backend", ["rust", "python"])
def test_a_raw_surrogate_is_kept_in_keys_and_values(backend: str) -> None:
    text = '{"\ud800k": ["a\udfffb", "\ud83d\ude00", "\\ud83d\ude00"]}'
    assert deltajson.loads(text, backend=backend) == json.loads(text)  # type: ignore[arg-type]
    # Two raw halves of a pair stay two code points, as json.loads keeps them.
    assert deltajson.loads('"\ud83d\ude00"', backend=backend) == "\ud83d\ude00"  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", ["rust", "python"])
def test_a_raw_surrogate_outside_a_string_or_in_bytes_is_an_error(backend: str) -> None:
    with pytest.raises(deltajson.JSONError, match="0xED") as info:
        deltajson.loads("[\ud800]", backend=backend)  # type: ignore[arg-type]
    assert (info.value.offset, info.value.column) == (1, 2)
    with pytest.raises(deltajson.JSONError, match="invalid UTF-8") as info:
        deltajson.loads('["a\ud800"]'.encode("utf-8", "surrogatepass"), backend=backend)  # type: ignore[arg-type]
    assert info.value.offset == 3


@pytest.mark.parametrize("backend", ["rust", "python"])
def test_a_raw_surrogate_is_refused_on_request_at_its_character(backend: str) -> None:
    parser = deltajson.Parser(backend=backend, allow_lone_surrogates=False)  # type: ignore[arg-type]
    parser.feed('["ok", "ab')
    with pytest.raises(deltajson.JSONError, match="lone surrogate") as info:
        parser.feed('\ud800"]')
    # Byte 10 (the UTF-8 offset), the 11th character; what came before it is kept.
    assert (info.value.offset, info.value.column) == (10, 11)
    assert parser.snapshot() == ["ok", "ab"]


@pytest.mark.parametrize("backend", ["rust", "python"])
def test_columns_count_a_raw_surrogate_as_one_character(backend: str) -> None:
    with pytest.raises(deltajson.JSONError) as info:
        deltajson.loads('["\ud800\udfff", x]', backend=backend)  # type: ignore[arg-type]
    # Bytes: [ " (3) (3) " , space x: the x is byte 11 and character 8.
    assert (info.value.offset, info.value.column) == (11, 8)


@pytest.mark.parametrize("backend", ["rust", "python"])
def test_the_typed_layer_fails_where_pydantic_does(backend: str) -> None:
    """Pydantic refuses a ``str`` with a lone surrogate, so a typed stream fails too, with
    a validation error and not an encoding error from inside deltajson."""
    import pydantic

    from deltajson.models import stream_model

    class Reply(pydantic.BaseModel):
        title: str
        tags: list[str]

    chunks = ['{"tags": ["x\ud800", ', '"y"], "title": "q', 'r"}']
    with pytest.raises(pydantic.ValidationError):
        Reply.model_validate_json("".join(chunks))
    with pytest.raises(deltajson.SchemaMismatch, match="tags"):
        for _ in stream_model(chunks, Reply, backend=backend):
            pass

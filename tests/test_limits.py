"""Limits and hostile input: clear errors, never a crash, never anything but JSONError."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import deltajson
from deltajson import JSONError


def test_100k_nested_brackets_are_a_clear_error(backend: str) -> None:
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    with pytest.raises(JSONError) as info:
        p.feed("[" * 100_000)
    assert info.value.msg == "nesting is deeper than max_depth=1024"
    assert info.value.offset == 1024
    assert p.depth == 1024  # the last good state is kept


def test_deep_nesting_without_recursion(backend: str) -> None:
    # With the limit raised, 100,000 levels parse: nothing in either engine recurses.
    depth = 100_000
    p = deltajson.Parser(max_depth=depth, backend=backend)  # type: ignore[arg-type]
    p.feed("[" * depth)
    assert p.depth == depth
    p.feed("]" * depth)
    value = p.finish()
    for _ in range(depth - 1):
        value = value[0]
    assert value == []


@pytest.mark.parametrize(
    "data",
    [b'"\xff"', b'["\xc3"]', b'"\xed\xa0\x80"', b'"\xf8\x88\x80\x80\x80"', b"\xfe\xff"],
)
def test_invalid_utf8_is_an_error(data: bytes, backend: str) -> None:
    with pytest.raises(JSONError):
        deltajson.loads(data, backend=backend)  # type: ignore[arg-type]


def test_lone_surrogate_in_str_input_is_kept_and_in_bytes_is_an_error(backend: str) -> None:
    # A str may hold a lone surrogate, which json.loads keeps; UTF-8 cannot, so in bytes
    # (ED A0 80) it is invalid input (tests/test_raw_surrogates.py has the rest).
    assert deltajson.loads('["a\ud800"]', backend=backend) == ["a\ud800"]  # type: ignore[arg-type]
    with pytest.raises(JSONError, match="invalid UTF-8") as info:
        deltajson.loads(b'["a\xed\xa0\x80"]', backend=backend)  # type: ignore[arg-type]
    assert info.value.offset == 3


def test_max_bytes(backend: str) -> None:
    p = deltajson.Parser(max_bytes=8, backend=backend)  # type: ignore[arg-type]
    p.feed("[1, 2, ")
    with pytest.raises(JSONError, match="max_bytes=8") as info:
        p.feed("3, 4]")
    assert info.value.offset == 8
    assert p.snapshot() == [1, 2]


def test_max_string_bytes(backend: str) -> None:
    p = deltajson.Parser(max_string_bytes=5, backend=backend)  # type: ignore[arg-type]
    p.feed('{"ok": "12345", "big": "123')
    with pytest.raises(JSONError, match="max_string_bytes=5") as info:
        p.feed('456"}')
    assert info.value.offset == 24 + 5  # content starts at byte 24
    assert p.snapshot() == {"ok": "12345", "big": "12345"}


def test_long_integer_is_refused_quickly(backend: str) -> None:
    digits = 200_000
    with pytest.raises(JSONError, match="digits"):
        deltajson.loads("9" * digits + " ", backend=backend)  # type: ignore[arg-type]


options = st.fixed_dictionaries(
    {},
    optional={
        "multiple": st.booleans(),
        "allow_nan": st.booleans(),
        "partial_strings": st.booleans(),
        "max_depth": st.integers(1, 3),
        "max_string_bytes": st.integers(0, 4),
        "max_bytes": st.integers(0, 40),
        "float_mode": st.sampled_from(["float", "decimal"]),
    },
)


@given(st.lists(st.binary(max_size=12) | st.text(max_size=12), max_size=6), options)
def test_any_input_raises_only_json_errors(chunks: list[Any], opts: dict[str, Any]) -> None:
    """No panic, no other exception: whatever the bytes, the result is a value or a JSONError."""
    for backend in deltajson.BACKENDS:
        p = deltajson.Parser(backend=backend, **opts)
        try:
            for chunk in chunks:
                p.feed(chunk)
                p.snapshot()
                _ = (p.status, p.path, p.offset, p.line, p.column, p.depth)
            p.finish()
        except JSONError:
            assert p.status == "error"
        except BaseException as e:  # a PanicException is a BaseException
            raise AssertionError(f"{backend}: {type(e).__name__}: {e}") from e


@pytest.mark.skipif("rust" not in deltajson.BACKENDS, reason="the Rust engine reports its size")
def test_consumed_input_is_not_retained() -> None:
    import sys

    idle = sys.getsizeof(deltajson.Parser(backend="rust"))
    assert idle < 1024
    items = (f'{{"k{i}": "{"x" * 300}", "n": {i}.5}}' for i in range(20_000))
    doc = "[" + ",".join(items) + "]"
    p = deltajson.Parser(backend="rust")
    for i in range(0, len(doc), 65_536):
        p.feed(doc[i : i + 65_536])
    # Token buffers, the stack and the builder's frames: no trace of the 6 MB read.
    assert sys.getsizeof(p) < idle + 4096
    # A huge number or key does not leave a huge buffer behind either.
    q = deltajson.Parser(backend="rust", multiple=True)
    q.feed('{"' + "k" * 1_000_000 + '": 1} ' + "7" * 3000 + ".5 ")
    assert sys.getsizeof(q) < idle + 4096

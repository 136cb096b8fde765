"""Hostile sizes and shapes: each is a correct result or a clear error, never a crash.

Times are measured in ``benches/adversarial.py`` (linear growth), not asserted here.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import deltajson

# The pure twin gets a tenth of the sizes: same code paths, a test-suite-sized wait.
SCALE = {"rust": 1, "python": 10}


def test_a_100_mb_string(backend: str) -> None:
    size = 100_000_000 // SCALE[backend]
    body = "ab\u00e9" * (size // 4)
    text = '{"body": "' + body + '"}'
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    p.feed(text.encode())
    value = p.finish()
    assert len(value["body"]) == len(body) and value["body"][-3:] == "ab\u00e9"


def test_a_huge_string_over_max_string_bytes_is_an_error_at_the_limit(backend: str) -> None:
    p = deltajson.Parser(max_string_bytes=1000, backend=backend)  # type: ignore[arg-type]
    with pytest.raises(deltajson.JSONError, match="longer than max_string_bytes=1000") as info:
        p.feed('["' + "x" * 5_000_000 + '"]')
    assert info.value.pos == 2 + 1000
    assert p.snapshot() == ["x" * 1000]  # what fit is kept


def test_a_million_keys(backend: str) -> None:
    n = 1_000_000 // SCALE[backend]
    text = "{" + ",".join(f'"k{i}": {i}' for i in range(n)) + "}"
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    for i in range(0, len(text), 65536):
        p.feed(text[i : i + 65536])
    value = p.finish()
    assert len(value) == n and value[f"k{n - 1}"] == n - 1


def test_a_key_repeated_many_times_keeps_the_last_value(backend: str) -> None:
    n = 200_000 // SCALE[backend]
    text = "{" + ",".join(f'"k": {i}' for i in range(n)) + "}"
    assert deltajson.loads(text, backend=backend) == json.loads(text) == {"k": n - 1}  # type: ignore[arg-type]


@pytest.mark.parametrize("chunk", [1, 7, 1 << 20])
def test_pathological_whitespace(backend: str, chunk: int) -> None:
    n = (20_000_000 if chunk > 1 else 200_000) // SCALE[backend]
    text = " \n\t\r" * (n // 4) + '[1, "a"]' + "\n " * (n // 2)
    p = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    data = text.encode()
    for i in range(0, len(data), chunk):
        p.feed(data[i : i + chunk])
    assert p.finish() == [1, "a"]
    assert p.line == text.count("\n") + 1


def test_a_long_fraction_is_correctly_rounded_or_exact(backend: str) -> None:
    digits = "0." + "3" * (1_000_000 // SCALE[backend]) + "e-2"
    assert deltajson.loads(digits, backend=backend) == json.loads(digits)  # type: ignore[arg-type]
    exact = deltajson.loads(digits, float_mode="decimal", backend=backend)  # type: ignore[arg-type]
    assert exact == Decimal(digits)


def test_an_integer_beyond_the_digit_limit_is_a_clear_error(backend: str) -> None:
    text = "[" + "9" * 100_000 + "]"
    with pytest.raises(ValueError) as theirs:
        json.loads(text)
    with pytest.raises(deltajson.JSONError, match="digits") as ours:
        deltajson.loads(text, backend=backend)  # type: ignore[arg-type]
    assert ours.value.pos == 1
    assert "limit" in str(theirs.value)


def test_very_deep_nesting_within_a_raised_limit(backend: str) -> None:
    depth = 200_000 // SCALE[backend]
    text = "[" * depth + "]" * depth
    value = deltajson.loads(text, max_depth=depth, backend=backend)  # type: ignore[arg-type]
    for _ in range(depth - 1):
        (value,) = value
    assert value == []

"""RFC 8259 conformance: every grammar rule, valid and invalid, with exact error positions.

Valid documents must equal ``json.loads``; invalid ones must fail at the first invalid byte,
with its byte offset, line and column (in characters), whether fed whole or byte by byte.
"""

from __future__ import annotations

import json
from typing import Any, Optional

import pytest

import deltajson
from helpers import strict_equal

VALID = [
    # JSON-text = ws value ws; every kind of value may be the top-level value
    ("top-level object", '{"a": 1}'),
    ("top-level array", "[1, 2]"),
    ("top-level string", '"x"'),
    ("top-level number", "42"),
    ("top-level true", "true"),
    ("top-level false", "false"),
    ("top-level null", "null"),
    ("all four whitespace characters", " \t\n\r[ \t\n\r1 \t\n\r, \t\n\r2 \t\n\r] \t\n\r"),
    # objects
    ("empty object", "{}"),
    ("empty object with whitespace", "{ \n }"),
    ("members", '{"a": 1, "b": [], "c": {}}'),
    ("empty key", '{"": 1}'),
    ("duplicate keys, last wins", '{"a": 1, "b": 2, "a": 3}'),
    ("nested objects", '{"a": {"b": {"c": {}}}}'),
    # arrays
    ("empty array", "[]"),
    ("nested arrays", "[[[]], [[], []]]"),
    ("mixed values", '[1, "a", true, false, null, {}, [], -0.5]'),
    # numbers: [minus] int [frac] [exp]
    ("zero", "0"),
    ("minus zero", "-0"),
    ("minus zero float", "-0.0"),
    ("int", "1234567890"),
    ("negative int", "-987"),
    ("big int, exact", "123456789012345678901234567890123456789"),
    ("big negative int", "-123456789012345678901234567890"),
    ("i64 edges", "[9223372036854775807, -9223372036854775808, 9223372036854775808]"),
    ("fraction", "3.14159"),
    ("exponent e", "1e10"),
    ("exponent E", "1E10"),
    ("exponent plus", "1e+10"),
    ("exponent minus", "1e-10"),
    ("fraction and exponent", "-12.5e-3"),
    ("exponent with leading zeros", "1e007"),
    ("zero with fraction", "0.000001"),
    ("float rounding", "0.1"),
    ("float correctly rounded", "2.2250738585072011e-308"),
    ("huge exponent overflows to inf", "1e400"),
    ("tiny underflows to zero", "1e-400"),
    ("many digits", "1." + "3" * 60),
    # strings
    ("empty string", '""'),
    ("unescaped ASCII", '"hello, world!"'),
    ("all escapes", '"\\" \\\\ \\/ \\b \\f \\n \\r \\t"'),
    ("unicode escape", '"\\u00e9\\u0041"'),
    ("uppercase hex", '"\\u00E9\\uABCD"'),
    ("escaped NUL", '"\\u0000"'),
    ("surrogate pair", '"\\ud83d\\ude00"'),
    ("lone high surrogate kept", '"\\ud800"'),
    ("lone low surrogate kept", '"\\udc00"'),
    ("high then non-low", '"\\ud800\\u0041"'),
    ("two highs then low", '"\\ud800\\ud83d\\ude00"'),
    ("raw UTF-8, 2 to 4 bytes", '"é€😀"'),
    ("DEL is not a control character", '"\x7f"'),
    ("non-characters are allowed", '"\\uffff\\ufffe"'),
    ("slash unescaped", '"a/b"'),
]


@pytest.mark.parametrize(("name", "text"), VALID, ids=[n for n, _ in VALID])
def test_valid_documents_equal_json_loads(name: str, text: str, backend: str) -> None:
    expected = json.loads(text)
    for data in (text, text.encode()):
        assert strict_equal(deltajson.loads(data, partial=False, backend=backend), expected)  # type: ignore[arg-type]
    # Byte by byte, too.
    parser = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    for b in text.encode():
        parser.feed(bytes([b]))
    assert strict_equal(parser.finish(), expected)


# (name, input, offset, line, column, message)
INVALID: list[tuple[str, Any, int, int, int, str]] = [
    # values
    ("empty input", "", 0, 1, 1, "expected a JSON value, found end of input"),
    ("only whitespace", " \n ", 3, 2, 2, "expected a JSON value, found end of input"),
    ("unknown token", "x", 0, 1, 1, "expected a JSON value, found 'x'"),
    ("single quotes", "'a'", 0, 1, 1, 'expected a JSON value, found "\'"'),
    ("capitalised literal", "True", 0, 1, 1, "expected a JSON value, found 'T'"),
    ("misspelt literal", "nul1", 3, 1, 4, "expected 'null', found '1'"),
    ("truncated literal", "fals", 4, 1, 5, "expected 'false', found end of input"),
    ("NaN without allow_nan", "NaN", 0, 1, 1, "expected a JSON value, found 'N'"),
    (
        "Infinity without allow_nan",
        "[Infinity]",
        1,
        1,
        2,
        "expected a JSON value or ']', found 'I'",
    ),
    (
        "other whitespace (form feed)",
        "\f1",
        0,
        1,
        1,
        "expected a JSON value, found control character U+000C",
    ),
    ("no-break space", "\u00a01", 0, 1, 1, "expected a JSON value, found non-ASCII byte 0xC2"),
    ("comment", "[1 /* c */]", 3, 1, 4, "expected ',' or ']' after an array item, found '/'"),
    # JSON-text: one value only
    ("two values", "1 2", 2, 1, 3, "expected end of input after the JSON value, found '2'"),
    ("trailing bracket", "[]]", 2, 1, 3, "expected end of input after the JSON value, found ']'"),
    # arrays
    ("leading comma", "[,1]", 1, 1, 2, "expected a JSON value or ']', found ','"),
    ("trailing comma", "[1,]", 3, 1, 4, "expected a JSON value, found ']'"),
    ("double comma", "[1,,2]", 3, 1, 4, "expected a JSON value, found ','"),
    ("missing comma", "[1 2]", 3, 1, 4, "expected ',' or ']' after an array item, found '2'"),
    (
        "unclosed array",
        "[1",
        2,
        1,
        3,
        "expected ',' or ']' after an array item, found end of input",
    ),
    ("wrong closer", "[1}", 2, 1, 3, "expected ',' or ']' after an array item, found '}'"),
    ("colon in array", "[1:2]", 2, 1, 3, "expected ',' or ']' after an array item, found ':'"),
    # objects
    ("unquoted key", "{a:1}", 1, 1, 2, "expected an object key (a string) or '}', found 'a'"),
    ("number key", "{1:1}", 1, 1, 2, "expected an object key (a string) or '}', found '1'"),
    ("missing colon", '{"a" 1}', 5, 1, 6, "expected ':' after the object key, found '1'"),
    ("equals instead of colon", '{"a"=1}', 4, 1, 5, "expected ':' after the object key, found '='"),
    ("missing value", '{"a":}', 5, 1, 6, "expected a JSON value, found '}'"),
    (
        "trailing comma in object",
        '{"a":1,}',
        7,
        1,
        8,
        "expected an object key (a string), found '}'",
    ),
    (
        "missing comma in object",
        '{"a":1 "b":2}',
        7,
        1,
        8,
        "expected ',' or '}' after an object member, found '\"'",
    ),
    (
        "unclosed object",
        '{"a":1',
        6,
        1,
        7,
        "expected ',' or '}' after an object member, found end of input",
    ),
    (
        "key without value at end",
        '{"a"',
        4,
        1,
        5,
        "expected ':' after the object key, found end of input",
    ),
    (
        "array closer for object",
        '{"a":1]',
        6,
        1,
        7,
        "expected ',' or '}' after an object member, found ']'",
    ),
    # numbers
    ("plus sign", "+1", 0, 1, 1, "expected a JSON value, found '+'"),
    ("leading zero", "01", 1, 1, 2, "expected end of input after the JSON value, found '1'"),
    (
        "leading zero in array",
        "[-012]",
        3,
        1,
        4,
        "expected ',' or ']' after an array item, found '1'",
    ),
    ("lone minus", "-", 1, 1, 2, "expected a digit, found end of input"),
    ("minus then letter", "[-a]", 2, 1, 3, "expected a digit, found 'a'"),
    ("leading dot", ".5", 0, 1, 1, "expected a JSON value, found '.'"),
    ("trailing dot", "1.", 2, 1, 3, "expected a digit, found end of input"),
    ("dot without digits", "[1.]", 3, 1, 4, "expected a digit, found ']'"),
    ("dot then exponent", "1.e5", 2, 1, 3, "expected a digit, found 'e'"),
    ("empty exponent", "[1e]", 3, 1, 4, "expected a digit or a sign in the exponent, found ']'"),
    ("exponent sign only", "1e+", 3, 1, 4, "expected a digit, found end of input"),
    ("hex number", "0x10", 1, 1, 2, "expected end of input after the JSON value, found 'x'"),
    ("-Infinity without allow_nan", "-Infinity", 1, 1, 2, "expected a digit, found 'I'"),
    # strings
    (
        "unterminated string",
        '"abc',
        4,
        1,
        5,
        "expected the closing '\"' of the string, found end of input",
    ),
    (
        "raw newline in string",
        '"a\nb"',
        2,
        1,
        3,
        "control character U+000A must be escaped inside a string",
    ),
    (
        "raw tab in string",
        '["\t"]',
        2,
        1,
        3,
        "control character U+0009 must be escaped inside a string",
    ),
    (
        "raw NUL in string",
        '"\x00"',
        1,
        1,
        2,
        "control character U+0000 must be escaped inside a string",
    ),
    (
        "unknown escape",
        '"\\x41"',
        2,
        1,
        3,
        "expected an escape character (one of \" \\ / b f n r t u), found 'x'",
    ),
    (
        "escaped single quote",
        '"\\\'"',
        2,
        1,
        3,
        'expected an escape character (one of " \\ / b f n r t u), found "\'"',
    ),
    (
        "short unicode escape",
        '"\\u12"',
        5,
        1,
        6,
        "expected a hexadecimal digit in the \\u escape, found '\"'",
    ),
    (
        "bad hex digit",
        '"\\u12G4"',
        5,
        1,
        6,
        "expected a hexadecimal digit in the \\u escape, found 'G'",
    ),
    (
        "uppercase U escape",
        '"\\U0041"',
        2,
        1,
        3,
        "expected an escape character (one of \" \\ / b f n r t u), found 'U'",
    ),
    (
        "unterminated escape",
        '"\\',
        2,
        1,
        3,
        'expected an escape character (one of " \\ / b f n r t u), found end of input',
    ),
    # encoding: UTF-8 only
    ("invalid byte in string", b'"\xff"', 1, 1, 2, "invalid UTF-8"),
    ("truncated sequence in string", b'"\xc3"', 1, 1, 2, "invalid UTF-8"),
    ("overlong encoding", b'"\xc0\xaf"', 1, 1, 2, "invalid UTF-8"),
    ("encoded surrogate", b'"\xed\xa0\x80"', 1, 1, 2, "invalid UTF-8"),
    ("beyond U+10FFFF", b'"\xf4\x90\x80\x80"', 1, 1, 2, "invalid UTF-8"),
    ("stray continuation byte", b'["\xe9\x80\x80\x80"]', 5, 1, 4, "invalid UTF-8"),
    (
        "non-ASCII outside strings",
        b"[\xc3\xa9]",
        1,
        1,
        2,
        "expected a JSON value or ']', found non-ASCII byte 0xC3",
    ),
    (
        "UTF-16 input",
        "[1]".encode("utf-16-le"),
        1,
        1,
        2,
        "expected a JSON value or ']', found control character U+0000",
    ),
    # positions: lines and columns in characters
    ("column counts characters", '{"ééé": x}', 11, 1, 9, "expected a JSON value, found 'x'"),
    ("line and column", "[\n  1,\n  x\n]", 9, 3, 3, "expected a JSON value, found 'x'"),
    ("carriage return is not a newline", "[\r1,\rx]", 5, 1, 6, "expected a JSON value, found 'x'"),
]


@pytest.mark.parametrize(
    ("name", "text", "offset", "line", "column", "message"), INVALID, ids=[c[0] for c in INVALID]
)
def test_invalid_documents(
    name: str, text: Any, offset: int, line: int, column: int, message: str, backend: str
) -> None:
    data = text.encode() if isinstance(text, str) else text
    whole = _error(backend, [data])
    assert (whole.msg, whole.offset, whole.line, whole.column) == (message, offset, line, column)
    byte_by_byte = _error(backend, [data[i : i + 1] for i in range(len(data))])
    assert (byte_by_byte.msg, byte_by_byte.offset) == (message, offset)
    assert (byte_by_byte.line, byte_by_byte.column) == (line, column)


def _error(backend: str, chunks: list[bytes]) -> deltajson.JSONError:
    parser = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    try:
        for chunk in chunks:
            parser.feed(chunk)
        parser.finish()
    except deltajson.JSONError as e:
        assert parser.status == "error"
        return e
    raise AssertionError("no error raised")


INVALID_BYTES = [c for c in INVALID if "end of input" not in c[5]]


@pytest.mark.parametrize(
    ("name", "text", "offset", "line", "column", "message"),
    INVALID_BYTES,
    ids=[c[0] for c in INVALID_BYTES],
)
def test_error_raised_by_the_feed_that_delivers_the_byte(
    name: str, text: Any, offset: int, line: int, column: int, message: str, backend: str
) -> None:
    data = text.encode() if isinstance(text, str) else text
    parser = deltajson.Parser(backend=backend)  # type: ignore[arg-type]
    parser.feed(data[:offset])  # everything before the bad byte is accepted...
    with pytest.raises(deltajson.JSONError) as info:
        parser.feed(data[offset : offset + 4])  # ...and the feed carrying it fails
    assert info.value.offset == offset


@pytest.mark.parametrize(
    ("text", "expected"),
    [("[NaN, Infinity, -Infinity]", None), ('{"x": -Infinity}', None), ("NaN", None)],
)
def test_allow_nan(text: str, expected: Optional[Any], backend: str) -> None:
    ours = deltajson.loads(text, partial=False, allow_nan=True, backend=backend)  # type: ignore[arg-type]
    assert repr(ours) == repr(json.loads(text))


def test_decimal_mode_is_exact(backend: str) -> None:
    from decimal import Decimal

    text = "[0.1, 1e400, -0.0, 3, 12345678901234567890.123456789]"
    ours = deltajson.loads(text, float_mode="decimal", backend=backend)  # type: ignore[arg-type]
    assert strict_equal(ours, json.loads(text, parse_float=Decimal))

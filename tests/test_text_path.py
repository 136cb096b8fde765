"""Strings of a whole document, read by descent (issue 28, item 2).

The descent checks a string's control characters and leaves its UTF-8 to the decoder that
makes the ``str`` (CPython's for long text, the extension's own, which checks every
sequence, for short text): so each byte is checked once. Whatever the text, a whole
document must read exactly as it reads in pieces through the scanner (which checks every
byte and reports the first bad one) and as the pure-Python engine reads it: the same value,
or the same error at the same byte.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import deltajson
import workloads as bench
from helpers import assert_chunking_independent, assert_engines_agree, outcome

#: Bytes that are not UTF-8, or not the shortest form, or not a character.
BAD = [
    b"\xff",
    b"\xc0\x80",  # overlong NUL
    b"\xe0\x80\xaf",  # overlong '/'
    b"\xed\xa0\x80",  # a surrogate
    b"\xed\xbf\xbf",
    b"\xf4\x90\x80\x80",  # past U+10FFFF
    b"\xf0\x8f\xbf\xbf",  # overlong
    b"\xe6\x97",  # cut short
    b"\x80",  # a lone continuation byte
    b"\xc3\x28",
]
#: Text around the bad bytes: short (the extension's decoder) and long (CPython's).
AROUND = [b"", "é".encode(), "東京 caf".encode(), ("x" * 70).encode(), ("é😀" * 30).encode()]


@pytest.mark.parametrize("bad", BAD, ids=[b.hex() for b in BAD])
@pytest.mark.parametrize("escape", [b"", b"\\n", b"\\u00e9", b"\\ud83d\\ude00"])
def test_invalid_utf8_in_a_whole_document_fails_where_the_scanner_fails(
    bad: bytes, escape: bytes
) -> None:
    for before in AROUND:
        for after in AROUND[:3]:
            text = before + escape + bad + after
            for doc in (
                b'{"k": "' + text + b'"}',
                b'["' + text + b'", 1]',
                b'{"' + text + b'": 1}',
            ):
                assert_chunking_independent(doc, [doc[i : i + 1] for i in range(len(doc))])
                assert_engines_agree([doc], as_text=False)
                assert outcome("rust", [doc])[-1][0] == "error"


@given(st.text(), st.sampled_from(["", "\\n", '\\"', "\\u00e9", "\\ud83d\\ude00", "\\ud800"]))
def test_any_text_reads_as_json_loads_reads_it(text: str, escape: str) -> None:
    body = json.dumps(text, ensure_ascii=False)[1:-1]
    doc = ('{"a": "' + body + escape + body + '", "' + body + '": [1]}').encode(
        "utf-8", "surrogatepass"
    )
    expected = json.loads(doc.decode("utf-8", "surrogatepass"))
    for backend in deltajson.BACKENDS:
        parser = deltajson.Parser(backend=backend)
        parser.feed(doc)
        assert parser.finish() == expected
    assert_chunking_independent(doc, [doc[i : i + 7] for i in range(0, len(doc), 7)])


def test_the_mixed_script_benchmark_text_reads_as_json_loads_reads_it() -> None:
    for size in ("1KB", "10KB", "100KB"):
        text = bench.document("text", size)
        expected = json.loads(text)
        got = deltajson.loads(text.encode(), partial=False)
        assert got == expected
        body = got["body"]
        assert type(body) is str and any(ord(c) > 0xFFFF for c in body)
        assert deltajson.loads(text, partial=False) == expected


def test_control_characters_are_refused_wherever_they_are() -> None:
    for at in (0, 5, 7, 8, 9, 15, 16, 31, 32, 33, 63, 64, 65, 100):
        text = b"a" * at + b"\x1f" + "é".encode() * 40
        doc = b'["' + text + b'"]'
        assert_chunking_independent(doc, [doc[i : i + 3] for i in range(0, len(doc), 3)])
        assert outcome("rust", [doc])[-1][0] == "error"

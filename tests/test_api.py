"""The Parser API, behaviour by behaviour, on both engines."""

from __future__ import annotations

import json
import pickle
from decimal import Decimal
from typing import Any

import pytest

import deltajson
from deltajson import IncompleteJSONError, JSONError


def make(backend: str, **options: Any) -> deltajson.Parser:
    return deltajson.Parser(backend=backend, **options)


def feed_all(parser: deltajson.Parser, *chunks: Any) -> list[Any]:
    out = []
    for chunk in chunks:
        parser.feed(chunk)
        out.append(parser.snapshot())
    return out


# ---- construction and backends ----------------------------------------------------------


def test_parser_is_the_chosen_engine(backend: str) -> None:
    p = make(backend)
    assert isinstance(p, deltajson.Parser)
    assert p.backend == backend
    assert f"backend='{backend}'" in repr(p)


def test_backend_from_environment() -> None:
    import subprocess
    import sys

    def default_with(value: str) -> subprocess.CompletedProcess[str]:
        code = "import deltajson; print(deltajson.Parser().backend)"
        env = {"DELTAJSON_BACKEND": value, "PATH": ""}
        return subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
        )

    assert default_with("python").stdout.strip() == "python"
    assert default_with("").stdout.strip() == deltajson.BACKENDS[0]
    failed = default_with("nonsense")
    assert failed.returncode != 0 and "DELTAJSON_BACKEND" in failed.stderr


def test_bad_options(backend: str) -> None:
    with pytest.raises(ValueError, match="float_mode"):
        make(backend, float_mode="double")
    with pytest.raises(ValueError, match="max_depth"):
        make(backend, max_depth=0)
    with pytest.raises(ValueError, match="backend"):
        deltajson.Parser(backend="go")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        deltajson.Parser(True)  # type: ignore[misc]  # options are keyword-only


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview, str])
def test_chunk_types(kind: Any, backend: str) -> None:
    p = make(backend)
    for piece in ['{"a": "é', '😀", "b": [1', "]}"]:
        p.feed(kind(piece.encode()) if kind is not str else piece)
    assert p.finish() == {"a": "é😀", "b": [1]}


def test_other_chunk_types_are_a_type_error(backend: str) -> None:
    p = make(backend)
    with pytest.raises(TypeError, match="bytes, bytearray, memoryview or str"):
        p.feed(123)  # type: ignore[arg-type]
    assert p.status == "empty"  # a wrong call does not break the parser
    p.feed("[]")
    assert p.finish() == []


# ---- partial values: DESIGN §3 one rule at a time ----------------------------------------


def test_empty_before_any_value(backend: str) -> None:
    p = make(backend)
    assert (p.snapshot(), p.status, p.path, p.depth) == (None, "empty", (), 0)
    p.feed(" \n\t ")
    assert (p.snapshot(), p.status) == (None, "empty")


def test_atoms_appear_only_when_complete(backend: str) -> None:
    p = make(backend)
    # A number is complete only when a byte that cannot continue it arrives; a literal is
    # complete at its last letter (nothing can extend it).
    assert feed_all(p, "[1", "2", ", tr", "ue", ", nu", "ll,", "-", "0.5", "e1", "]") == [
        [],
        [],
        [12],
        [12, True],
        [12, True],
        [12, True, None],
        [12, True, None],
        [12, True, None],
        [12, True, None],
        [12, True, None, -5.0],
    ]


def test_top_level_number_completes_at_finish_or_delimiter(backend: str) -> None:
    p = make(backend)
    p.feed("12")
    assert (p.snapshot(), p.status) == (None, "partial")
    assert p.finish() == 12
    q = make(backend)
    q.feed("12 ")
    assert (q.snapshot(), q.status) == (12, "complete")


def test_keys_appear_complete_and_only_with_their_value(backend: str) -> None:
    p = make(backend)
    assert feed_all(p, '{"ti', 'tle"', ":", ' "', "Hi", '", "n": 1', "0}") == [
        {},
        {},
        {},
        {"title": ""},
        {"title": "Hi"},
        {"title": "Hi"},
        {"title": "Hi", "n": 10},
    ]


def test_split_escapes_are_never_half_visible(backend: str) -> None:
    p = make(backend)
    snaps = feed_all(p, '["a\\', "n", "\\u00", "e9", "\\ud83d", "\\ude00", '"]')
    assert snaps == [["a"], ["a\n"], ["a\n"], ["a\né"], ["a\né"], ["a\né😀"], ["a\né😀"]]


def test_split_utf8_is_never_half_visible(backend: str) -> None:
    data = '["é😀x"]'.encode()
    p = make(backend)
    snaps = feed_all(p, *(data[i : i + 1] for i in range(len(data))))
    assert snaps[0] == []
    assert [s[0] for s in snaps[1:]] == ["", "", "é", "é", "é", "é", "é😀", "é😀x", "é😀x", "é😀x"]


def test_lone_surrogate_escape_is_kept_like_json_loads(backend: str) -> None:
    p = make(backend)
    assert feed_all(p, '"\\ud800', "x", '"') == ["", "\ud800x", "\ud800x"]
    assert p.finish() == json.loads('"\\ud800x"')


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ('["\\udc00"]', 7),  # a low half alone: at its last hex digit
        ('["\\ud800"]', 8),  # a high half not followed by an escape: at what follows
        ('["\\ud800\\n"]', 9),  # followed by another escape: at its letter
        ('["\\ud800\\u0041"]', 13),  # followed by a \u escape that is no low half
    ],
)
def test_lone_surrogates_refused_on_request(text: str, offset: int, backend: str) -> None:
    p = make(backend, allow_lone_surrogates=False)
    with pytest.raises(deltajson.JSONError, match="surrogate pair") as info:
        for i in range(len(text)):  # byte at a time: the error comes at the same byte
            p.feed(text[i])
    assert info.value.offset == offset
    q = make(backend, allow_lone_surrogates=False)
    q.feed('["\\ud83d\\ude00", "\\ud83d')  # a pair, and a half still waiting: fine
    assert q.snapshot() == ["😀", ""]


def test_partial_strings_off(backend: str) -> None:
    p = make(backend, partial_strings=False)
    assert feed_all(p, '{"a": "xy', 'z", "b": "', '"}') == [{}, {"a": "xyz"}, {"a": "xyz", "b": ""}]


def test_duplicate_keys_last_wins(backend: str) -> None:
    text = '{"a": 1, "b": 2, "a": 3}'
    assert deltajson.loads(text, backend=backend) == json.loads(text) == {"a": 3, "b": 2}


def test_exact_numbers(backend: str) -> None:
    text = "[123456789012345678901234567890, 0.1, 1e400, -0, -0.0, 5e-324]"
    ours = deltajson.loads(text, backend=backend)
    assert repr(ours) == repr(json.loads(text))


def test_float_mode_decimal(backend: str) -> None:
    assert deltajson.loads("[1.10, 2]", float_mode="decimal", backend=backend) == [
        Decimal("1.10"),
        2,
    ]


def test_allow_nan(backend: str) -> None:
    assert (
        repr(deltajson.loads("[NaN, -Infinity]", allow_nan=True, backend=backend)) == "[nan, -inf]"
    )
    with pytest.raises(JSONError):
        deltajson.loads("[NaN]", backend=backend)


# ---- snapshots: copies, identity, live tree ----------------------------------------------


def test_snapshot_is_never_mutated_and_reused_while_unchanged(backend: str) -> None:
    p = make(backend)
    p.feed('{"items": [{"t": "a')
    first = p.snapshot()
    assert p.snapshot() is first  # nothing changed: the same object
    p.feed("bc")
    second = p.snapshot()
    assert first == {"items": [{"t": "a"}]}  # untouched by the later feed
    assert second == {"items": [{"t": "abc"}]}
    p.feed(" ")  # whitespace inside a string is content: it changes the value...
    assert p.snapshot() is not second
    p.feed('"}, ')  # ...while structure-only progress may leave it equal
    third = p.snapshot()
    p.feed("   ")
    assert p.snapshot() is third


def test_completed_values_are_shared_not_copied(backend: str) -> None:
    p = make(backend)
    p.feed('[{"a": [1, 2]}, {"b": ')
    one = p.snapshot()
    p.feed("3")
    p.feed("}")
    two = p.snapshot()
    assert one[0] is two[0]  # the completed first item is the same object


def test_copy_false_returns_the_live_tree(backend: str) -> None:
    p = make(backend)
    p.feed('{"a": [1, ')
    live = p.snapshot(copy=False)
    p.feed("2, 3]")
    assert p.snapshot(copy=False) is live
    assert live == {"a": [1, 2, 3]}


def test_live_tree_never_changes_a_string_someone_holds(backend: str) -> None:
    # On the live tree an open string grows in place when nothing else holds it; a string the
    # caller kept must stay as it was.
    p = make(backend)
    p.feed('{"s": "ab')
    live = p.snapshot(copy=False)
    held = live["s"]
    p.feed("cd")
    copied = p.snapshot()
    p.feed("ef")
    assert p.snapshot(copy=False) is live
    assert (held, copied["s"], live["s"]) == ("ab", "abcd", "abcdef")
    p.feed('gh"}')
    assert (held, copied, p.finish()) == ("ab", {"s": "abcd"}, {"s": "abcdefgh"})


def test_finish_returns_the_final_value(backend: str) -> None:
    p = make(backend)
    p.feed('{"a": 1}  ')
    assert p.status == "complete"
    assert p.finish() == {"a": 1}
    assert p.finish() == {"a": 1}
    with pytest.raises(JSONError, match=r"feed\(\) after finish\(\)"):
        p.feed("1")


# ---- progress: path, offset, line, column, depth -----------------------------------------


def test_path_follows_the_value_being_written(backend: str) -> None:
    p = make(backend)
    steps = {
        '{"items": [': ("items",),
        '{"title": "Fir': ("items", 0, "title"),
        'st", ': ("items", 0),
        '"n": ': ("items", 0, "n"),
        "4": ("items", 0, "n"),
        "}, ": ("items",),
        "[": ("items", 1),
        "]]": (),
        "}": (),
    }
    for chunk, path in steps.items():
        p.feed(chunk)
        assert p.path == path, chunk
    assert p.status == "complete"


@pytest.mark.parametrize(
    ("text", "tail"),
    [
        (b"", ("value", 0)),
        (b"[", ("first_item", 0)),
        (b"[1, ", ("value", 0)),
        (b"[-12.5e", ("number", 6)),
        (b"[tr", ("literal", 2)),
        (b"[-Inf", ("literal", 4)),
        (b'{"a', ("key_string", 0)),
        (b'{"a" ', ("colon", 0)),
        (b'{"a": 1, ', ("key", 0)),
        (b"{", ("first_key", 0)),
        (b'["ab', ("string", 0)),
        (b'["ab\\', ("string", 1)),
        (b'["ab\\u00', ("string", 4)),
        (b'["\\ud83d', ("string", 6)),
        (b'["\\ud83d\\ude', ("string", 10)),
        (b'["\xf0\x9f', ("string", 2)),
        (b"[true ", ("after_value", 0)),
        (b"[1}", ("error", 0)),
    ],
)
def test_tail_names_the_unfinished_token(text: bytes, tail: tuple[str, int], backend: str) -> None:
    p = make(backend, allow_nan=True)
    try:
        p.feed(text)
    except deltajson.JSONError:
        pass
    assert p.tail == tail
    state, pending = p.tail
    if state in ("number", "literal"):
        # The pending bytes are exactly the token so far: what snapshot() leaves out.
        assert text[len(text) - pending :] in (b"-12.5e", b"tr", b"-Inf")


def test_offset_line_column_depth(backend: str) -> None:
    p = make(backend)
    p.feed('{\n "é": [')
    assert (p.offset, p.line, p.column, p.depth) == (10, 2, 8, 2)
    p.feed('"')
    p.feed(b"\xf0\x9f")  # half a character: a column from its first byte on
    assert (p.offset, p.line, p.column, p.depth) == (13, 2, 10, 2)


# ---- errors ------------------------------------------------------------------------------


def test_error_is_a_json_decode_error_with_position(backend: str) -> None:
    p = make(backend)
    p.feed('{"a": [1, 2')
    with pytest.raises(json.JSONDecodeError) as info:
        p.feed("\n, x]}")
    e = info.value
    assert isinstance(e, JSONError) and isinstance(e, ValueError)
    assert (e.offset, e.line, e.column) == (14, 2, 3)
    assert (e.pos, e.lineno, e.colno) == (14, 2, 3)
    assert e.msg == "expected a JSON value, found 'x'"
    assert str(e) == "expected a JSON value, found 'x': line 2 column 3 (byte 14), near ', x'"
    assert not e.is_eof


def test_parser_stays_failed_and_keeps_the_last_good_value(backend: str) -> None:
    p = make(backend)
    p.feed('{"a": [1, "tw')
    with pytest.raises(JSONError) as first:
        p.feed('o", 3 4]}')
    assert p.status == "error"
    assert p.snapshot() == {"a": [1, "two", 3]}
    with pytest.raises(JSONError) as again:
        p.feed("]")
    assert (again.value.msg, again.value.offset) == (first.value.msg, first.value.offset)
    with pytest.raises(JSONError):
        p.finish()
    assert p.offset == first.value.offset


def test_incomplete_input_keeps_the_partial(backend: str) -> None:
    p = make(backend)
    p.feed('{"a": "xy')
    with pytest.raises(IncompleteJSONError) as info:
        p.finish()
    e = info.value
    assert e.partial == {"a": "xy"}
    assert e.is_eof and isinstance(e, JSONError)
    assert e.msg == "expected the closing '\"' of the string, found end of input"


def test_errors_pickle(backend: str) -> None:
    with pytest.raises(IncompleteJSONError) as info:
        deltajson.loads("[1, [", partial=False, backend=backend)
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is IncompleteJSONError
    assert (copy.msg, copy.offset, copy.partial, str(copy)) == (
        info.value.msg,
        info.value.offset,
        [1, []],
        str(info.value),
    )


def test_integer_digit_limit_like_json_loads(backend: str) -> None:
    import sys

    limit = sys.get_int_max_str_digits()
    with pytest.raises(ValueError):
        json.loads("1" * (limit + 1))
    with pytest.raises(JSONError, match="digits") as info:
        deltajson.loads("[7, " + "1" * (limit + 1) + "]", backend=backend)
    assert info.value.offset == 4
    # A long float is fine, as for json.loads.
    assert deltajson.loads("1" * (limit + 1) + ".5", backend=backend) == json.loads(
        "1" * (limit + 1) + ".5"
    )


# ---- multiple values ---------------------------------------------------------------------


def test_multiple_values_as_one_array(backend: str) -> None:
    p = make(backend, multiple=True)
    assert feed_all(p, '{"a": 1}\n{"b"', ": [2", "]}\n3", " ") == [
        [{"a": 1}, {}],
        [{"a": 1}, {"b": []}],
        [{"a": 1}, {"b": [2]}],
        [{"a": 1}, {"b": [2]}, 3],
    ]
    assert p.path == ()
    assert p.finish() == [{"a": 1}, {"b": [2]}, 3]


def test_multiple_path_starts_with_the_value_index(backend: str) -> None:
    p = make(backend, multiple=True)
    p.feed('[1] {"k": "v')
    assert p.path == (1, "k")


def test_multiple_empty_stream(backend: str) -> None:
    p = make(backend, multiple=True)
    p.feed("\n\n")
    assert (p.snapshot(), p.status, p.finish()) == (None, "empty", [])


# ---- loads --------------------------------------------------------------------------------


def test_loads(backend: str) -> None:
    assert deltajson.loads('{"a": [1, "b', backend=backend) == {"a": [1, "b"]}
    assert deltajson.loads(b"[1, 2]", partial=False, backend=backend) == [1, 2]
    with pytest.raises(IncompleteJSONError):
        deltajson.loads("[1, 2", partial=False, backend=backend)
    with pytest.raises(JSONError):
        deltajson.loads("[1, x", backend=backend)
    assert deltajson.loads("", backend=backend) is None


def test_per_chunk_calls_take_every_shape_of_call() -> None:
    """feed() and snapshot() take a fast entry point for their usual calls and PyO3's own
    wrapper for any other; both give the same answers and the same errors."""
    if "rust" not in deltajson.BACKENDS:
        pytest.skip("needs the Rust engine")
    import inspect

    cls = type(deltajson.Parser(backend="rust"))
    assert str(inspect.signature(cls.snapshot)) == "(self, /, *, copy=True)"
    assert str(inspect.signature(cls.feed)) == "(self, chunk, /)"
    p = deltajson.Parser(backend="rust")
    p.feed(b'[1, {"a": "x')
    p.feed(memoryview(b"y"))
    live = p.snapshot(copy=False)
    assert p.snapshot() == p.snapshot(copy=True) == live == [1, {"a": "xy"}]
    assert p.snapshot(**{"copy": False}) is live
    with pytest.raises(TypeError, match="takes 0 positional arguments"):
        p.snapshot(True)  # type: ignore[misc]
    with pytest.raises(TypeError, match="not an instance of 'bool'"):
        p.snapshot(copy=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unexpected keyword argument 'cpy'"):
        p.snapshot(cpy=True)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        p.feed()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="positional-only arguments passed as keyword"):
        p.feed(chunk=b"1")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="takes 1 positional arguments but 2 were given"):
        p.feed(b"1", b"2")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"Parser\.snapshot\(\) takes"):
        cls.snapshot(p, 1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        cls.feed(object(), b"1")  # not a Parser
    assert p.snapshot() == [1, {"a": "xy"}]

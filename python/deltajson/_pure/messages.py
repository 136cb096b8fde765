"""Error messages of the pure-Python twin, worded exactly as the Rust core's (error.rs)."""

from __future__ import annotations

EXCERPT_BYTES = 24

VALUE = "a JSON value"
VALUE_OR_ARRAY_END = "a JSON value or ']'"
KEY_OR_OBJECT_END = "an object key (a string) or '}'"
KEY = "an object key (a string)"
COLON = "':' after the object key"
COMMA_OR_ARRAY_END = "',' or ']' after an array item"
COMMA_OR_OBJECT_END = "',' or '}' after an object member"
END_OF_INPUT = "end of input after the JSON value"
DIGIT = "a digit"
EXPONENT_START = "a digit or a sign in the exponent"
ESCAPE_CHAR = 'an escape character (one of " \\ / b f n r t u)'
HEX_DIGIT = "a hexadecimal digit in the \\u escape"
STRING_END = "the closing '\"' of the string"


def literal(word: str) -> str:
    """The expectation inside a literal such as ``true``."""
    return f"'{word}'"


def found_char(ch: str) -> str:
    """How a found character is described (by its first UTF-8 byte, as the core sees it)."""
    b = ch.encode("utf-8", "surrogatepass")[0]
    return found_byte(b)


def found_byte(b: int) -> str:
    if b >= 0x80:
        return f"non-ASCII byte 0x{b:02X}"
    if b < 0x20 or b == 0x7F:
        return f"control character U+{b:04X}"
    if b == 0x27:
        return '"\'"'
    return f"'{chr(b)}'"


def unexpected(expected: str, found: str) -> str:
    return f"expected {expected}, found {found}"


FOUND_EOF = "end of input"


def control_in_string(ch: str) -> str:
    return f"control character U+{ord(ch):04X} must be escaped inside a string"


INVALID_UTF8 = "invalid UTF-8"


def too_deep(max_depth: int) -> str:
    return f"nesting is deeper than max_depth={max_depth}"


def too_many_bytes(max_bytes: int) -> str:
    return f"input is longer than max_bytes={max_bytes}"


def string_too_long(max_string_bytes: int) -> str:
    return f"string is longer than max_string_bytes={max_string_bytes}"


def integer_too_long(digits: int, limit: int) -> str:
    return (
        f"integer has {digits} digits, more than the limit of {limit} "
        "(see sys.set_int_max_str_digits)"
    )


def is_limit(msg: str) -> bool:
    """Whether an error's message is that of a string or integer size limit (``is_limit`` in
    error.rs)."""
    return msg.startswith("string is longer than max_string_bytes=") or (
        msg.startswith("integer has ") and msg.endswith("(see sys.set_int_max_str_digits)")
    )


LONE_SURROGATE = (
    "a lone surrogate (a \\uD800-\\uDFFF escape or character that is not half of a surrogate "
    "pair) is refused (allow_lone_surrogates=False)"
)
AFTER_FINISH = "feed() after finish()"


def excerpt_of(data: bytes) -> str:
    """The excerpt shown in messages: the last bytes of the current line (see error.rs)."""
    start = max(0, len(data) - EXCERPT_BYTES)
    nl = data.rfind(b"\n", start)
    if nl >= 0:
        start = nl + 1
    while start < len(data) and (data[start] & 0xC0) == 0x80:
        start += 1
    return data[start:].decode("utf-8", "replace")

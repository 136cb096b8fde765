"""Names shared by the pure-Python scanner and its repair mode: grammar, number, escape and
comment states (as the enums of ``src/core``), and where a character is."""

from __future__ import annotations

from typing import NamedTuple

# Grammar states (as ``State`` in scanner.rs).
(
    VALUE,
    ARRAY_FIRST,
    OBJECT_FIRST,
    OBJECT_KEY,
    COLON,
    AFTER_VALUE,
    STR,
    NUMBER,
    LITERAL,
    PROSE,
    STOPPED,
    FAILED,
    # Repair mode: a string, a held closing quote, an unquoted word, a comment.
    R_STR,
    STR_END,
    WORD,
    COMMENT,
) = range(16)
OBJECT, ARRAY = 0, 1
# Number states (number.rs).
N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_EXP, N_EXP_SIGN, N_EXP_DIGITS = range(8)
COMPLETE_NUMBER = (N_ZERO, N_INT, N_FRAC, N_EXP_DIGITS)
# Escape states (string.rs).
E_IDLE, E_BACKSLASH, E_HEX, E_AFTER_HIGH = range(4)
SIMPLE_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
# Comment states (``CommentKind`` in scanner.rs).
C_SLASH, C_LINE, C_BLOCK, C_BLOCK_STAR = range(4)


class Location(NamedTuple):
    """Where a character is: its chunk, its index there, and where the chunk began."""

    text: str
    at: int  # index in text
    base: int  # byte offset of text[0]
    line: int  # line at text[0]
    col: int  # characters before text[0] on that line

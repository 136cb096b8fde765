"""Names shared by the pure-Python scanner and its repair mode: grammar, number, escape and
comment states (as the enums of ``src/core``), where a character is, the located error, and
UTF-8 sizes of text."""

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


def utf8_len(text: str) -> int:
    """Length of ``text`` in UTF-8 bytes (a lone surrogate counts its three WTF-8 bytes)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


class ScanError(Exception):
    """A located error; the parser turns it into ``JSONError``."""

    def __init__(
        self, msg: str, offset: int, line: int, column: int, excerpt: str, is_eof: bool
    ) -> None:
        super().__init__(msg)
        self.msg = msg
        self.offset = offset
        self.line = line
        self.column = column
        self.excerpt = excerpt
        self.is_eof = is_eof


def chars_within(run: str, room: int) -> int:
    """How many leading characters of ``run`` fit in ``room`` UTF-8 bytes."""
    size = 0
    for i, ch in enumerate(run):
        size += utf8_len(ch)
        if size > room:
            return i
    return len(run)


# Stands for a byte that is not text (see ``feed_foreign_byte``): a lone surrogate, which no
# state accepts and which string runs stop at.
FOREIGN = "\udfff"

"""Repair mode's decisions in the pure-Python twin (``src/core/repair.rs``): what starts or
ends an unquoted word, what a word is (a literal, a number as models write it, text), whether a
quote certainly closes its string. The states that use them are in ``repair_states.py`` and
``words.py``."""

from __future__ import annotations

import re
from typing import Any, Optional

_WORD_VALUE_ENDS = frozenset(',}]\n\r"')
_WORD_KEY_ENDS = frozenset(":\n\r")
_WORD_NOT_START = frozenset(",:{}[]\"'/#")
_NUMBER_WORD = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.-+:%")
_CLOSES_STRING = frozenset(",}]:")
_STARTS_NEXT_ITEM = frozenset("\"'{[/#-0123456789")
_ENDS_ATOM_WORD = _STARTS_NEXT_ITEM | frozenset("+.")
_WS_CHARS = " \t\n\r"
_WS = re.compile(r"[ \t\n\r]*")
_NOT_WS = re.compile(r"[^ \t\n\r]")
_LINE_END = re.compile(r"[\n\r]")
# Runs of an unquoted value / key that need no attention: no byte that ends or refuses it, no
# control character (a tab ends a word), no surrogate (judged one at a time).
_VALUE_WORD_RUN = re.compile('[^,}\\]\\n\\r"/\\x00-\\x1f\\ud800-\\udfff]*')
_KEY_WORD_RUN = re.compile('[^:,{}\\[\\]"\\x00-\\x1f\\ud800-\\udfff]*')
_KEY_WORD_REFUSED = frozenset(',{}[]"')
# String runs of repair mode, per quote.
_STRING_RUNS = {
    '"': re.compile(r'[^"\\\x00-\x1f\ud800-\udfff]*'),
    "'": re.compile(r"[^'\\\x00-\x1f\ud800-\udfff]*"),
}
_NUMBER_WORD_RE = re.compile(
    r"([+-]?)((?:[0-9](?:_?[0-9])*)?)(?:\.((?:[0-9](?:_?[0-9])*)?))?(?:[eE]([+-]?)((?:[0-9](?:_?[0-9])*)?))?"
)
_LITERAL_WORDS = {
    "true": ("true", False),
    "false": ("false", False),
    "null": ("null", False),
    "True": ("true", True),
    "False": ("false", True),
    "None": ("null", True),
}
_NAN_WORDS = {"NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity"}
_ALL_LITERAL_WORDS = (*_LITERAL_WORDS, *_NAN_WORDS)
# Where a word is in the grammar of the numbers fix_number rewrites (``NumWord`` in
# repair.rs): one state a character, so whether a word may still be a number costs O(1).
(
    NW_START,
    NW_SIGN,
    NW_INT,
    NW_INT_SCORE,
    NW_DOT,
    NW_POINT,
    NW_FRAC,
    NW_FRAC_SCORE,
    NW_EXP,
    NW_EXP_SIGN,
    NW_EXP_DIGITS,
    NW_EXP_SCORE,
    NW_DEAD,
) = range(13)
NW_NUMBER = frozenset({NW_INT, NW_POINT, NW_FRAC, NW_EXP, NW_EXP_SIGN, NW_EXP_DIGITS})
_NW_CLASS = {
    **dict.fromkeys("0123456789", "d"),
    **dict.fromkeys("eE", "e"),
    **dict.fromkeys("+-", "s"),
    "_": "_",
    ".": ".",
}
_NW_STEP = {
    (NW_START, "s"): NW_SIGN,
    (NW_START, "."): NW_DOT,
    (NW_SIGN, "."): NW_DOT,
    **dict.fromkeys([(st, "d") for st in (NW_START, NW_SIGN, NW_INT, NW_INT_SCORE)], NW_INT),
    (NW_INT, "_"): NW_INT_SCORE,
    (NW_INT, "."): NW_POINT,
    **dict.fromkeys([(st, "e") for st in (NW_INT, NW_POINT, NW_FRAC)], NW_EXP),
    **dict.fromkeys([(st, "d") for st in (NW_DOT, NW_POINT, NW_FRAC, NW_FRAC_SCORE)], NW_FRAC),
    (NW_FRAC, "_"): NW_FRAC_SCORE,
    (NW_EXP, "s"): NW_EXP_SIGN,
    **dict.fromkeys(
        [(st, "d") for st in (NW_EXP, NW_EXP_SIGN, NW_EXP_DIGITS, NW_EXP_SCORE)], NW_EXP_DIGITS
    ),
    (NW_EXP_DIGITS, "_"): NW_EXP_SCORE,
}


def starts_word(c: str) -> bool:
    """Whether ``c`` may begin an unquoted key or value (``starts_word`` in repair.rs)."""
    return c > " " and c not in _WORD_NOT_START


def may_be_literal(word: str, allow_nan: bool) -> bool:
    """Whether ``word`` is a prefix of a word a literal may be written as (``NaN``,
    ``Infinity`` and ``-Infinity`` only with ``allow_nan``)."""
    words = _ALL_LITERAL_WORDS if allow_nan else _LITERAL_WORDS
    return any(full.startswith(word) for full in words)


def num_word_step(state: int, c: str) -> int:
    """The state of a word after one more character (``NumWord::step``)."""
    return _NW_STEP.get((state, _NW_CLASS.get(c, "x")), NW_DEAD)


def num_word_of(word: str) -> int:
    """The state of ``word`` read from the start (``NumWord::of``)."""
    state = NW_START
    for c in word:
        state = num_word_step(state, c)
    return state


def close_is_certain(text: str, end: int) -> bool:
    """Whether the quote at ``text[end]`` certainly ends its string: the next character that
    is not whitespace is in ``text`` and only follows a string's end."""
    nxt = _NOT_WS.search(text, end + 1)
    return nxt is not None and nxt.group() in _CLOSES_STRING


def fix_number(word: str) -> Optional[tuple[str, bool]]:
    """A number as models write it (``.5``, ``+1``, ``1_000``, ``1.``, ``1e``, ``007``),
    rewritten as JSON with whether it is an integer; ``None`` if ``word`` is no such number."""
    match = _NUMBER_WORD_RE.fullmatch(word)
    if match is None:
        return None
    sign, int_part, frac, exp_sign, exp = match.groups()
    if not int_part and not frac:
        return None
    text = "-" if sign == "-" else ""
    text += int_part.replace("_", "").lstrip("0") or "0"
    if frac is not None:
        text += "." + (frac.replace("_", "") or "0")
    has_exp = bool(exp)
    if has_exp:
        text += "e" + exp_sign + exp.replace("_", "")
    return text, frac is None and not has_exp


def classify_word(word: str, allow_nan: bool, at_end: bool) -> tuple[str, Any, bool]:
    """Judges an unquoted value (``classify_word`` in repair.rs): ``("literal", text,
    repaired)``, ``("number", (text, is_integer), True)`` or ``("text", word, True)``."""
    known = _LITERAL_WORDS.get(word)
    if known is not None:
        return "literal", known[0], known[1]
    if allow_nan and word in _NAN_WORDS:
        return "literal", _NAN_WORDS[word], False
    number = fix_number(word)
    if number is not None:
        return "number", number, True
    if at_end and word:
        for full, (literal, _) in _LITERAL_WORDS.items():
            if len(word) < len(full) and full.startswith(word):
                return "literal", literal, True
    return "text", word, True

"""Repair mode of the pure-Python twin (``src/core/repair.rs`` and
``src/core/scanner/repair_states.rs``): the same states, decisions and repairs, on text.

The strict states hand over to these only where strict JSON would fail, or where the end of a
string cannot be known yet; a decision that depends on what follows (a quote that may end its
string, a word that may be a literal) is held until the input decides it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Optional

from deltajson._pure import messages as m
from deltajson._pure.states import (
    AFTER_VALUE,
    ARRAY_FIRST,
    C_BLOCK,
    C_BLOCK_STAR,
    C_LINE,
    C_SLASH,
    COLON,
    COMMENT,
    COMPLETE_NUMBER,
    E_BACKSLASH,
    E_IDLE,
    FAILED,
    LITERAL,
    NUMBER,
    OBJECT,
    OBJECT_FIRST,
    OBJECT_KEY,
    PROSE,
    R_STR,
    SIMPLE_ESCAPES,
    STOPPED,
    STR,
    STR_END,
    VALUE,
    WORD,
    Location,
    ScanError,
    utf8_len,
)

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


class _Ignore:
    """A sink that drops every event (the candidate's ``shape`` scanner)."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args: None


class ScalarCandidate:
    """The text before any ``{``/``[`` read by a strict scanner, its events kept, in case the
    whole document is a scalar (``ScalarCandidate`` in repair_states.rs). With a limit set,
    a second strict scanner without limits (``shape``) tells whether the text is still one
    scalar after the limited one failed on the limit: strict mode's error, at the end."""

    def __init__(self, **options: Any) -> None:
        from deltajson._pure.scanner import Scanner  # (scanner.py imports this module)

        self.events: list[tuple[str, Any]] = []
        self.scanner = Scanner(self, multiple=False, **options)
        limited = options["max_string_bytes"] is not None or options["max_int_digits"] is not None
        unlimited = dict(options, max_string_bytes=None, max_int_digits=None)
        self.shape = Scanner(_Ignore(), multiple=False, **unlimited) if limited else None
        self.over_limit: Optional[ScanError] = None

    @classmethod
    def for_options(cls, wanted: bool, **options: Any) -> Optional[ScalarCandidate]:
        return cls(**options) if wanted else None

    def feed(self, text: str, base: int) -> bool:
        """Reads ``text`` (at byte offset ``base``); False once it cannot be one scalar."""
        if self.over_limit is None:
            try:
                self.scanner.feed_text(text, base)
            except ScanError as e:
                if self.shape is None or not m.is_limit(e.msg):
                    return False
                self.over_limit = e
        if self.shape is not None:
            try:
                self.shape.feed_text(text, base)
            except ScanError:
                return False
        return True

    def in_string(self) -> bool:
        return (self.shape or self.scanner).state == STR

    def finish(self, end_offset: int) -> bool:
        """Whether the text is one scalar (``over_limit`` then says if it passed a limit)."""
        if self.over_limit is None:
            try:
                self.scanner.finish(end_offset)
            except ScanError as e:
                if self.shape is None or not m.is_limit(e.msg):
                    return False
                self.over_limit = e
        if self.shape is not None:
            try:
                self.shape.finish(end_offset)
            except ScanError:
                return False
        return True

    def replay(self, sink: Any) -> None:
        for name, args in self.events:
            getattr(sink, name)(*args)

    # The sink of the strict scanner: only scalars come (a bracket ends the prose).
    def string(self, text: str) -> None:
        self.events.append(("string", (text,)))

    def begin_string(self) -> None:
        self.events.append(("begin_string", ()))

    def string_piece(self, text: str) -> None:
        self.events.append(("string_piece", (text,)))

    def end_string(self) -> None:
        self.events.append(("end_string", ()))

    def number(self, text: str, is_integer: bool) -> None:
        self.events.append(("number", (text, is_integer)))

    def literal(self, word: str) -> None:
        self.events.append(("literal", (word,)))


class RepairStates:
    """The repair-mode states, mixed into ``Scanner`` (whose attributes they use)."""

    if TYPE_CHECKING:
        # What the mixin uses of Scanner (scanner.py), declared for the type checker.
        sink: Any
        repair: bool
        state: int
        stack: list[int]
        values_done: int
        repair_list: list[tuple[str, int, int]]
        allow_nan: bool
        lone_surrogates: bool
        max_string_bytes: Optional[int]
        max_int_digits: Optional[int]
        line: int
        col: int
        _text: str
        _found_byte: Optional[int]
        str_is_key: bool
        str_raw: int
        str_start: Optional[Location]
        key_parts: list[str]
        esc: int
        high: int
        num: int
        num_parts: list[str]
        num_start: Optional[Location]
        lit_word: str
        quote: str
        quote_loc: Optional[Location]
        held_ws: list[str]
        held_ws_len: int
        word_parts: list[str]
        word_may_be_literal: bool
        word_num: int
        word_spaces: int
        word_spaces_at: Optional[Location]
        word_start: int
        word_slash: bool
        slash_loc: Optional[Location]
        comment: int
        comment_loc: Optional[Location]
        resume: int
        candidate: Optional[ScalarCandidate]
        prose_start: Optional[int]

        def _loc(self, index: int) -> Location: ...
        def _loc_offset(self, index: int) -> int: ...
        def _offset_of(self, loc: Optional[Location]) -> int: ...
        def _content_offset(self) -> int: ...
        def _content_end_offset(self) -> int: ...
        def excerpt_through(self, offset: int) -> str: ...
        def _unexpected(self, pos: int, expected: str) -> ScanError: ...
        def _error_at(self, pos: int, msg: str, *, offset: Optional[int] = None) -> ScanError: ...
        def _error_from(
            self, loc: Location, msg: str, *, offset: Optional[int] = None
        ) -> ScanError: ...
        def _expected_after_value(self) -> str: ...
        def _at_key(self, text: str, pos: int) -> int: ...
        def _at_value(self, text: str, pos: int) -> int: ...
        def _open_string(self, key: bool, quote: str, pos: int) -> None: ...
        def _string_run(self, text: str, pos: int, end: int) -> None: ...
        def _content_run(self, text: str, pos: int, run: re.Pattern[str]) -> int: ...
        def _string_surrogate(self, text: str, pos: int) -> int: ...
        def _count_string_char(self, pos: int) -> None: ...
        def _escape_char(self, text: str, pos: int) -> int: ...
        def _flush_high(self, pos: int) -> None: ...
        def _emit(self, piece: str) -> None: ...
        def _end_string(self) -> None: ...
        def _value_done(self) -> None: ...
        def _complete_number(self, text: str, start: int, end: int) -> None: ...

    def _repair_token(self, text: str, pos: int, key: bool) -> int:
        """A key or value position got a character strict JSON has nothing for there: a
        single-quoted string, a comment, or an unquoted word; anything else stays an error
        (``repair_token`` in repair_states.rs)."""
        c = text[pos]
        if c == "'":
            return self._begin_single_quoted(text, pos, key)
        if c == "/" or c == "#":
            return self._begin_comment(text, pos)
        if starts_word(c):
            return self._begin_word(text, pos, key)
        if key:
            raise self._unexpected(
                pos, m.KEY_OR_OBJECT_END if self.state == OBJECT_FIRST else m.KEY
            )
        raise self._unexpected(pos, m.VALUE_OR_ARRAY_END if self.state == ARRAY_FIRST else m.VALUE)

    def _repair_after_value(self, text: str, pos: int, top: int) -> int:
        c = text[pos]
        if c == "/" or c == "#":
            return self._begin_comment(text, pos)
        if top == OBJECT:
            next_item = c == '"' or c == "'" or starts_word(c)
        else:
            next_item = c in "\"'{[" or starts_word(c)
        if not next_item:
            raise self._unexpected(pos, self._expected_after_value())
        self.repair_list.append(("missing_comma", self._loc_offset(pos), 0))
        if top == OBJECT:
            self.state = OBJECT_KEY
            return self._at_key(text, pos)
        self.state = VALUE
        return self._at_value(text, pos)

    # ---- strings ----------------------------------------------------------------------------

    def _begin_single_quoted(self, text: str, pos: int, key: bool) -> int:
        self.repair_list.append(("single_quotes", self._loc_offset(pos), 1))
        self._open_string(key, "'", pos + 1)
        return self._in_repair_string(text, pos + 1)

    def _in_repair_string(self, text: str, pos: int) -> int:
        quote = self.quote
        run = _STRING_RUNS[quote]
        n = len(text)
        while pos < n:
            if self.esc != E_IDLE:
                pos = self._repair_escape_char(text, pos)
                continue
            pos = self._content_run(text, pos, run)
            if pos == n:
                return pos
            c = text[pos]
            if c == quote:
                self._hold_quote(pos)
                return self._at_string_end(text, pos + 1)
            if c == "\\":
                self._count_string_char(pos)
                self.esc = E_BACKSLASH
                pos += 1
            elif c < " ":
                self._count_string_char(pos)
                self.repair_list.append(("control_in_string", self._loc_offset(pos), 1))
                self._emit(c)
                pos += 1
            else:
                pos = self._string_surrogate(text, pos)
        return pos

    def _repair_escape_char(self, text: str, pos: int) -> int:
        c = text[pos]
        if self.esc != E_BACKSLASH or c == "u" or c in SIMPLE_ESCAPES:
            return self._escape_char(text, pos)
        consumed = c == "'"
        if consumed:
            self._count_string_char(pos)
        self.repair_list.append(("invalid_escape", self._loc_offset(pos) - 1, 2))
        self.esc = E_IDLE
        self._flush_high(pos)
        self._emit("'" if consumed else "\\")
        return pos + 1 if consumed else pos

    def _hold_quote(self, pos: int) -> None:
        self.quote_loc = self._loc(pos)
        self.held_ws = []
        self.held_ws_len = 0
        self.state = STR_END

    def _at_string_end(self, text: str, pos: int) -> int:
        n = len(text)
        while pos < n:
            c = text[pos]
            if c in _WS_CHARS:
                # Held as runs, joined once decided: each feed costs what it brings, not what
                # is held (appending to one string would copy it every time).
                end = _WS.match(text, pos).end()  # type: ignore[union-attr]
                self.held_ws.append(text[pos:end])
                self.held_ws_len += end - pos
                pos = end
                continue
            if c in _CLOSES_STRING or (self.held_ws_len and c in _STARTS_NEXT_ITEM):
                self._close_held_string()
                return pos
            self._held_quote_is_text()
            if c == self.quote:
                self._hold_quote(pos)
                pos += 1
                continue
            self.state = R_STR
            return pos
        return pos

    def _close_held_string(self) -> None:
        self.held_ws = []
        self.held_ws_len = 0
        self._end_string()

    def start_word_for_held(self, offset: int) -> None:
        """Bytes not ASCII (a character cut by the end of the chunk, or invalid UTF-8) where
        a token begins: the core starts an unquoted word with them (a missing comma first
        after a value), so this does too, with no text yet."""
        st = self.state
        if st == AFTER_VALUE and self.stack:
            self.repair_list.append(("missing_comma", offset, 0))
            st = self.state = OBJECT_KEY if self.stack[-1] == OBJECT else VALUE
        if st not in (VALUE, ARRAY_FIRST, OBJECT_FIRST, OBJECT_KEY):
            return
        self.str_is_key = st in (OBJECT_FIRST, OBJECT_KEY)
        self.str_raw = 0
        self.esc = E_IDLE
        self.key_parts = []
        self.word_parts = []
        # It begins with a character no literal or number has: counted from the start.
        self.word_may_be_literal = False
        self.word_num = NW_DEAD
        self.word_spaces = 0
        self.word_slash = False
        self.str_start = Location("", 0, offset, self.line, self.col)
        self.word_start = offset
        self.state = WORD

    def settle_word(self) -> None:
        """Bytes not ASCII follow a number or a word (the parser holds them, or they are
        invalid): as the core finds on the first of them, a number reads on as a word
        (``20°C``), and a word is text from here on (a held `` /`` was text; what the word
        holds counts against ``max_string_bytes``)."""
        if self.state == NUMBER:
            self._number_becomes_word("", 0, 0)
        if self.state != WORD:
            return
        if self.word_slash:
            self.word_slash = False
            self._slash_is_text()
        else:
            self._count_word()

    def settle_held_quote(self) -> None:
        """Bytes not ASCII follow a held quote or a backslash (the parser holds them, or they
        are invalid): the quote was text, the backslash no escape, as the core finds on the
        first of those bytes."""
        if self.state == STR_END:
            self._held_quote_is_text()
            self.state = R_STR
        elif self.state == R_STR and self.esc == E_BACKSLASH:
            self.repair_list.append(("invalid_escape", self._content_end_offset() - 1, 2))
            self.esc = E_IDLE
            self._flush_high(0)
            self._emit("\\")

    def _held_quote_is_text(self) -> None:
        piece = self.quote + "".join(self.held_ws)
        self.held_ws = []
        self.held_ws_len = 0
        limit = self.max_string_bytes
        if limit is not None:
            room = max(0, limit - self.str_raw)
            if len(piece) > room:
                self._emit(piece[:room])
                loc = self.quote_loc
                assert loc is not None
                at = loc._replace(at=loc.at + room)
                offset = self._offset_of(loc) + room
                raise self._error_from(at, m.string_too_long(limit), offset=offset)
        self.str_raw += len(piece)
        self.repair_list.append(("inner_quote", self._offset_of(self.quote_loc), 1))
        self._emit(piece)

    # ---- unquoted words ---------------------------------------------------------------------

    def _begin_word(self, text: str, pos: int, key: bool) -> int:
        """Starts an unquoted word, read like string content into the key's parts or
        ``word_parts`` (``begin_word`` in repair_states.rs): not counted against
        ``max_string_bytes`` while it may be a literal or a number, nor spaces at its end."""
        self.str_is_key = key
        self.str_raw = 0
        self.esc = E_IDLE
        self.key_parts = []
        self.word_parts = []
        self.word_may_be_literal = not key
        self.word_num = NW_DEAD if key else NW_START
        self.word_spaces = 0
        self.word_slash = False
        self.str_start = self._loc(pos)
        self.word_start = self._loc_offset(pos)
        self.state = WORD
        return self._in_word(text, pos)

    def _number_becomes_word(self, text: str, seg_start: int, pos: int) -> int:
        word = "".join(self.num_parts) + text[seg_start:pos]
        self.num_parts = []
        self.str_is_key = False
        self.str_raw = 0
        self.esc = E_IDLE
        self.word_parts = [word]
        self.word_may_be_literal = may_be_literal(word, self.allow_nan)
        self.word_num = num_word_of(word)
        self.word_spaces = 0
        self.word_slash = False
        self.str_start = self.num_start
        self.word_start = self._offset_of(self.num_start)
        self.state = WORD
        return self._in_word(text, pos)

    def _number_continues_as_word(self, text: str, pos: int) -> bool:
        if not self.repair or pos >= len(text):
            return False
        c = text[pos]
        return c in _NUMBER_WORD or c >= "\x80"

    def _word_uncounted(self) -> bool:
        return self.word_may_be_literal or self.word_num != NW_DEAD

    def _in_word(self, text: str, pos: int) -> int:
        if self.word_slash and pos < len(text):
            self.word_slash = False
            if text[pos] not in "/*":
                self._slash_is_text()
            else:
                # The `` /`` that ended the last chunk starts a comment.
                self._end_word(False)
                self.comment_loc = self.slash_loc
                self.resume = self.state
                self.comment = C_SLASH
                self.state = COMMENT
                return self._in_comment(text, pos)
        key = self.str_is_key
        run = _KEY_WORD_RUN if key else _VALUE_WORD_RUN
        ends = _WORD_KEY_ENDS if key else _WORD_VALUE_ENDS
        n = len(text)
        while pos < n:
            if self.word_may_be_literal or self.word_num != NW_DEAD:
                pos = self._word_prefix(text, pos)
                if pos == n or self.state != WORD:
                    return pos
            end = run.match(text, pos).end()  # type: ignore[union-attr]
            if end > pos:
                self._word_run(text, pos, end)
                pos = end
                if pos == n:
                    return pos
            c = text[pos]
            if c == "/" and not key:
                # ``True // note``: a comment after a space ends the word; ``n/a`` is text.
                after_space = self.word_spaces > 0
                if after_space and pos + 1 < n and text[pos + 1] in "/*":
                    self._end_word(False)
                    return self._begin_comment(text, pos)
                if after_space and pos + 1 == n:
                    # Decided by the next chunk's first character: held, not counted yet.
                    self.word_slash = True
                    self.slash_loc = self._loc(pos)
                    return n
                self._word_run(text, pos, pos + 1)
                pos += 1
                continue
            if c == "\t" or c in ends:
                self._end_word(False)
                return pos
            if c < " " or (key and c in _KEY_WORD_REFUSED):
                raise self._unexpected(pos, m.COLON if key else self._expected_after_value())
            self._count_word()
            pos = self._string_surrogate(text, pos)
        return pos

    def _word_prefix(self, text: str, pos: int) -> int:
        """Reads a value word while it may still be a literal or a number, uncounted
        (``word_prefix`` in repair_states.rs): after spaces, a character that starts the
        next item ends a complete literal or number (``[true 2]``, ``[.5 [1]]``)."""
        n = len(text)
        parts = self.word_parts
        allow_nan = self.allow_nan
        while pos < n:
            c = text[pos]
            if c == " ":
                if not self.word_spaces:
                    self.word_spaces_at = self._loc(pos)
                self.word_spaces += 1
                parts.append(c)
                pos += 1
                continue
            if c < " " or c in _WORD_VALUE_ENDS or c == "/":
                return pos
            if self.word_spaces:
                if c in _ENDS_ATOM_WORD and self._word_is_atom():
                    self._end_word(False)
                else:
                    self._count_word()
                return pos
            literal = self.word_may_be_literal and may_be_literal("".join(parts) + c, allow_nan)
            number = num_word_step(self.word_num, c)
            if not literal and number == NW_DEAD:
                self._count_word()
                return pos
            self.word_may_be_literal = literal
            self.word_num = number
            parts.append(c)
            pos += 1
        return pos

    def _word_is_atom(self) -> bool:
        """Whether the value word, without the spaces after it, is a literal or a number."""
        if self.word_num in NW_NUMBER:
            return True
        if not self.word_may_be_literal:
            return False
        word = "".join(self.word_parts).rstrip(" ")
        return classify_word(word, self.allow_nan, False)[0] == "literal"

    def _count_word(self) -> None:
        """The word is text from here on: its characters so far count against
        ``max_string_bytes``, then the spaces after them (``count_word``)."""
        limit = self.max_string_bytes
        if self.word_may_be_literal or self.word_num != NW_DEAD:
            self.word_may_be_literal = False
            self.word_num = NW_DEAD
            # ASCII only so far: characters are bytes.
            self.str_raw = sum(map(len, self.word_parts)) - self.word_spaces
            if limit is not None and self.str_raw > limit:
                raise self._limit_error(self.str_start, self.word_start, limit)
        if self.word_spaces:
            if limit is not None:
                room = max(0, limit - self.str_raw)
                if self.word_spaces > room:
                    loc = self.word_spaces_at
                    raise self._limit_error(loc, self._offset_of(loc), room)
            self.str_raw += self.word_spaces
            self.word_spaces = 0

    def _limit_error(self, loc: Optional[Location], offset: int, skip: int) -> ScanError:
        """``max_string_bytes`` passed at ``skip`` ASCII characters after ``loc`` (at byte
        ``offset``)."""
        assert loc is not None and self.max_string_bytes is not None
        at = loc._replace(at=loc.at + skip)
        return self._error_from(at, m.string_too_long(self.max_string_bytes), offset=offset + skip)

    def _word_run(self, text: str, pos: int, end: int) -> None:
        """Text of a word: the spaces held before it count first; spaces at its end are held,
        uncounted, until more text follows (``word_run``)."""
        run = text[pos:end]
        core = len(run.rstrip(" "))
        if core:
            self._count_word()
            self._string_run(text, pos, pos + core)
        if core < len(run):
            if not self.word_spaces:
                self.word_spaces_at = self._loc(pos + core)
            self.word_spaces += len(run) - core
            self._emit(run[core:])

    def _slash_is_text(self) -> None:
        """The held `` /`` turned out to be text of the word (``slash_is_text``)."""
        self._count_word()
        limit = self.max_string_bytes
        if limit is not None and self.str_raw >= limit:
            assert self.slash_loc is not None
            raise self._error_from(self.slash_loc, m.string_too_long(limit))
        self.str_raw += 1
        self.word_parts.append("/")

    def _end_word(self, at_end: bool) -> None:
        key = self.str_is_key
        word = "".join(self.key_parts if key else self.word_parts).rstrip(" ")
        self.key_parts = []
        self.word_parts = []
        self.word_spaces = 0
        offset = self.word_start
        length = utf8_len(word)
        if key:
            self.repair_list.append(("unquoted_key", offset, length))
            self.sink.key(word)
            self.state = COLON
            return
        kind, value, repaired = classify_word(word, self.allow_nan, at_end)
        if kind == "literal":
            if repaired:
                cut = at_end and len(value) != len(word)
                self.repair_list.append(("truncated" if cut else "python_literal", offset, length))
            self.sink.literal(value)
        elif kind == "number":
            number, is_integer = value
            limit = self.max_int_digits
            if is_integer and limit is not None:
                digits = len(number) - (number[0] == "-")
                if digits > limit and self.str_start is not None:
                    raise self._error_from(self.str_start, m.integer_too_long(digits, limit))
            self.repair_list.append(("number_fixed", offset, length))
            self.sink.number(number, is_integer)
        else:
            limit = self.max_string_bytes
            if self._word_uncounted() and limit is not None and length > limit:
                # A prefix of a literal or a number that stopped there (``tru``, ``-``): text,
                # not counted until now.
                raise self._limit_error(self.str_start, offset, limit)
            self.repair_list.append(("unquoted_value", offset, length))
            self.sink.string(word)
        self._value_done()

    # ---- comments ---------------------------------------------------------------------------

    def _begin_comment(self, text: str, pos: int) -> int:
        self.comment_loc = self._loc(pos)
        self.resume = self.state
        self.comment = C_LINE if text[pos] == "#" else C_SLASH
        self.state = COMMENT
        return self._in_comment(text, pos + 1)

    def _in_comment(self, text: str, pos: int) -> int:
        n = len(text)
        while pos < n:
            c = text[pos]
            kind = self.comment
            if kind == C_SLASH:
                if c == "/":
                    self.comment = C_LINE
                elif c == "*":
                    self.comment = C_BLOCK
                else:
                    raise self._lone_slash()
            elif kind == C_LINE:
                match = _LINE_END.search(text, pos)
                if match is None:
                    return n
                self._end_comment(self._loc_offset(match.start()))
                return match.start()
            elif c == "/" and kind == C_BLOCK_STAR:
                self._end_comment(self._loc_offset(pos + 1))
                return pos + 1
            else:
                self.comment = C_BLOCK_STAR if c == "*" else C_BLOCK
            pos += 1
        return pos

    def in_comment_body(self) -> bool:
        """Whether a comment's text is being skipped (bytes there are not judged)."""
        return self.state == COMMENT and self.comment != C_SLASH

    def _end_comment(self, end_offset: int) -> None:
        start = self._offset_of(self.comment_loc)
        self.repair_list.append(("comment", start, end_offset - start))
        self.state = self.resume

    def _lone_slash(self) -> ScanError:
        expected = {
            ARRAY_FIRST: m.VALUE_OR_ARRAY_END,
            OBJECT_FIRST: m.KEY_OR_OBJECT_END,
            OBJECT_KEY: m.KEY,
            COLON: m.COLON,
        }.get(self.resume)
        if expected is None:
            expected = self._expected_after_value() if self.resume == AFTER_VALUE else m.VALUE
        loc = self.comment_loc
        assert loc is not None
        e = self._error_from(loc, m.unexpected(expected, m.found_char("/")))
        if loc.text is not self._text:
            # The slash ended an earlier chunk: the excerpt runs through it, as in the core.
            e.excerpt = self.excerpt_through(e.offset)
        return e

    # ---- a document that is a scalar --------------------------------------------------------

    def feed_candidate(self, text: str, base: int) -> None:
        """Feeds prose (at byte offset ``base``) to the scalar candidate, dropping it at its
        first error."""
        candidate = self.candidate
        if candidate is not None and text and not candidate.feed(text, base):
            self.candidate = None

    def candidate_in_string(self) -> bool:
        return self.candidate is not None and self.candidate.in_string()

    def finish_candidate(self, end_offset: int) -> None:
        """At the end of input with no ``{``/``[`` found: if the text read is one scalar, it
        is the value (no repair: it is valid JSON), or strict mode's error if it passes a
        limit (the events before the error delivered first, as strict mode delivers them)."""
        candidate, self.candidate = self.candidate, None
        if candidate is None or self.state != PROSE or not candidate.finish(end_offset):
            return
        candidate.replay(self.sink)
        if candidate.over_limit is not None:
            raise candidate.over_limit
        self.prose_start = None
        self.values_done += 1
        self.state = STOPPED

    # ---- the end of input -------------------------------------------------------------------

    def _finish_repair(self, end_offset: int) -> None:
        """Closes what the end of input left open (``finish_repair`` in repair_states.rs)."""
        cut = False
        if self.state == COMMENT:
            if self.comment == C_SLASH:
                raise self._lone_slash()
            start = self._offset_of(self.comment_loc)
            self.repair_list.append(("comment", start, end_offset - start))
            self.state = self.resume
        st = self.state
        if st in (PROSE, STOPPED, FAILED):
            return
        if st == STR_END:
            self._close_held_string()
        elif st == R_STR:
            cut = True
            self.esc = E_IDLE
            self.high = 0
            if self.str_is_key:
                self.key_parts = []
                self.state = OBJECT_KEY
            else:
                self.sink.end_string()
                self._value_done()
        elif st == WORD:
            if self.word_slash:
                self.word_slash = False
                self._slash_is_text()  # a held " /" starts no comment
            if self.str_is_key:
                cut = True
                self.key_parts = []
                self.state = OBJECT_KEY
            else:
                self._end_word(True)
        elif st == NUMBER:
            if self.num in COMPLETE_NUMBER:
                self._complete_number("", 0, 0)
            else:
                cut = True
                self._number_becomes_word("", 0, 0)
                self._end_word(True)
        elif st == LITERAL:
            cut = True
            self.sink.literal(self.lit_word)
            self._value_done()
        while self.stack:
            cut = True
            if self.stack.pop() == OBJECT:
                self.sink.end_object()
            else:
                self.sink.end_array()
        if self.state != STOPPED:
            self.values_done += 1
            self.state = STOPPED
        if cut:
            self.repair_list.append(("truncated", end_offset, 0))

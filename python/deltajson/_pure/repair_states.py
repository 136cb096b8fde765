"""Repair mode of the pure-Python twin (``src/core/scanner/repair_states.rs``): strings that
may be single-quoted, a held closing quote, comments, missing commas and the end of input;
unquoted words are in ``words.py``, the decisions in ``repair.py``.

The strict states hand over to these only where strict JSON would fail, or where the end of a
string cannot be known yet; a decision that depends on what follows (a quote that may end its
string, a word that may be a literal) is held until the input decides it.
"""

from __future__ import annotations

from deltajson._pure import messages as m
from deltajson._pure.parts import ScannerParts
from deltajson._pure.repair import (
    _CLOSES_STRING,
    _LINE_END,
    _STARTS_NEXT_ITEM,
    _STRING_RUNS,
    _WS,
    _WS_CHARS,
    NW_DEAD,
    starts_word,
)
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
    STR_END,
    VALUE,
    WORD,
    Location,
    ScanError,
)


class RepairStates(ScannerParts):
    """The repair-mode states, mixed into ``Scanner`` (whose attributes they use)."""

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

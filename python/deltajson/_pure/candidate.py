"""Repair mode's scalar candidate (``src/core/scanner/candidate.rs``): the text before any
``{``/``[`` also read by a strict scanner, in case the whole document is one scalar."""

from __future__ import annotations

from typing import Any, Optional

from deltajson._pure import messages as m
from deltajson._pure.states import (
    STR,
    ScanError,
)


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

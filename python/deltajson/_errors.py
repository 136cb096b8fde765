"""The exceptions of deltajson, shared by the Rust engine and the pure-Python twin."""

from __future__ import annotations

import json
from typing import Any


class JSONError(json.JSONDecodeError):
    """Invalid JSON, raised by the ``feed()`` that delivers the first invalid byte.

    A subclass of :class:`json.JSONDecodeError` (hence of ``ValueError``), so existing
    ``except`` clauses keep working. ``pos``/``lineno``/``colno`` are set as in the standard
    library, except that ``pos`` counts bytes (``offset``) since deltajson never keeps the whole
    document; ``doc`` holds a short excerpt of the input ending at the offending byte.

    Attributes:
        msg: What was expected and what was found.
        offset: Byte offset of the first invalid byte (or of the end of input).
        line: 1-based line of ``offset``.
        column: 1-based column of ``offset``, counted in characters.
        excerpt: The input just before and including the offending byte.
        is_eof: True when the input merely ended early.
    """

    is_eof: bool = False

    def __init__(self, msg: str, excerpt: str, offset: int, line: int, column: int) -> None:
        ValueError.__init__(
            self, f"{msg}: line {line} column {column} (byte {offset}), near {excerpt!r}"
        )
        self.msg = msg
        self.doc = excerpt
        self.pos = offset
        self.lineno = line
        self.colno = column
        self.excerpt = excerpt

    @property
    def offset(self) -> int:
        """Byte offset of the first invalid byte (alias of ``pos``)."""
        return self.pos

    @property
    def line(self) -> int:
        """1-based line (alias of ``lineno``)."""
        return self.lineno

    @property
    def column(self) -> int:
        """1-based column in characters (alias of ``colno``)."""
        return self.colno

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.msg, self.excerpt, self.pos, self.lineno, self.colno))


class IncompleteJSONError(JSONError):
    """The input ended before the JSON document did (raised by ``finish()``).

    Attributes:
        partial: The last partial value (what ``snapshot()`` returned).
    """

    is_eof = True

    def __init__(
        self,
        msg: str,
        excerpt: str,
        offset: int,
        line: int,
        column: int,
        *,
        partial: Any = None,
    ) -> None:
        super().__init__(msg, excerpt, offset, line, column)
        self.partial = partial

    def __reduce__(self) -> tuple[Any, ...]:
        args = (self.msg, self.excerpt, self.pos, self.lineno, self.colno)
        return (_rebuild_incomplete, (args, self.partial))


def _rebuild_incomplete(args: tuple[Any, ...], partial: Any) -> IncompleteJSONError:
    return IncompleteJSONError(*args, partial=partial)


class StreamError(Exception):
    """A model stream failed; nothing is lost.

    Attributes:
        partial: The last partial model (or value) before the failure.
        raw: The text received so far.
    """

    def __init__(self, message: str, *, partial: Any = None, raw: str = "") -> None:
        super().__init__(message)
        self.partial = partial
        self.raw = raw


class StreamTimeout(StreamError, TimeoutError):
    """The stream took longer than ``timeout`` in total, or waited longer than
    ``idle_timeout`` for its next chunk."""


class StreamInterrupted(StreamError):
    """The source raised in the middle of the stream (the cause is ``__cause__``)."""


class SchemaMismatch(StreamError, ValueError):
    """A complete value cannot satisfy the model.

    Attributes:
        path: Where the value is, e.g. ``("items", 3, "price")``.
        validation_error: pydantic's ``ValidationError``.
    """

    def __init__(
        self,
        message: str,
        *,
        path: tuple[Any, ...] = (),
        validation_error: Any = None,
        partial: Any = None,
        raw: str = "",
    ) -> None:
        super().__init__(message, partial=partial, raw=raw)
        self.path = path
        self.validation_error = validation_error


class Refusal(StreamError):
    """The model refused to answer (reported by the source); ``message`` holds its text."""

    def __init__(self, message: str, *, partial: Any = None, raw: str = "") -> None:
        super().__init__(message, partial=partial, raw=raw)
        self.message = message


class Truncated(StreamError):
    """The provider stopped the answer short (Anthropic's ``stop_reason: "max_tokens"``):
    what was read is all there is. ``partial`` holds the partial value read (with
    ``repair=True``, the repaired one).

    Attributes:
        stop_reason: The provider's reason, e.g. ``"max_tokens"``.
    """

    def __init__(
        self, message: str, *, stop_reason: str, partial: Any = None, raw: str = ""
    ) -> None:
        super().__init__(message, partial=partial, raw=raw)
        self.stop_reason = stop_reason


class ProviderError(StreamError):
    """The provider reported an error in the stream (an SSE ``error`` event, an error object,
    or the SDK's own stream error, which is ``__cause__``).

    Attributes:
        kind: The provider's error type, e.g. ``"overloaded_error"`` or ``"server_error"``.
        body: The error payload as the provider sent it (a dict), when there is one.
    """

    def __init__(self, message: str, *, kind: str, body: Any = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.body = body

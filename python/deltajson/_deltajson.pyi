"""Type stubs of the Rust extension ``deltajson._deltajson`` (use it through ``deltajson``)."""

from typing import Any, Callable, Literal, Optional, Union, final

from typing_extensions import Self

from deltajson._errors import JSONError

__all__ = [
    "Lane",
    "ListCopies",
    "ModelCopies",
    "Parser",
    "PrefixCache",
    "Steps",
    "Stream",
    "__version__",
    "copy_spine",
    "event",
    "json_text",
    "patch_event",
    "value_event",
]
__version__: str

@final
class Parser:
    """The Rust engine behind ``deltajson.Parser(backend="rust")``. One call at a time: a call
    overlapping another on the same parser (from another thread) raises ``RuntimeError``."""

    def __new__(
        cls,
        *,
        partial_strings: bool = True,
        multiple: bool = False,
        max_depth: int = 1024,
        max_bytes: Optional[int] = None,
        max_string_bytes: Optional[int] = None,
        allow_nan: bool = False,
        float_mode: Literal["float", "decimal"] = "float",
        lenient: bool = False,
        allow_lone_surrogates: bool = True,
        repair: bool = False,
    ) -> Self: ...
    def feed(self, chunk: Union[bytes, bytearray, memoryview, str], /) -> None:
        """Feeds the next chunk; raises ``JSONError`` at the first invalid byte."""
    def snapshot(self, *, copy: bool = True) -> Any:
        """The current partial value (a copy of the open spine unless ``copy=False``)."""
    def _open_spine(self) -> list[Any]:
        """New shallow copies of the open containers, outermost first, each holding the
        next one's copy (empty when none is open); never kept by the parser."""
    def _step(
        self,
        chunk: Union[bytes, bytearray, memoryview, str],
        pieces: list[Union[str, bytes]],
        apply: Callable[[list[tuple[str, tuple[Union[str, int], ...], Any]]], None],
        lane: Optional[Lane],
        /,
    ) -> int:
        """The typed layer's step: keeps ``chunk`` in ``pieces``, feeds it, and applies the
        change ops since the last call, those ``lane`` takes first, the rest by ``apply``;
        0: there were none, 1: the lane took them all, 2: ``apply`` was called."""
    def finish(self) -> Any:
        """Ends the input; returns the final value or raises ``IncompleteJSONError``."""
    def changes(self) -> list[tuple[str, tuple[Union[str, int], ...], Any]]:
        """Ops since the last call (the first call starts recording)."""
    def patch_event(self, progress: Optional[float] = None) -> Optional[bytes]:
        """The SSE ``patch`` event of the ops since the last call (as ``changes()`` would
        return them), or ``None`` when there are none."""
    def done(self) -> list[tuple[tuple[Union[str, int], ...], Any]]:
        """Values completed since the last call (the first call starts recording)."""
    def select(self, path: tuple[Union[str, int], ...], /, *, drop: bool = False) -> None:
        """Collects values completed at paths matching ``path``."""
    def pop_selected(self) -> list[tuple[tuple[Union[str, int], ...], Any]]:
        """Values selected since the last call."""
    def completed(self, path: tuple[Union[str, int], ...], /) -> bool:
        """Whether the value at ``path`` exists and is complete."""
    @property
    def repairs(self) -> list[tuple[str, int, int]]:
        """Lenient- and repair-mode repairs: ``(kind, offset, length)``; only grows (an
        ``ignored_suffix`` is added when the input ends)."""
    @property
    def status(self) -> Literal["empty", "partial", "complete", "error"]:
        """Progress of the stream."""
    @property
    def path(self) -> tuple[Union[str, int], ...]:
        """Path of the value being written."""
    @property
    def tail(
        self,
    ) -> tuple[
        Literal[
            "value",
            "first_item",
            "first_key",
            "key",
            "colon",
            "after_value",
            "string",
            "key_string",
            "word",
            "key_word",
            "comment",
            "number",
            "literal",
            "prose",
            "stopped",
            "error",
        ],
        int,
    ]:
        """``(state, pending)``: where the grammar stands and how many trailing bytes are
        not in ``snapshot()`` yet."""
    @property
    def offset(self) -> int:
        """Bytes consumed (the error's offset once failed)."""
    @property
    def line(self) -> int:
        """1-based line of ``offset``."""
    @property
    def column(self) -> int:
        """1-based column of ``offset``, in characters."""
    @property
    def depth(self) -> int:
        """Number of open arrays and objects."""
    @property
    def backend(self) -> Literal["rust"]:
        """Always ``"rust"``."""

@final
class Stream:
    """One incremental parse of a growing buffer, for ``deltajson.compat``: its parser, the
    text it read, the ``JSONError`` that stopped it, the shim's ``extra`` state, and during a
    call the caller's buffer (``data``)."""

    parser: Any
    extra: Any
    error: Optional[JSONError]
    @property
    def data(self) -> Any: ...
    @property
    def size(self) -> int:
        """Length of the text read (bytes, or characters of a ``str``)."""
    @property
    def lone_surrogate(self) -> bool:
        """Whether the ``str`` text read holds a lone surrogate."""
    def __new__(cls, parser: Any, extra: Any = None) -> Self: ...
    def extend(self, data: Union[bytes, str], /) -> None:
        """Feeds what ``data`` adds to the text read (``data`` starts with it); a
        ``JSONError`` is kept in ``error``."""

@final
class PrefixCache:
    """The streams a ``deltajson.compat`` shim keeps, under keys compared by identity."""

    max_streams: int
    max_bytes: int
    def __new__(cls, max_streams: int = 16, max_bytes: int = 67108864) -> Self: ...
    def open(self, key: object, data: Union[bytes, str], make: Callable[[], Stream], /) -> Stream:
        """The stream that has read ``data`` (a kept one that read a prefix of it, fed the
        rest, else ``make()``); give it back with ``keep``."""
    def read(
        self, key: object, data: Union[bytes, str], make: Callable[[], Stream], /
    ) -> tuple[bool, Any]:
        """``open``, then the usual mid-stream call of a partial-mode shim answered too:
        ``(True, value)`` (the open spine's copy; the stream is kept again) when no error,
        no ``extra``, no lone surrogate, inside a container and no number being read; else
        ``(False, stream)``."""
    def keep(self, key: object, stream: Stream, /) -> None:
        """Keeps ``stream`` for the next call, within the bounds."""
    def clear(self) -> None:
        """Forgets every stream and zeroes the counts."""
    def info(self) -> dict[str, int]:
        """``hits``, ``misses``, ``streams`` and ``bytes`` kept."""

def patch_event(ops: list[tuple[Any, ...]], /, progress: Optional[float] = None) -> Optional[bytes]:
    """The SSE ``patch`` event of a batch of change ops, or ``None`` for an empty batch."""

def value_event(name: str, value: Any, /) -> bytes:
    """The SSE event ``name`` whose data is ``{"value": value}``."""

def event(name: str, payload: Any, /) -> bytes:
    """The SSE event ``name`` whose data is ``payload`` as JSON."""

def json_text(value: Any, /) -> Optional[bytes]:
    """The JSON text of ``value`` in UTF-8, as ``json.dumps(value, ensure_ascii=False,
    separators=(",", ":"))`` writes it (``NaN`` and ``Infinity`` as it writes them, a lone
    surrogate as its ``\\uDXXX`` escape); ``None`` when ``value`` holds anything that is not
    JSON data."""

@final
class ListCopies:
    """The copies made of one open list for ``copy=True`` typed partials; a copy nobody else
    holds any more is brought up to date in place instead of copied anew."""

    def __new__(cls) -> Self: ...
    def copy(self, live: list[Any], last: Any, /) -> list[Any]:
        """A list holding ``live``'s items, its last one replaced by ``last`` unless that is
        ``None``."""

@final
class ModelCopies:
    """The copies made of one partial model view for ``copy=True`` typed partials; a copy
    nobody holds any more is refreshed instead of made anew."""

    def __new__(cls) -> Self: ...
    def copy(self, view: Any, fields: dict[str, Any], fields_set: set[str], /) -> Any:
        """A model of ``view``'s class with copies of ``fields``, ``fields_set`` and
        ``view``'s extras."""

@final
class Lane:
    """Applies the common change ops of a typed stream to its model engine's objects."""

    def __new__(cls, engine: Any, unset: object, /) -> Self: ...
    def run(self, ops: list[tuple[str, tuple[Union[str, int], ...], Any]], /) -> int:
        """Applies ops from the first on, as long as it takes them; returns how many."""
    def forget(self) -> None:
        """Forgets what it knows of the engine's open containers."""

def copy_spine(stack: list[Any], /) -> Any:
    """A copy of the typed views of the model engine's open containers, root first."""

@final
class Steps:
    """The loop of ``stream_model``'s iterator, natively."""

    @property
    def chunks(self) -> int:
        """Chunks read from the source."""
    def __new__(cls, core: Any, engine: Any, source: Any, live: bool, /) -> Self: ...
    def __iter__(self) -> Self: ...
    def __next__(self) -> Any: ...

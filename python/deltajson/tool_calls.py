"""Typed tool calls as their arguments stream: ``deltajson.stream_tool_calls``.

::

    calls = deltajson.stream_tool_calls(
        deltajson.sources.openai_tool_calls(stream), {"get_weather": Weather, "plan": Plan}
    )
    for index, name, model in calls:
        ...  # a Partial[Weather] while call `index` streams, then the validated Weather

Parallel calls are parsed side by side, each by its own incremental parser and validated
incrementally (``deltajson.models``); each update costs O(delta).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

from deltajson._contracts import engine_for
from deltajson._errors import IncompleteJSONError, JSONError, SchemaMismatch, StreamError
from deltajson._source_kit import Events, Source, _Reader

__all__ = ["ToolCallUpdate", "stream_tool_calls"]


class ToolCallUpdate(NamedTuple):
    """One tool call's value after a delta: ``model`` is a partial model while the
    arguments stream, and an instance of the tool's model once they are complete
    (``final``)."""

    index: int  # type: ignore[assignment]  # shadows tuple.index, as the field it is
    name: str
    model: Any

    @property
    def final(self) -> bool:
        """Whether ``model`` is the validated model: partial classes know their model, and
        the partial of a root model (or dataclass) is its raw list or dict."""
        if isinstance(self.model, (list, dict)):
            return False
        return not hasattr(type(self.model), "__deltajson_model__")


class _Done(ToolCallUpdate):
    """The update carrying a call's validated arguments (whatever their type: a model, or
    a JSON Schema's plain value)."""

    __slots__ = ()

    @property
    def final(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"ToolCallUpdate(index={self.index!r}, name={self.name!r}, model={self.model!r})"


class _Call:
    __slots__ = ("engine", "finished", "name")

    def __init__(self, name: str, model: Optional[type], options: dict[str, Any]) -> None:
        self.name = name
        self.finished = False
        self.engine = engine_for(model, parser_options=options) if model is not None else None


class _ToolCallReader(_Reader[ToolCallUpdate]):
    def __init__(self, models: dict[str, type], options: dict[str, Any]) -> None:
        self.models = models
        self.options = options
        self.calls: dict[int, _Call] = {}

    def read(self, delta: Any) -> list[ToolCallUpdate]:
        index, name, text = delta
        if name is None or not text:
            return []  # text blocks and empty deltas carry no arguments
        call = self.calls.get(index)
        if call is None:
            if name not in self.models:
                return []  # a tool the caller did not ask for
            call = self.calls[index] = _Call(name, self.models[name], self.options)
        engine = call.engine
        assert engine is not None
        try:
            engine.feed(text)
        except (JSONError, SchemaMismatch) as e:
            raise _failed(e, call) from e.__cause__
        if engine.done:
            call.finished = True
            return [_Done(index, name, engine.final)]
        if not engine.changed:
            return []
        engine.changed = False
        return [ToolCallUpdate(index, name, engine.partial())]

    def failed(self, error: Exception) -> Exception:
        """The source failed (``Truncated`` at ``max_tokens``, a provider error): the error
        carries the partial of the call being streamed, if one is."""
        if isinstance(error, StreamError) and error.partial is None:
            for index, call in sorted(self.calls.items(), reverse=True):
                if not call.finished and call.engine is not None:
                    error.partial = call.engine.partial()
                    error.raw = call.engine.raw
                    setattr(error, "index", index)  # noqa: B010
                    setattr(error, "name", call.name)  # noqa: B010
                    break
        return error

    def end(self) -> list[ToolCallUpdate]:
        for index, call in sorted(self.calls.items()):
            if not call.finished:
                assert call.engine is not None
                partial = call.engine.partial()  # before finish() marks the parser failed
                try:
                    call.engine.finish()
                except (JSONError, SchemaMismatch) as e:
                    raise _failed(e, call, index, partial) from e.__cause__
        return []


def _failed(
    error: Exception, call: _Call, index: Optional[int] = None, partial: Any = None
) -> Exception:
    where = f" (tool call {index})" if index is not None else ""
    if isinstance(error, IncompleteJSONError):
        error = StreamError(f"the arguments of {call.name!r} ended incomplete{where}: {error}")
    assert call.engine is not None
    if isinstance(error, (StreamError, JSONError)):
        if partial is None:
            partial = call.engine.partial()
        setattr(error, "partial", partial)  # noqa: B010
        setattr(error, "raw", call.engine.raw)  # noqa: B010
    return error


def stream_tool_calls(
    source: Events, models: dict[str, type], /, **parser_options: Any
) -> Source[ToolCallUpdate]:
    """``ToolCallUpdate(index, name, model)`` for each tool call of ``source`` (deltas from
    ``deltajson.sources``) whose tool is in ``models`` (Pydantic types, or JSON Schemas such
    as the tools' ``input_schema``), after every delta that changes it:
    a ``Partial[Model]`` instance while its arguments stream, then, as soon as they are
    complete, the validated ``Model`` (``update.final`` is true). Iterable and async
    iterable, like its source.

    Raises:
        SchemaMismatch: complete arguments do not satisfy the tool's model.
        JSONError: the arguments are not JSON.
        StreamError: the stream ended with a call's arguments incomplete.
    """
    return Source(source, _ToolCallReader(dict(models), parser_options))

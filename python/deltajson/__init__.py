"""deltajson: a truly incremental partial-JSON parser for LLM streams.

``feed(delta)`` costs O(len(delta)) and ``snapshot()`` never rebuilds what was already
complete::

    import deltajson

    p = deltajson.Parser()
    for chunk in ['{"title": "Hel', 'lo", "tags": ["a"', ', "b"]}']:
        p.feed(chunk)
        print(p.snapshot())
    # {'title': 'Hel'}
    # {'title': 'Hello', 'tags': ['a']}
    # {'title': 'Hello', 'tags': ['a', 'b']}
"""

from deltajson._api import BACKENDS, Parser, default_backend, loads
from deltajson._errors import (
    IncompleteJSONError,
    JSONError,
    ProviderError,
    Refusal,
    SchemaMismatch,
    StreamError,
    StreamInterrupted,
    StreamTimeout,
    Truncated,
)
from deltajson._policies import KEYWORD as STREAM_KEYWORD
from deltajson._policies import (
    StreamDone,
    StreamNotNull,
    StreamPolicy,
    StreamState,
    StreamWithState,
)
from deltajson.patch import JsonPatcher, apply_patch, json_pointer, to_json_patch
from deltajson.select import aiter_items, iter_items, parse_path

try:
    from deltajson._deltajson import __version__
except ImportError:  # pragma: no cover - only without the compiled extension
    __version__ = "0.1.0"

# The pydantic layer (deltajson.models) is imported on first use, so `import deltajson` needs
# nothing but the engine.
_MODELS = (
    "AsyncModelStream",
    "JSONSchema",
    "ModelStream",
    "Partial",
    "aretry",
    "astream_fields",
    "astream_items",
    "astream_model",
    "retry",
    "stream_fields",
    "stream_items",
    "stream_model",
    "stream_tool_calls",
)


def __getattr__(name: str) -> object:
    if name in _MODELS:
        if name == "JSONSchema":
            from deltajson._jsonschema import JSONSchema

            return JSONSchema
        if name == "stream_tool_calls":
            from deltajson.tool_calls import stream_tool_calls

            return stream_tool_calls
        from deltajson import models

        return getattr(models, name)
    raise AttributeError(f"module 'deltajson' has no attribute {name!r}")


__all__ = [
    "BACKENDS",
    "STREAM_KEYWORD",
    "AsyncModelStream",
    "IncompleteJSONError",
    "JSONError",
    "JSONSchema",
    "JsonPatcher",
    "ModelStream",
    "Parser",
    "Partial",
    "ProviderError",
    "Refusal",
    "SchemaMismatch",
    "StreamDone",
    "StreamError",
    "StreamInterrupted",
    "StreamNotNull",
    "StreamPolicy",
    "StreamState",
    "StreamTimeout",
    "StreamWithState",
    "Truncated",
    "__version__",
    "aiter_items",
    "apply_patch",
    "aretry",
    "astream_fields",
    "astream_items",
    "astream_model",
    "default_backend",
    "iter_items",
    "json_pointer",
    "loads",
    "parse_path",
    "retry",
    "stream_fields",
    "stream_items",
    "stream_model",
    "stream_tool_calls",
    "to_json_patch",
]

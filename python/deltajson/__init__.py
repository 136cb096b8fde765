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
from deltajson._errors import IncompleteJSONError, JSONError
from deltajson.patch import JsonPatcher, apply_patch, json_pointer, to_json_patch
from deltajson.select import aiter_items, iter_items, parse_path

try:
    from deltajson._deltajson import __version__
except ImportError:  # pragma: no cover - only without the compiled extension
    __version__ = "0.1.0"

__all__ = [
    "BACKENDS",
    "IncompleteJSONError",
    "JSONError",
    "JsonPatcher",
    "Parser",
    "__version__",
    "aiter_items",
    "apply_patch",
    "default_backend",
    "iter_items",
    "json_pointer",
    "loads",
    "parse_path",
    "to_json_patch",
]

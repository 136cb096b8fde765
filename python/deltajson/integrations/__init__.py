"""Opt-in acceleration of libraries that re-parse the whole buffer after every chunk.

Each module routes one library's partial-JSON call sites through ``deltajson.compat`` (same
results, O(delta) per call) and can undo it:

- ``deltajson.integrations.openai``: the SDK's ``chat.completions.stream(...)`` helper
  (``response_format`` models and strict function tools);
- ``deltajson.integrations.anthropic``: ``messages.stream(...)`` tool-use input accumulation;
- ``deltajson.integrations.instructor``: ``Partial[Model]`` streaming;
- ``deltajson.integrations.langchain``: ``DeltaJsonOutputParser``, and ``JsonOutputParser``
  itself when accelerated.

Every module has ``accelerate()``, ``restore()``, ``is_accelerated()`` and the context manager
``accelerated()``. Importing a module here does not import its library; ``accelerate()`` does.
"""

from __future__ import annotations

__all__ = ["anthropic", "instructor", "langchain", "openai"]

"""LangChain's ``JsonOutputParser`` at O(delta): ``DeltaJsonOutputParser``.

``JsonOutputParser`` streams by parsing the whole accumulated text after every chunk
(``parse_json_markdown`` with ``parse_partial_json``, whose repair loop can call ``json.loads``
once per character) and, with ``diff=True``, by diffing the whole previous and current values
with ``jsonpatch``. ``DeltaJsonOutputParser`` is a ``JsonOutputParser`` that

- parses with ``deltajson.compat.langchain.parse_partial_json`` (same values, O(delta) on a
  growing text): LangChain's own ``parse_result`` runs — refusal checks, stripping, its errors —
  and only the ``parse_json_markdown`` it calls reads with deltajson's parser (LangChain's own
  ``parse_json_markdown``, fences and all, handed ``parser=``);
- diffs with ``jsonpatch``'s own diff builder, told that a value shared by the previous and
  the current output is unchanged: deltajson's outputs share every completed value, so only
  the open part of the document is compared. The patches are ``jsonpatch.make_patch``'s.

``accelerate()`` swaps the same two steps for ``JsonOutputParser`` itself (and its
subclasses): the ``parse_json_markdown`` its module calls, and ``_diff``. Nothing of
LangChain's is copied, so its later fixes keep working.

::

    from deltajson.integrations.langchain import DeltaJsonOutputParser

    chain = prompt | model | DeltaJsonOutputParser(diff=True)
"""

from __future__ import annotations

import copy
from typing import Any

from deltajson.compat.langchain import parse_partial_json
from deltajson.integrations._patching import Acceleration, Swap, require, with_globals

try:
    import langchain_core.output_parsers.json as _json_module
    from langchain_core.output_parsers import JsonOutputParser
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("deltajson.integrations.langchain needs langchain-core installed") from e

__all__ = [
    "DeltaJsonOutputParser",
    "accelerate",
    "accelerated",
    "is_accelerated",
    "restore",
    "shared_diff",
]


#: LangChain's own function, held (not looked up again: it is the name that gets swapped).
_parse_json_markdown = getattr(_json_module, "parse_json_markdown")  # noqa: B009


def parse_json_markdown(json_string: str, *, parser: Any = None) -> Any:
    """LangChain's ``parse_json_markdown``, reading with deltajson's ``parse_partial_json``
    (or the ``parser`` a caller names)."""
    return _parse_json_markdown(
        json_string, parser=parse_partial_json if parser is None else parser
    )


#: ``JsonOutputParser.parse_result`` itself, calling the ``parse_json_markdown`` above.
parse_result = with_globals(JsonOutputParser.parse_result, parse_json_markdown=parse_json_markdown)


def _diff(self: Any, prev: Any, next: Any) -> Any:
    return shared_diff(prev, next)


def shared_diff(src: Any, dst: Any) -> list[dict[str, Any]]:
    """``jsonpatch.make_patch(src, dst).patch``, skipping values ``src`` and ``dst`` share
    (the same object is equal to itself, so jsonpatch would find nothing there)."""
    import jsonpatch

    builder_class = _shared_builder(jsonpatch)
    if builder_class is None:  # a jsonpatch whose diff internals we do not know
        return list(jsonpatch.make_patch(src, dst).patch)
    builder = builder_class(
        src, dst, jsonpatch.JsonPatch.json_dumper, pointer_cls=jsonpatch.JsonPointer
    )
    builder._compare_values((), None, src, dst)
    return copy.deepcopy(list(builder.execute()))


_BUILDER: list[Any] = []


def _shared_builder(jsonpatch: Any) -> Any:
    """A ``jsonpatch.DiffBuilder`` that skips shared values (jsonpatch >= 1.34's internals:
    tuple paths and ``_differing_runs``), or ``None`` for other versions."""
    if _BUILDER:
        return _BUILDER[0]
    base = getattr(jsonpatch, "DiffBuilder", None)
    known = base is not None and all(
        hasattr(base, name)
        for name in ("_compare_values", "_compare_lists", "_differing_runs", "execute")
    )
    if not known:
        _BUILDER.append(None)
        return _BUILDER[0]

    class SharedDiffBuilder(base):  # type: ignore[misc, valid-type]
        def _compare_values(self, path: Any, key: Any, src: Any, dst: Any) -> None:
            if src is not dst:
                super()._compare_values(path, key, src, dst)

        def _differing_runs(self, src: Any, dst: Any) -> Any:
            # jsonpatch leaves out the items both lists start with before it matches items
            # up; shared ones need not be serialized to be found equal.
            start, shorter = 0, min(len(src), len(dst))
            while start < shorter and src[start] is dst[start]:
                start += 1
            if start == 0:
                return super()._differing_runs(src, dst)
            runs = super()._differing_runs(src[start:], dst[start:])
            return [(a + start, b + start, c + start, d + start) for a, b, c, d in runs]

    _BUILDER.append(SharedDiffBuilder)
    # Threads that made it at the same time all use the first one kept.
    return _BUILDER[0]


class DeltaJsonOutputParser(JsonOutputParser):
    """A ``JsonOutputParser`` that parses and diffs in O(delta) per streamed chunk."""

    parse_result = parse_result

    def _diff(self, prev: Any, next: Any) -> Any:
        return shared_diff(prev, next)


def _plan() -> list[Swap]:
    require("langchain_core.output_parsers.json", "langchain-core")
    return [
        (_json_module, "parse_json_markdown", parse_json_markdown),
        (JsonOutputParser, "_diff", _diff),
    ]


_acceleration = Acceleration("langchain", _plan)
accelerate = _acceleration.accelerate
restore = _acceleration.restore
is_accelerated = _acceleration.is_active
accelerated = _acceleration.scope

"""Fresh results from a parser's live tree, for the shims.

A shim's result must never be an object an earlier result holds, nor one the parser will
change later. The parser's live tree (``snapshot(copy=False)``) changes only along its open
spine, so copying the open containers (root to cursor, O(depth + their width); the parser's
``_open_spine`` does it) gives a fresh result; completed values inside are shared, as
``Parser.snapshot()`` shares them. The copies are the shim's to edit: each shim then applies
its peer's rules for the unfinished end.
"""

from __future__ import annotations

from typing import Any, Union

# A dict or a list (Any, since shims index both with keys and positions).
Container = Any


def fresh(value: Any) -> Any:
    """A shallow copy of a container (so no two results share it); other values as they are."""
    cls = type(value)
    if cls is dict:
        return dict(value)
    if cls is list:
        return list(value)
    return value


def open_spine(parser: Any) -> tuple[Any, list[Container]]:
    """``(root, spine)``: a fresh copy of the parser's value whose open containers (outermost
    first, in ``spine``) are new objects linked to each other; at depth 0 the value itself
    (copied if it is a container)."""
    spine = parser._open_spine()
    if not spine:
        return fresh(parser.snapshot(copy=False)), spine
    return spine[0], spine


def innermost(parser: Any) -> Any:
    """The innermost open container of the live tree (``None`` at depth 0), not copied."""
    depth = parser.depth
    if depth == 0:
        return None
    node = parser.snapshot(copy=False)
    path = parser.path
    for i in range(depth - 1):
        node = node[path[i]]
    return node


def place(container: Container, key: Union[str, int], value: Any) -> None:
    """Puts ``value`` where the parser was writing: a new last item, or the member ``key``."""
    if type(container) is list:
        container.append(value)
    else:
        container[key] = value

"""Duplicate keys in the shims that complete text for ``json.loads`` (partial-json-parser's
and LangChain's): what a member left out leaves behind.

Those libraries repair the buffer into a document and hand it to ``json.loads``, where a
repeated key keeps its first place and takes its last value. A member that their repair
drops (an unfinished string or container of a kind not allowed, a string cut inside a
``\\u`` escape) therefore leaves the key's *earlier* value in place, if there was one. The
parser's live tree cannot say: it already holds the unfinished value under the key, over the
earlier one. So a shim about to leave a member of an object out asks ``Members``, which reads
the same text with a second parser that records its changes (started the first time a stream
needs it, then fed only what is new: O(delta) per call) and keeps, for each key of each open
object, its last complete value and the one before.

The shims that keep the unfinished value need none of this: they assign it in place, where
the key already is.
"""

from __future__ import annotations

from typing import Any, Union

from deltajson.compat._reuse import new_parser

__all__ = ["MISSING", "Members", "drop_member"]


class _Missing:
    """No earlier value: the key is new in its object."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

Path = tuple[Union[str, int], ...]


class Members:
    """The complete values of the members of open objects, as a text was read so far."""

    __slots__ = ("answer", "asked", "clock", "epochs", "last", "parser", "read", "values")

    def __init__(self) -> None:
        # The shims' parsers accept NaN and Infinity (json.loads reads them); strings are
        # recorded only once complete.
        self.parser = new_parser(allow_nan=True, partial_strings=False)
        self.parser.changes()  # start recording
        self.read = 0
        self.clock = 0
        # The container at a path: which one it is (a new one at the same path restarts).
        self.epochs: dict[Path, int] = {}
        # An object member's path: (its object's epoch, its last value, the value before).
        self.values: dict[Path, tuple[int, Any, Any]] = {}
        # An object's path: (its epoch, the key of its member completed last).
        self.last: dict[Path, tuple[int, Any]] = {}
        # The last question of `earlier` (the member's path, the length of the text then)
        # and its answer.
        self.asked: tuple[Path, int] = ((), -1)
        self.answer: Any = MISSING

    def _catch_up(self, data: str) -> None:
        if len(data) > self.read:
            self.parser.feed(data[self.read :])
            self.read = len(data)
        epochs, values = self.epochs, self.values
        for op, path, value in self.parser.changes():
            if op == "add" and type(value) in (dict, list):
                self.clock += 1
                epochs[path] = self.clock
            elif op == "done" and path and type(path[-1]) is str:
                epoch = epochs.get(path[:-1], 0)
                kept = values.get(path)
                before = kept[1] if kept is not None and kept[0] == epoch else MISSING
                values[path] = (epoch, value, before)
                self.last[path[:-1]] = (epoch, path[-1])

    def earlier(self, data: str, path: Path) -> Any:
        """The last complete value of the object member at ``path`` (its object's key)
        before the one being written there now; ``MISSING`` if none."""
        asked_path, asked_at = self.asked
        if asked_path == path and 0 <= asked_at <= len(data) and data.find('"', asked_at) < 0:
            # Still the member asked about last (another member would need a quoted key):
            # the answer stands, the text need not be read yet. The usual call, mid-string.
            self.asked = (path, len(data))
            return self.answer
        self._catch_up(data)
        kept = self.values.get(path)
        answer = MISSING if kept is None or kept[0] != self.epochs.get(path[:-1], 0) else kept[1]
        self.asked, self.answer = (path, len(data)), answer
        return answer

    def before_last(self, data: str, path: Path) -> Any:
        """The value the member at ``path`` had before its last complete one (``MISSING``
        if none): what stays when that last member is left out."""
        self._catch_up(data)
        kept = self.values.get(path)
        if kept is None or kept[0] != self.epochs.get(path[:-1], 0):
            return MISSING
        return kept[2]

    def last_key(self, data: str, path: Path) -> Any:
        """The key of the object at ``path`` whose member was completed last."""
        self._catch_up(data)
        kept = self.last.get(path)
        if kept is None or kept[0] != self.epochs.get(path, 0):
            return None
        return kept[1]


def drop_member(container: Any, key: Any, earlier: Any) -> None:
    """Leaves the member being written out of ``container``: a list's last item goes; an
    object's key goes, or gets back ``earlier``, its value before this member."""
    if type(container) is list:
        container.pop()
    elif earlier is MISSING:
        del container[key]
    else:
        container[key] = earlier

"""``pydantic_core.from_json`` with prefix reuse: same signature, same results, O(delta) per call
on a growing buffer.

::

    from deltajson.compat import pydantic_core

    value = pydantic_core.from_json(buffer, allow_partial="trailing-strings")

pydantic_core parses JSON with jiter, so the rules are jiter's
(``deltajson.compat._jiter_rules``): floats as ``float``, ``NaN``/``Infinity`` accepted by
default, 201 levels of nesting at most; so are the errors, messages and positions included
(``deltajson.compat._jiter_errors``), but for where invalid UTF-8 is reported: at the bad byte
in pydantic_core's build, a byte later in jiter's.
"""

from __future__ import annotations

from typing import Any, Literal, Union, cast

from deltajson.compat import _jiter_rules
from deltajson.compat._jiter_rules import check_cache_mode, not_an_instance
from deltajson.compat._reuse import PrefixCache, Text

__all__ = ["cache", "from_json"]

#: The streams this shim keeps (``deltajson.compat.configure`` sets its bounds).
cache = PrefixCache()


def from_json(
    data: Union[str, bytes, bytearray],
    *,
    allow_inf_nan: bool = True,
    cache_strings: Union[bool, Literal["all", "keys", "none"]] = True,
    allow_partial: Union[bool, Literal["off", "on", "trailing-strings"]] = False,
) -> Any:
    """Parses ``data`` exactly as ``pydantic_core.from_json`` does.

    Args:
        data: the whole buffer so far.
        allow_inf_nan: accept ``NaN``, ``Infinity`` and ``-Infinity``.
        cache_strings: pydantic_core's string cache setting; accepted, without effect on
            results.
        allow_partial: ``False``/``"off"``, ``True``/``"on"`` (unfinished strings left out)
            or ``"trailing-strings"`` (kept).

    Raises:
        ValueError: the data is invalid (or incomplete without ``allow_partial``).
        TypeError: ``data`` is not ``str``, ``bytes`` or ``bytearray``.
    """
    if allow_inf_nan is True and cache_strings is True:
        # What streaming libraries pass: skip building the full key of the options.
        try:
            config = _BY_PARTIAL.get((type(data), allow_partial, type(allow_partial)))
        except TypeError:  # unhashable: invalid anyway, the checks below say how
            config = None
        if config is not None:  # data is a str or bytes
            return _jiter_rules.parse(cache, cast(Text, data), config)
    # The options are checked before the data, as pydantic_core reads its arguments before
    # its body reads the data.
    if isinstance(data, bytearray):
        # Mutable: the kept stream needs its own copy to compare the next buffer with.
        text: object = bytes(data)
    else:
        text = data
    options = (allow_inf_nan, cache_strings, allow_partial)
    key = (type(text), *options, *map(type, options))
    try:
        config = _OPTIONS.get(key)
    except TypeError:  # unhashable: invalid anyway, the checks below say how
        config = None
    if config is None:
        config = _config(type(text), *options)
        if not isinstance(text, (str, bytes)):
            raise TypeError("Expected bytes, bytearray or str")
        if len(_OPTIONS) < 64:
            _OPTIONS[key] = config
    return _jiter_rules.parse(cache, cast(Text, text), config)


def _config(
    text_type: type, allow_inf_nan: object, cache_strings: object, allow_partial: object
) -> _jiter_rules.Config:
    """Checks the options as pydantic_core does (same exceptions and messages: its build
    does not name the argument)."""
    if not isinstance(allow_inf_nan, bool):
        raise TypeError(not_an_instance(allow_inf_nan, "bool"))
    check_cache_mode(cache_strings)
    mode = _jiter_rules.partial_mode(allow_partial)
    return _jiter_rules.config(text_type, allow_inf_nan, mode, False, False, True, 0)


# Options already checked, by the arguments (and their types) that gave them.
_OPTIONS: dict[tuple[Any, ...], _jiter_rules.Config] = {}
# The configs of every partial mode with the other options at their defaults.
_BY_PARTIAL: dict[tuple[type, object, type], _jiter_rules.Config] = {
    (text_type, mode, type(mode)): _jiter_rules.config(
        text_type, True, _jiter_rules.partial_mode(mode), False, False, True, 0
    )
    for text_type in (str, bytes)
    for mode in (False, True, "off", "on", "trailing-strings")
}

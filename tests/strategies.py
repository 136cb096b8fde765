"""Hypothesis strategies shared by the property tests: JSON documents and ways to write them."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

# Text with everything JSON strings can carry: escapes, astral characters (surrogate pairs
# when escaped), and lone surrogates (only ever written as \u escapes, see `json_texts`).
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
plain_text = st.text(max_size=12)

finite_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text
)


def documents_of(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Nested lists and objects of ``scalars``."""
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=6) | st.dictionaries(plain_text, children, max_size=6)
        ),
        max_leaves=40,
    )


documents = documents_of(finite_scalars)
# With NaN and the infinities, which json.dumps writes as NaN, Infinity, -Infinity.
documents_with_nan = documents_of(finite_scalars | st.floats())


@st.composite
def json_texts(draw: st.DrawFn, values: st.SearchStrategy[Any] = documents) -> tuple[Any, str]:
    """A document and one of the many ways to write it."""
    value = draw(values)
    has_surrogate = any(0xD800 <= ord(c) < 0xE000 for c in json.dumps(value, ensure_ascii=False))
    text = json.dumps(
        value,
        ensure_ascii=has_surrogate or draw(st.booleans()),
        indent=draw(st.sampled_from([None, 0, 2, "\t", " \r\n"])),
        separators=draw(st.sampled_from([None, (",", ":"), (" , ", " : ")])),
    )
    return value, text


cuts = st.lists(st.integers(min_value=0), max_size=25)

"""repair=True on the repair corpus (tests/repair_corpus/): broken JSON the way LLMs break it.

One JSON file per class of damage, each a list of cases ``{"input", "expected", "kinds"}``
(and an optional ``"note"``): ``expected`` is deltajson's value under the repair rules,
``kinds`` the repair kinds it must report (it may report more). ``valid.json`` holds valid
documents: their value is ``json.loads``' and they need no repair.

Every case runs on both engines, in one feed and in many chunkings (one character or byte at
a time, every cut into two pieces, seeded random cuts), which must all give the one-feed
value and repairs. ``agreement()`` counts, per class, the cases where ``json_repair`` gives
deltajson's value (measured, never asserted: where they differ deltajson's rules are
deliberate). ``python tests/test_repair_corpus.py`` prints that table.
"""

from __future__ import annotations

import json
import random
from functools import cache
from pathlib import Path
from typing import Any, Optional

import pytest

import deltajson
from helpers import split, strict_equal

CORPUS_DIR = Path(__file__).resolve().parent / "repair_corpus"

#: Every repair kind ``Parser.repairs`` may name.
KINDS = frozenset(
    {
        "skipped_prefix",
        "trailing_comma",
        "ignored_suffix",
        "single_quotes",
        "unquoted_key",
        "unquoted_value",
        "python_literal",
        "comment",
        "missing_comma",
        "control_in_string",
        "inner_quote",
        "invalid_escape",
        "number_fixed",
        "truncated",
    }
)


@cache
def corpus() -> dict[str, list[dict[str, Any]]]:
    """Class name (the file's stem) -> its cases, classes in name order."""
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(CORPUS_DIR.glob("*.json"))
    }


CASES = [(name, i) for name, cases in corpus().items() for i in range(len(cases))]
IDS = [f"{name}-{i}" for name, i in CASES]


def case_of(name: str, i: int) -> dict[str, Any]:
    return corpus()[name][i]


def _repair(backend: Optional[str], case: dict[str, Any]) -> dict[str, Any]:
    """The parser's options for ``case``: repair=True, and the case's own (``multiple``)."""
    return {"repair": True, "backend": backend, **case.get("options", {})}


def repaired(
    chunks: list[Any], backend: Optional[str], case: dict[str, Any], *, snapshots: bool = False
) -> Any:
    """(final value, repairs) of one repair=True stream; ``snapshots`` reads one per chunk."""
    p = deltajson.Parser(**_repair(backend, case))
    for chunk in chunks:
        p.feed(chunk)
        if snapshots:
            p.snapshot()
    value = p.finish()
    return value, list(p.repairs)


def _no_constants(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


# ---- the corpus itself (runs without repair=True) ------------------------------------------


def test_corpus_is_well_formed() -> None:
    assert len(corpus()) >= 14 and "valid" in corpus()
    for name, cases in corpus().items():
        assert 8 <= len(cases) <= 16, name
        for case in cases:
            assert set(case) <= {"input", "expected", "kinds", "note", "options"}, case
            assert isinstance(case["input"], str) and case["input"], case
            assert set(case["kinds"]) <= KINDS, case
            if name == "valid":
                assert case["kinds"] == [], case
                assert strict_equal(json.loads(case["input"]), case["expected"]), case
            else:
                # Each broken case needs a repair: strict JSON (no NaN either) rejects it. (With
                # multiple, values side by side are read as a list without one.)
                assert case["kinds"] or case.get("options", {}).get("multiple"), case
                with pytest.raises(ValueError):
                    json.loads(case["input"], parse_constant=_no_constants)
    inputs = [case["input"] for cases in corpus().values() for case in cases]
    assert len(inputs) == len(set(inputs)), "a case appears twice"


# ---- repair=True on every case --------------------------------------------------------------


@pytest.mark.parametrize(("name", "i"), CASES, ids=IDS)
def test_value(name: str, i: int, backend: str) -> None:
    case = case_of(name, i)
    for data in (case["input"], case["input"].encode()):
        value = deltajson.loads(data, **_repair(backend, case))
        assert strict_equal(value, case["expected"]), (data, value)


@pytest.mark.parametrize(("name", "i"), CASES, ids=IDS)
def test_repairs_reported(name: str, i: int, backend: str) -> None:
    case = case_of(name, i)
    _, repairs = repaired([case["input"]], backend, case)
    size = len(case["input"].encode())
    for repair in repairs:
        kind, offset, length = repair
        assert kind in KINDS, repair
        assert type(offset) is int and type(length) is int, repair
        assert 0 <= offset and 0 <= length and offset + length <= size, (repair, size)
    reported = {kind for kind, _, _ in repairs}
    if name == "valid" or not case["kinds"]:
        assert repairs == []
    else:
        assert reported, "a broken document was repaired without a report"
    missing = set(case["kinds"]) - reported
    assert not missing, (sorted(missing), repairs)


@pytest.mark.parametrize(("name", "i"), CASES, ids=IDS)
def test_chunking_does_not_matter(name: str, i: int, backend: str) -> None:
    case = case_of(name, i)
    text: str = case["input"]
    data = text.encode()
    one_feed = repaired([text], backend, case)
    chunkings: dict[str, list[Any]] = {
        "bytes, one feed": [data],
        "one character at a time (snapshot after each)": list(text),
        "one byte at a time": [data[k : k + 1] for k in range(len(data))],
    }
    rng = random.Random(f"{name}-{i}")
    for k in range(3):
        source: Any = data if k == 2 else text
        cuts = [rng.randrange(len(source) + 1) for _ in range(rng.randint(1, 8))]
        chunkings[f"random cuts {k} {cuts}"] = split(source, cuts)
    for label, chunks in chunkings.items():
        outcome = repaired(chunks, backend, case, snapshots=label.startswith("one character"))
        assert strict_equal(outcome[0], one_feed[0]) and outcome[1] == one_feed[1], label
    for cut in range(1, len(text)):
        outcome = repaired([text[:cut], text[cut:]], backend, case)
        assert strict_equal(outcome[0], one_feed[0]) and outcome[1] == one_feed[1], cut


@pytest.mark.skipif("rust" not in deltajson.BACKENDS, reason="the Rust extension is not built")
@pytest.mark.parametrize(("name", "i"), CASES, ids=IDS)
def test_engines_agree(name: str, i: int) -> None:
    case = case_of(name, i)
    text = case["input"]
    rust, python = repaired([text], "rust", case), repaired([text], "python", case)
    assert strict_equal(rust[0], python[0]) and rust[1] == python[1]


# ---- json_repair's agreement (measured, not asserted) ---------------------------------------


def agreement(
    backend: Optional[str] = None, *, reference: str = "deltajson"
) -> dict[str, tuple[int, int]]:
    """Per corpus class, ``(cases where json_repair.loads gives the reference value, cases)``.

    The reference is deltajson's ``loads(input, repair=True)`` on ``backend`` (the default
    engine if None), or with ``reference="expected"`` the corpus' expected value. An exception
    from either parser counts as a disagreement. Needs json_repair.
    """
    return {name: (sum(same), len(same)) for name, same in _agreements(backend, reference).items()}


def differences(backend: Optional[str] = None, *, reference: str = "deltajson") -> list[str]:
    """One line per case where json_repair and the reference differ (see ``agreement``)."""
    lines = []
    for name, same in _agreements(backend, reference).items():
        for i, agrees in enumerate(same):
            if not agrees:
                case = case_of(name, i)
                theirs = _json_repair(case["input"])
                ours = _reference(case, backend, reference)
                lines.append(f"{name}-{i}: {case['input']!r}: {ours!r} / json_repair {theirs!r}")
    return lines


class _Failed:
    """A parser's exception, as a value equal to nothing (so it always disagrees)."""

    def __init__(self, parser: str, error: Exception) -> None:
        self.text = f"<{parser} raised {type(error).__name__}: {error}>"

    def __repr__(self) -> str:
        return self.text


def _json_repair(text: str) -> Any:
    import json_repair

    try:
        return json_repair.loads(text)
    except Exception as e:  # a failure is a disagreement here, not an error
        return _Failed("json_repair", e)


def _reference(case: dict[str, Any], backend: Optional[str], reference: str) -> Any:
    if reference == "expected":
        return case["expected"]
    if reference == "deltajson":
        try:
            return deltajson.loads(case["input"], **_repair(backend, case))
        except deltajson.JSONError as e:
            return _Failed("deltajson", e)
    raise ValueError(f"reference must be 'deltajson' or 'expected', not {reference!r}")


def _agreements(backend: Optional[str], reference: str) -> dict[str, list[bool]]:
    return {
        name: [
            strict_equal(_json_repair(case["input"]), _reference(case, backend, reference))
            for case in cases
        ]
        for name, cases in corpus().items()
    }


def agreement_table(counts: dict[str, tuple[int, int]]) -> str:
    """``agreement()``'s counts as a markdown table, with a total row."""
    rows = ["| class | json_repair agrees | cases |", "|---|---:|---:|"]
    for name, (same, total) in counts.items():
        rows.append(f"| {name} | {same} | {total} |")
    same = sum(s for s, _ in counts.values())
    total = sum(t for _, t in counts.values())
    rows.append(f"| **all** | **{same}** ({same / total:.0%}) | **{total}** |")
    return "\n".join(rows)


def test_agreement_runs(backend: str) -> None:
    pytest.importorskip("json_repair")
    counts = agreement(backend)
    assert list(counts) == list(corpus())
    assert all(0 <= same <= total for same, total in counts.values())
    print(agreement_table(counts))


if __name__ == "__main__":
    import argparse
    from importlib.metadata import version

    ap = argparse.ArgumentParser(description="json_repair's agreement with deltajson, per class")
    ap.add_argument("--backend", choices=deltajson.BACKENDS, default=None)
    ap.add_argument(
        "--reference",
        choices=("deltajson", "expected"),
        default="deltajson",
        help="compare with deltajson's value (default) or the corpus' expected value",
    )
    ap.add_argument("--differences", action="store_true", help="also list the cases that differ")
    args = ap.parse_args()
    print(f"json_repair {version('json_repair')} against {args.reference}:\n")
    print(agreement_table(agreement(args.backend, reference=args.reference)))
    if args.differences:
        print("\n" + "\n".join(differences(args.backend, reference=args.reference)))

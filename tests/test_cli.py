"""The ``deltajson`` command, called as a function."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from deltajson.cli import cli, demo_document, token_chunks


def test_demo_streams_the_embedded_reply(backend: str) -> None:
    out = io.StringIO()
    assert cli("demo", "--no-live", "--backend", backend, out=out) == 0
    text = out.getvalue()
    assert "final value has 3 days, 8 stops." in text
    assert "days/1/stops" in text  # progress lines show the path being written
    assert "feed + snapshot took" in text


def test_demo_chunks_cover_the_document() -> None:
    text = demo_document()
    chunks = token_chunks(text)
    assert "".join(chunks) == text
    assert all(1 <= len(c) <= 8 for c in chunks)


def test_parse_prints_snapshots_then_the_final_value(tmp_path: Path, backend: str) -> None:
    doc = tmp_path / "doc.json"
    doc.write_text('{"a": [1, 2, 3], "b": "x"}')
    out = io.StringIO()
    assert cli("parse", str(doc), "--chunk-size", "5", "--backend", backend, out=out) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0] == {}
    assert lines[-1] == {"a": [1, 2, 3], "b": "x"}
    assert len(lines) == 7  # six reads of up to 5 bytes, then the final value


def test_parse_reports_invalid_json_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "bad.json"
    doc.write_text('{"a": [1, 2 x]}')
    assert cli("parse", str(doc), "--format", "final", out=io.StringIO()) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "expected ',' or ']' after an array item, found 'x'" in err


def test_missing_file_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("parse", "/no/such/file.json", out=io.StringIO()) == 2
    assert capsys.readouterr().err.startswith("deltajson: ")


def test_help() -> None:
    with pytest.raises(SystemExit) as info:
        cli("--help", out=io.StringIO())
    assert info.value.code == 0

"""The ``deltajson`` command, called as a function."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import deltajson
from deltajson.cli import cli, token_chunks
from deltajson.patch import apply_patch
from deltajson.serve import recording

DOC = '{"a": [1, 2, 3], "b": "xyz", "c": {"d": null}}'


def test_demo_streams_the_embedded_reply(backend: str) -> None:
    out = io.StringIO()
    assert cli("demo", "--no-live", "--backend", backend, out=out) == 0
    text = out.getvalue()
    # Fields are ticked in completion order as they complete, top two levels.
    lines = [line for line in text.splitlines() if "✓" in line]
    assert [line.split("✓")[1].split()[0] for line in lines[:4]] == [
        "title",
        "summary",
        "days/0",
        "days/1",
    ]
    assert "final value, validated as TripPlan:" in text
    assert "title='Three days in Lisbon'" in text
    assert "Stop(name='Quinta da Regaleira', minutes=90" in text
    assert "feed + snapshot after every chunk takes" in text
    assert "re-parsing the whole buffer after every chunk" in text


def test_demo_live_view_marks_complete_and_open_fields() -> None:
    from rich.console import Console

    from deltajson._demo import Replay, frame

    text = recording("trip_plan")
    replay = Replay(text, token_chunks(text), deltajson.Parser())
    replay.parser.done()
    while replay.parser.path[:3] != ("days", 1, "stops"):
        replay.step()
    screen = io.StringIO()
    Console(file=screen, width=110).print(frame(replay, "trip_plan"))
    view = screen.getvalue()
    assert "deltajson demo: trip_plan" in view
    assert "writing days/1/stops" in view
    assert "✓ title: Three days in Lisbon" in view
    assert "✎ days  [2]" in view  # open: being written, expanded
    assert '✓ 0: …"Time Out Market"' in view  # day 0 is complete: folded into one line
    assert "✓ theme: Belém by the river" in view
    assert "━" in view  # the progress bar


def test_demo_live_mode_runs_to_the_validated_value() -> None:
    out = io.StringIO()
    assert cli("demo", "--live", "--delay", "0", out=out) == 0
    assert "final value, validated as TripPlan:" in out.getvalue()


def test_demo_of_a_broken_reply_shows_the_error_and_what_arrived(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = io.StringIO()
    assert cli("demo", "--no-live", "--recording", "broken_reply", out=out) == 1
    text = out.getvalue()
    assert "invalid reply: expected ',' or ']' after an array item" in text
    assert "Taylor's" in text  # the last good partial value is shown


def test_demo_chunks_cover_the_document() -> None:
    text = recording("trip_plan")
    chunks = token_chunks(text)
    assert "".join(chunks) == text
    assert all(1 <= len(c) <= 8 for c in chunks)


def run_parse(tmp_path: Path, text: str, *args: str) -> tuple[int, list[object]]:
    doc = tmp_path / "doc.json"
    doc.write_text(text)
    out = io.StringIO()
    code = cli("parse", str(doc), *args, out=out)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_parse_prints_snapshots_then_the_final_value(tmp_path: Path, backend: str) -> None:
    code, lines = run_parse(tmp_path, DOC, "--chunk-size", "5", "--backend", backend)
    assert code == 0
    assert lines[0] == {}
    assert lines[1] == {"a": [1]}  # reads: `{"a":`, ` [1, `, `2, 3]`, ...
    assert lines[2] == {"a": [1, 2, 3]}
    assert lines[-1] == json.loads(DOC)
    assert len(lines) == 10 + 1  # one line per read of up to 5 bytes, then the final value


def test_parse_patches_rebuild_the_document(tmp_path: Path, backend: str) -> None:
    code, lines = run_parse(tmp_path, DOC, "--format", "patch", "--chunk-size", "3")
    assert code == 0
    doc = None
    for ops in lines:
        assert isinstance(ops, list) and ops  # one non-empty batch per read that changed
        doc = apply_patch(doc, ops)
    assert doc == json.loads(DOC)


def test_parse_events_are_the_parsers_ops(tmp_path: Path) -> None:
    code, lines = run_parse(tmp_path, DOC, "--format", "events", "--chunk-size", "4")
    assert code == 0
    parser = deltajson.Parser()
    parser.changes()
    expected = []
    for i in range(0, len(DOC), 4):  # the same reads
        parser.feed(DOC[i : i + 4])
        expected += parser.changes()
    parser.finish()
    expected += parser.changes()
    assert lines == [
        {"op": op, "path": deltajson.json_pointer(path), "value": value}
        for op, path, value in expected
    ]
    assert lines[-1] == {"op": "done", "path": "", "value": json.loads(DOC)}


def test_parse_items_at_a_path(tmp_path: Path) -> None:
    text = '{"results": [{"id": 1}, {"id": 2}, {"id": 3}], "n": 3}'
    code, lines = run_parse(tmp_path, text, "--format", "items", "--path", "$.results[*]")
    assert (code, lines) == (0, [{"id": 1}, {"id": 2}, {"id": 3}])


def test_parse_items_of_json_lines(tmp_path: Path) -> None:
    text = '{"id": 1}\n{"id": 2}\n[3]\n'
    code, lines = run_parse(tmp_path, text, "--format", "items", "--multiple", "--chunk-size", "2")
    assert (code, lines) == (0, [{"id": 1}, {"id": 2}, [3]])


def test_parse_lenient_reads_a_fenced_reply(tmp_path: Path) -> None:
    text = 'Sure! Here it is:\n```json\n{"a": [1, 2,]}\n```\nAnything else?'
    code, lines = run_parse(tmp_path, text, "--format", "final", "--lenient")
    assert (code, lines) == (0, [{"a": [1, 2]}])


def test_parse_repair_reads_broken_json_and_lists_each_repair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "Here:\n{name: 'Ada', langs: [Python, Rust,], ok: True // done\n"
    code, lines = run_parse(tmp_path, text, "--format", "final", "--repair")
    assert (code, lines) == (0, [{"name": "Ada", "langs": ["Python", "Rust"], "ok": True}])
    reported = capsys.readouterr().err.splitlines()
    kinds = [line.split(": ")[2].split(" ")[0] for line in reported]
    parser = deltajson.Parser(repair=True)
    parser.feed(text)
    parser.finish()
    assert kinds == [kind for kind, _, _ in parser.repairs]
    assert reported[1].endswith("unquoted_key at byte 7 (4 bytes)")


def test_parse_reports_invalid_json_in_one_line_after_what_it_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = run_parse(tmp_path, '[{"a": 1}, {"b": 2} x]', "--format", "items")
    assert code == 1
    assert lines == [{"a": 1}, {"b": 2}]
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "expected ',' or ']' after an array item, found 'x'" in err
    assert "(byte 20)" in err


def test_parse_reports_a_truncated_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = run_parse(tmp_path, '{"a": [1, 2', "--format", "final")
    assert (code, lines) == (1, [])
    assert "end of input" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "items", "--path", "items"], "a JSONPath starts with '$'"),
        (["--path", "$.a"], "--path selects items"),
        (["--chunk-size", "0"], "--chunk-size must be at least 1"),
    ],
)
def test_parse_usage_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _ = run_parse(tmp_path, "[]", *args)
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_parse_reads_stdin_as_it_arrives() -> None:
    # A real pipe: the first value is printed before the writer has finished.
    proc = subprocess.Popen(
        [sys.executable, "-m", "deltajson.cli", "parse", "--format", "items", "--multiple"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write('{"id": 1}\n{"id"')
    proc.stdin.flush()
    assert json.loads(proc.stdout.readline()) == {"id": 1}
    proc.stdin.write(": 2}\n")
    proc.stdin.close()
    assert json.loads(proc.stdout.readline()) == {"id": 2}
    assert proc.wait(timeout=30) == 0


def test_missing_file_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("parse", "/no/such/file.json", out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err.startswith("deltajson: ") and err.count("\n") == 1


# Not in several threads at once (pytest-run-parallel): matplotlib is not thread-safe (its
# mathtext parser is shared), and `--plot` draws with it.
@pytest.mark.thread_unsafe(reason="matplotlib is not thread-safe")
def test_bench_prints_a_table_writes_json_and_a_chart(tmp_path: Path) -> None:
    out = io.StringIO()
    chart, results = tmp_path / "bench.png", tmp_path / "bench.json"
    args = ["--sizes", "1KB", "10KB", "--shapes", "list", "--quick", "--budget", "5"]
    assert cli("bench", *args, "--json", str(results), "--plot", str(chart), out=out) == 0
    text = out.getvalue()
    assert "list document, 10KB" in text
    for row in ("deltajson Rust snapshot()", "jiter re-parse per chunk", "jiter.from_json"):
        assert row in text
    assert "median per-chunk 1MB / 10KB" not in text  # no 1MB run, no such ratio
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(results.read_text())
    assert [w["size"] for w in data["workloads"]] == ["1KB", "10KB"]
    assert data["workloads"][0]["stream"]["deltajson Rust snapshot()"]["total_ms"] > 0


def test_a_missing_extra_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "rich", None)  # as if rich were not installed
    assert cli("demo", "--no-live", out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err == "deltajson demo: this command needs rich and pydantic: " + (
        "pip install 'deltajson[cli]'\n"
    )


@pytest.mark.parametrize("command", [[], ["demo"], ["parse"], ["bench"], ["serve"]])
def test_help_everywhere(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli(*command, "--help", out=io.StringIO())
    assert info.value.code == 0
    assert "usage: deltajson" in capsys.readouterr().out


def test_bench_outside_a_source_checkout_says_where_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # An installed package has no benches/ beside it: the benchmark lives in the repository.
    import deltajson.cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(deltajson.cli, "__file__", str(tmp_path / "site" / "deltajson" / "cli.py"))
    assert cli("bench", "--quick", out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err.startswith("deltajson bench: the benchmark is not part of the installed package")

"""The examples in the README run as tests, in order and in one namespace (as a reader would
run them), on each engine. On a free-threaded interpreter an example that imports a package
that leg does not install is left out, by name (tests/free_threading.py)."""

from __future__ import annotations

import contextlib
import doctest
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from free_threading import left_out_example
from loopback import replay_server
from provider_sse import fixture

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text("utf-8"), flags=re.S)


def test_readme_examples(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import deltajson._api

    monkeypatch.setattr(deltajson._api, "DEFAULT_BACKEND", backend)
    blocks = python_blocks()
    assert len(blocks) >= 4
    with recorded_providers() as url:
        run_blocks(blocks, {"BASE_URL": url}, backend)


@contextlib.contextmanager
def recorded_providers() -> Iterator[str]:
    """The providers the examples (README and docs) talk to: a local replay of recorded
    streams, per model name; yields its base URL."""
    with replay_server() as provider:
        provider.add("gpt-4o", fixture("openai_chat_trip.sse"))
        provider.add("claude-opus-4-6", fixture("anthropic_tool_use.sse"))
        provider.add("claude-eager", fixture("anthropic_eager_cut.sse"))
        provider.add("gpt-4.1", fixture("openai_responses_plan.sse"))  # the Agents SDK's
        provider.add("gemini-2.5-flash", fixture("gemini_tools.sse"))
        provider.add("gemini-3-pro-preview", fixture("vertex_partial_args.sse"))
        yield provider.url


def run_blocks(
    blocks: list[str], namespace: dict[str, object], backend: str, source: Path = README
) -> None:
    """``source``'s ```python blocks in order, in one namespace (the README's, or a docs page's:
    tests/test_docs.py)."""
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for i, block in enumerate(blocks):
        reason = left_out_example(block)
        if reason is not None:
            print(f"{source.name} block {i} left out: {reason}")
            continue
        test = doctest.DocTestParser().get_doctest(
            block, namespace, f"{source.name} block {i}", str(source), 0
        )
        runner.run(test, clear_globs=False)
        namespace = test.globs  # the next block sees what this one defined
        assert runner.failures == 0, f"{source.name} block {i} failed on {backend} (see above)"

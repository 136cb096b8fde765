"""The examples of the documentation site (``docs/``) run as tests, as the README's do: each
page's ```python blocks in order and in one namespace (as a reader would run them), on each
engine; and every page of the site is in its navigation (``mkdocs.yml``). On a free-threaded
interpreter an example that imports a package that leg does not install is left out, by name
(tests/free_threading.py), as the README's are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_readme import recorded_providers, run_blocks

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(DOCS.rglob("*.md"))


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text("utf-8"), flags=re.S)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_examples(page: Path, backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import deltajson._api

    blocks = python_blocks(page)
    if not any(">>>" in block for block in blocks):
        return  # nothing to run on this page (prose, or code shown without its output)
    monkeypatch.setattr(deltajson._api, "DEFAULT_BACKEND", backend)
    with recorded_providers() as url:
        run_page(page, blocks, {"BASE_URL": url}, backend)


def run_page(page: Path, blocks: list[str], namespace: dict[str, object], backend: str) -> None:
    """A page's blocks in order, in one namespace that starts with ``deltajson`` imported
    (each page stands on its own: a reader may open any of them first)."""
    exec("import deltajson", namespace)
    run_blocks(blocks, namespace, backend, page)


def test_every_page_is_in_the_navigation() -> None:
    nav = (DOCS.parent / "mkdocs.yml").read_text("utf-8")
    listed = set(re.findall(r":\s*([\w/.-]+\.md)\s*$", nav, flags=re.M))
    assert {str(p.relative_to(DOCS)) for p in PAGES} == listed

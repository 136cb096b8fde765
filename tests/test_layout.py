"""The layout the documentation describes (docs/layout.md) is the one the code has: the Rust
core uses no PyO3, the pure-Python twin stands alone, and each layer of the Python package
imports only from its own layer or those below it (function-level imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "python" / "deltajson"

#: The package's layers, bottom first: a module may import from its own layer and those below.
#: A module is matched by its dotted name under ``deltajson`` or by its subpackage (``compat``).
LAYERS: list[tuple[str, set[str]]] = [
    (
        "leaves",
        {
            "_errors", "_options", "_partial", "_policies", "_partial_args", "_chunks",
            "patch", "_stores", "_sse_inbox", "_pure", "_source_kit",
        },
    ),
    ("parser", {"_api", "_wire", "_deltajson", "select", "compat"}),
    (
        "typed",
        {
            "_schema", "_engine", "_engine_parts", "_engine_views", "_jsonschema",
            "_contracts", "_awaitable", "models", "sources", "tool_calls", "integrations",
        },
    ),
    ("serving", {"_sse_direct", "sse", "resume"}),
    ("applications", {"serve", "_demo", "cli", "__init__"}),
]  # fmt: skip


def module_name(path: Path) -> str:
    """``deltajson``-relative dotted name: ``_pure.scanner``, ``compat.jiter``, ``__init__``."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return "__init__" if parts == ("__init__",) else ".".join(p for p in parts if p != "__init__")


def layer_of(name: str) -> int:
    """The layer of a module (its own name, else its subpackage's)."""
    for index, (_, members) in enumerate(LAYERS):
        if name in members or name.split(".")[0] in members:
            return index
    raise AssertionError(f"deltajson.{name} is in no layer of tests/test_layout.py (add it)")


def imports_of(path: Path) -> set[str]:
    """The ``deltajson`` modules a file imports anywhere in it, as ``deltajson``-relative names
    (``from deltajson import x`` counts as importing ``x`` where ``x`` is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "deltajson":
                found.update(a.name for a in node.names if (PACKAGE / f"{a.name}.py").exists())
                found.update(a.name for a in node.names if (PACKAGE / a.name).is_dir())
            elif node.module.startswith("deltajson."):
                found.add(node.module.removeprefix("deltajson."))
        elif isinstance(node, ast.Import):
            found.update(
                a.name.removeprefix("deltajson.")
                for a in node.names
                if a.name.startswith("deltajson.")
            )
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_a_module_imports_only_its_layer_and_those_below(path: Path) -> None:
    name = module_name(path)
    own = layer_of(name)
    above = {dep for dep in imports_of(path) if layer_of(dep) > own}
    assert not above, f"deltajson.{name} ({LAYERS[own][0]}) imports from above: {sorted(above)}"


def test_the_pure_twin_stands_alone() -> None:
    # The reference engine of the differential tests: it shares no code with the extension,
    # only the exception classes and the option checks.
    allowed = {"_errors", "_options"}
    for path in (PACKAGE / "_pure").rglob("*.py"):
        foreign = {d for d in imports_of(path) if not d.startswith("_pure")} - allowed
        assert not foreign, f"{path.relative_to(ROOT)} imports {sorted(foreign)}"


def test_the_rust_core_uses_no_pyo3() -> None:
    # src/core is testable with cargo test and fuzzable without a Python interpreter.
    for path in (ROOT / "src" / "core").rglob("*.rs"):
        text = path.read_text("utf-8")
        assert "pyo3" not in text and "crate::python" not in text, path.relative_to(ROOT)


def test_the_package_never_imports_the_benchmarks_or_the_tests() -> None:
    outside = {p.stem for folder in ("benches", "tests") for p in (ROOT / folder).glob("*.py")}
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module.split(".")[0]]
            assert not outside.intersection(names), f"{path.relative_to(ROOT)}: {names}"

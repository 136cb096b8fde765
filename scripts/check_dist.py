"""`make dist`: what the sdist and the wheels hold, and the metadata twine does not check.

Lists the sdist's files and fails if it holds build products, caches or fuzz output, or lacks a
file a build from source needs (every file git tracks under src/ and python/ included); checks
that each wheel holds the extension, the stubs and the license; that all declare the license
expression and file, and only classifiers PyPI accepts (trove-classifiers, pinned in
requirements/tools.txt); and that they claim free-threading support exactly as far as it is
tested: "Free Threading :: 2 - Beta" (the whole suite and a threaded stress run on 3.13t, no
thread sanitizer), present when a free-threaded wheel is, and no higher level.

Usage: check_dist.py SDIST WHEEL...  (run by the tools venv's Python, which has
trove-classifiers)
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path, PurePosixPath

from trove_classifiers import classifiers as known_classifiers
from trove_classifiers import deprecated_classifiers

ROOT = Path(__file__).resolve().parent.parent

# Path components that are never source: build output, caches, virtual environments, fuzz output.
JUNK_PARTS = {
    "target",
    "dist",
    "__pycache__",
    ".hypothesis",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".peers",
    ".git",
    ".venv",
    ".venvs",
    "venv",
    "node_modules",
    "test-artifacts",
}
# Directories that are junk under a given parent (fuzz/corpus, benches/results ...).
JUNK_DIRS = {"fuzz/corpus", "fuzz/artifacts", "fuzz/coverage", "fuzz/target", "benches/results"}
JUNK_SUFFIXES = (".so", ".pyd", ".dylib", ".pyc", ".pyo", ".whl", ".profraw", ".log", ".orig")
# What `pip install deltajson-*.tar.gz` needs to build and what the package needs at run time.
REQUIRED = [
    "PKG-INFO",
    "pyproject.toml",
    "Cargo.toml",
    "Cargo.lock",
    "README.md",
    "LICENSE",
    "Cargo.ft.lock",
    "src/lib.rs",
    "python/deltajson/__init__.py",
    "python/deltajson/_deltajson.pyi",
    "python/deltajson/py.typed",
]


def junk_reason(path: PurePosixPath) -> str | None:
    """Why a file of a distribution is junk, or None."""
    parts = set(path.parts[:-1]) | {path.name}
    hit = sorted(parts & JUNK_PARTS) or [d for d in JUNK_DIRS if str(path).startswith(d + "/")]
    if hit:
        return f"under {hit[0]}"
    if path.name.endswith(".egg-info") or any(p.endswith(".egg-info") for p in path.parts):
        return "egg-info"
    if path.name.endswith(JUNK_SUFFIXES):
        return f"a {path.suffix} file"
    return None


# The free-threading level the tests back (see the module's doc).
FREE_THREADING = "Programming Language :: Python :: Free Threading :: 2 - Beta"


def check_metadata(kind: str, text: str, free_threaded: bool = True) -> list[str]:
    """Problems in a PKG-INFO / METADATA file; `free_threaded`: free-threaded wheels ship."""
    meta: Message = Parser().parsestr(text)
    problems = []
    if meta.get("License-Expression") != "MIT":
        problems.append(f"{kind}: License-Expression is {meta.get('License-Expression')!r}")
    if "LICENSE" not in (meta.get_all("License-File") or []):
        problems.append(f"{kind}: no License-File: LICENSE")
    for field in ("Author", "Keywords", "Requires-Python", "Project-URL", "Summary"):
        if not meta.get(field) and not (field == "Author" and meta.get("Author-email")):
            problems.append(f"{kind}: no {field}")
    found = meta.get_all("Classifier") or []
    for classifier in found:
        if classifier in deprecated_classifiers:
            problems.append(f"{kind}: deprecated classifier {classifier!r}")
        elif classifier not in known_classifiers:
            problems.append(f"{kind}: unknown classifier {classifier!r}")
        if classifier.startswith("License ::"):
            problems.append(f"{kind}: {classifier!r} next to a license expression")
    for version in ("3.10", "3.11", "3.12", "3.13"):
        if f"Programming Language :: Python :: {version}" not in found:
            problems.append(f"{kind}: no classifier for Python {version}")
    claimed = [c for c in found if c.startswith("Programming Language :: Python :: Free Thread")]
    if free_threaded and FREE_THREADING not in claimed:
        problems.append(f"{kind}: a free-threaded wheel ships without {FREE_THREADING!r}")
    problems += [
        f"{kind}: {c!r} claims other than what the tests back ({FREE_THREADING!r})"
        for c in claimed
        if c not in (FREE_THREADING, "Programming Language :: Python :: Free Threading")
    ]
    return problems


def git_tracked(*dirs: str) -> list[str]:
    """Files git tracks under dirs, or [] outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--", *dirs], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return [line for line in out.splitlines() if (ROOT / line).is_file()]


def check_sdist(sdist: Path, free_threaded: bool) -> list[str]:
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        tops = {PurePosixPath(m.name).parts[0] for m in members}
        if len(tops) != 1:
            return [f"sdist: expected one top directory, found {sorted(tops)}"]
        files = {str(PurePosixPath(*PurePosixPath(m.name).parts[1:])): m.size for m in members}
        pkg_info = tar.extractfile(f"{tops.pop()}/PKG-INFO")
        metadata = pkg_info.read().decode() if pkg_info else ""

    print(f"{sdist.name}: {len(files)} files, {sum(files.values()) / 1024:.0f} KiB unpacked")
    for name in sorted(files):
        print(f"  {files[name]:>9,}  {name}")
    problems = [
        f"sdist: {name} is {why}" for name in files if (why := junk_reason(PurePosixPath(name)))
    ]
    problems += [f"sdist: lacks {name}" for name in REQUIRED if name not in files]
    problems += [
        f"sdist: lacks {name} (tracked by git)"
        for name in git_tracked("src", "python")
        if name not in files
    ]
    return problems + check_metadata("sdist PKG-INFO", metadata, free_threaded)


def check_wheel(wheel: Path, free_threaded: bool) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        dist_info = next(n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info"))
        metadata = zf.read(f"{dist_info}/METADATA").decode()
    print(f"{wheel.name}: {len(names)} files")
    problems = [f"wheel: {n} is {why}" for n in names if (why := wheel_junk(PurePosixPath(n)))]
    for needed in (
        "deltajson/py.typed",
        "deltajson/_deltajson.pyi",
        f"{dist_info}/licenses/LICENSE",
    ):
        if needed not in names:
            problems.append(f"wheel: lacks {needed}")
    if not any(n.startswith("deltajson/_deltajson.") and n.endswith(".so") for n in names):
        problems.append("wheel: lacks the compiled extension deltajson/_deltajson.*.so")
    return problems + check_metadata(f"{wheel.name} METADATA", metadata, free_threaded)


def wheel_junk(path: PurePosixPath) -> str | None:
    """The extension module is the one binary a wheel holds."""
    if (
        path.parts[0] == "deltajson"
        and path.name.startswith("_deltajson.")
        and path.suffix == ".so"
    ):
        return None
    return junk_reason(path)


def is_free_threaded_wheel(wheel: Path) -> bool:
    """A wheel for a free-threaded CPython (ABI tag `cp313t`)."""
    parts = wheel.name[: -len(".whl")].split("-")
    return len(parts) >= 5 and parts[-2].startswith("cp") and parts[-2].endswith("t")


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    sdist, wheels = Path(argv[0]), [Path(a) for a in argv[1:]]
    free_threaded = any(map(is_free_threaded_wheel, wheels))
    problems = check_sdist(sdist, free_threaded)
    for wheel in wheels:
        problems += check_wheel(wheel, free_threaded)
    for problem in problems:
        print(f"check-dist: {problem}")
    if problems:
        return 1
    print(
        f"check-dist: the sdist and {len(wheels)} wheels hold what they should, and nothing "
        "else; metadata complete"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

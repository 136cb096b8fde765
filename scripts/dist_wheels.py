"""`make dist`: a manylinux_2_17 wheel for every interpreter of the matrix, each checked.

For each CPython version (`3.10` ... `3.13t`): find its interpreter (a missing one fails by
name), build its wheel into `--out` (scripts/wheels.py: maturin with zig, manylinux2014; the
cp313t one with Cargo.ft.lock), check with `auditwheel show` that the wheel is consistent with
exactly `manylinux_2_17_x86_64` and no other tag (a wheel linking newer glibc symbols would
earn a later one), install it alone into a fresh venv of that interpreter and run the first
example of the README's "Use" section there (scripts/readme_example.py, from outside the
repository, so that the installed package is the one imported). Prints a line per wheel.

Usage: dist_wheels.py --out dist [--interpreter 3.13t=PATH] VERSION...  (run by the Python
that has the pinned uv, after `make tools`)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import wheels

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "target" / "venvs" / "tools" / "bin"
UV = [sys.executable, "-m", "uv"]
EXPECTED_TAG = "manylinux_2_17_x86_64"


def auditwheel_tags(wheel: Path) -> tuple[list[str], str]:
    """The platform tags `auditwheel show` finds the wheel consistent with, and its report."""
    shown = subprocess.run(
        [str(TOOLS / "auditwheel"), "show", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    report = " ".join((shown.stdout + shown.stderr).split())
    found = re.search(r"is consistent with the following platform tag: \"([^\"]+)\"", report)
    return ([found.group(1)] if found else []), report


def check(version: str, interpreter: str, out: Path, maturin: str) -> str | None:
    """Builds and checks one version's wheel; None when it passed, else what failed."""
    wheel = wheels.build(version, interpreter, out, maturin)
    if wheel is None:
        return "wheel build failed"
    tags, report = auditwheel_tags(wheel)
    print(f"{version}: {wheel.name}: auditwheel show: {tags or report}", flush=True)
    if tags != [EXPECTED_TAG]:
        return f"auditwheel show: {report}"
    if EXPECTED_TAG not in wheel.name:
        return f"{wheel.name} is not tagged {EXPECTED_TAG}"
    venv = ROOT / "target" / "venvs" / f"dist-{version}"
    python = str(venv / "bin" / "python")
    if not wheels.run([*UV, "venv", "--quiet", "--clear", "--python", interpreter, str(venv)]):
        return "venv failed"
    if not wheels.run([*UV, "pip", "install", "--quiet", "--python", python, str(wheel)]):
        return "install failed"
    # From target/: the repository's python/ is not on the path there.
    readme = [python, str(ROOT / "scripts" / "readme_example.py"), str(ROOT / "README.md")]
    if not wheels.run(readme, cwd=ROOT / "target"):
        return "the README's first example failed"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("versions", nargs="+", help="CPython versions, e.g. 3.10 3.13t")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--interpreter", action="append", default=[], metavar="VERSION=PATH")
    parser.add_argument("--maturin", default=str(TOOLS / "maturin"))
    args = parser.parse_args(argv)
    given = wheels.given_interpreters(args.interpreter)
    outcomes: list[tuple[str, float, str]] = []
    for version in args.versions:
        started = time.monotonic()
        interpreter = wheels.find_interpreter(version, given)
        if interpreter is None:
            problem: str | None = f"MISSING: no CPython {version} interpreter here"
        else:
            print(f"\n=== dist: CPython {version}: {interpreter}", flush=True)
            problem = check(version, interpreter, args.out, args.maturin)
        outcomes.append((version, time.monotonic() - started, problem or "passed"))
    print("\ndist wheels")
    for version, seconds, outcome in outcomes:
        print(f"  {version:<6} {seconds:5.0f} s  {outcome}")
    failed = [version for version, _, outcome in outcomes if outcome != "passed"]
    if failed:
        print(f"  FAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

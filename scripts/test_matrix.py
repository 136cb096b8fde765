"""`make test-matrix`: the test suite on each CPython of the matrix, against its built wheel.

The wheels are per interpreter (the extension uses CPython's full API, as jiter's and orjson's
do), so each version gets its own: for each version, find an interpreter, take its wheel from
`--wheel-dir` (`make test` passes the wheels `make dist` just built and checked) or build it
there (scripts/wheels.py: manylinux2014 with zig, as `make dist` ships them), make a fresh
venv, install the wheel and the locked test dependencies into it with uv, check that deltajson
is imported from that venv with its Rust engine, and run pytest from the repository root. The
main leg runs the suite with the main hypothesis budget and requires the browser test; the
other legs run a smaller budget. A version with no interpreter here fails the matrix by name;
it is never skipped. An abi3 wheel (`--features abi3`) in `--wheel-dir` serves every version
with a GIL.

A free-threaded version (`3.13t`) installs `--ft-lock` (the test extra resolved for it, without
the packages `--ft-excludes` names), checks that importing deltajson leaves the GIL off, runs
the whole suite, then the threaded stress run: every test again in `--stress-threads` threads
at once (pytest-run-parallel; tests marked `thread_unsafe` run in one), with the `stress`
hypothesis budget. The suite fails if the GIL was turned on meanwhile (tests/conftest.py).

Run with the Python that has the pinned uv (`make bootstrap`); usage: see `--help`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import wheels

ROOT = Path(__file__).resolve().parent.parent
UV = [sys.executable, "-m", "uv"]
# Run by each leg's interpreter: where deltajson comes from, whether its Rust engine loaded
# (deltajson falls back to the pure-Python engine alone when the extension does not import),
# and whether the GIL is on once it is imported.
PROBE = (
    "import sys, deltajson; "
    "print(deltajson.__file__); print('.'.join(map(str, sys.version_info[:3]))); "
    "print(','.join(deltajson.BACKENDS)); "
    "print('gil' if getattr(sys, '_is_gil_enabled', lambda: True)() else 'nogil')"
)


@dataclass
class Leg:
    """One version of the matrix and how it went."""

    version: str
    interpreter: str | None = None
    outcome: str = "not run"
    seconds: float = 0.0
    stress_seconds: float = 0.0


def run(cmd: list[str], env: dict[str, str] | None = None) -> bool:
    """Runs a command from the repository root, its output going to ours; True if it passed."""
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode == 0


def build_wheel(leg: Leg, args: argparse.Namespace) -> Path | None:
    """The leg's wheel: found in `--wheel-dir`, else built there for its interpreter."""
    assert leg.interpreter is not None
    found = wheels.find_wheel(leg.version, args.wheel_dir)
    if found is not None:
        return found
    return wheels.build(leg.version, leg.interpreter, args.wheel_dir, args.maturin)


def run_leg(leg: Leg, args: argparse.Namespace) -> None:
    """Its wheel, a fresh venv, wheel and locked test dependencies, probe, pytest (and, on a
    free-threaded leg, the threaded stress run)."""
    assert leg.interpreter is not None
    free_threaded = wheels.is_free_threaded(leg.version)
    venv = ROOT / "target" / "venvs" / f"py{leg.version}"
    python = str(venv / "bin" / "python")
    started = time.monotonic()
    try:
        wheel = build_wheel(leg, args)
        if wheel is None:
            leg.outcome = "wheel build failed"
            return
        print(f"{leg.version}: {wheel.name}", flush=True)
        if not run([*UV, "venv", "--quiet", "--clear", "--python", leg.interpreter, str(venv)]):
            leg.outcome = "venv failed"
            return
        install = [*UV, "pip", "install", "--quiet", "--python", python, "--reinstall-package"]
        if free_threaded:
            lock = ["-r", str(args.ft_lock), "--excludes", str(args.ft_excludes)]
        else:
            lock = ["-r", str(args.lock)]
        if not run([*install, "deltajson", *lock, str(wheel)]):
            leg.outcome = "install failed"
            return
        probe = subprocess.run(
            [python, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=False
        )
        lines = probe.stdout.split()
        if probe.returncode != 0 or len(lines) != 4:
            print(probe.stdout + probe.stderr)
            leg.outcome = "import failed"
            return
        module, full_version, backends, gil = lines
        print(f"{leg.version}: CPython {full_version}, deltajson from {module}, {backends}, {gil}")
        if not Path(module).resolve().is_relative_to(venv.resolve()):
            leg.outcome = f"imported deltajson from {module}, not the venv's wheel"
            return
        if backends.split(",") != ["rust", "python"]:
            leg.outcome = f"engines {backends}: the Rust extension did not load"
            return
        if free_threaded and gil != "nogil":
            leg.outcome = "importing deltajson turned the GIL on"
            return
        env = dict(os.environ)
        # The leg's venv is the active one (tests start `sys.executable` and console scripts).
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env.pop("PYTHONPATH", None)
        if leg.version == args.main:
            env["HYPOTHESIS_PROFILE"] = args.main_profile
            env["DELTAJSON_REQUIRE_BROWSER"] = "1"
            env["DELTAJSON_REQUIRE_REDIS"] = "1"
        else:
            env["HYPOTHESIS_PROFILE"] = args.profile
        print(f"{leg.version}: pytest, hypothesis profile {env['HYPOTHESIS_PROFILE']}", flush=True)
        if not run([python, "-m", "pytest", *args.pytest_args.split()], env=env):
            leg.outcome = "pytest failed"
            return
        leg.outcome = "passed"
        if free_threaded and args.stress_threads > 1:
            env["HYPOTHESIS_PROFILE"] = "stress"
            threads = f"--parallel-threads={args.stress_threads}"
            print(f"{leg.version}: threaded stress run, {threads}", flush=True)
            stress_started = time.monotonic()
            stressed = run([python, "-m", "pytest", threads, *args.pytest_args.split()], env=env)
            leg.stress_seconds = time.monotonic() - stress_started
            leg.outcome = "passed, stress run passed" if stressed else "stress run failed"
    finally:
        leg.seconds = time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("versions", nargs="+", help="CPython versions, e.g. 3.10 3.11 3.13t")
    parser.add_argument(
        "--wheel-dir", type=Path, required=True, help="the wheels: found there, or built into it"
    )
    parser.add_argument(
        "--maturin",
        default=str(ROOT / "target" / "venvs" / "tools" / "bin" / "maturin"),
        help="builds each version's wheel (default: the locked tools venv's, `make tools`)",
    )
    parser.add_argument(
        "--interpreter",
        action="append",
        default=[],
        metavar="VERSION=PATH",
        help="the interpreter of a version (e.g. 3.13t=~/.cache/deltajson/cpython-3.13t/...)",
    )
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements" / "test.txt")
    parser.add_argument(
        "--ft-lock",
        type=Path,
        default=ROOT / "requirements" / "test-ft.txt",
        help="the test dependencies of a free-threaded version",
    )
    parser.add_argument(
        "--ft-excludes",
        type=Path,
        default=ROOT / "requirements" / "test-ft-excludes.txt",
        help="what a free-threaded version goes without",
    )
    parser.add_argument(
        "--stress-threads",
        type=int,
        default=4,
        help="threads of a free-threaded version's stress run (1 turns it off)",
    )
    parser.add_argument("--main", default="3.11", help="the leg that is the main pytest run")
    parser.add_argument("--main-profile", default="ci", help="its hypothesis profile")
    parser.add_argument("--profile", default="matrix", help="the other legs' hypothesis profile")
    parser.add_argument("--pytest-args", default="-q", help="passed to pytest (one string)")
    args = parser.parse_args(argv)
    given = wheels.given_interpreters(args.interpreter)

    args.wheel_dir.mkdir(parents=True, exist_ok=True)
    print(f"test-matrix: deltajson on CPython {', '.join(args.versions)}", flush=True)

    legs = [Leg(version) for version in args.versions]
    started = time.monotonic()
    for leg in legs:
        leg.interpreter = wheels.find_interpreter(leg.version, given)
        if leg.interpreter is None:
            leg.outcome = f"MISSING: no CPython {leg.version} interpreter here"
            hint = (
                "scripts/build-python-ft builds it (`make python-ft`)"
                if wheels.is_free_threaded(leg.version)
                else f"`pyenv install {leg.version}` or `uv python install {leg.version}`"
            )
            print(
                f"\ntest-matrix: {leg.outcome} (looked for python{leg.version} on PATH, in "
                f"pyenv's versions and uv's{', and as given' if leg.version in given else ''}); "
                f"install it: {hint}",
                flush=True,
            )
            continue
        print(f"\n=== CPython {leg.version}: {leg.interpreter}", flush=True)
        run_leg(leg, args)
    total = time.monotonic() - started

    print("\ntest-matrix summary")
    for leg in legs:
        main_mark = " (main run)" if leg.version == args.main else ""
        stress = f" (stress run {leg.stress_seconds:.0f} s)" if leg.stress_seconds else ""
        print(f"  {leg.version:<6} {leg.seconds:6.0f} s  {leg.outcome}{main_mark}{stress}")
    failed = [leg.version for leg in legs if not leg.outcome.startswith("passed")]
    print(f"  total  {total:6.0f} s  " + (f"FAILED: {', '.join(failed)}" if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

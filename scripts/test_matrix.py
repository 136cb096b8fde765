"""`make test-matrix`: the test suite on each CPython of the matrix, against its built wheel.

The wheels are per interpreter (the extension uses CPython's full API, as jiter's and orjson's
do), so each version gets its own: for each version, find an interpreter, build the wheel for
it with maturin (`maturin build --release -i <interpreter>`, into `--wheel-dir`; a wheel already
there for that version is used as it is), make a fresh venv, install the wheel and the locked
test dependencies (requirements/test.txt) into it with uv, check that deltajson is imported from
that venv with its Rust engine, and run pytest from the repository root. The main leg runs the
suite with the main hypothesis budget and requires the browser test; the other legs run a
smaller budget. A version with no interpreter here fails the matrix by name; it is never
skipped. An abi3 wheel (`--features abi3`) in `--wheel-dir` serves every version.

Run with the Python that has the pinned uv (`make bootstrap`); usage: see `--help`.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UV = [sys.executable, "-m", "uv"]
# Run by each leg's interpreter: where deltajson comes from, and whether its Rust engine loaded
# (deltajson falls back to the pure-Python engine alone when the extension does not import).
PROBE = (
    "import sys, deltajson; "
    "print(deltajson.__file__); print('.'.join(map(str, sys.version_info[:3]))); "
    "print(','.join(deltajson.BACKENDS))"
)


@dataclass
class Leg:
    """One version of the matrix and how it went."""

    version: str
    interpreter: str | None = None
    outcome: str = "not run"
    seconds: float = 0.0


def version_of(executable: str) -> str | None:
    """`major.minor` of a CPython executable, or None when it does not run or is not CPython."""
    code = "import platform, sys; print(platform.python_implementation(), *sys.version_info[:2])"
    try:
        out = subprocess.run(
            [executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    if len(out) != 3 or out[0] != "CPython":
        return None
    return f"{out[1]}.{out[2]}"


def find_interpreter(version: str) -> str | None:
    """A CPython `version` here: `pythonX.Y` on PATH (a pyenv shim of an inactive version does
    not run and is passed over), then pyenv's versions (newest patch first), then uv's."""
    candidates: list[str] = []
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(on_path)
    pyenv_versions = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    installed = [Path(p) for p in glob.glob(f"{pyenv_versions}/{version}.*/bin/python{version}")]
    candidates += [str(p) for p in sorted(installed, key=patch_level, reverse=True)]
    uv_found = subprocess.run(
        [*UV, "python", "find", "--no-python-downloads", version],
        capture_output=True,
        text=True,
        check=False,
    )
    if uv_found.returncode == 0 and uv_found.stdout.strip():
        candidates.append(uv_found.stdout.strip())
    for candidate in candidates:
        if version_of(candidate) == version:
            return candidate
    return None


def patch_level(executable: Path) -> tuple[int, ...]:
    """(3, 12, 1) for .../versions/3.12.1/bin/python3.12; a pre-release sorts as its digits."""
    name = executable.parent.parent.name
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def run(cmd: list[str], env: dict[str, str] | None = None) -> bool:
    """Runs a command from the repository root, its output going to ours; True if it passed."""
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode == 0


def wheel_for(version: str, wheel_dir: Path) -> Path | None:
    """The wheel in `wheel_dir` that installs on CPython `version`: its own (`cp311-cp311`),
    or an abi3 one (`cp310-abi3`)."""
    tag = "cp" + version.replace(".", "")
    for wheel in sorted(wheel_dir.glob("deltajson-*.whl")):
        parts = wheel.name[: -len(".whl")].split("-")
        if len(parts) >= 5 and (parts[-2] == tag or parts[-2] == "abi3"):
            return wheel.resolve()
    return None


def build_wheel(leg: Leg, args: argparse.Namespace) -> Path | None:
    """The leg's wheel: found in `--wheel-dir`, else built there for its interpreter."""
    assert leg.interpreter is not None
    found = wheel_for(leg.version, args.wheel_dir)
    if found is not None:
        return found
    cmd = [args.maturin, "build", "--quiet", "--release", "-i", leg.interpreter]
    if not run([*cmd, "--out", str(args.wheel_dir)]):
        return None
    return wheel_for(leg.version, args.wheel_dir)


def run_leg(leg: Leg, args: argparse.Namespace) -> None:
    """Its wheel, a fresh venv, wheel and locked test dependencies, probe, pytest."""
    assert leg.interpreter is not None
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
        if not run([*install, "deltajson", "-r", str(args.lock), str(wheel)]):
            leg.outcome = "install failed"
            return
        probe = subprocess.run(
            [python, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=False
        )
        lines = probe.stdout.split()
        if probe.returncode != 0 or len(lines) != 3:
            print(probe.stdout + probe.stderr)
            leg.outcome = "import failed"
            return
        module, full_version, backends = lines
        print(f"{leg.version}: CPython {full_version}, deltajson from {module}, {backends}")
        if not Path(module).resolve().is_relative_to(venv.resolve()):
            leg.outcome = f"imported deltajson from {module}, not the venv's wheel"
            return
        if backends.split(",") != ["rust", "python"]:
            leg.outcome = f"engines {backends}: the Rust extension did not load"
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
        passed = run([python, "-m", "pytest", *args.pytest_args.split()], env=env)
        leg.outcome = "passed" if passed else "pytest failed"
    finally:
        leg.seconds = time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("versions", nargs="+", help="CPython versions, e.g. 3.10 3.11")
    parser.add_argument(
        "--wheel-dir", type=Path, required=True, help="the wheels: found there, or built into it"
    )
    parser.add_argument(
        "--maturin",
        default=str(ROOT / "target" / "venvs" / "tools" / "bin" / "maturin"),
        help="builds each version's wheel (default: the locked tools venv's, `make tools`)",
    )
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements" / "test.txt")
    parser.add_argument("--main", default="3.11", help="the leg that is the main pytest run")
    parser.add_argument("--main-profile", default="ci", help="its hypothesis profile")
    parser.add_argument("--profile", default="dev", help="the other legs' hypothesis profile")
    parser.add_argument("--pytest-args", default="-q", help="passed to pytest (one string)")
    args = parser.parse_args(argv)

    args.wheel_dir.mkdir(parents=True, exist_ok=True)
    print(f"test-matrix: deltajson on CPython {', '.join(args.versions)}", flush=True)

    legs = [Leg(version) for version in args.versions]
    started = time.monotonic()
    for leg in legs:
        leg.interpreter = find_interpreter(leg.version)
        if leg.interpreter is None:
            leg.outcome = f"MISSING: no CPython {leg.version} interpreter here"
            print(
                f"\ntest-matrix: {leg.outcome} (looked for python{leg.version} on PATH, in "
                f"pyenv's versions and uv's); install it, e.g. `pyenv install {leg.version}` "
                f"or `uv python install {leg.version}`",
                flush=True,
            )
            continue
        print(f"\n=== CPython {leg.version}: {leg.interpreter}", flush=True)
        run_leg(leg, args)
    total = time.monotonic() - started

    print("\ntest-matrix summary")
    for leg in legs:
        main_mark = " (main run)" if leg.version == args.main else ""
        print(f"  {leg.version:<6} {leg.seconds:6.0f} s  {leg.outcome}{main_mark}")
    failed = [leg.version for leg in legs if leg.outcome != "passed"]
    print(f"  total  {total:6.0f} s  " + (f"FAILED: {', '.join(failed)}" if failed else "passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

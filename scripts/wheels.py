"""The wheels `make dist` ships and `make test-matrix` tests: one per interpreter, manylinux2014;
and the interpreters they are for.

Each wheel is built with `maturin build --release --zig --compatibility manylinux2014 -i
<interpreter>`: zig links against its own glibc 2.17 stubs, so the wheel installs on glibc 2.17
and later (as jiter's `manylinux_2_17` wheels do), where a plain build on this machine would link
glibc 2.34 symbols that `auditwheel repair` cannot relabel. maturin finds zig as `python -m
ziglang` through the tools venv, which is put first on PATH.

A free-threaded interpreter (3.13t) gets its wheel from `Cargo.ft.lock` instead of `Cargo.lock`:
PyO3 0.29 dropped the free-threaded build of CPython 3.13 (its build script refuses it), so the
cp313t wheel is built with PyO3 0.28.3, the last that supports it, from a copy of the sdist whose
lock is swapped (the repository's own Cargo.lock is never touched). `Cargo.ft.lock` must be
`Cargo.lock` with only PyO3's crates (and what they alone pull in) older; `python
scripts/wheels.py ft-lock` remakes it (`make lock` runs it).

Interpreters are found as `pythonX.Y` (`python3.13t`) on PATH, then in pyenv's versions, then
uv's; a path given for a version (`--interpreter 3.13t=PATH`) comes first, and a free-threaded
one is also looked for where scripts/build-python-ft builds it.

Usage (by test_matrix.py and dist_wheels.py; or by hand):
    python scripts/wheels.py build VERSION INTERPRETER OUT_DIR [--maturin PATH]
    python scripts/wheels.py ft-lock
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "target" / "venvs" / "tools" / "bin"
LOCK = ROOT / "Cargo.lock"
FT_LOCK = ROOT / "Cargo.ft.lock"
# The last PyO3 that builds for the free-threaded CPython 3.13.
FT_PYO3 = "0.28.3"
PYO3_CRATES = {"pyo3", "pyo3-ffi", "pyo3-macros", "pyo3-macros-backend", "pyo3-build-config"}
BUILD_ARGS = ["--release", "--zig", "--compatibility", "manylinux2014"]


UV = [sys.executable, "-m", "uv"]


def version_of(executable: str) -> str | None:
    """`major.minor` of a CPython executable (`3.13t` for a free-threaded build), or None when
    it does not run or is not CPython."""
    code = (
        "import platform, sys, sysconfig; print(platform.python_implementation(), "
        "*sys.version_info[:2], 't' if sysconfig.get_config_var('Py_GIL_DISABLED') else '-')"
    )
    try:
        out = subprocess.run(
            [executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    if len(out) != 4 or out[0] != "CPython":
        return None
    return f"{out[1]}.{out[2]}" + ("t" if out[3] == "t" else "")


def find_interpreter(version: str, given: dict[str, str] | None = None) -> str | None:
    """A CPython `version` (`3.11`, `3.13t`) here: the path `given` for it, `pythonX.Y` on PATH
    (a pyenv shim of an inactive version does not run and is passed over), pyenv's versions
    (newest patch first), then uv's."""
    candidates: list[str] = []
    if given and version in given:
        candidates.append(given[version])
    if is_free_threaded(version):
        candidates.append(str(ft_cache_python(version)))
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(on_path)
    pyenv_versions = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    base, suffix = version.removesuffix("t"), "t" if is_free_threaded(version) else ""
    installed = [
        Path(p) for p in glob.glob(f"{pyenv_versions}/{base}.*{suffix}/bin/python{version}")
    ]
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
    return tuple(int(part) for part in re.split(r"\D+", name) if part.isdigit())


def ft_cache_python(version: str) -> Path:
    """Where scripts/build-python-ft puts a free-threaded CPython by default."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "deltajson" / f"cpython-{version}" / "bin" / f"python{version}"


def given_interpreters(pairs: list[str]) -> dict[str, str]:
    """`VERSION=PATH` arguments as a dict."""
    given = {}
    for pair in pairs:
        version, sep, path = pair.partition("=")
        if not sep:
            raise SystemExit(f"--interpreter takes VERSION=PATH, not {pair!r}")
        given[version] = path
    return given


def is_free_threaded(version: str) -> bool:
    """`3.13t` names a free-threaded CPython."""
    return version.endswith("t")


def tag_of(version: str) -> str:
    """The wheel's interpreter and ABI tag for a CPython version: `cp313t` for 3.13t."""
    return "cp" + version.replace(".", "")


def run(cmd: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> bool:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=cwd, env=env, check=False).returncode == 0


def tools_env() -> dict[str, str]:
    """The environment maturin runs in: the tools venv first on PATH (its python has ziglang)."""
    env = dict(os.environ)
    env["PATH"] = f"{TOOLS}{os.pathsep}{env.get('PATH', '')}"
    return env


def locked_versions(lock: Path) -> dict[str, set[str]]:
    """Package name -> versions in a Cargo lock file."""
    found: dict[str, set[str]] = {}
    for name, version in re.findall(
        r'^\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"', lock.read_text(), re.M
    ):
        found.setdefault(name, set()).add(version)
    return found


def ft_lock_problems() -> list[str]:
    """How Cargo.ft.lock strays from Cargo.lock beyond PyO3 (empty when it does not)."""
    if not FT_LOCK.is_file():
        return [f"{FT_LOCK.name} is missing (python scripts/wheels.py ft-lock makes it)"]
    main, ft = locked_versions(LOCK), locked_versions(FT_LOCK)
    problems = []
    for name in PYO3_CRATES:
        if ft.get(name) != {FT_PYO3}:
            problems.append(f"{FT_LOCK.name}: {name} is {ft.get(name)}, not {FT_PYO3}")
    for name, versions in main.items():
        if name not in PYO3_CRATES and not versions <= ft.get(name, set()):
            problems.append(
                f"{FT_LOCK.name}: {name} {sorted(versions)} in Cargo.lock, "
                f"{sorted(ft.get(name, set()))} here (python scripts/wheels.py ft-lock remakes it)"
            )
    return problems


def make_ft_lock() -> int:
    """Writes Cargo.ft.lock: Cargo.lock with PyO3 at FT_PYO3, resolved by cargo in a copy."""
    with tempfile.TemporaryDirectory() as tmp:
        crate = Path(tmp)
        shutil.copy(ROOT / "Cargo.toml", crate)
        shutil.copy(LOCK, crate)
        shutil.copytree(ROOT / "src", crate / "src")
        if not run(["cargo", "update", "--quiet", "-p", "pyo3", "--precise", FT_PYO3], cwd=crate):
            return 1
        shutil.copy(crate / "Cargo.lock", FT_LOCK)
    problems = ft_lock_problems()
    for problem in problems:
        print(problem)
    return 1 if problems else 0


def ft_source(work: Path, maturin: str) -> Path | None:
    """A copy of the sdist, unpacked under `work`, its Cargo.lock replaced by Cargo.ft.lock."""
    problems = ft_lock_problems()
    if problems:
        for problem in problems:
            print(problem)
        return None
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if not run([maturin, "sdist", "--out", str(work)], env=tools_env()):
        return None
    (sdist,) = work.glob("deltajson-*.tar.gz")
    with tarfile.open(sdist) as tar:
        tar.extractall(work, filter="data")
    (source,) = (p for p in work.iterdir() if p.is_dir())
    # The sdist dates every file alike (2006): cargo, which judges freshness by time, would
    # then keep a build of older sources. Each file gets its own file's time in the
    # repository (so cargo rebuilds exactly when the sources changed), or now.
    for path in source.rglob("*"):
        if path.is_file():
            original = ROOT / path.relative_to(source)
            stamp = original.stat().st_mtime if original.is_file() else time.time()
            os.utime(path, (stamp, stamp))
    shutil.copy2(FT_LOCK, source / "Cargo.lock")
    return source


def find_wheel(version: str, wheel_dir: Path) -> Path | None:
    """The wheel in `wheel_dir` for CPython `version`: its own (`cp311-cp311`, `cp313-cp313t`),
    or an abi3 one (`cp310-abi3`) for a build with the GIL."""
    tag = tag_of(version)
    for wheel in sorted(wheel_dir.glob("deltajson-*.whl")):
        parts = wheel.name[: -len(".whl")].split("-")
        if len(parts) >= 5 and (
            parts[-2] == tag or (parts[-2] == "abi3" and not is_free_threaded(version))
        ):
            return wheel.resolve()
    return None


def build(version: str, interpreter: str, out_dir: Path, maturin: str) -> Path | None:
    """Builds CPython `version`'s wheel (manylinux2014, zig) into `out_dir`; its path, or None."""
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest: list[str] = []
    env = tools_env()
    if is_free_threaded(version):
        source = ft_source(ROOT / "target" / "ft-src", maturin)
        if source is None:
            return None
        manifest = ["-m", str(source / "Cargo.toml")]
        # Its own target dir: other PyO3 crates than the repository's builds.
        env["CARGO_TARGET_DIR"] = str(ROOT / "target" / "ft-build")
    cmd = [maturin, "build", "--quiet", *BUILD_ARGS, "-i", interpreter, *manifest]
    if not run([*cmd, "--out", str(out_dir)], env=env):
        return None
    return find_wheel(version, out_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build one interpreter's wheel")
    b.add_argument("version", help="e.g. 3.11 or 3.13t")
    b.add_argument("interpreter")
    b.add_argument("out_dir", type=Path)
    b.add_argument("--maturin", default=str(TOOLS / "maturin"))
    sub.add_parser("ft-lock", help="remake Cargo.ft.lock from Cargo.lock")
    args = parser.parse_args(argv)
    if args.command == "ft-lock":
        return make_ft_lock()
    wheel = build(args.version, args.interpreter, args.out_dir, args.maturin)
    print(wheel if wheel else f"wheels: no wheel for {args.version}")
    return 0 if wheel else 1


if __name__ == "__main__":
    sys.exit(main())

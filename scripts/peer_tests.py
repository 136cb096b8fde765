"""`make peer-tests`: the peers' own test suites, from their sdists, without and with deltajson.

For each peer deltajson stands in for (jiter, langchain-core, instructor, openai, anthropic):
take the version the test lock pins (as installed in the peers' venv), download its sdist
(`pip download --no-binary <name> --no-deps`, cached by pip and kept in target/peers/sdists),
unpack it afresh under target/peers/src, check that the tests are in it, and run them twice
with pytest in the peers' venv: the baseline (the peer's own code) and with deltajson's
replacement applied at session start by the plugin tests/peers/deltajson_peer_plugin.py, which
checks that the swap is in place, keeps the network off and records every test's outcome.

The rule: a test that passes on the baseline passes with deltajson, or is listed, with its
reason, in tests/peers/exclusions.py. Also a failure: a run that does not finish, a replacement
not in place at the start or the end, a baseline that called deltajson, any attempt to reach
the network, tests missing from an sdist. A table per suite is printed either way.

Run with the Python that has the pinned uv (`make bootstrap`); usage: see `--help`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
UV = [sys.executable, "-m", "uv"]
PEERS = ROOT / "target" / "peers"
PLUGIN_DIR = ROOT / "tests" / "peers"
# Variables passed to the peers' test runs; nothing else (no API keys, no proxies, no switch
# such as OPENAI_LIVE=1 that turns recorded tests into live ones).
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")


@dataclass(frozen=True)
class Suite:
    """One peer's tests: where they are in its sdist and what deltajson replaces."""

    name: str  # the plugin's --deltajson-replace value
    dist: str  # the distribution, as the test lock names it
    paths: tuple[str, ...]  # test files or folders, relative to the sdist's root
    replaced: str  # what the plugin swaps, for the table
    args: tuple[str, ...] = ()  # more pytest arguments


SUITES = (
    Suite(
        "jiter",
        "jiter",
        ("crates/jiter-python/tests",),
        "jiter.from_json = deltajson.compat.jiter.from_json (every call)",
    ),
    Suite(
        "langchain",
        "langchain-core",
        # The JSON utils' tests (parse_partial_json, parse_json_markdown) are in
        # output_parsers/test_json.py in this sdist; utils/test_json_schema.py is the other
        # tests/unit_tests/utils/test_json*.py.
        ("tests/unit_tests/output_parsers", "tests/unit_tests/utils/test_json_schema.py"),
        "integrations.langchain.accelerate(); utils.json.parse_partial_json = the shim",
    ),
    Suite(
        "instructor",
        "instructor",
        # Partial streaming, the JSON completeness tracker, and the offline handler tests
        # that stream Partial models (each reaches the parse step deltajson replaces; two of
        # test_partial.py's call OpenAI and skip themselves without OPENAI_API_KEY, which the
        # runs never have).
        (
            "tests/dsl/test_partial.py",
            "tests/coverage/test_dsl_partial_coverage.py",
            "tests/coverage/test_dsl_small_coverage.py",
            "tests/v2/test_openai_streaming.py",
            "tests/coverage/test_core_response_coverage.py",
            "tests/coverage/test_openai_handlers_coverage.py",
            "tests/coverage/test_anthropic_handlers_coverage.py",
        ),
        "integrations.instructor.accelerate()",
    ),
    Suite(
        "openai",
        "openai",
        ("tests/lib/chat", "tests/lib/responses"),
        "integrations.openai.accelerate()",
        # The sdist's addopts has `-n auto` (pytest-xdist): one process here.
        args=("-n", "0"),
    ),
    Suite(
        "anthropic",
        "anthropic",
        ("tests/lib/streaming",),
        "integrations.anthropic.accelerate()",
        args=("-n", "0"),
    ),
)
MODES = ("baseline", "deltajson")


@dataclass
class Run:
    """One pytest run of a suite, and what its plugin report said."""

    suite: Suite
    mode: str
    root: Path
    seconds: float = 0.0
    returncode: int | None = None
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def log(self) -> Path:
        return PEERS / "results" / f"{self.suite.name}-{self.mode}.log"

    @property
    def report_path(self) -> Path:
        return PEERS / "results" / f"{self.suite.name}-{self.mode}.json"

    @property
    def outcomes(self) -> dict[str, str]:
        return dict(self.report.get("outcomes", {}))


def load_lists() -> Any:
    """tests/peers/exclusions.py, as a module."""
    spec = importlib.util.spec_from_file_location("peer_exclusions", PLUGIN_DIR / "exclusions.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(cmd: list[str], **kwargs: Any) -> bool:
    """Runs a command from the repository root, its output going to ours; True if it passed."""
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=kwargs.pop("cwd", ROOT), check=False, **kwargs).returncode == 0


def make_venv(args: argparse.Namespace, wheel: Path) -> dict[str, str] | None:
    """A fresh venv with both locks and the wheel; the peers' versions installed there, or
    None (after saying why) when it cannot be made."""
    venv = args.venv
    if not run([*UV, "venv", "--quiet", "--clear", "--python", args.python, str(venv)]):
        return None
    python = str(venv / "bin" / "python")
    # Not compiled to bytecode here (the whole test lock: 24 s of CPU); the first run to
    # import a module writes its bytecode for the others.
    install = [*UV, "pip", "install", "--quiet", "--python", python]
    install += ["--reinstall-package", "deltajson", "-r", str(args.lock)]
    if not run([*install, "-r", str(args.peer_lock), str(wheel)]):
        print(f"peer-tests: {args.peer_lock} and {args.lock} disagree? `make lock` writes both")
        return None
    dists = [suite.dist for suite in SUITES]
    probe = (
        "import importlib.metadata as m, json, deltajson; "
        f"print(json.dumps({{d: m.version(d) for d in {dists!r}}})); "
        "print(deltajson.__file__); print(','.join(deltajson.BACKENDS))"
    )
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=False)
    lines = out.stdout.splitlines()
    if out.returncode != 0 or len(lines) != 3:
        print(out.stdout + out.stderr)
        return None
    versions, module, backends = json.loads(lines[0]), lines[1], lines[2]
    print(f"peer-tests: deltajson from {module}, engines {backends}", flush=True)
    if not Path(module).resolve().is_relative_to(venv.resolve()):
        print(f"peer-tests: imported deltajson from {module}, not the venv's wheel")
        return None
    if backends.split(",") != ["rust", "python"]:
        print(f"peer-tests: engines {backends}: the Rust extension did not load")
        return None
    return dict(versions)


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def find_sdist(folder: Path, dist: str, version: str) -> Path | None:
    """The sdist of `dist` `version` in `folder` (named with `-` or `_`, as tools did)."""
    if not folder.is_dir():
        return None
    for path in sorted(folder.iterdir()):
        stem = path.name.removesuffix(".tar.gz")
        if stem == path.name:
            continue
        name, _, found_version = stem.rpartition("-")
        if normalized(name) == normalized(dist) and found_version == version:
            return path
    return None


def download(dist: str, version: str) -> Path | None:
    """The sdist, downloaded by pip unless kept from an earlier run. `--no-binary <name>`
    (not `:all:`): only this distribution must come as an sdist; `:all:` would also build
    each sdist's build backend (maturin, hatchling, ...) from source for pip to read the
    metadata, which took 8.5 minutes on a cold pip cache here instead of 26 s."""
    folder = PEERS / "sdists"
    found = find_sdist(folder, dist, version)
    if found is None:
        folder.mkdir(parents=True, exist_ok=True)
        pip = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
        run([*pip, "--no-deps", "--no-binary", dist, "-d", str(folder), f"{dist}=={version}"])
        found = find_sdist(folder, dist, version)
    return found


def unpack(sdist: Path) -> Path:
    """Unpacks the sdist afresh under target/peers/src (a run may write into its tree); its
    root folder."""
    out = PEERS / "src"
    out.mkdir(parents=True, exist_ok=True)
    with tarfile.open(sdist) as tar:
        tops = {Path(member.name).parts[0] for member in tar.getmembers()}
        if len(tops) != 1:
            raise RuntimeError(f"{sdist.name}: expected one root folder, found {sorted(tops)}")
        root = out / tops.pop()
        shutil.rmtree(root, ignore_errors=True)
        if hasattr(tarfile, "data_filter"):  # no links out, no absolute paths, no devices
            tar.extractall(out, filter="data")
        else:  # pragma: no cover - CPython before 3.10.12/3.11.4
            tar.extractall(out)
    return root


def config_file(root: Path) -> Path | None:
    """The peer's pytest configuration, named with -c so that none above target/ is used."""
    for name in ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg"):
        if (root / name).is_file():
            return root / name
    return None


def pytest_run(item: Run, args: argparse.Namespace, deselected: dict[str, str]) -> Run:
    """One run in the peers' venv, from the sdist's root, output to its log."""
    python = str(args.venv / "bin" / "python")
    cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "deltajson_peer_plugin"]
    cmd += [f"--deltajson-replace={'none' if item.mode == 'baseline' else item.suite.name}"]
    cmd += [f"--deltajson-report={item.report_path}", "--rootdir", str(item.root)]
    config = config_file(item.root)
    if config is not None:
        cmd += ["-c", str(config)]
    for test in deselected:
        cmd += ["--deselect", test]
    cmd += [*item.suite.args, *item.suite.paths]
    env = {name: os.environ[name] for name in KEPT_ENV if name in os.environ}
    env["PATH"] = f"{args.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(args.venv)
    env["PYTHONPATH"] = str(PLUGIN_DIR)
    item.report_path.unlink(missing_ok=True)
    started = time.monotonic()
    with item.log.open("w") as log:
        log.write("+ " + " ".join(cmd) + "\n")
        log.flush()
        try:
            item.returncode = subprocess.run(
                cmd,
                cwd=item.root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=args.timeout,
                check=False,
            ).returncode
        except subprocess.TimeoutExpired:
            log.write(f"\npeer-tests: timed out after {args.timeout} s\n")
    item.seconds = time.monotonic() - started
    if item.report_path.is_file():
        item.report = json.loads(item.report_path.read_text())
    print(f"  {item.suite.name} {item.mode}: {item.seconds:.0f} s (log {item.log})", flush=True)
    return item


@dataclass
class Verdict:
    """How a suite's two runs compare."""

    problems: list[str] = field(default_factory=list)
    excluded: dict[str, str] = field(default_factory=dict)  # failing with deltajson, listed
    pending: dict[str, str] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)  # listed, yet passing with deltajson


def compare(baseline: Run, replaced: Run, lists: Any) -> Verdict:
    name = baseline.suite.name
    verdict = Verdict()
    for item in (baseline, replaced):
        if item.returncode not in (0, 1) or not item.report:
            verdict.problems.append(
                f"{item.mode} run did not finish (pytest exit {item.returncode}); see {item.log}"
            )
        for attempt in item.report.get("network_attempts", []):
            verdict.problems.append(
                f"{item.mode}: {attempt['test']} tried the network: {attempt['attempt']}"
            )
    if verdict.problems:
        return verdict
    if baseline.report["replaced"] or not baseline.report["in_place_at_start"]:
        verdict.problems.append(f"baseline: {baseline.report['check']}")
    if sum(baseline.report["shim_calls"].values()):
        verdict.problems.append(f"baseline called deltajson: {baseline.report['shim_calls']}")
    for moment in ("start", "end"):
        if not replaced.report[f"in_place_at_{moment}"]:
            verdict.problems.append(f"replacement not in place at the {moment}")
    excluded = lists.EXCLUDED.get(name, {})
    pending = lists.PENDING.get(name, {})
    messages = replaced.report.get("messages", {})
    with_deltajson = replaced.outcomes
    for test, outcome in baseline.outcomes.items():
        if outcome != "passed":
            continue
        now = with_deltajson.get(test, "not run")
        if now == "passed":
            continue
        if test in excluded:
            verdict.excluded[test] = excluded[test]
        elif test in pending:
            verdict.pending[test] = pending[test]
        else:
            message = messages.get(test, "")
            verdict.problems.append(f"{test}: passes on the baseline, {now} with deltajson")
            if message:
                verdict.problems.append(f"    {message}")
    for test in [*excluded, *pending]:
        if with_deltajson.get(test) == "passed":
            verdict.stale.append(f"{test}: passes with deltajson now (drop it from the list)")
        elif test not in with_deltajson:
            verdict.stale.append(f"{test}: not in the run (renamed or gone?)")
    return verdict


def counts(item: Run) -> str:
    """passed/failed/skipped, errors counted as failed and xfails as skipped."""
    tally = Counter(item.outcomes.values())
    failed = tally["failed"] + tally["error"] + tally["xpassed"]
    return f"{tally['passed']}/{failed}/{tally['skipped'] + tally['xfailed']}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel-dir", type=Path, required=True, help="holds the one wheel")
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements" / "test.txt")
    parser.add_argument("--peer-lock", type=Path, default=ROOT / "requirements" / "peer-tests.txt")
    parser.add_argument("--venv", type=Path, default=ROOT / "target" / "venvs" / "peers")
    parser.add_argument("--python", default=sys.executable, help="the venv's interpreter")
    parser.add_argument("--jobs", type=int, default=2, help="pytest runs at once")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per pytest run")
    parser.add_argument(
        "--suite", action="append", choices=[s.name for s in SUITES], help="only these"
    )
    args = parser.parse_args(argv)
    args.venv = args.venv.absolute()  # the runs start from the sdists' folders
    started = time.monotonic()
    lists = load_lists()
    suites = [suite for suite in SUITES if not args.suite or suite.name in args.suite]

    wheels = sorted(args.wheel_dir.glob("deltajson-*.whl"))
    if len(wheels) != 1:
        print(f"peer-tests: expected one wheel in {args.wheel_dir}, found {len(wheels)}")
        return 1
    versions = make_venv(args, wheels[0].resolve())
    if versions is None:
        return 1
    phases = {"venv": time.monotonic() - started}

    failures: list[str] = []
    runs: list[Run] = []
    for suite in suites:
        version = versions[suite.dist]
        sdist = download(suite.dist, version)
        if sdist is None:
            failures.append(f"{suite.name}: no sdist of {suite.dist} {version} could be had")
            continue
        root = unpack(sdist)
        missing = [path for path in suite.paths if not (root / path).exists()]
        if missing:
            failures.append(
                f"{suite.name}: the sdist {sdist.name} has no {', '.join(missing)}: this"
                " suite cannot run from its sdist"
            )
            continue
        print(f"peer-tests: {suite.name}: {sdist.name}, tests: {' '.join(suite.paths)}")
        runs += [Run(suite, mode, root) for mode in MODES]
    # Every baseline first: the two runs at a time are of different suites, and a suite's
    # second run finds the bytecode its first one wrote.
    runs.sort(key=lambda item: MODES.index(item.mode))

    phases["sdists"] = time.monotonic() - started - sum(phases.values())
    (PEERS / "results").mkdir(parents=True, exist_ok=True)
    print(f"peer-tests: {len(runs)} pytest runs, {args.jobs} at a time", flush=True)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        done = list(
            pool.map(
                lambda item: pytest_run(item, args, lists.DESELECTED.get(item.suite.name, {})),
                runs,
            )
        )

    print("\npeer-tests: passed/failed/skipped, the peer's own code (baseline) vs deltajson")
    header = f"  {'suite':<11}{'version':<10}{'baseline':>12}{'deltajson':>12}"
    print(header + f"{'excluded':>10}{'pending':>9}{'shim calls':>12}{'time':>7}  replaced")
    notes: list[str] = []
    pairs: dict[str, dict[str, Run]] = {}
    for item in done:
        pairs.setdefault(item.suite.name, {})[item.mode] = item
    for pair in pairs.values():
        baseline, replaced = pair["baseline"], pair["deltajson"]
        suite = baseline.suite
        verdict = compare(baseline, replaced, lists)
        calls = sum(replaced.report.get("shim_calls", {}).values())
        seconds = baseline.seconds + replaced.seconds
        print(
            f"  {suite.name:<11}{versions[suite.dist]:<10}{counts(baseline):>12}"
            f"{counts(replaced):>12}{len(verdict.excluded):>10}{len(verdict.pending):>9}"
            f"{calls:>12}{seconds:>6.0f}s  {suite.replaced}"
        )
        failures += [f"{suite.name}: {problem}" for problem in verdict.problems]
        notes += [f"{suite.name}: excluded: {t}: {why}" for t, why in verdict.excluded.items()]
        notes += [
            f"{suite.name}: KNOWN FAILURE, pending: {t}: {why}"
            for t, why in verdict.pending.items()
        ]
        notes += [f"{suite.name}: stale list entry: {entry}" for entry in verdict.stale]
        if not calls and not verdict.problems:
            notes.append(f"{suite.name}: NOTE: no test that ran reached deltajson (0 shim calls)")
        failing = [t for t, outcome in baseline.outcomes.items() if outcome in ("failed", "error")]
        if failing:
            why = lists.BASELINE_FAILURES.get(suite.name) or (
                f"first: {failing[0]}: {baseline.report.get('messages', {}).get(failing[0], '')}"
            )
            notes.append(f"{suite.name}: {len(failing)} fail on the baseline (not compared): {why}")
        deselected = lists.DESELECTED.get(suite.name, {})
        notes += [f"{suite.name}: not run: {t}: {why}" for t, why in deselected.items()]
    for line in notes:
        print("  " + line)
    phases["pytest runs"] = time.monotonic() - started - sum(phases.values())
    timing = f"{sum(phases.values()):.0f} s: " + ", ".join(
        f"{phase} {seconds:.0f} s" for phase, seconds in phases.items()
    )
    if failures:
        print(f"\npeer-tests: FAILED ({timing})")
        for line in failures:
            print("  " + line)
        return 1
    print(f"\npeer-tests: passed ({timing}; logs and reports in {PEERS / 'results'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

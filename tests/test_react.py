"""The React hook (``static/react.js``) and the TypeScript declarations, for real.

- ``tsc --noEmit --strict`` checks ``tests/js/usage.ts``, a typed use of ``deltajson.d.ts``
  and ``react.d.ts`` whose ``@ts-expect-error`` lines are mistakes the declarations refuse,
  and the browser guide's TypeScript example (docs/guides/browser.md);
- ``node --test tests/js/`` drives the hook through Debian's React and react-test-renderer
  against the demo app on a loopback uvicorn, wrapped in a probe that records, per stream,
  the events the server sent and whether the client closed it (``tests/js/react.test.mjs``:
  the state sequence, one update per event, abort, the error event, unmount, the browser guide's
  example component); and
  ``tests/js/patch.test.mjs`` checks ``applyPatch``, in place and immutable.

Both test the package's installed files (``deltajson/static``). They need ``node`` (18.19 or
later: module hooks), ``tsc`` and React under ``/usr/share/nodejs``
(``scripts/install-js-test-deps`` installs Debian's node-react, node-react-dom,
node-react-test-renderer and node-typescript).
Without them the tests are skipped, unless ``DELTAJSON_REQUIRE_BROWSER=1`` makes that a
failure. The React page in Chromium is ``tests/test_browser_react.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any, Optional
from urllib.parse import parse_qs

import pytest
from starlette.responses import JSONResponse
from starlette.testclient import TestClient

from deltajson.serve import create_app
from gate import Dropper, Gates
from test_sse import Server

JS = Path(__file__).resolve().parent / "js"
#: The browser guide of the documentation site, whose TypeScript example is compiled here.
BROWSER_GUIDE = JS.parent.parent / "docs" / "guides" / "browser.md"
#: Debian's Node packages (node-react, ...), found by CommonJS's require through NODE_PATH.
NODE_PATH = "/usr/share/nodejs"
JS_PACKAGES = ("react", "react-dom", "react-test-renderer", "typescript")
STATIC = Path(str(resources.files("deltajson").joinpath("static")))


def missing_js_tools() -> Optional[str]:
    """What is missing for the JavaScript tests, or ``None``."""
    node = shutil.which("node")
    if node is None:
        return "node is not installed"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    found = re.match(r"v(\d+)\.(\d+)", version.stdout.strip())
    if found is None or (int(found[1]), int(found[2])) < (18, 19):
        return f"node {version.stdout.strip()} has no module hooks (18.19 or later needed)"
    if shutil.which("tsc") is None:
        return "tsc is not installed"
    absent = [p for p in JS_PACKAGES if not (Path(NODE_PATH) / p / "package.json").is_file()]
    if absent:
        return f"{', '.join(absent)} not in {NODE_PATH}"
    return None


@pytest.fixture(scope="module")
def js_tools() -> None:
    reason = missing_js_tools()
    if reason is None:
        return
    if os.environ.get("DELTAJSON_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}: run scripts/install-js-test-deps")
    pytest.skip(f"{reason} (scripts/install-js-test-deps)")


class StreamProbe:
    """ASGI middleware over the demo app. A ``/stream/...?tag=T`` request is recorded under
    ``T``: the events sent (name and number of ops), whether the client disconnected, and
    whether the response has finished; ``GET /_probe/streams/T`` answers with the record.
    A ``/stream/...?gate=G`` request streams only as far as its gate (``tests/gate.py``) lets
    it: ``POST /_probe/gates/G?through=N`` lets it reach character ``N`` of the recording,
    ``POST /_probe/gates/G?open`` lets it run to the end. ``POST /_probe/cut/T`` cuts the
    connection of a resumable stream's events requested with ``?tag=T`` at its next write
    (``tests/gate.py``'s Dropper)."""

    def __init__(self, app: Any, gates: Gates, dropper: Optional[Dropper] = None) -> None:
        self.app = app
        self.gates = gates
        self.dropper = dropper
        self.streams: dict[str, dict[str, Any]] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/_probe/streams/"):
            record = self.streams.get(path.rsplit("/", 1)[1])
            answer = JSONResponse(record) if record else JSONResponse({}, status_code=404)
            await answer(scope, receive, send)
            return
        if scope["type"] == "http" and path.startswith("/_probe/cut/") and self.dropper:
            self.dropper.cut(path.rsplit("/", 1)[1])
            await JSONResponse({})(scope, receive, send)
            return
        if scope["type"] == "http" and path.startswith("/_probe/gates/"):
            gate = self.gates[path.rsplit("/", 1)[1]]
            query = parse_qs(scope.get("query_string", b"").decode(), keep_blank_values=True)
            if "open" in query:
                gate.open()
            if "through" in query:
                gate.through(int(query["through"][0]))
            await JSONResponse({"sent": gate.sent})(scope, receive, send)
            return
        tag = parse_qs(scope.get("query_string", b"").decode()).get("tag")
        if scope["type"] != "http" or not path.startswith("/stream/") or not tag:
            await self.app(scope, receive, send)
            return
        record: dict[str, Any] = {"events": [], "disconnected": False, "finished": False}
        self.streams[tag[0]] = record
        pending = b""

        async def watched_receive() -> Any:
            message = await receive()
            if message["type"] == "http.disconnect":
                record["disconnected"] = True
            return message

        async def watched_send(message: Any) -> None:
            nonlocal pending
            if message["type"] == "http.response.body":
                *blocks, pending = (pending + message.get("body", b"")).split(b"\n\n")
                for block in blocks:
                    name = re.search(rb"^event: (\w+)", block, re.M)
                    if name is not None:
                        ops = block.count(b'{"op":')
                        record["events"].append({"name": name[1].decode(), "ops": ops})
            await send(message)

        try:
            await self.app(scope, watched_receive, watched_send)
        finally:
            record["finished"] = True


@pytest.fixture(scope="module")
def probed_url() -> Iterator[str]:
    gates = Gates()
    dropper = Dropper(create_app(source=gates.source))
    app = StreamProbe(dropper, gates, dropper)
    with Server(app) as url:
        try:
            yield url
        finally:
            gates.open_all()


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def node_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_OPTIONS", "NODE_ENV")}
    env.update(NODE_PATH=NODE_PATH, NO_COLOR="1", DELTAJSON_STATIC=str(STATIC), **extra)
    return env


# tsc does all the work, in a subprocess: copies in other threads would test nothing more
# (pytest-run-parallel runs it once).
@pytest.mark.parallel_threads_limit(1)
def test_declarations_type_check_strictly(js_tools: None, tmp_path: Path) -> None:
    tsc = shutil.which("tsc")
    assert tsc is not None
    # The installed package's declarations: usage.ts imports the source tree's by a relative
    # path, so a copy of it pointing at the installed files is checked.
    source = (JS / "usage.ts").read_text("utf-8")
    assert source.count('"../../python/deltajson/static/') == 2
    usage = source.replace("../../python/deltajson/static/", f"{STATIC}/")
    (tmp_path / "usage.ts").write_text(usage, "utf-8")
    # The browser guide's TypeScript example too, importing from the server's /static/.
    (example,) = re.findall(r"```ts\n(.*?)```", BROWSER_GUIDE.read_text("utf-8"), flags=re.S)
    assert '"/static/react.js"' in example
    example = example.replace('"/static/', f'"{STATIC}/')
    (tmp_path / "readme.ts").write_text(example, "utf-8")
    cmd = [tsc, "--noEmit", "--strict", "--target", "es2022", "--module", "es2022"]
    cmd += ["--moduleResolution", "node", "--lib", "es2022,dom", "usage.ts", "readme.ts"]
    result = run(cmd, tmp_path, node_env())
    assert result.returncode == 0, f"tsc failed:\n{result.stdout}{result.stderr}"


# All its work is in a node subprocess, against one probe server whose connection drops and
# gates belong to the server, not to a client: copies in other threads (pytest-run-parallel)
# would cut each other's streams, and would test nothing more. It runs once.
@pytest.mark.parallel_threads_limit(1)
def test_the_hook_in_node_against_a_live_server(js_tools: None, probed_url: str) -> None:
    node = shutil.which("node")
    assert node is not None
    files = sorted(p.name for p in JS.glob("*.test.mjs"))
    cmd = [node, "--import", "./node-path.mjs", "--test", "--test-reporter=spec", *files]
    result = run(cmd, JS, node_env(DELTAJSON_URL=probed_url))
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"node --test failed:\n{output}"
    # The spec reporter ends with "tests 12", "pass 12", ... each after an information sign.
    tests = re.search("^\N{INFORMATION SOURCE} tests (\\d+)$", output, re.M)
    passed = re.search("^\N{INFORMATION SOURCE} pass (\\d+)$", output, re.M)
    assert tests and passed and int(tests[1]) >= 12 and passed[1] == tests[1], output


def test_the_react_page_says_what_to_install_without_react(tmp_path: Path) -> None:
    with TestClient(create_app(node_modules=tmp_path)) as client:
        page = client.get("/react")
        assert page.status_code == 503
        assert "apt-get install node-react node-react-dom" in page.text
        assert str(tmp_path) in page.text
        assert client.get("/vendor/react/react.production.min.js").status_code == 404
        assert client.get("/").status_code == 200  # the rest of the demo is unaffected


def test_the_react_page_and_reacts_builds_are_served(js_tools: None) -> None:
    with TestClient(create_app(node_modules=NODE_PATH)) as client:
        page = client.get("/react")
        assert page.status_code == 200
        for src in re.findall(r'<script src="([^"]+)"', page.text):
            build = client.get(src)
            assert build.status_code == 200, src
            assert "javascript" in build.headers["content-type"]
        assert client.get("/vendor/react/../../typescript/package.json").status_code == 404
        for name in ("react.js", "react-umd.js", "deltajson.js"):
            assert client.get(f"/static/{name}").status_code == 200

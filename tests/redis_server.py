"""A real Redis for the tests: Debian's ``redis-server`` (``scripts/install-redis``) started on
a free loopback port, without persistence, in a folder of its own; it can be stopped and
started again on the same port (a restart that loses the data, as a crash does).

Without ``redis-server`` the tests that need it are skipped, unless
``DELTAJSON_REQUIRE_REDIS=1`` (the main leg of ``make test``) makes that a failure."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Optional

import pytest

REDIS_SERVER = shutil.which("redis-server")


def require_redis() -> None:
    """Skips the calling test (or module) when there is no redis-server, unless required."""
    if REDIS_SERVER is not None:
        return
    message = "redis-server is not installed: run scripts/install-redis"
    if os.environ.get("DELTAJSON_REQUIRE_REDIS") == "1":
        raise RuntimeError(message)
    pytest.skip(message, allow_module_level=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One redis-server process on a loopback port."""

    def __init__(self) -> None:
        assert REDIS_SERVER is not None
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="deltajson-redis-")
        self.process: Optional[subprocess.Popen[bytes]] = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.folder,
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

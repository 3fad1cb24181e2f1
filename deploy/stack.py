"""One command for the whole system on the embedded defaults:

    python -m deploy.stack        (what `make up` runs)

Starts the broker and PostgreSQL (unless KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL name real ones),
the five services and the gateway as separate processes, the demo users and the back-office
simulator; prints the portal's address and the demo login; stops everything on Ctrl-C.

The book is kept in ``.data/`` (deploy/data_dir.py) and the next start continues it: the demo
data goes only into an empty database, and the simulator resumes (docs/adr/0008).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

import httpx

from contracts.services import SERVICE_NAMES, service_named
from deploy.data_dir import DataDir, StackAlreadyRunning
from deploy.demo import (
    DEMO_MASTERS,
    create_demo_users,
    demo_password,
    demo_user,
    has_users,
    username_of,
)
from deploy.infrastructure import (
    EmbeddedBroker,
    EmbeddedPostgres,
    database_url_for,
    free_port,
)

ROOT = Path(__file__).resolve().parent.parent
REPLICA_MARK = "#"


def service_of(process: str) -> str:
    """The service a process runs: ``contacts#2`` is the second replica of contacts."""
    return process.partition(REPLICA_MARK)[0]


@dataclass
class StackConfig:
    portal_host: str = "127.0.0.1"
    portal_port: int = 8000
    data_dir: Path = ROOT / ".data"
    kafka_bootstrap_servers: str | None = None
    database_url: str | None = None
    database_prefix: str = "advisor_"
    simulator: bool = True
    simulator_clients: int = 120
    demo_users: bool = True
    demo_agenda: bool = True
    """prospects, notes, tasks, events, a group and a household for each demo master"""
    durable: bool = False
    """keep the book in ``data_dir`` and continue it on the next start (``make up``); else
    PostgreSQL starts empty in a directory of this run, deleted on stop (tests, benchmarks)"""
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> StackConfig:
        return cls(
            portal_host=os.environ.get("PORTAL_HOST", "127.0.0.1"),
            portal_port=int(os.environ.get("PORTAL_PORT", "8000")),
            data_dir=Path(os.environ.get("STACK_DATA_DIR", ROOT / ".data")),
            kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None,
            database_url=os.environ.get("DATABASE_URL") or None,
            database_prefix=os.environ.get("DATABASE_PREFIX", "advisor_"),
            durable=True,
        )


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    log_start: int = 0

    def start(self) -> None:
        log_file: IO[bytes] = open(self.log_path, "ab")  # noqa: SIM115 - the child writes to it
        self.log_start = log_file.tell()
        self.process = subprocess.Popen(
            self.command, env=self.env, stdout=log_file, stderr=subprocess.STDOUT, cwd=ROOT,
            start_new_session=True,
        )  # fmt: skip
        log_file.close()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, size: int = 3000) -> str:
        """The end of what the current run of the process wrote."""
        with open(self.log_path, "rb") as log:
            log.seek(max(self.log_start, log.seek(0, os.SEEK_END) - size))
            return log.read().decode(errors="replace")

    def signal(self, signum: int) -> None:
        if self.running and self.process:
            self.process.send_signal(signum)

    def wait(self, timeout: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Stack:
    """The running system; ``start()`` returns once /healthz is green."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.data = DataDir(config.data_dir) if config.durable else None
        self.run_dir = config.data_dir if self.data else config.data_dir / f"run-{os.getpid()}"
        self.logs = self.run_dir / "logs"
        self.new_book = True
        """whether the gateway's database had no user: the demo data goes only into a new book"""
        self.broker: EmbeddedBroker | None = None
        self.postgres: EmbeddedPostgres | None = None
        self.children: list[Child] = []
        self.portal_port = config.portal_port or free_port()
        self.portal_url = f"http://{config.portal_host}:{self.portal_port}"
        self.bootstrap_servers = config.kafka_bootstrap_servers or ""
        self.server_url = config.database_url or ""

    # -- start -------------------------------------------------------------------------------
    def start(self, timeout: float = 180) -> Stack:
        self.logs.mkdir(parents=True, exist_ok=True)
        if self.data:
            self.data.claim()  # before the try: a refusal must not release another's claim
        try:
            self._start_infrastructure()
            service_urls = self.start_services()
            self._start_gateway(service_urls)
            self.wait_healthy(timeout)
            self.new_book = not asyncio.run(has_users(self.database_url("gateway")))
            if self.config.demo_users and self.new_book:
                asyncio.run(create_demo_users(self.database_url("gateway")))
            if self.config.simulator:
                self._start_simulator()
            if self.config.demo_users and self.config.demo_agenda and self.new_book:
                self._seed_demo_agendas()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_infrastructure(self) -> None:
        if not self.bootstrap_servers:
            self.broker = EmbeddedBroker(log_path=self.logs / "broker.log").start()
            self.bootstrap_servers = self.broker.bootstrap_servers
            self._record_processes()
        if not self.server_url:
            self.postgres = EmbeddedPostgres(
                self.run_dir / "postgres", keep=self.config.durable
            ).start()
            self.server_url = self.postgres.url

    def database_url(self, owner: str) -> str:
        return database_url_for(self.server_url, f"{self.config.database_prefix}{owner}")

    def _common_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "PYTHONUNBUFFERED": "1",
            **self.config.extra_env,
        }

    def _spawn(self, name: str, module: str, env: dict[str, str], *args: str) -> None:
        child = Child(name, [sys.executable, "-m", module, *args], env, self.logs / f"{name}.log")
        child.start()
        self.children.append(child)
        self._record_processes()

    def _record_processes(self) -> None:
        """What runs, in the data directory: a start after this launcher was killed ends it."""
        if self.data:
            processes = {c.name: c.process.pid for c in self.children if c.process}
            if self.broker and self.broker.pid:
                processes["broker"] = self.broker.pid
            self.data.record(processes)

    def child(self, name: str) -> Child:
        return next(child for child in self.children if child.name == name)

    def kill_and_restart(self, name: str) -> None:
        """SIGKILL one process (no clean shutdown at all) and start it again."""
        child = self.child(name)
        child.signal(signal.SIGKILL)
        child.wait(10)
        child.start()
        self._record_processes()

    def start_services(
        self, names: Sequence[str] = SERVICE_NAMES, timeout: float = 240
    ) -> dict[str, str]:
        """Start the services and return their URLs once each answers as itself."""
        ports = self._start_and_wait(names, timeout)
        return {service_named(name).url_variable: f"http://127.0.0.1:{port}"
                for name, port in ports.items()}  # fmt: skip

    def add_replicas(self, name: str, count: int, timeout: float = 240) -> list[str]:
        """Start ``count`` more processes of a running service, named ``contacts#2``,
        ``contacts#3``, …: on the same database and consumer groups (the replicas share the
        partitions), each on a port of its own. Returns their names once each answers."""
        running = sum(service_of(child.name) == name for child in self.children)
        processes = [f"{name}{REPLICA_MARK}{running + n}" for n in range(1, count + 1)]
        self._start_and_wait(processes, timeout)
        return processes

    def _start_and_wait(self, processes: Sequence[str], timeout: float) -> dict[str, int]:
        """Start service processes and return their ports once each answers as its service. A
        process that lost its port to another before binding it is started again on a new one."""
        ports = {process: self._spawn_service(process) for process in processes}
        waiting = set(processes)
        deadline = time.monotonic() + timeout
        while waiting and time.monotonic() < deadline:
            for process in sorted(waiting):
                child = self.child(process)
                if child.running:
                    if self._answers_as(service_of(process), ports[process]):
                        waiting.discard(process)
                elif "address already in use" in child.log_tail().lower():
                    self.children.remove(child)
                    ports[process] = self._spawn_service(process)
                else:
                    self.fail_if_a_child_died()
            time.sleep(0.3)
        if waiting:
            raise TimeoutError(
                f"services not up after {timeout:.0f}s: {', '.join(sorted(waiting))}"
            )
        return ports

    def _spawn_service(self, process: str) -> int:
        name = service_of(process)
        port = free_port()
        env = {
            **self._common_env(),
            "SERVICE_NAME": name,
            "DATABASE_URL": self.database_url(name),
            "HTTP_PORT": str(port),
            **self._portal_links_and_mail(),
        }
        self._spawn(process, service_named(name).module, env)
        return port

    @staticmethod
    def _answers_as(name: str, port: int) -> bool:
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2, trust_env=False)
            return response.status_code == 200 and response.json().get("service") == name
        except (httpx.HTTPError, ValueError):
            return False

    @property
    def mail_dir(self) -> Path:
        """Where the embedded stack's outgoing email lands, one .eml file per message."""
        return self.run_dir / "mail"

    def _portal_links_and_mail(self) -> dict[str, str]:
        """The same for every service (each reads what its settings declare): where links in
        emails point, and where mail is captured when no SMTP server is configured."""
        application_url = os.environ.get("APPLICATION_URL") or f"{self.portal_url}/apply"
        extras = {"APPLICATION_URL": application_url}
        if not os.environ.get("SMTP_HOST"):
            extras["MAIL_CAPTURE_DIR"] = str(self.mail_dir)
        return extras

    def _start_gateway(self, service_urls: dict[str, str]) -> None:
        env = {
            **self._common_env(),
            **service_urls,
            "DATABASE_URL": self.database_url("gateway"),
            "HTTP_HOST": self.config.portal_host,
            "PORTAL_PORT": str(self.portal_port),
            # the set-password links it emails, captured with the services' mail
            "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL") or self.portal_url,
            **self._portal_links_and_mail(),
        }
        self._spawn("gateway", "gateway", env)

    def _start_simulator(self) -> None:
        args = ["--bootstrap-servers", self.bootstrap_servers, "--clients",
                str(self.config.simulator_clients)]  # fmt: skip
        if self.data:
            if self.new_book:  # a state of another book (its database was deleted) is no use
                shutil.rmtree(self.data.simulator, ignore_errors=True)
            args += ["--state-dir", str(self.data.simulator)]
        self._spawn("simulator", "deploy.simulator", self._common_env(), *args)

    def _seed_demo_agendas(self) -> None:
        from deploy.demo_agenda import seed_agenda

        for master in DEMO_MASTERS:
            seed_agenda(
                self.portal_url, master, username=username_of(master), password=demo_password(),
                clients_wait=10 if self.config.simulator else 0,
            )  # fmt: skip

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            self.fail_if_a_child_died()
            try:
                response = httpx.get(f"{self.portal_url}/healthz", timeout=5, trust_env=False)
                if response.status_code == 200:
                    return
                last = response.text
            except httpx.HTTPError as error:
                last = type(error).__name__
            time.sleep(0.5)
        raise TimeoutError(f"the portal did not become healthy in {timeout:.0f}s: {last}")

    def fail_if_a_child_died(self) -> None:
        if self.broker and not self.broker.running:
            # memory-only: the services must start again with the next broker (ADR 0008)
            raise RuntimeError("the embedded broker exited; everything on it is gone")
        for child in self.children:
            if not child.running and child.process is not None:
                raise RuntimeError(
                    f"{child.name} exited with {child.process.returncode}:\n{child.log_tail()}"
                )

    # -- stop --------------------------------------------------------------------------------
    def stop(self) -> None:
        for child in reversed(self.children):
            child.signal(signal.SIGTERM)
        for child in reversed(self.children):
            child.wait(15)
        self.children.clear()
        if self.broker:
            self.broker.stop()
        if self.postgres:
            self.postgres.stop()
        if self.data:
            self.data.release()


def _banner(stack: Stack) -> str:
    kept = ""
    if stack.data:
        book = "a new demo book" if stack.new_book else "the book kept from the last run"
        kept = f"  Data in {stack.data.path}: {book} (`make reset` starts afresh)\n"
    return (
        f"\n  Advisor Portal is running at {stack.portal_url}\n"
        f"  Log in as {demo_user()} / {demo_password()}"
        f"  (other demo masters: {', '.join(m.username for m in DEMO_MASTERS[1:])}, same password)\n"
        f"{kept}"
        f"  Broker {stack.bootstrap_servers} · logs in {stack.logs}\n"
        "  Press Ctrl-C to stop.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.stack", description=__doc__)
    parser.add_argument("--no-simulator", action="store_true", help="no demo event stream")
    args = parser.parse_args(argv)
    config = StackConfig.from_environment()
    config.simulator = not args.no_simulator
    stack = Stack(config)
    stopping = False

    def request_stop(signum: int, _: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    print("Starting Advisor Portal (broker, PostgreSQL, five services, gateway)…", flush=True)
    try:
        stack.start()
    except StackAlreadyRunning as error:
        print(f"Not started: {error}", file=sys.stderr)
        return 1
    print(_banner(stack), flush=True)
    try:
        while not stopping:
            stack.fail_if_a_child_died()
            time.sleep(0.5)
    except RuntimeError as error:
        print(f"A process stopped unexpectedly: {error}", file=sys.stderr)
    finally:
        print("Stopping…", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The embedded default keeps the book across restarts (docs/adr/0008-durable-embedded-stack.md).

`python -m deploy.stack` (what `make up` runs) on a data directory of its own is stopped with
Ctrl-C, then SIGKILLed with every process (launcher, services, gateway, simulator, broker,
PostgreSQL) while contact events were relayed to the broker but not yet applied by analytics.
Each start finds the book as it was: every contact once, the statistics counting each once, the
demo data not seeded again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
import pytest

from contracts.services import service_named
from deploy.demo import demo_password, demo_user
from deploy.infrastructure import free_port
from gateway.admin import create_user
from tests.conftest import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]


class Launcher:
    """The one-command stack as a user runs it, on ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.output = data_dir.parent / "launcher.out"

    def start(self, timeout: float = 180) -> None:
        env = {**os.environ, "STACK_DATA_DIR": str(self.data_dir), "PORTAL_PORT": str(self.port)}
        for variable in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL"):  # the embedded defaults
            env.pop(variable, None)
        with self.output.open("ab") as output:
            start = output.tell()
            self.process = subprocess.Popen([sys.executable, "-m", "deploy.stack"], cwd=ROOT,
                                            env=env, stdout=output, stderr=subprocess.STDOUT)  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            said = self.output.read_bytes()[start:].decode(errors="replace")
            if "Press Ctrl-C to stop." in said:
                return
            if self.process.poll() is not None:
                raise AssertionError(f"the stack exited:\n{said[-3000:]}")
            time.sleep(0.5)
        raise AssertionError(f"no banner in {timeout:.0f}s:\n{said[-3000:]}")

    def stop(self) -> None:
        """Ctrl-C."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        self.process.wait(90)

    def every_process(self) -> list[psutil.Process]:
        """The launcher, what it started, and PostgreSQL (pg_ctl leaves it to init)."""
        assert self.process is not None
        launcher = psutil.Process(self.process.pid)
        postmaster = psutil.Process(_postmaster_pid(self.data_dir))
        return [launcher, *launcher.children(recursive=True),
                postmaster, *postmaster.children(recursive=True)]  # fmt: skip

    def service_process(self, name: str) -> psutil.Process:
        module = service_named(name).module
        return next(p for p in self.every_process() if module in " ".join(p.cmdline()))

    def kill_everything(self) -> None:
        every = self.every_process()
        for process in every:
            os.kill(process.pid, signal.SIGKILL)
        psutil.wait_procs(every, timeout=15)
        assert self.process is not None
        self.process.wait(15)

    def database_url(self, owner: str) -> str:
        return f"postgresql://postgres@/advisor_{owner}?host={_socket_dir(self.data_dir)}"

    def login(self, username: str, password: str) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=15, trust_env=False)
        response = client.post("/api/v1/auth/login",
                               json={"username": username, "password": password})  # fmt: skip
        assert response.status_code == 200, response.text
        client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        return client


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postgres" / "postmaster.pid").read_text().splitlines()[0])


def _socket_dir(data_dir: Path) -> str:
    return (data_dir / "postgres" / "postmaster.pid").read_text().splitlines()[4]


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    running = Launcher(tmp_path / "data")
    try:
        yield running
    finally:
        if running.process and running.process.poll() is None:
            running.kill_everything()


def eventually(get: Callable[[], Any], until: Callable[[Any], bool], *, within: float = 60) -> None:
    deadline = time.monotonic() + within
    value = None
    while time.monotonic() < deadline:
        if until(value := get()):
            return
        time.sleep(0.5)
    raise AssertionError(f"not within {within}s; last: {value!r}")


def found(api: httpx.Client, last_name: str) -> int:
    page = api.get("/api/v1/contacts", params={"q": last_name, "page_size": 10})
    assert page.status_code == 200, page.text
    return int(page.json()["total"])


def totals(api: httpx.Client) -> tuple[int, int]:
    """(the contacts table's total, the dashboard statistics' total)."""
    table = api.get("/api/v1/contacts", params={"page_size": 1}).json()["total"]
    statistics = api.get("/api/v1/dashboard/statistics").json()["total"]
    return int(table), int(statistics)


def create_contact(api: httpx.Client, last_name: str) -> None:
    response = api.post("/api/v1/contacts", json={"first_name": "Kept", "last_name": last_name})
    assert response.status_code == 201, response.text


async def _unrelayed(database_url: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        return int(await connection.fetchval(
            "SELECT count(*) FROM outbox WHERE published_at IS NULL"))  # fmt: skip
    finally:
        await connection.close()


def test_the_book_survives_a_clean_stop_and_a_kill_of_every_process(launcher: Launcher) -> None:
    # A new book: the demo data, and a quiet master of our own (the simulator feeds only the
    # demo masters), so that its counts are exact.
    launcher.start()
    master = "Q" + str(uuid.uuid4().int)[:7]
    asyncio.run(create_user(launcher.database_url("gateway"), master_account_id=master,
                            master_name="Kept Advisors", username=f"kept-{master}",
                            display_name="Kay Kept", password=demo_password()))  # fmt: skip
    api = launcher.login(f"kept-{master}", demo_password())
    create_contact(api, "Beforestop")
    eventually(lambda: totals(api), lambda both: both == (1, 1))
    demo = launcher.login(demo_user(), demo_password())
    notes = demo.get("/api/v1/notes", params={"page_size": 1}).json()["total"]
    assert notes > 0, "the demo agenda was seeded"

    # A clean stop (Ctrl-C) and a start on the same data: the contact is there, once.
    launcher.stop()
    launcher.start()
    api = launcher.login(f"kept-{master}", demo_password())
    assert found(api, "Beforestop") == 1
    assert totals(api) == (1, 1)
    demo = launcher.login(demo_user(), demo_password())
    assert demo.get("/api/v1/notes", params={"page_size": 1}).json()["total"] == notes, (
        "the demo agenda is not seeded again"
    )

    # Analytics stalls (SIGSTOP: a SIGKILL would make the launcher stop the stack); contact
    # events are relayed to the broker but nobody applies them; then every process is SIGKILLed
    # (and the memory-only broker loses them all).
    launcher.service_process("analytics").suspend()
    for n in range(3):
        create_contact(api, f"Inflight{n}")
    eventually(lambda: asyncio.run(_unrelayed(launcher.database_url("contacts"))), lambda n: n == 0)
    launcher.kill_everything()

    # The next start applies each of them once, and the one applied before is not counted again.
    launcher.start()
    api = launcher.login(f"kept-{master}", demo_password())
    assert [found(api, name) for name in ("Beforestop", "Inflight0", "Inflight1", "Inflight2")] == [
        1, 1, 1, 1,
    ]  # fmt: skip
    eventually(lambda: totals(api), lambda both: both == (4, 4))
    time.sleep(2)  # a second application would show by now
    assert totals(api) == (4, 4)
    demo = launcher.login(demo_user(), demo_password())
    eventually(lambda: totals(demo), lambda both: both[0] == both[1], within=30)  # still moving
    launcher.stop()
    assert not (launcher.data_dir / "stack.json").exists(), "a clean stop leaves no claim behind"

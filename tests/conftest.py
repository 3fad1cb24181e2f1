"""Fixtures that start real parts, in the order of the spec: endpoints from the environment
(KAFKA_BOOTSTRAP_SERVERS, DATABASE_URL), else testcontainers where a Docker engine answers,
else the embedded broker and PostgreSQL from their wheels."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from deploy.demo import demo_password
from deploy.infrastructure import EmbeddedBroker, EmbeddedPostgres, database_url_for

ROOT = Path(__file__).resolve().parent.parent


def _docker_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=2)
        client.ping()
        return True
    except Exception:
        return False


@contextmanager
def kafka_broker() -> Iterator[str]:
    """A broker's bootstrap servers: the given one, else a new container or embedded broker."""
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    elif _docker_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as kafka:
            yield kafka.get_bootstrap_server()
    else:
        broker = EmbeddedBroker().start()
        try:
            yield broker.bootstrap_servers
        finally:
            broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    with kafka_broker() as bootstrap:
        yield bootstrap


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL of the server's maintenance database; tests make their own databases on it."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
    elif _docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver=None) as container:
            yield container.get_connection_url()
    else:
        server = EmbeddedPostgres(tmp_path_factory.mktemp("pg") / "data").start()
        try:
            yield server.url
        finally:
            server.stop()


@pytest.fixture
def new_database_url(postgres_server: str) -> Iterator[str]:
    """A database of its own for the test (created by the code under test on first use)."""
    yield database_url_for(postgres_server, f"test_{uuid.uuid4().hex[:12]}")


OTHER_MASTER = ("T9000001", "Tenancy Test Advisors")
OTHER_USER = "other-master-user"
DEMO_PASSWORD = demo_password()


@pytest.fixture(scope="session")
def stack(postgres_server: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The whole system as separate processes, with the simulator and the demo users, on a
    broker of its own (or, when one is given, apart from the integration tests by group ids)."""
    with kafka_broker() as bootstrap:
        yield from _running_stack(bootstrap, postgres_server, tmp_path_factory)


def _running_stack(bootstrap: str, postgres_server: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import asyncio

    from deploy.stack import Stack, StackConfig
    from gateway.admin import create_user

    config = StackConfig(
        portal_port=0,
        data_dir=tmp_path_factory.mktemp("stack"),
        kafka_bootstrap_servers=bootstrap,
        database_url=postgres_server,
        database_prefix=f"e2e_{uuid.uuid4().hex[:6]}_",
        simulator_clients=15,
        demo_agenda=False,  # seeded by its own test, for one master, so counts elsewhere hold
        extra_env={
            "KAFKA_GROUP_PREFIX": f"e2e-{uuid.uuid4().hex[:8]}.",
            # every test logs in from 127.0.0.1; the address limit is tested on addresses of its own
            "LOGIN_ADDRESS_FAILURES_ALLOWED": "100000",
        },
    )
    running = Stack(config).start()
    try:
        asyncio.run(
            create_user(
                running.database_url("gateway"), master_account_id=OTHER_MASTER[0],
                master_name=OTHER_MASTER[1], username=OTHER_USER, display_name="Other Master",
                password=DEMO_PASSWORD,
            )
        )  # fmt: skip
        yield running
    finally:
        running.stop()

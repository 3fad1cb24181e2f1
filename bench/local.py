"""The broker and PostgreSQL a benchmark runs on: the ones KAFKA_BOOTSTRAP_SERVERS and
DATABASE_URL name, else an embedded broker and an embedded PostgreSQL of its own, stopped again
when the benchmark ends (as ``bench.fanout`` and ``bench.staging`` do)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from deploy.infrastructure import EmbeddedBroker, EmbeddedPostgres


@dataclass(frozen=True)
class Infrastructure:
    bootstrap_servers: str
    server_url: str
    """a URL of the server's ``postgres`` database (``database_url_for`` names another)"""
    broker: str
    """what the report says of the broker: ``embedded (Tansu)`` or the bootstrap servers"""
    database: str
    """``embedded`` or ``external``"""


@contextlib.contextmanager
def infrastructure(prefix: str, *, kafka: bool = True) -> Iterator[Infrastructure]:
    """``kafka=False``: PostgreSQL only (``bootstrap_servers`` is then empty)."""
    with contextlib.ExitStack() as stack:
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or ""
        broker = (bootstrap or "embedded (Tansu)") if kafka else "none"
        if kafka and not bootstrap:
            embedded = EmbeddedBroker().start()
            stack.callback(embedded.stop)
            bootstrap = embedded.bootstrap_servers
        server = os.environ.get("DATABASE_URL") or ""
        database = "external" if server else "embedded"
        if not server:
            directory = Path(tempfile.mkdtemp(prefix=f"{prefix}-pg-"))
            postgres = EmbeddedPostgres(directory / "data").start()
            stack.callback(postgres.stop)
            server = postgres.url
        yield Infrastructure(bootstrap, server, broker, database)

"""Alembic, driven from code: every service upgrades its own database at start-up.

Each service (and the gateway) keeps ``store/migrations/``: env.py calls :func:`run_env` and
versions/ holds the revisions.
Revisions of independent features may branch from the same parent; start-up applies all heads.

Write a new revision from the tables' current definition (needs a reachable PostgreSQL)::

    python -m services.runtime.migrations revision contacts "add groups"
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.runtime.settings import async_database_url

MIGRATION_LOCK_ID = 0x0A0B0D


def store_package(owner: str) -> str:
    """``contacts`` -> ``services.contacts.store``; ``gateway`` -> ``gateway.store``."""
    return "gateway.store" if owner == "gateway" else f"services.{owner}.store"


def alembic_config(owner: str, database_url: str) -> Config:
    store = importlib.import_module(store_package(owner))
    migrations = Path(store.__file__ or "").parent
    config = Config()
    config.set_main_option("script_location", str(migrations / "migrations"))
    config.set_main_option("sqlalchemy.url", async_database_url(database_url).replace("%", "%%"))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return config


async def upgrade(owner: str, database_url: str) -> None:
    """Bring the owner's database to every head revision."""
    await asyncio.to_thread(command.upgrade, alembic_config(owner, database_url), "heads")


def run_env(metadata: MetaData) -> None:
    """The body of every service's alembic env.py."""
    url = context.config.get_main_option("sqlalchemy.url") or ""

    def migrate(connection: Connection) -> None:
        connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        try:
            context.configure(connection=connection, target_metadata=metadata, compare_type=True)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})

    async def run() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
            await connection.commit()
        await engine.dispose()

    asyncio.run(run())


def _write_revision(service: str, message: str) -> None:
    import os

    from services.runtime.db import ensure_database

    url = os.environ.get("DATABASE_URL", f"postgresql://postgres@127.0.0.1:5432/dev_{service}")
    asyncio.run(ensure_database(url))
    config = alembic_config(service, url)
    command.upgrade(config, "heads")
    versions = Path(config.get_main_option("script_location") or "") / "versions"
    number = len(list(versions.glob(f"{service}_*.py"))) + 1
    command.revision(config, message=message, autogenerate=True, rev_id=f"{service}_{number:04d}")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "revision":
        sys.exit("usage: python -m services.runtime.migrations revision SERVICE MESSAGE")
    _write_revision(sys.argv[2], sys.argv[3])

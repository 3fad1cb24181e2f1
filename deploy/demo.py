"""The demo book the embedded stack starts with: master accounts and their primary users.
(Database access is imported where it is used: the simulator imports this module too.)"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoMaster:
    master_account_id: str
    name: str
    username: str
    time_zone: str


DEMO_MASTERS: tuple[DemoMaster, ...] = (
    DemoMaster("F1000001", "Harbor Wealth Advisors", "demo", "America/New_York"),
    DemoMaster("F1000002", "Alpine Capital Partners", "alpine", "Europe/Zurich"),
    DemoMaster("I2000001", "Sakura Introducing Brokers", "sakura", "Asia/Tokyo"),
)


def demo_password() -> str:
    """The demo users' password: PORTAL_DEMO_PASSWORD, or the documented local default."""
    return os.environ.get("PORTAL_DEMO_PASSWORD", "advisor-demo-2026")


def demo_user() -> str:
    return os.environ.get("PORTAL_DEMO_USER", DEMO_MASTERS[0].username)


def username_of(master: DemoMaster) -> str:
    """The demo master's primary user (the first master's may be renamed by PORTAL_DEMO_USER)."""
    return demo_user() if master == DEMO_MASTERS[0] else master.username


async def has_users(gateway_database_url: str) -> bool:
    """Whether the gateway's database has a user: the demo book goes only into an empty one."""
    from sqlalchemy import select

    from gateway.store.tables import users
    from services.runtime.db import Database, UnitOfWork

    database: Database[UnitOfWork] = Database(gateway_database_url, pool_size=1)
    try:
        async with database.read() as session:
            return await session.scalar(select(users.c.id).limit(1)) is not None
    finally:
        await database.dispose()


async def create_demo_users(gateway_database_url: str) -> None:
    """Each demo master with its primary user (the simulator and the demo agenda fill them)."""
    from gateway.admin import create_user

    for master in DEMO_MASTERS:
        await create_user(
            gateway_database_url,
            master_account_id=master.master_account_id,
            master_name=master.name,
            username=username_of(master),
            display_name=f"{master.name} (primary user)",
            password=demo_password(),
            time_zone=master.time_zone,
        )

"""The operator's user creation: a master keeps its time zone when a user is added without one."""

from __future__ import annotations

import uuid

from contracts.access import ClientScope, Right
from deploy.infrastructure import database_url_for
from gateway.admin import create_user
from gateway.store import people, users
from services.runtime.db import Database, UnitOfWork
from tests.conftest import DEMO_PASSWORD


async def test_adding_a_user_keeps_the_masters_time_zone(postgres_server: str) -> None:
    url = database_url_for(postgres_server, f"test_operator_{uuid.uuid4().hex[:8]}")
    assert await create_user(url, master_account_id="Z1000001", master_name="Zurich Advisors",
                             username="zora", display_name="Zora", password=DEMO_PASSWORD,
                             time_zone="Europe/Zurich")  # fmt: skip
    assert await create_user(url, master_account_id="Z1000001", master_name="Zurich Advisors",
                             username="zeno", display_name="Zeno", password=DEMO_PASSWORD,
                             is_primary=False, rights=frozenset({Right.CRM}),
                             scope=ClientScope.everything())  # fmt: skip
    database: Database[UnitOfWork] = Database(url, pool_size=1)
    try:
        async with database.read() as session:
            assert str(await people.master_time_zone(session, "Z1000001")) == "Europe/Zurich"
            zeno = await users.by_username(session, "zeno")
        assert zeno is not None and not zeno.is_primary
        assert zeno.access.rights == frozenset({Right.CRM}) and zeno.access.scope.all_clients
    finally:
        await database.dispose()

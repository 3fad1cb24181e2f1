"""Login throttling an attacker cannot turn against users: the arithmetic with a moved clock,
then the whole login on the real PostgreSQL (no sleeping: the clock is a frozen one that the
tests move). Also: a deactivated user cannot log in; recovery codes and TOTP codes work once;
each attempt of a known user is audited, and the audit log cannot be changed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pyotp
import pytest
import pytest_asyncio
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from gateway.admin import create_user
from gateway.auth import login, two_factor
from gateway.auth.login import (
    Limit,
    SecondFactorRequired,
    TooManyAttempts,
    WrongSecondFactor,
    authenticate,
    authenticate_second_factor,
    client_ip,
)
from gateway.auth.passwords import hash_password
from gateway.settings import GatewaySettings
from gateway.store import audit, users
from gateway.store.audit import AuditAction, AuditFilter
from gateway.store.tables import audit_log
from gateway.store.users import Failures
from services.runtime.clock import FrozenClock
from services.runtime.db import Database, UnitOfWork
from tests.conftest import DEMO_PASSWORD

PASSWORD_HASH = hash_password(DEMO_PASSWORD)

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
PAIR = Limit(allowed=5, window=timedelta(minutes=15), first_wait=timedelta(seconds=30),
             longest_wait=timedelta(minutes=15))  # fmt: skip


# --- the arithmetic -------------------------------------------------------------------------


def test_no_wait_below_the_allowed_failures() -> None:
    assert PAIR.wait(Failures(0, None), T0) == 0
    assert PAIR.wait(Failures(4, T0), T0) == 0


def test_the_wait_starts_at_the_latest_failure_and_runs_out() -> None:
    assert PAIR.wait(Failures(5, T0), T0) == 30
    assert PAIR.wait(Failures(5, T0), T0 + timedelta(seconds=10.5)) == 20  # rounded up
    assert PAIR.wait(Failures(5, T0), T0 + timedelta(seconds=30)) == 0


def test_each_further_failure_doubles_the_wait_up_to_the_longest() -> None:
    waits = [PAIR.wait(Failures(count, T0), T0) for count in range(5, 12)]
    assert waits == [30, 60, 120, 240, 480, 900, 900]
    assert PAIR.wait(Failures(10_000, T0), T0) == 900  # no overflow


def test_the_limits_come_from_the_settings() -> None:
    settings = GatewaySettings(database_url="postgresql://x/y")
    by_address, by_pair = login.address_limit(settings), login.pair_limit(settings)
    assert (by_address.allowed, by_address.window) == (20, timedelta(minutes=15))
    assert (by_pair.allowed, by_pair.first_wait) == (5, timedelta(seconds=30))


def _request(peer: str, forwarded: str | None, trusted: list[str]) -> Any:
    settings = SimpleNamespace(trusted_proxies=trusted)
    headers = {"x-forwarded-for": forwarded} if forwarded is not None else {}
    return SimpleNamespace(client=SimpleNamespace(host=peer), headers=headers,
                           app=SimpleNamespace(state=SimpleNamespace(settings=settings)))  # fmt: skip


def test_the_client_address_is_the_peer_unless_a_trusted_proxy_forwards() -> None:
    assert client_ip(_request("198.51.100.7", "203.0.113.9", [])) == "198.51.100.7"
    assert client_ip(_request("10.0.0.2", "203.0.113.9", ["10.0.0.2"])) == "203.0.113.9"
    # a client's own X-Forwarded-For entries stand left of what the proxy added: never read
    spoofed = "1.2.3.4, 203.0.113.9"
    assert client_ip(_request("10.0.0.2", spoofed, ["10.0.0.2"])) == "203.0.113.9"
    chain = "203.0.113.9, 10.0.0.3"
    assert client_ip(_request("10.0.0.2", chain, ["10.0.0.2", "10.0.0.3"])) == "203.0.113.9"
    assert client_ip(_request("10.0.0.2", "not-an-ip", ["10.0.0.2"])) == "10.0.0.2"
    assert client_ip(_request("10.0.0.2", None, ["10.0.0.2"])) == "10.0.0.2"


# --- on the real PostgreSQL -----------------------------------------------------------------

USER_AT, ATTACKER_AT = "192.0.2.10", "198.51.100.66"


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def database(postgres_server: str) -> AsyncIterator[Database[UnitOfWork]]:
    from deploy.infrastructure import database_url_for

    url = database_url_for(postgres_server, f"test_throttle_{uuid.uuid4().hex[:8]}")
    # made and migrated as the operator's command does it
    assert await create_user(url, master_account_id="M0000001", master_name="Throttled",
                             username="seed-user", display_name="Seed", password=DEMO_PASSWORD)  # fmt: skip
    found: Database[UnitOfWork] = Database(url, pool_size=2)
    yield found
    await found.dispose()


@pytest.fixture
def settings() -> GatewaySettings:
    return GatewaySettings(database_url="postgresql://unused/x")


async def new_user(database: Database[UnitOfWork], **values: Any) -> str:
    """A user (with the demo password) of a master of its own."""
    username, master = f"user-{uuid.uuid4().hex[:8]}", "M" + str(uuid.uuid4().int)[:7]
    async with database.unit_of_work() as uow:
        await users.ensure_master(uow.session, master_account_id=master, name="Throttled")
        user_id = await users.add_user(uow.session, master_account_id=master, username=username,
                                       display_name="Tess", password_hash=PASSWORD_HASH)  # fmt: skip
        if values:
            await users.update_user(uow.session, user_id, **values)
        await uow.commit()
    return username


def fresh_addresses() -> tuple[str, str]:
    """Addresses no other test used (the attempts of every test stay in the database)."""
    suffix = uuid.uuid4().int
    return (
        f"10.{suffix % 250}.{suffix // 250 % 250}.1",
        f"10.{suffix % 250}.{suffix // 250 % 250}.2",
    )


async def log_in(
    database: Database[UnitOfWork],
    settings: GatewaySettings,
    clock: FrozenClock,
    username: str,
    password: str,
    ip: str,
    **second: str,
) -> Any:
    return await authenticate(database, settings, username=username, password=password, ip=ip,
                              clock=clock, **second)  # fmt: skip


async def entries_of(database: Database[UnitOfWork], username: str) -> list[audit.Entry]:
    async with database.read() as session:
        user = await users.by_username(session, username)
        assert user is not None
        where = AuditFilter(actor_username=username)
        return list(reversed(await audit.entries(session, user.master_account_id, where=where,
                                                 limit=100)))  # fmt: skip


async def test_an_attacker_hammering_a_username_never_locks_its_user_out(
    database: Database[UnitOfWork], settings: GatewaySettings
) -> None:
    username = await new_user(database)
    attacker, user_at = fresh_addresses()
    clock = FrozenClock(T0)
    for _ in range(5):
        assert (
            await log_in(database, settings, clock, username, "guess-guess-guess", attacker) is None
        )
        clock.advance(timedelta(seconds=1))
    with pytest.raises(TooManyAttempts) as throttled:
        await log_in(database, settings, clock, username, DEMO_PASSWORD, attacker)
    assert throttled.value.retry_after == 29
    assert throttled.value.headers == {"Retry-After": "29"}

    # the real user, from their own address, at the same moment
    found = await log_in(database, settings, clock, username, DEMO_PASSWORD, user_at)
    assert found is not None and found.username == username

    clock.advance(timedelta(seconds=29))  # the wait is over: one more try, then twice the wait
    assert await log_in(database, settings, clock, username, "guess-again!!", attacker) is None
    with pytest.raises(TooManyAttempts) as longer:
        await log_in(database, settings, clock, username, "guess-again!!", attacker)
    assert longer.value.retry_after == 60

    actions = [entry.action for entry in await entries_of(database, username)]
    assert actions == ["login.failed"] * 4 + ["login.failed", "login.throttled", "login.succeeded",
                                              "login.failed", "login.throttled"]  # fmt: skip
    throttle = [e for e in await entries_of(database, username) if e.action == "login.throttled"]
    assert throttle[0].client_ip == attacker and throttle[0].details == {"retry_after": 30}


async def test_one_password_tried_on_many_usernames_is_stopped_by_the_address_limit(
    database: Database[UnitOfWork], settings: GatewaySettings
) -> None:
    spraying, user_at = fresh_addresses()
    clock = FrozenClock(T0)
    victim = await new_user(database)
    for attempt in range(20):
        sprayed = await log_in(database, settings, clock, f"nobody-{attempt}-{uuid.uuid4().hex[:4]}",
                               "Winter2030!!", spraying)  # fmt: skip
        assert sprayed is None
    with pytest.raises(TooManyAttempts) as throttled:
        await log_in(database, settings, clock, victim, DEMO_PASSWORD, spraying)
    assert throttled.value.retry_after == 60
    assert await log_in(database, settings, clock, victim, DEMO_PASSWORD, user_at) is not None
    clock.advance(timedelta(minutes=1))
    assert await log_in(database, settings, clock, victim, DEMO_PASSWORD, spraying) is not None
    # a success does not reset an address's count: the next failure waits twice as long
    assert await log_in(database, settings, clock, "nobody-x", "Winter2030!!", spraying) is None
    with pytest.raises(TooManyAttempts) as again:
        await log_in(database, settings, clock, victim, DEMO_PASSWORD, spraying)
    assert again.value.retry_after == 120
    clock.advance(timedelta(minutes=16))  # every failure is out of the window
    assert await log_in(database, settings, clock, victim, DEMO_PASSWORD, spraying) is not None
    # unknown usernames belong to no master's audit log: only the victim's entries are there
    assert {entry.action for entry in await entries_of(database, victim)} == {"login.succeeded"}


async def test_a_deactivated_user_cannot_log_in(
    database: Database[UnitOfWork], settings: GatewaySettings
) -> None:
    username = await new_user(database, active=False)
    clock = FrozenClock(T0)
    assert (
        await log_in(database, settings, clock, username, DEMO_PASSWORD, fresh_addresses()[0])
        is None
    )
    [entry] = await entries_of(database, username)
    assert (entry.action, entry.details) == ("login.failed", {"reason": "password"})


async def two_factor_user(
    database: Database[UnitOfWork], settings: GatewaySettings, clock: FrozenClock
) -> tuple[str, pyotp.TOTP, list[str]]:
    username = await new_user(database)
    async with database.read() as session:
        user = await users.by_username(session, username)
    assert user is not None
    setup = await two_factor.start_setup(database, user)
    app = pyotp.TOTP(setup.secret)
    async with database.read() as session:
        user = await users.by_username(session, username)
    assert user is not None
    codes = await two_factor.enable(database, settings, user, app.at(clock.now()), ip=USER_AT,
                                    clock=clock)  # fmt: skip
    return username, app, codes


async def test_a_totp_code_is_never_accepted_twice(
    database: Database[UnitOfWork], settings: GatewaySettings
) -> None:
    clock = FrozenClock(T0)
    username, app, _ = await two_factor_user(database, settings, clock)
    address = fresh_addresses()[0]
    with pytest.raises(SecondFactorRequired):
        await log_in(database, settings, clock, username, DEMO_PASSWORD, address)
    with pytest.raises(WrongSecondFactor):  # the enabling code's step is used up
        await log_in(database, settings, clock, username, DEMO_PASSWORD, address,
                     totp_code=app.at(clock.now()))  # fmt: skip
    clock.advance(timedelta(seconds=30))
    code = app.at(clock.now())
    assert await log_in(database, settings, clock, username, DEMO_PASSWORD, address,
                        totp_code=code) is not None  # fmt: skip
    with pytest.raises(WrongSecondFactor):
        await log_in(database, settings, clock, username, DEMO_PASSWORD, address, totp_code=code)


async def test_a_recovery_code_logs_in_once(
    database: Database[UnitOfWork], settings: GatewaySettings
) -> None:
    clock = FrozenClock(T0)
    username, app, codes = await two_factor_user(database, settings, clock)
    assert len(codes) == 10
    address = fresh_addresses()[0]
    used = await log_in(database, settings, clock, username, DEMO_PASSWORD, address,
                        recovery_code=codes[3].upper())  # fmt: skip
    assert used is not None
    with pytest.raises(WrongSecondFactor):
        await log_in(database, settings, clock, username, DEMO_PASSWORD, address,
                     recovery_code=codes[3])  # fmt: skip
    with pytest.raises(WrongSecondFactor):
        await authenticate_second_factor(database, settings, user_id=used.id, code=None,
                                         recovery_code=codes[3], ip=address, clock=clock)  # fmt: skip
    assert await authenticate_second_factor(database, settings, user_id=used.id, code=None,
                                            recovery_code=codes[4], ip=address, clock=clock)  # fmt: skip

    clock.advance(timedelta(seconds=30))
    fresh = await two_factor.regenerate_recovery_codes(database, settings, used,
                                                       app.at(clock.now()), ip=address,
                                                       clock=clock)  # fmt: skip
    assert set(fresh).isdisjoint(codes)
    with pytest.raises(WrongSecondFactor):  # the earlier codes are gone
        await log_in(database, settings, clock, username, DEMO_PASSWORD, address,
                     recovery_code=codes[5])  # fmt: skip

    actions = [entry.action for entry in await entries_of(database, username)]
    assert actions[:2] == ["two_factor.enabled", "two_factor.recovery_codes_generated"]
    assert actions.count("two_factor.recovery_code_used") == 2
    used_entries = [e for e in await entries_of(database, username)
                    if e.action == "two_factor.recovery_code_used"]  # fmt: skip
    assert [entry.details for entry in used_entries] == [{"codes_left": 9}, {"codes_left": 8}]
    assert not any(code in str(entry.details) for entry in await entries_of(database, username)
                   for code in codes + fresh)  # fmt: skip


async def test_the_audit_log_is_append_only(database: Database[UnitOfWork]) -> None:
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log",
                      "TRUNCATE audit_log"):  # fmt: skip
        with pytest.raises(DBAPIError, match="append-only"):
            async with database.unit_of_work() as uow:
                await uow.session.execute(text(statement))
    async with database.read() as session:
        assert await session.scalar(select(audit_log.c.id).limit(1)) is not None


async def test_the_audit_log_reads_by_action_actor_and_days(
    database: Database[UnitOfWork], settings: GatewaySettings
) -> None:
    username = await new_user(database)
    clock = FrozenClock(T0)
    address = fresh_addresses()[0]
    assert await log_in(database, settings, clock, username, "wrong-wrong-wrong", address) is None
    assert await log_in(database, settings, clock, username, DEMO_PASSWORD, address) is not None
    async with database.read() as session:
        user = await users.by_username(session, username)
        assert user is not None
        master = user.master_account_id
        today = datetime.now(UTC).date()
        failed = AuditFilter(action=AuditAction.LOGIN_FAILED, actor_username=username.upper())
        assert [e.action for e in await audit.entries(session, master, where=failed, limit=10)] == [
            "login.failed"
        ]
        from zoneinfo import ZoneInfo

        days = AuditFilter.of_days(action=None, actor_username=None, first_day=today,
                                   last_day=today, zone=ZoneInfo("UTC"))  # fmt: skip
        assert await audit.count(session, master, where=days) == 2
        past = AuditFilter.of_days(action=None, actor_username=None, first_day=None,
                                   last_day=today - timedelta(days=1), zone=ZoneInfo("UTC"))  # fmt: skip
        assert await audit.count(session, master, where=past) == 0
        assert await audit.count(session, "M-other", where=AuditFilter()) == 0

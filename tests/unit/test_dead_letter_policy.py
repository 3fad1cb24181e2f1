"""The dead-letter policy tells a message it cannot apply from a database that is away for a
moment: the first is parked after its attempts, the second waits for the database, however many
tries that takes, and is never parked (a PostgreSQL restart used to park valid events)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from services.runtime import deadletter
from services.runtime.deadletter import DeadLetters, database_unavailable


class StartingUp(Exception):
    sqlstate = "57P03"  # cannot_connect_now: "the database system is starting up"


class Duplicate(Exception):
    sqlstate = "23505"


def wrapped(cause: Exception) -> DBAPIError:
    """As SQLAlchemy raises it: the driver's error as ``orig``."""
    return DBAPIError("INSERT …", {}, cause)


def test_a_database_restarting_or_out_of_reach_is_unavailable() -> None:
    assert database_unavailable(wrapped(StartingUp("the database system is starting up")))
    assert database_unavailable(ConnectionRefusedError("no socket"))
    try:
        raise RuntimeError("while applying") from FileNotFoundError("/run/.s.PGSQL.5432")
    except RuntimeError as error:
        assert database_unavailable(error)
    lost = DBAPIError(
        "SELECT 1", {}, Exception("connection is closed"), connection_invalidated=True
    )
    assert database_unavailable(lost)


def test_a_failure_of_the_message_itself_is_not() -> None:
    assert not database_unavailable(IntegrityError("INSERT …", {}, Duplicate("duplicate key")))
    assert not database_unavailable(ValueError("no such account"))


class Broker:
    def __init__(self) -> None:
        self.parked: list[bytes] = []

    async def publish(self, body: bytes, **_: Any) -> None:
        self.parked.append(body)


class Record:
    topic, partition, offset, key, value = "accounts.lifecycle", 0, 7, b"U1", b"{}"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    async def instantly(_: float) -> None:
        return None

    monkeypatch.setattr(deadletter.asyncio, "sleep", instantly)


async def test_a_message_waits_for_the_database_and_is_applied_once_it_is_back() -> None:
    tries = 0

    async def apply() -> str:
        nonlocal tries
        tries += 1
        if tries <= 20:  # far more than the policy's five attempts
            raise wrapped(StartingUp("the database system is starting up"))
        return "applied"

    broker = Broker()
    policy = DeadLetters("analytics", max_attempts=5)
    assert await policy.attempt(broker, Record(), apply) == "applied"  # type: ignore[arg-type]
    assert tries == 21 and broker.parked == []


async def test_a_message_that_keeps_failing_is_still_parked_after_its_attempts() -> None:
    tries = 0

    async def apply() -> None:
        nonlocal tries
        tries += 1
        raise ValueError("no such account")

    broker = Broker()
    await DeadLetters("analytics", max_attempts=5).attempt(broker, Record(), apply)  # type: ignore[arg-type]
    assert tries == 5 and len(broker.parked) == 1

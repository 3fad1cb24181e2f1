"""What staging decides, as messaging applies it (fake unit of work): a held copy is not
delivered and the users who may decide it are told, with the deadline in the master's time zone;
a release delivers the copy once (also when it comes before the copy); a rejection never
delivers; a replayed hold does not undo a decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from contracts.access import Right
from contracts.accounts import BrokerMessageIssued, Channel
from contracts.envelope import Envelope, Event
from contracts.messaging import MessageSent
from contracts.staging import (
    BrokerMessageHeld,
    BrokerMessageRejected,
    BrokerMessageReleased,
    RejectReason,
    ReleaseReason,
)
from services.messaging.domain.broker_messages import StagingStatus
from services.messaging.domain.recipients import ClientState, MasterProfile, MasterUser
from services.messaging.service_layer.broker_messages import apply_broker_messages
from services.messaging.service_layer.staging_outcomes import apply_staging_outcomes
from services.runtime.consumers import Delivery
from tests.unit.messaging.fakes_broker import FakeBrokerUnitOfWork

MASTER = "F1000001"
NOW = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 3, 9, 21, 0, tzinfo=UTC)


def delivery(event: Event) -> Delivery[Any]:
    return Delivery(event, Envelope.wrap(event, master_account_id=MASTER))


def issued(message_id: str = "BM-9") -> Delivery[Any]:
    return delivery(BrokerMessageIssued(
        message_id=message_id, message_type="margin_notice", subject="Margin call",
        template="Dear {client_name}, please act.", recipient_accounts=["U1000001", "U1000002"],
        channels=[Channel.MESSAGE_CENTER], review_required=True,
    ))  # fmt: skip


def held(message_id: str = "BM-9") -> Delivery[Any]:
    return delivery(BrokerMessageHeld(
        master_account_id=MASTER, message_id=message_id, message_type="margin_notice",
        subject="Margin call", channels=[Channel.MESSAGE_CENTER], recipient_count=2,
        deadline=DEADLINE, held_at=NOW,
    ))  # fmt: skip


def released(message_id: str = "BM-9") -> Delivery[Any]:
    return delivery(BrokerMessageReleased(
        master_account_id=MASTER, message_id=message_id, reason=ReleaseReason.DEADLINE,
        released_at=DEADLINE,
    ))  # fmt: skip


def rejected(message_id: str = "BM-9") -> Delivery[Any]:
    return delivery(BrokerMessageRejected(
        master_account_id=MASTER, message_id=message_id, reason=RejectReason.REJECT_ONCE,
        decided_by_user_id="u-ann", rejected_at=NOW + timedelta(hours=1),
    ))  # fmt: skip


def user(user_id: str, rights: tuple[str, ...], *, active: bool = True) -> MasterUser:
    return MasterUser(user_id, MASTER, user_id.title(), f"{user_id}@firm.test", active, False,
                      NOW, rights=rights)  # fmt: skip


@pytest.fixture
async def uow() -> FakeBrokerUnitOfWork:
    uow = FakeBrokerUnitOfWork()
    await uow.clients.upsert([
        ClientState(uuid4(), MASTER, 1, "client", "Ann", str(i), None, f"U100000{i}",
                    f"u{i}@x.test", "open", False)
        for i in (1, 2)
    ])  # fmt: skip
    await uow.masters.upsert([MasterProfile(MASTER, "Harbor Advisors", "America/New_York", NOW)])
    await uow.master_users.upsert([
        user("u-ann", tuple(r.value for r in Right)),  # primary: every right
        user("u-bob", (Right.MESSAGE_STAGING.value,)),
        user("u-cy", (Right.CRM.value,)),  # may not decide: not told
        user("u-dee", (Right.MESSAGE_STAGING.value,), active=False),
    ])  # fmt: skip
    return uow


async def test_a_held_copy_waits_and_the_deciders_are_told_the_local_deadline(
    uow: FakeBrokerUnitOfWork,
) -> None:
    await apply_broker_messages([issued()], uow.as_uow())
    await apply_staging_outcomes([held()], uow.as_uow())
    await apply_staging_outcomes([held()], uow.as_uow())  # a replay: the same notices
    assert uow.events(MessageSent) == []
    notices = list(uow.user_notices.rows.values())
    assert sorted(n.user_id for n in notices) == ["u-ann", "u-bob"]
    # 21:00 UTC in New York, the day after summer time began there
    assert all("2026-03-09 17:00 EDT" in n.body for n in notices)
    assert all(n.email_to and n.email_to.endswith("@firm.test") for n in notices)


async def test_a_release_delivers_the_copy_once(uow: FakeBrokerUnitOfWork) -> None:
    await apply_broker_messages([issued()], uow.as_uow())
    await apply_staging_outcomes([held(), released()], uow.as_uow())
    await apply_staging_outcomes([released()], uow.as_uow())
    await apply_staging_outcomes([held()], uow.as_uow())  # a late replay changes nothing
    (sent,) = uow.events(MessageSent)
    assert sent.recipient_count == 2
    outcome = uow.broker_messages.staging[(MASTER, "BM-9")]
    assert outcome.status is StagingStatus.RELEASED


async def test_a_release_before_the_copy_delivers_it_when_it_arrives(
    uow: FakeBrokerUnitOfWork,
) -> None:
    await apply_staging_outcomes([released()], uow.as_uow())
    assert uow.events(MessageSent) == []
    await apply_broker_messages([issued()], uow.as_uow())
    await apply_broker_messages([issued()], uow.as_uow())
    assert len(uow.events(MessageSent)) == 1


async def test_a_rejected_copy_is_never_delivered(uow: FakeBrokerUnitOfWork) -> None:
    await apply_broker_messages([issued()], uow.as_uow())
    await apply_staging_outcomes([held(), rejected()], uow.as_uow())
    await apply_staging_outcomes([released()], uow.as_uow())  # final: rejected stays
    assert uow.events(MessageSent) == []
    assert uow.broker_messages.staging[(MASTER, "BM-9")].status is StagingStatus.REJECTED

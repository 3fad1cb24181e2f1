"""Staging's use cases against a fake unit of work: arrivals (held, released at once, rejected),
elections taking effect at the cut-over, decisions and their race with the deadline, Always
Reject with opting out and back in, the caller's scope."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import uuid4

import pytest

from contracts.access import Access, ClientScope, Right
from contracts.accounts import BrokerMessageIssued, Channel
from contracts.api.staging import Decision, HoldStatus
from contracts.envelope import Envelope
from contracts.staging import (
    AlwaysRejectChanged,
    BrokerMessageHeld,
    BrokerMessageRejected,
    BrokerMessageReleased,
    RejectReason,
    ReleaseReason,
    StagingElectionChanged,
)
from services.runtime.caller import Caller
from services.runtime.consumers import Delivery
from services.runtime.errors import Conflict, NotFound
from services.staging.domain.holds import ClientState, MasterZone
from services.staging.domain.schedule import StagingRules
from services.staging.service_layer import elections, holds
from services.staging.service_layer.arrivals import apply_broker_messages, release_due
from tests.unit.staging.fakes import FakeStagingUnitOfWork

ONE, TWO = "F1000001", "F2000002"
RULES = StagingRules(hold_days=2, cutover_time=time(0, 0))
MONDAY = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York
PRIMARY = Caller(ONE, "u-ada", Access.primary())


def staging_user(master: str = ONE, *accounts: str) -> Caller:
    scope = ClientScope(all_clients=False, account_numbers=frozenset(accounts)) if accounts \
        else ClientScope.everything()  # fmt: skip
    return Caller(master, "u-bob", Access(rights=frozenset({Right.MESSAGE_STAGING}), scope=scope))


def issued(accounts: list[str], *, at: datetime, message_id: str = "BM-1",
           message_type: str = "fee_schedule_change", review: bool = True) -> Delivery[Any]:  # fmt: skip
    event = BrokerMessageIssued(
        message_id=message_id, message_type=message_type, subject="Commission changes",
        template="Dear {client_name}", recipient_accounts=accounts,
        channels=[Channel.MESSAGE_CENTER, Channel.EMAIL], review_required=review,
    )  # fmt: skip
    return Delivery(event, Envelope.wrap(event, master_account_id="BROKER", occurred_at=at))


@pytest.fixture
def uow() -> FakeStagingUnitOfWork:
    uow = FakeStagingUnitOfWork()
    for master, account in [(ONE, "U1000001"), (ONE, "U1000002"), (ONE, "U1000003"),
                            (TWO, "U2000001")]:  # fmt: skip
        contact = ClientState(uuid4(), master, 1, "client", f"Client {account}", account, False)
        uow.clients.rows[contact.contact_id] = contact
    uow.master_zones.rows[ONE] = MasterZone(ONE, "America/New_York", MONDAY)
    return uow


async def enable(uow: FakeStagingUnitOfWork, now: datetime, enabled: bool = True) -> datetime:
    status = await elections.change_election(uow, PRIMARY, enabled=enabled, now=now, rules=RULES)
    assert status.pending is not None
    return status.pending.effective_at


async def test_staging_is_off_by_default_and_a_message_is_released_at_once(
    uow: FakeStagingUnitOfWork,
) -> None:
    status = await elections.staging_status(uow, PRIMARY, now=MONDAY, rules=RULES)
    assert (
        not status.enabled_now and status.pending is None and status.time_zone == "America/New_York"
    )
    await apply_broker_messages([issued(["U1000001", "U2000001"], at=MONDAY)], uow, rules=RULES)
    released = uow.events(BrokerMessageReleased)
    assert sorted((e.master_account_id, e.reason) for e in released) == [
        (ONE, ReleaseReason.NOT_STAGED), (TWO, ReleaseReason.NOT_STAGED)]  # fmt: skip
    assert (await holds.hold_page(uow, PRIMARY, page=1)).total == 0  # never staged: not listed


async def test_messages_needing_no_review_are_not_staging_s(uow: FakeStagingUnitOfWork) -> None:
    await enable(uow, MONDAY - timedelta(days=2))
    await apply_broker_messages([issued(["U1000001"], at=MONDAY, review=False)], uow, rules=RULES)
    assert uow.published[1:] == [] and uow.holds.rows == {}


async def test_an_election_takes_effect_at_the_next_local_cutover_not_at_once(
    uow: FakeStagingUnitOfWork,
) -> None:
    effective = await enable(uow, MONDAY)
    assert effective == datetime(2026, 3, 3, 5, 0, tzinfo=UTC)  # midnight in New York
    (changed,) = uow.events(StagingElectionChanged)
    assert (
        changed.enabled
        and changed.effective_at == effective
        and changed.changed_by_user_id == "u-ada"
    )
    before = effective - timedelta(minutes=1)
    await apply_broker_messages([issued(["U1000001"], at=before, message_id="BM-early")], uow,
                                rules=RULES)  # fmt: skip
    await apply_broker_messages([issued(["U1000001"], at=effective, message_id="BM-late")], uow,
                                rules=RULES)  # fmt: skip
    assert [e.reason for e in uow.events(BrokerMessageReleased)] == [ReleaseReason.NOT_STAGED]
    (held,) = uow.events(BrokerMessageHeld)
    assert held.message_id == "BM-late" and held.recipient_count == 1
    assert held.deadline == effective + timedelta(days=2)  # midnight local, two days on
    status = await elections.staging_status(uow, PRIMARY, now=effective, rules=RULES)
    assert status.enabled_now and status.pending is None and status.effective_since == effective


async def test_choosing_again_before_the_cutover_replaces_the_pending_election(
    uow: FakeStagingUnitOfWork,
) -> None:
    await enable(uow, MONDAY)
    again = await elections.change_election(uow, PRIMARY, enabled=True, now=MONDAY, rules=RULES)
    assert len(uow.events(StagingElectionChanged)) == 1 and again.pending is not None
    undone = await elections.change_election(uow, PRIMARY, enabled=False, now=MONDAY,
                                             rules=RULES)  # fmt: skip
    assert undone.pending is not None and not undone.pending.enabled
    later = MONDAY + timedelta(days=1)
    await apply_broker_messages([issued(["U1000001"], at=later)], uow, rules=RULES)
    assert uow.events(BrokerMessageHeld) == []  # the later election of the same cut-over won


async def test_no_decision_releases_once_at_the_deadline(uow: FakeStagingUnitOfWork) -> None:
    effective = await enable(uow, MONDAY)
    arrived = effective + timedelta(hours=3)
    await apply_broker_messages([issued(["U1000001", "U1000002"], at=arrived)], uow, rules=RULES)
    await apply_broker_messages([issued(["U1000001", "U1000002"], at=arrived)], uow, rules=RULES)
    (held,) = uow.events(BrokerMessageHeld)
    assert await release_due(uow, now=held.deadline - timedelta(seconds=1), limit=10) == 0
    assert await release_due(uow, now=held.deadline, limit=10) == 1
    assert await release_due(uow, now=held.deadline + timedelta(hours=1), limit=10) == 0
    (released,) = uow.events(BrokerMessageReleased)
    assert released.reason is ReleaseReason.DEADLINE and released.decided_by_user_id is None
    with pytest.raises(Conflict, match="released at its deadline"):
        await holds.decide(uow, PRIMARY, "BM-1", Decision.SEND_AS_IS, now=held.deadline)
    detail = await holds.hold_detail(uow, PRIMARY, "BM-1")
    assert [h.action for h in detail.history] == ["held", "deadline"]


async def test_send_as_is_wins_over_the_later_deadline_and_is_recorded(
    uow: FakeStagingUnitOfWork,
) -> None:
    effective = await enable(uow, MONDAY)
    await apply_broker_messages([issued(["U1000001"], at=effective)], uow, rules=RULES)
    decided_at = effective + timedelta(hours=1)
    detail = await holds.decide(uow, staging_user(), "BM-1", Decision.SEND_AS_IS, now=decided_at)
    assert detail.status is HoldStatus.RELEASED and detail.decided_by_user_id == "u-bob"
    assert [(h.action, h.user_id) for h in detail.history] == [
        ("held", None),
        ("send_as_is", "u-bob"),
    ]
    (released,) = uow.events(BrokerMessageReleased)
    assert (released.reason, released.decided_by_user_id) == (ReleaseReason.SEND_AS_IS, "u-bob")
    assert await release_due(uow, now=decided_at + timedelta(days=3), limit=10) == 0
    with pytest.raises(Conflict, match="sent as is by user u-bob"):
        await holds.decide(uow, PRIMARY, "BM-1", Decision.REJECT_ONCE, now=decided_at)


async def test_reject_once_rejects_only_that_message(uow: FakeStagingUnitOfWork) -> None:
    effective = await enable(uow, MONDAY)
    await apply_broker_messages([issued(["U1000001"], at=effective)], uow, rules=RULES)
    await holds.decide(uow, PRIMARY, "BM-1", Decision.REJECT_ONCE, now=effective)
    (rejected,) = uow.events(BrokerMessageRejected)
    assert rejected.reason is RejectReason.REJECT_ONCE
    await apply_broker_messages([issued(["U1000001"], at=effective, message_id="BM-2")], uow,
                                rules=RULES)  # fmt: skip
    assert [e.message_id for e in uow.events(BrokerMessageHeld)] == ["BM-1", "BM-2"]


async def test_always_reject_then_opt_out_then_opt_back_in(uow: FakeStagingUnitOfWork) -> None:
    on = await enable(uow, MONDAY)
    await apply_broker_messages([issued(["U1000001"], at=on)], uow, rules=RULES)
    await apply_broker_messages([issued(["U1000002"], at=on, message_id="BM-other",
                                        message_type="margin_notice")], uow, rules=RULES)  # fmt: skip
    await holds.decide(uow, PRIMARY, "BM-1", Decision.ALWAYS_REJECT, now=on)
    (kept,) = uow.events(AlwaysRejectChanged)
    assert kept.active and kept.message_type == "fee_schedule_change"
    await apply_broker_messages([issued(["U1000001"], at=on + timedelta(hours=1),
                                        message_id="BM-2")], uow, rules=RULES)  # fmt: skip
    assert [(e.message_id, e.reason, e.decided_by_user_id)
            for e in uow.events(BrokerMessageRejected)] == [
        ("BM-1", RejectReason.ALWAYS_REJECT, "u-ada"), ("BM-2", RejectReason.ALWAYS_REJECT, None)]  # fmt: skip

    off = await enable(uow, on + timedelta(hours=2), enabled=False)  # opt out
    # the pending hold stays pending after the opt-out takes effect, then goes at its deadline
    assert await release_due(uow, now=off + timedelta(minutes=1), limit=10) == 0
    page = await holds.hold_page(uow, PRIMARY, page=1, status=HoldStatus.HELD)
    assert [h.id for h in page.items] == ["BM-other"]
    await apply_broker_messages([issued(["U1000001"], at=off, message_id="BM-3")], uow,
                                rules=RULES)  # fmt: skip
    assert uow.events(BrokerMessageReleased)[-1].message_id == "BM-3"  # Always Reject not applied
    rejects = await elections.always_rejects(uow, PRIMARY, now=off)
    assert [(r.message_type, r.active, r.applied_now) for r in rejects] == [
        ("fee_schedule_change", True, False)]  # kept, not applied  # fmt: skip
    assert await release_due(uow, now=on + timedelta(days=2), limit=10) == 1
    assert uow.events(BrokerMessageReleased)[-1].message_id == "BM-other"

    back = await enable(uow, off + timedelta(hours=1))  # opt back in
    await apply_broker_messages([issued(["U1000001"], at=back, message_id="BM-4")], uow,
                                rules=RULES)  # fmt: skip
    assert uow.events(BrokerMessageRejected)[-1].message_id == "BM-4"  # applies again
    await elections.set_always_reject(uow, PRIMARY, message_type="fee_schedule_change",
                                      active=False, now=back)  # fmt: skip
    await apply_broker_messages([issued(["U1000001"], at=back, message_id="BM-5")], uow,
                                rules=RULES)  # fmt: skip
    assert uow.events(BrokerMessageHeld)[-1].message_id == "BM-5"
    with pytest.raises(NotFound):
        await elections.set_always_reject(uow, PRIMARY, message_type="never_chosen",
                                          active=False, now=back)  # fmt: skip


async def test_the_scope_limits_counts_and_recipients_and_hides_the_rest(
    uow: FakeStagingUnitOfWork,
) -> None:
    on = await enable(uow, MONDAY)
    await apply_broker_messages([issued(["U1000001", "U1000002", "U2000001"], at=on)], uow,
                                rules=RULES)  # fmt: skip
    scoped = staging_user(ONE, "U1000002")
    page = await holds.hold_page(uow, scoped, page=1)
    assert [(h.id, h.recipient_count) for h in page.items] == [("BM-1", 1)]
    detail = await holds.hold_detail(uow, scoped, "BM-1")
    assert [(r.account_number, r.name) for r in detail.recipients] == [
        ("U1000002", "Client U1000002")
    ]
    full = await holds.hold_detail(uow, PRIMARY, "BM-1")
    assert [r.account_number for r in full.recipients] == ["U1000001", "U1000002"]  # only ONE's
    elsewhere = staging_user(ONE, "U1000003")
    assert (await holds.hold_page(uow, elsewhere, page=1)).total == 0
    with pytest.raises(NotFound):
        await holds.hold_detail(uow, elsewhere, "BM-1")
    with pytest.raises(NotFound):
        await holds.decide(uow, elsewhere, "BM-1", Decision.SEND_AS_IS, now=on)
    with pytest.raises(NotFound):  # another master's
        await holds.hold_detail(uow, Caller(TWO, "u-zed", Access.primary()), "BM-1")


async def test_accounts_of_unknown_masters_are_left_out(uow: FakeStagingUnitOfWork) -> None:
    await apply_broker_messages([issued(["U9999999"], at=MONDAY)], uow, rules=RULES)
    assert uow.published == [] and uow.holds.rows == {}

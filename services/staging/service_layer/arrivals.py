"""S2: a broker message flagged for review, as it arrives — for every master owning some of its
recipient accounts, exactly one outcome, published once whatever is replayed: held until its
deadline (staging in effect at the message's arrival), rejected (in effect, and its message type
always rejected), or released at once (staging not in effect: ``not_staged``). Messages needing no
review are messaging's alone. Accounts no master is known for yet are left out, as messaging does.

And the release at the deadline: the due holds claimed by one transaction (``FOR UPDATE SKIP
LOCKED``), marked released and their events written to the outbox in the same commit, so each is
released once even with two replicas, a crash mid-release or a service down at the deadline
(the next pass after the start releases it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import structlog

from contracts import topics
from contracts.accounts import BrokerMessageIssued
from contracts.api.staging import HoldStatus
from contracts.envelope import Event
from contracts.staging import (
    BrokerMessageHeld,
    BrokerMessageRejected,
    BrokerMessageReleased,
    ReleaseReason,
)
from services.runtime.consumers import Delivery
from services.staging.domain.holds import (
    HistoryEntry,
    Hold,
    arrival_hold,
    on_arrival,
    staging_on,
)
from services.staging.domain.schedule import StagingRules, deadline_of, zone_named
from services.staging.service_layer.unit_of_work import StagingUnitOfWork

log = structlog.get_logger(__name__)


def arrival_event(hold: Hold) -> Event:
    """What a hold's arrival publishes."""
    common = {"master_account_id": hold.master_account_id, "message_id": hold.message_id}
    if hold.status is HoldStatus.HELD:
        assert hold.deadline is not None
        return BrokerMessageHeld(**common, message_type=hold.message_type, subject=hold.subject,
                                 channels=list(hold.channels), recipient_count=len(hold.accounts),
                                 deadline=hold.deadline, held_at=hold.received_at)  # fmt: skip
    if hold.status is HoldStatus.REJECTED:
        assert hold.reject_reason is not None
        return BrokerMessageRejected(**common, reason=hold.reject_reason, decided_by_user_id=None,
                                     rejected_at=hold.received_at)  # fmt: skip
    assert hold.release_reason is not None
    return BrokerMessageReleased(**common, reason=hold.release_reason, decided_by_user_id=None,
                                 released_at=hold.received_at)  # fmt: skip


def _action(hold: Hold) -> str:
    return "held" if hold.status is HoldStatus.HELD else (
        (hold.reject_reason or hold.release_reason).value  # type: ignore[union-attr]
    )  # fmt: skip


async def apply_broker_messages(
    deliveries: Sequence[Delivery[Any]], uow: StagingUnitOfWork, *, rules: StagingRules
) -> None:
    """Every ``broker_message.issued`` of one poll flagged for review: one hold per message and
    master, its outcome published once."""
    reviewed = [(d, d.event) for d in deliveries if d.event.review_required]
    if not reviewed:
        return
    owners = await uow.clients.masters_of({a for _, e in reviewed for a in e.recipient_accounts})
    per_event: list[tuple[Delivery[Any], BrokerMessageIssued, dict[str, list[str]]]] = []
    for delivery, event in reviewed:
        grouped: dict[str, list[str]] = {}
        for account in dict.fromkeys(event.recipient_accounts):
            if account in owners:
                grouped.setdefault(owners[account], []).append(account)
        unknown = len(set(event.recipient_accounts) - owners.keys())
        if unknown:
            log.info("review-flagged broker message names accounts not known yet",
                     message_id=event.message_id, unknown_accounts=unknown)  # fmt: skip
        per_event.append((delivery, event, grouped))
    masters = {m for _, _, grouped in per_event for m in grouped}
    elections = await uow.elections.of_masters(masters)
    zones = await uow.master_zones.of(masters)
    rejected = await uow.always_rejects.active(
        {(m, e.message_type) for _, e, grouped in per_event for m in grouped}
    )
    candidates: dict[tuple[str, str], tuple[Hold, Delivery[Any]]] = {}
    for delivery, event, grouped in per_event:
        arrived = delivery.envelope.occurred_at
        for master, accounts in sorted(grouped.items()):
            arrival = on_arrival(
                staging_effective=staging_on(elections.get(master, []), arrived),
                always_rejected=(master, event.message_type) in rejected,
            )
            deadline = deadline_of(arrived, zone_named(zones.get(master)), rules.hold_days)
            hold = arrival_hold(
                master_account_id=master, message_id=event.message_id,
                message_type=event.message_type, subject=event.subject, channels=event.channels,
                accounts=accounts, received_at=arrived, arrival=arrival, deadline=deadline,
            )  # fmt: skip
            candidates.setdefault((master, event.message_id), (hold, delivery))
    new = await uow.holds.add([hold for hold, _ in candidates.values()])
    for hold in new:
        delivery = candidates[(hold.master_account_id, hold.message_id)][1]
        await uow.publish(topics.STAGING.name, arrival_event(hold),
                          master_account_id=hold.master_account_id, caused_by=delivery)  # fmt: skip
    await uow.holds.add_history([
        HistoryEntry(h.master_account_id, h.message_id, _action(h), None, h.received_at)
        for h in new
    ])  # fmt: skip


async def release_due(uow: StagingUnitOfWork, *, now: datetime, limit: int) -> int:
    """Release up to ``limit`` held messages whose deadline has come; how many were."""
    released = await uow.holds.release_due(now=now, limit=limit)
    by_master: dict[str, list[Event]] = {}
    for hold in released:
        by_master.setdefault(hold.master_account_id, []).append(
            BrokerMessageReleased(master_account_id=hold.master_account_id,
                                  message_id=hold.message_id, reason=ReleaseReason.DEADLINE,
                                  decided_by_user_id=None, released_at=now)
        )  # fmt: skip
    for master, events in by_master.items():
        await uow.publish_all(topics.STAGING.name, events, master_account_id=master)
    await uow.holds.add_history([
        HistoryEntry(h.master_account_id, h.message_id, "deadline", None, now) for h in released
    ])  # fmt: skip
    return len(released)

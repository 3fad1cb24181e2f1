"""What staging decided about broker messages flagged for review (``staging.holds``).

- held: the master's users who may stage messages (the message-staging right; a primary user
  holds every right) get a notice in their own Message Center and an email, naming the deadline
  in the master's time zone (one notice per user and message, whatever is replayed);
- released: the master's copy is delivered, once (``broker_messages.deliver_copy``); a release
  arriving before the copy is kept, and the copy is delivered when it arrives;
- rejected: kept, so the copy shows it and is never delivered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from contracts.access import Right
from contracts.staging import BrokerMessageHeld, BrokerMessageRejected, BrokerMessageReleased
from services.messaging.domain.broker_messages import StagingOutcome, StagingStatus
from services.messaging.domain.recipients import MasterUser
from services.messaging.service_layer.broker_messages import deliver_copy
from services.messaging.service_layer.unit_of_work import MessagingUnitOfWork
from services.messaging.store.notices import NewNotice
from services.runtime.consumers import Delivery

STAGING_HOLD = "staging_hold"


def outcome_of(event: Any) -> StagingOutcome:
    if isinstance(event, BrokerMessageHeld):
        return StagingOutcome(
            master_account_id=event.master_account_id, message_id=event.message_id,
            status=StagingStatus.HELD, decided_at=event.held_at, deadline=event.deadline,
        )  # fmt: skip
    if isinstance(event, BrokerMessageReleased):
        return StagingOutcome(
            master_account_id=event.master_account_id, message_id=event.message_id,
            status=StagingStatus.RELEASED, decided_at=event.released_at,
            reason=event.reason.value, decided_by_user_id=event.decided_by_user_id,
        )  # fmt: skip
    assert isinstance(event, BrokerMessageRejected)
    return StagingOutcome(
        master_account_id=event.master_account_id, message_id=event.message_id,
        status=StagingStatus.REJECTED, decided_at=event.rejected_at, reason=event.reason.value,
        decided_by_user_id=event.decided_by_user_id,
    )  # fmt: skip


def latest_outcomes(outcomes: Sequence[StagingOutcome]) -> list[StagingOutcome]:
    """One outcome per copy: a final one over a hold, else the later (events of one copy share a
    partition, so they come in order)."""
    kept: dict[tuple[str, str], StagingOutcome] = {}
    for outcome in outcomes:
        key = (outcome.master_account_id, outcome.message_id)
        current = kept.get(key)
        if current is None or current.status is StagingStatus.HELD:
            kept[key] = outcome
    return list(kept.values())


def local_time(moment: datetime, time_zone: str | None) -> str:
    """``moment`` as the master reads it: in its time zone, with the zone's abbreviation."""
    try:
        zone = ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def hold_notices(
    event: BrokerMessageHeld, users: Sequence[MasterUser], *, time_zone: str | None
) -> list[NewNotice]:
    """The hold's notice to each active user who may decide it, emailed to them."""
    deadline = local_time(event.deadline, time_zone)
    return [
        NewNotice(
            id=uuid4(),
            master_account_id=event.master_account_id,
            user_id=user.user_id,
            kind=STAGING_HOLD,
            source_id=event.message_id[:128],
            subject=f"Held for your review: {event.subject}"[:300],
            body=(
                f"A broker message to {event.recipient_count} of your clients "
                f"(“{event.subject}”) is held in To Be Sent By Broker. Unless you decide "
                f"otherwise, it is delivered automatically on {deadline}."
            ),
            email_to=user.email,
        )
        for user in users
        if user.active and Right.MESSAGE_STAGING.value in user.rights
    ]


async def apply_staging_outcomes(
    deliveries: Sequence[Delivery[Any]], uow: MessagingUnitOfWork
) -> None:
    """Every staging outcome of a poll: kept (one statement), held ones notified, released ones
    delivered."""
    outcomes = latest_outcomes([outcome_of(d.event) for d in deliveries])
    await uow.broker_messages.record_staging(outcomes)
    held = [d.event for d in deliveries if isinstance(d.event, BrokerMessageHeld)]
    notices: list[NewNotice] = []
    for master_account_id in {event.master_account_id for event in held}:  # read once a master
        master = await uow.masters.get(master_account_id)
        users = await uow.master_users.active(master_account_id)
        time_zone = master.time_zone if master else None
        for event in held:
            if event.master_account_id == master_account_id:
                notices += hold_notices(event, users, time_zone=time_zone)
    await uow.user_notices.add(notices)
    for outcome in outcomes:
        if outcome.status is not StagingStatus.RELEASED:
            continue
        kept = await uow.broker_messages.staging_of(
            master_account_id=outcome.master_account_id, message_ids=[outcome.message_id]
        )
        if kept[outcome.message_id].status is not StagingStatus.RELEASED:
            continue  # rejected before: final
        copy = await uow.broker_messages.copy_of(
            master_account_id=outcome.master_account_id, message_id=outcome.message_id
        )
        if copy is not None:  # else it is delivered when it arrives
            await deliver_copy(uow, copy)

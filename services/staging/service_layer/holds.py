"""S3, S4: To Be Sent By Broker — the master's staged messages with their deadline, recipients
(within the caller's client scope: a hold none of whose recipients they reach is a 404) and
history; and the decisions: Send As Is, Reject Once, Always Reject. A decision and the deadline
race for a held message: the one that changes it first wins, the other is refused (409) and
told what happened."""

from __future__ import annotations

from datetime import datetime

from contracts import topics
from contracts.api.staging import (
    HOLD_PAGE_SIZE,
    Decision,
    HoldDecisionOut,
    HoldDetail,
    HoldPage,
    HoldRecipient,
    HoldStatus,
    HoldSummary,
)
from contracts.envelope import Event
from contracts.staging import BrokerMessageRejected, BrokerMessageReleased, RejectReason
from services.runtime.caller import Caller
from services.runtime.errors import Conflict, NotFound
from services.staging.domain.holds import DECISIONS, HistoryEntry, Hold
from services.staging.service_layer.elections import set_always_reject
from services.staging.service_layer.unit_of_work import StagingUnitOfWork


def _summary(hold: Hold, count: int) -> HoldSummary:
    return HoldSummary(
        id=hold.message_id, message_type=hold.message_type, subject=hold.subject,
        received_at=hold.received_at, deadline=hold.deadline, recipient_count=count,
        channels=list(hold.channels), status=hold.status, release_reason=hold.release_reason,
        reject_reason=hold.reject_reason, decided_by_user_id=hold.decided_by_user_id,
        decided_at=hold.decided_at,
    )  # fmt: skip


async def _counts(uow: StagingUnitOfWork, caller: Caller, found: list[Hold]) -> dict[str, int]:
    if caller.access.scope.all_clients:
        return {h.message_id: len(h.accounts) for h in found}
    return await uow.holds.reached_counts(master_account_id=caller.master_account_id,
                                          scope=caller.access.scope,
                                          message_ids=[h.message_id for h in found])  # fmt: skip


async def hold_page(
    uow: StagingUnitOfWork, caller: Caller, *, page: int, status: HoldStatus | None = None
) -> HoldPage:
    found, total = await uow.holds.page(
        master_account_id=caller.master_account_id, scope=caller.access.scope, status=status,
        offset=(page - 1) * HOLD_PAGE_SIZE, limit=HOLD_PAGE_SIZE,
    )  # fmt: skip
    counts = await _counts(uow, caller, found)
    return HoldPage(items=[_summary(h, counts.get(h.message_id, 0)) for h in found], page=page,
                    page_size=HOLD_PAGE_SIZE, total=total)  # fmt: skip


async def _hold(uow: StagingUnitOfWork, caller: Caller, message_id: str) -> Hold:
    hold = await uow.holds.get(master_account_id=caller.master_account_id, message_id=message_id,
                               scope=caller.access.scope)  # fmt: skip
    if hold is None:
        raise NotFound("held message")
    return hold


async def hold_detail(uow: StagingUnitOfWork, caller: Caller, message_id: str) -> HoldDetail:
    hold = await _hold(uow, caller, message_id)
    names = await uow.clients.reached(master_account_id=caller.master_account_id,
                                      scope=caller.access.scope, accounts=hold.accounts)  # fmt: skip
    if caller.access.scope.all_clients:
        recipients = [HoldRecipient(account_number=a, name=names.get(a)) for a in hold.accounts]
    else:
        recipients = [HoldRecipient(account_number=a, name=names[a]) for a in hold.accounts
                      if a in names]  # fmt: skip
    history = await uow.holds.history(master_account_id=caller.master_account_id,
                                      message_id=message_id)  # fmt: skip
    return HoldDetail(
        **_summary(hold, len(recipients)).model_dump(), recipients=recipients,
        history=[HoldDecisionOut(action=e.action, user_id=e.user_id, at=e.at) for e in history],
    )  # fmt: skip


def _already(hold: Hold) -> Conflict:
    reason = hold.release_reason or hold.reject_reason
    how = {
        "deadline": "released at its deadline",
        "send_as_is": "sent as is",
        "reject_once": "rejected",
        "always_reject": "rejected (always reject)",
    }.get(reason.value if reason else "", hold.status.value)
    when = hold.decided_at.isoformat() if hold.decided_at else "earlier"
    by = f" by user {hold.decided_by_user_id}" if hold.decided_by_user_id else ""
    return Conflict(f"this message was already {how}{by} at {when}; your decision was not applied")


def _decision_event(hold: Hold, user_id: str, now: datetime) -> Event:
    if hold.status is HoldStatus.RELEASED:
        assert hold.release_reason is not None
        return BrokerMessageReleased(master_account_id=hold.master_account_id,
                                     message_id=hold.message_id, reason=hold.release_reason,
                                     decided_by_user_id=user_id, released_at=now)  # fmt: skip
    assert hold.reject_reason is not None
    return BrokerMessageRejected(master_account_id=hold.master_account_id,
                                 message_id=hold.message_id, reason=hold.reject_reason,
                                 decided_by_user_id=user_id, rejected_at=now)  # fmt: skip


async def decide(
    uow: StagingUnitOfWork, caller: Caller, message_id: str, decision: Decision, *, now: datetime
) -> HoldDetail:
    """Send As Is, Reject Once or Always Reject a held message (Always Reject also rejects its
    message type from now on, while staging is in effect)."""
    hold = await _hold(uow, caller, message_id)
    if hold.status is not HoldStatus.HELD:
        raise _already(hold)
    outcome = DECISIONS[decision]
    ended = await uow.holds.decide(master_account_id=hold.master_account_id,
                                   message_id=hold.message_id, outcome=outcome,
                                   by=caller.user_id, at=now)  # fmt: skip
    if ended is None:  # the deadline (or another user) came first, since the read above
        raise _already(await _hold(uow, caller, message_id))
    await uow.publish(topics.STAGING.name, _decision_event(ended, caller.user_id, now),
                      master_account_id=ended.master_account_id)  # fmt: skip
    await uow.holds.add_history([HistoryEntry(ended.master_account_id, ended.message_id,
                                              outcome.action, caller.user_id, now)])  # fmt: skip
    if ended.reject_reason is RejectReason.ALWAYS_REJECT:
        await set_always_reject(uow, caller, message_type=ended.message_type, active=True, now=now)
    return await hold_detail(uow, caller, message_id)

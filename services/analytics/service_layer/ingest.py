"""Use cases that fold the back office's and the other services' events into analytics' read
models: the ledger and daily values (with the running TWR), account facts, positions, corporate
actions, messages, and the client timeline. One statement per table and batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from contracts.accounts import (
    AccountClosed,
    AccountOpened,
    AccountReopened,
    ApplicationStatusChanged,
    NetAssetValueReported,
    PositionsReported,
)
from contracts.full_service import ClientRequestChanged
from contracts.messaging import DeliveryChanged, DeliveryStatus, MessageSent
from contracts.users import MasterChanged
from services.analytics.domain import timeline
from services.analytics.domain.ledger import ledger_row
from services.analytics.domain.master_days import MasterZone
from services.analytics.domain.twr import merge
from services.analytics.service_layer.unit_of_work import LedgerUnitOfWork
from services.runtime.consumers import Delivery
from services.runtime.read_models import newest

DONE = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.SENT})
FAILED = frozenset({DeliveryStatus.FAILED, DeliveryStatus.BOUNCED})


async def _link(
    uow: LedgerUnitOfWork,
    masters: Mapping[str, str],
    *,
    values: Mapping[tuple[str, date], Decimal] | None = None,
    flows: Mapping[tuple[str, date], Decimal] | None = None,
) -> None:
    """Apply new values and flows to each account's days and redo its running log-growth from
    its earliest changed day (``domain/twr.py``), each changed day written once. Linking is
    serialised (values and flows come from two consumers): the days are read after the lock."""
    changes: dict[str, tuple[dict[date, Decimal], dict[date, Decimal]]] = {}
    for (account, day), nav in (values or {}).items():
        changes.setdefault(account, ({}, {}))[0][day] = nav
    for (account, day), flow in (flows or {}).items():
        changes.setdefault(account, ({}, {}))[1][day] = flow
    if not changes:
        return
    starts = {account: min([*v, *f]) for account, (v, f) in changes.items()}
    await uow.account_days.lock_for_linking()
    stored = await uow.account_days.suffixes(starts)
    await uow.account_days.write(
        [
            (account, masters[account], row)
            for account, (base, days) in stored.items()
            for row in merge(base, days, values=changes[account][0], flows=changes[account][1])
        ]
    )


async def _known_accounts(uow: LedgerUnitOfWork, deliveries: Sequence[Delivery[Any]]) -> None:
    """Every account an event names has a facts row (so queries list it before its application
    events arrive, or without them)."""
    facts = {
        (d.envelope.master_account_id, d.event.account_number): d.envelope.occurred_at
        for d in deliveries
    }
    await uow.account_facts.ensure([(m, a, at) for (m, a), at in facts.items()])


async def apply_transactions(deliveries: Sequence[Delivery[Any]], uow: LedgerUnitOfWork) -> None:
    """Deposits, withdrawals, transfers, trades, dividends, interest: the ledger, the timeline,
    and the day's external flows (then the running TWR from the earliest day touched)."""
    rows = [ledger_row(d.event, d.envelope.master_account_id) for d in deliveries]
    envelopes = {
        (row.account_number, row.transaction_id): d.envelope
        for row, d in zip(rows, deliveries, strict=True)
    }
    added = await uow.ledger.add(rows)
    await uow.timeline.add(
        [
            timeline.transaction_row(r, envelopes[(r.account_number, r.transaction_id)])
            for r in added
        ]
    )
    flows: dict[tuple[str, date], Decimal] = defaultdict(Decimal)
    masters: dict[str, str] = {}
    for row in added:
        if row.flow:
            flows[(row.account_number, row.booked_on)] += row.flow
            masters[row.account_number] = row.master_account_id
    await _link(uow, masters, flows=flows)
    await _known_accounts(uow, deliveries)  # after the linking lock: see apply_valuations


async def apply_valuations(deliveries: Sequence[Delivery[Any]], uow: LedgerUnitOfWork) -> None:
    """Daily net asset values (then the running TWR) and positions reports."""
    values: dict[tuple[str, date], Decimal] = {}
    masters: dict[str, str] = {}
    reports: dict[tuple[str, date], dict[str, Any]] = {}
    for d in deliveries:
        event, master = d.event, d.envelope.master_account_id
        if isinstance(event, NetAssetValueReported):
            values[(event.account_number, event.as_of)] = event.net_asset_value
            masters[event.account_number] = master
        elif isinstance(event, PositionsReported):
            reports[(event.account_number, event.as_of)] = {
                "account_number": event.account_number,
                "as_of": event.as_of,
                "master_account_id": master,
                "symbols": sorted({p.symbol.upper() for p in event.positions if p.quantity}),
            }
    await uow.position_reports.upsert(list(reports.values()))
    await _link(uow, masters, values=values)
    # Facts rows only once the linking lock is held: a batch of flows waiting for that lock then
    # holds no facts row that this transaction's next run (one poll) would wait for.
    await _known_accounts(uow, deliveries)


async def apply_lifecycle(deliveries: Sequence[Delivery[Any]], uow: LedgerUnitOfWork) -> None:
    """Application stages and account opened/closed/reopened: account facts and activity."""
    facts: dict[tuple[str, str], dict[str, Any]] = {}
    rows = []
    for d in deliveries:
        event, master = d.event, d.envelope.master_account_id
        fact = facts.setdefault(
            (master, event.account_number),
            {
                "master_account_id": master,
                "account_number": event.account_number,
                "title": None,
                "account_type": None,
                "stage": None,
                "updated_at": d.envelope.occurred_at,
            },
        )
        fact["updated_at"] = max(fact["updated_at"], d.envelope.occurred_at)
        match event:
            case ApplicationStatusChanged():
                applicant = event.applicant
                fact |= {
                    "title": f"{applicant.first_name} {applicant.last_name}",
                    "account_type": event.account_type.value,
                    "stage": event.stage.value,
                }
            case AccountOpened():
                fact |= {"account_type": event.account_type.value, "stage": "open"}
            case AccountClosed():
                fact["stage"] = "closed"
            case AccountReopened():
                fact["stage"] = "open"
        rows += timeline.account_rows(event, d.envelope)
    await uow.account_facts.upsert(list(facts.values()))
    await uow.timeline.add(rows)


async def apply_account_notices(deliveries: Sequence[Delivery[Any]], uow: LedgerUnitOfWork) -> None:
    """Security device shipments (and other account-keyed notices): timeline rows."""
    await uow.timeline.add(
        [r for d in deliveries for r in timeline.account_rows(d.event, d.envelope)]
    )


async def apply_corporate_actions(
    deliveries: Sequence[Delivery[Any]], uow: LedgerUnitOfWork
) -> None:
    await uow.corporate_actions.add(
        [
            {
                "master_account_id": d.envelope.master_account_id,
                "action_id": d.event.action_id,
                "kind": d.event.kind.value,
                "symbol": d.event.symbol,
                "description": d.event.description,
                "ex_date": d.event.ex_date,
                "election_deadline": d.event.election_deadline,
                "accounts": list(dict.fromkeys(d.event.affected_accounts)),
                "announced_at": d.envelope.occurred_at,
            }
            for d in deliveries
        ]
    )


async def apply_broker_messages(deliveries: Sequence[Delivery[Any]], uow: LedgerUnitOfWork) -> None:
    """Broker-originated messages: their recipients kept (for staging's decisions) and a
    timeline row per recipient account."""
    await uow.messages.add_broker(
        [
            {
                "master_account_id": d.envelope.master_account_id,
                "message_id": d.event.message_id,
                "subject": d.event.subject,
                "accounts": list(dict.fromkeys(d.event.recipient_accounts)),
            }
            for d in deliveries
        ]
    )
    rows = []
    for d in deliveries:
        held = " (flagged for review)" if d.event.review_required else ""
        summary = f"Broker message issued: “{d.event.subject}”{held}"
        rows += timeline.broker_message_rows(
            d.envelope, list(dict.fromkeys(d.event.recipient_accounts)), summary
        )
    await uow.timeline.add(rows)


STAGING_VERBS = {
    "staging.message_held": "held for review",
    "staging.message_released": "released",
    "staging.message_rejected": "rejected",
}


async def apply_staging(deliveries: Sequence[Delivery[Any]], uow: LedgerUnitOfWork) -> None:
    """Held broker messages and the decisions on them: a row per recipient account."""
    ours = [d for d in deliveries if d.event.type in STAGING_VERBS]
    keys = [(d.event.master_account_id, d.event.message_id) for d in ours]
    recipients = await uow.messages.broker_recipients(keys)
    rows = []
    for d, key in zip(ours, keys, strict=True):
        subject, accounts = recipients.get(
            key, (getattr(d.event, "subject", d.event.message_id), [])
        )
        verb = STAGING_VERBS[d.event.type]
        reason = getattr(d.event, "reason", None)
        detail = f" ({reason.value.replace('_', ' ')})" if reason is not None else ""
        rows += timeline.broker_message_rows(
            d.envelope, accounts, f"Broker message “{subject}” {verb}{detail}", category="staging"
        )
    await uow.timeline.add(rows)


async def apply_messaging(deliveries: Sequence[Delivery[Any]], uow: LedgerUnitOfWork) -> None:
    """Messages sent (the Messages panel) and their deliveries (counts and timeline rows)."""
    sent = [d for d in deliveries if isinstance(d.event, MessageSent)]
    await uow.messages.add_sent(
        [
            {
                "message_id": d.event.message_id,
                "master_account_id": d.envelope.master_account_id,
                "subject": d.event.subject,
                "origin": d.event.origin.value,
                "channels": [c.value for c in d.event.channels],
                "recipient_count": d.event.recipient_count,
                "sent_at": d.envelope.occurred_at,
            }
            for d in sent
        ]
    )
    changes = [d for d in deliveries if isinstance(d.event, DeliveryChanged)]
    if not changes:
        return
    subjects = await uow.messages.subjects(list({d.event.message_id for d in changes}))
    counts: dict[UUID, list[int]] = defaultdict(lambda: [0, 0])
    rows = []
    for d in changes:
        event = d.event
        if event.status in DONE:
            counts[event.message_id][0] += len(event.contact_ids)
        elif event.status in FAILED:
            counts[event.message_id][1] += len(event.contact_ids)
        rows += timeline.delivery_rows(event, d.envelope, subjects.get(event.message_id))
    await uow.messages.count_deliveries({k: (v[0], v[1]) for k, v in counts.items()})
    await uow.timeline.add(rows)


async def apply_contact_timeline(
    deliveries: Sequence[Delivery[Any]], uow: LedgerUnitOfWork
) -> None:
    await uow.timeline.add(
        [r for d in deliveries for r in timeline.contact_rows(d.event, d.envelope)]
    )


async def apply_record_timeline(deliveries: Sequence[Delivery[Any]], uow: LedgerUnitOfWork) -> None:
    await uow.timeline.add(
        [r for d in deliveries for r in timeline.record_rows(d.event, d.envelope)]
    )


async def apply_link_timeline(deliveries: Sequence[Delivery[Any]], uow: LedgerUnitOfWork) -> None:
    """Link requests, links executed and usernames deactivated (linkage.links)."""
    await uow.timeline.add([r for d in deliveries for r in timeline.link_rows(d.event, d.envelope)])


async def apply_device_timeline(deliveries: Sequence[Delivery[Any]], uow: LedgerUnitOfWork) -> None:
    """Security devices and access codes (linkage.devices)."""
    await uow.timeline.add(
        [r for d in deliveries for r in timeline.device_rows(d.event, d.envelope)]
    )


async def apply_full_service(deliveries: Sequence[Delivery[Any]], uow: LedgerUnitOfWork) -> None:
    """Full Service enrolments and requests (contacts.full-service, whole state per change):
    a timeline row per change, and each funding or transfer request as it is now for Pending
    Items (the back office's answers reach it here, applied and republished by contacts)."""
    await uow.timeline.add(
        [r for d in deliveries for r in timeline.full_service_rows(d.event, d.envelope)]
    )
    states = [
        timeline.request_state(d.event, d.envelope)
        for d in deliveries
        if isinstance(d.event, ClientRequestChanged)
    ]
    await uow.full_service_requests.upsert(
        newest(
            [s for s in states if s is not None],
            key=lambda s: s.request_id,
            supersedes=lambda new, kept: new.version > kept.version,
        )
    )


async def apply_master_zones(deliveries: Sequence[Delivery[Any]], uow: LedgerUnitOfWork) -> None:
    """Each master's time zone (gateway.master_changed): the dashboard's days are the master's."""
    zones = [
        MasterZone(d.event.master_account_id, d.event.time_zone, d.event.changed_at)
        for d in deliveries
        if isinstance(d.event, MasterChanged)
    ]
    await uow.master_zones.upsert(
        newest(
            zones,
            key=lambda z: z.master_account_id,
            supersedes=lambda new, kept: new.changed_at >= kept.changed_at,
        )
    )

"""The dashboard's days are the master's (A1, X5's rule): Pending Items' ten days, Recent
Activity's thirty, the year to date and the upcoming corporate actions count in the master's own
time zone, as the gateway announced it (``gateway.master_changed``), on an injected instant;
Full Service requests show in Pending Items once each, as they are now. Use cases against the
fake unit of work."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from contracts.access import Access
from contracts.accounts import CorporateActionKind, NetAssetValueReported
from contracts.analytics import ElectionChoice
from contracts.api.analytics_dashboard import ActivityQuery, ElectionSubmit, PendingItemsQuery
from contracts.envelope import Envelope, Event
from contracts.full_service import (
    CashDeposit,
    ClientRequestChanged,
    EmailChange,
    RequestKind,
    RequestStatus,
)
from contracts.users import MasterChanged
from services.analytics.domain.master_days import start_of, window_start, zone_named
from services.analytics.service_layer import dashboard
from services.analytics.service_layer.ingest import (
    apply_full_service,
    apply_master_zones,
    apply_valuations,
)
from services.runtime.consumers import Delivery
from services.runtime.errors import Conflict
from tests.unit.analytics.ledger_fakes import ledger_uow

MASTER = "F1000001"
PRIMARY = Access.primary()
TOKYO = "Asia/Tokyo"


def delivered(event: Event, at: datetime | None = None) -> Delivery[Any]:
    return Delivery(event, Envelope.wrap(event, master_account_id=MASTER, occurred_at=at))


def zone_announced(zone: str, at: datetime) -> MasterChanged:
    return MasterChanged(master_account_id=MASTER, name="Demo Advisors", time_zone=zone,
                         changed_at=at)  # fmt: skip


async def test_the_last_ten_days_start_at_the_masters_midnight() -> None:
    """20:00 UTC on 2 March is already 3 March in Tokyo: the window opens at midnight of
    21 February in Tokyo (15:00 UTC on 20 February), not 20 February 20:00 UTC."""
    fake, uow = ledger_uow()
    await apply_master_zones([delivered(zone_announced(TOKYO, datetime(2026, 1, 1, tzinfo=UTC)))],
                             uow)  # fmt: skip
    now = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    await dashboard.pending_items(uow, MASTER, PRIMARY, PendingItemsQuery(), now=now)
    await dashboard.recent_activity(uow, MASTER, PRIMARY, ActivityQuery(), now=now)
    pending, recent = fake.timeline.calls
    assert pending.since == datetime(2026, 2, 20, 15, 0, tzinfo=UTC)
    assert recent.since == datetime(2026, 1, 31, 15, 0, tzinfo=UTC)  # 1 February in Tokyo
    assert pending.item_types == ["funding", "application", "transfer"]


async def test_an_unknown_master_counts_in_utc_and_the_latest_announcement_wins() -> None:
    fake, uow = ledger_uow()
    now = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    await dashboard.pending_items(uow, MASTER, PRIMARY, PendingItemsQuery(), now=now)
    assert fake.timeline.calls[-1].since == datetime(2026, 2, 20, tzinfo=UTC)
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    await apply_master_zones([delivered(zone_announced("America/New_York", late)),
                              delivered(zone_announced(TOKYO, early))], uow)  # fmt: skip
    await apply_master_zones([delivered(zone_announced(TOKYO, early))], uow)  # older: ignored
    assert await fake.master_zones.zone_of(MASTER) == "America/New_York"
    await dashboard.pending_items(uow, MASTER, PRIMARY, PendingItemsQuery(), now=now)
    assert fake.timeline.calls[-1].since == datetime(2026, 2, 20, 5, 0, tzinfo=UTC)  # EST


def test_a_window_over_a_dst_change_is_whole_local_days() -> None:
    """New York moves to summer time on 8 March 2026: ten days back from 12 March (EDT) is
    midnight of 2 March, EST (05:00 UTC)."""
    zone = zone_named("America/New_York")
    now = datetime(2026, 3, 12, 16, 0, tzinfo=UTC)
    assert window_start(zone, now, 10) == datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
    assert start_of(date(2026, 3, 12), zone) == datetime(2026, 3, 12, 4, 0, tzinfo=UTC)
    assert zone_named("Not/AZone") == zone_named(None) == zone_named("UTC")


async def test_the_year_to_date_is_the_masters_year() -> None:
    """At 20:00 UTC on 31 December it is already 1 January in Tokyo: the chart starts again."""
    _, uow = ledger_uow()
    await apply_master_zones([delivered(zone_announced(TOKYO, datetime(2026, 1, 1, tzinfo=UTC)))],
                             uow)  # fmt: skip
    await apply_valuations([delivered(NetAssetValueReported(
        account_number="U1000001", as_of=date(2026, 12, 30), net_asset_value=Decimal(100)))], uow)  # fmt: skip
    new_year_in_tokyo = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    series = await dashboard.aum_series(uow, MASTER, PRIMARY, now=new_year_in_tokyo)
    assert (series.year, series.points) == (2027, [])
    series = await dashboard.aum_series(
        uow, MASTER, PRIMARY, now=new_year_in_tokyo - timedelta(hours=6)
    )
    assert series.year == 2026 and [p.assets for p in series.points] == [Decimal(100)]


async def test_upcoming_corporate_actions_and_their_deadline_are_the_masters_days() -> None:
    """An action going ex on 3 March (deadline that day) is no longer upcoming nor open at
    16:00 UTC on 3 March in Tokyo (4 March there), and still is in UTC."""
    fake, uow = ledger_uow()
    await fake.corporate_actions.add([{
        "master_account_id": MASTER, "action_id": "CA-1", "kind": CorporateActionKind.VOLUNTARY.value,
        "symbol": "VTI", "description": "Tender offer", "ex_date": date(2026, 3, 3),
        "election_deadline": date(2026, 3, 3), "accounts": ["U1000001"],
        "announced_at": datetime(2026, 2, 1, tzinfo=UTC)}])  # fmt: skip
    at = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    election = ElectionSubmit(account_number="U1000001", choice=ElectionChoice.PARTICIPATE)
    listed = await dashboard.corporate_actions(uow, MASTER, PRIMARY, now=at)
    assert [a.open_for_election for a in listed.items] == [True]  # UTC: still 3 March
    await apply_master_zones([delivered(zone_announced(TOKYO, datetime(2026, 1, 1, tzinfo=UTC)))],
                             uow)  # fmt: skip
    assert (await dashboard.corporate_actions(uow, MASTER, PRIMARY, now=at)).items == []
    assert fake.corporate_actions.upcoming_asked == [date(2026, 3, 3), date(2026, 3, 4)]
    with pytest.raises(Conflict, match="deadline"):
        await dashboard.elect(uow, MASTER, "u-ada", PRIMARY, "CA-1", election, now=at)
    assert fake.published == []


def request(version: int, status: RequestStatus, *, pending: bool, kind: str = "deposit",
            request_id: Any = None, contact_id: Any = None) -> ClientRequestChanged:  # fmt: skip
    instruction: Any = (CashDeposit(amount=Decimal("2500.00")) if kind == "deposit"
                        else EmailChange(email="ada@example.com"))  # fmt: skip
    return ClientRequestChanged(
        request_id=request_id or uuid4(), contact_id=contact_id or uuid4(),
        account_number="U1000001", kind=RequestKind(kind if kind == "deposit" else "email_change"),
        summary="Deposit 2,500.00 USD by wire" if kind == "deposit" else "Email change",
        instruction=instruction, status=status, pending=pending, requested_by="u-ada",
        requested_at=datetime(2026, 3, 1, tzinfo=UTC), version=version,
    )  # fmt: skip


async def test_a_full_service_request_is_one_pending_item_as_it_is_now() -> None:
    """Three versions of one deposit request arrive out of order (in two polls): the newest is
    kept, once; an information change is on the timeline only."""
    fake, uow = ledger_uow()
    request_id, contact_id = uuid4(), uuid4()
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    sent = request(
        2, RequestStatus.SENT, pending=True, request_id=request_id, contact_id=contact_id
    )
    accepted = request(3, RequestStatus.ACCEPTED, pending=True, request_id=request_id,
                       contact_id=contact_id)  # fmt: skip
    processed = request(4, RequestStatus.PROCESSED, pending=False, request_id=request_id,
                        contact_id=contact_id)  # fmt: skip
    email = request(1, RequestStatus.SENT, pending=True, kind="email", contact_id=contact_id)
    first_poll = [delivered(accepted, at), delivered(sent, at), delivered(email, at)]
    await apply_full_service(first_poll, uow)
    assert [(s.status, s.version) for s in fake.full_service_requests.kept.values()] == [
        ("accepted", 3)]  # fmt: skip
    await apply_full_service([delivered(processed, at + timedelta(hours=2)), first_poll[1]],
                             uow)  # first_poll[1]: a repeat of an older one  # fmt: skip
    (kept,) = fake.full_service_requests.kept.values()
    assert (kept.status, kept.pending, kept.item_type) == ("processed", False, "funding")
    assert kept.summary == "Full Service: Deposit 2,500.00 USD by wire"
    assert kept.changed_at == at + timedelta(hours=2)
    summaries = sorted(r.summary for r in fake.timeline.rows.values())
    assert summaries == [
        "Full Service request: Deposit 2,500.00 USD by wire: accepted by the back office",
        "Full Service request: Deposit 2,500.00 USD by wire: processed",
        "Full Service request: Deposit 2,500.00 USD by wire: sent to the back office",
        "Full Service request: Email change: sent to the back office",
    ], "every change on the client's timeline, each once"
    assert {r.category for r in fake.timeline.rows.values()} == {"full_service"}
    assert {r.contact_id for r in fake.timeline.rows.values()} == {contact_id}
    page = await dashboard.pending_items(uow, MASTER, PRIMARY, PendingItemsQuery(), now=at)
    assert [(i.description, i.status) for i in page.items] == [
        ("Full Service: Deposit 2,500.00 USD by wire", "processed")]  # fmt: skip
    assert fake.timeline.calls[-1].pending_requests
    # a request still pending shows however long ago it last changed; a settled one does not
    old_pending = request(2, RequestStatus.SENT, pending=True)
    old_done = request(3, RequestStatus.REJECTED, pending=False)
    long_ago = at - timedelta(days=40)
    await apply_full_service([delivered(old_pending, long_ago), delivered(old_done, long_ago)], uow)
    page = await dashboard.pending_items(uow, MASTER, PRIMARY, PendingItemsQuery(), now=at)
    assert sorted(i.status or "" for i in page.items) == ["processed", "sent"]
    recent = await dashboard.recent_activity(uow, MASTER, PRIMARY, ActivityQuery(), now=at)
    assert [i.status for i in recent.items] == ["processed"], "recent: the last 30 days only"

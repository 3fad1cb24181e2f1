"""Analytics reads linkage (``linkage.links``, ``linkage.devices``), the Full Service program
(``contacts.full-service``) and the masters' time zones (``gateway.master_changed``) from the
real broker (A1, X6): a client's timeline shows its links, devices and requests under their own
filters, and Pending Items shows each funding request once, as it is now, within the scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

from contracts import topics
from contracts.access import Access, ClientScope, Right
from contracts.accounts import ApplicationStage
from contracts.contacts import ContactCreated, ContactKind, ContactSnapshot
from contracts.envelope import Envelope
from contracts.full_service import (
    CashWithdrawal,
    ClientRequestChanged,
    PositionTransferIn,
    RequestKind,
    RequestStatus,
)
from contracts.linkage import DeviceChanged, DeviceStatus, LinkRequestChanged, LinkStatus
from contracts.users import MasterChanged
from services.analytics.store.masters import MasterZoneRepository
from tests.integration.conftest import RunningService, a_master, eventually, publish

NOW = datetime.now(UTC)


def withdrawal(request_id: Any, contact: Any, account: str, version: int,
               status: RequestStatus, pending: bool) -> ClientRequestChanged:  # fmt: skip
    return ClientRequestChanged(
        request_id=request_id, contact_id=contact, account_number=account,
        kind=RequestKind.WITHDRAWAL, summary="Withdrawal 1,200.00 USD by wire",
        instruction=CashWithdrawal(amount=Decimal("1200.00")), status=status, pending=pending,
        requested_by="u-ada", requested_at=NOW, version=version,
    )  # fmt: skip


async def test_links_devices_and_full_service_reach_the_timeline_and_pending_items(
    analytics_service: RunningService, kafka_bootstrap: str
) -> None:
    master, contact, request_id = a_master(), uuid4(), uuid4()
    account, other = f"L{str(uuid4().int)[:7]}", f"L{str(uuid4().int)[:7]}"
    created = ContactCreated(contact=ContactSnapshot(
        contact_id=contact, version=1, kind=ContactKind.CLIENT, first_name="Ada",
        last_name="Lovelace", status=ApplicationStage.OPEN, account_number=account))  # fmt: skip
    await publish(kafka_bootstrap, topics.CONTACTS.name, created, master=master)
    await publish(kafka_bootstrap, topics.USERS.name, MasterChanged(
        master_account_id=master, name="Tokyo Advisors", time_zone="Asia/Tokyo",
        changed_at=NOW), master=master)  # fmt: skip
    await publish(kafka_bootstrap, topics.LINKAGE.name, LinkRequestChanged(
        request_id=uuid4(), holder_id="H1", status=LinkStatus.DRAFT, step="accounts_chosen",
        accounts=[account, other], changed_by="u-ada", changed_at=NOW), master=master)  # fmt: skip
    await publish(kafka_bootstrap, topics.LINKAGE_DEVICES.name, DeviceChanged(
        device_id=uuid4(), account_number=account, device_kind="gold", serial_number="G-1",
        status=DeviceStatus.SHIPPED, action="shipped", return_required=False, changed_by="u-ada",
        changed_at=NOW), master=master)  # fmt: skip
    # the request's versions out of order: the awaiting one last; and a position transfer
    for version, status, waiting in (
        (3, RequestStatus.ACCEPTED, True),
        (1, RequestStatus.AWAITING_CONFIRMATION, True),
    ):
        event = withdrawal(request_id, contact, account, version, status, waiting)
        envelope = Envelope.wrap(event, master_account_id=master,
                                 occurred_at=NOW - timedelta(minutes=10 - version))  # fmt: skip
        await publish(kafka_bootstrap, topics.FULL_SERVICE.name, event, envelope=envelope)
    transfer = ClientRequestChanged(
        request_id=uuid4(), contact_id=contact, account_number=other,
        kind=RequestKind.POSITION_TRANSFER_IN, summary="Transfer in 10 VTI from Other Broker",
        instruction=PositionTransferIn(symbol="VTI", quantity=Decimal(10), other_broker="Other"),
        status=RequestStatus.SENT, pending=True, requested_by="u-ada", requested_at=NOW,
        version=1)  # fmt: skip
    await publish(kafka_bootstrap, topics.FULL_SERVICE.name, transfer, master=master)

    headers = analytics_service.as_master(master)

    async def timeline() -> Any:
        answer = await analytics_service.http.get(f"/contacts/{contact}/timeline", headers=headers)
        found = answer.json() if answer.status_code == 200 else {"items": []}
        categories = {item["category"] for item in found["items"]}
        return found if {"link", "device", "full_service"} <= categories else None

    found = await eventually(timeline, within=60)
    summaries = [item["summary"] for item in found["items"]]
    assert f"Account link request draft: accounts chosen ({account}, {other})" in summaries
    assert "Security device gold G-1: shipped (shipped)" in summaries
    assert sum("Withdrawal 1,200.00 USD" in s for s in summaries) == 2, "each change once"
    only = await analytics_service.http.get(f"/contacts/{contact}/timeline", headers=headers,
                                            params={"category": "full_service"})  # fmt: skip
    assert {i["category"] for i in only.json()["items"]} == {"full_service"}
    assert only.json()["total"] == 3, "the withdrawal's two changes, the client's transfer"

    async def pending() -> Any:
        answer = await analytics_service.http.get("/dashboard/pending-items", headers=headers)
        items = answer.json()["items"]
        return items if len(items) == 2 else None

    items = await eventually(pending, within=30)
    assert sorted((i["account_number"], i["item_type"], i["status"]) for i in items) == sorted(
        [(account, "funding", "accepted"), (other, "transfer", "sent")])  # fmt: skip
    funding = await analytics_service.http.get(
        "/dashboard/pending-items", headers=headers, params={"item_type": "funding"})  # fmt: skip
    assert [i["description"] for i in funding.json()["items"]] == [
        "Full Service: Withdrawal 1,200.00 USD by wire"]  # fmt: skip
    scoped = Access(rights=frozenset({Right.ACCOUNT_INFORMATION}),
                    scope=ClientScope(all_clients=False, account_numbers=frozenset({other})))  # fmt: skip
    mine = await analytics_service.http.get(
        "/dashboard/pending-items", headers=analytics_service.as_master(master, "u-bob", scoped)
    )
    assert [i["account_number"] for i in mine.json()["items"]] == [other]

    database = analytics_service.app.state.context.database
    async with database.read() as session:
        assert await MasterZoneRepository(session).zone_of(master) == "Asia/Tokyo"

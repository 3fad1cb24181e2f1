"""The client timeline (X6) from account linkage (``linkage.links``), security devices and access
codes (``linkage.devices``) and the Full Service program (``contacts.full-service``): a row per
account (or contact) concerned, under its own filterable category, each event once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from contracts.api.analytics_history import TimelineCategory, TimelineQuery
from contracts.envelope import Envelope, Event
from contracts.full_service import EnrolmentStatus, FullServiceEnrolmentChanged
from contracts.linkage import (
    AccessCodeChanged,
    AccessCodeKind,
    AccountsLinked,
    ChargeStatus,
    DeviceChanged,
    DeviceStatus,
    LinkRequestChanged,
    LinkStatus,
    UsernameDeactivated,
)
from services.analytics.domain.timeline import device_rows, full_service_rows, link_rows
from services.analytics.service_layer.ingest import (
    apply_device_timeline,
    apply_full_service,
    apply_link_timeline,
)
from services.runtime.consumers import Delivery
from tests.unit.analytics.ledger_fakes import ledger_uow

AT = datetime(2026, 3, 6, 6, 0, tzinfo=UTC)


def wrapped(event: Event) -> Envelope[Any]:
    return Envelope.wrap(event, master_account_id="F1000001", occurred_at=AT)


def test_a_link_request_names_each_of_its_accounts_and_its_batch() -> None:
    event = LinkRequestChanged(request_id=uuid4(), holder_id="H1", status=LinkStatus.CONFIRMED,
                               step="confirmed", accounts=["U1000001", "U1000002"],
                               surviving_account="U1000001", execute_after=AT,
                               changed_by="u-ada", changed_at=AT)  # fmt: skip
    rows = link_rows(event, wrapped(event))
    assert [(r.account_number, r.category) for r in rows] == [("U1000001", "link"),
                                                              ("U1000002", "link")]  # fmt: skip
    assert rows[0].summary == ("Account link request confirmed: confirmed (U1000001, U1000002); "
                               "linked by the batch of 2026-03-06 06:00 UTC")  # fmt: skip
    assert rows[0].entry_id != rows[1].entry_id


def test_a_link_executed_and_a_username_deactivated() -> None:
    linked = AccountsLinked(request_id=uuid4(), holder_id="H1", surviving_account="U1000001",
                            surviving_username="ada", linked_accounts=["U1000001", "U1000002"],
                            profile={}, banking_instruction_ids=[], executed_at=AT)  # fmt: skip
    rows = link_rows(linked, wrapped(linked))
    assert {r.account_number for r in rows} == {"U1000001", "U1000002"}
    assert rows[0].summary == ("Accounts linked under username ada: U1000001, U1000002 (sharing "
                               "fee minimums and consolidated reporting)")  # fmt: skip
    gone = UsernameDeactivated(account_number="U1000002", username="ada2",
                               surviving_username="ada", request_id=uuid4(), deactivated_at=AT)  # fmt: skip
    (row,) = link_rows(gone, wrapped(gone))
    assert (row.account_number, row.summary) == (
        "U1000002", "Username ada2 deactivated: the account is linked under ada")  # fmt: skip


def test_devices_say_what_changed_and_what_is_charged_and_codes_never_show() -> None:
    lost = DeviceChanged(device_id=uuid4(), account_number="U1000001", device_kind="gold",
                         serial_number="G-123", status=DeviceStatus.LOST, action="reported_lost",
                         return_required=False, charge_usd=Decimal(100),
                         charge_status=ChargeStatus.CHARGED, changed_by="u-ada", changed_at=AT)  # fmt: skip
    (row,) = device_rows(lost, wrapped(lost))
    assert (row.category, row.status) == ("device", "lost")
    assert row.summary == "Security device gold G-123: reported lost (lost); charge 100 USD charged"
    code = AccessCodeChanged(code_id=uuid4(), account_number="U1000001",
                             kind=AccessCodeKind.TEMPORARY_CODE, status="issued",
                             full_access_until=AT, restricted_access_until=AT, changed_by="u-ada",
                             changed_at=AT)  # fmt: skip
    (row,) = device_rows(code, wrapped(code))
    assert row.summary == ("Temporary code issued: full access until 2026-03-06 06:00 UTC, "
                           "restricted access until 2026-03-06 06:00 UTC")  # fmt: skip


def test_an_enrolment_is_on_the_contacts_timeline_with_its_reason() -> None:
    contact = uuid4()
    refused = FullServiceEnrolmentChanged(contact_id=contact, account_number="U1000001",
                                          status=EnrolmentStatus.REFUSED, form_document_id=uuid4(),
                                          reason="unsigned page 2", changed_by="u-ada", version=2)  # fmt: skip
    (row,) = full_service_rows(refused, wrapped(refused))
    assert (row.contact_id, row.account_number, row.category) == (contact, "U1000001",
                                                                  "full_service")  # fmt: skip
    assert row.summary == "Full Service: enrolment refused (unsigned page 2)"


def test_every_category_can_be_filtered_on_at_once() -> None:
    query = TimelineQuery(category=list(TimelineCategory))
    assert TimelineCategory.FULL_SERVICE in query.category


async def test_the_use_cases_add_each_event_once() -> None:
    fake, uow = ledger_uow()
    linked = AccountsLinked(request_id=uuid4(), holder_id="H1", surviving_account="U1000001",
                            surviving_username="ada", linked_accounts=["U1000001", "U1000002"],
                            profile={}, banking_instruction_ids=[], executed_at=AT)  # fmt: skip
    device = DeviceChanged(device_id=uuid4(), account_number="U1000001", device_kind="platinum",
                           serial_number=None, status=DeviceStatus.REQUESTED,
                           action="replacement_requested", return_required=True,
                           changed_by="u-ada", changed_at=AT)  # fmt: skip
    enrolled = FullServiceEnrolmentChanged(contact_id=uuid4(), account_number=None,
                                           status=EnrolmentStatus.ENROLLED,
                                           form_document_id=uuid4(), changed_by="u-ada",
                                           version=3)  # fmt: skip
    batch = [Delivery(e, wrapped(e)) for e in (linked, device, enrolled)]
    for _ in range(2):  # a redelivered batch adds nothing
        await apply_link_timeline(batch[:1], uow)
        await apply_device_timeline(batch[1:2], uow)
        await apply_full_service(batch[2:], uow)
    assert sorted(r.category for r in fake.timeline.rows.values()) == [
        "device", "full_service", "link", "link"]  # fmt: skip
    assert fake.full_service_requests.kept == {}, "an enrolment is not a pending item"

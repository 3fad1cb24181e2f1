"""The Full Service program's use cases (C12) against a fake unit of work: enrolment, requests
for enrolled clients only, withdrawals held for a Funding Authorizer (confirmed, declined with a
reason, or cancelled by a user who may submit), idempotent submits, and the back office's
answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from contracts import topics
from contracts.access import Access, ClientScope, Right
from contracts.accounts import ApplicationStage
from contracts.api.full_service import EnrolmentDecision, RequestCreate
from contracts.contacts import ContactKind
from contracts.envelope import Envelope
from contracts.full_service import (
    ClientRequestAccepted,
    ClientRequestChanged,
    ClientRequestProcessed,
    ClientRequestRejected,
    EnrolmentStatus,
    FullServiceEnrolmentChanged,
    RequestStatus,
    SubmitClientRequest,
)
from services.contacts.domain.contact import Contact
from services.contacts.domain.document_kinds import UnsupportedDocument
from services.contacts.domain.full_service import NotEnrolled
from services.contacts.service_layer import full_service
from services.contacts.store.documents import DatabaseDocumentStore
from services.runtime.caller import Caller
from services.runtime.consumers import Delivery
from services.runtime.errors import Conflict, Forbidden, Invalid, NotFound
from tests.unit.contacts.full_service_fakes import FakeFullServiceUnitOfWork

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
MASTER = "F1000001"
ADA = Caller(master_account_id=MASTER, user_id="u-ada")  # the primary user
EVE = Caller(master_account_id="F2000002", user_id="u-eve")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def user(*rights: Right, accounts: tuple[str, ...] | None = None, name: str = "u-bob") -> Caller:
    scope = (ClientScope.everything() if accounts is None
             else ClientScope(all_clients=False, account_numbers=frozenset(accounts)))  # fmt: skip
    return Caller(MASTER, name, Access(rights=frozenset(rights), scope=scope))


AUTHORIZER = user(Right.FUNDING_AUTHORIZER, name="u-fay")  # no Account Information right
ASSISTANT = user(Right.CRM, Right.ACCOUNT_INFORMATION, name="u-sam")


@pytest.fixture
def uow() -> FakeFullServiceUnitOfWork:
    return FakeFullServiceUnitOfWork()


def a_client(
    uow: FakeFullServiceUnitOfWork, account: str = "U1000001", master: str = MASTER, **kw: Any
) -> UUID:
    values: dict[str, Any] = {"kind": ContactKind.CLIENT, "status": ApplicationStage.OPEN, **kw}
    contact = Contact(master_account_id=master, first_name="Grace", last_name="Hopper",
                      account_number=account, **values)  # fmt: skip
    uow.contacts.rows[contact.id] = contact
    uow.contact_names[(master, contact.id)] = contact.display_name
    return contact.id


async def enrolled(uow: FakeFullServiceUnitOfWork, contact_id: UUID) -> None:
    await full_service.record_form(uow, ADA, contact_id, filename="slpoa.pdf", content=PDF,
                                   store=DatabaseDocumentStore(), now=NOW)  # fmt: skip
    await full_service.decide_enrolment(uow, ADA, contact_id, EnrolmentDecision(accept=True),
                                        now=NOW)  # fmt: skip


def request(**instruction: Any) -> RequestCreate:
    return RequestCreate.model_validate({"instruction": instruction})


async def submit(
    uow: FakeFullServiceUnitOfWork, contact_id: UUID, key: str | None = None,
    caller: Caller = ADA, **instruction: Any,
) -> Any:  # fmt: skip
    made, _ = await full_service.submit_request(
        uow, caller, contact_id, request(**instruction), idempotency_key=key or str(uuid4()),
        now=NOW,
    )  # fmt: skip
    return made


def commands(uow: FakeFullServiceUnitOfWork) -> list[SubmitClientRequest]:
    return [p.event for p in uow.published  # type: ignore[misc]
            if p.topic == topics.BACKOFFICE_REQUESTS.name]  # fmt: skip


def answer(event: Any, master: str = MASTER) -> Delivery[Any]:
    return Delivery(event, Envelope.wrap(event, master_account_id=master,
                                         occurred_at=NOW + timedelta(hours=1)))  # fmt: skip


# --- enrolment ------------------------------------------------------------------------------


async def test_a_recorded_form_makes_a_pending_enrolment_then_accepted(
    uow: FakeFullServiceUnitOfWork,
) -> None:
    client = a_client(uow)
    pending = await full_service.record_form(uow, ADA, client, filename="../SLPOA.pdf",
                                             content=PDF, store=DatabaseDocumentStore(), now=NOW)  # fmt: skip
    assert (pending.status, pending.form_filename, pending.version) == (
        EnrolmentStatus.PENDING, "SLPOA.pdf", 1)  # fmt: skip
    [document] = uow.documents.rows.values()  # kept as a document of the client
    assert document.id == pending.form_document_id and document.contact_id == client
    with pytest.raises(Conflict):  # one form at a time
        await full_service.record_form(uow, ADA, client, filename="again.pdf", content=PDF,
                                       store=DatabaseDocumentStore(), now=NOW)  # fmt: skip
    accepted = await full_service.decide_enrolment(
        uow, ADA, client, EnrolmentDecision(accept=True), now=NOW)  # fmt: skip
    assert (accepted.status, accepted.decided_by, accepted.version) == (
        EnrolmentStatus.ENROLLED, "u-ada", 2)  # fmt: skip
    events = uow.events_of(FullServiceEnrolmentChanged)
    assert [(e.status, e.version) for e in events] == [
        (EnrolmentStatus.PENDING, 1), (EnrolmentStatus.ENROLLED, 2)]  # fmt: skip


async def test_the_form_is_checked_like_any_document_and_only_for_clients(
    uow: FakeFullServiceUnitOfWork,
) -> None:
    client = a_client(uow)
    with pytest.raises(UnsupportedDocument):
        await full_service.record_form(uow, ADA, client, filename="form.exe",
                                       content=b"MZ\x90\x00" + b"\x00" * 64,
                                       store=DatabaseDocumentStore(), now=NOW)  # fmt: skip
    assert not uow.enrolments.rows and not uow.published
    prospect = a_client(uow, account="U1000009", kind=ContactKind.PROSPECT)
    uow.contacts.rows[prospect].account_number = None
    with pytest.raises(Invalid):
        await full_service.record_form(uow, ADA, prospect, filename="f.pdf", content=PDF,
                                       store=DatabaseDocumentStore(), now=NOW)  # fmt: skip
    with pytest.raises(NotFound):  # another master's client
        await full_service.record_form(uow, EVE, client, filename="f.pdf", content=PDF,
                                       store=DatabaseDocumentStore(), now=NOW)  # fmt: skip


async def test_a_refusal_needs_a_reason_and_a_revoked_client_enrols_again(
    uow: FakeFullServiceUnitOfWork,
) -> None:
    client = a_client(uow)
    store = DatabaseDocumentStore()
    await full_service.record_form(uow, ADA, client, filename="f.pdf", content=PDF, store=store,
                                   now=NOW)  # fmt: skip
    with pytest.raises(Invalid):
        await full_service.decide_enrolment(uow, ADA, client, EnrolmentDecision(accept=False),
                                            now=NOW)  # fmt: skip
    refused = await full_service.decide_enrolment(
        uow, ADA, client, EnrolmentDecision(accept=False, reason="signature missing"), now=NOW)  # fmt: skip
    assert (refused.status, refused.reason) == (EnrolmentStatus.REFUSED, "signature missing")
    with pytest.raises(Conflict):  # only an enrolment in force is revoked
        await full_service.revoke_enrolment(uow, ADA, client, reason=None, now=NOW)
    await enrolled(uow, client)
    revoked = await full_service.revoke_enrolment(uow, ADA, client, reason="client asked",
                                                  now=NOW)  # fmt: skip
    assert (revoked.status, revoked.version) == (EnrolmentStatus.REVOKED, 5)
    with pytest.raises(NotEnrolled):
        await submit(uow, client, kind="deposit", amount="100")


# --- requests -------------------------------------------------------------------------------


async def test_a_request_for_a_client_not_enrolled_is_refused(
    uow: FakeFullServiceUnitOfWork,
) -> None:
    client = a_client(uow)
    with pytest.raises(NotEnrolled) as refused:
        await submit(uow, client, kind="deposit", amount="100")
    assert "not enrolled" in str(refused.value)
    await full_service.record_form(uow, ADA, client, filename="f.pdf", content=PDF,
                                   store=DatabaseDocumentStore(), now=NOW)  # fmt: skip
    with pytest.raises(NotEnrolled):  # a form recorded but not yet accepted
        await submit(uow, client, kind="deposit", amount="100")
    assert not uow.client_requests.rows and not commands(uow)


async def test_a_deposit_is_sent_at_once_with_its_amount_rounded_half_up(
    uow: FakeFullServiceUnitOfWork,
) -> None:
    client = a_client(uow)
    await enrolled(uow, client)
    made = await submit(uow, client, kind="deposit", amount="100.005", currency="USD")
    yen = await submit(uow, client, kind="deposit", amount="1000.5", currency="JPY")
    assert made.status is RequestStatus.SENT and made.instruction.amount == Decimal("100.01")
    assert yen.instruction.amount == Decimal("1001")
    sent = commands(uow)
    assert [(c.request_id, c.account_number, c.instruction.amount) for c in sent] == [  # type: ignore[union-attr]
        (made.id, "U1000001", Decimal("100.01")), (yen.id, "U1000001", Decimal("1001"))]  # fmt: skip
    with pytest.raises(Invalid):  # rounds to nothing
        await submit(uow, client, kind="deposit", amount="0.004")
    assert made.summary == "Deposit of 100.01 USD by wire"


async def test_a_withdrawal_waits_for_a_funding_authorizer(
    uow: FakeFullServiceUnitOfWork,
) -> None:
    client = a_client(uow)
    await enrolled(uow, client)
    held = await submit(uow, client, caller=ASSISTANT, kind="withdrawal", amount="2500")
    assert held.status is RequestStatus.AWAITING_CONFIRMATION and held.pending
    assert not commands(uow)  # nothing goes to the back office yet
    listed = await full_service.awaiting_confirmation(uow, AUTHORIZER)
    assert [(i.request.id, i.client_name) for i in listed.items] == [(held.id, "Grace Hopper")]
    with pytest.raises(Forbidden):  # Account Information is not enough
        await full_service.confirm_withdrawal(uow, ASSISTANT, held.id, now=NOW)
    with pytest.raises(Forbidden):
        await full_service.awaiting_confirmation(uow, ASSISTANT)
    later = NOW + timedelta(minutes=7)
    confirmed = await full_service.confirm_withdrawal(uow, AUTHORIZER, held.id, now=later)
    assert (confirmed.status, confirmed.confirmed_by, confirmed.confirmed_at) == (
        RequestStatus.SENT, "u-fay", later)  # fmt: skip
    [command] = commands(uow)
    assert (command.request_id, command.confirmed_by, command.requested_by) == (
        held.id, "u-fay", "u-sam")  # fmt: skip
    with pytest.raises(Conflict):
        await full_service.confirm_withdrawal(uow, AUTHORIZER, held.id, now=later)
    assert len(commands(uow)) == 1
    assert not (await full_service.awaiting_confirmation(uow, AUTHORIZER)).items


async def test_an_authorizer_confirms_only_within_their_scope(
    uow: FakeFullServiceUnitOfWork,
) -> None:
    client = a_client(uow)
    await enrolled(uow, client)
    held = await submit(uow, client, kind="withdrawal", amount="10")
    elsewhere = user(Right.FUNDING_AUTHORIZER, accounts=("U9999999",))
    assert not (await full_service.awaiting_confirmation(uow, elsewhere)).items
    with pytest.raises(NotFound):
        await full_service.confirm_withdrawal(uow, elsewhere, held.id, now=NOW)
    within = user(Right.FUNDING_AUTHORIZER, accounts=("U1000001",))
    assert (await full_service.confirm_withdrawal(uow, within, held.id, now=NOW)).confirmed_by


async def test_a_funding_authorizer_declines_a_held_withdrawal_with_a_reason_for_good(
    uow: FakeFullServiceUnitOfWork,
) -> None:
    client = a_client(uow)
    await enrolled(uow, client)
    held = await submit(uow, client, caller=ASSISTANT, kind="withdrawal", amount="2500")
    with pytest.raises(Forbidden):  # Account Information is not enough
        await full_service.decline_withdrawal(uow, ASSISTANT, held.id, reason="no", now=NOW)
    with pytest.raises(Invalid) as missing:
        await full_service.decline_withdrawal(uow, AUTHORIZER, held.id, reason="  ", now=NOW)
    assert missing.value.problems[0][0] == ("reason",)
    later = NOW + timedelta(minutes=3)
    declined = await full_service.decline_withdrawal(
        uow, AUTHORIZER, held.id, reason="the client called to stop it", now=later
    )
    assert (declined.status, declined.reason, declined.ended_by, declined.ended_at,
            declined.pending) == (RequestStatus.DECLINED, "the client called to stop it", "u-fay",
                                  later, False)  # fmt: skip
    assert not commands(uow), "never sent to the back office"
    change = uow.events_of(ClientRequestChanged)[-1]
    assert (change.status, change.pending, change.reason, change.ended_by, change.version) == (
        RequestStatus.DECLINED, False, "the client called to stop it", "u-fay", 2)  # fmt: skip
    assert not (await full_service.awaiting_confirmation(uow, AUTHORIZER)).items
    # final: a confirmation, a second decline or a cancellation that comes later is refused,
    # saying what happened
    for late in (
        full_service.confirm_withdrawal(uow, AUTHORIZER, held.id, now=later),
        full_service.decline_withdrawal(uow, AUTHORIZER, held.id, reason="x", now=later),
        full_service.cancel_request(uow, ASSISTANT, held.id, reason=None, now=later),
    ):
        with pytest.raises(Conflict, match="the request was declined by u-fay"):
            await late
    accepted = ClientRequestAccepted(request_id=held.id, account_number="U1000001")
    await full_service.apply_request_statuses([answer(accepted)], uow)  # never sent: ignored
    assert uow.client_requests.rows[held.id].status is RequestStatus.DECLINED
    shown = (await full_service.full_service_of(uow, ASSISTANT, client)).requests[0]
    assert (shown.status, shown.ended_by, shown.pending) == (RequestStatus.DECLINED, "u-fay", False)


async def test_a_user_who_may_submit_cancels_a_held_withdrawal_and_only_a_held_one(
    uow: FakeFullServiceUnitOfWork,
) -> None:
    client = a_client(uow)
    await enrolled(uow, client)
    held = await submit(uow, client, caller=ADA, kind="withdrawal", amount="40")
    cancelled = await full_service.cancel_request(uow, ASSISTANT, held.id, reason=None, now=NOW)
    assert (cancelled.status, cancelled.reason, cancelled.ended_by, cancelled.pending) == (
        RequestStatus.CANCELLED, None, "u-sam", False)  # fmt: skip
    assert uow.events_of(ClientRequestChanged)[-1].status is RequestStatus.CANCELLED
    with pytest.raises(Conflict, match="the request was cancelled by u-sam"):
        await full_service.confirm_withdrawal(uow, AUTHORIZER, held.id, now=NOW)
    assert not commands(uow)
    # a confirmed withdrawal has left: too late to cancel or decline, and the refusal says so
    other = await submit(uow, client, kind="withdrawal", amount="50")
    await full_service.confirm_withdrawal(uow, AUTHORIZER, other.id, now=NOW)
    with pytest.raises(Conflict, match="confirmed by u-fay and sent to the back office"):
        await full_service.cancel_request(uow, ASSISTANT, other.id, reason="late", now=NOW)
    with pytest.raises(Conflict, match="confirmed by u-fay"):
        await full_service.decline_withdrawal(uow, AUTHORIZER, other.id, reason="x", now=NOW)
    deposit = await submit(uow, client, kind="deposit", amount="5")  # never held
    with pytest.raises(Conflict, match="nothing to cancel: the request was sent"):
        await full_service.cancel_request(uow, ASSISTANT, deposit.id, reason=None, now=NOW)


async def test_declines_and_cancellations_reach_only_the_callers_clients(
    uow: FakeFullServiceUnitOfWork,
) -> None:
    client = a_client(uow)
    await enrolled(uow, client)
    held = await submit(uow, client, kind="withdrawal", amount="10")
    elsewhere = user(Right.FUNDING_AUTHORIZER, Right.ACCOUNT_INFORMATION, accounts=("U9999999",))
    with pytest.raises(NotFound):
        await full_service.decline_withdrawal(uow, elsewhere, held.id, reason="x", now=NOW)
    with pytest.raises(NotFound):
        await full_service.cancel_request(uow, elsewhere, held.id, reason=None, now=NOW)
    with pytest.raises(NotFound):  # another master's
        await full_service.cancel_request(uow, EVE, held.id, reason=None, now=NOW)
    assert uow.client_requests.rows[held.id].status is RequestStatus.AWAITING_CONFIRMATION


async def test_a_retried_submit_with_the_same_key_is_one_request(
    uow: FakeFullServiceUnitOfWork,
) -> None:
    client, other = a_client(uow), a_client(uow, account="U1000002")
    await enrolled(uow, client)
    first, new = await full_service.submit_request(
        uow, ADA, client, request(kind="deposit", amount="50"), idempotency_key="k-1", now=NOW)  # fmt: skip
    again, new_again = await full_service.submit_request(
        uow, ADA, client, request(kind="deposit", amount="50"), idempotency_key="k-1", now=NOW)  # fmt: skip
    assert (new, new_again, again.id) == (True, False, first.id)
    assert len(uow.client_requests.rows) == 1 and len(commands(uow)) == 1
    with pytest.raises(Invalid):  # the key names another client's request
        await full_service.submit_request(
            uow, ADA, other, request(kind="deposit", amount="50"), idempotency_key="k-1", now=NOW)  # fmt: skip
    other_master = a_client(uow, account="U2000001", master="F2000002")
    with pytest.raises(NotFound):  # the key is the master's own: another master starts afresh
        await full_service.submit_request(
            uow, EVE, client, request(kind="deposit", amount="50"), idempotency_key="k-1", now=NOW)  # fmt: skip
    assert other_master


async def test_an_internal_transfer_goes_to_another_account_of_the_same_master(
    uow: FakeFullServiceUnitOfWork,
) -> None:
    client = a_client(uow)
    a_client(uow, account="U1000002")
    a_client(uow, account="U2000001", master="F2000002")
    a_client(uow, account="U1000003", closed=True)
    await enrolled(uow, client)
    for to_account in ("U1000001", "U2000001", "U7777777", "U1000003"):
        with pytest.raises(Invalid) as refused:
            await submit(uow, client, kind="internal_transfer", amount="10", to_account=to_account)
        assert refused.value.field == "instruction.to_account"  # type: ignore[attr-defined]
    limited = user(Right.ACCOUNT_INFORMATION, accounts=("U1000001",))
    with pytest.raises(Invalid):  # an account out of the user's scope is unknown to them
        await submit(uow, client, caller=limited, kind="internal_transfer", amount="10",
                     to_account="U1000002")  # fmt: skip
    made = await submit(uow, client, kind="internal_transfer", amount="10", to_account="U1000002")
    assert made.status is RequestStatus.SENT and made.instruction.to_account == "U1000002"


async def test_positions_and_information_changes_are_checked(
    uow: FakeFullServiceUnitOfWork,
) -> None:
    client = a_client(uow)
    await enrolled(uow, client)
    with pytest.raises(Invalid):
        await submit(uow, client, kind="position_transfer_out", symbol="AAPL",
                     quantity="1.00001", other_broker="Other Broker")  # fmt: skip
    moved = await submit(uow, client, kind="position_transfer_in", symbol=" aapl ",
                         quantity="12.5000", other_broker="Other Broker")  # fmt: skip
    assert (moved.instruction.symbol, moved.instruction.quantity) == ("AAPL", Decimal("12.5"))
    phone = await submit(uow, client, kind="phone_change", phone="+1 (201) 555-0123")
    assert phone.instruction.phone == "+12015550123"
    with pytest.raises(Invalid):
        await submit(uow, client, kind="phone_change", phone="+1 000 000 0000")
    address = await submit(uow, client, kind="address_change", street="1 Main St",
                           city="Springfield", state="IL", postal_code="62701", country="us")  # fmt: skip
    assert address.summary == "Address change: 1 Main St, Springfield, IL, 62701, US"


@pytest.mark.parametrize(
    "instruction",
    [
        {"kind": "deposit", "amount": "NaN"},
        {"kind": "deposit", "amount": "-5"},
        {"kind": "deposit", "amount": "1e30"},
        {"kind": "deposit", "amount": "5", "currency": "XYZ"},
        {"kind": "withdrawal", "amount": "5", "method": "cash"},
        {
            "kind": "position_transfer_in",
            "symbol": "<script>",
            "quantity": "1",
            "other_broker": "x",
        },
        {"kind": "email_change", "email": "not-an-address"},
        {"kind": "teleport"},
    ],
)
def test_the_contract_refuses_malformed_instructions(instruction: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RequestCreate.model_validate({"instruction": instruction})


async def test_out_of_reach_clients_are_not_found(uow: FakeFullServiceUnitOfWork) -> None:
    client = a_client(uow)
    await enrolled(uow, client)
    elsewhere = user(Right.ACCOUNT_INFORMATION, Right.CRM, accounts=("U9999999",))
    with pytest.raises(NotFound):
        await full_service.full_service_of(uow, elsewhere, client)
    with pytest.raises(NotFound):
        await submit(uow, client, caller=elsewhere, kind="deposit", amount="1")
    shown = await full_service.full_service_of(uow, ASSISTANT, client)
    assert shown.enrolment is not None and shown.enrolment.status is EnrolmentStatus.ENROLLED


# --- the back office's answers --------------------------------------------------------------


async def test_answers_move_a_request_forward_once(uow: FakeFullServiceUnitOfWork) -> None:
    client = a_client(uow)
    await enrolled(uow, client)
    made = await submit(uow, client, kind="deposit", amount="100")
    accepted = ClientRequestAccepted(request_id=made.id, account_number="U1000001")
    processed = ClientRequestProcessed(request_id=made.id, account_number="U1000001")
    late = ClientRequestRejected(request_id=made.id, account_number="U1000001", reason="late")
    await full_service.apply_request_statuses(
        [answer(accepted), answer(accepted), answer(processed), answer(late)], uow)  # fmt: skip
    stored = uow.client_requests.rows[made.id]
    assert (stored.status, stored.reason, stored.version, stored.pending) == (
        RequestStatus.PROCESSED, None, 3, False)  # fmt: skip
    changes = uow.events_of(ClientRequestChanged)
    assert [(c.status, c.pending) for c in changes] == [
        (RequestStatus.SENT, True), (RequestStatus.ACCEPTED, True),
        (RequestStatus.PROCESSED, False)]  # fmt: skip


async def test_a_rejection_keeps_its_reason(uow: FakeFullServiceUnitOfWork) -> None:
    client = a_client(uow)
    await enrolled(uow, client)
    made = await submit(uow, client, kind="withdrawal", amount="1000000")
    rejected = ClientRequestRejected(request_id=made.id, account_number="U1000001",
                                     reason="insufficient funds")  # fmt: skip
    await full_service.apply_request_statuses([answer(rejected)], uow)
    assert uow.client_requests.rows[made.id].status is RequestStatus.AWAITING_CONFIRMATION
    await full_service.confirm_withdrawal(uow, ADA, made.id, now=NOW)
    await full_service.apply_request_statuses([answer(rejected, master="F2000002")], uow)
    assert uow.client_requests.rows[made.id].status is RequestStatus.SENT  # not that master's
    await full_service.apply_request_statuses([answer(rejected)], uow)
    shown = (await full_service.full_service_of(uow, ADA, client)).requests[0]
    assert (shown.status, shown.reason, shown.pending) == (
        RequestStatus.REJECTED, "insufficient funds", False)  # fmt: skip
    unknown = ClientRequestAccepted(request_id=uuid4(), account_number="U1000001")
    await full_service.apply_request_statuses([answer(unknown)], uow)  # ignored

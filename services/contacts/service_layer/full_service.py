"""Use cases of the Full Service program (C12): enrolment, requests, withdrawal confirmation and
the back office's answers.

Every change saves the enrolment or the request and publishes its whole state on
``contacts.full-service`` in the same transaction; a request leaves for the back office as a
``SubmitClientRequest`` on ``backoffice.requests`` through the same outbox, so it is sent exactly
when its row commits. A withdrawal is held until a user holding the Funding Authorizer right
confirms it (who and when is kept); while held, a Funding Authorizer may decline it (with the
reason) and a user who may submit requests may cancel it, both final and never sent. A client
out of the caller's reach is not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from contracts import topics
from contracts.api.full_service import (
    AwaitingConfirmation,
    ConfirmationList,
    EnrolmentDecision,
    EnrolmentOut,
    FullServiceOut,
    RequestCreate,
    RequestOut,
)
from contracts.contacts import ContactKind
from contracts.full_service import (
    ClientRequestAccepted,
    ClientRequestProcessed,
    ClientRequestRejected,
    InternalCashTransfer,
    RequestStatus,
    SubmitClientRequest,
)
from services.contacts.domain import full_service as rules
from services.contacts.domain.contact import Contact
from services.contacts.domain.full_service import ClientRequest, Enrolment, NotEnrolled
from services.contacts.domain.reach import Reach
from services.contacts.service_layer import documents
from services.contacts.service_layer.full_service_repositories import FullServiceUnitOfWork
from services.contacts.store.documents import DocumentStore
from services.runtime.caller import Caller
from services.runtime.consumers import Delivery
from services.runtime.errors import Forbidden, Invalid, NotFound

REQUESTS_SHOWN = 200
CONFIRMATIONS_SHOWN = 500


async def _client(uow: FullServiceUnitOfWork, caller: Caller, contact_id: UUID) -> Contact:
    contact = await uow.contacts.get(
        contact_id, master_account_id=caller.master_account_id, reach=Reach.of(caller.access)
    )
    if contact is None:
        raise NotFound("contact")
    return contact


async def _publish_enrolment(uow: FullServiceUnitOfWork, enrolment: Enrolment, user: str) -> None:
    await uow.enrolments.save(enrolment)
    await uow.publish(topics.FULL_SERVICE.name, enrolment.changed_event(user),
                      master_account_id=enrolment.master_account_id)  # fmt: skip


async def _publish_request(
    uow: FullServiceUnitOfWork, request: ClientRequest, *, caused_by: Delivery[Any] | None = None
) -> None:
    await uow.publish(topics.FULL_SERVICE.name, request.changed_event(),
                      master_account_id=request.master_account_id, caused_by=caused_by)  # fmt: skip


async def _send(uow: FullServiceUnitOfWork, request: ClientRequest) -> None:
    command = SubmitClientRequest(
        request_id=request.id, account_number=request.account_number,
        instruction=request.instruction, requested_by=request.requested_by,
        confirmed_by=request.confirmed_by,
    )  # fmt: skip
    await uow.publish(topics.BACKOFFICE_REQUESTS.name, command,
                      master_account_id=request.master_account_id)  # fmt: skip


# --- views ----------------------------------------------------------------------------------


def enrolment_view(enrolment: Enrolment) -> EnrolmentOut:
    return EnrolmentOut.model_validate(enrolment, from_attributes=True)


def request_view(request: ClientRequest) -> RequestOut:
    return RequestOut.model_validate(request, from_attributes=True)


async def full_service_of(
    uow: FullServiceUnitOfWork, caller: Caller, contact_id: UUID
) -> FullServiceOut:
    contact = await _client(uow, caller, contact_id)
    master = caller.master_account_id
    enrolment = await uow.enrolments.get(contact.id, master_account_id=master)
    requests = await uow.client_requests.of_contact(
        contact.id, master_account_id=master, limit=REQUESTS_SHOWN
    )
    return FullServiceOut(
        contact_id=contact.id,
        enrolment=enrolment_view(enrolment) if enrolment else None,
        requests=[request_view(r) for r in requests],
    )


# --- enrolment ------------------------------------------------------------------------------


async def record_form(
    uow: FullServiceUnitOfWork,
    caller: Caller,
    contact_id: UUID,
    *,
    filename: str | None,
    content: bytes,
    store: DocumentStore,
    now: datetime,
) -> Enrolment:
    """Keep the signed form as a document of the client (its type and size checked like any
    document's) and make the enrolment pending."""
    if not caller.access.sees_client_records():
        raise Forbidden("recording the form needs the CRM and Account Information access rights")
    contact = await _client(uow, caller, contact_id)
    if contact.kind is not ContactKind.CLIENT or contact.account_number is None:
        raise Invalid("only a client with an account can join the Full Service program",
                      field="contact_id")  # fmt: skip
    master = caller.master_account_id
    earlier = await uow.enrolments.get(contact.id, master_account_id=master, for_update=True)
    rules.check_new_form(earlier)  # before the document is kept: a refused form keeps nothing
    document = await documents.add_document(
        uow, caller, contact.id, filename=filename, content=content, store=store, now=now
    )
    enrolment = rules.record_form(
        earlier, master_account_id=master, contact_id=contact.id,
        account_number=contact.account_number, document_id=document.id,
        filename=document.filename, user_id=caller.user_id, now=now,
    )  # fmt: skip
    await _publish_enrolment(uow, enrolment, caller.user_id)
    return enrolment


async def _enrolment(uow: FullServiceUnitOfWork, caller: Caller, contact_id: UUID) -> Enrolment:
    contact = await _client(uow, caller, contact_id)
    enrolment = await uow.enrolments.get(
        contact.id, master_account_id=caller.master_account_id, for_update=True
    )
    if enrolment is None:
        raise NotFound("enrolment", "no Supplemental Limited Power of Attorney form is recorded")
    return enrolment


async def decide_enrolment(
    uow: FullServiceUnitOfWork,
    caller: Caller,
    contact_id: UUID,
    decision: EnrolmentDecision,
    *,
    now: datetime,
) -> Enrolment:
    enrolment = rules.decide(
        await _enrolment(uow, caller, contact_id), accept=decision.accept,
        reason=decision.reason or None, user_id=caller.user_id, now=now,
    )  # fmt: skip
    await _publish_enrolment(uow, enrolment, caller.user_id)
    return enrolment


async def revoke_enrolment(
    uow: FullServiceUnitOfWork, caller: Caller, contact_id: UUID, *, reason: str | None,
    now: datetime,
) -> Enrolment:  # fmt: skip
    enrolment = rules.revoke(
        await _enrolment(uow, caller, contact_id), reason=reason or None, user_id=caller.user_id,
        now=now,
    )  # fmt: skip
    await _publish_enrolment(uow, enrolment, caller.user_id)
    return enrolment


# --- requests -------------------------------------------------------------------------------


async def submit_request(
    uow: FullServiceUnitOfWork,
    caller: Caller,
    contact_id: UUID,
    command: RequestCreate,
    *,
    idempotency_key: str,
    now: datetime,
) -> tuple[ClientRequest, bool]:
    """(the request, whether it is new): a key the master used before answers that request."""
    master = caller.master_account_id
    earlier = await uow.client_requests.by_idempotency_key(
        idempotency_key, master_account_id=master
    )
    if earlier is not None:
        if earlier.contact_id != contact_id:
            raise Invalid("this idempotency key was used for another client's request",
                          field="Idempotency-Key")  # fmt: skip
        return earlier, False
    contact = await _client(uow, caller, contact_id)
    enrolment = await uow.enrolments.get(contact.id, master_account_id=master)
    if enrolment is None or not enrolment.enrolled or contact.account_number is None:
        raise NotEnrolled()
    if contact.closed:
        raise Invalid("the client's account is closed", field="contact_id")
    instruction = rules.normalise(command.instruction, account_number=contact.account_number)
    if isinstance(instruction, InternalCashTransfer):
        await _check_destination(uow, caller, instruction.to_account)
    request = rules.new_request(
        request_id=uuid4(), master_account_id=master, contact_id=contact.id,
        account_number=contact.account_number, instruction=instruction,
        idempotency_key=idempotency_key, user_id=caller.user_id, now=now,
    )  # fmt: skip
    if not await uow.client_requests.add(request):  # the same key, committed meanwhile by a twin
        twin = await uow.client_requests.by_idempotency_key(
            idempotency_key, master_account_id=master
        )
        assert twin is not None
        return twin, False
    await _publish_request(uow, request)
    if request.status is RequestStatus.SENT:
        await _send(uow, request)
    return request, True


async def _check_destination(uow: FullServiceUnitOfWork, caller: Caller, account: str) -> None:
    """An internal transfer goes to an open client account of the same master, within reach."""
    master = caller.master_account_id
    target = await uow.contacts.by_account_number(account, master_account_id=master)
    reached = target is not None and await uow.contacts.existing_ids(
        [target.id], master_account_id=master, reach=Reach.of(caller.access)
    )
    if target is None or not reached:
        raise Invalid("no account of your clients has this number", field="instruction.to_account")
    if target.closed:
        raise Invalid("the destination account is closed", field="instruction.to_account")


async def confirm_withdrawal(
    uow: FullServiceUnitOfWork, caller: Caller, request_id: UUID, *, now: datetime
) -> ClientRequest:
    """A Funding Authorizer lets a withdrawal go: only then is it sent. The Account Information
    right is not needed (the seed's table); the client must be within the user's scope."""
    request = rules.confirm(await _held(uow, caller, request_id), user_id=caller.user_id,
                            may_confirm=caller.access.confirms_withdrawals(), now=now)  # fmt: skip
    await uow.client_requests.save(request)
    await _publish_request(uow, request)
    await _send(uow, request)
    return request


async def _held(uow: FullServiceUnitOfWork, caller: Caller, request_id: UUID) -> ClientRequest:
    """The request, locked (a confirmation, a decline and a cancellation racing for it take
    turns: the first wins), if its client is within the caller's reach."""
    request = await uow.client_requests.get(
        request_id, master_account_id=caller.master_account_id, for_update=True,
        reach=Reach.of(caller.access),
    )  # fmt: skip
    if request is None:
        raise NotFound("request")
    return request


async def decline_withdrawal(
    uow: FullServiceUnitOfWork, caller: Caller, request_id: UUID, *, reason: str, now: datetime
) -> ClientRequest:
    """A Funding Authorizer declines a held withdrawal with the reason: final, nothing is sent
    to the back office; the request's new state is on ``contacts.full-service``."""
    request = rules.decline(await _held(uow, caller, request_id), user_id=caller.user_id,
                            may_decline=caller.access.confirms_withdrawals(), reason=reason,
                            now=now)  # fmt: skip
    await uow.client_requests.save(request)
    await _publish_request(uow, request)
    return request


async def cancel_request(
    uow: FullServiceUnitOfWork, caller: Caller, request_id: UUID, *, reason: str | None,
    now: datetime,
) -> ClientRequest:  # fmt: skip
    """A user who may submit requests for the client (Account Information, within reach) takes
    back a held withdrawal: final, nothing is sent."""
    request = rules.cancel(await _held(uow, caller, request_id), user_id=caller.user_id,
                           reason=reason, now=now)  # fmt: skip
    await uow.client_requests.save(request)
    await _publish_request(uow, request)
    return request


async def awaiting_confirmation(uow: FullServiceUnitOfWork, caller: Caller) -> ConfirmationList:
    if not caller.access.confirms_withdrawals():
        raise Forbidden("this needs the Funding Authorizer access right")
    rows = await uow.client_requests.awaiting_confirmation(
        master_account_id=caller.master_account_id, reach=Reach.of(caller.access),
        limit=CONFIRMATIONS_SHOWN,
    )  # fmt: skip
    return ConfirmationList(items=[AwaitingConfirmation(request=request_view(r), client_name=n)
                                   for r, n in rows])  # fmt: skip


# --- the back office's answers --------------------------------------------------------------

_STATUS_OF: dict[type[Any], RequestStatus] = {
    ClientRequestAccepted: RequestStatus.ACCEPTED,
    ClientRequestProcessed: RequestStatus.PROCESSED,
    ClientRequestRejected: RequestStatus.REJECTED,
}


async def apply_request_statuses(
    deliveries: Sequence[Delivery[Any]], uow: FullServiceUnitOfWork
) -> None:
    """Each answer moves its request forward; duplicates, late answers and answers about
    requests this service never sent (another master's, or unknown) change nothing."""
    for delivery in deliveries:
        event = delivery.event
        master = delivery.envelope.master_account_id
        request = await uow.client_requests.get(
            event.request_id, master_account_id=master, for_update=True
        )
        if request is None:
            continue
        moved = rules.answer(request, _STATUS_OF[type(event)],
                             reason=getattr(event, "reason", None),
                             now=delivery.envelope.occurred_at)  # fmt: skip
        if moved is None:
            continue
        await uow.client_requests.save(moved)
        await _publish_request(uow, moved, caused_by=delivery)

"""The Full Service program (C12) in the contacts service over PostgreSQL and Kafka: the form
recorded and accepted, requests refused for a client not enrolled, a withdrawal sent to the back
office only once a Funding Authorizer confirms it, a retried submit one request, and the back
office's answers (a rejection with its reason) applied from ``backoffice.request-status``; held
withdrawals declined by a Funding Authorizer (with the reason) or cancelled by a user who may
submit, final, never sent, and published on ``contacts.full-service``."""

from __future__ import annotations

import random
from typing import Any
from uuid import UUID, uuid4

from contracts import topics
from contracts.access import Access, ClientScope, Right
from contracts.accounts import AccountType, Applicant, ApplicationStage, ApplicationStatusChanged
from contracts.envelope import Envelope
from contracts.full_service import ClientRequestAccepted, ClientRequestRejected
from services.contacts.service_layer.account_events import apply_application_status
from services.runtime.db import Database
from tests.integration.conftest import (
    PDF_BYTES,
    Book,
    RunningService,
    eventually,
    publish,
    read_topic,
)


async def a_client(service: RunningService, master: str) -> tuple[str, str]:
    """(contact id, account number) of a client the back office's news of its account made."""
    account = f"U{random.randint(10**7, 10**8 - 1)}"
    event = ApplicationStatusChanged(
        account_number=account, stage=ApplicationStage.OPEN, account_type=AccountType.INDIVIDUAL,
        applicant=Applicant(first_name="Ada", last_name="Lovelace"),
    )  # fmt: skip
    database: Database = service.app.state.context.database
    async with database.transaction() as uow:
        await apply_application_status(event, Envelope.wrap(event, master_account_id=master), uow)
        contact = await uow.contacts.by_account_number(account, master_account_id=master)
    assert contact is not None
    return str(contact.id), account


async def commands_for(kafka: str, request_id: str) -> list[dict[str, Any]]:
    return [m for m in await read_topic(kafka, topics.BACKOFFICE_REQUESTS.name)
            if m["payload"]["request_id"] == request_id]  # fmt: skip


async def submit(book: Book, path: str, body: dict[str, Any], key: str, status: int) -> Any:
    response = await book.service.http.post(
        path, json=body, headers={**book.headers, "Idempotency-Key": key}
    )
    assert response.status_code == status, response.text
    return response.json()


async def test_a_withdrawal_goes_only_once_confirmed_and_a_rejection_keeps_its_reason(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    ada = Book(contacts_service)
    contact, account = await a_client(contacts_service, ada.master)
    base = f"/contacts/{contact}/full-service"
    withdrawal = {"instruction": {"kind": "withdrawal", "amount": "1250.505"}}
    key = str(uuid4())
    await submit(ada, f"{base}/requests", withdrawal, key, 409)

    form = {"file": ("slpoa.pdf", PDF_BYTES, "application/pdf")}
    pending = await ada.ok("POST", f"{base}/form", 201, files=form)
    assert pending["status"] == "pending"
    await ada.refused(409, "POST", f"{base}/form", files=form)
    await ada.refused(422, "POST", f"{base}/decision", json={"accept": False})
    enrolled = await ada.ok("POST", f"{base}/decision", json={"accept": True})
    assert (enrolled["status"], enrolled["decided_by"]) == ("enrolled", "u-ada")

    made = await submit(ada, f"{base}/requests", withdrawal, key, 201)
    again = await submit(ada, f"{base}/requests", withdrawal, key, 200)
    assert again["id"] == made["id"] and made["status"] == "awaiting_confirmation"
    assert made["instruction"]["amount"] == "1250.51"  # half up, to the cent

    # an authorizer without Account Information, and one whose scope misses the client
    fay = Book(contacts_service, ada.master, user="u-fay")
    fay.headers = contacts_service.as_master(
        ada.master, "u-fay", Access(rights=frozenset({Right.FUNDING_AUTHORIZER}),
                                    scope=ClientScope.everything()))  # fmt: skip
    far = Book(contacts_service, ada.master, user="u-far")
    far.headers = contacts_service.as_master(
        ada.master, "u-far", Access(rights=frozenset({Right.FUNDING_AUTHORIZER}),
                                    scope=ClientScope(all_clients=False,
                                                      account_numbers=frozenset({"U1"}))))  # fmt: skip
    waiting = await fay.ok("GET", "/full-service/confirmations")
    assert [i["request"]["id"] for i in waiting["items"]] == [made["id"]]
    assert not (await far.ok("GET", "/full-service/confirmations"))["items"]
    await far.refused(404, "POST", f"/full-service/requests/{made['id']}/confirmation")
    await fay.refused(403, "GET", base)  # the record itself needs Account Information
    assert await commands_for(kafka_bootstrap, made["id"]) == []

    confirmed = await fay.ok("POST", f"/full-service/requests/{made['id']}/confirmation")
    assert (confirmed["status"], confirmed["confirmed_by"]) == ("sent", "u-fay")
    [command] = await eventually(lambda: commands_for(kafka_bootstrap, made["id"]))
    assert command["payload"]["instruction"]["amount"] == "1250.51"
    assert command["payload"]["confirmed_by"] == "u-fay"

    request_id = UUID(made["id"])
    for answer in (ClientRequestAccepted(request_id=request_id, account_number=account),
                   ClientRequestRejected(request_id=request_id, account_number=account,
                                         reason="insufficient available cash")):  # fmt: skip
        await publish(kafka_bootstrap, topics.BACKOFFICE_REQUEST_STATUS.name, answer,
                      master=ada.master)  # fmt: skip

    async def rejected() -> dict[str, Any] | None:
        shown = (await ada.ok("GET", base))["requests"][0]
        return shown if shown["status"] == "rejected" else None

    shown = await eventually(rejected)
    assert (shown["reason"], shown["pending"]) == ("insufficient available cash", False)
    changes = [m["payload"]["status"] for m in await read_topic(kafka_bootstrap, topics.FULL_SERVICE.name)
               if m["payload"].get("request_id") == made["id"]]  # fmt: skip
    assert changes == ["awaiting_confirmation", "sent", "accepted", "rejected"]


async def test_held_withdrawals_declined_or_cancelled_are_final_and_never_sent(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    ada = Book(contacts_service)
    contact, _ = await a_client(contacts_service, ada.master)
    base = f"/contacts/{contact}/full-service"
    await ada.ok("POST", f"{base}/form", 201,
                 files={"file": ("slpoa.pdf", PDF_BYTES, "application/pdf")})  # fmt: skip
    await ada.ok("POST", f"{base}/decision", json={"accept": True})
    first = await submit(ada, f"{base}/requests",
                         {"instruction": {"kind": "withdrawal", "amount": "100"}}, str(uuid4()), 201)  # fmt: skip
    second = await submit(ada, f"{base}/requests",
                          {"instruction": {"kind": "withdrawal", "amount": "200"}}, str(uuid4()), 201)  # fmt: skip

    def as_user(name: str, *rights: Right, accounts: frozenset[str] | None = None) -> Book:
        book = Book(contacts_service, ada.master, user=name)
        scope = (ClientScope.everything() if accounts is None
                 else ClientScope(all_clients=False, account_numbers=accounts))  # fmt: skip
        book.headers = contacts_service.as_master(
            ada.master, name, Access(rights=frozenset(rights), scope=scope))  # fmt: skip
        return book

    fay = as_user("u-fay", Right.FUNDING_AUTHORIZER)
    sam = as_user("u-sam", Right.CRM, Right.ACCOUNT_INFORMATION)
    far = as_user("u-far", Right.FUNDING_AUTHORIZER, Right.ACCOUNT_INFORMATION,
                  accounts=frozenset({"U1"}))  # fmt: skip
    decline, cancel = "/full-service/requests/{}/decline", "/full-service/requests/{}/cancel"
    await sam.refused(403, "POST", decline.format(first["id"]), json={"reason": "no"})
    await fay.refused(422, "POST", decline.format(first["id"]), json={"reason": " "})
    await fay.refused(403, "POST", cancel.format(first["id"]), json={})  # may not submit
    await far.refused(404, "POST", decline.format(first["id"]), json={"reason": "no"})
    await far.refused(404, "POST", cancel.format(second["id"]), json={})
    await fay.refused(404, "POST", decline.format(uuid4()), json={"reason": "no"})

    declined = await fay.ok("POST", decline.format(first["id"]),
                            json={"reason": "the client asked to stop it"})  # fmt: skip
    assert (declined["status"], declined["reason"], declined["ended_by"], declined["pending"]) == (
        "declined", "the client asked to stop it", "u-fay", False)  # fmt: skip
    cancelled = await sam.ok("POST", cancel.format(second["id"]), json={"reason": "typo"})
    assert (cancelled["status"], cancelled["ended_by"]) == ("cancelled", "u-sam")

    late = await fay.call("POST", f"/full-service/requests/{first['id']}/confirmation")
    assert late.status_code == 409 and "declined by u-fay" in late.text
    late = await sam.call("POST", cancel.format(first["id"]), json={})
    assert late.status_code == 409 and "declined by u-fay" in late.text
    late = await fay.call("POST", decline.format(second["id"]), json={"reason": "x"})
    assert late.status_code == 409 and "cancelled by u-sam" in late.text
    assert not (await fay.ok("GET", "/full-service/confirmations"))["items"]
    shown = {r["id"]: (r["status"], r["ended_by"]) for r in (await ada.ok("GET", base))["requests"]}
    assert shown == {first["id"]: ("declined", "u-fay"), second["id"]: ("cancelled", "u-sam")}

    async def published() -> list[tuple[str, str, str | None]] | None:
        found = sorted((m["payload"]["request_id"], m["payload"]["status"], m["payload"].get("ended_by"))
                       for m in await read_topic(kafka_bootstrap, topics.FULL_SERVICE.name)
                       if m["payload"].get("request_id") in (first["id"], second["id"]))  # fmt: skip
        return found if len(found) == 4 else None

    assert await eventually(published) == sorted([
        (first["id"], "awaiting_confirmation", None), (first["id"], "declined", "u-fay"),
        (second["id"], "awaiting_confirmation", None), (second["id"], "cancelled", "u-sam"),
    ])  # fmt: skip
    for made in (first, second):
        assert await commands_for(kafka_bootstrap, made["id"]) == []

"""The communication center through the whole stack (issue 9), as a client of /api/v1: message
templates (a refused injection included), the branding, a send on the Message Center and email
to two clients with their inboxes and the captured mail, a broker message (Sent By Broker), and
the right it all needs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from contracts import topics
from contracts.access import ClientScope, Right
from contracts.accounts import BrokerInquiryAnswered, BrokerMessageIssued, Channel
from deploy.demo import DEMO_MASTERS, demo_user
from deploy.stack import Stack
from gateway.admin import create_user
from services.runtime.mail import captured_mail
from tests.conftest import DEMO_PASSWORD
from tests.e2e.test_portal_api import eventually, login
from tests.integration.conftest import publish

pytestmark = pytest.mark.e2e

MASTER = DEMO_MASTERS[0]
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json() if response.content else None


def test_templates_are_saved_checked_and_refuse_what_reaches_into_python(stack: Stack) -> None:
    client = login(stack, demo_user())
    variables = _ok(client.get("/api/v1/message-templates/variables"))["items"]
    assert "client_name" in {variable["name"] for variable in variables}

    name = f"Welcome {uuid.uuid4().hex[:6]}"
    body = {"name": name, "subject": "Hello {{ first_name }}",
            "body": "<p>Dear {{ client_name }},</p><p>welcome.</p>"}  # fmt: skip
    created = _ok(client.post("/api/v1/message-templates", json=body), 201)
    assert _ok(client.get(f"/api/v1/message-templates/{created['id']}"))["name"] == name
    listed = _ok(client.get("/api/v1/message-templates"))["items"]
    assert created["id"] in {item["id"] for item in listed}
    taken = client.post("/api/v1/message-templates", json={**body, "name": name.upper()})
    assert taken.status_code == 409, taken.text

    changed = _ok(client.put(f"/api/v1/message-templates/{created['id']}",
                             json={**body, "subject": "Hi {{ first_name }}",
                                   "version": created["version"]}))  # fmt: skip
    assert changed["subject"] == "Hi {{ first_name }}" and changed["version"] > created["version"]
    stale = client.put(f"/api/v1/message-templates/{created['id']}",
                       json={**body, "version": created["version"]})  # fmt: skip
    assert stale.status_code == 409, stale.text

    injected = client.post("/api/v1/message-templates", json={
        **body, "name": f"Evil {uuid.uuid4().hex[:6]}", "body": "{{ client_name.__class__ }}"})  # fmt: skip
    assert injected.status_code == 422, injected.text
    problems = injected.json()["detail"]
    assert problems[0]["loc"] == ["body", "body"]
    assert "attribute access" in problems[0]["msg"]

    checked = _ok(client.post("/api/v1/message-templates/check",
                              json={"subject": body["subject"], "body": body["body"]}))  # fmt: skip
    previews = {preview["channel"]: preview for preview in checked["previews"]}
    assert set(previews) == {"W", "E", "B"}
    assert "Ada Lovelace" in previews["E"]["html"] and previews["B"]["html"] is None
    assert previews["W"]["subject"] == "Hello Ada"

    _ok(client.delete(f"/api/v1/message-templates/{created['id']}"), 204)
    assert client.get(f"/api/v1/message-templates/{created['id']}").status_code == 404


def test_the_branding_and_its_logo(stack: Stack) -> None:
    client = login(stack, demo_user())
    banner = f"Harbor news {uuid.uuid4().hex[:4]}"
    branding = {"primary_colour": "#1f3a5f", "accent_colour": "#c05621",
                "banner_text": banner, "footer_text": "Harbor Wealth Advisors"}  # fmt: skip
    saved = _ok(client.put("/api/v1/branding", json=branding))
    assert saved["banner_text"] == banner and saved["accent_colour"] == "#c05621"
    assert (
        client.put("/api/v1/branding", json={**branding, "primary_colour": "red"}).status_code
        == 422
    )

    logo = _ok(client.put("/api/v1/branding/logo", files={"file": ("logo.png", PNG, "image/png")}))
    assert logo["has_logo"] and logo["logo_content_type"] == "image/png"
    fetched = client.get("/api/v1/branding/logo")
    assert fetched.status_code == 200 and fetched.content == PNG
    not_an_image = client.put("/api/v1/branding/logo",
                              files={"file": ("logo.png", b"<svg/>", "image/png")})  # fmt: skip
    assert not_an_image.status_code == 415, not_an_image.text

    checked = _ok(client.post("/api/v1/message-templates/check",
                              json={"subject": "News", "body": "<p>Hello</p>", "with_banner": True}))  # fmt: skip
    email = next(preview for preview in checked["previews"] if preview["channel"] == "E")
    assert banner in email["html"]


def _two_recipients(client: httpx.Client) -> list[dict[str, Any]]:
    def found() -> list[dict[str, Any]]:
        items = _ok(client.get("/api/v1/recipients", params={"page_size": 50}))["items"]
        with_email = [item for item in items if item["email"]]
        return with_email[:2] if len(with_email) >= 2 else []

    recipients: list[dict[str, Any]] = eventually(found, within=90)
    return recipients


def test_a_message_to_two_clients_reaches_their_inboxes_and_their_email(stack: Stack) -> None:
    client = login(stack, demo_user())
    recipients = _two_recipients(client)
    subject = f"Quarterly letter {uuid.uuid4().hex[:6]}"
    send = {"subject": subject, "body": "<p>Dear {{ first_name }}, our letter.</p>",
            "channels": ["W", "E"],
            "recipients": {"account_numbers": [r["account_number"] for r in recipients]}}  # fmt: skip
    key = str(uuid.uuid4())
    accepted = _ok(client.post("/api/v1/messages", json=send,
                               headers={"Idempotency-Key": key}), 202)  # fmt: skip
    assert accepted["recipient_count"] == 2
    again = _ok(client.post("/api/v1/messages", json=send, headers={"Idempotency-Key": key}))
    assert again["id"] == accepted["id"]
    assert client.post("/api/v1/messages", json=send).status_code == 422  # no key

    def finished() -> dict[str, Any] | None:
        message: dict[str, Any] = _ok(client.get(f"/api/v1/messages/{accepted['id']}"))
        done = message["statuses"].get("delivered", 0) + message["statuses"].get("sent", 0)
        return message if done >= 4 else None

    message = eventually(finished, within=60)
    assert {(d["contact_id"], d["channel"]) for d in message["deliveries"]} == {
        (r["contact_id"], channel) for r in recipients for channel in ("W", "E")
    }
    sent = _ok(client.get("/api/v1/messages"))["items"]
    assert accepted["id"] in {item["id"] for item in sent}

    for recipient in recipients:
        inbox = _ok(client.get(f"/api/v1/contacts/{recipient['contact_id']}/message-center"))
        item = next(i for i in inbox["items"] if i["message_id"] == accepted["id"])
        assert item["subject"] == subject and item["read_at"] is None
        assert f"Dear {recipient['first_name']}" in item["html"]
        _ok(client.post(f"/api/v1/contacts/{recipient['contact_id']}/message-center/"
                        f"{accepted['id']}/read"), 204)  # fmt: skip
        rendered = _ok(client.get(
            f"/api/v1/messages/{accepted['id']}/recipients/{recipient['contact_id']}/rendered",
            params={"channel": "E"}))  # fmt: skip
        assert rendered["matches_delivered"], rendered
    item = _ok(client.get(f"/api/v1/contacts/{recipients[0]['contact_id']}/message-center/"
                          f"{accepted['id']}"))  # fmt: skip
    assert item["read_at"] is not None and item["subject"] == subject
    missing = client.get(f"/api/v1/contacts/{recipients[0]['contact_id']}/message-center/"
                         f"{uuid.uuid4()}")  # fmt: skip
    assert missing.status_code == 404

    def mailed() -> set[str]:
        found = captured_mail(stack.mail_dir, MASTER.master_account_id)
        return {mail.to for mail in found if mail.subject == subject}

    to = eventually(lambda: len(mailed()) == 2 and mailed(), within=60)
    assert all(any(r["email"] in address for address in to) for r in recipients), to

    exported = client.get(f"/api/v1/messages/{accepted['id']}/export.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert recipients[0]["account_number"] in exported.text


def test_a_user_without_the_communication_center_right_is_refused(stack: Stack) -> None:
    username = f"crm-only-{uuid.uuid4().hex[:6]}"
    created = create_user(
        stack.database_url("gateway"), master_account_id=MASTER.master_account_id,
        master_name=MASTER.name, username=username, display_name="Cora Only", password=DEMO_PASSWORD,
        is_primary=False, rights=frozenset({Right.CRM}), scope=ClientScope.everything(),
    )  # fmt: skip
    assert asyncio.run(created)
    client = login(stack, username)
    for method, path in [("GET", "/api/v1/message-templates"), ("GET", "/api/v1/branding"),
                         ("GET", "/api/v1/messages"), ("GET", "/api/v1/recipients"),
                         ("POST", "/api/v1/message-templates/check")]:  # fmt: skip
        assert client.request(method, path, json={}).status_code == 403, path
    assert client.get("/api/v1/notices").status_code == 200  # their own notices: any user
    portal = httpx.Client(base_url=stack.portal_url, timeout=15, follow_redirects=False)
    login_form = portal.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert login_form.status_code == 303, login_form.text
    assert portal.get("/messages").status_code == 403
    assert portal.get("/messages/notices").status_code == 200


def test_a_broker_message_is_kept_once_delivered_inquired_about_and_deleted(stack: Stack) -> None:
    client = login(stack, demo_user())
    recipients = _two_recipients(client)
    accounts = [r["account_number"] for r in recipients]
    message_id = f"BM-E2E-{uuid.uuid4().hex[:8]}"
    subject = f"Statement ready {message_id}"
    event = BrokerMessageIssued(
        message_id=message_id, message_type="statement_available", subject=subject,
        template="Dear {client_name},\n\nYour statement for {period} is ready.",
        variables={a: {"period": "February 2026"} for a in accounts},
        recipient_accounts=accounts, channels=[Channel.MESSAGE_CENTER],
    )  # fmt: skip
    asyncio.run(publish(stack.bootstrap_servers, topics.BROKER_MESSAGES.name, event,
                        master=MASTER.master_account_id))  # fmt: skip
    path = f"/api/v1/broker-messages/{message_id}"

    def delivered() -> dict[str, Any] | None:
        response = client.get(path)
        if response.status_code != 200:
            return None
        found: dict[str, Any] = response.json()
        return found if found["statuses"].get("delivered", 0) == 2 else None

    detail = eventually(delivered, within=60)
    assert sorted(r["account_number"] for r in detail["recipients"]) == sorted(accounts)
    assert "period" in detail["variable_names"] and detail["recipient_count"] == 2
    listed = _ok(client.get("/api/v1/broker-messages"))["items"]
    assert message_id in {item["id"] for item in listed}
    shown = _ok(client.get(f"{path}/recipients/{accounts[0]}/rendered", params={"channel": "W"}))
    assert "February 2026" in shown["text"] and recipients[0]["first_name"] in shown["text"]
    inbox = _ok(client.get(f"/api/v1/contacts/{recipients[0]['contact_id']}/message-center"))
    assert subject in {item["subject"] for item in inbox["items"]}

    emailed = client.post(f"{path}/email-me")
    assert emailed.status_code in (200, 422), emailed.text  # 422: the demo user has no email
    if emailed.status_code == 200:
        found = captured_mail(stack.mail_dir, MASTER.master_account_id)
        assert any(subject in mail.subject for mail in found)
    inquiry = _ok(client.post(f"{path}/inquiries", json={"text": "Why now?"}), 201)
    assert _ok(client.get(f"{path}/inquiries"))[0]["id"] == inquiry["id"]
    assert client.post(f"{path}/inquiries", json={"text": "x" * 2001}).status_code == 422
    answer = BrokerInquiryAnswered(inquiry_id=inquiry["id"], message_id=message_id,
                                   master_account_id=MASTER.master_account_id,
                                   answer="A quarterly rule.", answered_at=datetime.now(UTC))  # fmt: skip
    asyncio.run(publish(stack.bootstrap_servers, topics.BROKER_MESSAGES.name, answer,
                        master=MASTER.master_account_id))  # fmt: skip

    def answered() -> dict[str, Any] | None:
        found: dict[str, Any] = _ok(client.get(f"{path}/inquiries"))[0]
        return found if found["status"] == "answered" else None

    assert eventually(answered, within=30)["answer"] == "A quarterly rule."
    closed = _ok(client.post(f"{path}/inquiries/{inquiry['id']}/close"))
    assert closed["status"] == "closed"
    assert client.post(f"{path}/inquiries/{inquiry['id']}/close").status_code == 404

    portal = httpx.Client(base_url=stack.portal_url, timeout=15, follow_redirects=False)
    portal.post("/login", data={"username": demo_user(), "password": DEMO_PASSWORD})
    page = portal.get(f"/messages/broker/{message_id}")
    assert page.status_code == 200 and subject in page.text

    _ok(client.delete(path), 204)
    assert client.get(path).status_code == 404
    assert message_id not in {i["id"] for i in _ok(client.get("/api/v1/broker-messages"))["items"]}

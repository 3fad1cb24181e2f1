"""The Full Service program (C12) through the whole stack, as a client of /api/v1: a client not
enrolled is refused; the signed form recorded and accepted enrols them; a deposit is answered by
the simulated back office (accepted, then processed); a withdrawal above the account's cash is
held until a user holding only the Funding Authorizer right confirms it, then rejected by the
back office with its reason; a retried submit is one request."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from contracts.access import ClientScope, Right
from deploy.demo import DEMO_MASTERS, username_of
from deploy.stack import Stack
from gateway.admin import create_user
from tests.conftest import DEMO_PASSWORD
from tests.e2e.test_portal_api import eventually, login

pytestmark = pytest.mark.e2e

MASTER = DEMO_MASTERS[1]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json() if response.content else None


def _open_clients(api: httpx.Client) -> list[dict[str, Any]]:
    def found() -> list[dict[str, Any]]:
        page = _ok(api.get("/api/v1/contacts", params={"kind": "client", "page_size": 50}))
        return [item for item in page["items"]
                if not item["closed"] and item["account_number"] and item["status"] == "open"]  # fmt: skip

    return eventually(lambda: len(found()) >= 2 and found(), within=60)  # type: ignore[no-any-return]


def _status(api: httpx.Client, contact: str, request_id: str, wanted: str) -> dict[str, Any]:
    def shown() -> dict[str, Any] | None:
        requests = _ok(api.get(f"/api/v1/contacts/{contact}/full-service"))["requests"]
        mine = next(r for r in requests if r["id"] == request_id)
        return mine if mine["status"] == wanted else None

    return eventually(shown, within=60)  # type: ignore[no-any-return]


def test_requests_for_an_enrolled_client_are_tracked_and_withdrawals_confirmed(
    stack: Stack,
) -> None:
    api = login(stack, username_of(MASTER))
    first, second = _open_clients(api)[:2]
    contact, base = first["id"], f"/api/v1/contacts/{first['id']}/full-service"
    deposit = {"instruction": {"kind": "deposit", "amount": "100.00"}}
    refused = api.post(f"{base}/requests", json=deposit, headers={"Idempotency-Key": "x-1"})
    assert refused.status_code == 409 and "not enrolled" in refused.text

    files = {"file": ("slpoa.pdf", PDF, "application/pdf")}
    assert _ok(api.post(f"{base}/form", files=files), 201)["status"] == "pending"
    assert _ok(api.post(f"{base}/decision", json={"accept": True}))["status"] == "enrolled"

    key = {"Idempotency-Key": str(uuid.uuid4())}
    made = _ok(api.post(f"{base}/requests", json=deposit, headers=key), 201)
    assert _ok(api.post(f"{base}/requests", json=deposit, headers=key))["id"] == made["id"]
    _status(api, contact, made["id"], "processed")  # the simulated back office answered

    huge = {"instruction": {"kind": "withdrawal", "amount": "90000000000"}}
    held = _ok(api.post(f"{base}/requests", json=huge, headers={"Idempotency-Key": str(uuid.uuid4())}), 201)  # fmt: skip
    assert held["status"] == "awaiting_confirmation"

    username = f"funding-{uuid.uuid4().hex[:6]}"
    assert asyncio.run(create_user(
        stack.database_url("gateway"), master_account_id=MASTER.master_account_id,
        master_name=MASTER.name, username=username, display_name="Fay Funding",
        password=DEMO_PASSWORD, is_primary=False, rights=frozenset({Right.FUNDING_AUTHORIZER}),
        scope=ClientScope.everything(),
    ))  # fmt: skip
    authorizer = login(stack, username)
    assert authorizer.get(base).status_code == 403  # no Account Information right
    waiting = _ok(authorizer.get("/api/v1/full-service/confirmations"))["items"]
    assert held["id"] in {item["request"]["id"] for item in waiting}
    transfer = {"instruction": {"kind": "internal_transfer", "amount": "1",
                                "to_account": second["account_number"]}}  # fmt: skip
    assert authorizer.post(f"{base}/requests", json=transfer,
                           headers={"Idempotency-Key": "x-2"}).status_code == 403  # fmt: skip
    confirmed = _ok(authorizer.post(f"/api/v1/full-service/requests/{held['id']}/confirmation"))
    assert confirmed["status"] == "sent" and confirmed["confirmed_at"]

    rejected = _status(api, contact, held["id"], "rejected")
    assert rejected["reason"].startswith("insufficient available cash")
    assert rejected["confirmed_by"] == confirmed["confirmed_by"]

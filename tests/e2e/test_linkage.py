"""Account linkage and security devices through the whole stack (issue 11), as a client of
/api/v1: a client the back office reports with two accounts becomes eligible, the wizard's
refusals (lower-level device kept, addresses not reconciled) and its confirmation for the next
Friday; a lost device's charge and temporary code; the right and the client scope."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from contracts import topics
from contracts.access import ClientScope, Right
from contracts.account_profiles import (
    AccountProfileReported,
    BankingInstruction,
    ResidentialAddress,
    SecurityDeviceIssued,
)
from contracts.accounts import AccountOpened, AccountType
from deploy.demo import DEMO_MASTERS, demo_user
from deploy.stack import Stack
from gateway.admin import create_user
from tests.conftest import DEMO_PASSWORD, OTHER_USER
from tests.e2e.test_portal_api import eventually, login
from tests.integration.conftest import publish

pytestmark = pytest.mark.e2e

MASTER = DEMO_MASTERS[0]


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json() if response.content else None


def seed_client(stack: Stack, master: str = MASTER.master_account_id) -> tuple[str, list[str]]:
    """A client the back office reports with two open accounts: the first holds an Alpine
    device and lives on Main St, the second a Gold one on Elm St."""
    holder = f"HX{uuid.uuid4().hex[:8].upper()}"
    base = uuid.uuid4().int % 10**7
    accounts = [f"U{base:07d}", f"U{(base + 1) % 10**7:07d}"]

    async def send() -> None:
        for i, (account, kind, street) in enumerate(zip(
                accounts, ("alpine", "gold"), ("1 Main St", "9 Elm St"), strict=True)):  # fmt: skip
            events = [
                AccountOpened(account_number=account, account_type=AccountType.INDIVIDUAL,
                              opened_on=date(2026, 1, 5)),
                AccountProfileReported(
                    account_number=account, holder_id=holder, username=f"linda{i}{base}",
                    first_name="Linda", last_name="Linker", email="linda@example.com",
                    residential_address=ResidentialAddress(street=street, city="Boston",
                                                           country="US"),
                    banking_instructions=[BankingInstruction(
                        instruction_id=f"BI-{account}", method="ach", bank_name="Chase",
                        account_ending="4321")], version=1),
                SecurityDeviceIssued(account_number=account, device_kind=kind,
                                     serial_number=f"SN{account[1:]}", issued_on=date(2026, 1, 6)),
            ]  # fmt: skip
            await publish(stack.bootstrap_servers, topics.ACCOUNT_LIFECYCLE.name, events[0],
                          master=master)  # fmt: skip
            for event in events[1:]:
                await publish(stack.bootstrap_servers, topics.ACCOUNT_PROFILES.name, event,
                              master=master)  # fmt: skip

    asyncio.run(send())
    return holder, accounts


def eligible(client: httpx.Client, holder: str) -> Any:
    return eventually(lambda: next((c for c in _ok(client.get("/api/v1/linkage/eligible-clients"))
                                    ["items"] if c["holder_id"] == holder), None), within=60)  # fmt: skip


def test_the_wizard_refuses_then_confirms_for_friday(stack: Stack) -> None:
    client = login(stack, demo_user())
    holder, accounts = seed_client(stack)
    assert eligible(client, holder)["accounts"] == accounts
    started = _ok(client.post("/api/v1/linkage/requests", json={"holder_id": holder}), 201)
    base = f"/api/v1/linkage/requests/{started['id']}"
    lower = client.put(f"{base}/accounts", json={"accounts": accounts,
                                                 "surviving_account": accounts[1]})  # fmt: skip
    assert lower.status_code == 422 and "highest-level" in lower.text
    _ok(client.put(f"{base}/accounts", json={"accounts": accounts,
                                             "surviving_account": accounts[0]}))  # fmt: skip
    unreconciled = client.put(f"{base}/reconciliation", json={"choices": {}})
    assert unreconciled.status_code == 422 and "Residential address" in unreconciled.text
    assert client.post(f"{base}/confirm").status_code == 409
    _ok(client.put(f"{base}/reconciliation",
                   json={"choices": {"residential_address": accounts[1]}}))  # fmt: skip
    _ok(client.put(f"{base}/banking", json={"instruction_ids": [f"BI-{accounts[0]}"]}))
    confirmed = _ok(client.post(f"{base}/confirm"))
    execute_after = datetime.fromisoformat(confirmed["execute_after"])
    assert confirmed["status"] == "confirmed" and execute_after > datetime.now(UTC)
    local = execute_after.astimezone(__import__("zoneinfo").ZoneInfo(MASTER.time_zone))
    assert local.weekday() == 4  # a Friday, in the master's zone
    listed = _ok(client.get("/api/v1/linkage/requests"))["items"]
    assert started["id"] in {item["id"] for item in listed}
    assert _ok(client.post(f"{base}/cancel"))["status"] == "cancelled"

    # another master's user sees none of it
    other = login(stack, OTHER_USER)
    assert other.get(base).status_code == 404
    assert other.get(f"/api/v1/accounts/{accounts[0]}/devices").status_code == 404


def test_a_lost_device_is_charged_and_a_temporary_code_lets_the_client_in(stack: Stack) -> None:
    client = login(stack, demo_user())
    holder, accounts = seed_client(stack)
    eligible(client, holder)
    devices = eventually(lambda: _ok(client.get(f"/api/v1/accounts/{accounts[1]}/devices"))
                         ["devices"], within=30)  # fmt: skip
    gold = devices[0]
    issued = _ok(client.post(f"/api/v1/accounts/{accounts[1]}/devices/{gold['id']}/report",
                             json={"what": "damaged"}), 201)  # fmt: skip
    after = _ok(client.get(f"/api/v1/accounts/{accounts[1]}/devices"))["devices"][0]
    assert (after["status"], after["charge_usd"]) == ("damaged", "100.00")
    check = f"/api/v1/accounts/{accounts[1]}/temporary-codes/check"
    assert _ok(client.post(check, json={"code": issued["code"]}))["access"] == "full"
    assert client.post(check, json={"code": "NOTTHECODE"}).status_code == 422
    assert client.post(check, json={"code": "\x00" * 5}).status_code == 422


def test_linkage_needs_its_right_and_keeps_to_the_scope(stack: Stack) -> None:
    holder, accounts = seed_client(stack)
    eligible(login(stack, demo_user()), holder)
    users = {}
    for label, rights, scope in [
        ("no-right", frozenset({Right.CRM}), ClientScope.everything()),
        ("scoped", frozenset({Right.ACCOUNT_LINKAGE}),
         ClientScope(all_clients=False, account_numbers=frozenset({accounts[0]}))),
    ]:  # fmt: skip
        username = f"{label}-{uuid.uuid4().hex[:6]}"
        assert asyncio.run(create_user(
            stack.database_url("gateway"), master_account_id=MASTER.master_account_id,
            master_name=MASTER.name, username=username, display_name=label,
            password=DEMO_PASSWORD, is_primary=False, rights=rights, scope=scope))  # fmt: skip
        users[label] = login(stack, username)
    assert users["no-right"].get("/api/v1/linkage/eligible-clients").status_code == 403
    assert users["no-right"].get(f"/api/v1/accounts/{accounts[0]}/devices").status_code == 403
    scoped = users["scoped"]
    assert holder not in {c["holder_id"] for c in
                          _ok(scoped.get("/api/v1/linkage/eligible-clients"))["items"]}  # fmt: skip
    assert scoped.post("/api/v1/linkage/requests", json={"holder_id": holder}).status_code == 404
    assert _ok(scoped.get(f"/api/v1/accounts/{accounts[0]}/devices"))["devices"]
    assert scoped.get(f"/api/v1/accounts/{accounts[1]}/devices").status_code == 404

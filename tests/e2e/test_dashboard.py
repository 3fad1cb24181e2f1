"""The dashboard, transaction history, client data queries and timeline (A1-A3, X6) through the
gateway on the whole stack, fed by the simulated back office: the primary user sees every panel;
a scoped user with Account Information only sees their accounts' items and no AUM or master
balance; an election on a voluntary corporate action is accepted once, for an account in reach."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from contracts.access import ClientScope, Right
from deploy.demo import DEMO_MASTERS, demo_user
from deploy.stack import Stack
from gateway.admin import create_user
from tests.conftest import DEMO_PASSWORD
from tests.e2e.test_portal_api import login

pytestmark = pytest.mark.e2e

MASTER = DEMO_MASTERS[0]


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _eventually(check: Any, seconds: float = 120) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(2)


def test_the_dashboard_and_history_for_the_primary_and_a_scoped_user(stack: Stack) -> None:
    api = login(stack, demo_user())
    try:
        items = _eventually(lambda: _ok(api.get("/api/v1/transactions"))["items"])
        assert items, "the simulated back office's transactions reach the history"
        aum = _ok(api.get("/api/v1/dashboard/aum"))
        if aum["points"]:
            assert all(float(p["assets"]) > 0 for p in aum["points"])
        assert (
            _ok(api.get("/api/v1/dashboard/master-balance"))["account_number"]
            == MASTER.master_account_id
        )
        activity = _ok(
            api.get(
                "/api/v1/dashboard/recent-activity",
                params={"sort": "account_number", "order": "asc"},
            )
        )
        numbers = [i["account_number"] for i in activity["items"] if i["account_number"]]
        assert numbers == sorted(numbers)
        assert _ok(api.get("/api/v1/dashboard/messages"))["items"] is not None
        csv_text = api.get("/api/v1/transactions/export.csv", params={"type": "deposit"}).text
        assert csv_text.startswith("booked_on,") and ",withdrawal," not in csv_text
        today = date.today()
        perf = _ok(api.get("/api/v1/queries/performance", params={
            "date_from": (today - timedelta(days=60)).isoformat(), "date_to": today.isoformat(),
            "above": -100}))  # fmt: skip
        assert perf["total"] >= 1
        assert api.get("/api/v1/queries/performance", params={"date_from": "x"}).status_code == 422
        assert api.get("/api/v1/queries/transaction-count", params={
            "date_from": "2025-01-01", "date_to": "2025-02-01", "threshold": 10**30}).status_code == 422  # fmt: skip

        # a user with Account Information over one account only
        account = items[0]["account_number"]
        username = f"scoped-{uuid.uuid4().hex[:6]}"
        asyncio.run(create_user(
            stack.database_url("gateway"), master_account_id=MASTER.master_account_id,
            master_name=MASTER.name, username=username, display_name="Scoped", password=DEMO_PASSWORD,
            is_primary=False, time_zone=MASTER.time_zone, rights=frozenset({Right.ACCOUNT_INFORMATION}),
            scope=ClientScope(all_clients=False, account_numbers=frozenset({account})),
        ))  # fmt: skip
        scoped = login(stack, username)
        try:
            mine = _ok(scoped.get("/api/v1/transactions", params={"page_size": 500}))["items"]
            assert mine and {t["account_number"] for t in mine} == {account}
            pending = _ok(scoped.get("/api/v1/dashboard/pending-items"))["items"]
            assert {i["account_number"] for i in pending} <= {account}
            assert scoped.get("/api/v1/dashboard/aum").status_code == 403
            assert scoped.get("/api/v1/dashboard/master-balance").status_code == 403
            assert scoped.get("/api/v1/queries/rmd", params={"tax_year": 2026}).status_code == 403
            actions = _ok(scoped.get("/api/v1/dashboard/corporate-actions"))["items"]
            assert all(a["accounts"] == [account] for a in actions)
        finally:
            scoped.close()

        # an election on a voluntary action (the simulator announces one per master)
        voluntary = [a for a in _ok(api.get("/api/v1/dashboard/corporate-actions"))["items"]
                     if a["open_for_election"]]  # fmt: skip
        if voluntary:
            action = voluntary[0]
            path = f"/api/v1/dashboard/corporate-actions/{action['action_id']}/elections"
            _ok(
                api.post(path, json={"account_number": action["accounts"][0], "choice": "decline"}),
                201,
            )
            assert (
                api.post(path, json={"account_number": "ZZ99999", "choice": "decline"}).status_code
                == 404
            )
            shown = {
                a["action_id"]: a
                for a in _ok(api.get("/api/v1/dashboard/corporate-actions"))["items"]
            }
            assert shown[action["action_id"]]["elections"][action["accounts"][0]] == "decline"
    finally:
        api.close()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_full_service_requests_and_the_masters_own_value_reach_the_dashboard(stack: Stack) -> None:
    """The simulator values the master's own account: Master Account Balance shows it. A
    deposit requested for an enrolled client is one Pending Items entry, as it is now (the
    simulated back office accepts then processes it), and its changes are on the client's
    timeline under Full Service."""
    api = login(stack, demo_user())
    try:
        balance = _eventually(
            lambda: _ok(api.get("/api/v1/dashboard/master-balance"))["net_asset_value"]
        )
        assert balance and float(balance) > 0, "the master's own account has a value"
        clients = _eventually(lambda: [c for c in _ok(api.get(
            "/api/v1/contacts", params={"kind": "client", "page_size": 50}))["items"]
            if c["account_number"] and c["status"] == "open" and not c["closed"]])  # fmt: skip
        client = clients[-1]
        base = f"/api/v1/contacts/{client['id']}/full-service"
        if _ok(api.get(base))["enrolment"] is None:
            _ok(api.post(f"{base}/form", files={"file": ("slpoa.pdf", PDF, "application/pdf")}),
                201)  # fmt: skip
            _ok(api.post(f"{base}/decision", json={"accept": True}))
        deposit = {"instruction": {"kind": "deposit", "amount": "250.00"}}
        made = _ok(api.post(f"{base}/requests", json=deposit,
                            headers={"Idempotency-Key": str(uuid.uuid4())}), 201)  # fmt: skip

        def settled() -> list[dict[str, Any]]:
            items = _ok(api.get("/api/v1/dashboard/pending-items", params={
                "item_type": "funding", "account": client["account_number"]}))["items"]  # fmt: skip
            mine = [i for i in items if i["description"].startswith("Full Service: Deposit")]
            return mine if mine and mine[0]["status"] == "processed" else []

        mine = _eventually(settled)
        assert len(mine) >= 1 and mine[0]["status"] == "processed", "the request, as it is now"
        timeline = _ok(api.get(f"/api/v1/contacts/{client['id']}/timeline",
                               params={"category": "full_service"}))  # fmt: skip
        summaries = [e["summary"] for e in timeline["items"]]
        assert any("processed" in s for s in summaries), summaries
        assert {e["category"] for e in timeline["items"]} == {"full_service"}
        assert made["id"]
    finally:
        api.close()

"""Message staging through the whole stack (issue 10), as a client of /api/v1, for the Sakura
demo master (Asia/Tokyo; the other demo masters' books stay unstaged): the election waits for
the next local midnight; once in effect, a review-flagged broker message that arrived two days
ago is delivered at its deadline by staging's own job — exactly once per recipient and channel —
after the users were told its deadline; a fresh one is held, shown as each account would receive
it, always-rejected (a late second decision is refused), and the next of its type is rejected
unseen; a user without the staging right is refused.

A real midnight cannot be waited for here: the test moves the election's cut-over into the past
in staging's database (the cut-over itself is tested with a frozen clock in the unit and
integration tests), and dates the first message's envelope two days back."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from contracts import topics
from contracts.access import Right
from contracts.accounts import BrokerMessageIssued, Channel
from contracts.envelope import Envelope
from deploy.demo import DEMO_MASTERS, username_of
from deploy.stack import Stack
from gateway.admin import create_user
from tests.conftest import DEMO_PASSWORD
from tests.e2e.test_portal_api import eventually, login
from tests.integration.conftest import publish

pytestmark = pytest.mark.e2e

SAKURA = next(m for m in DEMO_MASTERS if m.time_zone == "Asia/Tokyo")


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json() if response.content else None


async def _sql(stack: Stack, query: str, *args: Any) -> None:
    url = stack.database_url("staging").replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(query, *args)
    finally:
        await connection.close()


def _cutover_passed(stack: Stack) -> None:
    """As if the cut-over of the master's elections had come ten days ago."""
    asyncio.run(_sql(stack, "UPDATE elections SET effective_at = now() - interval '10 days' "
                     "WHERE master_account_id = $1", SAKURA.master_account_id))  # fmt: skip


def _issue(stack: Stack, accounts: list[str], *, message_type: str, at: datetime) -> str:
    message_id = f"BM-STG-{uuid.uuid4().hex[:8]}"
    event = BrokerMessageIssued(
        message_id=message_id, message_type=message_type, subject=f"Review {message_id}",
        template="Dear {client_name},\n\nNew commissions from {effective_date}.",
        variables={a: {"effective_date": "2026-04-01"} for a in accounts},
        recipient_accounts=accounts, channels=[Channel.MESSAGE_CENTER, Channel.EMAIL],
        review_required=True,
    )  # fmt: skip
    envelope = Envelope.wrap(event, master_account_id=SAKURA.master_account_id, occurred_at=at)
    asyncio.run(publish(stack.bootstrap_servers, topics.BROKER_MESSAGES.name, event,
                        envelope=envelope))  # fmt: skip
    return message_id


def test_staging_holds_releases_at_the_deadline_once_and_rejects(stack: Stack) -> None:
    client = login(stack, username_of(SAKURA))

    def zone_known() -> dict[str, Any] | None:
        found: dict[str, Any] = _ok(client.get("/api/v1/staging/election"))
        return found if found["time_zone"] == "Asia/Tokyo" else None

    status = eventually(zone_known, within=60)
    enabled = _ok(client.put("/api/v1/staging/election", json={"enabled": True}))
    if status["enabled_now"] and enabled["pending"] is None:
        pass  # a previous run left it enabled
    else:
        effective = datetime.fromisoformat(enabled["pending"]["effective_at"])
        assert effective > datetime.now(UTC)
        local = effective.astimezone(ZoneInfo("Asia/Tokyo"))
        assert (local.hour, local.minute) == (0, 0) and not enabled["enabled_now"]
    _cutover_passed(stack)
    assert _ok(client.get("/api/v1/staging/election"))["enabled_now"]

    def recipients() -> list[str]:
        items = _ok(client.get("/api/v1/recipients", params={"page_size": 50}))["items"]
        return [i["account_number"] for i in items][:2] if len(items) >= 2 else []

    accounts = eventually(recipients, within=90)
    now = datetime.now(UTC)
    overdue = _issue(stack, accounts, message_type=f"notice_{uuid.uuid4().hex[:6]}",
                     at=now - timedelta(days=2, minutes=5))  # fmt: skip

    def delivered() -> dict[str, Any] | None:
        response = client.get(f"/api/v1/broker-messages/{overdue}")
        found: dict[str, Any] | None = response.json() if response.status_code == 200 else None
        done = found and sum(found["statuses"].get(s, 0) for s in ("sent", "delivered")) >= 4
        return found if done else None

    copy = eventually(delivered, within=90)
    hold = _ok(client.get(f"/api/v1/staging/holds/{overdue}"))
    assert (hold["status"], hold["release_reason"]) == ("released", "deadline")
    assert [h["action"] for h in hold["history"]] == ["held", "deadline"]
    deadline = datetime.fromisoformat(hold["deadline"]).astimezone(ZoneInfo("Asia/Tokyo"))
    notices = _ok(client.get("/api/v1/notices"))["items"]
    assert any(overdue in n["subject"] and deadline.strftime("%Y-%m-%d %H:%M") in n["body"]
               for n in notices)  # fmt: skip
    assert sum(copy["statuses"].values()) == 4  # two recipients x two channels, once each

    fresh_type = f"fee_{uuid.uuid4().hex[:6]}"
    held = _issue(stack, accounts, message_type=fresh_type, at=datetime.now(UTC))
    hold = eventually(lambda: (r := client.get(f"/api/v1/staging/holds/{held}")).status_code == 200
                      and r.json(), within=60)  # fmt: skip
    assert hold["status"] == "held" and hold["recipient_count"] == 2
    assert sorted(r["account_number"] for r in hold["recipients"]) == sorted(accounts)
    assert held in {h["id"] for h in _ok(client.get("/api/v1/staging/holds",
                                                    params={"status": "held"}))["items"]}  # fmt: skip
    shown = eventually(lambda: (r := client.get(
        f"/api/v1/broker-messages/{held}/recipients/{accounts[0]}/rendered",
        params={"channel": "E"})).status_code == 200 and r.json(), within=60)  # fmt: skip
    assert "2026-04-01" in shown["text"]
    rejected = _ok(client.post(f"/api/v1/staging/holds/{held}/decision",
                               json={"decision": "always_reject"}))  # fmt: skip
    assert rejected["status"] == "rejected" and rejected["decided_by_user_id"]
    late = client.post(f"/api/v1/staging/holds/{held}/decision", json={"decision": "send_as_is"})
    assert late.status_code == 409 and "rejected" in late.json()["detail"]
    assert fresh_type in {
        r["message_type"] for r in _ok(client.get("/api/v1/staging/always-reject"))
    }

    unseen = _issue(stack, accounts, message_type=fresh_type, at=datetime.now(UTC))
    auto = eventually(lambda: (r := client.get(f"/api/v1/staging/holds/{unseen}")).status_code == 200
                      and r.json(), within=60)  # fmt: skip
    assert (auto["status"], auto["reject_reason"], auto["decided_by_user_id"]) == (
        "rejected", "always_reject", None)  # fmt: skip

    username = f"nostage-{uuid.uuid4().hex[:6]}"
    asyncio.run(create_user(stack.database_url("gateway"), master_account_id=SAKURA.master_account_id,
                            master_name=SAKURA.name, username=username, display_name="No Stage",
                            password=DEMO_PASSWORD, is_primary=False,
                            rights=frozenset({Right.COMMUNICATION_CENTER})))  # fmt: skip
    outsider = login(stack, username)
    assert outsider.get("/api/v1/staging/holds").status_code == 403
    assert outsider.post(f"/api/v1/staging/holds/{held}/decision",
                         json={"decision": "send_as_is"}).status_code == 403  # fmt: skip

    _ok(client.delete(f"/api/v1/staging/always-reject/{fresh_type}"), 204)
    _ok(client.put("/api/v1/staging/election", json={"enabled": False}))
    _cutover_passed(stack)  # the other tests find Sakura unstaged again
    assert not _ok(client.get("/api/v1/staging/election"))["enabled_now"]

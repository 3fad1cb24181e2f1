"""Login hardening through the running gateway (G3): an attacker's address is throttled while
the user logs in from theirs; recovery codes; the user's sessions; the audit log and its CSV;
security headers. Each client connects from an address of its own on the loopback network
(127.x.y.z), as clients behind no proxy would."""

from __future__ import annotations

import csv
import io
import random
import re
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pyotp
import pytest

from deploy.stack import Stack
from gateway.security_headers import PORTAL_POLICY
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def new_address() -> str:
    """A loopback address no other test uses (the gateway's throttle remembers addresses)."""
    return f"127.{random.randint(1, 254)}.{random.randint(0, 254)}.{random.randint(2, 254)}"


def from_address(stack: Stack, address: str | None = None) -> httpx.Client:
    """A client whose connections come from ``address`` (a new loopback one by default)."""
    transport = httpx.HTTPTransport(local_address=address or new_address())
    return httpx.Client(base_url=stack.portal_url, timeout=15, transport=transport)


def credentials(username: str, password: str = DEMO_PASSWORD, **more: str) -> dict[str, str]:
    return {"username": username, "password": password, **more}


def logged_in(client: httpx.Client, username: str, **more: str) -> httpx.Client:
    response = client.post("/api/v1/auth/login", json=credentials(username, **more))
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return client


def audit_entries(client: httpx.Client, **filters: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/audit-log", params={"page_size": 500, **filters})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_an_attacker_hammering_a_username_does_not_stop_its_user(
    stack: Stack, newcomer: str
) -> None:
    attacker_address = new_address()
    attacker, user = from_address(stack, attacker_address), from_address(stack)
    for _ in range(5):
        wrong = attacker.post("/api/v1/auth/login", json=credentials(newcomer, "guess-guess!"))
        assert wrong.status_code == 401
    throttled = attacker.post("/api/v1/auth/login", json=credentials(newcomer))
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["Retry-After"]) <= 30
    page = attacker.post("/login", data={"username": newcomer, "password": DEMO_PASSWORD})
    assert page.status_code == 429 and int(page.headers["Retry-After"]) > 0
    assert "Too many failed attempts" in page.text

    logged_in(user, newcomer)  # the right password from the user's own address
    assert user.get("/api/v1/auth/me").json()["username"] == newcomer
    portal = from_address(stack)
    assert portal.post("/login", data=credentials(newcomer)).status_code == 303

    entries = audit_entries(user, actor=newcomer)
    failed = [e for e in entries if e["action"] == "login.failed"]
    assert len(failed) == 5 and {e["client_ip"] for e in failed} == {attacker_address}
    assert [e["client_ip"] for e in entries if e["action"] == "login.throttled"] == [
        attacker_address
    ]
    assert len([e for e in entries if e["action"] == "login.succeeded"]) == 2
    assert not any("guess" in str(entry) for entry in entries)  # no password is ever recorded


def test_recovery_codes_log_in_once(stack: Stack, newcomer: str) -> None:
    client = logged_in(from_address(stack), newcomer)
    secret = client.post("/api/v1/auth/two-factor/setup").json()["secret"]
    app = pyotp.TOTP(secret)
    enabled = client.post("/api/v1/auth/two-factor/enable", json={"code": app.now()})
    assert enabled.status_code == 200, enabled.text
    codes = enabled.json()["recovery_codes"]
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)

    api = from_address(stack)
    assert (
        api.post(
            "/api/v1/auth/login", json=credentials(newcomer, recovery_code=codes[0])
        ).status_code
        == 200
    )
    replayed = api.post("/api/v1/auth/login", json=credentials(newcomer, recovery_code=codes[0]))
    assert (replayed.status_code, replayed.json()["detail"]) == (401, "wrong two-factor code")

    browser = from_address(stack)
    second_step = browser.post("/login", data=credentials(newcomer))
    assert second_step.status_code == 200 and "Use a recovery code" in second_step.text
    pending = re.search(r'name="pending" value="([^"]+)"', second_step.text)
    assert pending
    form = {"pending": pending.group(1), "recovery_code": codes[1].upper().replace("-", " ")}
    assert browser.post("/login/two-factor", data=form).status_code == 303
    again = from_address(stack).post("/login/two-factor", data=form)
    assert again.status_code == 401 and "Wrong recovery code" in again.text

    fresh = client.post("/api/v1/auth/two-factor/recovery-codes",
                        json={"code": app.at(time.time() + 30)})  # fmt: skip
    assert fresh.status_code == 200, fresh.text
    assert set(fresh.json()["recovery_codes"]).isdisjoint(codes)
    stale = from_address(stack).post(
        "/api/v1/auth/login", json=credentials(newcomer, recovery_code=codes[2])
    )
    assert stale.status_code == 401

    used = [e for e in audit_entries(client) if e["action"] == "two_factor.recovery_code_used"]
    assert [e["details"] for e in used] == [{"codes_left": 8}, {"codes_left": 9}]  # newest first


def test_the_user_lists_and_ends_their_own_sessions(stack: Stack, newcomer: str) -> None:
    here, there = logged_in(from_address(stack), newcomer), logged_in(from_address(stack), newcomer)
    listed = here.get("/api/v1/auth/sessions")
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
    sessions = listed.json()
    assert len(sessions) == 2 and [s["current"] for s in sessions].count(True) == 1
    other = next(s["id"] for s in sessions if not s["current"])
    assert here.delete(f"/api/v1/auth/sessions/{other}").status_code == 204
    assert there.get("/api/v1/auth/me").status_code == 401
    assert here.delete(f"/api/v1/auth/sessions/{other}").status_code == 404
    assert [s["current"] for s in here.get("/api/v1/auth/sessions").json()] == [True]
    ended = [e for e in audit_entries(here) if e["action"] == "session.ended"]
    assert [e["target"] for e in ended] == [other]

    browser = from_address(stack)
    assert browser.post("/login", data=credentials(newcomer)).status_code == 303
    page = browser.get("/settings")
    assert page.status_code == 200 and "(this session)" in page.text
    assert page.text.count('action="/settings/sessions/') == 2
    assert browser.post("/logout").status_code == 303
    assert any(e["action"] == "session.logout" for e in audit_entries(here))


def test_exports_are_audited_and_the_log_is_read_and_exported(stack: Stack, newcomer: str) -> None:
    client = logged_in(from_address(stack), newcomer)
    assert client.get("/api/v1/contacts/export/summary.csv").status_code == 200
    [export] = audit_entries(client, action="data.export")
    assert export["details"]["kind"] == "contacts.summary.csv"
    assert export["details"]["rows"]["all_clients"] is True
    assert export["actor_username"] == newcomer

    today = datetime.now(UTC).date().isoformat()
    page = client.get("/api/v1/audit-log", params={"from": today, "to": today, "page_size": 1})
    assert page.status_code == 200 and page.json()["total"] >= 2 and len(page.json()["items"]) == 1
    assert client.get("/api/v1/audit-log", params={"action": "nonsense"}).status_code == 422

    exported = client.get("/api/v1/audit-log.csv", params={"action": "login.succeeded"})
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["at", "action", "actor", "target", "client_ip", "details"]
    assert {row[1] for row in rows[1:]} == {"login.succeeded"}
    kinds = [e["details"]["kind"] for e in audit_entries(client, action="data.export")]
    assert kinds == ["audit-log.csv", "contacts.summary.csv"]

    browser = from_address(stack)
    assert browser.post("/login", data=credentials(newcomer)).status_code == 303
    shown = browser.get("/settings/audit-log", params={"action": "data.export"})
    assert shown.status_code == 200 and shown.text.count('data-action="data.export"') == 2
    assert 'href="/api/v1/audit-log.csv?action=data.export"' in shown.text


def test_pages_carry_a_strict_content_security_policy(stack: Stack, newcomer: str) -> None:
    browser = from_address(stack)
    login_page = browser.get("/login")
    assert login_page.headers["content-security-policy"] == PORTAL_POLICY
    assert login_page.headers["x-frame-options"] == "DENY"
    assert browser.post("/login", data=credentials(newcomer)).status_code == 303
    for path in ("/dashboard", "/contacts", "/settings", "/settings/audit-log"):
        page = browser.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-security-policy"] == PORTAL_POLICY, path
        assert not re.search(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", page.text), path
    cookie = next(c for c in browser.cookies.jar if c.name == "portal_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    docs = browser.get("/api/v1/docs")
    assert docs.status_code == 200 and "cdn.jsdelivr.net" in docs.headers["content-security-policy"]

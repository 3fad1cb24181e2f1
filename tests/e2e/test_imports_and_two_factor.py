"""Imports, exports and two-factor authentication through the gateway's public API, on the
whole running system, as a user of a master account of its own."""

from __future__ import annotations

import csv
import io
import time

import httpx
import pyotp
import pytest
from openpyxl import load_workbook

from deploy.stack import Stack
from tests.conftest import DEMO_PASSWORD, OTHER_USER
from tests.e2e.test_portal_api import login

pytestmark = pytest.mark.e2e

ROWS = "first_name,last_name,email,city\r\nAda,Lovelace,ada@example.com,London\r\n"


def upload(client: httpx.Client, name: str, content: bytes) -> httpx.Response:
    return client.post("/api/v1/contacts/import", files={"file": (name, content, "text/csv")})


def test_import_export_and_the_two_factor_gate(stack: Stack, newcomer: str) -> None:
    client = login(stack, newcomer)
    template = client.get("/api/v1/contacts/import/template.xlsx")
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(template.content)).sheetnames[0] == "Data"

    bad = upload(client, "bad.csv", b"first_name,last_name,email\r\nBad,Row,nope\r\n,Empty,\r\n")
    assert bad.status_code == 422
    assert {(p["row"], p["column"]) for p in bad.json()["detail"]} == {(2, "email"),
                                                                       (3, "first_name")}  # fmt: skip
    assert upload(client, "book.pdf", b"%PDF").status_code == 415

    rows = ROWS + "Grace,Hopper,grace@example.com,=HYPERLINK()\r\n"
    assert upload(client, "book.csv", rows.encode()).status_code == 422  # the formula
    rows = ROWS + "Grace,Hopper,grace@example.com,'=HYPERLINK()\r\n"
    imported = upload(client, "book.csv", rows.encode())
    assert imported.status_code == 201, imported.text
    assert imported.json()["added"] == 2

    summary = client.get("/api/v1/contacts/export/summary.csv")
    assert summary.status_code == 200 and "attachment" in summary.headers["content-disposition"]
    names = [row[1] for row in csv.reader(io.StringIO(summary.content.decode("utf-8-sig")))]
    assert names == ["Contact", "Grace Hopper", "Ada Lovelace"]
    other = login(stack, OTHER_USER).get("/api/v1/contacts/export/summary.csv")
    assert "Lovelace" not in other.content.decode("utf-8-sig")

    refused = client.get("/api/v1/contacts/export/client-data.xlsx")
    assert refused.status_code == 403 and "two-factor" in refused.json()["detail"]

    authenticator = turn_on_two_factor(client)
    assert client.get("/api/v1/auth/me").json()["totp_enabled"] is True

    api = httpx.Client(base_url=stack.portal_url, timeout=15)
    credentials = {"username": newcomer, "password": DEMO_PASSWORD}
    missing = api.post("/api/v1/auth/login", json=credentials)
    assert (missing.status_code, missing.json()["detail"]) == (401, "two-factor code required")
    wrong = api.post("/api/v1/auth/login", json=credentials | {"totp_code": "000000"})
    assert (wrong.status_code, wrong.json()["detail"]) == (401, "wrong two-factor code")
    next_code = authenticator.at(time.time() + 30)  # the enabling code's step is used up
    logged_in = api.post("/api/v1/auth/login", json=credentials | {"totp_code": next_code})
    assert logged_in.status_code == 200, logged_in.text
    replayed = api.post("/api/v1/auth/login", json=credentials | {"totp_code": next_code})
    assert (replayed.status_code, replayed.json()["detail"]) == (401, "wrong two-factor code")

    api.headers["Authorization"] = f"Bearer {logged_in.json()['access_token']}"
    exported = api.get("/api/v1/contacts/export/client-data.xlsx")
    assert exported.status_code == 200, exported.text
    workbook = load_workbook(io.BytesIO(exported.content), read_only=True)
    data = [row for row in workbook["Data"].iter_rows(values_only=True)]
    assert [row[:4] for row in data[1:]] == [(None, "Grace", None, "Hopper"),
                                             (None, "Ada", None, "Lovelace")]  # fmt: skip
    info = {row[0]: row[1] for row in workbook["Export"].iter_rows(values_only=True)}
    assert info["Exported by"] == "Tess Factor" and info["Contacts"] == 2

    for _ in range(4):  # with the replay: as many wrong codes as the throttle allows
        wrong = api.post("/api/v1/auth/login", json=credentials | {"totp_code": "000000"})
        assert wrong.status_code == 401
    throttled = api.post(
        "/api/v1/auth/login", json=credentials | {"totp_code": authenticator.now()}
    )
    assert throttled.status_code == 429


def test_two_factor_is_turned_off_with_a_code(stack: Stack, newcomer: str) -> None:
    client = login(stack, newcomer)
    authenticator = turn_on_two_factor(client)
    wrong = client.post("/api/v1/auth/two-factor/disable", json={"code": "000000"})
    assert wrong.status_code == 422
    assert client.get("/api/v1/auth/me").json()["totp_enabled"] is True
    next_code = authenticator.at(time.time() + 30)  # the enabling code's step is used up
    disabled = client.post("/api/v1/auth/two-factor/disable", json={"code": next_code})
    assert disabled.status_code == 200, disabled.text
    assert client.get("/api/v1/auth/two-factor").json() == {"enabled": False,
                                                             "setup_pending": False}  # fmt: skip
    assert client.get("/api/v1/contacts/export/client-data.xlsx").status_code == 403
    assert (
        client.post("/api/v1/auth/two-factor/disable", json={"code": next_code}).status_code == 409
    )
    login(stack, newcomer)  # the password alone is enough again


def turn_on_two_factor(client: httpx.Client) -> pyotp.TOTP:
    assert client.get("/api/v1/auth/two-factor").json() == {"enabled": False,
                                                             "setup_pending": False}  # fmt: skip
    setup = client.post("/api/v1/auth/two-factor/setup")
    assert setup.status_code == 200
    assert setup.json()["qr_code_svg"].startswith("<svg")
    authenticator = pyotp.TOTP(setup.json()["secret"])
    wrong = client.post("/api/v1/auth/two-factor/enable", json={"code": "123"})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"] == ["body", "code"]
    enabled = client.post("/api/v1/auth/two-factor/enable", json={"code": authenticator.now()})
    assert enabled.status_code == 200, enabled.text
    assert client.post("/api/v1/auth/two-factor/setup").status_code == 409
    return authenticator

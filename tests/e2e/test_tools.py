"""The tools (A4-A8) and fee administration (A9) through the gateway: the API for the demo
master, the portal's pages, and an ESG invitation answered on the client's public page."""

from __future__ import annotations

import re

import httpx
import pytest

from deploy.demo import demo_user
from deploy.stack import Stack
from tests.e2e.test_portal_api import eventually, login

pytestmark = pytest.mark.e2e


def test_tools_and_fees_through_the_api_and_pages(stack: Stack) -> None:
    client = login(stack, demo_user())
    fields = client.get("/api/v1/tools/segments/fields").json()["items"]
    assert len(fields) > 40

    rmd = client.post("/api/v1/tools/rmd/calculate", json={
        "account_type": "traditional_ira", "owner_birth_date": "1950-07-01",
        "prior_year_end_balance": "100000", "year": 2025, "withdrawn_to_date": "1000"})  # fmt: skip
    assert rmd.status_code == 200, rmd.text
    assert (rmd.json()["required_amount"], rmd.json()["remaining"]) == ("4065.04", "3065.04")
    assert client.post("/api/v1/tools/rmd/calculate", json={"year": 10**30}).status_code == 422

    projection = client.post("/api/v1/tools/goals/projection", json={
        "current_value": "100000", "annual_return": "0.06", "annual_volatility": "0.15",
        "years": 10, "goal_amount": "150000"}).json()  # fmt: skip
    assert abs(projection["probability"] - projection["closed_form_probability"]) < 0.03

    template = client.post("/api/v1/fees/templates", json={"name": "Tiered AUM", "kind": "aum", "tiers": [
        {"up_to": "1000000", "annual_percent": "1"}, {"up_to": None, "annual_percent": "0.5"}]})  # fmt: skip
    assert template.status_code == 201, template.text
    bad = client.post("/api/v1/fees/templates", json={"name": "x", "kind": "aum", "tiers": []})
    assert bad.status_code == 422

    # the simulator's client accounts reach the account facts
    accounts = eventually(
        lambda: client.post("/api/v1/tools/segments/query", json={}).json()["items"]
    )
    number = accounts[0]["account_number"]
    invited = client.post("/api/v1/tools/esg/invitations", json={"account_numbers": [number]})
    assert invited.status_code == 201, invited.text
    token = invited.json()["items"][0]["link_token"]
    public = httpx.Client(base_url=stack.portal_url, timeout=15)
    page = public.get(f"/esg/{token}")
    assert page.status_code == 200 and page.text.count('name="values"') == 13
    answered = public.post(f"/esg/{token}", data={"values": ["climate", "health"]})
    assert answered.status_code == 200 and "saved" in answered.text
    assert public.get(f"/esg/{token[:-2]}zz").status_code == 404
    results = client.get("/api/v1/tools/esg/results").json()
    assert {c["value"]: c["count"] for c in results["counts"]}["health"] >= 1

    # pages
    client.cookies.update(login_cookies(stack))
    for path in ("/tools", "/tools/segments", "/tools/risk", "/tools/esg", "/tools/rmd", "/fees"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
    goals = client.get("/tools/goals")
    assert (
        goals.status_code == 200
        and "<svg" in goals.text
        and re.search(r"data-probability=\"[0-9.]+\"", goals.text)
    )


def login_cookies(stack: Stack) -> httpx.Cookies:
    browser = httpx.Client(base_url=stack.portal_url, timeout=15, follow_redirects=True)
    page = browser.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    data = {"username": demo_user(), "password": "advisor-demo-2026"}
    if csrf:
        data["csrf_token"] = csrf.group(1)
    browser.post("/login", data=data)
    return browser.cookies

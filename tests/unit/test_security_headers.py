"""Security headers on every gateway response, and pages that satisfy their policy: no inline
script or style, no event-handler attribute, in any template or static script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway import app as gateway_app
from gateway.security_headers import PORTAL_POLICY, docs_policy
from gateway.settings import GatewaySettings

PAGES = Path(gateway_app.__file__).parent / "pages"
UNUSED_DATABASE = "postgresql://127.0.0.1:1/unused"


@pytest.fixture(scope="module")
def local() -> TestClient:
    # no lifespan: these requests need no database
    return TestClient(gateway_app.create_app(GatewaySettings(database_url=UNUSED_DATABASE)))


def test_a_page_carries_every_header(local: TestClient) -> None:
    response = local.get("/login")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == PORTAL_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in response.headers  # local: plain HTTP


def test_static_files_errors_and_the_api_carry_them_too(local: TestClient) -> None:
    for path in ("/static/app.js", "/api/v1/openapi.json", "/no-such-page", "/api/v1/auth/me"):
        response = local.get(path)
        assert response.headers["content-security-policy"] == PORTAL_POLICY, path
        assert response.headers["x-frame-options"] == "DENY", path


def test_authenticated_api_answers_are_not_cached(local: TestClient) -> None:
    anonymous = local.get("/api/v1/openapi.json")
    assert "no-store" not in anonymous.headers.get("cache-control", "")
    with_token = local.get("/api/v1/auth/me", headers={"Authorization": "Bearer forged.x.y"})
    assert with_token.status_code == 401
    assert with_token.headers["cache-control"] == "no-store"


def test_production_adds_strict_transport_security() -> None:
    settings = GatewaySettings(environment="production", database_url=UNUSED_DATABASE,
                               internal_token="t" * 40, portal_secret_key="k" * 40)  # fmt: skip
    response = TestClient(gateway_app.create_app(settings)).get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


def test_the_swagger_ui_may_run_its_cdn_and_exactly_its_own_inline_script(
    local: TestClient,
) -> None:
    response = local.get("/api/v1/docs")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in policy and "'sha256-" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert policy == docs_policy(response.content)
    assert "frame-ancestors 'none'" in policy
    assert local.get("/login").headers["content-security-policy"] == PORTAL_POLICY


INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "inline style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event-handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


@pytest.mark.parametrize("template", sorted(PAGES.glob("templates/*.html")), ids=lambda p: p.name)
def test_no_template_needs_an_inline_script_or_style(template: Path) -> None:
    text = template.read_text()
    found = [kind for kind, pattern in INLINE.items() if pattern.search(text)]
    assert not found, f"{template.name}: {found}"


@pytest.mark.parametrize("script", sorted(PAGES.glob("static/*.js")), ids=lambda p: p.name)
def test_no_static_script_writes_inline_styles_or_evaluates_text(script: Path) -> None:
    text = script.read_text()
    for pattern in (r"\.style\s*=", r"setAttribute\(\s*['\"]style", r"\beval\(", r"new Function\(",
                    r"setTimeout\(\s*['\"]", r"\.innerHTML\s*=\s*[^'\"]*<script"):  # fmt: skip
        assert not re.search(pattern, text), f"{script.name}: {pattern}"

"""The gateway counts a service healthy only when that very service answers at its address."""

from __future__ import annotations

import httpx
import pytest

from gateway.clients.http import ServiceClient


def _client_answered_by(body: dict[str, object], status: int = 200) -> ServiceClient:
    client = ServiceClient("contacts", "http://contacts", internal_token="t", timeout=1)
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json=body))
    client._http = httpx.AsyncClient(base_url="http://contacts", transport=transport)
    return client


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"status": "ok", "service": "contacts"}, 200, "ok"),
        ({"status": "ok", "service": "linkage"}, 200, "down: linkage answers at this address"),
        ({"status": "ok"}, 200, "down: another server answers at this address"),
        ({"status": "down", "service": "contacts"}, 503, "down: HTTP 503"),
    ],
)
async def test_health_names_who_answered(
    body: dict[str, object], status: int, expected: str
) -> None:
    assert await _client_answered_by(body, status).health() == expected

"""Every route of the gateway, API and pages, declares who may call it: a route added without an
access rule fails here, before it can serve anyone."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from fastapi.routing import RouteContext, iter_route_contexts

from contracts.access import Access, ClientScope, Right
from gateway import app as gateway_app
from gateway.auth.rights import AccessRule, rules_of
from gateway.settings import GatewaySettings
from gateway.store.users import User

APP = gateway_app.create_app(GatewaySettings(database_url="postgresql://127.0.0.1:1/unused"))


def _routes() -> list[Any]:
    """Every route with an endpoint (API and pages), as served (prefixes and router rules in)."""
    contexts: list[RouteContext] = list(iter_route_contexts(APP.routes))
    return [route for route in contexts if getattr(route, "dependant", None) is not None]


ROUTES = _routes()


def _name(route: Any) -> str:
    return f"{','.join(sorted(route.methods))} {route.path}"


def test_the_routes_are_found() -> None:
    assert len(ROUTES) > 100


@pytest.mark.parametrize("route", ROUTES, ids=_name)
def test_every_route_declares_exactly_one_access_rule(route: Any) -> None:
    rules = rules_of(route.dependant)
    assert len(rules) == 1, f"{_name(route)} declares {len(rules)} access rules: {rules}"


def test_the_openapi_document_covers_only_routes_with_rules() -> None:
    documented = {
        (method.upper(), path)
        for path, operations in APP.openapi()["paths"].items()
        for method in operations
    }
    with_rules = {
        (method, route.path_format) for route in ROUTES if rules_of(route.dependant)
        for method in route.methods
    }  # fmt: skip
    assert documented
    assert documented <= with_rules


def _user(*, primary: bool = False, rights: frozenset[Right] = frozenset()) -> User:
    return User(id=uuid4(), master_account_id="M1", username="u",
                display_name="U", password_hash="x", is_primary=primary, rights=rights,
                scope=ClientScope.everything())  # fmt: skip


def test_a_rule_refuses_a_user_without_any_of_its_rights() -> None:
    rule = AccessRule(rights=(Right.ACCOUNT_INFORMATION, Right.FUNDING_AUTHORIZER))
    assert rule.refusal(_user()) is not None
    assert rule.refusal(_user(rights=frozenset({Right.CRM}))) is not None
    assert rule.refusal(_user(rights=frozenset({Right.FUNDING_AUTHORIZER}))) is None
    assert rule.refusal(_user(primary=True)) is None


def test_only_the_primary_user_passes_a_primary_rule() -> None:
    rule = AccessRule(primary_only=True)
    assert rule.refusal(_user(rights=frozenset(Right))) is not None
    assert rule.refusal(_user(primary=True)) is None


def test_access_travels_to_the_services_and_back() -> None:
    group = uuid4()
    sent = Access(
        rights=frozenset({Right.CRM}),
        scope=ClientScope(all_clients=False, account_numbers=frozenset({"U123"}),
                          group_ids=frozenset({group})),
    )  # fmt: skip
    assert Access.from_headers(sent.to_headers()) == sent
    assert Access.from_headers(Access.primary().to_headers()) == Access.primary()
    assert Access.from_headers({}) == Access()  # nothing sent: nothing granted


def test_malformed_access_headers_are_refused() -> None:
    with pytest.raises(ValueError):
        Access.from_headers({"X-User-Rights": "crm,everything"})
    with pytest.raises(ValueError):
        Access.from_headers({"X-Scope-All-Clients": "false", "X-Scope-Groups": "not-a-uuid"})


def test_the_seed_table() -> None:
    crm_only = Access(rights=frozenset({Right.CRM}))
    assert crm_only.sees_crm() and not crm_only.sees_client_records()
    assert not crm_only.sees_aum() and not crm_only.sees_pending_items()
    analyst = Access(rights=frozenset({Right.PORTFOLIO_ANALYST}))
    assert analyst.sees_aum() and not analyst.sees_master_balance()
    assert Access(
        rights=frozenset({Right.ACTIVITY_STATEMENT, Right.MASTER_ACCOUNT})
    ).sees_master_balance()
    authorizer = Access(rights=frozenset({Right.FUNDING_AUTHORIZER}))
    assert authorizer.sees_pending_items() and authorizer.confirms_withdrawals()
    assert not authorizer.sees_notifications()
    assert Access.primary().sees_client_records() and Access.primary().sees_master_balance()

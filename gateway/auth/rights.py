"""Who may call a route: each API route and page declares one access rule, checked here before
the route runs (a route test fails for a route that declares none).

- ``needs(*rights)``: a signed-in user holding one of ``rights`` (the primary user holds all);
- ``needs_primary()``: the master's primary user only (users, rights, the audit log);
- ``needs_login()``: any signed-in user (their own preferences, password and sessions);
- ``public()``: no login (the login pages, a set-password link, health).

The rights say what a user may do; which records they see is the client scope, applied by the
service that owns the records (contracts/access.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.dependencies.models import Dependant
from fastapi.params import Depends as DependsParam

from contracts.access import RIGHT_LABELS, Right
from gateway.auth.deps import AuthenticationDep, NotAuthenticated
from gateway.store.users import User

API_PREFIX = "/api/"


class LoginRequired(Exception):
    """A page was asked for without a login: the browser goes to the login page."""


class AccessDenied(HTTPException):
    def __init__(self, detail: str) -> None:
        super().__init__(status.HTTP_403_FORBIDDEN, detail)


@dataclass(frozen=True)
class AccessRule:
    rights: tuple[Right, ...] = ()
    primary_only: bool = False
    login: bool = True

    def describe(self) -> str:
        if not self.login:
            return "public"
        if self.primary_only:
            return "primary user"
        if not self.rights:
            return "signed in"
        return " or ".join(RIGHT_LABELS[right] for right in self.rights)

    def refusal(self, user: User) -> str | None:
        """Why ``user`` may not call the route, or None when they may."""
        if self.primary_only and not user.is_primary:
            return "only the primary user may do this"
        if self.rights and not user.access.has_any(*self.rights):
            return f"this needs the {self.describe()} access right"
        return None


def _rule_dependency(rule: AccessRule) -> Any:
    async def check(request: Request, found: AuthenticationDep) -> None:
        if not rule.login:
            return
        if found.user is None:
            if request.url.path.startswith(API_PREFIX):
                raise NotAuthenticated()
            raise LoginRequired
        refusal = rule.refusal(found.user)
        if refusal:
            request.state.user = found.user  # the refusal page shows the shell of this user
            raise AccessDenied(refusal)

    check.access_rule = rule  # type: ignore[attr-defined]
    return Depends(check)


def needs(*rights: Right) -> Any:
    if not rights:
        raise ValueError("name at least one right; needs_login() is for any signed-in user")
    return _rule_dependency(AccessRule(rights=rights))


def needs_primary() -> Any:
    return _rule_dependency(AccessRule(primary_only=True))


def needs_login() -> Any:
    return _rule_dependency(AccessRule())


def public() -> Any:
    return _rule_dependency(AccessRule(login=False))


def _calls(dependant: Dependant) -> Iterator[Callable[..., Awaitable[Any]] | Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def rules_of(dependant: Dependant) -> list[AccessRule]:
    """The access rules a route declares (directly, on its router, or through a dependency)."""
    return [rule for call in _calls(dependant) if (rule := getattr(call, "access_rule", None))]


def is_rule(dependency: object) -> bool:
    return isinstance(dependency, DependsParam) and hasattr(dependency.dependency, "access_rule")

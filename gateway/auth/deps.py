"""FastAPI dependencies: the current user from a bearer token or the portal's session cookie."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from http import HTTPMethod
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from gateway.auth import tokens
from gateway.auth.session_cache import SignedInCache
from gateway.deps import DatabaseDep, SettingsDep
from gateway.store import sessions
from gateway.store.sessions import SignedIn
from gateway.store.users import User

SESSION_COOKIE = "portal_session"
CSRF_COOKIE = "portal_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({HTTPMethod.GET, HTTPMethod.HEAD, HTTPMethod.OPTIONS})


class NotAuthenticated(HTTPException):
    def __init__(self, detail: str = "not authenticated") -> None:
        super().__init__(
            status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
        )


def _token_of(request: Request) -> tuple[str | None, bool]:
    """(token, came from the cookie)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), False
    return request.cookies.get(SESSION_COOKIE), True


def check_csrf(request: Request, submitted: str | None) -> None:
    """Cookie-authenticated changes must echo the CSRF cookie (double-submit)."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token")


@dataclass(frozen=True)
class Authentication:
    """The user a request's token stands for (None without a valid one), and whether the
    token came from the portal's cookie."""

    user: User | None
    from_cookie: bool


async def get_signed_in_cache(request: Request) -> SignedInCache:
    cache: SignedInCache = request.app.state.signed_in_cache
    return cache


SignedInCacheDep = Annotated[SignedInCache, Depends(get_signed_in_cache)]


async def authentication(
    request: Request, settings: SettingsDep, database: DatabaseDep, cache: SignedInCacheDep
) -> Authentication:
    """Found once per request (FastAPI caches a dependency within a request); the session is
    kept for ``signed_in``."""
    token, from_cookie = _token_of(request)
    if not token:
        return Authentication(None, from_cookie)
    # kept until the user or the session changes (gateway/auth/session_cache.py)
    found = cache.get(token)
    if found is None:
        claims = tokens.read(token, key=settings.signing_key)
        if claims is None:
            return Authentication(None, from_cookie)
        generation = cache.generation
        # one query outside a transaction (no BEGIN/ROLLBACK round trips)
        async with database.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            found = await sessions.user_of(
                connection, session_id=claims.session_id, user_id=claims.user_id
            )
        if found is None or found[0].master_account_id != claims.master_account_id:
            return Authentication(None, from_cookie)
        cache.keep(generation, token, *found, token_expires_at=claims.expires_at)
    user, request.state.signed_in = found
    return Authentication(user, from_cookie)


AuthenticationDep = Annotated[Authentication, Depends(authentication)]


def signed_in(request: Request) -> SignedIn:
    """The session of a request whose user a dependency has already found."""
    session: SignedIn = request.state.signed_in
    return session


async def optional_user(found: AuthenticationDep) -> User | None:
    """For pages: they check the CSRF token of their forms themselves."""
    return found.user


async def current_user(request: Request, found: AuthenticationDep) -> User:
    """For the API: a bearer token, or the portal's cookie plus the CSRF header on changes."""
    if found.user is None:
        raise NotAuthenticated()
    if found.from_cookie and request.method not in SAFE_METHODS:
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return found.user


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]

"""Logging in and out: a username and password (throttled), the second factor, sessions."""

from __future__ import annotations

import time
from datetime import timedelta
from uuid import UUID

import structlog
from fastapi import HTTPException, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth import tokens, totp
from gateway.auth.passwords import verify_password
from gateway.settings import GatewaySettings
from gateway.store import sessions, two_factor, users
from gateway.store.users import User
from services.runtime.db import Database, UnitOfWork

log = structlog.get_logger(__name__)


class TooManyAttempts(HTTPException):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many failed logins; try again later",
            headers={"Retry-After": str(retry_after)},
        )


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class SecondFactorRequired(HTTPException):
    """The password is right and the user has two-factor authentication on: a code is needed."""

    def __init__(self, user: User) -> None:
        super().__init__(status.HTTP_401_UNAUTHORIZED, "two-factor code required")
        self.user = user


class WrongSecondFactor(HTTPException):
    def __init__(self) -> None:
        super().__init__(status.HTTP_401_UNAUTHORIZED, "wrong two-factor code")


async def refuse_when_throttled(
    session: AsyncSession, settings: GatewaySettings, *, username: str, ip: str
) -> None:
    window = timedelta(seconds=settings.login_failure_window_seconds)
    failures = await users.recent_failures(session, username=username, window=window)
    if failures >= settings.login_failures_allowed:
        log.warning("login throttled", username=username, client_ip=ip)
        raise TooManyAttempts(settings.login_failure_window_seconds)


async def authenticate(
    database: Database,
    settings: GatewaySettings,
    *,
    username: str,
    password: str,
    ip: str,
    totp_code: str | None = None,
) -> User | None:
    """The user, or None for a wrong username or password; raises when throttled, and when
    the user has two-factor authentication on and ``totp_code`` is missing or wrong."""
    async with database.unit_of_work() as uow:
        await refuse_when_throttled(uow.session, settings, username=username, ip=ip)
        user = await users.by_username(uow.session, username)
        matches, new_hash = verify_password(password, user.password_hash if user else None)
        if matches and user and new_hash:
            await users.update_user(uow.session, user.id, password_hash=new_hash)
        if matches and user and user.totp_enabled:
            if totp_code is None:
                await uow.commit()
                raise SecondFactorRequired(user)
            await _second_factor(uow, user, totp_code, ip)
            return user
        await users.record_login(uow.session, username=username, client_ip=ip, succeeded=matches)
        await uow.commit()
    log.info("login", username=username, succeeded=matches, client_ip=ip)
    return user if matches else None


async def authenticate_second_factor(
    database: Database, settings: GatewaySettings, *, user_id: UUID, code: str, ip: str
) -> User:
    """The second step of a login whose password was right (the portal asks for it apart)."""
    async with database.unit_of_work() as uow:
        user = await users.by_id(uow.session, user_id)
        if user is None or not user.totp_enabled:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "the login expired; enter your password again"
            )
        await refuse_when_throttled(uow.session, settings, username=user.username, ip=ip)
        await _second_factor(uow, user, code, ip)
    return user


async def _second_factor(uow: UnitOfWork, user: User, code: str, ip: str) -> None:
    """Check the code (a failure counts like a wrong password) and commit; raise if wrong."""
    accepted = await accept_code(uow.session, user, code)
    await users.record_login(uow.session, username=user.username, client_ip=ip, succeeded=accepted)
    await uow.commit()
    log.info("login", username=user.username, succeeded=accepted, second_factor=True, client_ip=ip)
    if not accepted:
        raise WrongSecondFactor()


async def accept_code(session: AsyncSession, user: User, code: str) -> bool:
    """Whether the code is valid now for the user's secret, using up its step if so."""
    if not user.totp_secret:
        return False
    step = totp.matching_step(
        user.totp_secret,
        code,
        unix_time=time.time(),
        last_used_step=await two_factor.last_used_step(session, user.id),
    )
    return step is not None and await two_factor.claim_step(session, user.id, step)


async def open_session(
    database: Database, settings: GatewaySettings, user: User, *, second_factor: bool
) -> tuple[str, tokens.Session]:
    """A new session of the user and its token; ``second_factor`` when the login used a code."""
    expires_at = tokens.expiry(settings.session_minutes)
    async with database.unit_of_work() as uow:
        session_id = await sessions.open_session(
            uow.session, user_id=user.id, expires_at=expires_at, second_factor=second_factor
        )
        await uow.commit()
    session = tokens.Session(session_id, user.id, user.master_account_id, expires_at)
    return tokens.issue(session, key=settings.signing_key), session


async def end_session(database: Database, session_id: UUID) -> None:
    async with database.unit_of_work() as uow:
        await sessions.end(uow.session, session_id)
        await uow.commit()

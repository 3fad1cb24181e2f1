"""Logging in and out: a username and password (throttled), the second factor, sessions.

Failed logins are throttled per client address (across usernames: one password tried on many
accounts) and per username and client address (many passwords tried on one account), each
with a growing wait; never per username alone, so an attacker hammering a username from their
address never stops its user logging in from theirs. Each attempt for a known username, and
each throttle it starts, goes into the audit log of that user's master, in the transaction that
counts it. Times come from an injectable clock, so tests move time instead of sleeping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import ip_address
from typing import Any
from uuid import UUID

import structlog
from fastapi import HTTPException, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth import passwords, tokens, totp
from gateway.auth.passwords import verify_password
from gateway.settings import GatewaySettings
from gateway.store import audit, sessions, two_factor, users
from gateway.store.audit import AuditAction
from gateway.store.users import Failures, User
from services.runtime.clock import Clock, SystemClock
from services.runtime.db import Database, UnitOfWork

log = structlog.get_logger(__name__)

SYSTEM_CLOCK: Clock = SystemClock()


class TooManyAttempts(HTTPException):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many failed logins; try again later",
            headers={"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after


class SecondFactorRequired(HTTPException):
    """The password is right and the user has two-factor authentication on: a code is needed."""

    def __init__(self, user: User) -> None:
        super().__init__(status.HTTP_401_UNAUTHORIZED, "two-factor code required")
        self.user = user


class WrongSecondFactor(HTTPException):
    def __init__(self) -> None:
        super().__init__(status.HTTP_401_UNAUTHORIZED, "wrong two-factor code")


# --- the client's address -----------------------------------------------------------------


def client_ip(request: Request) -> str:
    """The client's address: the connecting one, or, when that is a trusted reverse proxy
    (``TRUSTED_PROXIES``), the nearest address in X-Forwarded-For that is not one."""
    peer = request.client.host if request.client else "unknown"
    settings: GatewaySettings | None = getattr(request.app.state, "settings", None)
    trusted = set(settings.trusted_proxies) if settings else set()
    if peer not in trusted:
        return peer
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed(forwarded):  # the right end was added by our own proxy: read from there
        if hop and hop not in trusted:
            return hop if _is_address(hop) else peer
    return peer


def _is_address(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


# --- the throttle's arithmetic ------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    """``allowed`` failures within ``window``, then a wait after the latest failure that
    doubles with each further failure, up to ``longest_wait``."""

    allowed: int
    window: timedelta
    first_wait: timedelta
    longest_wait: timedelta

    def since(self, now: datetime) -> datetime:
        return now - self.window

    def wait(self, failures: Failures, now: datetime) -> int:
        """Whole seconds until another attempt may be made (0: now)."""
        if failures.count < self.allowed or failures.latest is None:
            return 0
        doublings = min(failures.count - self.allowed, 32)
        wait = min(self.first_wait * 2**doublings, self.longest_wait)
        return max(0, math.ceil((failures.latest + wait - now).total_seconds()))


def address_limit(settings: GatewaySettings) -> Limit:
    return Limit(
        allowed=settings.login_address_failures_allowed,
        window=timedelta(seconds=settings.login_address_window_seconds),
        first_wait=timedelta(seconds=settings.login_address_first_wait_seconds),
        longest_wait=timedelta(seconds=settings.login_longest_wait_seconds),
    )


def pair_limit(settings: GatewaySettings) -> Limit:
    return Limit(
        allowed=settings.login_pair_failures_allowed,
        window=timedelta(seconds=settings.login_pair_window_seconds),
        first_wait=timedelta(seconds=settings.login_pair_first_wait_seconds),
        longest_wait=timedelta(seconds=settings.login_longest_wait_seconds),
    )


async def throttle_wait(
    session: AsyncSession, settings: GatewaySettings, *, username: str, ip: str, now: datetime
) -> int:
    """Seconds before the next login of the username from the address may be tried."""
    by_address, by_pair = address_limit(settings), pair_limit(settings)
    from_address = await users.failures_from_address(
        session, client_ip=ip, since=by_address.since(now)
    )
    of_pair = await users.failures_of_pair(
        session, username=username, client_ip=ip, since=by_pair.since(now)
    )
    return max(by_address.wait(from_address, now), by_pair.wait(of_pair, now))


async def refuse_when_throttled(
    session: AsyncSession, settings: GatewaySettings, *, username: str, ip: str, now: datetime
) -> None:
    """Raise ``TooManyAttempts`` before anything is checked (nothing is written: a refused
    attempt neither counts nor costs a hash)."""
    wait = await throttle_wait(session, settings, username=username, ip=ip, now=now)
    if wait:
        log.warning("login throttled", username=username, client_ip=ip, retry_after=wait)
        raise TooManyAttempts(wait)


async def count_attempt(
    session: AsyncSession,
    settings: GatewaySettings,
    *,
    username: str,
    user: User | None,
    ip: str,
    now: datetime,
    succeeded: bool,
    details: dict[str, Any] | None = None,
) -> None:
    """Count a login attempt (a password or a second factor) and audit it for a known user,
    with the throttle it starts, if any."""
    await users.record_login(session, username=username, client_ip=ip, succeeded=succeeded, at=now)
    log.info("login", username=username, succeeded=succeeded, client_ip=ip, **(details or {}))
    if user is None:  # an unknown username belongs to no master's log
        return
    action = AuditAction.LOGIN_SUCCEEDED if succeeded else AuditAction.LOGIN_FAILED
    await audit_action(session, user, action, ip, details)
    if not succeeded:
        wait = await throttle_wait(session, settings, username=username, ip=ip, now=now)
        if wait:
            await audit_action(
                session, user, AuditAction.LOGIN_THROTTLED, ip, {"retry_after": wait}
            )


async def audit_action(
    session: AsyncSession,
    user: User,
    action: AuditAction,
    ip: str | None,
    details: dict[str, Any] | None = None,
    target: str | None = None,
) -> None:
    """An entry in the audit log of the user's master, the user acting."""
    await audit.record(
        session, master_account_id=user.master_account_id, action=action, actor_user_id=user.id,
        actor_username=user.username, target=target, details=details,
        client_ip=ip[:64] if ip else None,
    )  # fmt: skip


# --- logging in ---------------------------------------------------------------------------


async def authenticate(
    database: Database,
    settings: GatewaySettings,
    *,
    username: str,
    password: str,
    ip: str,
    totp_code: str | None = None,
    recovery_code: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> User | None:
    """The user, or None for a wrong username or password (or a deactivated user); raises when
    throttled, and when the user has two-factor authentication on and neither ``totp_code``
    nor ``recovery_code`` is given, or the one given is wrong."""
    now = clock.now()
    async with database.unit_of_work() as uow:
        await refuse_when_throttled(uow.session, settings, username=username, ip=ip, now=now)
        user = await users.by_username(uow.session, username)
        # always one hash verified, so a deactivated or unknown user takes as long as any
        matches, new_hash = verify_password(password, user.password_hash if user else None)
        if user is not None and not user.active:
            matches, new_hash = False, None
        if matches and user and new_hash:
            await users.update_user(uow.session, user.id, password_hash=new_hash)
        if matches and user and user.totp_enabled:
            if totp_code is None and recovery_code is None:
                await uow.commit()
                raise SecondFactorRequired(user)
            await _second_factor(uow, settings, user, ip, now, totp_code, recovery_code)
            return user
        await count_attempt(
            uow.session, settings, username=username, user=user, ip=ip, now=now,
            succeeded=matches, details=None if matches else {"reason": "password"},
        )  # fmt: skip
        await uow.commit()
    return user if matches else None


async def authenticate_second_factor(
    database: Database,
    settings: GatewaySettings,
    *,
    user_id: UUID,
    code: str | None,
    ip: str,
    recovery_code: str | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> User:
    """The second step of a login whose password was right (the portal asks for it apart):
    a code from the app, or one of the user's recovery codes."""
    now = clock.now()
    async with database.unit_of_work() as uow:
        user = await users.by_id(uow.session, user_id)
        if user is None or not user.totp_enabled or not user.active:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED, "the login expired; enter your password again"
            )
        await refuse_when_throttled(uow.session, settings, username=user.username, ip=ip, now=now)
        await _second_factor(uow, settings, user, ip, now, code, recovery_code)
    return user


async def _second_factor(
    uow: UnitOfWork,
    settings: GatewaySettings,
    user: User,
    ip: str,
    now: datetime,
    totp_code: str | None,
    recovery_code: str | None,
) -> None:
    """Check the code or recovery code (a failure counts like a wrong password) and commit;
    raise if wrong."""
    if recovery_code:
        codes_left = await use_recovery_code(uow.session, user, recovery_code, now=now)
        accepted, method = codes_left is not None, "recovery_code"
    else:
        accepted = await accept_code(uow.session, user, totp_code or "", now=now)
        codes_left, method = None, "totp"
    await count_attempt(
        uow.session, settings, username=user.username, user=user, ip=ip, now=now,
        succeeded=accepted, details={"second_factor": method},
    )  # fmt: skip
    if codes_left is not None:
        details = {"codes_left": codes_left}
        await audit_action(uow.session, user, AuditAction.RECOVERY_CODE_USED, ip, details)
    await uow.commit()
    if not accepted:
        raise WrongSecondFactor()


async def accept_code(
    session: AsyncSession, user: User, code: str, *, now: datetime | None = None
) -> bool:
    """Whether the code is valid now for the user's secret, using up its step if so (a step
    once used is never accepted again: ``claim_step`` is one conditional UPDATE)."""
    if not user.totp_secret:
        return False
    step = totp.matching_step(
        user.totp_secret,
        code,
        unix_time=(now or SYSTEM_CLOCK.now()).timestamp(),
        last_used_step=await two_factor.last_used_step(session, user.id),
    )
    return step is not None and await two_factor.claim_step(session, user.id, step)


async def use_recovery_code(
    session: AsyncSession, user: User, code: str, *, now: datetime
) -> int | None:
    """Use up the recovery code if it is one of the user's unused ones: how many are left then,
    or None when it is not."""
    if passwords.normalized_recovery_code(code) is None:
        return None
    unused = await two_factor.unused_recovery_codes(session, user.id)
    found = next(
        (code_id for code_id, hashed in unused if passwords.verify_recovery_code(code, hashed)),
        None,
    )
    if found is None or not await two_factor.use_recovery_code(session, found, at=now):
        return None
    return len(unused) - 1


# --- sessions -----------------------------------------------------------------------------


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


async def end_session(
    database: Database, session_id: UUID, *, user: User | None = None, ip: str | None = None
) -> None:
    """Log out of the session (audited as a logout of ``user`` when given)."""
    async with database.unit_of_work() as uow:
        await sessions.end(uow.session, session_id)
        if user is not None:
            await audit_action(uow.session, user, AuditAction.LOGOUT, ip, target=str(session_id))
        await uow.commit()


async def end_own_session(database: Database, user: User, session_id: UUID, *, ip: str) -> bool:
    """End one of the user's own sessions (from their list); False when it is not theirs or
    already ended."""
    async with database.unit_of_work() as uow:
        if not await sessions.end_of_user(uow.session, user_id=user.id, session_id=session_id):
            return False
        await audit_action(uow.session, user, AuditAction.SESSION_ENDED, ip, target=str(session_id))
        await uow.commit()
    return True


async def own_sessions(database: Database, user: User) -> list[sessions.OpenSession]:
    async with database.read() as session:
        return await sessions.of_user(session, user.id)

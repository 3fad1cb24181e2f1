"""Setting up, turning on and off two-factor authentication (TOTP), for the API and the pages;
and the short-lived proof that a portal login's password was right, carried to its second step.

Turning it on or off takes a current code; a wrong code counts toward the login throttle, so
codes cannot be guessed here either. Turning it on makes the user's recovery codes (shown once,
stored hashed), which a current code can make anew. Secrets are never logged; each change goes
into the audit log in its own transaction.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt
import structlog
from fastapi import HTTPException, status

from gateway.auth import passwords, totp
from gateway.auth.login import (
    SYSTEM_CLOCK,
    accept_code,
    audit_action,
    count_attempt,
    refuse_when_throttled,
)
from gateway.settings import GatewaySettings
from gateway.store import sessions, two_factor, users
from gateway.store.audit import AuditAction
from gateway.store.users import User
from services.runtime.clock import Clock
from services.runtime.db import Database, UnitOfWork

log = structlog.get_logger(__name__)

PENDING_LOGIN_MINUTES = 5
_PENDING_PURPOSE = "two-factor-login"


@dataclass(frozen=True)
class Setup:
    """What the user needs to add the account to an authenticator app."""

    secret: str
    otpauth_uri: str
    qr_code_svg: str

    @property
    def grouped_secret(self) -> str:
        return totp.grouped(self.secret)


class TwoFactorConflict(HTTPException):
    def __init__(self, detail: str) -> None:
        super().__init__(status.HTTP_409_CONFLICT, detail)


class WrongCode(HTTPException):
    """A wrong code in a request body: a 422 naming the field, like any bad input."""

    def __init__(self) -> None:
        super().__init__(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"loc": ["body", "code"], "msg": "wrong two-factor code", "type": "value_error"}],
        )


def setup_of(user: User) -> Setup | None:
    """The set-up waiting for confirmation (a secret kept, not on yet), if there is one."""
    if user.totp_enabled or not user.totp_secret:
        return None
    uri = totp.provisioning_uri(user.totp_secret, user.username)
    return Setup(user.totp_secret, uri, totp.qr_code_svg(uri))


async def start_setup(database: Database, user: User) -> Setup:
    """A new secret for the user, kept until a code from it confirms it."""
    secret = totp.new_secret()
    async with database.unit_of_work() as uow:
        if not await two_factor.start_setup(uow.session, user.id, secret):
            raise TwoFactorConflict("two-factor authentication is already on; turn it off first")
        await uow.commit()
    log.info("two-factor setup started", username=user.username)
    uri = totp.provisioning_uri(secret, user.username)
    return Setup(secret, uri, totp.qr_code_svg(uri))


async def enable(
    database: Database,
    settings: GatewaySettings,
    user: User,
    code: str,
    *,
    ip: str,
    session_id: UUID | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> list[str]:
    """Turn it on, confirmed by a code; the session ``session_id`` counts as having used one.
    The user's new recovery codes, to show once."""
    codes = passwords.new_recovery_codes()
    hashes = [passwords.hash_recovery_code(recovery) for recovery in codes]
    async with database.unit_of_work() as uow:
        current = await users.by_id(uow.session, user.id)
        if current is None or current.totp_enabled:
            raise TwoFactorConflict("two-factor authentication is already on")
        if not current.totp_secret:
            raise TwoFactorConflict("start the two-factor set-up first")
        await _check_code(uow, settings, current, code, ip, clock, "two_factor.enable")
        if not await two_factor.switch_on(uow.session, user.id, current.totp_secret):
            raise TwoFactorConflict("the two-factor set-up changed meanwhile; start again")
        if session_id is not None:
            await sessions.confirm_second_factor(uow.session, session_id)
        await two_factor.replace_recovery_codes(uow.session, user.id, hashes)
        await audit_action(uow.session, user, AuditAction.TWO_FACTOR_ENABLED, ip)
        details = {"codes": len(codes)}
        await audit_action(uow.session, user, AuditAction.RECOVERY_CODES_GENERATED, ip, details)
        await uow.commit()
    log.info("two-factor authentication on", username=user.username)
    return codes


async def disable(
    database: Database,
    settings: GatewaySettings,
    user: User,
    code: str,
    *,
    ip: str,
    clock: Clock = SYSTEM_CLOCK,
) -> None:
    async with database.unit_of_work() as uow:
        current = await users.by_id(uow.session, user.id)
        if current is None or not current.totp_enabled:
            raise TwoFactorConflict("two-factor authentication is not on")
        await _check_code(uow, settings, current, code, ip, clock, "two_factor.disable")
        await two_factor.switch_off(uow.session, user.id)  # and its recovery codes
        await audit_action(uow.session, user, AuditAction.TWO_FACTOR_DISABLED, ip)
        await uow.commit()
    log.info("two-factor authentication off", username=user.username)


async def regenerate_recovery_codes(
    database: Database,
    settings: GatewaySettings,
    user: User,
    code: str,
    *,
    ip: str,
    clock: Clock = SYSTEM_CLOCK,
) -> list[str]:
    """New recovery codes in place of all the earlier ones, confirmed by a current code."""
    codes = passwords.new_recovery_codes()
    hashes = [passwords.hash_recovery_code(recovery) for recovery in codes]
    async with database.unit_of_work() as uow:
        current = await users.by_id(uow.session, user.id)
        if current is None or not current.totp_enabled:
            raise TwoFactorConflict("two-factor authentication is not on")
        await _check_code(uow, settings, current, code, ip, clock, "recovery_codes")
        await two_factor.replace_recovery_codes(uow.session, user.id, hashes)
        details = {"codes": len(codes)}
        await audit_action(uow.session, user, AuditAction.RECOVERY_CODES_GENERATED, ip, details)
        await uow.commit()
    log.info("two-factor recovery codes made anew", username=user.username)
    return codes


async def _check_code(
    uow: UnitOfWork,
    settings: GatewaySettings,
    user: User,
    code: str,
    ip: str,
    clock: Clock,
    purpose: str,
) -> None:
    """A current code, or ``WrongCode`` (counted like a failed login, and committed)."""
    now = clock.now()
    await refuse_when_throttled(uow.session, settings, username=user.username, ip=ip, now=now)
    if not await accept_code(uow.session, user, code, now=now):
        await count_attempt(
            uow.session, settings, username=user.username, user=user, ip=ip, now=now,
            succeeded=False, details={"second_factor": "totp", "during": purpose},
        )  # fmt: skip
        await uow.commit()
        raise WrongCode()


# --- the portal login's second step -------------------------------------------------------


def issue_pending_login(user: User, *, signing_key: str) -> str:
    """Proof, for a few minutes, that this user's password was just entered correctly.

    Signed with a key of its own, so it can never pass for a session token.
    """
    claims = {
        "sub": str(user.id),
        "purpose": _PENDING_PURPOSE,
        "exp": datetime.now(UTC) + timedelta(minutes=PENDING_LOGIN_MINUTES),
    }
    return jwt.encode(claims, _pending_key(signing_key), algorithm="HS256")


def read_pending_login(token: str, *, signing_key: str) -> UUID | None:
    """The user whose password was right, or None if the proof is forged or expired."""
    try:
        claims = jwt.decode(
            token, _pending_key(signing_key), algorithms=["HS256"], options={"require": ["exp"]}
        )
        if claims.get("purpose") != _PENDING_PURPOSE:
            return None
        return UUID(claims["sub"])
    except (jwt.PyJWTError, KeyError, ValueError):
        return None


def _pending_key(signing_key: str) -> str:
    return hmac.new(signing_key.encode(), _PENDING_PURPOSE.encode(), hashlib.sha256).hexdigest()

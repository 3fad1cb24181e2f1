"""/api/v1/auth/two-factor: setting up and checking TOTP two-factor authentication, and its
recovery codes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.responses import CONFLICT, THROTTLED
from gateway.auth import two_factor
from gateway.auth.deps import CurrentUser, signed_in
from gateway.auth.login import client_ip
from gateway.auth.rights import needs_login
from gateway.deps import DatabaseDep, SettingsDep

router = APIRouter(prefix="/auth/two-factor", tags=["auth"], dependencies=[needs_login()])


class TwoFactorStatus(BaseModel):
    enabled: bool
    setup_pending: bool = Field(description="a secret was issued and waits for a first code")


class TwoFactorSetup(BaseModel):
    secret: str = Field(description="base32; type it into an authenticator app, or scan the QR")
    otpauth_uri: str
    qr_code_svg: str = Field(description="the otpauth URI as an SVG QR code")


class TwoFactorEnabled(TwoFactorStatus):
    recovery_codes: list[str] = Field(
        description="shown this once: each logs in once in place of a code (keep them safe)"
    )


class RecoveryCodes(BaseModel):
    recovery_codes: list[str] = Field(
        description="shown this once; the earlier codes no longer work"
    )


class TwoFactorCode(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=6, max_length=16, description="the six digits the app shows")


@router.get("")
async def status_of(user: CurrentUser) -> TwoFactorStatus:
    return TwoFactorStatus(
        enabled=user.totp_enabled, setup_pending=two_factor.setup_of(user) is not None
    )


@router.post("/setup", responses=CONFLICT)
async def setup(user: CurrentUser, database: DatabaseDep) -> TwoFactorSetup:
    started = await two_factor.start_setup(database, user)
    return TwoFactorSetup(
        secret=started.secret, otpauth_uri=started.otpauth_uri, qr_code_svg=started.qr_code_svg
    )


@router.post("/enable", responses={**CONFLICT, **THROTTLED})
async def enable(
    body: TwoFactorCode,
    request: Request,
    user: CurrentUser,
    database: DatabaseDep,
    settings: SettingsDep,
) -> TwoFactorEnabled:
    codes = await two_factor.enable(
        database, settings, user, body.code, ip=client_ip(request),
        session_id=signed_in(request).session_id,
    )  # fmt: skip
    return TwoFactorEnabled(enabled=True, setup_pending=False, recovery_codes=codes)


@router.post("/disable", responses={**CONFLICT, **THROTTLED})
async def disable(
    body: TwoFactorCode,
    request: Request,
    user: CurrentUser,
    database: DatabaseDep,
    settings: SettingsDep,
) -> TwoFactorStatus:
    await two_factor.disable(database, settings, user, body.code, ip=client_ip(request))
    return TwoFactorStatus(enabled=False, setup_pending=False)


@router.post("/recovery-codes", responses={**CONFLICT, **THROTTLED})
async def regenerate_recovery_codes(
    body: TwoFactorCode,
    request: Request,
    user: CurrentUser,
    database: DatabaseDep,
    settings: SettingsDep,
) -> RecoveryCodes:
    """New recovery codes in place of the earlier ones, confirmed by a current code."""
    codes = await two_factor.regenerate_recovery_codes(
        database, settings, user, body.code, ip=client_ip(request)
    )
    return RecoveryCodes(recovery_codes=codes)

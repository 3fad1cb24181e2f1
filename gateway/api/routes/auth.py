"""POST /api/v1/auth/login, POST /api/v1/auth/logout and GET /api/v1/auth/me."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.responses import THROTTLED, WRONG_CREDENTIALS
from gateway.auth.deps import CurrentUser, signed_in
from gateway.auth.login import authenticate, client_ip, end_session, open_session
from gateway.auth.rights import needs_login, public
from gateway.deps import DatabaseDep, SettingsDep

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    totp_code: str | None = Field(
        default=None, max_length=16, description="required when two-factor authentication is on"
    )


class LoginResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_at: datetime


class Me(BaseModel):
    id: UUID
    username: str
    display_name: str
    master_account_id: str
    is_primary: bool
    totp_enabled: bool


@router.post("/login", responses={**WRONG_CREDENTIALS, **THROTTLED}, dependencies=[public()])
async def login(
    body: LoginRequest, request: Request, database: DatabaseDep, settings: SettingsDep
) -> LoginResponse:
    user = await authenticate(
        database, settings, username=body.username, password=body.password,
        ip=client_ip(request), totp_code=body.totp_code,
    )  # fmt: skip
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    # a user with two-factor authentication on has just given a code (authenticate checked it)
    token, session = await open_session(database, settings, user, second_factor=user.totp_enabled)
    return LoginResponse(access_token=token, expires_at=session.expires_at)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, dependencies=[needs_login()])
async def logout(request: Request, _: CurrentUser, database: DatabaseDep) -> None:
    """End the session of this token (or cookie): it is refused from now on."""
    await end_session(database, signed_in(request).session_id)


@router.get("/me", dependencies=[needs_login()])
async def me(user: CurrentUser) -> Me:
    return Me(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        master_account_id=user.master_account_id,
        is_primary=user.is_primary,
        totp_enabled=user.totp_enabled,
    )

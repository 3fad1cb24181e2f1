"""POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/auth/me, and the user's own
sessions: GET /api/v1/auth/sessions, DELETE /api/v1/auth/sessions/{id}."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.responses import NOT_FOUND, THROTTLED, WRONG_CREDENTIALS
from gateway.auth.deps import CurrentUser, signed_in
from gateway.auth.login import (
    authenticate,
    client_ip,
    end_own_session,
    end_session,
    open_session,
    own_sessions,
)
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
    recovery_code: str | None = Field(
        default=None,
        max_length=32,
        description="instead of totp_code: one of the user's recovery codes (each works once)",
    )


class LoginResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_at: datetime


class SessionView(BaseModel):
    id: UUID
    created_at: datetime
    expires_at: datetime
    second_factor: bool = Field(description="the login (or a later confirmation) used a code")
    current: bool = Field(description="the session of this request")


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
        ip=client_ip(request), totp_code=body.totp_code, recovery_code=body.recovery_code,
    )  # fmt: skip
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    # a user with two-factor authentication on has just given a code (authenticate checked it)
    token, session = await open_session(database, settings, user, second_factor=user.totp_enabled)
    return LoginResponse(access_token=token, expires_at=session.expires_at)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, dependencies=[needs_login()])
async def logout(request: Request, user: CurrentUser, database: DatabaseDep) -> None:
    """End the session of this token (or cookie): it is refused from now on."""
    await end_session(database, signed_in(request).session_id, user=user, ip=client_ip(request))


@router.get("/sessions", dependencies=[needs_login()])
async def list_sessions(
    request: Request, user: CurrentUser, database: DatabaseDep
) -> list[SessionView]:
    """The user's open sessions (on every device), newest first."""
    current = signed_in(request).session_id
    return [
        SessionView(id=found.id, created_at=found.created_at, expires_at=found.expires_at,
                    second_factor=found.second_factor, current=found.id == current)
        for found in await own_sessions(database, user)
    ]  # fmt: skip


@router.delete(
    "/sessions/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=NOT_FOUND,
    dependencies=[needs_login()],
)
async def end_a_session(
    session_id: UUID, request: Request, user: CurrentUser, database: DatabaseDep
) -> None:
    """End one of the user's sessions (this one too, like a logout)."""
    if not await end_own_session(database, user, session_id, ip=client_ip(request)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such open session of yours")


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

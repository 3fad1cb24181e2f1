"""The users of a master account (G2), managed by its primary user: commands and views; and the
one-time link a new user sets a password with."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from contracts.access import ClientScope, Right

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$"

Username = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, pattern=USERNAME_PATTERN),
    Field(description="2-64 of a-z, 0-9 and . _ @ -, starting with a letter or digit; "
                      "unique across the deployment (stored in lower case)"),
]  # fmt: skip
DisplayName = Annotated[str, Field(min_length=1, max_length=200)]
Rights = Annotated[frozenset[Right], Field(max_length=len(Right))]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UserCreate(_Command):
    """A new user of the caller's master: created without a usable password, they receive an
    email with a one-time link to set one."""

    username: Username
    display_name: DisplayName
    email: EmailStr = Field(max_length=320, description="where the set-password link goes")
    rights: Rights = Field(default=frozenset(), description="the access rights granted")
    scope: ClientScope = Field(
        default=ClientScope.nothing(),
        description="the client accounts the user sees: all of them, or chosen accounts "
        "(at most 500) and/or groups",
    )


class UserUpdate(_Command):
    """Only the fields sent change; none of them may be sent as null."""

    display_name: DisplayName | None = None
    email: EmailStr | None = Field(default=None, max_length=320)

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class UserAccess(_Command):
    """The user's rights and client scope, replaced as a whole."""

    rights: Rights
    scope: ClientScope


class PrimacyChange(_Command):
    is_primary: bool = Field(
        description="make the user a primary user (every right over every client), or not; the "
        "master always keeps one active primary user (409 otherwise)"
    )


class UserOut(BaseModel):
    id: UUID
    username: str
    display_name: str
    email: str | None
    is_primary: bool
    active: bool
    rights: list[Right] = Field(description="as granted (a primary user holds every right anyway)")
    scope: ClientScope
    scope_summary: str
    totp_enabled: bool
    last_login_at: datetime | None
    created_at: datetime
    deactivated_at: datetime | None
    password_link_expires_at: datetime | None = Field(
        description="until when the last set-password link sent works (None: no link pending)"
    )


class UserList(BaseModel):
    items: list[UserOut]


class PasswordLinkSent(BaseModel):
    email_sent: bool
    expires_at: datetime
    warning: str | None = Field(
        default=None,
        description="why the email was not sent (the user exists; send the link again later)",
    )


class UserAdded(PasswordLinkSent):
    user: UserOut


class SessionsEnded(BaseModel):
    ended: int


class PasswordSet(_Command):
    """Setting a password with the token of a one-time link (no login needed)."""

    token: str = Field(min_length=20, max_length=100)
    password: str = Field(min_length=1, max_length=256)


class PasswordSetDone(BaseModel):
    username: str = Field(description="log in with this username and the new password")

"""Expiring session tokens (JWT, HS256): a bearer token for the API, a cookie for the portal.
A token names its session (``sid``), which the gateway checks on every request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

ALGORITHM = "HS256"


@dataclass(frozen=True)
class Session:
    session_id: UUID
    user_id: UUID
    master_account_id: str
    expires_at: datetime


def expiry(minutes: int) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def issue(session: Session, *, key: str) -> str:
    claims = {
        "sid": str(session.session_id),
        "sub": str(session.user_id),
        "mst": session.master_account_id,
        "exp": session.expires_at,
        "iat": datetime.now(UTC),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def read(token: str, *, key: str) -> Session | None:
    """The session a token stands for, or None when it is forged, malformed or expired."""
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "sid"]}
        )
        return Session(
            session_id=UUID(claims["sid"]),
            user_id=UUID(claims["sub"]),
            master_account_id=str(claims["mst"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except (jwt.PyJWTError, KeyError, ValueError):
        return None

"""Expiring session tokens (JWT, HS256): a bearer token for the API, a cookie for the portal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

ALGORITHM = "HS256"


@dataclass(frozen=True)
class Session:
    user_id: UUID
    master_account_id: str
    expires_at: datetime


def issue(user_id: UUID, master_account_id: str, *, key: str, minutes: int) -> tuple[str, Session]:
    expires_at = datetime.now(UTC) + timedelta(minutes=minutes)
    claims = {
        "sub": str(user_id),
        "mst": master_account_id,
        "exp": expires_at,
        "iat": datetime.now(UTC),
    }
    session = Session(user_id=user_id, master_account_id=master_account_id, expires_at=expires_at)
    return jwt.encode(claims, key, algorithm=ALGORITHM), session


def read(token: str, *, key: str) -> Session | None:
    """The session a token stands for, or None when it is forged, malformed or expired."""
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
        return Session(
            user_id=UUID(claims["sub"]),
            master_account_id=str(claims["mst"]),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except (jwt.PyJWTError, KeyError, ValueError):
        return None

"""Who is asking: every service API request carries the caller's master account, set by the
gateway after authentication and proven by the internal token. Services scope every query by it."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status


@dataclass(frozen=True)
class Caller:
    master_account_id: str
    user_id: str


async def current_caller(
    request: Request,
    x_master_account_id: Annotated[str, Header(min_length=1, max_length=32)],
    x_user_id: Annotated[str, Header(min_length=1, max_length=64)],
    x_internal_token: Annotated[str, Header()],
) -> Caller:
    expected = request.app.state.settings.internal_token.get_secret_value()
    if not hmac.compare_digest(x_internal_token.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid internal token")
    return Caller(master_account_id=x_master_account_id, user_id=x_user_id)


CallerDep = Annotated[Caller, Depends(current_caller)]

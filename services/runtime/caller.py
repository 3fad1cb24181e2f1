"""Who is asking: every service API request carries the caller's master account and access
(rights and client-account scope, contracts/access.py), set by the gateway after authentication
and proven by the internal token. Services scope every query by the master and the scope, and
re-check the right a route needs (``requires``)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from contracts.access import Access, Right
from services.runtime.errors import Forbidden


@dataclass(frozen=True)
class Caller:
    master_account_id: str
    user_id: str
    access: Access = field(default_factory=Access.primary)

    def require(self, *rights: Right) -> None:
        """Raise ``Forbidden`` unless the caller holds one of ``rights``."""
        if not self.access.has_any(*rights):
            raise Forbidden(f"this needs the {' or '.join(rights)} right")


async def current_caller(
    request: Request,
    x_master_account_id: Annotated[str, Header(min_length=1, max_length=32)],
    x_user_id: Annotated[str, Header(min_length=1, max_length=64)],
    x_internal_token: Annotated[str, Header()],
) -> Caller:
    expected = request.app.state.settings.internal_token.get_secret_value()
    if not hmac.compare_digest(x_internal_token.encode(), expected.encode()):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid internal token")
    try:
        access = Access.from_headers(request.headers)
    except ValueError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "malformed access headers") from error
    return Caller(master_account_id=x_master_account_id, user_id=x_user_id, access=access)


CallerDep = Annotated[Caller, Depends(current_caller)]


def requires(*rights: Right) -> Callable[[Caller], Awaitable[None]]:
    """A route (or router) dependency: the caller holds one of ``rights``, else 403."""

    async def check(caller: CallerDep) -> None:
        caller.require(*rights)

    return check

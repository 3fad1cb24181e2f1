"""Page: the Margin Requirements tab of a client's record (A11) — the account's initial and
maintenance requirement, equity with loan value, excess liquidity (a deficit flagged) and the
positions that drive the requirement, as the back office last reported them. Account
Information right; a contact out of the user's scope is the portal's 404."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from contracts.access import Right
from contracts.api.margin import MarginAccountView
from gateway.auth.rights import needs
from gateway.clients import contacts, margin
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep
from gateway.pages.deps import MasterClock, PageUser
from gateway.pages.rendering import render
from gateway.store.users import User

router = APIRouter(include_in_schema=False)
NOTHING_REPORTED = {404, 422}
"""The contact is within reach (it was found), so these mean no margin for its account."""


async def reported_margin(
    clients: ServiceClients, user: User, account_number: str | None
) -> MarginAccountView | None:
    """The account's margin, or None for a prospect, a cash account or none reported yet."""
    if not account_number:
        return None
    try:
        return await margin.account_margin(clients, user, account_number)
    except HTTPException as error:
        if error.status_code not in NOTHING_REPORTED:
            raise
        return None


@router.get("/contacts/{contact_id:uuid}/margin", dependencies=[needs(Right.ACCOUNT_INFORMATION)])
async def margin_tab(
    request: Request, contact_id: UUID, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    contact = await contacts.get_contact(clients, user, contact_id)
    account = await reported_margin(clients, user, contact.account_number)
    return render(request, "contact_margin.html", user=user, active="contacts", contact=contact,
                  tab="margin", margin=account, clock=clock)  # fmt: skip

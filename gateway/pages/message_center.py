"""Pages: a client's Message Center, as a tab of the contact record — what was delivered to
them, read or unread; opening a message marks it read. Its HTML is served apart, into a
sandboxed frame."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from contracts.access import Right
from gateway.auth.rights import needs
from gateway.clients import contacts, messaging
from gateway.deps import ClientsDep
from gateway.pages.deps import MasterClock, PageUser, checked_form
from gateway.pages.message_templates import framed_html
from gateway.pages.rendering import render

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.COMMUNICATION_CENTER)])


@router.get("/contacts/{contact_id:uuid}/message-center")
async def message_center_page(
    request: Request, contact_id: UUID, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    try:
        page = max(1, min(int(request.query_params.get("page", "1")), 100_000))
    except ValueError:
        page = 1
    contact = await contacts.get_contact(clients, user, contact_id)
    inbox = await messaging.client_inbox(clients, user, contact_id, page=page)
    return render(request, "message_center.html", user=user, active="contacts", contact=contact,
                  tab="message-center", inbox=inbox, clock=clock,
                  pages=max(1, -(-inbox.total // inbox.page_size)))  # fmt: skip


@router.post(
    "/contacts/{contact_id:uuid}/message-center/{message_id:uuid}/read",
    dependencies=[Depends(checked_form)],
)
async def open_message(
    contact_id: UUID, message_id: UUID, user: PageUser, clients: ClientsDep
) -> Response:
    """Opening a message marks it read (as the client reading it would)."""
    await messaging.mark_inbox_read(clients, user, contact_id, message_id)
    return RedirectResponse(f"/contacts/{contact_id}/message-center/{message_id}", status_code=303)


@router.get("/contacts/{contact_id:uuid}/message-center/{message_id:uuid}")
async def message_page(
    request: Request,
    contact_id: UUID,
    message_id: UUID,
    user: PageUser,
    clock: MasterClock,
    clients: ClientsDep,
) -> Response:
    contact = await contacts.get_contact(clients, user, contact_id)
    item = await messaging.client_inbox_item(clients, user, contact_id, message_id)
    return render(request, "message_center_item.html", user=user, active="contacts",
                  contact=contact, tab="message-center", item=item, clock=clock)  # fmt: skip


@router.get("/contacts/{contact_id:uuid}/message-center/{message_id:uuid}/body")
async def message_body(
    contact_id: UUID, message_id: UUID, user: PageUser, clients: ClientsDep
) -> Response:
    return framed_html(
        (await messaging.client_inbox_item(clients, user, contact_id, message_id)).html
    )

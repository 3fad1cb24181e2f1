"""Page: the signed-in user's own notices (X3): reminders of tasks coming due and others, the
unread ones first marked, each marked read with a button. Every user has theirs."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from gateway.auth.rights import needs_login
from gateway.clients import messaging
from gateway.deps import ClientsDep
from gateway.pages.deps import MasterClock, PageUser, checked_form
from gateway.pages.rendering import render

router = APIRouter(include_in_schema=False, dependencies=[needs_login()])


@router.get("/messages/notices")
async def notices_page(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    notices = await messaging.my_notices(clients, user)
    return render(request, "notices.html", user=user, active="messages", notices=notices,
                  clock=clock)  # fmt: skip


@router.post("/messages/notices/{notice_id:uuid}/read", dependencies=[Depends(checked_form)])
async def read_notice(notice_id: UUID, user: PageUser, clients: ClientsDep) -> Response:
    await messaging.read_notice(clients, user, notice_id)
    return RedirectResponse("/messages/notices", status_code=303)

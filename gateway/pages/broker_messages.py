"""Pages: Sent By Broker (M7) — the master's copies of broker-originated messages about its
clients, one copy's template, variables and recipients, the content as one account receives it
(in a sandboxed frame), and its actions: email me the details, submit an inquiry, delete."""

from __future__ import annotations

import re
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.access import Right
from contracts.accounts import Channel
from contracts.api.broker_messages import BROKER_MESSAGE_ID, InquiryCreate
from gateway.auth.rights import needs
from gateway.clients import messaging
from gateway.deps import ClientsDep
from gateway.pages.deps import MasterClock, PageUser, PostedForm
from gateway.pages.forms import refusal_errors
from gateway.pages.message_forms import CHANNEL_LABELS, status_summary
from gateway.pages.message_templates import framed_html
from gateway.pages.rendering import render

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.COMMUNICATION_CENTER)])

_ID = re.compile(BROKER_MESSAGE_ID)
NOTICES = {
    "emailed": "The details are on their way to your email address.",
    "inquired": "Your inquiry was sent to the broker.",
    "closed": "The inquiry is closed.",
}


def _checked(message_id: str) -> str:
    if not _ID.match(message_id):
        raise HTTPException(404, "no such broker message")
    return message_id


def _page_number(request: Request) -> int:
    try:
        return max(1, min(int(request.query_params.get("page", "1")), 100_000))
    except ValueError:
        return 1


@router.get("/messages/broker")
async def broker_list_page(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    found = await messaging.list_broker_messages(clients, user, page=_page_number(request))
    notice = "Message deleted." if request.query_params.get("done") == "deleted" else None
    return render(request, "message_broker.html", user=user, active="messages", messages=found,
                  clock=clock, summary=status_summary, channel_labels=CHANNEL_LABELS,
                  pages=max(1, -(-found.total // found.page_size)), notice=notice)  # fmt: skip


async def _detail_view(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep, message_id: str,
    *, errors: dict[str, str] | None = None, text: str = "",
) -> Response:  # fmt: skip
    message = await messaging.get_broker_message(clients, user, message_id)
    inquiries = await messaging.broker_inquiries(clients, user, message_id)
    return render(
        request, "message_broker_detail.html", user=user, active="messages", message=message,
        inquiries=inquiries, clock=clock, summary=status_summary, channel_labels=CHANNEL_LABELS,
        errors=errors or {}, text=text, status_code=422 if errors else 200,
        notice=NOTICES.get(request.query_params.get("done", "")),
    )  # fmt: skip


@router.get("/messages/broker/{message_id}")
async def broker_detail_page(
    request: Request, message_id: str, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    return await _detail_view(request, user, clock, clients, _checked(message_id))


@router.post("/messages/broker/{message_id}/email-me")
async def email_me(
    request: Request, message_id: str, user: PageUser, clock: MasterClock, form: PostedForm,
    clients: ClientsDep,
) -> Response:  # fmt: skip
    message_id = _checked(message_id)
    try:
        await messaging.email_broker_message(clients, user, message_id)
    except HTTPException as error:
        if error.status_code != 422:
            raise
        errors = {"email": "Your user has no email address: add one in your settings first."}
        return await _detail_view(request, user, clock, clients, message_id, errors=errors)
    return RedirectResponse(f"/messages/broker/{message_id}?done=emailed", status_code=303)


@router.post("/messages/broker/{message_id}/inquiries")
async def inquire(
    request: Request, message_id: str, user: PageUser, clock: MasterClock, form: PostedForm,
    clients: ClientsDep,
) -> Response:  # fmt: skip
    message_id = _checked(message_id)
    text = form.get("text", "")
    try:
        inquiry = InquiryCreate.model_validate({"text": text})
        await messaging.submit_broker_inquiry(clients, user, message_id, inquiry)
    except (ValidationError, HTTPException) as error:
        errors = refusal_errors(error)
        return await _detail_view(request, user, clock, clients, message_id, errors=errors,
                                  text=text)  # fmt: skip
    return RedirectResponse(f"/messages/broker/{message_id}?done=inquired", status_code=303)


@router.post("/messages/broker/{message_id}/inquiries/{inquiry_id:uuid}/close")
async def close_inquiry(
    message_id: str, inquiry_id: UUID, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    message_id = _checked(message_id)
    await messaging.close_broker_inquiry(clients, user, message_id, inquiry_id)
    return RedirectResponse(f"/messages/broker/{message_id}?done=closed", status_code=303)


@router.post("/messages/broker/{message_id}/delete")
async def delete(
    message_id: str, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    await messaging.delete_broker_message(clients, user, _checked(message_id))
    return RedirectResponse("/messages/broker?done=deleted", status_code=303)


@router.get("/messages/broker/{message_id}/recipients/{account_number}/{channel}")
async def broker_rendered_page(
    request: Request, message_id: str, account_number: str, channel: Channel, user: PageUser,
    clients: ClientsDep,
) -> Response:  # fmt: skip
    """The message as this account receives it on this channel."""
    message_id = _checked(message_id)
    content = await messaging.broker_rendered(clients, user, message_id, account_number, channel)
    message = await messaging.get_broker_message(clients, user, message_id)
    return render(request, "message_broker_rendered.html", user=user, active="messages",
                  content=content, message=message,
                  channel_label=CHANNEL_LABELS[channel])  # fmt: skip


@router.get("/messages/broker/{message_id}/recipients/{account_number}/{channel}/body")
async def broker_rendered_body(
    message_id: str, account_number: str, channel: Channel, user: PageUser, clients: ClientsDep
) -> Response:
    content = await messaging.broker_rendered(
        clients, user, _checked(message_id), account_number, channel
    )
    if content.html is None:
        raise HTTPException(404, "this channel has no HTML")
    return framed_html(content.html)

"""Pages: the communication center (M1-M5) — its hub, composing a message to chosen client
accounts, groups or households, Sent By Me, and one message's deliveries with each recipient's
content as delivered.

A compose form carries an idempotency key made when the form was first shown: sent twice (a
double click, a reload) it is one message. Finding recipients re-shows the form with everything
typed and chosen so far, so the page works without JavaScript."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.access import Right
from contracts.accounts import Channel
from contracts.api.messages import MessageSend
from contracts.api.recipients import RecipientOut, RecipientSelection
from gateway.auth.rights import needs
from gateway.clients import messaging
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep, DatabaseDep
from gateway.pages.deps import MasterClock, PageUser, PostedForm, SubmittedForm
from gateway.pages.forms import refusal_errors
from gateway.pages.message_forms import (
    CHANNEL_LABELS,
    STATUS_LABELS,
    compose_command,
    listed,
    progress,
    status_summary,
)
from gateway.pages.message_templates import framed_html
from gateway.pages.rendering import render
from gateway.people import master_name
from gateway.store.users import User

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.COMMUNICATION_CENTER)])

SEARCH_RESULTS = 25


def _page_number(request: Request) -> int:
    try:
        return max(1, min(int(request.query_params.get("page", "1")), 100_000))
    except ValueError:
        return 1


@router.get("/messages")
async def hub_page(request: Request, user: PageUser) -> Response:
    return render(request, "messages.html", user=user, active="messages")


# --- compose ------------------------------------------------------------------------------


async def _compose_view(
    request: Request,
    user: User,
    clients: ServiceClients,
    form: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
) -> Response:
    query = str(form.get("q", "")).strip()[:100]
    chosen_numbers = list(dict.fromkeys(listed(form, "account_numbers")))
    found = (
        await messaging.list_recipients(clients, user, q=query, page_size=SEARCH_RESULTS)
        if query else None
    )  # fmt: skip
    chosen_groups = listed(form, "group_ids")
    selection = {"account_numbers": chosen_numbers, "group_ids": chosen_groups,
                 "per_household": bool(form.get("per_household"))}  # fmt: skip
    resolved = None
    if chosen_numbers or chosen_groups:
        try:
            resolved = await messaging.resolve_recipients(
                clients, user, RecipientSelection.model_validate(selection)
            )
        except (ValidationError, HTTPException):
            resolved = None
    known: dict[str, RecipientOut] = {r.account_number: r for r in resolved.recipients} if resolved else {}  # fmt: skip
    if found:
        known.update({r.account_number: r for r in found.items})
    templates = await messaging.list_templates(clients, user)
    return render(
        request, "message_compose.html", user=user, active="messages",
        status_code=422 if errors else 200, form=form, errors=errors or {}, query=query,
        found=found, chosen=[(number, known.get(number)) for number in chosen_numbers],
        chosen_groups=set(chosen_groups), resolved=resolved,
        groups=await messaging.recipient_groups(clients, user),
        signatures=await messaging.signatures(clients, user),
        variables=(await messaging.list_variables(clients, user)).items,
        templates=templates.items, channels=list(Channel), channel_labels=CHANNEL_LABELS,
        chosen_channels=set(listed(form, "channels")),
    )  # fmt: skip


@router.get("/messages/compose")
async def compose_page(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    form: dict[str, Any] = {"idempotency_key": str(uuid4()), "channels": ["W", "E"],
                            "signature_user_id": str(user.id), "reply_to_user_id": str(user.id)}  # fmt: skip
    template_id = request.query_params.get("template_id", "")
    if template_id:
        try:
            template = await messaging.get_template(clients, user, UUID(template_id))
        except (ValueError, HTTPException):
            template = None
        if template is not None:
            form.update(subject=template.subject, body=template.body)
    return await _compose_view(request, user, clients, form)


@router.post("/messages/compose")
async def compose(
    request: Request, user: PageUser, form: SubmittedForm, clients: ClientsDep,
    database: DatabaseDep,
) -> Response:  # fmt: skip
    """``action=send`` sends; any other button (find, show who it reaches) shows the form again
    with what was typed and ticked (an account unticked is no longer chosen)."""
    form = {key: value for key, value in form.items() if key != "csrf_token"}
    if form.get("action") != "send":
        return await _compose_view(request, user, clients, form)
    key = str(form.get("idempotency_key", "")).strip() or str(uuid4())
    form["idempotency_key"] = key
    try:
        signers = await messaging.signatures(clients, user)
        command = MessageSend.model_validate(compose_command(form, signers))
        accepted = await messaging.send_message(clients, user, command, idempotency_key=key,
                                                master_name=await master_name(database, user))  # fmt: skip
    except (ValidationError, HTTPException) as error:
        errors = refusal_errors(error)
        return await _compose_view(request, user, clients, form, errors=errors)
    return RedirectResponse(f"/messages/sent/{accepted.message.id}?done=sent", status_code=303)


# --- Sent By Me ---------------------------------------------------------------------------


@router.get("/messages/sent")
async def sent_page(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    found = await messaging.list_messages(clients, user, page=_page_number(request))
    return render(request, "message_sent.html", user=user, active="messages", messages=found,
                  clock=clock, summary=status_summary, channel_labels=CHANNEL_LABELS,
                  pages=max(1, -(-found.total // found.page_size)))  # fmt: skip


@router.get("/messages/sent/{message_id:uuid}")
async def message_page(
    request: Request, message_id: UUID, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    message = await messaging.get_message(clients, user, message_id, page=_page_number(request))
    done = progress(message.statuses, recipients=message.recipient_count,
                    channels=len(message.channels))  # fmt: skip
    notices = {"sent": "Message accepted: it is on its way.",
               "resent": "Sent again to all its recipients."}  # fmt: skip
    return render(
        request, "message_detail.html", user=user, active="messages", message=message,
        clock=clock, progress=done, statuses=STATUS_LABELS, channel_labels=CHANNEL_LABELS,
        resend_key=str(uuid4()), pages=max(1, -(-message.total_recipients // message.page_size)),
        notice=notices.get(request.query_params.get("done", "")),
    )  # fmt: skip


@router.post("/messages/sent/{message_id:uuid}/resend")
async def resend(
    message_id: UUID, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    key = form.get("idempotency_key") or str(uuid4())
    accepted = await messaging.resend_message(clients, user, message_id, idempotency_key=key)
    return RedirectResponse(f"/messages/sent/{accepted.message.id}?done=resent", status_code=303)


@router.get("/messages/sent/{message_id:uuid}/recipients/{contact_id:uuid}/{channel}")
async def rendered_page(
    request: Request, message_id: UUID, contact_id: UUID, channel: Channel, user: PageUser,
    clients: ClientsDep,
) -> Response:  # fmt: skip
    """The message as this recipient got it on this channel, and whether it is unchanged."""
    content = await messaging.rendered_content(clients, user, message_id, contact_id, channel)
    message = await messaging.get_message(clients, user, message_id)
    recipient = next((d for d in message.deliveries if d.contact_id == contact_id), None)
    return render(request, "message_rendered.html", user=user, active="messages",
                  content=content, message=message, recipient=recipient,
                  channel_label=CHANNEL_LABELS[channel])  # fmt: skip


@router.get("/messages/sent/{message_id:uuid}/recipients/{contact_id:uuid}/{channel}/body")
async def rendered_body(
    message_id: UUID, contact_id: UUID, channel: Channel, user: PageUser, clients: ClientsDep
) -> Response:
    content = await messaging.rendered_content(clients, user, message_id, contact_id, channel)
    if content.html is None:
        raise HTTPException(404, "this channel has no HTML")
    return framed_html(content.html)

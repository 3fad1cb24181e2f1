"""Pages: message staging (S1-S5, X5), the communication center's To Be Sent By Broker tab — the
election (enable or disable, effective at the next daily cut-over, shown in the master's zone),
the message types always rejected, the staged messages (date/time, delivery date, subject,
recipients, status, channels W/E/B), one message's recipients, history and decisions, and the
content each account would receive: messaging's own rendering of the broker's copy (one renderer),
in a sandboxed frame."""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from contracts.access import Right
from contracts.accounts import Channel
from contracts.api.broker_messages import BROKER_MESSAGE_ID
from contracts.api.staging import MESSAGE_TYPE, Decision, HoldStatus
from gateway.auth.rights import needs
from gateway.clients import messaging, staging
from gateway.deps import ClientsDep
from gateway.pages.deps import MasterClock, PageUser, PostedForm
from gateway.pages.message_forms import CHANNEL_LABELS
from gateway.pages.message_templates import framed_html
from gateway.pages.rendering import render
from gateway.store.users import User

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.MESSAGE_STAGING)])

_ID = re.compile(BROKER_MESSAGE_ID)
_TYPE = re.compile(MESSAGE_TYPE)
STATUS_LABELS = {
    HoldStatus.HELD: "Pending decision",
    HoldStatus.RELEASED: "Sent",
    HoldStatus.REJECTED: "Rejected",
}
ACTION_LABELS = {
    "held": "Held for review",
    "send_as_is": "Send As Is",
    "reject_once": "Reject Once",
    "always_reject": "Always Reject",
    "deadline": "Delivered at the deadline (no decision)",
}
DECISION_LABELS = {d: ACTION_LABELS[d.value] for d in Decision}
NOTICES = {
    "enabled": "Staging will be enabled at the next cut-over.",
    "disabled": "Staging will be disabled at the next cut-over. Pending messages stay pending "
    "until their delivery date.",
    "unchanged": "Nothing to change: that is already your election.",
    "stopped": "That message type is no longer rejected automatically.",
    **{f"decided-{d.value}": f"Done: {label}." for d, label in DECISION_LABELS.items()},
}


def _checked(message_id: str) -> str:
    if not _ID.match(message_id):
        raise HTTPException(404, "no such held message")
    return message_id


def _page_number(request: Request) -> int:
    try:
        return max(1, min(int(request.query_params.get("page", "1")), 100_000))
    except ValueError:
        return 1


def _status_filter(request: Request) -> HoldStatus | None:
    try:
        return HoldStatus(request.query_params.get("status", ""))
    except ValueError:
        return None


@router.get("/messages/staging")
async def staging_page(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    status = _status_filter(request)
    election = await staging.get_election(clients, user)
    rejects = await staging.list_always_rejects(clients, user)
    holds = await staging.list_holds(clients, user, page=_page_number(request), status=status)
    return render(
        request, "staging.html", user=user, active="staging", election=election,
        rejects=[r for r in rejects if r.active], holds=holds, clock=clock, status=status,
        status_labels=STATUS_LABELS, channel_labels=CHANNEL_LABELS,
        pages=max(1, -(-holds.total // holds.page_size)),
        notice=NOTICES.get(request.query_params.get("done", "")),
    )  # fmt: skip


@router.post("/messages/staging/election")
async def change_election(user: PageUser, form: PostedForm, clients: ClientsDep) -> Response:
    wanted = form.get("enabled") == "true"
    before = await staging.get_election(clients, user)
    after = await staging.change_election(clients, user, wanted)
    changed = after.history[:1] != before.history[:1]
    done = ("enabled" if wanted else "disabled") if changed else "unchanged"
    return RedirectResponse(f"/messages/staging?done={done}", status_code=303)


@router.post("/messages/staging/always-reject/{message_type}/stop")
async def stop_always_rejecting(
    message_type: str, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    if not _TYPE.match(message_type):
        raise HTTPException(404, "no such message type")
    await staging.stop_always_rejecting(clients, user, message_type)
    return RedirectResponse("/messages/staging?done=stopped", status_code=303)


async def _hold_view(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep, message_id: str,
    *, error: str | None = None,
) -> Response:  # fmt: skip
    hold = await staging.get_hold(clients, user, message_id)
    election = await staging.get_election(clients, user)
    return render(
        request, "staging_hold.html", user=user, active="staging", hold=hold, clock=clock,
        election=election, status_labels=STATUS_LABELS, channel_labels=CHANNEL_LABELS,
        action_labels=ACTION_LABELS, decisions=DECISION_LABELS, error=error,
        status_code=409 if error else 200,
        notice=NOTICES.get(request.query_params.get("done", "")),
    )  # fmt: skip


@router.get("/messages/staging/{message_id}")
async def hold_page(
    request: Request, message_id: str, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    try:
        return await _hold_view(request, user, clock, clients, _checked(message_id))
    except HTTPException as error:
        return _missing(request, user, error)


def _missing(request: Request, user: User, error: HTTPException) -> Response:
    """A held message (or one of its recipients) out of reach: the portal's page, not a bare 404."""
    if error.status_code != 404:
        raise error
    return render(request, "staging_missing.html", user=user, active="staging", status_code=404)


@router.post("/messages/staging/{message_id}/decision")
async def decide(
    request: Request, message_id: str, user: PageUser, clock: MasterClock, form: PostedForm,
    clients: ClientsDep,
) -> Response:  # fmt: skip
    message_id = _checked(message_id)
    try:
        decision = Decision(form.get("decision", ""))
    except ValueError:
        return await _hold_view(request, user, clock, clients, message_id,
                                error="Choose Send As Is, Reject Once or Always Reject.")  # fmt: skip
    try:
        await staging.decide(clients, user, message_id, decision)
    except HTTPException as error:
        if error.status_code != 409:
            raise
        return await _hold_view(request, user, clock, clients, message_id,
                                error=f"Your decision was not applied: {error.detail}")  # fmt: skip
    return RedirectResponse(f"/messages/staging/{message_id}?done=decided-{decision.value}",
                            status_code=303)  # fmt: skip


@router.get("/messages/staging/{message_id}/recipients/{account_number}/{channel}")
async def rendered_page(
    request: Request, message_id: str, account_number: str, channel: Channel, user: PageUser,
    clients: ClientsDep,
) -> Response:  # fmt: skip
    """The held message exactly as this account would receive it on this channel."""
    try:
        hold = await staging.get_hold(clients, user, _checked(message_id))
        if account_number not in {r.account_number for r in hold.recipients}:
            raise HTTPException(404, "no such recipient")
        content = await messaging.broker_rendered(clients, user, message_id, account_number,
                                                  channel)  # fmt: skip
    except HTTPException as error:
        return _missing(request, user, error)
    return render(request, "staging_rendered.html", user=user, active="staging", hold=hold,
                  content=content, channel_label=CHANNEL_LABELS[channel])  # fmt: skip


@router.get("/messages/staging/{message_id}/recipients/{account_number}/{channel}/body")
async def rendered_body(
    message_id: str, account_number: str, channel: Channel, user: PageUser, clients: ClientsDep
) -> Response:
    hold = await staging.get_hold(clients, user, _checked(message_id))
    if account_number not in {r.account_number for r in hold.recipients}:
        raise HTTPException(404, "no such recipient")
    content = await messaging.broker_rendered(clients, user, message_id, account_number, channel)
    if content.html is None:
        raise HTTPException(404, "this channel has no HTML")
    return framed_html(content.html)

"""Pages: message templates (M6) — the list, writing and editing one with the variables it may
use, checking it with a preview of each channel — and the master's white branding (M4).

A preview's HTML is never put into the portal's page: a form posts the template into a
sandboxed frame, and the gateway answers it with a policy of its own (no scripts, no requests
beyond images), as the captured mail's body is served (gateway/pages/mail.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from contracts.access import Right
from contracts.accounts import Channel
from contracts.api.message_templates import (
    BrandingUpdate,
    TemplateCheck,
    TemplateCheckOut,
    TemplateCreate,
    TemplateOut,
    TemplateUpdate,
)
from gateway.auth.deps import check_csrf
from gateway.auth.rights import needs
from gateway.clients import messaging
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep
from gateway.pages.deps import MasterClock, PageUser, PostedForm, checked_form
from gateway.pages.forms import refusal_errors
from gateway.pages.mail import MAIL_BODY_POLICY
from gateway.pages.message_forms import CHANNEL_LABELS, ticked
from gateway.pages.rendering import render
from gateway.store.users import User
from gateway.uploads import read_logo_upload

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.COMMUNICATION_CENTER)])

FRAMED = {"Content-Security-Policy": MAIL_BODY_POLICY, "X-Frame-Options": "SAMEORIGIN"}
NOTICES = {
    "created": "Template saved.",
    "saved": "Template saved.",
    "deleted": "Template deleted.",
    "branding": "Branding saved.",
    "logo": "Logo uploaded.",
}


def framed_html(html: str) -> HTMLResponse:
    """HTML of a message, for a sandboxed frame of a portal page only."""
    return HTMLResponse(html, headers=FRAMED)


@router.get("/messages/templates")
async def templates_page(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    listed = await messaging.list_templates(clients, user)
    return render(request, "message_templates.html", user=user, active="messages",
                  templates=listed.items, clock=clock,
                  notice=NOTICES.get(request.query_params.get("done", "")))  # fmt: skip


async def _template_view(
    request: Request,
    user: User,
    clients: ServiceClients,
    template: TemplateOut | None,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    checked: TemplateCheckOut | None = None,
) -> Response:
    shown = form or (
        {"name": template.name, "subject": template.subject, "body": template.body,
         "version": str(template.version)} if template else {}
    )  # fmt: skip
    variables = await messaging.list_variables(clients, user)
    return render(
        request, "message_template.html", user=user, active="messages",
        status_code=422 if errors else 200, saved=template, form=shown, errors=errors or {},
        variables=variables.items, checked=checked, channel_labels=CHANNEL_LABELS,
        notice=NOTICES.get(request.query_params.get("done", "")),
    )  # fmt: skip


@router.get("/messages/templates/new")
async def new_template_page(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    return await _template_view(request, user, clients, None)


@router.post("/messages/templates")
async def create_template(
    request: Request, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    try:
        body = TemplateCreate.model_validate({key: form.get(key, "") for key in
                                              ("name", "subject", "body")})  # fmt: skip
        created = await messaging.create_template(clients, user, body)
    except (ValidationError, HTTPException) as error:
        return await _template_view(request, user, clients, None, form=form,
                                    errors=refusal_errors(error))  # fmt: skip
    return RedirectResponse(f"/messages/templates/{created.id}?done=created", status_code=303)


@router.get("/messages/templates/{template_id:uuid}")
async def template_page(
    request: Request, template_id: UUID, user: PageUser, clients: ClientsDep
) -> Response:
    template = await messaging.get_template(clients, user, template_id)
    return await _template_view(request, user, clients, template)


@router.post("/messages/templates/{template_id:uuid}")
async def update_template(
    request: Request, template_id: UUID, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    try:
        body = TemplateUpdate.model_validate({key: form.get(key, "") for key in
                                              ("name", "subject", "body", "version")})  # fmt: skip
        await messaging.update_template(clients, user, template_id, body)
    except (ValidationError, HTTPException) as error:
        template = await messaging.get_template(clients, user, template_id)
        return await _template_view(request, user, clients, template, form=form,
                                    errors=refusal_errors(error))  # fmt: skip
    return RedirectResponse(f"/messages/templates/{template_id}?done=saved", status_code=303)


@router.post("/messages/templates/{template_id:uuid}/delete", dependencies=[Depends(checked_form)])
async def delete_template(template_id: UUID, user: PageUser, clients: ClientsDep) -> Response:
    await messaging.delete_template(clients, user, template_id)
    return RedirectResponse("/messages/templates?done=deleted", status_code=303)


def _check_of(form: dict[str, str]) -> TemplateCheck:
    return TemplateCheck.model_validate(
        {"subject": form.get("subject", ""), "body": form.get("body", ""),
         "with_banner": ticked(form, "with_banner"), "with_footer": ticked(form, "with_footer")}
    )  # fmt: skip


@router.post("/messages/templates/check")
async def check_template(
    request: Request, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    """The template being written, checked: its refusals at the fields, else its previews."""
    try:
        template_id = UUID(form["template_id"]) if form.get("template_id") else None
    except ValueError:
        raise HTTPException(404, "no such template") from None
    template = await messaging.get_template(clients, user, template_id) if template_id else None
    try:
        checked = await messaging.check_template(clients, user, _check_of(form))
    except (ValidationError, HTTPException) as error:
        return await _template_view(request, user, clients, template, form=form,
                                    errors=refusal_errors(error))  # fmt: skip
    return await _template_view(request, user, clients, template, form=form, checked=checked)


@router.post("/messages/templates/preview")
async def preview_body(user: PageUser, form: PostedForm, clients: ClientsDep) -> Response:
    """The HTML of one channel's preview, into the sandboxed frame that asked for it."""
    try:
        channel = Channel(form.get("channel", ""))
        checked = await messaging.check_template(clients, user, _check_of(form))
    except (ValueError, HTTPException):
        return framed_html("<p>This template has problems: check it first.</p>")
    html = next((p.html for p in checked.previews if p.channel == channel and p.html), None)
    if html is None:
        raise HTTPException(404, "this channel has no HTML")
    return framed_html(html)


# --- branding -----------------------------------------------------------------------------


async def _branding_view(
    request: Request,
    user: User,
    clients: ServiceClients,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    branding = await messaging.get_branding(clients, user)
    return render(
        request, "message_branding.html", user=user, active="messages",
        status_code=422 if errors and status_code == 200 else status_code, branding=branding,
        form=form or branding.model_dump(), errors=errors or {},
        notice=NOTICES.get(request.query_params.get("done", "")),
    )  # fmt: skip


@router.get("/messages/branding")
async def branding_page(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    return await _branding_view(request, user, clients)


@router.post("/messages/branding")
async def change_branding(
    request: Request, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    try:
        body = BrandingUpdate.model_validate({
            "primary_colour": form.get("primary_colour", ""),
            "accent_colour": form.get("accent_colour", ""),
            "banner_text": form.get("banner_text") or None,
            "footer_text": form.get("footer_text") or None,
        })  # fmt: skip
        await messaging.change_branding(clients, user, body)
    except (ValidationError, HTTPException) as error:
        return await _branding_view(request, user, clients, form=form,
                                    errors=refusal_errors(error))  # fmt: skip
    return RedirectResponse("/messages/branding?done=branding", status_code=303)


@router.post("/messages/branding/logo")
async def upload_logo(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    try:
        upload = await read_logo_upload(request)
        check_csrf(request, upload.fields.get("csrf_token"))
        await messaging.upload_logo(clients, user, upload)
    except HTTPException as error:
        if error.status_code not in (413, 415, 422):
            raise
        detail = error.detail
        message = detail[0].get("msg", "") if isinstance(detail, list) and detail else detail
        return await _branding_view(request, user, clients, errors={"file": str(message)},
                                    status_code=error.status_code)  # fmt: skip
    return RedirectResponse("/messages/branding?done=logo", status_code=303)

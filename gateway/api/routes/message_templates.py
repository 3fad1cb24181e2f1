"""/api/v1: message templates (M6), the variables they may use and checking one with a preview
of each channel; the master's white branding and logo (M4). Owned by the messaging service."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from contracts.access import Right
from contracts.api.message_templates import (
    LOGO_MAX_BYTES,
    BrandingOut,
    BrandingUpdate,
    TemplateCheck,
    TemplateCheckOut,
    TemplateCreate,
    TemplateList,
    TemplateOut,
    TemplateUpdate,
    VariableList,
)
from gateway.api.responses import (
    CONFLICT,
    NOT_FOUND,
    RECORD_CHANGE,
    SERVICE_CALL,
    UPLOAD,
    file_download,
)
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import messaging
from gateway.deps import ClientsDep
from gateway.downloads import passthrough_download
from gateway.uploads import read_logo_upload, upload_body

router = APIRouter(
    tags=["message templates"], responses=SERVICE_CALL,
    dependencies=[needs(Right.COMMUNICATION_CENTER)],
)  # fmt: skip

LOGO_UPLOAD_BODY = upload_body(
    f"a PNG, JPEG, GIF or WebP image of at most {LOGO_MAX_BYTES // 1024} KB (judged by the "
    "content, not the name)"
)


@router.get("/message-templates")
async def list_templates(user: CurrentUser, clients: ClientsDep) -> TemplateList:
    return await messaging.list_templates(clients, user)


@router.post("/message-templates", status_code=status.HTTP_201_CREATED, responses=CONFLICT)
async def create_template(
    body: TemplateCreate, user: CurrentUser, clients: ClientsDep
) -> TemplateOut:
    """Save a template; its subject and body are checked (422 naming each problem, with the
    line), its name unique in the master whatever the case (409)."""
    return await messaging.create_template(clients, user, body)


@router.get("/message-templates/variables")
async def list_variables(user: CurrentUser, clients: ClientsDep) -> VariableList:
    """The variables a template may use (``{{ first_name }}`` …), each with a sample value."""
    return await messaging.list_variables(clients, user)


@router.post("/message-templates/check")
async def check_template(
    body: TemplateCheck, user: CurrentUser, clients: ClientsDep
) -> TemplateCheckOut:
    """Check a subject and body without saving them: 422 naming each problem, else how the
    message reads on each channel for a sample recipient, with the master's branding."""
    return await messaging.check_template(clients, user, body)


@router.get("/message-templates/{template_id}", responses=NOT_FOUND)
async def get_template(template_id: UUID, user: CurrentUser, clients: ClientsDep) -> TemplateOut:
    return await messaging.get_template(clients, user, template_id)


@router.put("/message-templates/{template_id}", responses=RECORD_CHANGE)
async def update_template(
    template_id: UUID, body: TemplateUpdate, user: CurrentUser, clients: ClientsDep
) -> TemplateOut:
    """Replace the template, naming the version replaced (409 when it changed since)."""
    return await messaging.update_template(clients, user, template_id, body)


@router.delete(
    "/message-templates/{template_id}", status_code=status.HTTP_204_NO_CONTENT,
    responses=NOT_FOUND,
)  # fmt: skip
async def delete_template(template_id: UUID, user: CurrentUser, clients: ClientsDep) -> None:
    await messaging.delete_template(clients, user, template_id)


@router.get("/branding")
async def get_branding(user: CurrentUser, clients: ClientsDep) -> BrandingOut:
    """The master's branding (the defaults until it sets one)."""
    return await messaging.get_branding(clients, user)


@router.put("/branding")
async def change_branding(
    body: BrandingUpdate, user: CurrentUser, clients: ClientsDep
) -> BrandingOut:
    """Colours, the banner's text and the footer's text (plain text)."""
    return await messaging.change_branding(clients, user, body)


@router.put("/branding/logo", openapi_extra=LOGO_UPLOAD_BODY, responses=UPLOAD)
async def upload_logo(request: Request, user: CurrentUser, clients: ClientsDep) -> BrandingOut:
    """The logo shown in the banner (the form's ``file``)."""
    return await messaging.upload_logo(clients, user, await read_logo_upload(request))


@router.get(
    "/branding/logo",
    response_class=Response,
    responses={**file_download("image/png", "the logo, of the type it was uploaded as"),
               **NOT_FOUND},
)  # fmt: skip
async def branding_logo(user: CurrentUser, clients: ClientsDep) -> Response:
    return passthrough_download(await messaging.branding_logo(clients, user))

"""Pages: the mail the embedded stack captured instead of sending (no SMTP server configured),
listed for the master's users with the communication-center right. Each message is shown with
its headers and text; its HTML part is served apart, under a policy of its own, into a
sandboxed frame (no scripts, no requests beyond images)."""

from __future__ import annotations

from email.message import EmailMessage

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from contracts.access import Right
from gateway.auth.rights import needs
from gateway.deps import SettingsDep
from gateway.pages.deps import PageUser
from gateway.pages.rendering import render
from gateway.settings import GatewaySettings
from gateway.store.users import User
from services.runtime.mail import captured_mail, open_captured

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.COMMUNICATION_CENTER)])

MAIL_BODY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; "
    "frame-ancestors 'self'; sandbox"
)


def _message(settings: GatewaySettings, user: User, name: str) -> EmailMessage:
    directory = settings.mail_capture_dir
    found = open_captured(directory, user.master_account_id, name) if directory else None
    if found is None:
        raise HTTPException(404, "no such captured message")
    return found


def _part(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    return None if part is None else str(part.get_content())  # type: ignore[attr-defined]


@router.get("/messages/mail")
async def captured_list(request: Request, user: PageUser, settings: SettingsDep) -> Response:
    directory = settings.mail_capture_dir
    mails = captured_mail(directory, user.master_account_id) if directory else []
    return render(request, "mail.html", user=user, active="messages", mails=mails,
                  capturing=directory is not None and not settings.smtp_host)  # fmt: skip


@router.get("/messages/mail/{name}")
async def captured_message(
    request: Request, name: str, user: PageUser, settings: SettingsDep
) -> Response:
    message = _message(settings, user, name)
    return render(request, "mail_message.html", user=user, active="messages", name=name,
                  message=message, text=_part(message, "plain"),
                  has_html=_part(message, "html") is not None)  # fmt: skip


@router.get("/messages/mail/{name}/body")
async def captured_body(name: str, user: PageUser, settings: SettingsDep) -> Response:
    html = _part(_message(settings, user, name), "html")
    if html is None:
        raise HTTPException(404, "this message has no HTML part")
    return HTMLResponse(html, headers={"Content-Security-Policy": MAIL_BODY_POLICY,
                                       "X-Frame-Options": "SAMEORIGIN"})  # fmt: skip

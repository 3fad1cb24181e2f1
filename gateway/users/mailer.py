"""The email with a one-time set-password link, sent after the transaction that issued the link
commits. A failed send leaves the user as they are (the link can be sent again) and is reported
to the caller as a warning. Neither the token nor the link is ever logged; the email never
holds a password."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import Annotated

import structlog
from fastapi import Depends, Request

from gateway.deps import SettingsDep
from gateway.users.use_cases import PasswordLink
from services.runtime.mail import MailError, MailTransport, sender_address, transport_from_settings

log = structlog.get_logger(__name__)

SET_PASSWORD_PATH = "/set-password"  # noqa: S105 - a path, not a secret


def password_link_email(
    link: PasswordLink, *, sender: str, url: str, master_name: str, now: datetime
) -> EmailMessage:
    user = link.user
    assert user.email is not None
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    name = " ".join(user.display_name.split())
    firm = " ".join(master_name.split())
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((name, user.email))
    message["Message-ID"] = make_msgid("password-link", domain=domain)
    message["Date"] = format_datetime(now)
    if link.purpose == "invitation":
        message["Subject"] = f"Your Advisor Portal user at {firm}: set your password"
        opening = f"{firm} has added you as a user of the Advisor Portal."
    else:
        message["Subject"] = f"Set a new Advisor Portal password ({firm})"
        opening = f"{firm}'s primary user has asked for you to set a new password."
    message.set_content(
        f"Dear {name},\n\n{opening}\n\n"
        f"Your username: {user.username}\n\n"
        f"Choose your password with this link (it works once, until "
        f"{link.expires_at:%Y-%m-%d %H:%M} UTC):\n\n{url}\n\n"
        "If you did not expect this email, you can ignore it.\n"
    )
    return message


class PasswordLinkMailer:
    def __init__(self, transport: MailTransport, *, sender: str, portal_base_url: str) -> None:
        self.transport = transport
        self._sender = sender
        self._base = portal_base_url.rstrip("/")

    def url_of(self, token: str) -> str:
        return f"{self._base}{SET_PASSWORD_PATH}/{token}"

    async def send(self, link: PasswordLink, *, master_name: str) -> str | None:
        """Send the link; None when the mail server took it, else why not (a warning)."""
        message_id = ""
        try:
            message = password_link_email(
                link, sender=self._sender, url=self.url_of(link.token), master_name=master_name,
                now=datetime.now(link.expires_at.tzinfo),
            )  # fmt: skip
            message_id = message["Message-ID"]
            await self.transport.send(message)
        except MailError as error:
            reason = error.reason
        except (ValueError, OSError) as error:  # an address the email library refuses, a disk
            reason = f"not sendable ({type(error).__name__})"
        else:
            log.info("password link sent", user_id=str(link.user.id), message_id=message_id)
            return None
        log.warning("password link not sent", user_id=str(link.user.id), reason=reason)
        return f"the email with the set-password link was not sent ({reason}); send it again later"


async def password_link_mailer(request: Request, settings: SettingsDep) -> PasswordLinkMailer:
    """One mailer per application, built on first use from the gateway's mail settings."""
    mailer: PasswordLinkMailer | None = getattr(request.app.state, "password_link_mailer", None)
    if mailer is None:
        mailer = PasswordLinkMailer(
            transport_from_settings(settings), sender=sender_address(settings),
            portal_base_url=settings.portal_base_url,
        )  # fmt: skip
        request.app.state.password_link_mailer = mailer
    return mailer


MailerDep = Annotated[PasswordLinkMailer, Depends(password_link_mailer)]

"""Account invitations (C8): fully electronic (an email with a link to the prefilled application)
or semi-electronic (the advisor prints the prefilled application for the client to sign).

The link carries a token ``<master account>.<secret>``: the secret is random and unguessable and
only its SHA-256 is kept once the email is out; the master part lets the portal scope the lookup
to one master like every other query.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from uuid import UUID, uuid4

from contracts.accounts import AccountType
from contracts.api.invitations import InvitationStatus, token_master
from contracts.crm import InvitationMethod, InvitationSent
from services.contacts.domain.profile_types import meaning
from services.runtime.errors import Conflict, Gone, Invalid
from services.runtime.mail_headers import MASTER_HEADER

SECRET_BYTES = 32
MAX_SEND_ATTEMPTS = 5
FIRST_RETRY_AFTER = timedelta(minutes=1)


class InvitationRuleError(Invalid):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


class ContactClosed(Conflict):
    def __init__(self) -> None:
        super().__init__("the contact is closed: reopen it before inviting")


class LinkExpired(Gone):
    def __init__(self) -> None:
        super().__init__("this invitation link has expired; ask your advisor for a new one")


@dataclass
class Invitation:
    master_account_id: str
    contact_id: UUID
    method: InvitationMethod
    account_type: AccountType
    created_by: str
    created_at: datetime
    expires_at: datetime
    advisor_name: str
    id: UUID = field(default_factory=uuid4)
    email: str | None = None
    recipient_name: str = ""
    status: InvitationStatus = InvitationStatus.PREPARED
    token: str | None = None
    """the link's token; kept only until the email is sent"""
    token_hash: str | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    failure: str | None = None

    def sent_event(self) -> InvitationSent:
        return InvitationSent(
            invitation_id=self.id,
            contact_id=self.contact_id,
            method=self.method,
            account_type=self.account_type,
            email=self.email,
            sent_by=self.created_by,
        )

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def new_invitation(
    *,
    master_account_id: str,
    contact_id: UUID,
    recipient_name: str,
    email: str | None,
    method: InvitationMethod,
    account_type: AccountType,
    created_by: str,
    advisor_name: str,
    now: datetime,
    valid_for: timedelta,
) -> Invitation:
    """A new invitation: an email to send (with a fresh link) or an application to print."""
    invitation = Invitation(
        master_account_id=master_account_id,
        contact_id=contact_id,
        method=method,
        account_type=account_type,
        created_by=created_by,
        created_at=now,
        expires_at=now + valid_for,
        advisor_name=advisor_name,
        recipient_name=recipient_name,
    )
    if method is InvitationMethod.FULLY_ELECTRONIC:
        if not email:
            raise InvitationRuleError(
                "email", "the contact has no email address: add one to send an invitation"
            )
        invitation.email = email
        invitation.token = new_token(master_account_id)
        invitation.token_hash = token_hash(invitation.token)
        invitation.status = InvitationStatus.PENDING_SEND
        invitation.next_attempt_at = now
    return invitation


def new_token(master_account_id: str) -> str:
    return f"{master_account_id}.{secrets.token_urlsafe(SECRET_BYTES)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def master_of_token(token: str) -> str | None:
    """The master account a well-formed token belongs to; None for anything else."""
    return token_master(token)


def mark_sent(invitation: Invitation, now: datetime) -> None:
    invitation.status = InvitationStatus.SENT
    invitation.sent_at = now
    invitation.token = None
    invitation.failure = None
    invitation.attempts += 1


def mark_attempt_failed(
    invitation: Invitation, now: datetime, reason: str, *, permanent: bool
) -> None:
    """Try again later with a growing delay, or give up for good."""
    invitation.attempts += 1
    invitation.failure = reason
    if permanent or invitation.attempts >= MAX_SEND_ATTEMPTS:
        invitation.status = InvitationStatus.FAILED
        invitation.token = None
        invitation.next_attempt_at = None
        return
    invitation.next_attempt_at = now + FIRST_RETRY_AFTER * 2 ** (invitation.attempts - 1)


def invitation_email(
    invitation: Invitation, *, sender: str, link: str, now: datetime
) -> EmailMessage:
    """The invitation email; its Message-ID is derived from the invitation id."""
    assert invitation.email is not None
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    advisor = " ".join(invitation.advisor_name.split())
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((" ".join(invitation.recipient_name.split()), invitation.email))
    message["Subject"] = (
        f"{advisor} invites you to open your {meaning(invitation.account_type)} account"
    )
    message["Message-ID"] = f"<invitation-{invitation.id}@{domain}>"
    message["Date"] = format_datetime(now)
    message[MASTER_HEADER] = invitation.master_account_id
    message.set_content(
        f"Dear {invitation.recipient_name},\n\n"
        f"{advisor} invites you to apply for a {meaning(invitation.account_type)} account.\n"
        "Your application is already prefilled with the information your advisor holds; "
        "please review it, correct anything that is wrong and complete the rest:\n\n"
        f"{link}\n\n"
        f"The link is personal and works until {invitation.expires_at:%Y-%m-%d}.\n"
        "If you did not expect this invitation, you can ignore this email.\n"
    )
    return message

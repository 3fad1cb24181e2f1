"""Use cases of account invitations (C8) and the sender of invitation emails.

Inviting records the invitation and moves the contact to ``invited`` in one transaction. A fully
electronic invitation is recorded as ``pending_send``; :class:`InvitationSender` (a background job
of the service) sends it after the commit and marks it sent, publishing ``InvitationSent`` in the
same transaction. Sending is at least once: a crash between the hand-over to the mail server and
the commit sends the email again, with the same Message-ID (derived from the invitation id) so
that mail systems can drop the duplicate. A semi-electronic invitation publishes
``InvitationSent`` at once: the prefilled application is downloaded and printed.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from uuid import UUID

import structlog
from faststream.kafka import KafkaBroker
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import topics
from contracts.accounts import AccountType, ApplicationStage
from contracts.api.invitations import (
    ApplicationField,
    ApplicationSection,
    ApplicationView,
    InvitationCreate,
)
from contracts.crm import InvitationMethod
from services.contacts import handlers
from services.contacts.domain.contact import Contact, state_of
from services.contacts.domain.invitations import (
    Invitation,
    InvitationRuleError,
    mark_attempt_failed,
    mark_sent,
    master_of_token,
    new_invitation,
    token_hash,
)
from services.contacts.domain.profile import PROFILE_COLUMNS, SECTION_TITLES, value_at
from services.contacts.domain.profile_types import meaning
from services.contacts.files.exports import ExportContact
from services.contacts.files.pdf import application_pdf, display
from services.contacts.store.invitations import InvitationStore, next_due_email, save_delivery
from services.contacts.store.repository import ContactRepository
from services.runtime.caller import Caller
from services.runtime.db import Database, UnitOfWork
from services.runtime.mail import MailError, MailTransport

log = structlog.get_logger(__name__)

MAX_EMAILS_PER_PASS = 100


class InvitationSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    application_url: str = Field(
        default="http://127.0.0.1:8000/apply",
        description="the portal's /apply page as the invited client reaches it; the link in "
        "the email is <APPLICATION_URL>/<token>",
    )
    invitation_valid_days: int = Field(default=30, ge=1, le=365)


class NotFound(LookupError):
    pass


class LinkExpired(Exception):
    pass


class ContactClosed(Exception):
    pass


# --- inviting -----------------------------------------------------------------------------


async def invite(
    uow: UnitOfWork,
    caller: Caller,
    contact_id: UUID,
    command: InvitationCreate,
    *,
    advisor_name: str,
    now: datetime,
    valid_for: timedelta,
) -> tuple[Invitation, Contact]:
    repository = ContactRepository(uow.session, caller.master_account_id)
    contact = await repository.get(contact_id, for_update=True)
    if contact is None:
        raise NotFound("no such contact")
    if contact.closed:
        raise ContactClosed("the contact is closed: reopen it before inviting")
    account_type = _account_type(command, contact)
    invitation = new_invitation(
        master_account_id=caller.master_account_id,
        contact_id=contact.id,
        recipient_name=contact.display_name,
        email=contact.email or _profile_email(contact),
        method=command.method,
        account_type=account_type,
        created_by=caller.user_id,
        advisor_name=advisor_name,
        now=now,
        valid_for=valid_for,
    )
    await InvitationStore(uow.session, caller.master_account_id).add(invitation)
    await _mark_invited(uow, contact, account_type, by=caller.user_id, now=now)
    if invitation.method is InvitationMethod.SEMI_ELECTRONIC:
        await _publish_sent(uow, invitation)
    return invitation, contact


def _account_type(command: InvitationCreate, contact: Contact) -> AccountType:
    prospect = contact.profile.prospect
    planned = prospect.account_type if prospect else None
    chosen = command.account_type or contact.account_type or planned
    if chosen is None:
        raise InvitationRuleError("account_type", "choose the type of account to apply for")
    return chosen


def _profile_email(contact: Contact) -> str | None:
    info = contact.profile.contact
    return str(info.email) if info and info.email else None


async def _mark_invited(
    uow: UnitOfWork, contact: Contact, account_type: AccountType, *, by: str, now: datetime
) -> None:
    """The contact's application is now at ``invited``. A contact whose account exists keeps the
    account's status: the invitation is for an additional account, which the back office will
    report on when it is applied for."""
    if contact.account_number is not None:
        return
    before = state_of(contact)
    contact.status = ApplicationStage.INVITED
    contact.status_changed_at = now
    contact.account_type = account_type
    await handlers.save_changes(uow, contact, before, changed_by=by, action="invited")


async def _publish_sent(uow: UnitOfWork, invitation: Invitation) -> None:
    await uow.publish(
        topics.CRM_RECORDS.name,
        invitation.sent_event(),
        master_account_id=invitation.master_account_id,
    )


# --- what the invited client and the advisor get -----------------------------------------


def export_contact(contact: Contact) -> ExportContact:
    return ExportContact(
        contact=contact.display_name,
        kind=contact.kind,
        title=contact.title,
        account_type=contact.account_type,
        account_number=contact.account_number,
        status=contact.status,
        username=contact.username,
        email=contact.email,
        phone=contact.phone,
        net_asset_value=contact.net_asset_value,
        profile=contact.profile,
    )


async def printable_application(
    contact: Contact, invitation: Invitation, *, now: datetime
) -> bytes:
    """The application prefilled from the record as it is now, to print and sign."""
    return await asyncio.to_thread(
        application_pdf,
        export_contact(contact),
        account_type=invitation.account_type,
        master_name=invitation.advisor_name,
        generated_at=now,
    )


async def application_for_link(
    session: AsyncSession, caller: Caller, token: str, *, now: datetime
) -> ApplicationView:
    """The prefilled application behind an invitation link (read-only)."""
    if master_of_token(token) != caller.master_account_id:
        raise NotFound("no such invitation")
    invitation = await InvitationStore(session, caller.master_account_id).by_token_hash(
        token_hash(token)
    )
    if invitation is None:
        raise NotFound("no such invitation")
    if invitation.is_expired(now):
        raise LinkExpired("this invitation link has expired; ask your advisor for a new one")
    contact = await ContactRepository(session, caller.master_account_id).get(invitation.contact_id)
    if contact is None:
        raise NotFound("no such invitation")
    return ApplicationView(
        applicant=contact.display_name,
        advisor_name=invitation.advisor_name,
        account_type=invitation.account_type,
        expires_at=invitation.expires_at,
        sections=application_sections(contact),
    )


def application_sections(contact: Contact) -> list[ApplicationSection]:
    """The profile's filled-in fields by section, as the application shows them; a tax id shows
    only its last four characters (the link travels by email)."""
    currency = value_at(contact.profile, "financial.currency")
    sections = []
    for section, title in SECTION_TITLES.items():
        fields = []
        for column in PROFILE_COLUMNS:
            if column.path.split(".")[0] != section:
                continue
            value = value_at(contact.profile, column.path)
            text = display(value, path=column.path, currency=currency)
            if text:
                shown = _masked(text) if column.path == "tax.tax_id" else text
                fields.append(ApplicationField(label=column.label, value=shown))
        sections.append(ApplicationSection(title=title, fields=fields))
    return sections


def _masked(text: str) -> str:
    return "•" * max(0, len(text) - 4) + text[-4:]


# --- sending ------------------------------------------------------------------------------


def invitation_email(invitation: Invitation, *, sender: str, link: str) -> EmailMessage:
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
    message["Date"] = format_datetime(datetime.now(UTC))
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


class InvitationSender:
    """Sends the invitation emails that are due, after the commits that recorded them."""

    def __init__(
        self,
        transport: MailTransport,
        *,
        sender: str,
        application_url: str,
        poll_seconds: float = 5.0,
    ) -> None:
        self.transport = transport
        self._sender = sender
        self._application_url = application_url.rstrip("/")
        self._poll_seconds = poll_seconds
        self._wake_up = asyncio.Event()

    def wake(self) -> None:
        """An invitation was just committed: send it now rather than at the next poll."""
        self._wake_up.set()

    async def run(self, database: Database, _broker: KafkaBroker) -> None:
        """The service's background job."""
        while True:
            try:
                await self.send_due(database)
            except Exception:
                log.exception("sending invitations failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake_up.wait(), self._poll_seconds)
            self._wake_up.clear()

    async def send_due(self, database: Database) -> int:
        """Send every due invitation email, one transaction each; returns how many were handled.

        Another sender running at the same time takes other invitations (row locks are skipped).
        """
        handled = 0
        while handled < MAX_EMAILS_PER_PASS:
            async with database.unit_of_work() as uow:
                invitation = await next_due_email(uow.session, datetime.now(UTC))
                if invitation is None:
                    break
                await self._deliver(uow, invitation)
                await uow.commit()
            handled += 1
        return handled

    async def _deliver(self, uow: UnitOfWork, invitation: Invitation) -> None:
        now = datetime.now(UTC)
        try:
            link = f"{self._application_url}/{invitation.token}"
            await self.transport.send(invitation_email(invitation, sender=self._sender, link=link))
        except MailError as error:
            mark_attempt_failed(invitation, now, error.reason, permanent=not error.transient)
        except ValueError as error:  # e.g. an address the email library refuses
            mark_attempt_failed(invitation, now, f"not sendable: {error}", permanent=True)
        else:
            mark_sent(invitation, now)
            await _publish_sent(uow, invitation)
        await save_delivery(uow.session, invitation)
        log.info(
            "invitation email", invitation_id=str(invitation.id), status=invitation.status.value
        )

"""Sending the invitation emails that are due, after the commits that recorded them.

Each email is one transaction: the invitation is locked (another sender skips it), sent, marked
sent or failed, and ``InvitationSent`` published in the same transaction. Sending is at least
once: a crash between the hand-over to the mail server and the commit sends the email again,
with the same Message-ID (derived from the invitation id) so that mail systems can drop the
duplicate.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

import structlog

from services.contacts.domain.invitations import (
    Invitation,
    invitation_email,
    mark_attempt_failed,
    mark_sent,
)
from services.contacts.service_layer.invitations import publish_sent
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.runtime.clock import Clock
from services.runtime.jobs import repeat
from services.runtime.mail import MailError, MailTransport
from services.runtime.service import ServiceContext

log = structlog.get_logger(__name__)

MAX_EMAILS_PER_PASS = 100


class UnitsOfWork(Protocol):
    """Where the sender opens a transaction per email (the service's ``Database``)."""

    def transaction(self) -> AbstractAsyncContextManager[ContactsUnitOfWork]: ...


async def send_next_invitation(
    uow: ContactsUnitOfWork, transport: MailTransport, *, sender: str, link_base: str, now: datetime
) -> Invitation | None:
    """Send the next due invitation email and record the outcome; None when none is due."""
    invitation = await uow.invitations.next_due_email(now)
    if invitation is None:
        return None
    try:
        link = f"{link_base}/{invitation.token}"
        await transport.send(invitation_email(invitation, sender=sender, link=link, now=now))
    except MailError as error:
        mark_attempt_failed(invitation, now, error.reason, permanent=not error.transient)
    except ValueError as error:  # e.g. an address the email library refuses
        mark_attempt_failed(invitation, now, f"not sendable: {error}", permanent=True)
    else:
        mark_sent(invitation, now)
        await publish_sent(uow, invitation)
    await uow.invitations.save_delivery(invitation)
    log.info("invitation email", invitation_id=str(invitation.id), status=invitation.status.value)
    return invitation


class InvitationSender:
    """The service's background job sending invitation emails; a route that just recorded one
    wakes it up."""

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
        self._link_base = application_url.rstrip("/")
        self._poll_seconds = poll_seconds
        self._wake_up = asyncio.Event()

    def wake(self) -> None:
        """An invitation was just committed: send it now rather than at the next poll."""
        self._wake_up.set()

    async def run(self, context: ServiceContext) -> None:
        async def one_pass() -> bool:
            return await self.send_due(context.database, context.clock) >= MAX_EMAILS_PER_PASS

        await repeat("invitation-sender", one_pass, every=self._poll_seconds, wake_up=self._wake_up)

    async def send_due(self, database: UnitsOfWork, clock: Clock) -> int:
        """Send every due invitation email (up to a pass's worth), one transaction each;
        returns how many were handled. Another sender running at the same time takes other
        invitations (row locks are skipped)."""
        handled = 0
        while handled < MAX_EMAILS_PER_PASS:
            async with database.transaction() as uow:
                sent = await send_next_invitation(
                    uow, self.transport, sender=self._sender, link_base=self._link_base,
                    now=clock.now(),
                )  # fmt: skip
            if sent is None:
                break
            handled += 1
        return handled

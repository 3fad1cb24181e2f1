"""Sent By Broker (M7): broker-originated messages about the master's clients, kept once per
broker message and master (never one copy per client), and what a master does with its copy.

``apply_broker_messages`` (the ``broker_message.issued`` consumer) groups each event's recipient
accounts by the master owning them (the ``clients`` read model; accounts messaging does not know
yet are left out and counted in the log) and stores each master's copy once, whatever is
replayed. A message that needs no review is delivered at once, and one flagged for review when
staging releases it (``staging_outcomes.py``), each once: as a message of origin
``broker`` to the master's open clients among its accounts, each with the broker's variables for
the account over the client's own, through the same recording and fan-out as a composed message
(``sending.record_and_publish``), so each recipient gets it once per channel. Holding and
deciding is the staging service's work, not this consumer's. A template the sandbox refuses is
stored with the reason and delivered to nobody.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import structlog

from contracts import topics
from contracts.access import ClientScope
from contracts.accounts import BrokerMessageIssued, Channel
from contracts.api.broker_messages import (
    BROKER_PAGE_SIZE,
    BrokerMessageDetail,
    BrokerMessagePage,
    BrokerMessageSummary,
    BrokerRecipientOut,
    BrokerRendered,
    EmailedDetails,
)
from contracts.messaging import BrokerMessageDeleted, MessageOrigin
from services.messaging.domain.broker_messages import (
    BrokerCopy,
    StagingStatus,
    broker_source,
    broker_subject,
    copies_by_master,
)
from services.messaging.domain.messages import Message
from services.messaging.domain.rendering import Composition, Rendered, compile_message, render
from services.messaging.domain.templates import TemplateRefused
from services.messaging.service_layer.sending import freeze, record_and_publish
from services.messaging.service_layer.unit_of_work import MessagingUnitOfWork
from services.runtime.caller import Caller
from services.runtime.consumers import Delivery
from services.runtime.errors import Invalid, NotFound, Unavailable
from services.runtime.mail import MailError, MailTransport
from services.runtime.mail_headers import MASTER_HEADER

log = structlog.get_logger(__name__)

_MESSAGE_IDS = uuid5(NAMESPACE_URL, "urn:advisor-portal:broker-messages")


def composition_of_copy(copy: BrokerCopy) -> Composition:
    """The broker's template as the communication center's renderer takes it."""
    return Composition(subject=broker_subject(copy.subject), body=broker_source(copy.template),
                       extra_variables=copy.variable_names)  # fmt: skip


def delivery_message_id(copy: BrokerCopy) -> UUID:
    """The message delivering a copy: the same id on every replay."""
    return uuid5(_MESSAGE_IDS, f"{copy.master_account_id}/{copy.message_id}")


# --- the consumer --------------------------------------------------------------------------------


async def apply_broker_messages(
    deliveries: Sequence[Delivery[Any]], uow: MessagingUnitOfWork
) -> None:
    """Every ``broker_message.issued`` of one poll: one copy per message and master, delivered
    once when it needs no review."""
    events: list[tuple[Delivery[Any], BrokerMessageIssued]] = [(d, d.event) for d in deliveries]
    wanted = {account for _, event in events for account in event.recipient_accounts}
    masters = await uow.broker_messages.masters_of(wanted)
    for delivery, event in events:
        copies = copies_by_master(
            message_id=event.message_id, message_type=event.message_type, subject=event.subject,
            template=event.template, channels=event.channels, accounts=event.recipient_accounts,
            variables=event.variables, masters=masters, review_required=event.review_required,
            received_at=delivery.envelope.occurred_at,
        )  # fmt: skip
        unknown = len(set(event.recipient_accounts) - masters.keys())
        if unknown:
            log.info("broker message names accounts not known yet", message_id=event.message_id,
                     unknown_accounts=unknown)  # fmt: skip
        for copy in copies:
            await _keep_and_deliver(uow, copy)


async def _keep_and_deliver(uow: MessagingUnitOfWork, copy: BrokerCopy) -> None:
    try:
        compile_message(composition_of_copy(copy))
    except TemplateRefused as refused:
        copy = replace(copy, refused_reason=str(refused)[:2000])
    if not await uow.broker_messages.add(copy):
        return  # this master's copy was kept (and delivered) before: a replay
    if copy.review_required:
        outcome = (await uow.broker_messages.staging_of(
            master_account_id=copy.master_account_id, message_ids=[copy.message_id]
        )).get(copy.message_id)  # fmt: skip
        if outcome is None or outcome.status is not StagingStatus.RELEASED:
            return  # staging releases it (its decision may have come first: then it is here)
    await deliver_copy(uow, copy)


async def deliver_copy(uow: MessagingUnitOfWork, copy: BrokerCopy) -> bool:
    """Deliver the copy to the master's open clients among its accounts, once: the copy is
    marked with its delivering message in the same transaction. Whether it went out now."""
    if copy.refused_reason is not None or copy.delivered_message_id is not None:
        return False
    recipients = await uow.clients.open_clients(
        master_account_id=copy.master_account_id, scope=ClientScope.everything(),
        account_numbers=copy.accounts,
    )  # fmt: skip
    if not recipients:
        return False
    message_id = delivery_message_id(copy)
    if not await uow.broker_messages.mark_delivered(
        master_account_id=copy.master_account_id, message_id=copy.message_id,
        delivered_message_id=message_id,
    ):  # fmt: skip
        return False
    master = await uow.masters.get(copy.master_account_id)
    firm = master.name if master is not None else copy.master_account_id
    broker_values = {r.account_number: r.variables for r in copy.recipients}
    frozen = []
    for recipient in recipients:
        own = freeze(recipient, master_name=firm, now=copy.received_at)
        variables = {**own.variables, **broker_values.get(recipient.account_number, {})}
        frozen.append(replace(own, variables=variables))
    composition = composition_of_copy(copy)
    message = Message(
        id=message_id, master_account_id=copy.master_account_id,
        origin=MessageOrigin.BROKER, idempotency_key=f"broker:{copy.message_id}"[:128],
        subject=composition.subject, body=composition.body, channels=copy.channels,
        recipient_count=len(frozen), created_at=copy.received_at,
    )  # fmt: skip
    await record_and_publish(uow, message, frozen)
    return True


# --- the master's copies -------------------------------------------------------------------------


async def reachable_copy(uow: MessagingUnitOfWork, caller: Caller, message_id: str) -> BrokerCopy:
    """The caller's copy, with only the recipients their scope reaches (404 if none)."""
    copy = await uow.broker_messages.get(master_account_id=caller.master_account_id,
                                         message_id=message_id, scope=caller.access.scope)  # fmt: skip
    if copy is None:
        raise NotFound("broker message")
    return await _scoped(uow, caller, copy)


async def _scoped(uow: MessagingUnitOfWork, caller: Caller, copy: BrokerCopy) -> BrokerCopy:
    if caller.access.scope.all_clients:
        return copy
    reached = await uow.broker_messages.reachable_accounts(
        master_account_id=caller.master_account_id, scope=caller.access.scope,
        accounts=copy.accounts,
    )  # fmt: skip
    return replace(copy, recipients=tuple(r for r in copy.recipients
                                          if r.account_number in reached))  # fmt: skip


async def _summaries(
    uow: MessagingUnitOfWork, caller: Caller, copies: Sequence[BrokerCopy]
) -> list[BrokerMessageSummary]:
    delivered = [c.delivered_message_id for c in copies if c.delivered_message_id]
    counts = await uow.deliveries.status_counts(delivered)
    inquiries = await uow.broker_messages.latest_inquiry_statuses(
        master_account_id=caller.master_account_id, message_ids=[c.message_id for c in copies]
    )
    staging = await uow.broker_messages.staging_of(
        master_account_id=caller.master_account_id,
        message_ids=[c.message_id for c in copies if c.review_required],
    )
    return [
        BrokerMessageSummary(
            id=c.message_id,
            received_at=c.received_at,
            subject=c.subject,
            message_type=c.message_type,
            recipient_count=len(c.recipients),
            channels=list(c.channels),
            review_required=c.review_required,
            delivered=c.delivered_message_id is not None,
            refused_reason=c.refused_reason,
            statuses=counts.get(c.delivered_message_id, {}) if c.delivered_message_id else {},
            inquiry_status=inquiries.get(c.message_id),
            staging_status=staging[c.message_id].status.value if c.message_id in staging else None,
            staging_deadline=staging[c.message_id].deadline if c.message_id in staging else None,
        )
        for c in copies
    ]


async def broker_message_page(
    uow: MessagingUnitOfWork, caller: Caller, *, page: int
) -> BrokerMessagePage:
    copies, total = await uow.broker_messages.page(
        master_account_id=caller.master_account_id, scope=caller.access.scope,
        offset=(page - 1) * BROKER_PAGE_SIZE, limit=BROKER_PAGE_SIZE,
    )  # fmt: skip
    scoped = [await _scoped(uow, caller, c) for c in copies]
    return BrokerMessagePage(items=await _summaries(uow, caller, scoped), page=page,
                             page_size=BROKER_PAGE_SIZE, total=total)  # fmt: skip


async def broker_message_detail(
    uow: MessagingUnitOfWork, caller: Caller, message_id: str
) -> BrokerMessageDetail:
    copy = await reachable_copy(uow, caller, message_id)
    (summary,) = await _summaries(uow, caller, [copy])
    return BrokerMessageDetail(
        **summary.model_dump(), template=copy.template,
        variable_names=sorted(copy.variable_names),
        recipients=[BrokerRecipientOut(account_number=r.account_number, variables=r.variables)
                    for r in copy.recipients],
    )  # fmt: skip


async def _rendered(
    uow: MessagingUnitOfWork, copy: BrokerCopy, accounts: Sequence[str], channel: Channel
) -> dict[str, Rendered]:
    """Each account's content as it receives it: the broker's variables over the client's own."""
    if copy.refused_reason is not None:
        raise Invalid(f"the broker's template was refused: {copy.refused_reason}")
    compiled = compile_message(composition_of_copy(copy))
    clients = await uow.clients.open_clients(
        master_account_id=copy.master_account_id, scope=ClientScope.everything(),
        account_numbers=accounts,
    )  # fmt: skip
    own = {c.account_number: c.variables(copy.master_account_id, copy.received_at.date())
           for c in clients}  # fmt: skip
    broker_values = {r.account_number: r.variables for r in copy.recipients}
    return {
        account: render(
            compiled, {**own.get(account, {}), **broker_values.get(account, {})}, channel
        )
        for account in accounts
    }


async def rendered_for_account(
    uow: MessagingUnitOfWork, caller: Caller, message_id: str, account_number: str,
    channel: Channel,
) -> BrokerRendered:  # fmt: skip
    copy = await reachable_copy(uow, caller, message_id)
    if account_number not in copy.accounts:
        raise NotFound("recipient")
    if channel not in copy.channels:
        raise NotFound("channel")
    content = (await _rendered(uow, copy, [account_number], channel))[account_number]
    return BrokerRendered(message_id=copy.message_id, account_number=account_number,
                          channel=channel, subject=content.subject, html=content.html,
                          text=content.text)  # fmt: skip


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def details_csv(copy: BrokerCopy, rendered: dict[str, dict[Channel, Rendered]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["account_number", "channel", "subject", "text"])
    for account, per_channel in rendered.items():
        for channel, content in per_channel.items():
            writer.writerow([_safe(account), channel.value, _safe(content.subject),
                             _safe(content.text)])  # fmt: skip
    return out.getvalue()


async def email_me(
    uow: MessagingUnitOfWork, caller: Caller, message_id: str, *, transport: MailTransport,
    sender: str, now: datetime,
) -> EmailedDetails:  # fmt: skip
    """Email the caller the full details: the template and, attached as CSV, the content each
    recipient (within the caller's scope) receives on each channel."""
    copy = await reachable_copy(uow, caller, message_id)
    user = (await uow.master_users.by_ids([caller.user_id])).get(caller.user_id)
    if user is None or not user.email:
        raise Invalid("your user has no email address to send the details to")
    rendered: dict[str, dict[Channel, Rendered]] = {a: {} for a in copy.accounts}
    for channel in copy.channels:
        for account, content in (await _rendered(uow, copy, copy.accounts, channel)).items():
            rendered[account][channel] = content
    email = EmailMessage()
    email["From"] = sender
    email["To"] = formataddr((user.display_name, user.email))
    email["Subject"] = f"Broker message details: {copy.subject}"[:300]
    email["Date"] = format_datetime(now)
    email["Message-ID"] = make_msgid(
        "broker-details", domain=parseaddr(sender)[1].rpartition("@")[2] or None
    )
    email[MASTER_HEADER] = copy.master_account_id  # the captured-mail page shows it to the master
    email.set_content(
        f"Broker message {copy.message_id} ({copy.message_type}), received "
        f"{copy.received_at.isoformat()}.\nSubject: {copy.subject}\nChannels: "
        f"{', '.join(c.value for c in copy.channels)}\nRecipients: {len(copy.recipients)}\n\n"
        f"Template:\n{copy.template}\n\nThe content each recipient receives is attached.\n"
    )
    email.add_attachment(details_csv(copy, rendered).encode(), maintype="text", subtype="csv",
                         filename=f"broker-message-{copy.message_id}.csv")  # fmt: skip
    try:
        await transport.send(email)
    except MailError as error:
        raise Unavailable(f"the details could not be emailed: {error.reason}") from error
    return EmailedDetails(to=user.email, recipient_count=len(copy.recipients))


# --- inquiries and deletion ----------------------------------------------------------------------


async def delete_broker_message(
    uow: MessagingUnitOfWork, caller: Caller, message_id: str, *, now: datetime
) -> None:
    """Hide the master's copy from its lists (404 from then on); other masters keep theirs."""
    copy = await reachable_copy(uow, caller, message_id)
    if not await uow.broker_messages.delete(master_account_id=caller.master_account_id,
                                            message_id=copy.message_id, at=now):  # fmt: skip
        raise NotFound("broker message")
    await uow.publish(
        topics.MESSAGING.name,
        BrokerMessageDeleted(
            broker_message_id=copy.message_id,
            master_account_id=caller.master_account_id,
            deleted_by_user_id=caller.user_id,
        ),
        master_account_id=caller.master_account_id,
    )

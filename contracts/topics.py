"""Every topic of the system, what it carries and what its messages are keyed by."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contracts import accounts, contacts, crm, deadletter, mail, messaging, staging, users
from contracts.envelope import Envelope


@dataclass(frozen=True)
class Topic:
    name: str
    envelope: Any
    key: str
    description: str


ACCOUNT_LIFECYCLE = Topic(
    "accounts.lifecycle",
    accounts.AccountLifecycleEnvelope,
    "account number",
    "Application stage changes and account opened/closed/reopened, from the back office.",
)
ACCOUNT_TRANSACTIONS = Topic(
    "accounts.transactions",
    accounts.AccountTransactionEnvelope,
    "account number",
    "Deposits, withdrawals, position and internal transfers, trades, dividends, interest.",
)
ACCOUNT_VALUATIONS = Topic(
    "accounts.valuations",
    accounts.AccountValuationEnvelope,
    "account number",
    "Daily net asset value and positions per account.",
)
CORPORATE_ACTIONS = Topic(
    "accounts.corporate-actions",
    accounts.CorporateActionEnvelope,
    "action id",
    "Mandatory and voluntary corporate actions announced for held positions.",
)
BROKER_MESSAGES = Topic(
    "broker.messages",
    accounts.BrokerMessageEnvelope,
    "message id",
    "Broker-originated messages to clients: template, variables, recipients, channels.",
)
SECURITY_DEVICES = Topic(
    "accounts.security-devices",
    accounts.SecurityDeviceEnvelope,
    "account number",
    "Security device shipments.",
)
CONTACTS = Topic(
    "contacts.contacts",
    contacts.ContactEnvelope,
    "contact id",
    "Every change to a prospect or client record (event-carried state).",
)
CRM_RECORDS = Topic(
    "contacts.crm",
    crm.CrmEnvelope,
    "group or household id; contact id for invitations, notes, tasks, calendar events and "
    "documents; task id for reminders",
    "Groups, households, notes, tasks/workflows, calendar events and documents (whole state "
    "after each change), invitations sent, tasks coming due (reminders).",
)
MESSAGING = Topic(
    "messaging.messages",
    messaging.MessagingEnvelope,
    "message id",
    "Messages sent from the communication center and their deliveries' outcomes per channel.",
)
MESSAGING_FANOUT = Topic(
    "messaging.fanout",
    messaging.FanoutEnvelope,
    "message id and chunk number",
    "Internal to messaging: chunks of a message's recipients to deliver (the fan-out's work).",
)
BULLETINS = Topic(
    "messaging.bulletins",
    messaging.BulletinEnvelope,
    "message id and chunk part",
    "Trading-platform bulletins for client accounts, rendered per recipient: each event holds "
    "the bulletins of one fan-out chunk (or part of one).",
)
USERS = Topic(
    "gateway.users",
    users.UserEnvelope,
    "user id",
    "The users of each master account (name, email, active, primacy, reminder preference): "
    "their whole state after every change.",
)
STAGING = Topic(
    "staging.holds",
    staging.StagingEnvelope,
    "master account id and broker message id (elections: master account id)",
    "Message staging: broker messages flagged for review held (with their deadline), released "
    "(not staged, Send As Is, deadline) or rejected (Reject Once, Always Reject), once each per "
    "master; staging elections and Always-Reject message types.",
)
MAIL_BOUNCES = Topic(
    "mail.bounces",
    mail.MailEnvelope,
    "Message-ID of the bounced email",
    "Bounces reported by the mail system after it accepted an email (external).",
)
DEAD_LETTERS = Topic(
    "platform.dead-letters",
    Envelope[deadletter.MessageDeadLettered],
    "original topic",
    "Messages a consumer could not process, with the reason; nothing is dropped silently.",
)

ALL_TOPICS: tuple[Topic, ...] = (
    ACCOUNT_LIFECYCLE,
    ACCOUNT_TRANSACTIONS,
    ACCOUNT_VALUATIONS,
    CORPORATE_ACTIONS,
    BROKER_MESSAGES,
    SECURITY_DEVICES,
    CONTACTS,
    CRM_RECORDS,
    MESSAGING,
    MESSAGING_FANOUT,
    BULLETINS,
    USERS,
    STAGING,
    MAIL_BOUNCES,
    DEAD_LETTERS,
)

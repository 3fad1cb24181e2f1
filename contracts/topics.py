"""Every topic of the system, what it carries and what its messages are keyed by."""

from __future__ import annotations

import types
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Union, get_args, get_origin

from contracts import (
    account_profiles,
    accounts,
    analytics,
    contacts,
    crm,
    deadletter,
    full_service,
    linkage,
    mail,
    margin,
    messaging,
    reports,
    staging,
    tools,
    users,
)
from contracts.envelope import Envelope


@dataclass(frozen=True)
class Topic:
    name: str
    envelope: Any
    key: str
    description: str

    @cached_property
    def event_types(self) -> frozenset[str] | None:
        """The ``type`` names of the events the topic's contract declares (None: some payload
        has no fixed name, so a name alone cannot tell a declared event from an unknown one)."""
        names: set[str] = set()
        for model in _payload_models(self.envelope.model_fields["payload"].annotation):
            field = getattr(model, "model_fields", {}).get("type")
            if field is None or not isinstance(field.default, str):
                return None
            names.add(field.default)
        return frozenset(names)


def _payload_models(annotation: Any) -> list[Any]:
    """The classes a payload annotation admits (through ``Annotated`` and unions)."""
    if get_origin(annotation) is Annotated:
        return _payload_models(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        return [model for arg in get_args(annotation) for model in _payload_models(arg)]
    return [annotation]


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
ACCOUNT_MARGIN = Topic(
    "accounts.margin",
    margin.MarginEnvelope,
    "account number",
    "Margin requirements per margin account, from the back office: equity with loan value, "
    "initial and maintenance requirement, excess liquidity (below zero: a margin deficit) and "
    "each position's contribution; the whole snapshot each time, the newest as-of wins.",
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
CORPORATE_ACTION_ELECTIONS = Topic(
    "analytics.corporate-action-elections",
    analytics.AnalyticsEnvelope,
    "action id",
    "Elections submitted by a master's users on voluntary corporate actions, per account.",
)
ACCOUNT_PROFILES = Topic(
    "accounts.profiles",
    account_profiles.AccountProfileEnvelope,
    "account number",
    "Each account's holder, username, personal information and banking instructions, and the "
    "security devices accounts hold, from the back office.",
)
LINKAGE = Topic(
    "linkage.links",
    linkage.LinkEnvelope,
    "request id; surviving account for links; account number for usernames",
    "Account-link requests (each step, confirmation, execution), accounts linked (fee minimums "
    "and consolidated reporting shared, the profile kept) and usernames deactivated.",
)
LINKAGE_DEVICES = Topic(
    "linkage.devices",
    linkage.DeviceEnvelope,
    "account number",
    "Security devices (replaced, shipped, activated, deactivated, flagged for return, charged) "
    "and access codes (temporary codes, online security code cards) issued or revoked.",
)
INVESTOR_PROFILES = Topic(
    "accounts.investor-profiles",
    tools.InvestorProfileEnvelope,
    "account number",
    "What each account's application collected about the investor (application and margin "
    "type, permissions, family, finances, objectives, experience), from the back office.",
)
SEGMENTS = Topic(
    "tools.segments",
    tools.SegmentEnvelope,
    "segment id",
    "Saved account data queries (segments) and their whole membership after each save, refresh "
    "or deletion: recipient lists for the communication center.",
)
MAIL_BOUNCES = Topic(
    "mail.bounces",
    mail.MailEnvelope,
    "Message-ID of the bounced email",
    "Bounces reported by the mail system after it accepted an email (external).",
)
BACKOFFICE_REQUESTS = Topic(
    "backoffice.requests",
    full_service.BackOfficeCommandEnvelope,
    "request id",
    "Full Service (C12): requests the contacts service sends the back office on an enrolled "
    "client's behalf (funding, position transfers, information changes); a withdrawal only "
    "once a Funding Authorizer confirmed it.",
)
BACKOFFICE_REQUEST_STATUS = Topic(
    "backoffice.request-status",
    full_service.RequestStatusEnvelope,
    "request id",
    "The back office's answers to Full Service requests: accepted, processed, or rejected with "
    "the reason (external).",
)
FULL_SERVICE = Topic(
    "contacts.full-service",
    full_service.FullServiceEnvelope,
    "contact id",
    "Full Service enrolments (form recorded, accepted, refused, revoked) and requests (each "
    "status, pending or not; a held withdrawal declined by a Funding Authorizer or cancelled by "
    "its submitter, never sent): whole state after every change, for timelines and Pending Items.",
)
BENCHMARKS = Topic(
    "market.benchmarks",
    reports.BenchmarkEnvelope,
    "benchmark id",
    "Benchmark index levels, one per business day (external market data; one copy per master): "
    "what performance reports compare a client's returns with.",
)
REPORT_DELIVERIES = Topic(
    "analytics.report-deliveries",
    reports.ReportDeliveryEnvelope,
    "delivery id",
    "Client reports (A10) to email to the client's email of record, now or for a schedule's "
    "period (monthly, quarterly): the report attached as a PDF, each delivery once.",
)
REPORT_DELIVERY_OUTCOMES = Topic(
    "messaging.report-deliveries",
    reports.ReportOutcomeEnvelope,
    "delivery id",
    "The communication center's outcome of each report delivery: sent, or failed with the "
    "reason (no email of record, refused by the mail server).",
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
    ACCOUNT_MARGIN,
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
    CORPORATE_ACTION_ELECTIONS,
    ACCOUNT_PROFILES,
    LINKAGE,
    LINKAGE_DEVICES,
    INVESTOR_PROFILES,
    SEGMENTS,
    BACKOFFICE_REQUESTS,
    BACKOFFICE_REQUEST_STATUS,
    FULL_SERVICE,
    BENCHMARKS,
    REPORT_DELIVERIES,
    REPORT_DELIVERY_OUTCOMES,
    DEAD_LETTERS,
)

"""Analytics' Kafka handler table: event type -> batch use case.

One table per topic (a topic is subscribed once). When two read models need the same event type,
``together`` runs their use cases in turn inside the batch's one unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contracts import account_profiles, accounts, margin, messaging, reports, staging, tools
from contracts.contacts import (
    ContactChanged,
    ContactClosed,
    ContactCreated,
    ContactRemoved,
    ContactReopened,
)
from contracts.crm import (
    CalendarEventChanged,
    DocumentChanged,
    GroupChanged,
    InvitationSent,
    NoteChanged,
    TaskChanged,
)
from contracts.full_service import ClientRequestChanged, FullServiceEnrolmentChanged
from contracts.linkage import (
    AccessCodeChanged,
    AccountsLinked,
    DeviceChanged,
    LinkRequestChanged,
    UsernameDeactivated,
)
from contracts.users import MasterChanged
from services.analytics.service_layer import ingest, segments
from services.analytics.service_layer import reports as client_reports
from services.analytics.service_layer.account_links import apply_accounts_linked
from services.analytics.service_layer.margin import apply_margin_reports
from services.analytics.service_layer.statistics import apply_contact_states, apply_group_changes
from services.runtime.consumers import BatchHandler, Delivery, HandlerTable


def together(*handlers: BatchHandler) -> BatchHandler:
    """One batch handler applying each of ``handlers`` to the same deliveries, in order."""

    async def apply_all(deliveries: Sequence[Delivery[Any]], uow: Any) -> None:
        for handler in handlers:
            await handler(deliveries, uow)

    apply_all.__name__ = apply_all.__qualname__ = "+".join(h.__name__ for h in handlers)
    return apply_all


_contact = together(apply_contact_states, ingest.apply_contact_timeline, segments.apply_contacts)
CONTACT_HANDLERS: HandlerTable = {
    ContactCreated: _contact,
    ContactChanged: _contact,
    ContactClosed: _contact,
    ContactReopened: _contact,
    ContactRemoved: _contact,
}

CRM_HANDLERS: HandlerTable = {
    GroupChanged: apply_group_changes,  # the members a group scope names
    NoteChanged: ingest.apply_record_timeline,
    TaskChanged: ingest.apply_record_timeline,
    CalendarEventChanged: ingest.apply_record_timeline,
    DocumentChanged: ingest.apply_record_timeline,
    InvitationSent: ingest.apply_record_timeline,
}

# ---- A1, A2, A3, X6: the back office's account events, messaging and staging

LIFECYCLE_HANDLERS: HandlerTable = {
    accounts.ApplicationStatusChanged: ingest.apply_lifecycle,
    accounts.AccountOpened: ingest.apply_lifecycle,
    accounts.AccountClosed: ingest.apply_lifecycle,
    accounts.AccountReopened: ingest.apply_lifecycle,
}

TRANSACTION_HANDLERS: HandlerTable = {
    accounts.Deposit: ingest.apply_transactions,
    accounts.Withdrawal: ingest.apply_transactions,
    accounts.PositionTransfer: ingest.apply_transactions,
    accounts.InternalTransfer: ingest.apply_transactions,
    accounts.TradeExecuted: ingest.apply_transactions,
    accounts.DividendPaid: ingest.apply_transactions,
    accounts.InterestPaid: ingest.apply_transactions,
}

# One handler for both kinds (A10's positions with quantities and values for the statements
# included, each use case taking its own kind), so that a poll is one run: a poll cut into
# alternating runs took facts rows run after run, in no one order, and deadlocked with the
# lifecycle consumer's batches.
_valuations = together(ingest.apply_valuations, client_reports.apply_positions)
VALUATION_HANDLERS: HandlerTable = {
    accounts.NetAssetValueReported: _valuations,
    accounts.PositionsReported: _valuations,
}

CORPORATE_ACTION_HANDLERS: HandlerTable = {
    accounts.CorporateActionAnnounced: ingest.apply_corporate_actions,
}

BROKER_MESSAGE_HANDLERS: HandlerTable = {
    accounts.BrokerMessageIssued: ingest.apply_broker_messages,
}

DEVICE_HANDLERS: HandlerTable = {
    accounts.SecurityDeviceShipped: ingest.apply_account_notices,
}

MESSAGING_HANDLERS: HandlerTable = {
    messaging.MessageSent: ingest.apply_messaging,
    messaging.DeliveryChanged: ingest.apply_messaging,
}

STAGING_HANDLERS: HandlerTable = {
    staging.BrokerMessageHeld: ingest.apply_staging,
    staging.BrokerMessageReleased: ingest.apply_staging,
    staging.BrokerMessageRejected: ingest.apply_staging,
}

# ---- A4, A8: the account facts that queries segment by (and RMD reads birth dates from)

ACCOUNT_PROFILE_HANDLERS: HandlerTable = {
    account_profiles.AccountProfileReported: segments.apply_holder_profiles,
}

INVESTOR_PROFILE_HANDLERS: HandlerTable = {
    tools.InvestorProfileReported: segments.apply_investor_profiles,
}

# ---- A11: margin requirements (each account's newest snapshot)

MARGIN_HANDLERS: HandlerTable = {
    margin.MarginRequirementsReported: apply_margin_reports,
}

# ---- A10: client reports (benchmark levels; the outcome of each report delivery)

BENCHMARK_HANDLERS: HandlerTable = {
    reports.BenchmarkLevelReported: client_reports.apply_benchmarks,
}

REPORT_OUTCOME_HANDLERS: HandlerTable = {
    reports.ReportDeliveryChanged: client_reports.apply_delivery_outcomes,
}

# ---- L3: links executed by the linkage service (linked accounts share fee minimums)

LINKAGE_HANDLERS: HandlerTable = {
    AccountsLinked: together(apply_accounts_linked, ingest.apply_link_timeline),
    LinkRequestChanged: ingest.apply_link_timeline,  # X6
    UsernameDeactivated: ingest.apply_link_timeline,  # X6
}

# ---- X6, A1: devices, the Full Service program, and the masters' time zones

LINKED_DEVICE_HANDLERS: HandlerTable = {
    DeviceChanged: ingest.apply_device_timeline,
    AccessCodeChanged: ingest.apply_device_timeline,
}

FULL_SERVICE_HANDLERS: HandlerTable = {
    FullServiceEnrolmentChanged: ingest.apply_full_service,
    ClientRequestChanged: ingest.apply_full_service,
}

MASTER_HANDLERS: HandlerTable = {
    MasterChanged: ingest.apply_master_zones,  # the dashboard's days are the master's
}

"""The contacts service's Kafka handler table: event type -> batch use case."""

from __future__ import annotations

from contracts.accounts import (
    AccountClosed,
    AccountOpened,
    AccountReopened,
    ApplicationStatusChanged,
    NetAssetValueReported,
)
from contracts.full_service import (
    ClientRequestAccepted,
    ClientRequestProcessed,
    ClientRequestRejected,
)
from services.contacts.service_layer import account_events, full_service
from services.runtime.consumers import HandlerTable, one_at_a_time

LIFECYCLE_HANDLERS: HandlerTable = {
    ApplicationStatusChanged: one_at_a_time(account_events.apply_application_status),
    AccountOpened: one_at_a_time(account_events.apply_account_opened),
    AccountClosed: one_at_a_time(account_events.apply_account_closed),
    AccountReopened: one_at_a_time(account_events.apply_account_reopened),
}
VALUATION_HANDLERS: HandlerTable = {NetAssetValueReported: account_events.apply_net_asset_values}
# the back office's answers to Full Service requests (C12)
REQUEST_STATUS_HANDLERS: HandlerTable = {
    ClientRequestAccepted: full_service.apply_request_statuses,
    ClientRequestProcessed: full_service.apply_request_statuses,
    ClientRequestRejected: full_service.apply_request_statuses,
}

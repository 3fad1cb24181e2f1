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
from services.runtime.consumers import HandlerTable

# one handler for the four: a poll's lifecycle events are applied together, in order
LIFECYCLE_HANDLERS: HandlerTable = {
    ApplicationStatusChanged: account_events.apply_account_events,
    AccountOpened: account_events.apply_account_events,
    AccountClosed: account_events.apply_account_events,
    AccountReopened: account_events.apply_account_events,
}
VALUATION_HANDLERS: HandlerTable = {NetAssetValueReported: account_events.apply_net_asset_values}
# the back office's answers to Full Service requests (C12)
REQUEST_STATUS_HANDLERS: HandlerTable = {
    ClientRequestAccepted: full_service.apply_request_statuses,
    ClientRequestProcessed: full_service.apply_request_statuses,
    ClientRequestRejected: full_service.apply_request_statuses,
}

"""Analytics' Kafka handler table: event type -> batch use case."""

from __future__ import annotations

from contracts.contacts import (
    ContactChanged,
    ContactClosed,
    ContactCreated,
    ContactRemoved,
    ContactReopened,
)
from contracts.crm import GroupChanged
from services.analytics.service_layer.statistics import apply_contact_states, apply_group_changes
from services.runtime.consumers import HandlerTable

CONTACT_HANDLERS: HandlerTable = {
    ContactCreated: apply_contact_states,
    ContactChanged: apply_contact_states,
    ContactClosed: apply_contact_states,
    ContactReopened: apply_contact_states,
    ContactRemoved: apply_contact_states,
}

CRM_HANDLERS: HandlerTable = {
    GroupChanged: apply_group_changes,  # the members a group scope names
}

"""Staging's Kafka handler tables: event type -> batch use case."""

from __future__ import annotations

from functools import partial, update_wrapper

from contracts.accounts import BrokerMessageIssued
from contracts.contacts import (
    ContactChanged,
    ContactClosed,
    ContactCreated,
    ContactRemoved,
    ContactReopened,
)
from contracts.crm import GroupChanged
from contracts.users import MasterChanged
from services.runtime.consumers import BatchHandler, HandlerTable
from services.staging.domain.schedule import StagingRules
from services.staging.service_layer.arrivals import apply_broker_messages
from services.staging.service_layer.directory import (
    apply_contact_states,
    apply_group_changes,
    apply_master_changes,
)

CONTACT_HANDLERS: HandlerTable = {
    ContactCreated: apply_contact_states,  # which master owns which account
    ContactChanged: apply_contact_states,
    ContactClosed: apply_contact_states,
    ContactReopened: apply_contact_states,
    ContactRemoved: apply_contact_states,
}

CRM_HANDLERS: HandlerTable = {
    GroupChanged: apply_group_changes,  # client scopes naming groups
}

USER_HANDLERS: HandlerTable = {
    MasterChanged: apply_master_changes,  # X5: the master's time zone
}


def broker_handlers(rules: StagingRules) -> HandlerTable:
    """S2: broker messages flagged for review, held (or not) with the deployment's rules."""
    handler: BatchHandler = update_wrapper(partial(apply_broker_messages, rules=rules),
                                           apply_broker_messages)  # fmt: skip
    return {BrokerMessageIssued: handler}

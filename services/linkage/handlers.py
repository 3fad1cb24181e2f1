"""Linkage' Kafka handler table: event type -> batch use case."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contracts.account_profiles import AccountProfileReported, SecurityDeviceIssued
from contracts.accounts import AccountClosed, AccountOpened, AccountReopened, SecurityDeviceShipped
from contracts.contacts import (
    ContactChanged,
    ContactClosed,
    ContactCreated,
    ContactRemoved,
    ContactReopened,
)
from contracts.crm import GroupChanged
from contracts.users import MasterChanged
from services.linkage.service_layer.directory import (
    apply_contacts,
    apply_devices_shipped,
    apply_groups,
    apply_lifecycle,
    apply_masters,
    apply_profiles_and_devices,
)
from services.linkage.service_layer.unit_of_work import LinkageUnitOfWork
from services.runtime.consumers import BatchHandler, Delivery, HandlerTable

PROFILE_HANDLERS: HandlerTable = {
    # holder, username, personal info, banking; the device each account holds (one handler)
    AccountProfileReported: apply_profiles_and_devices,
    SecurityDeviceIssued: apply_profiles_and_devices,
}

LIFECYCLE_HANDLERS: HandlerTable = {
    AccountOpened: apply_lifecycle,  # open accounts may be linked
    AccountReopened: apply_lifecycle,
    AccountClosed: apply_lifecycle,
}

CONTACT_HANDLERS: HandlerTable = {
    ContactCreated: apply_contacts,  # which contact an account is (record pages, group scopes)
    ContactChanged: apply_contacts,
    ContactClosed: apply_contacts,
    ContactReopened: apply_contacts,
    ContactRemoved: apply_contacts,
}

CRM_HANDLERS: HandlerTable = {GroupChanged: apply_groups}  # client scopes naming groups

USER_HANDLERS: HandlerTable = {MasterChanged: apply_masters}  # the master's time zone


def device_handlers(activation_days: float) -> HandlerTable:
    async def apply_shipped(deliveries: Sequence[Delivery[Any]], uow: LinkageUnitOfWork) -> None:
        await apply_devices_shipped(deliveries, uow, activation_days=activation_days)

    handler: BatchHandler = apply_shipped
    return {SecurityDeviceShipped: handler}  # replacements shipped: automatic activation

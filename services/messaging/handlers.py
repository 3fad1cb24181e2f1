"""Messaging' Kafka handler table: event type -> batch use case."""

from __future__ import annotations

from contracts.accounts import BrokerInquiryAnswered, BrokerMessageIssued
from contracts.contacts import (
    ContactChanged,
    ContactClosed,
    ContactCreated,
    ContactRemoved,
    ContactReopened,
)
from contracts.crm import GroupChanged, HouseholdChanged, TaskDue
from contracts.mail import EmailBounced
from contracts.messaging import DeliveryBatch
from contracts.reports import ReportDeliveryRequested
from contracts.staging import BrokerMessageHeld, BrokerMessageRejected, BrokerMessageReleased
from contracts.tools import SegmentMembershipChanged
from contracts.users import MasterChanged, UserChanged
from services.messaging.service_layer.broker_inquiries import apply_inquiry_answers
from services.messaging.service_layer.broker_messages import apply_broker_messages
from services.messaging.service_layer.directory import (
    apply_contact_states,
    apply_group_changes,
    apply_household_changes,
    apply_master_changes,
    apply_segment_changes,
    apply_user_changes,
)
from services.messaging.service_layer.email_delivery import apply_bounces
from services.messaging.service_layer.fanout import apply_delivery_batches
from services.messaging.service_layer.notices import apply_tasks_due
from services.messaging.service_layer.report_deliveries import apply_report_requests
from services.messaging.service_layer.staging_outcomes import apply_staging_outcomes
from services.runtime.consumers import HandlerTable

CONTACT_HANDLERS: HandlerTable = {
    ContactCreated: apply_contact_states,  # the clients recipients are chosen from
    ContactChanged: apply_contact_states,
    ContactClosed: apply_contact_states,
    ContactReopened: apply_contact_states,
    ContactRemoved: apply_contact_states,
}

CRM_HANDLERS: HandlerTable = {
    GroupChanged: apply_group_changes,  # recipients by group; client scopes naming groups
    HouseholdChanged: apply_household_changes,  # X4: once per household
    TaskDue: apply_tasks_due,  # X3: reminders in the user's Message Center (and email)
}

USER_HANDLERS: HandlerTable = {
    UserChanged: apply_user_changes,  # signatures, reply-to, reminder emails, staging notices
    MasterChanged: apply_master_changes,  # the master_name variable, times in notices
}

FANOUT_HANDLERS: HandlerTable = {
    DeliveryBatch: apply_delivery_batches,  # a chunk of recipients -> one delivery per channel
}

BROKER_HANDLERS: HandlerTable = {
    BrokerMessageIssued: apply_broker_messages,  # M7: one copy per master, delivered once
    BrokerInquiryAnswered: apply_inquiry_answers,  # the broker's answer to an inquiry
}

STAGING_HANDLERS: HandlerTable = {
    BrokerMessageHeld: apply_staging_outcomes,  # S2: the master's users told, with the deadline
    BrokerMessageReleased: apply_staging_outcomes,  # deliver the copy, once
    BrokerMessageRejected: apply_staging_outcomes,
}

MAIL_HANDLERS: HandlerTable = {
    EmailBounced: apply_bounces,  # M8: a sent email reported back as bounced
}

SEGMENT_HANDLERS: HandlerTable = {
    SegmentMembershipChanged: apply_segment_changes,  # A4: a saved segment, a recipient list
}

REPORT_HANDLERS: HandlerTable = {
    ReportDeliveryRequested: apply_report_requests,  # A10: a client report to the email of record
}

"""Composition root of the messaging service."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from fastapi import FastAPI

from contracts import topics
from services.messaging import handlers
from services.messaging.api import (
    branding,
    broker_messages,
    inbox,
    messages,
    notices,
    recipients,
    templates,
)
from services.messaging.service_layer.email_delivery import EmailSender
from services.messaging.service_layer.notices import ReminderMailer
from services.messaging.service_layer.report_deliveries import ReportMailer
from services.messaging.service_layer.unit_of_work import SqlMessagingUnitOfWork
from services.messaging.settings import MessagingSettings
from services.runtime.clock import Clock
from services.runtime.mail import sender_address, transport_from_settings
from services.runtime.service import ServiceDefinition, create_service

DEFINITION = ServiceDefinition(
    name="messaging",
    settings=MessagingSettings,
    unit_of_work=SqlMessagingUnitOfWork,
    routers=[
        templates.router,
        branding.router,
        messages.router,
        inbox.router,
        recipients.router,
        notices.router,
        broker_messages.router,
    ],
    subscriptions=[
        (topics.MESSAGING_FANOUT, handlers.FANOUT_HANDLERS),
        (topics.CONTACTS, handlers.CONTACT_HANDLERS),
        (topics.CRM_RECORDS, handlers.CRM_HANDLERS),
        (topics.USERS, handlers.USER_HANDLERS),
        (topics.BROKER_MESSAGES, handlers.BROKER_HANDLERS),
        (topics.STAGING, handlers.STAGING_HANDLERS),
        (topics.MAIL_BOUNCES, handlers.MAIL_HANDLERS),
        (topics.SEGMENTS, handlers.SEGMENT_HANDLERS),
        (topics.REPORT_DELIVERIES, handlers.REPORT_HANDLERS),
    ],
)


def email_sender(settings: MessagingSettings) -> EmailSender:
    """The job sending messages' queued emails, with the transport the settings choose."""
    return EmailSender(
        transport_from_settings(settings),
        sender=sender_address(settings),
        poll_seconds=settings.email_poll_seconds,
        max_attempts=settings.email_max_attempts,
        first_retry=timedelta(seconds=settings.email_first_retry_seconds),
    )


def reminder_mailer(settings: MessagingSettings) -> ReminderMailer:
    """The job emailing X3 reminders still to send, with the transport the settings choose."""
    return ReminderMailer(
        transport_from_settings(settings),
        sender=sender_address(settings),
        poll_seconds=settings.reminder_email_poll_seconds,
    )


def create_app(settings: MessagingSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    if settings is None:
        loaded = DEFINITION.load_settings()
        assert isinstance(loaded, MessagingSettings)
        settings = loaded
    sender = email_sender(settings)
    mailer = reminder_mailer(settings)
    reports = ReportMailer(transport_from_settings(settings), sender=sender_address(settings),
                           poll_seconds=settings.email_poll_seconds)  # fmt: skip
    definition = replace(DEFINITION, jobs=(sender.run, mailer.run, reports.run, *DEFINITION.jobs))
    app = create_service(definition, settings, clock=clock)
    app.state.email_sender = sender  # tests swap its transport
    app.state.reminder_mailer = mailer  # likewise
    app.state.report_mailer = reports  # likewise
    return app

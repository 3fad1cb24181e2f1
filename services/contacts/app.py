"""Composition root of the contacts service."""

from __future__ import annotations

from dataclasses import replace

from fastapi import FastAPI

from contracts import topics
from services.contacts import handlers
from services.contacts.api import contacts, groups, invitations, merge, records, transfers
from services.contacts.api import full_service as full_service_routes
from services.contacts.api import interop as interop_routes
from services.contacts.service_layer.invitation_sender import InvitationSender
from services.contacts.service_layer.reminders import run_reminders
from services.contacts.service_layer.unit_of_work import SqlContactsUnitOfWork
from services.contacts.settings import ContactsSettings
from services.runtime.clock import Clock
from services.runtime.mail import sender_address, transport_from_settings
from services.runtime.service import ServiceDefinition, create_service

DEFINITION = ServiceDefinition(
    name="contacts",
    settings=ContactsSettings,
    unit_of_work=SqlContactsUnitOfWork,
    routers=[
        transfers.router,
        interop_routes.router,  # issue 15: .ics and .vcf files
        merge.router,
        invitations.router,  # /contacts/pending-tasks before /contacts/{contact_id}
        contacts.router,
        records.router,
        groups.router,
        full_service_routes.router,
    ],
    subscriptions=[
        (topics.ACCOUNT_LIFECYCLE, handlers.LIFECYCLE_HANDLERS),
        (topics.ACCOUNT_VALUATIONS, handlers.VALUATION_HANDLERS),
        (topics.BACKOFFICE_REQUEST_STATUS, handlers.REQUEST_STATUS_HANDLERS),
    ],
    jobs=(run_reminders,),
)
"""The service as declared; ``create_app`` adds the invitation sender's job, which it builds
from the settings (its mail transport)."""


def invitation_sender(settings: ContactsSettings) -> InvitationSender:
    return InvitationSender(
        transport_from_settings(settings),
        sender=sender_address(settings),
        application_url=settings.application_url,
        poll_seconds=settings.invitation_poll_seconds,
    )


def create_app(settings: ContactsSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    if settings is None:
        loaded = DEFINITION.load_settings()
        assert isinstance(loaded, ContactsSettings)
        settings = loaded
    sender = invitation_sender(settings)
    definition = replace(DEFINITION, jobs=(sender.run, *DEFINITION.jobs))
    app = create_service(definition, settings, clock=clock)
    app.state.invitation_sender = sender  # routes reach it through api/deps.py
    return app

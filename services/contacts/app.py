"""Composition root of the contacts service."""

from __future__ import annotations

from dataclasses import replace

from fastapi import FastAPI

from contracts import topics
from services.contacts import handlers, reminders
from services.contacts.api import contacts, groups, invitations, merge, records, transfers
from services.contacts.invitations import InvitationSender, InvitationSettings
from services.runtime.mail import sender_address, transport_from_settings
from services.runtime.service import ServiceDefinition, create_service
from services.runtime.settings import ServiceSettings

DEFINITION = ServiceDefinition(
    name="contacts",
    routers=[
        transfers.router,
        merge.router,
        invitations.router,  # /contacts/pending-tasks before /contacts/{contact_id}
        contacts.router,
        records.router,
        groups.router,
    ],
    subscriptions=[
        (topics.ACCOUNT_LIFECYCLE, handlers.LIFECYCLE_HANDLERS),
        (topics.ACCOUNT_VALUATIONS, handlers.VALUATION_HANDLERS),
    ],
    background=(reminders.run,),
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or ServiceSettings(service_name=DEFINITION.name)  # type: ignore[call-arg]
    invitation_settings = InvitationSettings()
    sender = InvitationSender(
        transport_from_settings(settings),
        sender=sender_address(settings),
        application_url=invitation_settings.application_url,
    )
    definition = replace(DEFINITION, background=(*DEFINITION.background, sender.run))
    app = create_service(definition, settings)
    app.state.invitation_settings = invitation_settings
    app.state.invitation_sender = sender
    return app

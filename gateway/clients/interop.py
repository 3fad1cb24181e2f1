"""The contacts service's calendars (.ics) and vCards (.vcf) (issue 15)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from contracts.api.interop import EventImportReport
from gateway.clients.http import Download, NamedFile, ServiceClients, multipart
from gateway.store.users import User


async def calendar_feed(clients: ServiceClients, user: User, *, zone: str, name: str) -> Download:
    params = {"zone": zone, "name": name}
    return await clients.contacts.download("/calendar/feed.ics", user, params=params)


async def calendar_day(clients: ServiceClients, user: User, day: date, *, zone: str) -> Download:
    params = {"day": day.isoformat(), "zone": zone}
    return await clients.contacts.download("/calendar/day.ics", user, params=params)


async def event_file(clients: ServiceClients, user: User, event_id: UUID, *, zone: str) -> Download:
    return await clients.contacts.download(
        f"/events/{event_id}/event.ics", user, params={"zone": zone}
    )


async def import_events(
    clients: ServiceClients, user: User, contact_id: UUID, file: NamedFile, *, zone: str
) -> EventImportReport:
    """Hand the .ics to the contacts service; its 422 lists every problem and saves nothing."""
    report = await clients.contacts.json(
        "POST", f"/contacts/{contact_id}/events/import", user,
        files=multipart(file), params={"zone": zone},
    )  # fmt: skip
    return EventImportReport.model_validate(report)


async def export_vcards(
    clients: ServiceClients,
    user: User,
    *,
    version: str,
    contact_ids: list[UUID] | None = None,
    group_id: UUID | None = None,
) -> Download:
    params: list[tuple[str, str]] = [("version", version)]
    params += [("contact_id", str(contact_id)) for contact_id in contact_ids or []]
    if group_id is not None:
        params.append(("group_id", str(group_id)))
    return await clients.contacts.download("/contacts/export/contacts.vcf", user, params=params)

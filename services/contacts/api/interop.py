"""Routes: calendars as iCalendar (feed, one event, one day), .ics import onto a contact's
calendar, contacts as vCards (issue 15). Each parses, calls one use case and returns a file or
a view; CRM right, and the caller's reach, as for the records and the contacts they come from.
"""

from __future__ import annotations

from datetime import date, tzinfo
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, File, HTTPException, Query, UploadFile, status
from fastapi.responses import Response

from contracts.access import Right
from contracts.api.interop import (
    ICS_MEDIA_TYPE,
    MAX_ICS_BYTES,
    VCARD_MEDIA_TYPE,
    EventImportReport,
    VCardVersionParam,
    ZoneName,
)
from contracts.api.transfers import ImportProblem, ImportRefused
from services.contacts.api.deps import DatabaseDep
from services.contacts.files.ical import calendar_file, parse_ics, time_zone
from services.contacts.files.vcard_export import VCardVersion, vcard_file
from services.contacts.service_layer import interop
from services.runtime.caller import CallerDep, requires
from services.runtime.errors import Invalid
from services.runtime.service import ClockDep

router = APIRouter(tags=["interop"], dependencies=[Depends(requires(Right.CRM))])

ZoneQuery = Annotated[ZoneName | None, Query(description="IANA time zone of the times written")]
NameQuery = Annotated[str, Query(min_length=1, max_length=100)]


def _zone(name: str | None) -> tzinfo:
    zone = time_zone(name)
    if name and str(zone) != name:
        raise Invalid(f"unknown time zone {name!r}", field="zone")
    return zone


def _file(content: bytes, media_type: str, filename: str) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }
    return Response(content, media_type=media_type, headers=headers)


@router.get("/calendar/feed.ics")
async def calendar_feed(
    caller: CallerDep,
    database: DatabaseDep,
    clock: ClockDep,
    zone: ZoneQuery = None,
    name: NameQuery = "Advisor Portal",
) -> Response:
    """The events of the last three months and the coming year, and the caller's open tasks due
    then, as a calendar to subscribe to."""
    where = _zone(zone)
    now = clock.now()
    async with database.unit_of_work() as uow:
        found = await interop.feed_records(uow, caller, now=now)
    content = calendar_file(found.events, found.tasks, name=name, zone=where, now=now)
    return _file(content, ICS_MEDIA_TYPE, "calendar.ics")


@router.get("/calendar/day.ics")
async def calendar_day(
    day: date, caller: CallerDep, database: DatabaseDep, clock: ClockDep, zone: ZoneQuery = None
) -> Response:
    where = _zone(zone)
    async with database.unit_of_work() as uow:
        found = await interop.day_records(uow, caller, day, where)
    content = calendar_file(
        found.events, found.tasks, name=f"Calendar {day.isoformat()}", zone=where, now=clock.now()
    )
    return _file(content, ICS_MEDIA_TYPE, f"calendar-{day.isoformat()}.ics")


@router.get("/events/{event_id}/event.ics")
async def event_file(
    event_id: UUID,
    caller: CallerDep,
    database: DatabaseDep,
    clock: ClockDep,
    zone: ZoneQuery = None,
) -> Response:
    where = _zone(zone)
    async with database.unit_of_work() as uow:
        event = await interop.one_event(uow, caller, event_id)
    content = calendar_file([event], name=event.title, zone=where, now=clock.now())
    return _file(content, ICS_MEDIA_TYPE, f"event-{event.id}.ics")


@router.post(
    "/contacts/{contact_id}/events/import",
    status_code=status.HTTP_201_CREATED,
    responses={422: {"model": ImportRefused}},
)
async def import_events(
    contact_id: UUID,
    file: Annotated[UploadFile, File(description=".ics, at most 1 MB and 500 events")],
    caller: CallerDep,
    database: DatabaseDep,
    clock: ClockDep,
    zone: ZoneQuery = None,
) -> EventImportReport:
    """Every VEVENT of the file onto the contact's calendar, or none (422: each problem at its
    event's number and property). All-day and floating times are read in ``zone``."""
    where = _zone(zone)
    content = await file.read(MAX_ICS_BYTES + 1)
    result = parse_ics(content, contact_id=contact_id, zone=where)
    if not result.ok:
        problems = [
            ImportProblem(row=error.row, column=error.column, message=error.message).model_dump()
            for error in result.errors
        ]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problems)
    async with database.transaction() as uow:
        added = await interop.import_events(uow, caller, contact_id, result.events, now=clock.now())
    return EventImportReport(added=len(added), event_ids=[event.id for event in added])


@router.get("/contacts/export/contacts.vcf")
async def export_vcards(
    caller: CallerDep,
    database: DatabaseDep,
    version: VCardVersionParam = VCardVersionParam.V4,
    contact_id: Annotated[list[UUID], Query(max_length=1000)] = [],  # noqa: B006
    group_id: UUID | None = None,
) -> Response:
    """One contact, a selection (``contact_id`` repeated), a group's members or (neither) every
    contact within reach, as a .vcf."""
    async with database.unit_of_work() as uow:
        cards = await interop.card_contacts(uow, caller, contact_ids=contact_id, group_id=group_id)
    content = vcard_file(cards, VCardVersion(version.value))
    return _file(content, VCARD_MEDIA_TYPE, "contacts.vcf")

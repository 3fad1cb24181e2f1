"""/api/v1: calendars and address books in and out (issue 15).

- ``/calendar-feed``: the signed-in user's private iCalendar subscription (turn on or rotate:
  POST, answers the URL once; revoke: DELETE). The URL's secret is kept only as its SHA-256.
- ``/calendar-feed/{token}.ics``: the feed itself, public but for its secret; read from the
  contacts service as that user (their rights and client scope), in the master's time zone.
- ``.ics`` of one event or one day, an ``.ics`` imported onto a contact's calendar, contacts as
  a ``.vcf`` (vCard 4.0 or 3.0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from contracts.access import Right
from contracts.api.interop import (
    ICS_MEDIA_TYPE,
    MAX_ICS_BYTES,
    VCARD_MEDIA_TYPE,
    CalendarFeedOut,
    EventImportReport,
    VCardVersionParam,
)
from contracts.api.transfers import ImportRefused
from gateway.api.responses import SERVICE_CALL, UPLOAD, file_download
from gateway.auth.deps import CurrentUser
from gateway.auth.login import client_ip
from gateway.auth.rights import needs, public
from gateway.clients import interop
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep, DatabaseDep, SettingsDep
from gateway.downloads import passthrough_download
from gateway.refusals import invalid
from gateway.settings import GatewaySettings
from gateway.store import calendar_feeds
from gateway.store.audit import record_export
from gateway.store.people import master_time_zone
from gateway.store.users import User, by_id
from gateway.uploads import MULTIPART_FRAMING_BYTES, upload_body
from services.runtime.db import Database

router = APIRouter(tags=["interop"], responses=SERVICE_CALL)

FEED_PATH = "/api/v1/calendar-feed/{token}.ics"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
ICS_TOO_LARGE = f"an .ics file may have at most {MAX_ICS_BYTES // 1024} KB"
ICS_BODY = upload_body(".ics (at most 1 MB, 500 events), as Outlook, Google or Apple export it")


def feed_url(settings: GatewaySettings, token: str) -> str:
    return settings.portal_base_url.rstrip("/") + FEED_PATH.format(token=token)


async def zone_of(database: Database, user: User) -> str:
    async with database.unit_of_work() as uow:
        return str(await master_time_zone(uow.session, user.master_account_id))


async def feed_state(database: Database, user: User) -> CalendarFeedOut:
    async with database.unit_of_work() as uow:
        feed = await calendar_feeds.of_user(uow.session, user.id)
    if feed is None:
        return CalendarFeedOut(enabled=False)
    return CalendarFeedOut(enabled=True, created_at=feed.created_at, last_used_at=feed.last_used_at)


async def turn_on_feed(database: Database, settings: GatewaySettings, user: User) -> str:
    """A new secret for the user's feed (the former one stops working); the URL with it."""
    async with database.transaction() as uow:
        token = await calendar_feeds.turn_on(uow.session, user.id, now=datetime.now(UTC))
    return feed_url(settings, token)


async def turn_off_feed(database: Database, user: User) -> None:
    async with database.transaction() as uow:
        await calendar_feeds.turn_off(uow.session, user.id)


@router.get("/calendar-feed", dependencies=[needs(Right.CRM)])
async def get_calendar_feed(user: CurrentUser, database: DatabaseDep) -> CalendarFeedOut:
    """Whether the user's calendar subscription is on (its URL is only shown when made)."""
    return await feed_state(database, user)


@router.post("/calendar-feed", dependencies=[needs(Right.CRM)])
async def rotate_calendar_feed(
    user: CurrentUser, database: DatabaseDep, settings: SettingsDep
) -> CalendarFeedOut:
    """Turn the feed on, or give it a new secret URL (the former one stops working at once)."""
    url = await turn_on_feed(database, settings, user)
    return (await feed_state(database, user)).model_copy(update={"url": url})


@router.delete(
    "/calendar-feed", status_code=status.HTTP_204_NO_CONTENT, dependencies=[needs(Right.CRM)]
)
async def revoke_calendar_feed(user: CurrentUser, database: DatabaseDep) -> None:
    await turn_off_feed(database, user)


async def _feed_user(database: Database, token: str) -> User | None:
    if not _TOKEN.match(token):
        return None
    async with database.transaction() as uow:
        user_id = await calendar_feeds.user_of_token(uow.session, token, now=datetime.now(UTC))
        user = await by_id(uow.session, user_id) if user_id else None
    if user is None or not user.active or not user.access.has(Right.CRM):
        return None
    return user


@router.get(
    "/calendar-feed/{token}.ics",
    response_class=Response,
    responses={
        **file_download(ICS_MEDIA_TYPE, "the user's calendar (RFC 5545)"),
        404: {"description": "no feed has this URL (revoked, rotated or never made)"},
    },
    dependencies=[public()],
)
async def calendar_feed_file(token: str, database: DatabaseDep, clients: ClientsDep) -> Response:
    """The subscribed calendar: events of the last three months and the coming year and the
    user's open tasks due then, as the user may see them now."""
    user = await _feed_user(database, token)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such calendar feed")
    found = await interop.calendar_feed(
        clients,
        user,
        zone=await zone_of(database, user),
        name=f"Advisor Portal – {user.display_name}",
    )
    return passthrough_download(found, cache_control="private, max-age=300")


@router.get(
    "/calendar/day.ics",
    response_class=Response,
    responses=file_download(ICS_MEDIA_TYPE, "the events and the user's open tasks of one day"),
    dependencies=[needs(Right.CRM)],
)
async def calendar_day_file(
    day: date, user: CurrentUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    found = await interop.calendar_day(clients, user, day, zone=await zone_of(database, user))
    return passthrough_download(found, cache_control="no-store")


@router.get(
    "/events/{event_id}/event.ics",
    response_class=Response,
    responses=file_download(ICS_MEDIA_TYPE, "one calendar event"),
    dependencies=[needs(Right.CRM)],
)
async def event_file(
    event_id: UUID, user: CurrentUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    found = await interop.event_file(clients, user, event_id, zone=await zone_of(database, user))
    return passthrough_download(found, cache_control="no-store")


@dataclass(frozen=True)
class UploadedIcs:
    filename: str
    content: bytes
    content_type: str
    fields: dict[str, str]


async def read_ics_upload(request: Request) -> UploadedIcs:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_ICS_BYTES + MULTIPART_FRAMING_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, ICS_TOO_LARGE)
    async with request.form(max_files=1, max_fields=4) as form:
        file = form.get("file")
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        if not isinstance(file, UploadFile) or not file.filename:
            raise invalid("file", "choose an .ics file to import")
        content = await file.read(MAX_ICS_BYTES + 1)
    if len(content) > MAX_ICS_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, ICS_TOO_LARGE)
    return UploadedIcs(file.filename, content, "text/calendar", fields)


async def import_ics(
    clients: ServiceClients, database: Database, user: User, contact_id: UUID, file: UploadedIcs
) -> EventImportReport:
    zone = await zone_of(database, user)
    return await interop.import_events(clients, user, contact_id, file, zone=zone)


@router.post(
    "/contacts/{contact_id}/events/import",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=ICS_BODY,
    responses={
        **UPLOAD,
        422: {
            "model": ImportRefused,
            "description": "the problems found, each at its event's number (row) and property "
            "(column); nothing was saved",
        },
    },
    dependencies=[needs(Right.CRM)],
)
async def import_events(
    contact_id: UUID,
    request: Request,
    user: CurrentUser,
    clients: ClientsDep,
    database: DatabaseDep,
) -> EventImportReport:
    """Every event of an .ics file onto the contact's calendar, or none."""
    upload = await read_ics_upload(request)
    return await import_ics(clients, database, user, contact_id, upload)


@router.get(
    "/contacts/export/contacts.vcf",
    response_class=Response,
    responses=file_download(
        VCARD_MEDIA_TYPE.split(";", 1)[0],
        "vCards of the chosen contacts, a group's members, or every contact the user sees",
    ),
    dependencies=[needs(Right.CRM)],
)
async def export_vcards(
    request: Request,
    user: CurrentUser,
    clients: ClientsDep,
    database: DatabaseDep,
    version: VCardVersionParam = VCardVersionParam.V4,
    contact_id: Annotated[list[UUID], Query(max_length=1000)] = [],  # noqa: B006
    group_id: UUID | None = None,
) -> Response:
    exported = await interop.export_vcards(
        clients, user, version=version.value, contact_ids=contact_id, group_id=group_id
    )
    await record_export(database, user, kind="contacts.vcf", client_ip=client_ip(request))
    return passthrough_download(exported, cache_control="no-store")

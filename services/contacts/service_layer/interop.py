"""Use cases of interoperability (issue 15): the calendar of a user as iCalendar (feed, one
event, one day), events imported from an .ics file onto a contact's calendar, contacts as a .vcf.

Everything is read with the caller's access, like the lists the portal shows: events and tasks
within reach (tasks need the Account Information right for a client, as everywhere), contacts
within the caller's client scope; a contact or group out of reach is not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from uuid import UUID

from contracts.api.records import EventCreate
from contracts.crm import TaskStatus
from services.contacts.domain.contact import profile_of
from services.contacts.domain.reach import Reach
from services.contacts.domain.record_listings import EventFilter, PageRequest, TaskFilter
from services.contacts.domain.records import CalendarEvent, Task
from services.contacts.files.vcard_export import CardContact
from services.contacts.service_layer.records import (
    EVENTS,
    TASKS,
    add_event,
    contact_name,
    get_record,
)
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import Invalid, NotFound

FEED_PAST = timedelta(days=92)
FEED_FUTURE = timedelta(days=366)
MAX_FEED_RECORDS = 2000
PAGE = 500
MAX_SELECTED_CONTACTS = 1000


@dataclass(frozen=True)
class CalendarRecords:
    events: list[CalendarEvent]
    tasks: list[Task]


async def _events(
    uow: ContactsUnitOfWork, caller: Caller, start: datetime, end: datetime
) -> list[CalendarEvent]:
    found: list[CalendarEvent] = []
    where = EventFilter(overlapping=(start, end))
    reach = EVENTS.reach(caller)
    while len(found) < MAX_FEED_RECORDS:
        page = await uow.events.page(
            caller.master_account_id, where, PageRequest(len(found) // PAGE + 1, PAGE), reach
        )
        found += page.items
        if len(page.items) < PAGE:
            break
    return found[:MAX_FEED_RECORDS]


async def _open_tasks(
    uow: ContactsUnitOfWork, caller: Caller, start: datetime, end: datetime
) -> list[Task]:
    """The caller's own open tasks (assigned to them) due in the window, within reach."""
    where = TaskFilter(
        statuses=(TaskStatus.OPEN, TaskStatus.IN_PROGRESS),
        assignee_user_id=caller.user_id,
        due_from=start,
        due_to=end,
    )
    page = await uow.tasks.page(
        caller.master_account_id, where, PageRequest(1, MAX_FEED_RECORDS), TASKS.reach(caller)
    )
    return [task for task in page.items if task.due_at is not None]


async def feed_records(
    uow: ContactsUnitOfWork, caller: Caller, *, now: datetime
) -> CalendarRecords:
    """What a subscribed calendar shows: the events of the last three months and the coming
    year, and the caller's open tasks due in that time."""
    start, end = now - FEED_PAST, now + FEED_FUTURE
    return CalendarRecords(
        events=await _events(uow, caller, start, end),
        tasks=await _open_tasks(uow, caller, start, end),
    )


async def day_records(
    uow: ContactsUnitOfWork, caller: Caller, day: date, zone: tzinfo
) -> CalendarRecords:
    """The events of one day (in ``zone``) and the caller's open tasks due that day."""
    start = datetime.combine(day, time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return CalendarRecords(
        events=await _events(uow, caller, start, end),
        tasks=await _open_tasks(uow, caller, start, end - timedelta(microseconds=1)),
    )


async def one_event(uow: ContactsUnitOfWork, caller: Caller, event_id: UUID) -> CalendarEvent:
    return await get_record(uow, EVENTS, caller, event_id)


async def import_events(
    uow: ContactsUnitOfWork,
    caller: Caller,
    contact_id: UUID,
    events: Sequence[EventCreate],
    *,
    now: datetime,
) -> list[CalendarEvent]:
    """Add every event of a checked .ics file to the contact's calendar (the caller commits
    them all, or none); NotFound for a contact out of reach."""
    await contact_name(uow, caller, contact_id, reach=EVENTS.reach(caller))
    return [await add_event(uow, caller, event, now=now) for event in events]


async def card_contacts(
    uow: ContactsUnitOfWork,
    caller: Caller,
    *,
    contact_ids: Sequence[UUID] = (),
    group_id: UUID | None = None,
) -> list[CardContact]:
    """The contacts to write as vCards: those chosen, a group's members, or (neither given)
    every contact within the caller's reach; one chosen out of reach is not found."""
    master, reach = caller.master_account_id, Reach.of(caller.access)
    if group_id is not None:
        group = await uow.groups.get(group_id, master_account_id=master)
        if group is None or not group.visible_to(caller.user_id):
            raise NotFound("group")
        members = await uow.groups.member_ids(group_id, master_account_id=master)
        contact_ids = sorted(await uow.contacts.existing_ids(
            list(members), master_account_id=master, reach=reach
        ))  # fmt: skip
    elif not contact_ids:
        return await _whole_book(uow, caller)
    if len(contact_ids) > MAX_SELECTED_CONTACTS:
        raise Invalid(f"at most {MAX_SELECTED_CONTACTS} contacts can be chosen", field="id")
    cards: list[CardContact] = []
    for contact_id in dict.fromkeys(contact_ids):
        contact = await uow.contacts.get(contact_id, master_account_id=master, reach=reach)
        if contact is None:
            raise NotFound("contact")
        cards.append(CardContact(profile_of(contact), contact.id))
    return cards


async def _whole_book(uow: ContactsUnitOfWork, caller: Caller) -> list[CardContact]:
    batches = uow.exports.summary_batches(
        master_account_id=caller.master_account_id,
        with_profiles=True,
        reach=Reach.of(caller.access),
    )
    return [CardContact(row.profile) for batch in [b async for b in batches] for row in batch]

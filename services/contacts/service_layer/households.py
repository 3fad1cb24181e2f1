"""Use cases of households (C10): contacts of one master under a head of household.

A change publishes the household's whole new state (``HouseholdChanged``, version + 1) through
the outbox of the same transaction; creating or changing one also stores a new form to sign.

A household's page and forms show every member: a user whose reach (access rights) leaves out
one of its members does not find the household, nor add a contact out of reach to one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from contracts import topics
from contracts.api.groups import HouseholdCreate, HouseholdUpdate
from services.contacts.domain.households import (
    Candidate,
    Household,
    HouseholdRecord,
    HouseholdRuleError,
    check_household,
    distinct_members,
    form_members,
    household_name,
)
from services.contacts.domain.reach import Reach
from services.contacts.files.pdf import household_form_pdf
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import NotFound


async def active_households(uow: ContactsUnitOfWork, caller: Caller) -> list[HouseholdRecord]:
    reach = Reach.of(caller.access)
    households = await uow.households.active(
        master_account_id=caller.master_account_id, reach=reach
    )
    return [await _record_of(uow, household, reach) for household in households]


async def household_record(
    uow: ContactsUnitOfWork, caller: Caller, household_id: UUID
) -> HouseholdRecord:
    household = await _household(uow, caller, household_id)
    return await _record_of(uow, household, Reach.of(caller.access))


async def household_form(
    uow: ContactsUnitOfWork, caller: Caller, household_id: UUID, version: int
) -> tuple[bytes, str]:
    """A version of a household's form (dissolved households' too) and the household's name
    (empty once it is dissolved). A user whose reach is limited reads the forms of a household
    they reach (every member), not of a dissolved one."""
    master = caller.master_account_id
    if not Reach.of(caller.access).unlimited:
        await _household(uow, caller, household_id)
    pdf = await uow.households.form_pdf(household_id, version, master_account_id=master)
    if pdf is None:
        raise NotFound("household form")
    household = await uow.households.get(household_id, master_account_id=master)
    return pdf, household.name if household else ""


async def create_household(
    uow: ContactsUnitOfWork,
    caller: Caller,
    command: HouseholdCreate,
    *,
    advisor_name: str,
    now: datetime,
) -> HouseholdRecord:
    """Create a household; its first form to sign is generated with it."""
    members = distinct_members(command.member_contact_ids)
    household = Household(
        master_account_id=caller.master_account_id,
        name=household_name(command.name),
        head_contact_id=command.head_contact_id,
        member_ids=members,
    )
    candidates = await _checked_candidates(uow, caller, household)
    await uow.households.add(household, created_by=caller.user_id)
    await _new_form(uow, household, candidates, caller, advisor_name=advisor_name, now=now)
    return await household_record(uow, caller, household.id)


async def update_household(
    uow: ContactsUnitOfWork,
    caller: Caller,
    household_id: UUID,
    command: HouseholdUpdate,
    *,
    advisor_name: str,
    now: datetime,
) -> HouseholdRecord:
    """Change the name, members or head; a new version of the form is generated."""
    household = await _household(uow, caller, household_id, for_update=True)
    before = (household.name, household.head_contact_id, set(household.member_ids))
    if command.name is not None:
        household.name = household_name(command.name)
    if command.member_contact_ids is not None:
        household.member_ids = distinct_members(command.member_contact_ids)
    if command.head_contact_id is not None:
        household.head_contact_id = command.head_contact_id
    if (household.name, household.head_contact_id, set(household.member_ids)) != before:
        if household.head_contact_id is None:  # only after a merge took the head away
            raise HouseholdRuleError("head_contact_id", "choose the head of household")
        candidates = await _checked_candidates(uow, caller, household)
        household.version += 1
        await uow.households.save(household, new_members=True)
        await _new_form(uow, household, candidates, caller, advisor_name=advisor_name, now=now)
    return await household_record(uow, caller, household_id)


async def dissolve_household(uow: ContactsUnitOfWork, caller: Caller, household_id: UUID) -> None:
    household = await _household(uow, caller, household_id, for_update=True)
    household.dissolved = True
    household.version += 1
    await uow.households.save(household)
    await _publish(uow, household)


async def _household(
    uow: ContactsUnitOfWork, caller: Caller, household_id: UUID, *, for_update: bool = False
) -> Household:
    """The household, if the caller reaches every member."""
    household = await uow.households.get(
        household_id,
        master_account_id=caller.master_account_id,
        for_update=for_update,
        reach=Reach.of(caller.access),
    )
    if household is None:
        raise NotFound("household")
    return household


async def _checked_candidates(
    uow: ContactsUnitOfWork, caller: Caller, household: Household
) -> list[Candidate]:
    """The facts about the members, once the household rules accept them (a member out of the
    caller's reach is no such contact)."""
    assert household.head_contact_id is not None
    candidates = await uow.households.candidates(
        household.member_ids,
        master_account_id=household.master_account_id,
        reach=Reach.of(caller.access),
    )
    check_household(household.id, household.member_ids, household.head_contact_id, candidates)
    return candidates


async def _new_form(
    uow: ContactsUnitOfWork,
    household: Household,
    candidates: Sequence[Candidate],
    caller: Caller,
    *,
    advisor_name: str,
    now: datetime,
) -> None:
    """Store the household's new form to sign, and publish the household."""
    head, members = form_members(household.member_ids, household.head_contact_id, candidates)
    pdf = await asyncio.to_thread(
        household_form_pdf, household.name, head, members,
        master_name=advisor_name, generated_at=now,
    )  # fmt: skip
    await uow.households.add_form(household, pdf, generated_at=now, generated_by=caller.user_id)
    await _publish(uow, household)


async def _record_of(
    uow: ContactsUnitOfWork, household: Household, reach: Reach
) -> HouseholdRecord:
    master = household.master_account_id
    members = await uow.households.candidates(
        household.member_ids, master_account_id=master, reach=reach
    )
    forms = await uow.households.forms(household.id, master_account_id=master)
    return HouseholdRecord(household, members, forms)


async def _publish(uow: ContactsUnitOfWork, household: Household) -> None:
    await uow.publish(
        topics.CRM_RECORDS.name,
        household.changed_event(),
        master_account_id=household.master_account_id,
    )

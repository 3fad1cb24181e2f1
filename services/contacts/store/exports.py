"""Reading a master's whole book for the exports (C5), in batches, in the table's name order.

Rows come from a server-side cursor, so a large book is never held in memory at once. Stored
profiles were validated when they were saved; :func:`stored_profile` rebuilds them without
running the validators again (those parse phone numbers, tax ids and codes: too slow to repeat
100,000 times for an export).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, get_args

from pydantic import BaseModel
from sqlalchemy import Select, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.accounts import AccountType, ApplicationStage
from contracts.contacts import ContactKind
from services.contacts.domain.contact import Contact, profile_of
from services.contacts.domain.profile import PHONE_FIELDS, Profile
from services.contacts.domain.profile_fields import annotation_parts
from services.contacts.domain.reach import EVERYTHING, Reach
from services.contacts.files.exports import ExportContact, PendingTask
from services.contacts.store.scope import reach_conditions
from services.contacts.store.tables import contacts

BATCH_SIZE = 1000

_SUMMARY_COLUMNS = (
    contacts.c.first_name,
    contacts.c.last_name,
    contacts.c.kind,
    contacts.c.title,
    contacts.c.account_type,
    contacts.c.account_number,
    contacts.c.status,
    contacts.c.username,
    contacts.c.email,
    contacts.c.phone,
    contacts.c.net_asset_value,
)
_NAME_ORDER = (contacts.c.last_name, contacts.c.first_name, contacts.c.id)
_NO_PROFILE = Profile()  # shared by the summary rows, which never read it


class ExportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def summary_batches(
        self, *, master_account_id: str, with_profiles: bool = False, reach: Reach = EVERYTHING
    ) -> AsyncGenerator[list[ExportContact]]:
        """Every contact of the master within ``reach`` (summary fields, and the profile when
        asked for)."""
        columns = (*_SUMMARY_COLUMNS, contacts.c.profile) if with_profiles else _SUMMARY_COLUMNS
        statement = select(*columns).where(
            contacts.c.master_account_id == master_account_id,
            *reach_conditions(reach, master_account_id),
        )
        async for rows in self._batches(statement.order_by(*_NAME_ORDER)):
            yield [_export_contact(master_account_id, row, with_profiles) for row in rows]

    async def pending_task_batches(
        self, *, master_account_id: str, reach: Reach = EVERYTHING
    ) -> AsyncGenerator[list[PendingTask]]:
        """One entry per pending application task of the master's contacts within ``reach``."""
        statement = (
            select(
                contacts.c.first_name,
                contacts.c.last_name,
                contacts.c.account_number,
                contacts.c.status,
                contacts.c.pending_tasks,
            )
            .where(
                contacts.c.master_account_id == master_account_id,
                contacts.c.pending_tasks != text("'[]'::jsonb"),
                *reach_conditions(reach, master_account_id),
            )
            .order_by(*_NAME_ORDER)
        )
        async for rows in self._batches(statement):
            yield [
                PendingTask(
                    contact=f"{row.first_name} {row.last_name}",
                    account_number=row.account_number,
                    status=ApplicationStage(row.status) if row.status else None,
                    task=str(task),
                )
                for row in rows
                for task in row.pending_tasks
            ]

    async def _batches(self, statement: Select[Any]) -> AsyncIterator[list[Any]]:
        result = await self._session.stream(statement.execution_options(yield_per=BATCH_SIZE))
        async for rows in result.partitions():
            yield list(rows)


def _export_contact(master_account_id: str, row: Any, with_profile: bool) -> ExportContact:
    account_type = AccountType(row.account_type) if row.account_type else None
    profile = _NO_PROFILE
    if with_profile:
        # The profile as the record shows it: names, email and phone of a contact created with
        # the table's fields only are in the profile too, so the export can be imported again.
        stored = stored_profile(row.profile)
        profile = profile_of(
            Contact(
                master_account_id=master_account_id,
                first_name=row.first_name,
                last_name=row.last_name,
                email=row.email,
                phone=None if _has_phone(stored) else row.phone,  # parsing it is slow: only if used
                account_number=row.account_number,
                account_type=account_type,
                profile=stored,
            )
        )
    return ExportContact(
        contact=f"{row.first_name} {row.last_name}",
        kind=ContactKind(row.kind),
        title=row.title,
        account_type=account_type,
        account_number=row.account_number,
        status=ApplicationStage(row.status) if row.status else None,
        username=row.username,
        email=row.email,
        phone=row.phone,
        net_asset_value=row.net_asset_value,
        profile=profile,
    )


def _has_phone(profile: Profile) -> bool:
    info = profile.contact
    return info is not None and any(getattr(info, name) for name in PHONE_FIELDS)


def stored_profile(data: Mapping[str, Any]) -> Profile:
    """The profile as saved (``model_dump(mode="json")`` of a validated one), without
    validating it again."""
    return _construct(Profile, data, "")  # type: ignore[return-value]


def _construct(model: type[BaseModel], data: Mapping[str, Any], prefix: str) -> BaseModel:
    values: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, dict):
            values[name] = _construct(_section(model, name), value, f"{prefix}{name}.")
        else:
            values[name] = _leaf(f"{prefix}{name}", value)
    return model.model_construct(**values)


@cache
def _section(model: type[BaseModel], name: str) -> type[BaseModel]:
    annotation = model.model_fields[name].annotation
    return next(
        arg for arg in get_args(annotation) if isinstance(arg, type) and issubclass(arg, BaseModel)
    )


def _leaf(path: str, value: Any) -> Any:
    kind = _leaf_kind(path)
    if value is None or kind is None:
        return value
    if isinstance(value, list):
        return [kind(item) for item in value]
    return kind(value)


@cache
def _leaf_kind(path: str) -> Callable[[Any], Any] | None:
    """What turns the JSON form of a leaf back into its value (dates, amounts, codes)."""
    for part in annotation_parts(path):
        if part is date:
            return date.fromisoformat
        if part is Decimal:
            return lambda value: Decimal(str(value))
        if isinstance(part, type) and issubclass(part, Enum):
            return part
    return None

"""A contact (prospect or client) and the rules of how it changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from pydantic import ValidationError

from contracts.accounts import AccountType, Applicant, ApplicationStage
from contracts.contacts import ContactKind, ContactSnapshot
from services.contacts.domain.profile import (
    PHONE_FIELDS,
    ContactInfo,
    Profile,
    ProspectInfo,
    error_message,
)
from services.contacts.domain.profile_fields import changed_paths
from services.contacts.domain.profile_types import to_e164
from services.runtime.errors import Conflict, Invalid, Location

# An account becomes a client's once it is open; until then the contact stays a prospect.
CLIENT_STAGES = frozenset({ApplicationStage.OPEN, ApplicationStage.CLOSED})


@dataclass
class Contact:
    master_account_id: str
    first_name: str
    last_name: str
    id: UUID = field(default_factory=uuid4)
    kind: ContactKind = ContactKind.PROSPECT
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    username: str | None = None
    account_number: str | None = None
    account_type: AccountType | None = None
    status: ApplicationStage | None = None
    status_changed_at: datetime | None = None
    net_asset_value: Decimal | None = None
    closed: bool = False
    profile: Profile = field(default_factory=Profile)
    pending_tasks: list[str] = field(default_factory=list)
    version: int = 1
    created_at: datetime | None = None  # kept by the store
    updated_at: datetime | None = None  # kept by the store

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def snapshot(self) -> ContactSnapshot:
        return ContactSnapshot(
            contact_id=self.id,
            version=self.version,
            kind=self.kind,
            first_name=self.first_name,
            last_name=self.last_name,
            title=self.title,
            email=self.email,
            phone=self.phone,
            username=self.username,
            account_number=self.account_number,
            account_type=self.account_type,
            status=self.status,
            closed=self.closed,
        )


TRACKED_FIELDS = tuple(
    f.name for f in fields(Contact) if f.name not in {"id", "version", "created_at", "updated_at"}
)


@dataclass(frozen=True)
class ChangeRecord:
    """One entry of a contact's history: who changed what, and when."""

    changed_at: datetime
    changed_by: str
    action: str
    changes: dict[str, Any]


@dataclass(frozen=True)
class NewChange:
    """A change about to be recorded in a contact's history (a batch records many at once)."""

    contact_id: UUID
    master_account_id: str
    changed_by: str
    action: str
    changes: dict[str, Any]


@dataclass(frozen=True)
class AccountValuation:
    """An account's net asset value as the back office last reported it."""

    master_account_id: str
    account_number: str
    net_asset_value: Decimal


def latest_valuations(valuations: Iterable[AccountValuation]) -> list[AccountValuation]:
    """One valuation per account: the last one given (reports arrive in partition order)."""
    latest = {(v.master_account_id, v.account_number): v for v in valuations}
    return list(latest.values())


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field -> [old, new] for every tracked field that differs; profile leaves as
    ``profile.<section>.<field>``."""
    changes = {
        name: [before.get(name), after.get(name)]
        for name in TRACKED_FIELDS
        if name != "profile" and before.get(name) != after.get(name)
    }
    profile_changes = changed_paths(before["profile"], after["profile"])
    changes |= {f"profile.{path}": [old, new] for path, (old, new) in profile_changes.items()}
    return changes


def state_of(contact: Contact) -> dict[str, Any]:
    """A copy of the contact's tracked state, to compare with after a change."""
    state = {name: getattr(contact, name) for name in TRACKED_FIELDS}
    state["profile"] = contact.profile.model_copy(deep=True)
    state["pending_tasks"] = list(contact.pending_tasks)
    return state


def contact_from_application(
    master_account_id: str, account_number: str, account_type: AccountType, applicant: Applicant
) -> Contact:
    """A contact the back office told us about before the CRM knew it (e.g. a direct application)."""
    return Contact(
        master_account_id=master_account_id,
        first_name=applicant.first_name,
        last_name=applicant.last_name,
        title=f"{applicant.first_name} {applicant.last_name}",
        email=applicant.email,
        phone=applicant.phone,
        username=applicant.username,
        account_number=account_number,
        account_type=account_type,
    )


def new_contact(master_account_id: str, values: Mapping[str, Any]) -> Contact:
    """A contact created by a user from the table's columns (JSON-ready ``values``; first and
    last name required)."""
    contact = Contact(
        master_account_id=master_account_id,
        first_name=values["first_name"],
        last_name=values["last_name"],
    )
    edit_summary(contact, values)
    return contact


def apply_stage(
    contact: Contact,
    *,
    stage: ApplicationStage,
    account_number: str,
    account_type: AccountType | None,
    occurred_at: datetime,
) -> bool:
    """Move the contact's application to ``stage``; False when the news is older than what we know."""
    if contact.status_changed_at is not None and occurred_at < contact.status_changed_at:
        return False
    contact.status = stage
    contact.status_changed_at = occurred_at
    contact.account_number = contact.account_number or account_number
    contact.account_type = account_type or contact.account_type
    contact.closed = stage is ApplicationStage.CLOSED
    if stage in CLIENT_STAGES:
        contact.kind = ContactKind.CLIENT
    return True


# --- editing the record (C3) ----------------------------------------------------------------


class ContactConflict(Conflict):
    """The contact's state does not allow the command (it is already closed, not closed, ...)."""


class StaleVersion(ContactConflict):
    def __init__(self, current: int) -> None:
        super().__init__(
            f"the contact was changed in the meantime (it is now at version {current}); "
            "reload it and make the change again"
        )
        self.current = current


class ProfileRejected(Invalid):
    """Invalid profile data: (location, message) per problem; locations are paths in the
    profile (``("contact", "email")``), or field names for an edit of the table's columns."""

    def __init__(self, errors: list[tuple[Location, str]]) -> None:
        super().__init__(
            "; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in errors), problems=errors
        )
        self.errors = errors

    def located(self, locate: Callable[[Location], Location]) -> ProfileRejected:
        """The same problems, located in the request (e.g. under its ``profile`` field)."""
        return ProfileRejected([(locate(loc), message) for loc, message in self.errors])

    def detail(self) -> list[dict[str, Any]]:
        """FastAPI's validation format, as the profile routes have always answered it."""
        return [
            {"type": "value_error", "loc": [self.within, *loc], "msg": msg, "input": None}
            for loc, msg in self.errors
        ]


def check_version(contact: Contact, version: int) -> None:
    if contact.version != version:
        raise StaleVersion(contact.version)


def close(contact: Contact) -> None:
    """Close the record: kept for history, hidden from nothing, reopenable."""
    if contact.closed:
        raise ContactConflict("the contact is already closed")
    contact.closed = True


def reopen(contact: Contact) -> None:
    if not contact.closed:
        raise ContactConflict("the contact is not closed")
    contact.closed = False


def profile_of(contact: Contact) -> Profile:
    """The contact's profile with what the table knows filled in where the profile is silent:
    names, email and phone in the contact section, the intended account type of a prospect."""
    info = contact.profile.contact or ContactInfo()
    phone = _e164_or_none(contact.phone)
    contact_updates = {
        "first_name": info.first_name or contact.first_name,
        "last_name": info.last_name or contact.last_name,
        "email": info.email or contact.email,
    }
    if phone and not any(getattr(info, name) for name in PHONE_FIELDS):
        contact_updates["mobile_phone"] = phone
    updates: dict[str, Any] = {"contact": info.model_copy(update=contact_updates)}
    if contact.account_number is None and contact.account_type is not None:
        prospect = contact.profile.prospect or ProspectInfo()
        if prospect.account_type is None:
            updates["prospect"] = prospect.model_copy(update={"account_type": contact.account_type})
    return contact.profile.model_copy(update=updates)


def _e164_or_none(phone: str | None) -> str | None:
    if not phone:
        return None
    try:
        return to_e164(phone)
    except ValueError:
        return None


def replace_profile(contact: Contact, data: Mapping[str, Any]) -> None:
    """Replace the whole profile with ``data`` (validated); the table's columns follow."""
    _apply_profile(contact, data, sections=Profile.model_fields)


def replace_section(contact: Contact, section: str, values: Mapping[str, Any]) -> None:
    """Replace one section of the profile with ``values``; the others stay as they are."""
    if section not in Profile.model_fields:
        raise ProfileRejected([((section,), "no such profile section")])
    data = profile_of(contact).model_dump(mode="json", exclude_none=True)
    data[section] = dict(values)
    _apply_profile(contact, data, sections=(section,))


SUMMARY_PATHS = {
    "first_name": ("contact", "first_name"),
    "last_name": ("contact", "last_name"),
    "email": ("contact", "email"),
    "account_type": ("prospect", "account_type"),
}


def edit_summary(contact: Contact, values: Mapping[str, Any]) -> None:
    """Change the table's columns (JSON-ready values); names, email, phone and a prospect's
    account type are written to the profile, which they then follow. Errors are located at
    the column names."""
    values = dict(values)
    if "title" in values:
        contact.title = values.pop("title")
    if "account_type" in values and contact.account_number is not None:
        raise ProfileRejected(
            [(("account_type",), "the account type of an existing account comes from the broker")]
        )
    data = profile_of(contact).model_dump(mode="json", exclude_none=True)
    column_at: dict[Location, str] = {}
    for name, value in values.items():
        path = _phone_path(contact) if name == "phone" else SUMMARY_PATHS[name]
        data.setdefault(path[0], {})[path[1]] = value
        column_at[path] = name
    try:
        _apply_profile(contact, data, sections={str(path[0]) for path in column_at})
    except ProfileRejected as rejected:
        raise ProfileRejected(
            [
                ((column_at.get(loc[:2], ".".join(map(str, loc))),), msg)
                for loc, msg in rejected.errors
            ]
        ) from None


def _phone_path(contact: Contact) -> tuple[str, str]:
    """The profile phone that the table's phone shows (the first one given), else mobile."""
    info = profile_of(contact).contact
    for name in PHONE_FIELDS:
        if info is not None and getattr(info, name):
            return ("contact", name)
    return ("contact", "mobile_phone")


def _apply_profile(contact: Contact, data: Mapping[str, Any], *, sections: Iterable[str]) -> None:
    errors = _missing_names(data)
    try:
        profile = Profile.model_validate(data)
    except ValidationError as error:
        missing = {loc for loc, _ in errors}
        errors += [
            (tuple(item["loc"]), error_message(item))
            for item in error.errors()
            if tuple(item["loc"]) not in missing
        ]
    if errors:
        raise ProfileRejected(errors)
    contact.profile = profile
    _follow_profile(contact, set(sections))


def _missing_names(data: Mapping[str, Any]) -> list[tuple[Location, str]]:
    info = data.get("contact")
    info = info if isinstance(info, Mapping) else {}
    return [
        (("contact", name), "a contact needs a first and a last name")
        for name in ("first_name", "last_name")
        if not str(info.get(name) or "").strip()
    ]


def _follow_profile(contact: Contact, sections: set[str]) -> None:
    """Keep the table's columns in step with the profile sections just saved."""
    info = contact.profile.contact
    if "contact" in sections and info is not None and info.first_name and info.last_name:
        old_name = contact.display_name
        contact.first_name, contact.last_name = info.first_name, info.last_name
        if contact.title == old_name:
            contact.title = contact.display_name
        contact.email = info.email
        contact.phone = next(
            (getattr(info, name) for name in PHONE_FIELDS if getattr(info, name)), None
        )
    if "prospect" in sections and contact.account_number is None:
        prospect = contact.profile.prospect
        contact.account_type = prospect.account_type if prospect else None

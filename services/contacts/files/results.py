"""What an import produces: validated contact drafts, or every error found — never both."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from contracts.accounts import AccountType
from contracts.api.limits import MAX_LISTED_PROBLEMS, more_problems_message
from contracts.contacts import ContactKind
from services.contacts.domain.profile import Profile
from services.contacts.files.profile_columns import flatten

MAX_IMPORT_ROWS = 100

FILE_LEVEL_ROW = 0
"""``CellError.row`` of a problem with the whole file (size, type, encoding, row count)."""


@dataclass(frozen=True, slots=True)
class CellError:
    """One problem: the 1-based spreadsheet row (card number for vCards) and column header
    (vCard property name); row 0 and column "" for the whole file, column "" for a whole row."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == FILE_LEVEL_ROW:
            return self.message
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ContactDraft:
    """A contact ready to be created: the names and summary fields come from the profile."""

    first_name: str
    last_name: str
    profile: Profile
    kind: ContactKind = ContactKind.PROSPECT
    title: str | None = None
    email: str | None = None
    phone: str | None = None
    account_type: AccountType | None = None

    @classmethod
    def of(cls, profile: Profile) -> ContactDraft:
        """The draft of a profile whose contact section has a first and a last name."""
        contact = profile.contact
        if contact is None or not contact.first_name or not contact.last_name:
            raise ValueError("a contact needs a first and a last name")
        phones = (contact.mobile_phone, contact.home_phone, contact.work_phone)
        return cls(
            first_name=contact.first_name,
            last_name=contact.last_name,
            profile=profile,
            title=f"{contact.first_name} {contact.last_name}",
            email=contact.email,
            phone=next((phone for phone in phones if phone), None),
            account_type=profile.prospect.account_type if profile.prospect else None,
        )


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Either ``contacts`` (all rows valid) or ``errors`` (then ``contacts`` is empty)."""

    contacts: list[ContactDraft] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def count(self) -> int:
        return len(self.contacts)

    @classmethod
    def failed(cls, errors: Iterable[CellError]) -> ImportResult:
        """The errors in row order: the first ``MAX_LISTED_PROBLEMS``, then one that counts the
        rest (a file of short bad cells would otherwise answer far more than it sent)."""
        ordered = sorted(errors, key=lambda error: error.row)
        if len(ordered) > MAX_LISTED_PROBLEMS:
            unlisted = len(ordered) - MAX_LISTED_PROBLEMS
            more = CellError(FILE_LEVEL_ROW, "", more_problems_message(unlisted))
            ordered = [*ordered[:MAX_LISTED_PROBLEMS], more]
        return cls(contacts=[], errors=ordered)

    @classmethod
    def file_error(cls, message: str) -> ImportResult:
        return cls.failed([CellError(FILE_LEVEL_ROW, "", message)])


class FileRejected(Exception):
    """The file as a whole cannot be imported; the message says why, for the user."""


def duplicate_errors(
    drafts: Iterable[tuple[int, ContactDraft]], *, unit: str = "row"
) -> list[CellError]:
    """A row-level error for every draft identical (after normalization) to an earlier one."""
    first_seen: dict[tuple[object, ...], int] = {}
    errors: list[CellError] = []
    for row, draft in drafts:
        key = tuple(flatten(draft.profile).values())
        if key in first_seen:
            errors.append(CellError(row, "", f"duplicate of {unit} {first_seen[key]}"))
        else:
            first_seen[key] = row
    return errors

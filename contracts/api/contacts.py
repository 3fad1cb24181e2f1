"""Contacts API: commands and views."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, get_args
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from contracts.accounts import AccountType, ApplicationStage
from contracts.api.limits import RecordVersion
from contracts.contacts import ContactKind

PHONE_PATTERN = r"^\+?[0-9 ()./-]{5,40}$"


class ContactCreate(BaseModel):
    """Create a contact: only the first and last name are required."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    title: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40, pattern=PHONE_PATTERN)
    account_type: AccountType | None = None

    @field_validator("title", "phone", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


SortColumn = Literal[
    "title", "contact", "type", "account_type", "account_number", "status",
    "username", "email", "phone", "net_asset_value", "created_at",
]  # fmt: skip


class ContactListQuery(BaseModel):
    """Search, filters, sort and paging of the contacts table."""

    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(
        default=None, max_length=100, description="name, account number, username or email"
    )
    kind: ContactKind | None = None
    account_type: AccountType | None = None
    status: ApplicationStage | None = None
    group_id: UUID | None = Field(
        default=None, description="only members of this group (one the user sees)"
    )
    include_closed: bool = True
    sort: SortColumn = "contact"
    order: Literal["asc", "desc"] = "asc"
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=50, ge=1, le=500)


class ContactOut(BaseModel):
    id: UUID
    kind: ContactKind
    title: str | None
    first_name: str
    last_name: str
    name: str
    email: str | None
    phone: str | None
    username: str | None
    account_number: str | None
    account_type: AccountType | None
    status: ApplicationStage | None
    net_asset_value: Decimal | None
    closed: bool
    version: int


class ContactPage(BaseModel):
    items: list[ContactOut]
    total: int = Field(description="matching contacts, counted up to a cap (see total_exact)")
    total_exact: bool = Field(
        default=True,
        description="False when more contacts match than `total`: counting stops at a cap so "
        "that the table stays fast on a large book",
    )
    page: int
    page_size: int


# --- the table's columns (C1) -------------------------------------------------------------

TableColumn = Literal[
    "title", "contact", "type", "account_type", "account_number", "status",
    "username", "email", "phone", "net_asset_value",
]  # fmt: skip
TABLE_COLUMNS: tuple[TableColumn, ...] = get_args(TableColumn)
TABLE_COLUMN_LABELS: dict[TableColumn, str] = {
    "title": "Title",
    "contact": "Contact",
    "type": "Type",
    "account_type": "Account type",
    "account_number": "Account number",
    "status": "Status",
    "username": "Username",
    "email": "Email",
    "phone": "Phone",
    "net_asset_value": "Net asset value",
}


class ContactsTableLayout(BaseModel):
    """The columns a user shows in the contacts table, in the order shown."""

    model_config = ConfigDict(extra="forbid")

    columns: list[TableColumn] = Field(
        default_factory=lambda: list(TABLE_COLUMNS), min_length=1, max_length=len(TABLE_COLUMNS)
    )

    @field_validator("columns")
    @classmethod
    def _each_once(cls, columns: list[TableColumn]) -> list[TableColumn]:
        seen: set[str] = set()
        for column in columns:
            if column in seen:
                raise ValueError(f"the column {column!r} is listed twice")
            seen.add(column)
        return columns


# --- the record (C3, C11) -----------------------------------------------------------------

ProfileSectionName = Literal[
    "contact", "address", "tax", "employment", "financial", "trading", "prospect"
]
PROFILE_SECTIONS: tuple[ProfileSectionName, ...] = get_args(ProfileSectionName)


class ContactDetail(ContactOut):
    """A contact with its full profile and record facts."""

    profile: dict[str, Any] = Field(
        description="the profile, section -> field -> value; GET /contacts/profile-form "
        "describes every section and field"
    )
    pending_tasks: list[str]
    status_changed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class _Versioned(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    version: RecordVersion = Field(
        description="the version of the contact the change was made on; 409 if stale"
    )


class ContactPatch(_Versioned):
    """Change some of the table's columns; the profile's contact and prospect sections follow."""

    title: str | None = Field(default=None, max_length=200)
    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    account_type: AccountType | None = Field(
        default=None, description="only while the contact has no account"
    )

    @field_validator("title", "email", "phone", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def changes(self) -> dict[str, Any]:
        """The fields the request sets (null clears), JSON-ready."""
        return self.model_dump(mode="json", include=self.model_fields_set - {"version"})


class ProfileReplace(_Versioned):
    """The whole profile (validated as a whole; sections left out become empty)."""

    profile: dict[str, Any]


class ProfileSectionReplace(_Versioned):
    """One section of the profile, field -> value (fields left out become empty)."""

    values: dict[str, Any]


class ContactVersion(_Versioned):
    """Close or reopen the contact as of this version."""


class ContactChangeOut(BaseModel):
    changed_at: datetime
    changed_by: str = Field(description="user id, or the system that made the change")
    action: str = Field(description="created, changed, closed, reopened, ...")
    changes: dict[str, Any] = Field(description="field -> [old, new] (created: the new state)")


class ContactHistory(BaseModel):
    items: list[ContactChangeOut]


class FormChoice(BaseModel):
    value: str
    label: str


class ProfileField(BaseModel):
    name: str = Field(description="the field's dotted path inside its section")
    label: str
    kind: Literal[
        "text", "email", "tel", "date", "amount", "integer", "select", "multiselect", "textarea"
    ]
    required: bool = False
    hint: str = ""
    group: str | None = Field(default=None, description="fields shown together (a product)")
    choices: list[FormChoice] = Field(default_factory=list)


class ProfileSectionForm(BaseModel):
    name: ProfileSectionName
    title: str
    fields: list[ProfileField]


class ProfileForm(BaseModel):
    """Every section and field of the profile, in form order, for building forms."""

    sections: list[ProfileSectionForm]

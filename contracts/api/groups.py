"""Groups and households API (C10): commands and views."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.accounts import ApplicationStage
from contracts.contacts import ContactKind
from contracts.crm import GroupVisibility

Name = Annotated[str, Field(min_length=1, max_length=100)]
ContactIds = Annotated[list[UUID], Field(max_length=500)]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Patch(_Command):
    """Only the fields sent change; none of them may be sent as null."""

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class GroupCreate(_Command):
    name: Name
    visibility: GroupVisibility = Field(
        description="public: every user of the master sees it; private: only its creator"
    )


class GroupUpdate(_Patch):
    name: Name | None = None
    visibility: GroupVisibility | None = Field(
        default=None, description="only the group's creator may change it"
    )


class GroupMembersChange(_Command):
    """Add and remove members in one go (contacts of the master, at most 500 each way)."""

    add: ContactIds = Field(default_factory=list)
    remove: ContactIds = Field(default_factory=list)


class GroupOut(BaseModel):
    id: UUID
    name: str
    visibility: GroupVisibility
    owner_user_id: str
    owned_by_me: bool
    member_count: int
    version: int
    created_at: datetime


class GroupList(BaseModel):
    items: list[GroupOut]


class HouseholdCreate(_Command):
    """A household of two or more open contacts of the master, none in another household yet
    (409 if one is); its head is a client among them."""

    name: Name
    member_contact_ids: Annotated[list[UUID], Field(max_length=100)] = Field(
        description="at least two different open contacts of the master"
    )
    head_contact_id: UUID = Field(description="a client among the members")


class HouseholdUpdate(_Patch):
    """Only the fields sent change (none may be null); the members and the head follow the rules
    of a new household. Each change makes a new version of the form to sign."""

    name: Name | None = None
    member_contact_ids: Annotated[list[UUID], Field(max_length=100)] | None = None
    head_contact_id: UUID | None = None


class HouseholdMemberOut(BaseModel):
    contact_id: UUID
    name: str
    kind: ContactKind
    account_number: str | None
    status: ApplicationStage | None
    head: bool


class HouseholdFormOut(BaseModel):
    version: int
    household_version: int
    generated_at: datetime
    generated_by: str


class HouseholdOut(BaseModel):
    id: UUID
    name: str
    head_contact_id: UUID | None
    members: list[HouseholdMemberOut]
    version: int
    forms: list[HouseholdFormOut] = Field(description="the forms to sign, newest first")


class HouseholdList(BaseModel):
    items: list[HouseholdOut]

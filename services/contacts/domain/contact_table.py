"""The contacts table and the pending registration tasks list: what a search asks for and what
a page holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from contracts.accounts import AccountType, ApplicationStage
from contracts.api.contacts import SortColumn
from contracts.contacts import ContactKind
from services.contacts.domain.reach import EVERYTHING, Reach


@dataclass(frozen=True)
class ContactQuery:
    master_account_id: str
    text: str | None = None
    kind: ContactKind | None = None
    account_type: AccountType | None = None
    status: ApplicationStage | None = None
    group_id: UUID | None = None
    viewer_user_id: str = ""
    """who is asking: a group filter only applies a group this user sees"""
    reach: Reach = EVERYTHING
    """the contacts this user reaches (access rights): the rows and the total alike"""
    include_closed: bool = True
    sort: SortColumn = "contact"
    descending: bool = False
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class TablePage:
    rows: list[dict[str, Any]]
    """the table's columns of each contact on the page (never the profile)"""
    total: int
    total_exact: bool


@dataclass(frozen=True)
class PendingTasksRow:
    """An open contact with pending registration tasks."""

    contact_id: UUID
    name: str
    account_number: str | None
    status: ApplicationStage | None
    tasks: list[str]

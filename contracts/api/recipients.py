"""Recipients API (M3, M4, X4): choosing the client accounts a message goes to, the groups to
choose them by, and the users whose name and address sign a message or receive its replies."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.access import AccountNumber

MAX_SELECTED_ACCOUNTS = 10_000
MAX_SELECTED_GROUPS = 50
MAX_PAGE_SIZE = 200


class RecipientSelection(BaseModel):
    """Who a message goes to: accounts named one by one and the open client accounts of groups
    (within the sender's client scope); with ``per_household`` the accounts of one household go
    once, to its head (X4)."""

    model_config = ConfigDict(extra="forbid")

    account_numbers: list[AccountNumber] = Field(
        default_factory=list, max_length=MAX_SELECTED_ACCOUNTS
    )
    group_ids: list[UUID] = Field(default_factory=list, max_length=MAX_SELECTED_GROUPS)
    per_household: bool = False


class RecipientOut(BaseModel):
    """An open client account that may receive a message."""

    contact_id: UUID
    account_number: str
    name: str
    first_name: str
    last_name: str
    title: str | None = None
    email: str | None = None
    household_name: str | None = None
    folded_accounts: list[str] = Field(
        default_factory=list,
        description="the household members' accounts that this head receives the message for",
    )


class RecipientPage(BaseModel):
    items: list[RecipientOut]
    total: int
    page: int
    page_size: int


class RecipientGroupOut(BaseModel):
    """A group to select recipients by, with its open client accounts the user reaches."""

    id: UUID
    name: str
    visibility: str
    open_clients: int


class ResolvedRecipients(BaseModel):
    """Who a selection reaches: each recipient once, a household head with the accounts folded
    into it."""

    recipients: list[RecipientOut]
    count: int
    accounts_covered: int = Field(description="accounts reached, folded ones included")
    folded_households: int = Field(description="recipients that stand for a household")


class SignatureOption(BaseModel):
    """An active user of the master: a signature, and a reply-to address when they have one."""

    user_id: str
    display_name: str
    email: str | None = None

"""Access rights (G2): what a user of a master account may do, and which client accounts they see.

The primary user holds every right over every client. Any other user holds a set of rights and a
client-account scope: every client account, or chosen accounts and/or groups (a group's members
at the moment of the request, so a membership change moves the scope with it). Prospects carry no
account: every user holding the CRM right sees them.

The gateway checks the rights of each route and passes the caller's ``Access`` to the services
with the tenancy headers (``to_headers``); a service reads it back (``from_headers``), re-checks
the right and applies the scope in its own queries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

SCOPE_ACCOUNTS_MAX = 500
"""Accounts chosen one by one per user; a larger scope is a group (the headers stay small)."""
SCOPE_GROUPS_MAX = 50

ACCESS_HEADER_RIGHTS = "X-User-Rights"
ACCESS_HEADER_PRIMARY = "X-User-Primary"
ACCESS_HEADER_SCOPE_ACCOUNTS = "X-Scope-Accounts"
ACCESS_HEADER_SCOPE_GROUPS = "X-Scope-Groups"
ACCESS_HEADER_ALL_CLIENTS = "X-Scope-All-Clients"


class Right(StrEnum):
    """The user access rights: the seed's table, then one per area of the portal."""

    CRM = "crm"
    ACCOUNT_INFORMATION = "account_information"
    FUNDING_AUTHORIZER = "funding_authorizer"
    ACTIVITY_STATEMENT = "activity_statement"
    PORTFOLIO_ANALYST = "portfolio_analyst"
    MASTER_ACCOUNT = "master_account"
    COMMUNICATION_CENTER = "communication_center"
    MESSAGE_STAGING = "message_staging"
    ACCOUNT_LINKAGE = "account_linkage"
    TOOLS = "tools"
    FEE_ADMINISTRATION = "fee_administration"


RIGHT_LABELS: dict[Right, str] = {
    Right.CRM: "CRM",
    Right.ACCOUNT_INFORMATION: "Account Information",
    Right.FUNDING_AUTHORIZER: "Funding Authorizer",
    Right.ACTIVITY_STATEMENT: "Activity Statement",
    Right.PORTFOLIO_ANALYST: "PortfolioAnalyst",
    Right.MASTER_ACCOUNT: "Master account access",
    Right.COMMUNICATION_CENTER: "Communication center",
    Right.MESSAGE_STAGING: "Message staging",
    Right.ACCOUNT_LINKAGE: "Account linkage",
    Right.TOOLS: "Tools",
    Right.FEE_ADMINISTRATION: "Fee administration",
}

RIGHT_DESCRIPTIONS: dict[Right, str] = {
    Right.CRM: "Contacts, notes, tasks, workflows, calendar, documents, groups and households.",
    Right.ACCOUNT_INFORMATION: "Clients' account information: tasks, documents and "
    "notifications about clients, pending items and recent activity.",
    Right.FUNDING_AUTHORIZER: "Pending funding items; confirming withdrawals.",
    Right.ACTIVITY_STATEMENT: "Activity statements and the assets-under-management chart.",
    Right.PORTFOLIO_ANALYST: "Performance reports and the assets-under-management chart.",
    Right.MASTER_ACCOUNT: "The master account itself: its balance and its own records.",
    Right.COMMUNICATION_CENTER: "Composing and sending messages to clients.",
    Right.MESSAGE_STAGING: "Reviewing messages held before the broker sends them.",
    Right.ACCOUNT_LINKAGE: "Linking a client's accounts; security devices.",
    Right.TOOLS: "Client and account data queries and the other analytical tools.",
    Right.FEE_ADMINISTRATION: "Client fee schedules and fee administration.",
}

_ACCOUNT_NUMBER = re.compile(r"^[A-Z0-9]{1,12}$")
AccountNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=_ACCOUNT_NUMBER.pattern)
]


class ClientScope(BaseModel):
    """Which client accounts a user sees: all of them, or the chosen accounts and groups."""

    model_config = ConfigDict(frozen=True)

    all_clients: bool = True
    account_numbers: frozenset[AccountNumber] = Field(
        default=frozenset(), max_length=SCOPE_ACCOUNTS_MAX
    )
    group_ids: frozenset[UUID] = Field(default=frozenset(), max_length=SCOPE_GROUPS_MAX)

    @model_validator(mode="after")
    def _all_or_chosen(self) -> Self:
        if self.all_clients and (self.account_numbers or self.group_ids):
            raise ValueError("a scope of all client accounts names no accounts or groups")
        return self

    @classmethod
    def everything(cls) -> ClientScope:
        return cls()

    @classmethod
    def nothing(cls) -> ClientScope:
        return cls(all_clients=False)


class Access(BaseModel):
    """What one user may do and see; the primary user holds everything."""

    model_config = ConfigDict(frozen=True)

    is_primary: bool = False
    rights: frozenset[Right] = frozenset()
    scope: ClientScope = ClientScope.nothing()

    @model_validator(mode="after")
    def _primary_holds_everything(self) -> Self:
        if self.is_primary and (set(self.rights) != set(Right) or not self.scope.all_clients):
            raise ValueError("the primary user holds every right over every client")
        return self

    @classmethod
    def primary(cls) -> Access:
        return cls(is_primary=True, rights=frozenset(Right), scope=ClientScope.everything())

    def has(self, right: Right) -> bool:
        return right in self.rights

    def has_any(self, *rights: Right) -> bool:
        return any(right in self.rights for right in rights)

    # the seed's table, one rule each
    def sees_aum(self) -> bool:
        """The AUM chart (over accessible clients only)."""
        return self.has_any(Right.ACTIVITY_STATEMENT, Right.PORTFOLIO_ANALYST)

    def sees_master_balance(self) -> bool:
        return self.sees_aum() and self.has(Right.MASTER_ACCOUNT)

    def sees_pending_items(self) -> bool:
        """Pending items and recent activity, for accessible clients."""
        return self.has_any(Right.ACCOUNT_INFORMATION, Right.FUNDING_AUTHORIZER)

    def confirms_withdrawals(self) -> bool:
        """A funding authorizer confirms a withdrawal without the Account Information right."""
        return self.has(Right.FUNDING_AUTHORIZER)

    def sees_notifications(self) -> bool:
        return self.has(Right.ACCOUNT_INFORMATION)

    def sees_crm(self) -> bool:
        """Contacts, and the tasks, workflows and documents about prospects."""
        return self.has(Right.CRM)

    def sees_client_records(self) -> bool:
        """Tasks, workflows and documents about (accessible) clients."""
        return self.has(Right.CRM) and self.has(Right.ACCOUNT_INFORMATION)

    def to_headers(self) -> dict[str, str]:
        headers = {
            ACCESS_HEADER_PRIMARY: "true" if self.is_primary else "false",
            ACCESS_HEADER_RIGHTS: ",".join(sorted(self.rights)),
            ACCESS_HEADER_ALL_CLIENTS: "true" if self.scope.all_clients else "false",
        }
        if not self.scope.all_clients:
            headers[ACCESS_HEADER_SCOPE_ACCOUNTS] = ",".join(sorted(self.scope.account_numbers))
            headers[ACCESS_HEADER_SCOPE_GROUPS] = ",".join(
                sorted(str(group) for group in self.scope.group_ids)
            )
        return headers

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Access:
        """The access the gateway sent; raises ``ValueError`` on a malformed header."""
        lowered = {key.lower(): value for key, value in headers.items()}

        def listed(name: str) -> list[str]:
            return [item for item in lowered.get(name.lower(), "").split(",") if item]

        if lowered.get(ACCESS_HEADER_PRIMARY.lower()) == "true":
            return cls.primary()
        all_clients = lowered.get(ACCESS_HEADER_ALL_CLIENTS.lower()) == "true"
        scope = (
            ClientScope.everything()
            if all_clients
            else ClientScope(
                all_clients=False,
                account_numbers=frozenset(listed(ACCESS_HEADER_SCOPE_ACCOUNTS)),
                group_ids=frozenset(UUID(item) for item in listed(ACCESS_HEADER_SCOPE_GROUPS)),
            )
        )
        return cls(rights=frozenset(Right(item) for item in listed(ACCESS_HEADER_RIGHTS)),
                   scope=scope)  # fmt: skip

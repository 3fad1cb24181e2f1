"""Which of the master's contacts and records a user reaches (G2 access rights).

A prospect carries no account: every user holding the CRM right reaches it. A client is reached
when the user's scope covers every client, names its account, or names a group it is a member of
(at the moment of the request). Tasks, workflows and documents about a client need the Account
Information right as well; without it the user reaches those about prospects only. Notes and
calendar events follow their contact. What is out of reach is not found, exactly like another
master's contact.

``store/scope.py`` writes the same rule as one SQL condition; ``reaches`` is the rule itself (the
unit tests' fakes apply it).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from uuid import UUID

from contracts.access import Access, ClientScope
from contracts.contacts import ContactKind


@dataclass(frozen=True)
class Reach:
    clients: ClientScope = field(default_factory=ClientScope.everything)
    """the clients the user sees: every one, or chosen accounts and groups"""
    client_records: bool = True
    """whether the user sees tasks, workflows and documents about (reached) clients"""
    prospects_only: bool = False
    """set for the records the user may only see about prospects (``for_client_records``)"""

    @classmethod
    def of(cls, access: Access) -> Reach:
        return cls(access.scope, client_records=access.sees_client_records())

    @property
    def unlimited(self) -> bool:
        """Every contact of the master: no condition at all."""
        return self.clients.all_clients and not self.prospects_only

    def for_client_records(self) -> Reach:
        """The reach of tasks, workflows and documents: no client's without the right."""
        return self if self.client_records else replace(self, prospects_only=True)

    def reaches(
        self, kind: ContactKind, account_number: str | None, group_ids: Collection[UUID]
    ) -> bool:
        """Whether a contact of the master is reached; ``group_ids``: the master's groups it is
        a member of now."""
        if kind is ContactKind.PROSPECT:
            return True
        if self.prospects_only:
            return False
        if self.clients.all_clients:
            return True
        if account_number is not None and account_number in self.clients.account_numbers:
            return True
        return not self.clients.group_ids.isdisjoint(group_ids)


EVERYTHING = Reach()
"""What the service's own jobs and Kafka handlers reach: every contact and record."""

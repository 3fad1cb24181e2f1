"""The Full Service program's repositories (C12) as its use cases see them, and the unit of work
they reach them through. ``store/full_service.py`` implements them over SQL (the SQL unit of work
holds them beside the others); ``tests/unit/contacts/test_full_service*.py`` in memory.

Every query names the master; those made for a user take the user's ``reach`` (a request about a
client out of reach is not found, like another master's)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from services.contacts.domain.full_service import ClientRequest, Enrolment
from services.contacts.domain.reach import EVERYTHING, Reach
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork


class Enrolments(Protocol):
    async def get(
        self, contact_id: UUID, *, master_account_id: str, for_update: bool = False
    ) -> Enrolment | None: ...

    async def save(self, enrolment: Enrolment) -> None:
        """Insert or replace the contact's enrolment."""


class ClientRequests(Protocol):
    async def by_idempotency_key(
        self, key: str, *, master_account_id: str
    ) -> ClientRequest | None: ...

    async def add(self, request: ClientRequest) -> bool:
        """False when the master already used the request's idempotency key."""

    async def get(
        self,
        request_id: UUID,
        *,
        master_account_id: str,
        for_update: bool = False,
        reach: Reach = EVERYTHING,
    ) -> ClientRequest | None: ...

    async def save(self, request: ClientRequest) -> None: ...

    async def of_contact(
        self, contact_id: UUID, *, master_account_id: str, limit: int
    ) -> list[ClientRequest]: ...

    async def awaiting_confirmation(
        self, *, master_account_id: str, reach: Reach, limit: int
    ) -> Sequence[tuple[ClientRequest, str]]:
        """Withdrawals waiting for a Funding Authorizer, oldest first, with the client's name."""


class FullServiceUnitOfWork(ContactsUnitOfWork, Protocol):
    """The contacts unit of work with the program's repositories (the form is a document of the
    contact, recorded by the documents' use case)."""

    @property
    def enrolments(self) -> Enrolments: ...
    @property
    def client_requests(self) -> ClientRequests: ...

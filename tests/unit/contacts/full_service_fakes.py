"""In-memory repositories of the Full Service program (C12), beside the contacts fakes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from services.contacts.domain.full_service import ClientRequest, Enrolment
from services.contacts.domain.reach import EVERYTHING, Reach
from tests.unit.contacts.fakes import FakeContactsUnitOfWork


class FakeEnrolments:
    def __init__(self) -> None:
        self.rows: dict[UUID, Enrolment] = {}

    async def get(
        self, contact_id: UUID, *, master_account_id: str, for_update: bool = False
    ) -> Enrolment | None:
        found = self.rows.get(contact_id)
        return found if found and found.master_account_id == master_account_id else None

    async def save(self, enrolment: Enrolment) -> None:
        self.rows[enrolment.contact_id] = enrolment


class FakeClientRequests:
    def __init__(self) -> None:
        self.rows: dict[UUID, ClientRequest] = {}
        self.reaches: Callable[[UUID, str, Reach], bool] = lambda contact, master, reach: True
        self.names: Callable[[UUID], str] = lambda contact: "?"

    async def by_idempotency_key(self, key: str, *, master_account_id: str) -> ClientRequest | None:
        return next((r for r in self.rows.values()
                     if r.master_account_id == master_account_id and r.idempotency_key == key),
                    None)  # fmt: skip

    async def add(self, request: ClientRequest) -> bool:
        key = request.idempotency_key
        if await self.by_idempotency_key(key, master_account_id=request.master_account_id):
            return False
        self.rows[request.id] = request
        return True

    async def get(
        self,
        request_id: UUID,
        *,
        master_account_id: str,
        for_update: bool = False,
        reach: Reach = EVERYTHING,
    ) -> ClientRequest | None:
        found = self.rows.get(request_id)
        if found is None or found.master_account_id != master_account_id:
            return None
        return found if self.reaches(found.contact_id, master_account_id, reach) else None

    async def save(self, request: ClientRequest) -> None:
        assert request.id in self.rows
        self.rows[request.id] = request

    async def of_contact(
        self, contact_id: UUID, *, master_account_id: str, limit: int
    ) -> list[ClientRequest]:
        found = [r for r in self.rows.values()
                 if r.master_account_id == master_account_id and r.contact_id == contact_id]  # fmt: skip
        return sorted(found, key=lambda r: r.requested_at, reverse=True)[:limit]

    async def awaiting_confirmation(
        self, *, master_account_id: str, reach: Reach, limit: int
    ) -> Sequence[tuple[ClientRequest, str]]:
        found = [(r, self.names(r.contact_id)) for r in self.rows.values()
                 if r.master_account_id == master_account_id and r.needs_confirmation
                 and self.reaches(r.contact_id, master_account_id, reach)]  # fmt: skip
        return sorted(found, key=lambda pair: pair[0].requested_at)[:limit]


@dataclass
class FakeFullServiceUnitOfWork(FakeContactsUnitOfWork):
    enrolments: FakeEnrolments = field(default_factory=FakeEnrolments)
    client_requests: FakeClientRequests = field(default_factory=FakeClientRequests)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.client_requests.reaches = self.contacts.reaches
        self.client_requests.names = lambda contact: self.contacts.rows[contact].display_name

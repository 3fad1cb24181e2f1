"""What fee administration's use cases reach (A9): protocols over the repositories the SQL unit of
work builds (``unit_of_work.SqlAnalyticsUnitOfWork``), so unit tests pass a fake one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from contracts.access import ClientScope
from services.analytics.service_layer.account_links import AccountLinksUnitOfWork


class Fees(Protocol):
    async def add_template(self, row: dict[str, Any]) -> None: ...

    async def templates(self, *, master_account_id: str) -> list[dict[str, Any]]: ...

    async def configure(self, row: dict[str, Any]) -> None: ...

    async def client_fees(
        self, *, master_account_id: str, scope: ClientScope
    ) -> list[dict[str, Any]]: ...

    async def add_invoices(self, rows: list[dict[str, Any]]) -> list[UUID]: ...

    async def invoices(
        self, *, master_account_id: str, scope: ClientScope, invoice_id: UUID | None = None,
        lock: bool = False,
    ) -> list[dict[str, Any]]: ...  # fmt: skip

    async def count_invoices(self, *, master_account_id: str) -> int: ...

    async def add_reimbursement(self, row: dict[str, Any]) -> None: ...

    async def reimbursements(self, *, invoice_ids: list[UUID]) -> list[dict[str, Any]]: ...


class PeriodActivity(Protocol):
    async def period(
        self, *, master_account_id: str, account_number: str, start: date, end: date
    ) -> tuple[Decimal, int, int]: ...


class AccountFacts(Protocol):
    async def facts_of(
        self, *, master_account_id: str, account_number: str, scope: ClientScope
    ) -> dict[str, Any] | None: ...


class FeesUnitOfWork(AccountLinksUnitOfWork, Protocol):
    @property
    def fees(self) -> Fees: ...

    @property
    def activity(self) -> PeriodActivity: ...

    @property
    def segment_facts(self) -> AccountFacts: ...

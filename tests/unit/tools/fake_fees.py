"""An in-memory unit of work for fee administration and linked accounts (what
``service_layer/fees_uow.FeesUnitOfWork`` names): a scope reaches the accounts it names."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from contracts.access import ClientScope
from services.analytics.domain.account_links import Link


def reaches(scope: ClientScope, account: str) -> bool:
    return scope.all_clients or account in scope.account_numbers


class FakeFees:
    def __init__(self) -> None:
        self.templates_: list[dict[str, Any]] = []
        self.configured: dict[tuple[str, str], UUID] = {}
        self.invoices_: list[dict[str, Any]] = []
        self.reimbursements_: list[dict[str, Any]] = []
        self.names: dict[str, tuple[str, str]] = {}

    async def add_template(self, row: dict[str, Any]) -> None:
        self.templates_.append(dict(row))

    async def templates(self, *, master_account_id: str) -> list[dict[str, Any]]:
        return sorted((t for t in self.templates_ if t["master_account_id"] == master_account_id),
                      key=lambda t: t["name"])  # fmt: skip

    async def configure(self, row: dict[str, Any]) -> None:
        self.configured[row["master_account_id"], row["account_number"]] = row["template_id"]

    async def client_fees(
        self, *, master_account_id: str, scope: ClientScope
    ) -> list[dict[str, Any]]:
        names = {t["template_id"]: t["name"] for t in self.templates_}
        return [
            {"account_number": account, "template_id": template, "template_name": names[template],
             "first_name": self.names.get(account, ("", ""))[0] or None,
             "last_name": self.names.get(account, ("", ""))[1] or None}
            for (master, account), template in sorted(self.configured.items())
            if master == master_account_id and reaches(scope, account)
        ]  # fmt: skip

    async def add_invoices(self, rows: list[dict[str, Any]]) -> list[UUID]:
        added = []
        for row in rows:
            same = [i for i in self.invoices_ if (i["master_account_id"], i["account_number"],
                    i["period_start"], i["period_end"]) == (row["master_account_id"], row["account_number"],
                                                            row["period_start"], row["period_end"])]  # fmt: skip
            if not same:  # uq_invoices_period
                self.invoices_.append(dict(row))
                added.append(row["invoice_id"])
        return added

    async def invoices(
        self, *, master_account_id: str, scope: ClientScope, invoice_id: UUID | None = None,
        lock: bool = False,
    ) -> list[dict[str, Any]]:  # fmt: skip
        return [
            dict(i) for i in sorted(self.invoices_, key=lambda i: (i["period_end"], i["account_number"]))
            if i["master_account_id"] == master_account_id and reaches(scope, i["account_number"])
            and (invoice_id is None or i["invoice_id"] == invoice_id)
        ]  # fmt: skip

    async def count_invoices(self, *, master_account_id: str) -> int:
        return sum(1 for i in self.invoices_ if i["master_account_id"] == master_account_id)

    async def add_reimbursement(self, row: dict[str, Any]) -> None:
        self.reimbursements_.append(dict(row))

    async def reimbursements(self, *, invoice_ids: list[UUID]) -> list[dict[str, Any]]:
        return [dict(r) for r in self.reimbursements_ if r["invoice_id"] in invoice_ids]


class FakeActivity:
    """Each account's (average NAV, days reported, trades) for any period."""

    def __init__(self) -> None:
        self.by_account: dict[str, tuple[Decimal, int, int]] = {}
        self.asked: list[str] = []

    async def period(
        self, *, master_account_id: str, account_number: str, start: date, end: date
    ) -> tuple[Decimal, int, int]:
        self.asked.append(account_number)
        return self.by_account.get(account_number, (Decimal(0), 0, 0))


class FakeAccountFacts:
    def __init__(self) -> None:
        self.known: set[tuple[str, str]] = set()

    async def facts_of(
        self, *, master_account_id: str, account_number: str, scope: ClientScope
    ) -> dict[str, Any] | None:
        if (master_account_id, account_number) in self.known and reaches(scope, account_number):
            return {"account_number": account_number}
        return None


class FakeAccountLinks:
    def __init__(self) -> None:
        self.rows: dict[tuple[UUID, str], dict[str, Any]] = {}

    async def add(self, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            self.rows.setdefault((row["request_id"], row["account_number"]), dict(row))

    async def links(self, *, master_account_id: str) -> list[Link]:
        by_request: dict[UUID, list[dict[str, Any]]] = {}
        for row in self.rows.values():
            if row["master_account_id"] == master_account_id:
                by_request.setdefault(row["request_id"], []).append(row)
        return [
            Link(request_id=request, surviving_account=parts[0]["surviving_account"],
                 accounts=tuple(sorted((p["account_number"] for p in parts),
                                       key=lambda a: (a != parts[0]["surviving_account"], a))),
                 executed_at=parts[0]["executed_at"])
            for request, parts in by_request.items()
        ]  # fmt: skip

    async def linked_within(self, *, master_account_id: str, scope: ClientScope) -> set[str]:
        return {
            row["account_number"] for row in self.rows.values()
            if row["master_account_id"] == master_account_id and reaches(scope, row["account_number"])
        }  # fmt: skip


class FakeFeesUnitOfWork:
    def __init__(self) -> None:
        self.fees = FakeFees()
        self.activity = FakeActivity()
        self.segment_facts = FakeAccountFacts()
        self.account_links = FakeAccountLinks()

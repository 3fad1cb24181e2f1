"""An in-memory unit of work for the tools and fee administration (A5-A9): what
``service_layer/tools_uow.ToolsUnitOfWork`` and ``fees_uow.FeesUnitOfWork`` name, as plain
Python. A scope reaches the accounts it names (or all). Repository methods take extra keyword
arguments and ignore them, so a use case that passes a new option still runs against them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from contracts.access import ClientScope
from services.analytics.domain.account_links import Link
from services.analytics.service_layer.fees_uow import FeesUnitOfWork
from services.analytics.service_layer.tools_uow import ToolsUnitOfWork
from tests.unit.analytics.ledger_fakes import PublishedEvents


def reaches(scope: ClientScope, account: str) -> bool:
    return scope.all_clients or account in scope.account_numbers


class FakeSegmentFacts:
    """The account facts the tools read (name, type, birth dates) and the values they copy in."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def client(self, master: str, account: str, **facts: Any) -> None:
        self.rows[account] = {"master_account_id": master, "account_number": account,
                              "first_name": "Ada", "last_name": "Lovelace", **facts}  # fmt: skip

    def _mine(self, master: str, account: str, scope: ClientScope) -> dict[str, Any] | None:
        row = self.rows.get(account)
        if row is None or row["master_account_id"] != master or not reaches(scope, account):
            return None
        return dict(row)

    async def facts_of(self, *, master_account_id: str, account_number: str, scope: ClientScope,
                       **_: Any) -> dict[str, Any] | None:  # fmt: skip
        return self._mine(master_account_id, account_number, scope)

    async def facts_of_many(self, *, master_account_id: str, account_numbers: Sequence[str],
                            scope: ClientScope, **_: Any) -> dict[str, dict[str, Any]]:  # fmt: skip
        found = {a: self._mine(master_account_id, a, scope) for a in account_numbers}
        return {a: row for a, row in found.items() if row is not None}

    async def accounts_of_types(self, *, master_account_id: str, account_types: Sequence[str],
                                scope: ClientScope, **_: Any) -> list[dict[str, Any]]:  # fmt: skip
        return [dict(r) for a, r in sorted(self.rows.items())
                if r["master_account_id"] == master_account_id
                and r.get("account_type") in account_types and reaches(scope, a)]  # fmt: skip

    async def set_values(self, *, master_account_id: str, account_number: str,
                         **values: Any) -> None:  # fmt: skip
        row = self.rows.get(account_number)
        if row is not None and row["master_account_id"] == master_account_id:
            row.update(values)


class FakeRisk:
    def __init__(self) -> None:
        self.kept_settings: dict[str, dict[str, Any]] = {}
        self.kept_answers: dict[tuple[str, str], dict[str, Any]] = {}

    async def settings(self, *, master_account_id: str, **_: Any) -> dict[str, Any] | None:
        return self.kept_settings.get(master_account_id)

    async def save_settings(self, row: dict[str, Any], **_: Any) -> None:
        self.kept_settings[row["master_account_id"]] = dict(row)

    async def save_answers(self, row: dict[str, Any], **_: Any) -> None:
        self.kept_answers[(row["master_account_id"], row["account_number"])] = dict(row)

    async def answers(self, *, master_account_id: str, scope: ClientScope,
                      **_: Any) -> list[dict[str, Any]]:  # fmt: skip
        return [dict(r) for (m, a), r in sorted(self.kept_answers.items())
                if m == master_account_id and reaches(scope, a)]  # fmt: skip


class FakeGoals:
    def __init__(self) -> None:
        self.rows: dict[UUID, dict[str, Any]] = {}

    async def add(self, row: dict[str, Any], **_: Any) -> None:
        self.rows[row["goal_id"]] = dict(row)

    async def list(self, *, master_account_id: str, scope: ClientScope,
                   account_number: str | None = None, **_: Any) -> list[dict[str, Any]]:  # fmt: skip
        return [dict(r) for r in self.rows.values()
                if r["master_account_id"] == master_account_id
                and reaches(scope, r["account_number"])
                and account_number in (None, r["account_number"])]  # fmt: skip

    async def get(self, *, master_account_id: str, goal_id: UUID, scope: ClientScope,
                  **_: Any) -> dict[str, Any] | None:  # fmt: skip
        row = self.rows.get(goal_id)
        if row is None or row["master_account_id"] != master_account_id:
            return None
        return dict(row) if reaches(scope, row["account_number"]) else None

    async def remove(self, *, goal_id: UUID, **_: Any) -> None:
        self.rows.pop(goal_id, None)


class FakeEsg:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    async def add(self, rows: list[dict[str, Any]], **_: Any) -> None:
        self.rows += [dict(r) for r in rows]

    async def by_token(self, *, master_account_id: str, token_hash: str,
                       **_: Any) -> dict[str, Any] | None:  # fmt: skip
        found = [r for r in self.rows if r["token_hash"] == token_hash
                 and r["master_account_id"] == master_account_id]  # fmt: skip
        return dict(found[0]) if found else None

    async def answer(self, *, invitation_id: Any, values: list[str], at: Any, **_: Any) -> None:
        for row in self.rows:
            if row["invitation_id"] == invitation_id:
                row.update(impact_values=list(values), answered_at=at)

    async def list(self, *, master_account_id: str, scope: ClientScope,
                   **_: Any) -> list[dict[str, Any]]:  # fmt: skip
        return [dict(r) for r in sorted(self.rows, key=lambda r: r["account_number"])
                if r["master_account_id"] == master_account_id
                and reaches(scope, r["account_number"])]  # fmt: skip


class FakeFees:
    def __init__(self, facts: FakeSegmentFacts) -> None:
        self.facts = facts
        self.templates_: list[dict[str, Any]] = []
        self.configured: dict[tuple[str, str], UUID] = {}
        self.invoices_: list[dict[str, Any]] = []
        self.reimbursements_: list[dict[str, Any]] = []

    async def add_template(self, row: dict[str, Any], **_: Any) -> None:
        self.templates_.append(dict(row))

    async def templates(self, *, master_account_id: str, **_: Any) -> list[dict[str, Any]]:
        return sorted((dict(t) for t in self.templates_
                       if t["master_account_id"] == master_account_id),
                      key=lambda t: t["name"])  # fmt: skip

    async def configure(self, row: dict[str, Any], **_: Any) -> None:
        self.configured[(row["master_account_id"], row["account_number"])] = row["template_id"]

    async def client_fees(self, *, master_account_id: str, scope: ClientScope,
                          **_: Any) -> list[dict[str, Any]]:  # fmt: skip
        names = {t["template_id"]: t["name"] for t in self.templates_}
        found = []
        for (master, account), template_id in sorted(self.configured.items()):
            if master == master_account_id and reaches(scope, account):
                facts = self.facts.rows.get(account, {})
                found.append({"account_number": account, "template_id": template_id,
                              "template_name": names[template_id],
                              "first_name": facts.get("first_name"),
                              "last_name": facts.get("last_name")})  # fmt: skip
        return found

    async def add_invoices(self, rows: list[dict[str, Any]], **_: Any) -> list[UUID]:
        added = []
        for row in rows:
            period = (row["master_account_id"], row["account_number"], row["period_start"],
                      row["period_end"])  # fmt: skip
            if not any((i["master_account_id"], i["account_number"], i["period_start"],
                        i["period_end"]) == period for i in self.invoices_):  # fmt: skip
                self.invoices_.append(dict(row))
                added.append(row["invoice_id"])
        return added

    async def invoices(self, *, master_account_id: str, scope: ClientScope,
                       invoice_id: UUID | None = None, lock: bool = False,
                       **_: Any) -> list[dict[str, Any]]:  # fmt: skip
        return [dict(i) for i in sorted(self.invoices_, key=lambda i: i["number"])
                if i["master_account_id"] == master_account_id
                and reaches(scope, i["account_number"])
                and invoice_id in (None, i["invoice_id"])]  # fmt: skip

    async def count_invoices(self, *, master_account_id: str, **_: Any) -> int:
        return sum(i["master_account_id"] == master_account_id for i in self.invoices_)

    async def add_reimbursement(self, row: dict[str, Any], **_: Any) -> None:
        self.reimbursements_.append(dict(row))

    async def reimbursements(self, *, invoice_ids: list[UUID], **_: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in self.reimbursements_ if r["invoice_id"] in invoice_ids]


class FakeActivity:
    """What the fee period and the RMD read of the event stream, set by the test."""

    def __init__(self) -> None:
        self.periods: dict[str, tuple[Decimal, int, int]] = {}
        self.year_ends: dict[tuple[str, int], Decimal] = {}
        self.withdrawn_: dict[tuple[str, int], Decimal] = {}

    async def period(self, *, master_account_id: str, account_number: str, start: date,
                     end: date, **_: Any) -> tuple[Decimal, int, int]:  # fmt: skip
        return self.periods.get(account_number, (Decimal(0), 0, 0))

    async def year_end_balance(self, *, master_account_id: str, account_number: str, year: int,
                               **_: Any) -> Decimal | None:  # fmt: skip
        return self.year_ends.get((account_number, year))

    async def year_end_balances(self, *, master_account_id: str, account_numbers: Sequence[str],
                                year: int, **_: Any) -> dict[str, Decimal]:  # fmt: skip
        return {a: v for (a, y), v in self.year_ends.items() if y == year and a in account_numbers}

    async def withdrawn(self, *, master_account_id: str, account_number: str, year: int,
                        **_: Any) -> Decimal:  # fmt: skip
        return self.withdrawn_.get((account_number, year), Decimal(0))

    async def withdrawals(self, *, master_account_id: str, account_numbers: Sequence[str],
                          year: int, **_: Any) -> dict[str, Decimal]:  # fmt: skip
        return {a: v for (a, y), v in self.withdrawn_.items() if y == year and a in account_numbers}


class FakeAccountLinks:
    """No account is linked unless a test adds links."""

    def __init__(self) -> None:
        self.kept: list[Link] = []

    async def add(self, rows: Sequence[dict[str, Any]], **_: Any) -> None:
        raise AssertionError("the tools' use cases do not record links")

    async def links(self, *, master_account_id: str, **_: Any) -> list[Link]:
        return list(self.kept)

    async def linked_within(self, *, master_account_id: str, scope: ClientScope,
                            **_: Any) -> set[str]:  # fmt: skip
        return set()


class FakeToolsUnitOfWork(PublishedEvents):
    def __init__(self) -> None:
        super().__init__()
        self.segment_facts = FakeSegmentFacts()
        self.risk = FakeRisk()
        self.goals = FakeGoals()
        self.esg = FakeEsg()
        self.fees = FakeFees(self.segment_facts)
        self.activity = FakeActivity()
        self.account_links = FakeAccountLinks()

    @property
    def as_tools(self) -> ToolsUnitOfWork:
        """This fake where the tools' protocol is asked for (duck-typed repositories)."""
        return cast(ToolsUnitOfWork, self)

    @property
    def as_fees(self) -> FeesUnitOfWork:
        return cast(FeesUnitOfWork, self)

"""The analytics service's client reports (A10): one typed call each."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import UUID

from pydantic import BaseModel

from contracts.api.reports import (
    ConsolidationOut,
    DeliveryIn,
    DeliveryList,
    DeliveryOut,
    PerformanceOut,
    Period,
    ScheduleIn,
    ScheduleList,
    ScheduleOut,
    StatementOut,
    StatementQuery,
    StatementRunIn,
    StatementRunList,
    StatementRunOut,
)
from gateway.clients.http import Download, ServiceClients
from gateway.store.users import User


def _account(account_number: str) -> str:
    return f"/reports/accounts/{quote(account_number, safe='')}"


def _params(query: BaseModel) -> dict[str, Any]:
    return query.model_dump(mode="json", exclude_none=True)


async def statement(
    clients: ServiceClients, user: User, account_number: str, query: StatementQuery
) -> StatementOut:
    return StatementOut.model_validate(await clients.analytics.json(
        "GET", f"{_account(account_number)}/statement", user, params=_params(query)))  # fmt: skip


async def consolidation(
    clients: ServiceClients, user: User, account_number: str
) -> ConsolidationOut:
    """The accounts of the account's link group when its consolidated statement may be asked."""
    return ConsolidationOut.model_validate(await clients.analytics.json(
        "GET", f"{_account(account_number)}/consolidation", user))  # fmt: skip


async def statement_file(
    clients: ServiceClients, user: User, account_number: str, query: StatementQuery, fmt: str
) -> Download:
    """The statement as ``pdf`` or ``csv``."""
    suffix = "pdf" if fmt == "pdf" else "csv"
    return await clients.analytics.download(
        f"{_account(account_number)}/statement.{suffix}", user, params=_params(query)
    )


async def performance(
    clients: ServiceClients, user: User, account_number: str, query: Period
) -> PerformanceOut:
    return PerformanceOut.model_validate(await clients.analytics.json(
        "GET", f"{_account(account_number)}/performance", user, params=_params(query)))  # fmt: skip


async def performance_file(
    clients: ServiceClients, user: User, account_number: str, query: Period, fmt: str
) -> Download:
    suffix = "pdf" if fmt == "pdf" else "csv"
    return await clients.analytics.download(
        f"{_account(account_number)}/performance.{suffix}", user, params=_params(query)
    )


async def deliveries(clients: ServiceClients, user: User, account_number: str) -> DeliveryList:
    return DeliveryList.model_validate(
        await clients.analytics.json("GET", f"{_account(account_number)}/deliveries", user)
    )


async def deliver(
    clients: ServiceClients, user: User, account_number: str, command: DeliveryIn
) -> DeliveryOut:
    return DeliveryOut.model_validate(await clients.analytics.json(
        "POST", f"{_account(account_number)}/deliveries", user, json=_params(command)))  # fmt: skip


async def schedules(clients: ServiceClients, user: User, account_number: str) -> ScheduleList:
    return ScheduleList.model_validate(
        await clients.analytics.json("GET", f"{_account(account_number)}/schedules", user)
    )


async def add_schedule(
    clients: ServiceClients, user: User, account_number: str, command: ScheduleIn
) -> ScheduleOut:
    return ScheduleOut.model_validate(await clients.analytics.json(
        "POST", f"{_account(account_number)}/schedules", user, json=_params(command)))  # fmt: skip


async def cancel_schedule(
    clients: ServiceClients, user: User, account_number: str, schedule_id: UUID
) -> None:
    await clients.analytics.call(
        "DELETE", f"{_account(account_number)}/schedules/{schedule_id}", user
    )


async def statement_runs(clients: ServiceClients, user: User) -> StatementRunList:
    return StatementRunList.model_validate(
        await clients.analytics.json("GET", "/reports/statement-runs", user)
    )


async def request_statement_run(
    clients: ServiceClients, user: User, command: StatementRunIn
) -> StatementRunOut:
    return StatementRunOut.model_validate(await clients.analytics.json(
        "POST", "/reports/statement-runs", user, json=_params(command)))  # fmt: skip


async def statement_run(clients: ServiceClients, user: User, run_id: UUID) -> StatementRunOut:
    return StatementRunOut.model_validate(
        await clients.analytics.json("GET", f"/reports/statement-runs/{run_id}", user)
    )


async def statement_run_result(clients: ServiceClients, user: User, run_id: UUID) -> Download:
    return await clients.analytics.download(f"/reports/statement-runs/{run_id}/result", user)

"""The contacts service's imports (template, CSV, Excel, vCard) and exports."""

from __future__ import annotations

from contracts.api.transfers import TWO_FACTOR_HEADER, TWO_FACTOR_VERIFIED, ImportReport
from gateway.clients.http import Download, NamedFile, ServiceClients, multipart
from gateway.store.users import User

EXPORT_TIMEOUT_SECONDS = 120.0


async def import_template(clients: ServiceClients, user: User) -> Download:
    return await clients.contacts.download("/contacts/import/template.xlsx", user)


async def import_contacts(
    clients: ServiceClients, user: User, file: NamedFile, *, default_country: str | None = None
) -> ImportReport:
    """Hand the file to the contacts service; its 422 lists every problem and saves nothing.
    ``default_country``: where national phone numbers of vCards without a country are read."""
    params = {"default_country": default_country} if default_country else {}
    report = await clients.contacts.json(
        "POST", "/contacts/import", user, files=multipart(file), params=params
    )
    return ImportReport.model_validate(report)


async def export_summary(clients: ServiceClients, user: User) -> Download:
    return await _export(clients, user, "summary.csv")


async def export_pending_tasks(clients: ServiceClients, user: User) -> Download:
    return await _export(clients, user, "pending-tasks.csv")


async def export_client_data(clients: ServiceClients, user: User, *, exported_by: str) -> Download:
    """The full client data; only once the caller has checked the user's second factor."""
    return await _export(
        clients, user, "client-data.xlsx",
        params={"exported_by": exported_by},
        headers={TWO_FACTOR_HEADER: TWO_FACTOR_VERIFIED},
    )  # fmt: skip


async def _export(
    clients: ServiceClients, user: User, name: str, **kwargs: dict[str, str]
) -> Download:
    return await clients.contacts.download(
        f"/contacts/export/{name}", user, timeout=EXPORT_TIMEOUT_SECONDS, **kwargs
    )

"""The linkage service: the linking wizard (L1-L2), link requests and their Friday batch (L3),
a client's linkage history, and security devices and codes (L4)."""

from __future__ import annotations

from uuid import UUID

from contracts.api.linkage import (
    AccountChoice,
    AccountDevices,
    BankingChoice,
    CardActivation,
    ClientAccounts,
    CodeAccess,
    CodeCheck,
    DeviceActivation,
    DeviceReport,
    DeviceView,
    EligibleClients,
    HistoryList,
    IssuedCard,
    IssuedCode,
    LinkRequestList,
    LinkRequestView,
    LinkStart,
    Reconciliation,
    ReplacementRequest,
)
from gateway.clients.http import ServiceClient, ServiceClients
from gateway.store.users import User


def _linkage(clients: ServiceClients) -> ServiceClient:
    return clients.by_name["linkage"]


# the wizard (L1-L2) and link requests (L3)


async def eligible_clients(clients: ServiceClients, user: User) -> EligibleClients:
    return EligibleClients.model_validate(
        await _linkage(clients).json("GET", "/eligible-clients", user)
    )


async def client_accounts(clients: ServiceClients, user: User, holder_id: str) -> ClientAccounts:
    found = await _linkage(clients).json("GET", f"/eligible-clients/{holder_id}", user)
    return ClientAccounts.model_validate(found)


async def list_requests(clients: ServiceClients, user: User) -> LinkRequestList:
    return LinkRequestList.model_validate(
        await _linkage(clients).json("GET", "/link-requests", user)
    )


async def start_request(clients: ServiceClients, user: User,
                        command: LinkStart) -> tuple[LinkRequestView, bool]:  # fmt: skip
    """Starts linking the client (True), or resumes the request already open for them."""
    response = await _linkage(clients).call("POST", "/link-requests", user,
                                            json=command.model_dump())  # fmt: skip
    return LinkRequestView.model_validate(response.json()), response.status_code == 201


async def get_request(clients: ServiceClients, user: User, request_id: UUID) -> LinkRequestView:
    found = await _linkage(clients).json("GET", f"/link-requests/{request_id}", user)
    return LinkRequestView.model_validate(found)


async def choose_accounts(clients: ServiceClients, user: User, request_id: UUID,
                          command: AccountChoice) -> LinkRequestView:  # fmt: skip
    found = await _linkage(clients).json("PUT", f"/link-requests/{request_id}/accounts", user,
                                         json=command.model_dump())  # fmt: skip
    return LinkRequestView.model_validate(found)


async def reconcile(clients: ServiceClients, user: User, request_id: UUID,
                    command: Reconciliation) -> LinkRequestView:  # fmt: skip
    found = await _linkage(clients).json("PUT", f"/link-requests/{request_id}/reconciliation",
                                         user, json=command.model_dump())  # fmt: skip
    return LinkRequestView.model_validate(found)


async def keep_banking(clients: ServiceClients, user: User, request_id: UUID,
                       command: BankingChoice) -> LinkRequestView:  # fmt: skip
    found = await _linkage(clients).json("PUT", f"/link-requests/{request_id}/banking", user,
                                         json=command.model_dump())  # fmt: skip
    return LinkRequestView.model_validate(found)


async def confirm(clients: ServiceClients, user: User, request_id: UUID) -> LinkRequestView:
    found = await _linkage(clients).json("POST", f"/link-requests/{request_id}/confirm", user)
    return LinkRequestView.model_validate(found)


async def cancel(clients: ServiceClients, user: User, request_id: UUID) -> LinkRequestView:
    found = await _linkage(clients).json("POST", f"/link-requests/{request_id}/cancel", user)
    return LinkRequestView.model_validate(found)


async def contact_history(clients: ServiceClients, user: User, contact_id: UUID) -> HistoryList:
    found = await _linkage(clients).json("GET", f"/contacts/{contact_id}/history", user)
    return HistoryList.model_validate(found)


async def contact_accounts(clients: ServiceClients, user: User, contact_id: UUID) -> ClientAccounts:
    found = await _linkage(clients).json("GET", f"/contacts/{contact_id}/accounts", user)
    return ClientAccounts.model_validate(found)


# security devices (L4)


async def account_devices(clients: ServiceClients, user: User, account: str) -> AccountDevices:
    found = await _linkage(clients).json("GET", f"/accounts/{account}/devices", user)
    return AccountDevices.model_validate(found)


async def report_device(clients: ServiceClients, user: User, account: str, device_id: UUID,
                        command: DeviceReport) -> IssuedCode:  # fmt: skip
    found = await _linkage(clients).json("POST", f"/accounts/{account}/devices/{device_id}/report",
                                         user, json=command.model_dump())  # fmt: skip
    return IssuedCode.model_validate(found)


async def return_device(clients: ServiceClients, user: User, account: str,
                        device_id: UUID) -> DeviceView:  # fmt: skip
    found = await _linkage(clients).json("POST", f"/accounts/{account}/devices/{device_id}/return",
                                         user)  # fmt: skip
    return DeviceView.model_validate(found)


async def issue_temporary_code(clients: ServiceClients, user: User, account: str) -> IssuedCode:
    found = await _linkage(clients).json("POST", f"/accounts/{account}/temporary-codes", user)
    return IssuedCode.model_validate(found)


async def check_temporary_code(clients: ServiceClients, user: User, account: str,
                               command: CodeCheck) -> CodeAccess:  # fmt: skip
    found = await _linkage(clients).json("POST", f"/accounts/{account}/temporary-codes/check",
                                         user, json=command.model_dump())  # fmt: skip
    return CodeAccess.model_validate(found)


async def issue_security_card(clients: ServiceClients, user: User, account: str) -> IssuedCard:
    found = await _linkage(clients).json("POST", f"/accounts/{account}/security-card", user)
    return IssuedCard.model_validate(found)


async def activate_security_card(clients: ServiceClients, user: User, account: str,
                                 command: CardActivation) -> None:  # fmt: skip
    await _linkage(clients).call("POST", f"/accounts/{account}/security-card/activate", user,
                                 json=command.model_dump())  # fmt: skip


async def request_replacement(clients: ServiceClients, user: User, account: str,
                              command: ReplacementRequest) -> DeviceView:  # fmt: skip
    found = await _linkage(clients).json("POST", f"/accounts/{account}/replacements", user,
                                         json=command.model_dump(mode="json"))  # fmt: skip
    return DeviceView.model_validate(found)


async def activate_device(clients: ServiceClients, user: User, account: str,
                          command: DeviceActivation) -> DeviceView:  # fmt: skip
    found = await _linkage(clients).json("POST", f"/accounts/{account}/devices/activate", user,
                                         json=command.model_dump())  # fmt: skip
    return DeviceView.model_validate(found)


async def verify_device(clients: ServiceClients, user: User, account: str,
                        command: DeviceActivation) -> DeviceView:  # fmt: skip
    found = await _linkage(clients).json("POST", f"/accounts/{account}/devices/verify", user,
                                         json=command.model_dump())  # fmt: skip
    return DeviceView.model_validate(found)

"""The staging service (S1-S5, X5): the master's election and its cut-over, Always-Reject
message types, the held broker messages (To Be Sent By Broker) and the decisions on them."""

from __future__ import annotations

from urllib.parse import quote

from pydantic import TypeAdapter

from contracts.api.staging import (
    AlwaysRejectOut,
    Decision,
    DecisionCommand,
    ElectionChange,
    HoldDetail,
    HoldPage,
    HoldStatus,
    StagingStatus,
)
from gateway.clients.http import ServiceClients
from gateway.store.users import User

ALWAYS_REJECTS = TypeAdapter(list[AlwaysRejectOut])


def _hold(message_id: str) -> str:
    return f"/staging/holds/{quote(message_id, safe='')}"


async def get_election(clients: ServiceClients, user: User) -> StagingStatus:
    """Whether staging is in effect, what takes effect at the next cut-over, and when."""
    found = await clients.by_name["staging"].json("GET", "/staging/election", user)
    return StagingStatus.model_validate(found)


async def change_election(clients: ServiceClients, user: User, enabled: bool) -> StagingStatus:
    """Enable or disable staging from the next daily cut-over."""
    found = await clients.by_name["staging"].json(
        "PUT", "/staging/election", user,
        json=ElectionChange(enabled=enabled).model_dump(mode="json"),
    )  # fmt: skip
    return StagingStatus.model_validate(found)


async def list_always_rejects(clients: ServiceClients, user: User) -> list[AlwaysRejectOut]:
    found = await clients.by_name["staging"].json("GET", "/staging/always-reject", user)
    return ALWAYS_REJECTS.validate_python(found)


async def stop_always_rejecting(clients: ServiceClients, user: User, message_type: str) -> None:
    path = f"/staging/always-reject/{quote(message_type, safe='')}"
    await clients.by_name["staging"].call("DELETE", path, user)


async def list_holds(
    clients: ServiceClients, user: User, *, page: int = 1, status: HoldStatus | None = None
) -> HoldPage:
    """To Be Sent By Broker: the staged messages about clients in the user's scope."""
    params: dict[str, str | int] = {"page": page}
    if status is not None:
        params["status"] = status.value
    found = await clients.by_name["staging"].json("GET", "/staging/holds", user, params=params)
    return HoldPage.model_validate(found)


async def get_hold(clients: ServiceClients, user: User, message_id: str) -> HoldDetail:
    found = await clients.by_name["staging"].json("GET", _hold(message_id), user)
    return HoldDetail.model_validate(found)


async def decide(
    clients: ServiceClients, user: User, message_id: str, decision: Decision
) -> HoldDetail:
    """Send As Is, Reject Once or Always Reject (409 when the deadline or another user won)."""
    found = await clients.by_name["staging"].json(
        "POST", f"{_hold(message_id)}/decision", user,
        json=DecisionCommand(decision=decision).model_dump(mode="json"),
    )  # fmt: skip
    return HoldDetail.model_validate(found)

"""GET /healthz: green only when the broker, the databases and all five services answer."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.auth.rights import public
from gateway.deps import BrokerDep, ClientsDep, DatabaseDep

router = APIRouter(tags=["health"], dependencies=[public()])


async def _check(awaitable: object) -> str:
    try:
        await asyncio.wait_for(awaitable, 3)  # type: ignore[arg-type]
    except Exception as error:
        return f"down: {type(error).__name__}"
    return "ok"


@router.get("/healthz")
async def healthz(clients: ClientsDep, database: DatabaseDep, broker: BrokerDep) -> JSONResponse:
    names = list(clients.by_name)
    service_states = await asyncio.gather(*(clients.by_name[name].health() for name in names))
    services = dict(zip(names, service_states, strict=True))
    broker_alive = await broker.ping(timeout=3)
    checks = {
        "database": await _check(database.ping()),
        "broker": "ok" if broker_alive else "down",
    }
    healthy = all(state == "ok" for state in [*services.values(), *checks.values()])
    return JSONResponse(
        {"status": "ok" if healthy else "down", "services": services, "checks": checks},
        status_code=200 if healthy else 503,
    )

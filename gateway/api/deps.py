"""Dependencies shared by the API routes and the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from gateway.clients import ServiceClients
from services.runtime.db import Database


# async: FastAPI runs a plain-def dependency in a worker thread, on every request
async def get_clients(request: Request) -> ServiceClients:
    clients: ServiceClients = request.app.state.clients
    return clients


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


ClientsDep = Annotated[ServiceClients, Depends(get_clients)]
DatabaseDep = Annotated[Database, Depends(get_database)]

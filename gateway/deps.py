"""Dependencies shared by the API routes and the pages, each declared once as an ``Annotated``
alias; only these providers read the application's state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from faststream.kafka import KafkaBroker

from gateway.clients.http import ServiceClients
from gateway.settings import GatewaySettings
from services.runtime.db import Database


# async: FastAPI runs a plain-def dependency in a worker thread, on every request
async def get_settings(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


async def get_clients(request: Request) -> ServiceClients:
    clients: ServiceClients = request.app.state.clients
    return clients


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_broker(request: Request) -> KafkaBroker:
    broker: KafkaBroker = request.app.state.broker
    return broker


SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
ClientsDep = Annotated[ServiceClients, Depends(get_clients)]
DatabaseDep = Annotated[Database, Depends(get_database)]
BrokerDep = Annotated[KafkaBroker, Depends(get_broker)]

"""The linkage routes' dependencies, declared once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.linkage.service_layer.unit_of_work import SqlLinkageUnitOfWork
from services.linkage.settings import LinkageSettings
from services.runtime.db import Database
from services.runtime.service import get_database

DatabaseDep = Annotated[Database[SqlLinkageUnitOfWork], Depends(get_database)]


async def get_settings(request: Request) -> LinkageSettings:
    settings: LinkageSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[LinkageSettings, Depends(get_settings)]

"""The staging routes' dependencies, declared once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.runtime.db import Database
from services.runtime.service import get_database
from services.staging.domain.schedule import StagingRules
from services.staging.service_layer.unit_of_work import SqlStagingUnitOfWork

DatabaseDep = Annotated[Database[SqlStagingUnitOfWork], Depends(get_database)]


async def get_rules(request: Request) -> StagingRules:
    """The deployment's hold period and cut-over time (from the settings)."""
    rules: StagingRules = request.app.state.staging_rules
    return rules


RulesDep = Annotated[StagingRules, Depends(get_rules)]

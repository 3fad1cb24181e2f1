"""The analytics routes' dependencies, declared once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.analytics.service_layer.unit_of_work import SqlAnalyticsUnitOfWork
from services.runtime.db import Database
from services.runtime.service import get_database

DatabaseDep = Annotated[Database[SqlAnalyticsUnitOfWork], Depends(get_database)]

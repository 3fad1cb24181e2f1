"""The staging routes' dependencies, declared once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.runtime.db import Database
from services.runtime.service import get_database
from services.staging.service_layer.unit_of_work import SqlStagingUnitOfWork

DatabaseDep = Annotated[Database[SqlStagingUnitOfWork], Depends(get_database)]

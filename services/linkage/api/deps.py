"""The linkage routes' dependencies, declared once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.linkage.service_layer.unit_of_work import SqlLinkageUnitOfWork
from services.runtime.db import Database
from services.runtime.service import get_database

DatabaseDep = Annotated[Database[SqlLinkageUnitOfWork], Depends(get_database)]

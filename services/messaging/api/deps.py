"""The messaging routes' dependencies, declared once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.messaging.service_layer.unit_of_work import SqlMessagingUnitOfWork
from services.runtime.db import Database
from services.runtime.service import get_database

DatabaseDep = Annotated[Database[SqlMessagingUnitOfWork], Depends(get_database)]

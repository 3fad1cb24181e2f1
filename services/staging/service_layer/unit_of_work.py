"""Staging' unit of work: the repositories its use cases reach, and the SQL one behind them.

Use cases type their ``uow`` as ``StagingUnitOfWork`` (a protocol), so unit tests pass a fake with
in-memory repositories; the service runs ``SqlStagingUnitOfWork``. See ``services/analytics``.
"""

from __future__ import annotations

from typing import Protocol

from services.runtime.db import EventPublisher, UnitOfWork


class StagingUnitOfWork(EventPublisher, Protocol):
    """No repositories yet: the first use case adds them here."""


class SqlStagingUnitOfWork(UnitOfWork):
    """Builds the repositories over the transaction's session (none yet)."""

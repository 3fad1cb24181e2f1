"""Messaging' unit of work: the repositories its use cases reach, and the SQL one behind them.

Use cases type their ``uow`` as ``MessagingUnitOfWork`` (a protocol), so unit tests pass a fake with
in-memory repositories; the service runs ``SqlMessagingUnitOfWork``. See ``services/analytics``.
"""

from __future__ import annotations

from typing import Protocol

from services.runtime.db import EventPublisher, UnitOfWork


class MessagingUnitOfWork(EventPublisher, Protocol):
    """No repositories yet: the first use case adds them here."""


class SqlMessagingUnitOfWork(UnitOfWork):
    """Builds the repositories over the transaction's session (none yet)."""

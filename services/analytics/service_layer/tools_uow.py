"""What the tools' and fee administration's use cases reach (A4-A9): a protocol over the
repositories the SQL unit of work builds (``unit_of_work.SqlAnalyticsUnitOfWork``)."""

from __future__ import annotations

from typing import Protocol

from services.analytics.store.esg import EsgRepository
from services.analytics.store.fees import ActivityRepository, FeeRepository
from services.analytics.store.risk import GoalRepository, RiskRepository
from services.analytics.store.segments import SegmentFactsRepository, SegmentRepository
from services.runtime.db import EventPublisher


class ToolsUnitOfWork(EventPublisher, Protocol):
    @property
    def segment_facts(self) -> SegmentFactsRepository: ...

    @property
    def segments(self) -> SegmentRepository: ...

    @property
    def risk(self) -> RiskRepository: ...

    @property
    def goals(self) -> GoalRepository: ...

    @property
    def esg(self) -> EsgRepository: ...

    @property
    def fees(self) -> FeeRepository: ...

    @property
    def activity(self) -> ActivityRepository: ...

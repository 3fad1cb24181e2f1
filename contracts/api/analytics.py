"""Analytics API: views."""

from __future__ import annotations

from pydantic import BaseModel, Field

from contracts.accounts import ApplicationStage


def _zero_per_stage() -> dict[ApplicationStage, int]:
    return dict.fromkeys(ApplicationStage, 0)


class ContactStatistics(BaseModel):
    """The statistics row: totals by type and by application status."""

    total: int = 0
    prospects: int = 0
    clients: int = 0
    closed: int = 0
    by_status: dict[ApplicationStage, int] = Field(default_factory=_zero_per_stage)

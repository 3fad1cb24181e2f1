"""The analytics service's settings (one class, built once by the composition root)."""

from __future__ import annotations

from pydantic import Field

from services.runtime.settings import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    """What every service reads, and how often the client reports' jobs (A10) look for work."""

    report_schedule_poll_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="how often scheduled report deliveries are due"
    )
    statement_run_poll_seconds: float = Field(
        default=2.0, gt=0, le=3600, description="idle wait of the group statements' job"
    )

"""The staging service's settings (one class, built once by the composition root)."""

from __future__ import annotations

from datetime import time

from pydantic import Field

from services.runtime.settings import ServiceSettings


class StagingSettings(ServiceSettings):
    """Everything the staging service reads from its environment.

    The seed gives no figure for how long a held message waits ("until the staging period
    expires") and says an election becomes effective "with the next server restart", which
    "typically take[s] place overnight": so two days, and a daily cut-over at 00:00 in each
    master's own zone, both per deployment."""

    staging_hold_days: int = Field(
        default=2, ge=1, le=30,
        description="calendar days (master's zone) a held message waits before it is delivered",
    )  # fmt: skip
    staging_cutover_time: time = Field(
        default=time(0, 0), description="local time of each master's daily cut-over (HH:MM)"
    )
    staging_release_poll_seconds: float = Field(
        default=1.0, gt=0, le=3600, description="how often due holds are looked for"
    )
    staging_release_batch: int = Field(
        default=500, ge=1, le=10_000, description="holds released per transaction at most"
    )

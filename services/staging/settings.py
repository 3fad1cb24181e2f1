"""The staging service's settings (one class, built once by the composition root)."""

from __future__ import annotations

from services.runtime.settings import ServiceSettings


class StagingSettings(ServiceSettings):
    """Nothing beyond what every service reads, yet: review holds on broker-originated messages."""

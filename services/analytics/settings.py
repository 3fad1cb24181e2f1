"""The analytics service's settings (one class, built once by the composition root)."""

from __future__ import annotations

from services.runtime.settings import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    """Nothing beyond what every service reads, yet; the tools' settings will live here."""

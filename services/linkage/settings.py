"""The linkage service's settings (one class, built once by the composition root)."""

from __future__ import annotations

from services.runtime.settings import ServiceSettings


class LinkageSettings(ServiceSettings):
    """Nothing beyond what every service reads, yet: account linkage and security devices."""

"""The messaging service's settings (one class, built once by the composition root)."""

from __future__ import annotations

from services.runtime.settings import ServiceSettings


class MessagingSettings(ServiceSettings):
    """Nothing beyond what every service reads, yet: the communication center (templates, composed messages, delivery per channel)."""

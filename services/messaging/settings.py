"""The messaging service's settings (one class, built once by the composition root)."""

from __future__ import annotations

from pydantic import Field

from services.runtime.settings import MailSettings, ServiceSettings


class MessagingSettings(ServiceSettings, MailSettings):
    """Everything the messaging service reads from its environment (mail: M8 deliveries and X3
    reminder emails)."""

    reminder_email_poll_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="how often reminder emails still to send are tried"
    )
    # M8: the queued emails of messages
    email_poll_seconds: float = Field(default=1.0, gt=0, le=3600, description="idle sender's poll")
    email_max_attempts: int = Field(default=5, ge=1, le=20, description="tries per message email")
    email_first_retry_seconds: float = Field(
        default=30.0, gt=0, description="wait after a first transient failure (then doubled)"
    )

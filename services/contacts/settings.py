"""The contacts service's settings: one class, built once by the composition root."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from services.runtime.settings import MailSettings, ServiceSettings


class ContactsSettings(ServiceSettings, MailSettings):
    """Everything the contacts service reads from its environment (mail for invitations)."""

    documents_dir: Path | None = Field(
        default=None, description="keep document bytes here instead of in the database"
    )
    reminder_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    reminder_batch_size: int = Field(default=100, ge=1, le=1000)
    application_url: str = Field(
        default="http://127.0.0.1:8000/apply",
        description="the portal's /apply page as the invited client reaches it; the link in "
        "the email is <APPLICATION_URL>/<token>",
    )
    invitation_valid_days: int = Field(default=30, ge=1, le=365)
    invitation_poll_seconds: float = Field(default=5.0, gt=0, le=3600)

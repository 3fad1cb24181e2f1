"""Gateway settings, from the environment: what every process reads (``ProcessSettings``) and the
portal's own."""

from __future__ import annotations

import os
import secrets
from typing import Self

from pydantic import Field, SecretStr, model_validator

from contracts.services import SERVICES
from services.runtime.settings import MailSettings, ProcessSettings


def service_urls_from_environment() -> dict[str, str]:
    """Each registered service's address: its ``<NAME>_URL``, else its default port here."""
    return {
        entry.name: os.environ.get(entry.url_variable, f"http://127.0.0.1:{entry.default_port}")
        for entry in SERVICES
    }


class GatewaySettings(ProcessSettings, MailSettings):
    portal_port: int = 8000
    portal_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="the portal as users reach it: links in its emails start with it",
    )
    portal_secret_key: SecretStr | None = Field(
        default=None, description="signs session tokens; required outside local"
    )
    session_minutes: int = Field(default=480, ge=5, le=7 * 24 * 60)
    # Login throttling (gateway/auth/login.py): failed logins are counted per client address
    # (across usernames) and per username and client address, never per username alone, so
    # that an attacker's failures never lock the real user out.
    login_address_failures_allowed: int = Field(default=20, ge=1)
    login_address_window_seconds: int = Field(default=900, ge=1)
    login_address_first_wait_seconds: int = Field(default=60, ge=1)
    login_pair_failures_allowed: int = Field(default=5, ge=1)
    login_pair_window_seconds: int = Field(default=900, ge=1)
    login_pair_first_wait_seconds: int = Field(default=30, ge=1)
    login_longest_wait_seconds: int = Field(default=900, ge=1)
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="addresses of reverse proxies whose X-Forwarded-For names the client; "
        "empty: the connecting address is the client",
    )
    service_urls: dict[str, str] = Field(
        default_factory=service_urls_from_environment,
        description="service name -> base URL, from CONTACTS_URL, MESSAGING_URL, ...",
    )
    service_timeout_seconds: float = 10.0

    @model_validator(mode="after")
    def _refuse_unsafe_portal_secret(self) -> Self:
        if self.environment == "local":
            return self
        if self.portal_secret_key is None or len(self.portal_secret_key.get_secret_value()) < 32:
            raise ValueError("PORTAL_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def signing_key(self) -> str:
        if self.portal_secret_key is None:  # local only: sessions end when the gateway restarts
            self.portal_secret_key = SecretStr(secrets.token_urlsafe(32))
        return self.portal_secret_key.get_secret_value()

    @property
    def secure_cookies(self) -> bool:
        return self.environment != "local"

"""Gateway settings, from the environment."""

from __future__ import annotations

import secrets
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.runtime.settings import LOCAL_INTERNAL_TOKEN

SERVICE_NAMES = ("contacts", "messaging", "staging", "linkage", "analytics")


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    environment: Literal["local", "production"] = "local"
    database_url: str = Field(description="the gateway's own database (users, sessions)")
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    http_host: str = "127.0.0.1"
    portal_port: int = 8000
    portal_secret_key: SecretStr | None = Field(
        default=None, description="signs session tokens; required outside local"
    )
    session_minutes: int = Field(default=480, ge=5, le=7 * 24 * 60)
    login_failures_allowed: int = 5
    login_failure_window_seconds: int = 300
    internal_token: SecretStr = SecretStr(LOCAL_INTERNAL_TOKEN)
    contacts_url: str = "http://127.0.0.1:8101"
    messaging_url: str = "http://127.0.0.1:8102"
    staging_url: str = "http://127.0.0.1:8103"
    linkage_url: str = "http://127.0.0.1:8104"
    analytics_url: str = "http://127.0.0.1:8105"
    service_timeout_seconds: float = 10.0
    log_format: Literal["console", "json"] | None = None
    log_level: str = "INFO"
    otel_exporter_otlp_endpoint: str | None = None

    @model_validator(mode="after")
    def _refuse_unsafe_secrets(self) -> Self:
        if self.environment == "local":
            return self
        if self.internal_token.get_secret_value() == LOCAL_INTERNAL_TOKEN:
            raise ValueError("INTERNAL_TOKEN must be set to a secret outside local environments")
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

    def service_url(self, name: str) -> str:
        url: str = getattr(self, f"{name}_url")
        return url

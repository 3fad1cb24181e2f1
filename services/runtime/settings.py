"""Settings every process reads from its environment: one class per service, built once.

``ProcessSettings`` holds what the gateway and every service share (environment, logging,
telemetry, broker, the internal token); ``ServiceSettings`` adds what a service process needs;
``MailSettings`` is mixed into the settings of a service that sends email. A service declares
its own subclass in ``services/<name>/settings.py`` and its composition root builds it once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_INTERNAL_TOKEN = "local-only-internal-token"  # noqa: S105 - refused outside local


class ProcessSettings(BaseSettings):
    """What every process of the platform reads, the gateway included."""

    model_config = SettingsConfigDict(extra="ignore")

    environment: Literal["local", "production"] = "local"
    database_url: str = Field(description="this process's own database (SQLAlchemy URL)")
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    http_host: str = "127.0.0.1"
    internal_token: SecretStr = SecretStr(LOCAL_INTERNAL_TOKEN)
    log_format: Literal["console", "json"] | None = None
    log_level: str = "INFO"
    otel_exporter_otlp_endpoint: str | None = None

    @model_validator(mode="after")
    def _refuse_unsafe_internal_token(self) -> Self:
        if (
            self.environment != "local"
            and self.internal_token.get_secret_value() == LOCAL_INTERNAL_TOKEN
        ):
            raise ValueError("INTERNAL_TOKEN must be set to a secret outside local environments")
        return self

    @property
    def json_logs(self) -> bool:
        if self.log_format is None:
            return self.environment == "production"
        return self.log_format == "json"


class ServiceSettings(ProcessSettings):
    """A service process: its HTTP API, its subscriptions and its outbox relay."""

    service_name: str = Field(description="the service's noun; also its consumer group")
    kafka_partitions: int = Field(default=3, ge=1, description="partitions of topics this creates")
    kafka_group_prefix: str = Field(
        default="", max_length=100, description="prefix of consumer group ids (one per deployment)"
    )
    http_port: int = 8100
    outbox_poll_seconds: float = 0.5
    profile_dir: Path | None = Field(
        default=None, description="profile the running service (cProfile), written here at stop"
    )


class MailSettings(BaseSettings):
    """Outgoing email (services/runtime/mail.py): SMTP when SMTP_HOST is set, else captured."""

    model_config = SettingsConfigDict(extra="ignore")

    environment: Literal["local", "production"] = "local"
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_ssl: bool = Field(default=False, description="implicit TLS (port 465) instead")
    smtp_timeout_seconds: float = Field(default=30, gt=0, le=300)
    mail_from: str | None = Field(default=None, description="required with SMTP_HOST")
    mail_capture_dir: Path | None = Field(
        default=None, description="without SMTP: where each message is written as a .eml file"
    )

    @model_validator(mode="after")
    def _mail_is_complete(self) -> Self:
        if not self.smtp_host:
            return self
        if not self.mail_from:
            raise ValueError("MAIL_FROM must be set when SMTP_HOST is")
        encrypted = self.smtp_starttls or self.smtp_ssl
        if self.smtp_username and not encrypted and self.environment != "local":
            raise ValueError("SMTP credentials need SMTP_STARTTLS or SMTP_SSL outside local")
        return self


def async_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the asyncpg driver for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url

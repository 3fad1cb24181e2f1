"""The linkage service's settings (one class, built once by the composition root)."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Self

from pydantic import Field, SecretStr, model_validator

from services.linkage.service_layer.devices import DeviceSettings
from services.runtime.settings import ServiceSettings


class LinkageSettings(ServiceSettings):
    """Account linkage (the weekly batch) and security devices (codes, activation)."""

    link_batch_weekday: int = Field(default=4, ge=0, le=6, description="0 Monday ... 4 Friday")
    link_batch_time: time = Field(default=time(6, 0), description="local time in the master's zone")
    link_batch_poll_seconds: float = Field(default=60.0, gt=0, le=3600)
    device_activation_days: float = Field(
        default=7.0, gt=0, le=60, description="replacements activate this long after shipping"
    )
    device_poll_seconds: float = Field(default=60.0, gt=0, le=3600)
    code_failures_allowed: int = Field(default=5, ge=1, le=100)
    code_failure_window_minutes: float = Field(default=15.0, gt=0, le=1440)
    code_hash_key: SecretStr = SecretStr("local-only-linkage-code-key")
    device_key: SecretStr = Field(
        default=SecretStr("local-only-device-key"),
        description="the back office's key from which each device's passcodes derive",
    )

    @model_validator(mode="after")
    def _refuse_local_keys_in_production(self) -> Self:
        for key in (self.code_hash_key, self.device_key):
            if self.environment != "local" and key.get_secret_value().startswith("local-only"):
                raise ValueError("set CODE_HASH_KEY and DEVICE_KEY outside local")
        return self

    def devices(self) -> DeviceSettings:
        return DeviceSettings(
            code_key=self.code_hash_key.get_secret_value().encode(),
            device_key=self.device_key.get_secret_value().encode(),
            activation_after=timedelta(days=self.device_activation_days),
            failures_allowed=self.code_failures_allowed,
            failure_window=timedelta(minutes=self.code_failure_window_minutes),
        )

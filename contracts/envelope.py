"""The envelope every event travels in, and the base class of every event payload."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Self, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ContractModel(BaseModel):
    """Base of every value object carried inside an event."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Event(ContractModel):
    """Base of every event payload.

    Subclasses declare ``type: Literal["<domain>.<event>"]`` (the discriminator) and keep
    ``schema_version`` at the version they describe. Additive, optional fields keep the version;
    anything else is a new type published beside the old one until every consumer has moved.
    """

    type: str
    schema_version: ClassVar[int] = 1

    def partition_key(self) -> str | None:
        """The key that keeps this entity's events in order on one partition."""
        return None


PayloadT = TypeVar("PayloadT")


class Envelope(BaseModel, Generic[PayloadT]):
    """Metadata shared by every message, wrapped around one event payload."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID = Field(default_factory=uuid4)
    type: str
    schema_version: int = 1
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    master_account_id: str = Field(min_length=1, max_length=32)
    correlation_id: str | None = None
    trace_id: str | None = None
    payload: PayloadT

    @model_validator(mode="after")
    def _type_matches_payload(self) -> Self:
        payload_type = getattr(self.payload, "type", None)
        if payload_type is not None and payload_type != self.type:
            raise ValueError(f"envelope type {self.type!r} != payload type {payload_type!r}")
        return self

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        master_account_id: str,
        correlation_id: str | None = None,
        occurred_at: datetime | None = None,
    ) -> Envelope[Any]:
        return Envelope[Any](
            type=event.type,
            schema_version=event.schema_version,
            occurred_at=occurred_at or datetime.now(UTC),
            master_account_id=master_account_id,
            correlation_id=correlation_id,
            payload=event,
        )

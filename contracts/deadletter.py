"""What a consumer publishes when it cannot process a message, instead of stopping."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from contracts.envelope import Event


class MessageDeadLettered(Event):
    type: Literal["platform.message_dead_lettered"] = "platform.message_dead_lettered"
    consumer: str = Field(description="the consumer group that gave up on the message")
    topic: str
    partition: int
    offset: int
    reason: str = Field(max_length=4000)
    key: str | None = None
    body: str = Field(description="the original bytes, decoded as UTF-8 with replacement")
    attempts: int = 1

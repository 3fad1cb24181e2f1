"""Dead-lettering: a message a consumer cannot process is parked with its reason, not lost.

Malformed messages (not JSON, not the contract) go straight to the dead-letter topic. Any other
failure is retried with back-off; after the last attempt the message is dead-lettered too, so one
bad message never stops a partition. Until the dead letter is published the offset is not
committed, so a crash in between redelivers rather than drops. A database that cannot be reached
for a moment (restarting, a connection lost) is not the message's fault: that is retried until
the database answers, however long it takes, and never parks the message (a PostgreSQL restart
of 13 s parked valid events after the five attempts' 3 s of back-off, which lost them).

The broker's middleware applies this to each message of a plain subscriber. A batch subscriber
(``services.runtime.consumers``) applies the same policy record by record itself, so that one bad
record is parked alone; the middleware lets its batches through.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from faststream import BaseMiddleware
from faststream.kafka import KafkaBroker
from pydantic import ValidationError

from contracts.deadletter import MessageDeadLettered
from contracts.envelope import Envelope
from contracts.topics import DEAD_LETTERS

log = structlog.get_logger(__name__)

MALFORMED = (ValidationError, json.JSONDecodeError, UnicodeDecodeError)
SYSTEM_MASTER = "platform"
T = TypeVar("T")


UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")
"""connection exceptions, and a server shutting down, crashed or starting up"""


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) says the database cannot be reached right now,
    rather than that this message cannot be applied."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        found = pending.pop()
        if id(found) in seen:
            continue
        seen.add(id(found))
        if isinstance(found, OSError) or getattr(found, "connection_invalidated", False):
            return True
        state = getattr(found, "sqlstate", None)
        if isinstance(state, str) and state.startswith(UNAVAILABLE_SQLSTATES):
            return True
        causes = (getattr(found, "orig", None), found.__cause__, found.__context__)
        pending += [cause for cause in causes if isinstance(cause, BaseException)]
    return False


def describe(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        problems = [
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors()[:20]
        ]
        return "malformed message: " + "; ".join(problems)
    return f"{type(error).__name__}: {error}"[:4000]


@dataclass(frozen=True)
class DeadLetters:
    """How one service's consumers retry and park what they cannot process."""

    service: str
    max_attempts: int = 5
    first_backoff: float = 0.2

    async def attempt(
        self, broker: KafkaBroker, record: Any, process: Callable[[], Awaitable[T]]
    ) -> T | None:
        """Run ``process`` for one Kafka record until it succeeds or the record is parked."""
        attempt = waits = 0
        while True:
            attempt += 1
            try:
                return await process()
            except MALFORMED as error:
                await self.park(broker, record, error, attempt)
                return None
            except Exception as error:
                if database_unavailable(error):
                    log.warning("database unavailable; retrying", error=describe(error))
                    attempt -= 1  # not an attempt at the message
                    await asyncio.sleep(min(self.first_backoff * 2**waits, 5.0))
                    waits += 1
                    continue
                if attempt >= self.max_attempts:
                    await self.park(broker, record, error, attempt)
                    return None
                log.warning(
                    "message processing failed; retrying", attempt=attempt, error=describe(error)
                )
                await asyncio.sleep(min(self.first_backoff * 2 ** (attempt - 1), 5.0))

    async def park(
        self, broker: KafkaBroker, record: Any, error: BaseException, attempts: int
    ) -> None:
        """Publish the record to the dead-letter topic with its position and the reason."""
        reason = describe(error)
        dead = MessageDeadLettered(
            consumer=self.service,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason=reason,
            key=record.key.decode("utf-8", "replace") if record.key else None,
            body=bytes(record.value or b"").decode("utf-8", "replace"),
            attempts=attempts,
        )
        envelope = Envelope.wrap(dead, master_account_id=SYSTEM_MASTER)
        await broker.publish(
            envelope.model_dump_json().encode(),
            topic=DEAD_LETTERS.name,
            key=record.topic.encode(),
            headers={"event-type": envelope.type, "content-type": "application/json"},
        )
        log.error(
            "message dead-lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason=reason,
        )


def dead_letter_middleware(
    service: str, *, max_attempts: int = 5, first_backoff: float = 0.2
) -> type[BaseMiddleware]:
    policy = DeadLetters(service, max_attempts, first_backoff)

    class DeadLetterMiddleware(BaseMiddleware):
        dead_letters = policy

        async def consume_scope(self, call_next: Any, msg: Any) -> Any:
            if isinstance(msg.raw_message, tuple | list):  # a batch: its consumer parks records
                return await call_next(msg)
            broker = self.context.get("broker")
            return await policy.attempt(broker, msg.raw_message, lambda: call_next(msg))

    return DeadLetterMiddleware


def dead_letters_of(broker: KafkaBroker) -> DeadLetters | None:
    """The policy of the broker's dead-letter middleware, if it has one."""
    for middleware in broker.middlewares:
        policy = getattr(middleware, "dead_letters", None)
        if isinstance(policy, DeadLetters):
            return policy
    return None

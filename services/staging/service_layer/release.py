"""The background job releasing held messages at their deadline (S4): a pass claims up to a
batch of due holds in one transaction (see ``arrivals.release_due``) and commits; a full batch
means more are due, so the next pass starts at once. Nothing is kept in memory between passes:
the schedule is the ``holds`` table, so a start after downtime releases what fell due meanwhile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog

from services.runtime.clock import Clock
from services.runtime.db import Database
from services.runtime.jobs import repeat
from services.staging.service_layer.arrivals import release_due

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class DeadlineRelease:
    batch: int
    poll_seconds: float

    async def run_pass(self, database: Database[Any], clock: Clock) -> bool:
        async with database.unit_of_work() as uow:
            released = await release_due(uow, now=clock.now(), limit=self.batch)
            await uow.commit()
        if released:
            log.info("held messages released at their deadline", released=released)
        return released >= self.batch

    async def run(self, context: Any) -> None:
        await repeat("staging-deadline-release",
                     lambda: self.run_pass(context.database, context.clock),
                     every=self.poll_seconds)  # fmt: skip

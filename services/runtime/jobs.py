"""The scheduler every service's background jobs use: repeat a pass until the process stops.

A pass returns whether it left work behind (a full batch): then the next pass starts at once,
otherwise after ``every`` seconds, or sooner when ``wake_up`` is set (a route that just queued
work). A failing pass is logged and retried at the next turn; the job never dies of it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)


async def repeat(
    name: str,
    run_pass: Callable[[], Awaitable[bool]],
    *,
    every: float,
    wake_up: asyncio.Event | None = None,
) -> None:
    while True:
        try:
            more = await run_pass()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("background pass failed; retrying", job=name, error=type(error).__name__)
            more = False
        if more:
            await asyncio.sleep(0)  # let requests in between two full batches
            continue
        if wake_up is None:
            await asyncio.sleep(every)
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake_up.wait(), every)
        wake_up.clear()

"""The linkage service's background jobs: the weekly link batch and automatic device activation,
each a ``services/runtime/jobs.repeat`` loop reading the injected clock."""

from __future__ import annotations

from services.linkage.service_layer.batch import run_batch
from services.linkage.service_layer.devices import activate_due
from services.linkage.settings import LinkageSettings
from services.runtime.jobs import repeat
from services.runtime.service import ServiceContext


async def link_batch(context: ServiceContext) -> None:
    """Executes confirmed link requests once their batch time (Friday, by default) has come."""
    settings = context.settings
    assert isinstance(settings, LinkageSettings)

    async def run_pass() -> bool:
        await run_batch(context.database.unit_of_work, context.clock.now)
        return False

    await repeat("link-batch", run_pass, every=settings.link_batch_poll_seconds)


async def device_activation(context: ServiceContext) -> None:
    """Activates shipped replacements whose automatic activation time has come."""
    settings = context.settings
    assert isinstance(settings, LinkageSettings)

    async def run_pass() -> bool:
        async with context.database.unit_of_work() as uow:
            activated = await activate_due(uow, context.clock.now(), limit=100)
            await uow.commit()
        return activated == 100

    await repeat("device-activation", run_pass, every=settings.device_poll_seconds)

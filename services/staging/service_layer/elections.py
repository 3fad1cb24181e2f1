"""S1, S5, X5: the master's staging election — off by default; enabling or disabling takes effect
at the next daily cut-over in the master's own zone, not at once — and the message types it always
rejects (kept while staging is off, applied again when it is back in effect)."""

from __future__ import annotations

from datetime import datetime

from contracts import topics
from contracts.api.staging import AlwaysRejectOut, ElectionOut, StagingStatus
from contracts.staging import AlwaysRejectChanged, StagingElectionChanged
from services.runtime.caller import Caller
from services.runtime.errors import NotFound
from services.staging.domain.holds import Election, in_effect, latest, staging_on
from services.staging.domain.schedule import StagingRules, next_cutover, zone_named
from services.staging.service_layer.unit_of_work import StagingUnitOfWork


def _out(election: Election) -> ElectionOut:
    return ElectionOut(enabled=election.enabled, effective_at=election.effective_at,
                       changed_by_user_id=election.changed_by_user_id,
                       changed_at=election.changed_at)  # fmt: skip


async def staging_status(
    uow: StagingUnitOfWork, caller: Caller, *, now: datetime, rules: StagingRules
) -> StagingStatus:
    master = caller.master_account_id
    elections = (await uow.elections.of_masters([master])).get(master, [])
    zone_name = (await uow.master_zones.of([master])).get(master)
    zone = zone_named(zone_name)
    current = in_effect(elections, now)
    last = latest(elections)
    pending = last if last is not None and last.effective_at > now else None
    return StagingStatus(
        enabled_now=current is not None and current.enabled,
        effective_since=current.effective_at if current else None,
        pending=_out(pending) if pending else None,
        next_cutover=next_cutover(now, zone, rules.cutover_time),
        time_zone=zone.key,
        cutover_time=rules.cutover_time.strftime("%H:%M"),
        hold_days=rules.hold_days,
        history=[_out(e) for e in reversed(elections[-50:])],
    )  # fmt: skip


async def change_election(
    uow: StagingUnitOfWork, caller: Caller, *, enabled: bool, now: datetime, rules: StagingRules
) -> StagingStatus:
    """Enable or disable staging from the next cut-over. Asking for what the master will have
    after the pending cut-over anyway changes nothing (and publishes nothing)."""
    master = caller.master_account_id
    await uow.elections.lock(master)
    elections = (await uow.elections.of_masters([master])).get(master, [])
    last = latest(elections)
    if (last.enabled if last else False) != enabled:
        zone = zone_named((await uow.master_zones.of([master])).get(master))
        election = Election(master_account_id=master, enabled=enabled,
                            effective_at=next_cutover(now, zone, rules.cutover_time),
                            changed_by_user_id=caller.user_id, changed_at=now)  # fmt: skip
        await uow.elections.add(election)
        await uow.publish(
            topics.STAGING.name,
            StagingElectionChanged(master_account_id=master, enabled=enabled,
                                   effective_at=election.effective_at,
                                   changed_by_user_id=caller.user_id, changed_at=now),
            master_account_id=master,
        )  # fmt: skip
    return await staging_status(uow, caller, now=now, rules=rules)


async def always_rejects(
    uow: StagingUnitOfWork, caller: Caller, *, now: datetime
) -> list[AlwaysRejectOut]:
    master = caller.master_account_id
    effective = staging_on((await uow.elections.of_masters([master])).get(master, []), now)
    return [
        AlwaysRejectOut(message_type=kind, active=active, applied_now=active and effective,
                        changed_by_user_id=by, changed_at=at)
        for kind, active, by, at in await uow.always_rejects.of_master(master)
    ]  # fmt: skip


async def set_always_reject(
    uow: StagingUnitOfWork, caller: Caller, *, message_type: str, active: bool, now: datetime
) -> bool:
    """Start or stop always rejecting a message type; whether anything changed."""
    master = caller.master_account_id
    if not active and message_type not in {
        k for k, *_ in await uow.always_rejects.of_master(master)
    }:
        raise NotFound("always-rejected message type")
    changed = await uow.always_rejects.save(master_account_id=master, message_type=message_type,
                                           active=active, by=caller.user_id, at=now)  # fmt: skip
    if changed:
        await uow.publish(
            topics.STAGING.name,
            AlwaysRejectChanged(master_account_id=master, message_type=message_type,
                                active=active, changed_by_user_id=caller.user_id, changed_at=now),
            master_account_id=master,
        )  # fmt: skip
    return changed

"""Use cases of merging duplicate prospects (C6) and suggesting likely duplicates (X2).

A merge is one transaction: the records are locked, the kept one takes the union of their
information (saved, recorded as "merged" with the merged-away records' last state and history,
published as ContactChanged), their notes, tasks, events, documents, group and household
memberships and invitations move to it (each moved record, group and household published with
its new state), and they are deleted — each published as ContactRemoved(merged_into=...) so that
read models (the statistics) drop them.

Every record named must be within the caller's reach (access rights), else none is found; the
suggestions show only clusters wholly within it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from contracts import topics
from contracts.api.merge import MergeRequest
from contracts.contacts import ContactRemoved
from services.contacts.domain import merge as rules
from services.contacts.domain.contact import Contact, changes_between, state_of
from services.contacts.domain.duplicates import Cluster, clusters_of
from services.contacts.domain.merge import MergeRejected
from services.contacts.domain.reach import Reach
from services.contacts.service_layer.contacts import save_changes
from services.contacts.service_layer.memberships import reassign_memberships
from services.contacts.service_layer.records import move_to_contact
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import NotFound

HISTORY_KEPT = 1000
"""How much of a merged-away record's history the kept record's "merged" entry carries."""


@dataclass(frozen=True)
class MergeOutcome:
    contact: Contact
    merged_ids: list[UUID]
    changed_fields: list[str]


@dataclass(frozen=True)
class SuggestedCluster:
    cluster: Cluster
    rows: list[dict[str, Any]]
    """the table's columns of each contact of the cluster"""


async def _load(
    uow: ContactsUnitOfWork,
    caller: Caller,
    keep_id: UUID,
    other_ids: Sequence[UUID],
    *,
    lock: bool,
) -> tuple[Contact, list[Contact]]:
    """The kept record and the others, within the caller's reach; locked in id order so that
    concurrent merges of overlapping records wait for each other instead of deadlocking."""
    found: dict[UUID, Contact] = {}
    reach = Reach.of(caller.access)
    for contact_id in sorted({keep_id, *other_ids}):
        contact = await uow.contacts.get(
            contact_id, master_account_id=caller.master_account_id, for_update=lock, reach=reach
        )
        if contact is not None:
            found[contact_id] = contact
    missing = [i for i in (keep_id, *other_ids) if i not in found]
    if missing:
        raise NotFound("contact", "no such contact: " + ", ".join(map(str, missing)))
    return found[keep_id], [found[i] for i in other_ids]


async def review(
    uow: ContactsUnitOfWork, caller: Caller, keep_id: UUID, other_ids: Sequence[UUID]
) -> tuple[list[Contact], list[rules.FieldComparison]]:
    """The records named in the query (the kept one first) and every field they hold, side by
    side."""
    kept, others = await _load(uow, caller, keep_id, other_ids, lock=False)
    try:
        return [kept, *others], rules.compare(kept, others)
    except MergeRejected as rejected:
        raise rejected.located_in("query") from None


async def merge_prospects(
    uow: ContactsUnitOfWork, caller: Caller, request: MergeRequest
) -> MergeOutcome:
    master = caller.master_account_id
    kept, others = await _load(uow, caller, request.keep_id, request.others(), lock=True)
    merged = rules.merge(kept, others, request.choices)
    before = state_of(kept)
    changed_fields = sorted(changes_between(before, state_of(merged)))
    merged_ids = [other.id for other in others]
    audit = {"merged_records": [await _last_state(uow, other) for other in others]}
    await move_to_contact(uow, caller, from_ids=merged_ids, to_id=kept.id)
    await reassign_memberships(uow, master_account_id=master, from_ids=merged_ids, to_id=kept.id)
    # removed before the kept record is saved: it may take over their account number
    await uow.contacts.remove(merged_ids, master_account_id=master)
    for other in others:
        other.version += 1
        await uow.publish(
            topics.CONTACTS.name,
            ContactRemoved(
                contact=other.snapshot(), changed_by=caller.user_id, merged_into=kept.id
            ),
            master_account_id=master,
        )
    await save_changes(uow, merged, before, changed_by=caller.user_id, action="merged", audit=audit)
    return MergeOutcome(merged, merged_ids, changed_fields)


async def _last_state(uow: ContactsUnitOfWork, other: Contact) -> dict[str, Any]:
    """What the kept record's history keeps of a merged-away one."""
    history = await uow.contacts.history(
        other.id, master_account_id=other.master_account_id, limit=HISTORY_KEPT
    )
    return {
        "contact_id": other.id,
        "state": state_of(other),
        "history": [vars(change) for change in history],
    }


async def suggest_duplicates(
    uow: ContactsUnitOfWork, caller: Caller, *, limit: int
) -> tuple[list[SuggestedCluster], int]:
    """The ``limit`` likeliest clusters of duplicates among the master's open prospects, and
    how many clusters there are (of pairs wholly within the caller's reach)."""
    master = caller.master_account_id
    reach = Reach.of(caller.access)
    pairs = await uow.duplicates.candidate_pairs(master_account_id=master)
    if not reach.unlimited:
        named = list({i for pair in pairs for i in (pair.first, pair.second)})
        reached = await uow.contacts.existing_ids(named, master_account_id=master, reach=reach)
        pairs = [pair for pair in pairs if {pair.first, pair.second} <= reached]
    clusters = clusters_of(pairs)
    shown = clusters[:limit]
    rows = await uow.contact_table.rows(
        [i for cluster in shown for i in cluster.contact_ids], master_account_id=master, reach=reach
    )
    by_id = {row["id"]: row for row in rows}
    suggested = [
        SuggestedCluster(
            cluster,
            sorted(
                (by_id[i] for i in cluster.contact_ids if i in by_id),
                key=lambda row: (row["last_name"].casefold(), row["first_name"].casefold()),
            ),
        )
        for cluster in shown
    ]
    return suggested, len(clusters)

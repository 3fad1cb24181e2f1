"""Use cases of merging duplicate prospects (C6) and suggesting likely duplicates (X2).

A merge is one transaction: the records are locked, the kept one takes the union of their
information (saved, recorded as "merged" with the merged-away records' last state and history,
published as ContactChanged), their notes, tasks, events, documents and group and household
memberships move to it (each moved record, group and household published with its new state), and
they are deleted — each published as ContactRemoved(merged_into=...) so that read models (the
statistics) drop them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import topics
from contracts.api.merge import MergeRequest
from contracts.contacts import ContactRemoved
from services.contacts import handlers, records
from services.contacts.domain import merge as rules
from services.contacts.domain.contact import Contact, changes_between, state_of
from services.contacts.domain.duplicates import Cluster, clusters_of
from services.contacts.store import duplicates as store
from services.contacts.store import groups as group_store
from services.contacts.store.repository import ContactRepository
from services.runtime.caller import Caller
from services.runtime.db import UnitOfWork

HISTORY_KEPT = 1000
"""How much of a merged-away record's history the kept record's "merged" entry carries."""


class ContactsNotFound(LookupError):
    def __init__(self, contact_ids: Sequence[UUID]) -> None:
        super().__init__("no such contact: " + ", ".join(map(str, contact_ids)))
        self.contact_ids = list(contact_ids)


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
    repository: ContactRepository, keep_id: UUID, other_ids: Sequence[UUID], *, lock: bool
) -> tuple[Contact, list[Contact]]:
    """The kept record and the others; locked in id order so that concurrent merges of
    overlapping records wait for each other instead of deadlocking."""
    found: dict[UUID, Contact] = {}
    for contact_id in sorted({keep_id, *other_ids}):
        contact = await repository.get(contact_id, for_update=lock)
        if contact is not None:
            found[contact_id] = contact
    missing = [i for i in (keep_id, *other_ids) if i not in found]
    if missing:
        raise ContactsNotFound(missing)
    return found[keep_id], [found[i] for i in other_ids]


async def review(
    session: AsyncSession, master_account_id: str, keep_id: UUID, other_ids: Sequence[UUID]
) -> tuple[list[Contact], list[rules.FieldComparison]]:
    """The records (the kept one first) and every field they hold, side by side."""
    kept, others = await _load(
        ContactRepository(session, master_account_id), keep_id, other_ids, lock=False
    )
    return [kept, *others], rules.compare(kept, others)


async def merge_prospects(uow: UnitOfWork, caller: Caller, request: MergeRequest) -> MergeOutcome:
    master = caller.master_account_id
    repository = ContactRepository(uow.session, master)
    kept, others = await _load(repository, request.keep_id, request.others(), lock=True)
    merged = rules.merge(kept, others, request.choices)
    before = state_of(kept)
    changed_fields = sorted(changes_between(before, state_of(merged)))
    merged_ids = [other.id for other in others]
    audit = {
        "merged_records": [
            {
                "contact_id": other.id,
                "state": state_of(other),
                "history": [
                    vars(change)
                    for change in await repository.history(other.id, limit=HISTORY_KEPT)
                ],
            }
            for other in others
        ]
    }
    await records.move_to_contact(uow, caller, from_ids=merged_ids, to_id=kept.id)
    await group_store.reassign_contact(
        uow.session, master_account_id=master, from_ids=merged_ids, to_id=kept.id
    )
    # removed before the kept record is saved: it may take over their account number
    await store.remove_contacts(uow.session, master, merged_ids)
    for other in others:
        other.version += 1
        await uow.publish(
            topics.CONTACTS.name,
            ContactRemoved(
                contact=other.snapshot(), changed_by=caller.user_id, merged_into=kept.id
            ),
            master_account_id=master,
        )
    await handlers.save_changes(
        uow, merged, before, changed_by=caller.user_id, action="merged", audit=audit
    )
    return MergeOutcome(merged, merged_ids, changed_fields)


async def suggest_duplicates(
    session: AsyncSession, master_account_id: str, *, limit: int
) -> tuple[list[SuggestedCluster], int]:
    """The ``limit`` likeliest clusters of duplicates among the master's open prospects, and
    how many clusters there are."""
    clusters = clusters_of(await store.candidate_pairs(session, master_account_id))
    shown = clusters[:limit]
    rows = await store.table_rows(
        session, master_account_id, [i for cluster in shown for i in cluster.contact_ids]
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

"""Account data queries (A4): the account facts folded in from events, queries within the
caller's scope, and saved segments whose membership is published on ``tools.segments``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from contracts import topics
from contracts.access import ClientScope
from contracts.api.tools import (  # fmt: skip
    AccountQuery,
    AccountRow,
    CriterionIn,
    FieldList,
    FieldOut,
    QueryResult,
    SegmentDetail,
    SegmentList,
    SegmentOut,
    SegmentSave,
)
from contracts.tools import SegmentMembershipChanged
from services.analytics.domain import segments as rules
from services.analytics.service_layer.tools_uow import ToolsUnitOfWork
from services.runtime.consumers import Delivery
from services.runtime.errors import NotFound

RESULT_ROWS = 500


def _newest(rows: list[dict[str, Any]], version: str) -> list[dict[str, Any]]:
    kept: dict[str, dict[str, Any]] = {}
    for row in rows:
        current = kept.get(row["account_number"])
        if current is None or (row[version] or 0) >= (current[version] or 0):
            kept[row["account_number"]] = row
    return list(kept.values())


async def apply_contacts(deliveries: Sequence[Delivery[Any]], uow: ToolsUnitOfWork) -> None:
    """The client's name, reachability, type, status and value, per account (newest version)."""
    rows = []
    for d in deliveries:
        c = d.event.contact
        if c.account_number is None:
            continue
        rows.append({
            "account_number": c.account_number, "master_account_id": d.envelope.master_account_id,
            "contact_id": c.contact_id, "contact_version": c.version, "title": c.title,
            "first_name": c.first_name, "last_name": c.last_name, "has_email": c.email is not None,
            "has_phone": c.phone is not None, "has_username": c.username is not None,
            "account_type": c.account_type.value if c.account_type else None,
            "status": c.status.value if c.status else None, "closed": c.closed,
            "net_asset_value": c.net_asset_value,
        })  # fmt: skip
    await uow.segment_facts.upsert(
        _newest(rows, "contact_version"), version_column="contact_version"
    )


async def apply_holder_profiles(deliveries: Sequence[Delivery[Any]], uow: ToolsUnitOfWork) -> None:
    """Birth date and residence from the back office's account profile (newest version)."""
    rows = []
    for d in deliveries:
        e = d.event
        address = e.residential_address
        rows.append({
            "account_number": e.account_number, "master_account_id": d.envelope.master_account_id,
            "profile_version": e.version, "date_of_birth": e.date_of_birth,
            "country": address.country, "state_province": address.region, "city": address.city,
        })  # fmt: skip
    await uow.segment_facts.upsert(
        _newest(rows, "profile_version"), version_column="profile_version"
    )


async def apply_investor_profiles(
    deliveries: Sequence[Delivery[Any]], uow: ToolsUnitOfWork
) -> None:
    rows = []
    for d in deliveries:
        e = d.event
        rows.append({"account_number": e.account_number, "master_account_id": d.envelope.master_account_id,
                     "investor_as_of": e.as_of, **e.profile.model_dump()})  # fmt: skip
    kept: dict[str, dict[str, Any]] = {}
    for row in rows:
        if (
            row["account_number"] not in kept
            or row["investor_as_of"] >= kept[row["account_number"]]["investor_as_of"]
        ):
            kept[row["account_number"]] = row
    await uow.segment_facts.upsert(list(kept.values()), version_column="investor_as_of")


def fields() -> FieldList:
    return FieldList(items=[
        FieldOut(name=f.name, label=f.label, kind=f.kind, group=f.group, choices=list(f.choices),
                 ops=list(rules.OPS[f.kind])) for f in rules.FIELDS])  # fmt: skip


def _criteria(query: AccountQuery) -> list[rules.Criterion]:
    return rules.check([rules.Criterion(c.field, c.op, c.value) for c in query.criteria])


def _row(found: dict[str, Any]) -> AccountRow:
    name = " ".join(p for p in (found.get("first_name"), found.get("last_name")) if p) or None
    return AccountRow(
        name=name, **{k: found.get(k) for k in AccountRow.model_fields if k != "name"}
    )


async def _run(uow: ToolsUnitOfWork, master: str, query: AccountQuery, scope: ClientScope,
               today: date, limit: int | None) -> tuple[int, list[dict[str, Any]]]:  # fmt: skip
    criteria = _criteria(query)
    return await uow.segment_facts.query(
        master_account_id=master, tests=[rules.predicates(c, today) for c in criteria],
        match=query.match, scope=scope, limit=limit)  # fmt: skip


async def run_query(uow: ToolsUnitOfWork, master: str, query: AccountQuery, *, scope: ClientScope,
                    today: date) -> QueryResult:  # fmt: skip
    total, rows = await _run(uow, master, query, scope, today, RESULT_ROWS)
    return QueryResult(total=total, items=[_row(r) for r in rows])


def _out(row: dict[str, Any]) -> SegmentOut:
    return SegmentOut(id=row["segment_id"], name=row["name"], match=row["match"],
                      criteria=[CriterionIn(**c) for c in row["criteria"]], version=row["version"],
                      member_count=row["member_count"], refreshed_at=row["refreshed_at"],
                      created_by=row["created_by"])  # fmt: skip


async def _publish(
    uow: ToolsUnitOfWork, master: str, row: dict[str, Any], members: list[dict[str, Any]]
) -> None:
    await uow.publish(topics.SEGMENTS.name, SegmentMembershipChanged(
        segment_id=row["segment_id"], version=row["version"], name=row["name"],
        account_numbers=[m["account_number"] for m in members],
        contact_ids=[m["contact_id"] for m in members if m.get("contact_id")],
        deleted=row.get("deleted", False), created_by=row["created_by"]), master_account_id=master)  # fmt: skip


async def save_segment(uow: ToolsUnitOfWork, master: str, user_id: str, command: SegmentSave, *,
                       now: datetime, segment_id: UUID | None = None) -> SegmentDetail:  # fmt: skip
    """Save (or replace) a segment; its members are every matching account of the master (a
    segment is a recipient list of the whole book, so the saving user's scope does not cut it,
    but they must see all of the book to save one: see the route)."""
    previous = None
    if segment_id is not None:
        previous = await uow.segments.get(master_account_id=master, segment_id=segment_id)
        if previous is None:
            raise NotFound("segment")
    _, members = await _run(uow, master, command, ClientScope.everything(), now.date(), None)
    row = {"segment_id": segment_id or uuid4(), "master_account_id": master, "name": command.name,
           "criteria": [c.model_dump(mode="json") for c in command.criteria], "match": command.match,
           "version": previous["version"] + 1 if previous else 1, "member_count": len(members),
           "refreshed_at": now, "created_by": previous["created_by"] if previous else user_id,
           "deleted": False}  # fmt: skip
    await uow.segments.save(row)
    await _publish(uow, master, row, members)
    return SegmentDetail(**_out(row).model_dump(), members=[_row(m) for m in members[:RESULT_ROWS]])


async def refresh_segment(uow: ToolsUnitOfWork, master: str, user_id: str, segment_id: UUID, *, now: datetime) -> SegmentDetail:  # fmt: skip
    row = await uow.segments.get(master_account_id=master, segment_id=segment_id)
    if row is None:
        raise NotFound("segment")
    command = SegmentSave(
        name=row["name"], match=row["match"], criteria=[CriterionIn(**c) for c in row["criteria"]]
    )
    return await save_segment(uow, master, user_id, command, now=now, segment_id=segment_id)


async def delete_segment(
    uow: ToolsUnitOfWork, master: str, segment_id: UUID, *, now: datetime
) -> None:
    row = await uow.segments.get(master_account_id=master, segment_id=segment_id)
    if row is None:
        raise NotFound("segment")
    row = {**row, "version": row["version"] + 1, "deleted": True}
    await uow.segments.mark_deleted(segment_id=segment_id, version=row["version"], at=now)
    await _publish(uow, master, row, [])


async def list_segments(uow: ToolsUnitOfWork, master: str) -> SegmentList:
    return SegmentList(items=[_out(r) for r in await uow.segments.list(master_account_id=master)])


async def get_segment(uow: ToolsUnitOfWork, master: str, segment_id: UUID, *, scope: ClientScope,
                      today: date) -> SegmentDetail:  # fmt: skip
    """A segment with its members as of now, those within the caller's scope."""
    row = await uow.segments.get(master_account_id=master, segment_id=segment_id)
    if row is None:
        raise NotFound("segment")
    query = AccountQuery(criteria=[CriterionIn(**c) for c in row["criteria"]], match=row["match"])
    _, members = await _run(uow, master, query, scope, today, RESULT_ROWS)
    return SegmentDetail(**_out(row).model_dump(), members=[_row(m) for m in members])

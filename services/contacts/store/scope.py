"""A user's reach (G2 access rights, ``domain/reach.py``) as SQL: one condition on ``contacts``,
written here once and added by every query that reads contacts or their records for a user, so
that a list, its count, a search, an export and a PDF all see the same contacts.

A user who reaches every contact (the primary user and most others) gets no condition at all:
the contacts table's plans stay exactly as they were. A restricted scope reads its groups'
members at query time, so a change of membership moves the scope with it at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, or_, select

from contracts.contacts import ContactKind
from services.contacts.domain.reach import Reach
from services.contacts.store.group_tables import group_members, groups
from services.contacts.store.tables import contacts


def members_of_scope_groups(master_account_id: str, group_ids: Sequence[UUID]) -> Select[Any]:
    """The contact ids of the members of these groups of the master (any visibility: the scope
    was chosen by the primary user)."""
    return (
        select(group_members.c.contact_id)
        .join(groups, groups.c.id == group_members.c.group_id)
        .where(
            groups.c.master_account_id == master_account_id,
            group_members.c.master_account_id == master_account_id,
            groups.c.id.in_(group_ids),
        )
        .correlate(None)  # never to the ``groups`` of a query around it (the groups' list)
    )


def within_reach(reach: Reach, master_account_id: str) -> ColumnElement[bool] | None:
    """The condition on ``contacts`` of the contacts of the master that ``reach`` covers, or
    None when it covers them all (add nothing then)."""
    if reach.unlimited:
        return None
    prospect = contacts.c.kind == ContactKind.PROSPECT.value
    if reach.prospects_only:
        return prospect
    chosen: list[ColumnElement[bool]] = [prospect]
    if reach.clients.account_numbers:
        chosen.append(contacts.c.account_number.in_(sorted(reach.clients.account_numbers)))
    if reach.clients.group_ids:
        scope_groups = sorted(reach.clients.group_ids, key=str)
        chosen.append(contacts.c.id.in_(members_of_scope_groups(master_account_id, scope_groups)))
    return or_(*chosen)


def reached_ids(reach: Reach, master_account_id: str) -> Select[Any] | None:
    """The ids of the master's contacts within ``reach``, for a condition on another table's
    contact ids; None when ``reach`` covers them all."""
    condition = within_reach(reach, master_account_id)
    if condition is None:
        return None
    return (
        select(contacts.c.id)
        .where(contacts.c.master_account_id == master_account_id, condition)
        .correlate(None)  # never to the ``contacts`` of a query around it
    )


def reach_conditions(reach: Reach, master_account_id: str) -> list[ColumnElement[bool]]:
    """``within_reach`` as a list to spread into ``where(...)``: empty when unlimited."""
    condition = within_reach(reach, master_account_id)
    return [] if condition is None else [condition]

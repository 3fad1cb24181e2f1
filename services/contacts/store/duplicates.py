"""Likely duplicates among a master's open prospects.

``contact_duplicate_keys`` holds the matching keys of every open prospect — lower-cased emails,
the last nine digits of each phone, the full name folded to its letters and its double-metaphone
sound — with the full name, kept by a trigger on ``contacts`` (migration contacts_0006), so that
whoever writes a contact keeps them right. Finding the duplicates of a whole book is then one
ordered index-only scan of the master's keys: the keys that two to ``LARGEST_BLOCK`` prospects
share give the candidate pairs, and pg_trgm's similarity of the full names is computed for those
pairs only (no look-up of the contacts themselves).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, text
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncSession

from services.contacts.domain.duplicates import NAME_SIMILARITY_THRESHOLD, CandidatePair
from services.contacts.store.tables import metadata

contact_duplicate_keys = Table(
    "contact_duplicate_keys",
    metadata,
    Column(
        "contact_id",
        PgUUID(as_uuid=True),
        ForeignKey("contacts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("master_account_id", String(32), nullable=False),
    Column("reason", String(8), primary_key=True),
    Column("key", Text(collation="C"), primary_key=True),
    Column("name", Text, nullable=False),
    Index(
        "ix_contact_duplicate_keys_master_key",
        "master_account_id",
        "reason",
        "key",
        postgresql_include=["contact_id", "name"],
    ),
)

LARGEST_BLOCK = 50
"""A key shared by more prospects than this identifies nobody (a placeholder email, a very
common name) and would only flood the suggestions."""

_CANDIDATE_PAIRS = text(
    """
    WITH counted AS (
        SELECT reason, key, contact_id, name, count(*) OVER (PARTITION BY reason, key) AS size
        FROM contact_duplicate_keys
        WHERE master_account_id = :master
    ), blocks AS (
        SELECT reason, key, array_agg(contact_id) AS ids, array_agg(name) AS names
        FROM counted
        WHERE size BETWEEN 2 AND :largest_block
        GROUP BY reason, key
    ), pairs AS (
        SELECT a.id AS a, b.id AS b,
               coalesce(array_agg(DISTINCT key) FILTER (WHERE reason = 'email'), '{}') AS emails,
               bool_or(reason = 'phone') AS same_phone,
               max(similarity(a.name, b.name)) AS name_similarity
        FROM blocks, unnest(ids, names) AS a(id, name), unnest(ids, names) AS b(id, name)
        WHERE a.id < b.id
        GROUP BY a.id, b.id
    )
    SELECT a, b, emails, same_phone, name_similarity
    FROM pairs
    WHERE emails <> '{}' OR same_phone OR name_similarity >= :name_threshold
    """
)


class DuplicateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def candidate_pairs(self, *, master_account_id: str) -> list[CandidatePair]:
        """The pairs of the master's open prospects that share an email or a phone, or a name
        key and similar names, with what they share."""
        # the pairs are sorted to be grouped: in memory, not on disk, for a large book
        await self._session.execute(text("SET LOCAL work_mem = '64MB'"))
        rows = await self._session.execute(
            _CANDIDATE_PAIRS,
            {
                "master": master_account_id,
                "largest_block": LARGEST_BLOCK,
                "name_threshold": NAME_SIMILARITY_THRESHOLD,
            },
        )
        return [
            CandidatePair(
                first=row.a,
                second=row.b,
                emails=frozenset(row.emails),
                same_phone=row.same_phone,
                name_similarity=round(float(row.name_similarity), 3),
            )
            for row in rows
        ]

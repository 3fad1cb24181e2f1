"""likely duplicates: the matching keys of every open prospect, kept by a trigger

Revision ID: contacts_0006
Revises: contacts_0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "contacts_0006"
down_revision: str | Sequence[str] | None = "contacts_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _keys_of(row: str) -> str:
    """The (reason, key) rows of a contacts row: its lower-cased emails, the last nine digits of
    each phone (the same for +1 201 555 0123 and (201) 555-0123), the full name folded to its
    letters and its double-metaphone sound (Jon/John, Katherine/Catherine)."""
    emails = ("email", "profile #>> '{contact,email}'", "profile #>> '{contact,secondary_email}'")
    phones = (
        "phone",
        "profile #>> '{contact,mobile_phone}'",
        "profile #>> '{contact,home_phone}'",
        "profile #>> '{contact,work_phone}'",
    )
    values = [f"('email', lower({row}.{email}))" for email in emails]
    values += [
        f"('phone', right(regexp_replace({row}.{phone}, '\\D', '', 'g'), 9))" for phone in phones
    ]
    values += [
        f"('name', regexp_replace(lower({row}.first_name || {row}.last_name), '[^[:alpha:]]', '', 'g'))",
        f"('name', nullif(dmetaphone({row}.first_name), '') || ':' || nullif(dmetaphone({row}.last_name), ''))",
    ]
    return "(VALUES " + ", ".join(values) + ") AS k(reason, key)"  # fmt: skip


def _name_of(row: str) -> str:
    """The full name whose trigram similarity scores a pair (carried with each key, so that the
    pairs need no look-up of the contacts)."""
    return f"lower({row}.first_name || ' ' || {row}.last_name)"


KEPT_KEYS = "k.key <> '' AND (k.reason <> 'phone' OR length(k.key) >= 7)"
"""blank keys and phone numbers of fewer than seven digits identify nobody"""

REFRESH_FUNCTION = f"""
CREATE OR REPLACE FUNCTION contacts_refresh_duplicate_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM contact_duplicate_keys WHERE contact_id = NEW.id;
    IF NEW.kind = 'prospect' AND NOT NEW.closed THEN
        INSERT INTO contact_duplicate_keys (contact_id, master_account_id, reason, key, name)
        SELECT NEW.id, NEW.master_account_id, k.reason, k.key, {_name_of("NEW")}
        FROM {_keys_of("NEW")}
        WHERE {KEPT_KEYS}
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$
"""  # noqa: S608 - built from the constants above, no input

BACKFILL = f"""
INSERT INTO contact_duplicate_keys (contact_id, master_account_id, reason, key, name)
SELECT c.id, c.master_account_id, k.reason, k.key, {_name_of("c")}
FROM contacts c CROSS JOIN LATERAL {_keys_of("c")}
WHERE c.kind = 'prospect' AND NOT c.closed AND {KEPT_KEYS}
ON CONFLICT DO NOTHING
"""  # noqa: S608 - built from the constants above, no input

WATCHED = ("master_account_id", "first_name", "last_name", "email", "phone", "kind", "closed")
CHANGED = " OR ".join(
    [f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in WATCHED]
    + ["OLD.profile -> 'contact' IS DISTINCT FROM NEW.profile -> 'contact'"]
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch")
    op.create_table(
        "contact_duplicate_keys",
        sa.Column("contact_id", sa.UUID(), nullable=False),
        sa.Column("master_account_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=8), nullable=False),
        sa.Column("key", sa.Text(collation="C"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_duplicate_keys_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "contact_id", "reason", "key", name=op.f("pk_contact_duplicate_keys")
        ),
    )
    op.create_index(
        "ix_contact_duplicate_keys_master_key",
        "contact_duplicate_keys",
        ["master_account_id", "reason", "key"],
        postgresql_include=["contact_id", "name"],
    )
    op.execute(REFRESH_FUNCTION)
    op.execute(
        "CREATE TRIGGER contacts_duplicate_keys_insert AFTER INSERT ON contacts "
        "FOR EACH ROW EXECUTE FUNCTION contacts_refresh_duplicate_keys()"
    )
    op.execute(
        f"CREATE TRIGGER contacts_duplicate_keys_update AFTER UPDATE ON contacts "
        f"FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION contacts_refresh_duplicate_keys()"
    )
    op.execute(BACKFILL)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS contacts_duplicate_keys_update ON contacts")
    op.execute("DROP TRIGGER IF EXISTS contacts_duplicate_keys_insert ON contacts")
    op.execute("DROP FUNCTION IF EXISTS contacts_refresh_duplicate_keys()")
    op.drop_index("ix_contact_duplicate_keys_master_key", table_name="contact_duplicate_keys")
    op.drop_table("contact_duplicate_keys")

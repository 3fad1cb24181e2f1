"""user change notices: every change to a user or a session commits a NOTIFY on
gateway_user_changes naming the user, so each gateway process forgets what it keeps of them

Triggers rather than a NOTIFY in each code path: a change from any path (the portal, the API,
the operator's tool, a later feature) cannot forget to announce itself, and the notice commits
with the change or not at all.

Revision ID: gateway_0008
Revises: gateway_0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "gateway_0008"
down_revision: str | Sequence[str] | None = "gateway_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "gateway_user_changes"  # gateway/auth/session_cache.py listens on it


def upgrade() -> None:
    # the trigger's argument names the column that holds the user's id; a TRUNCATE names
    # nobody in particular ("*": forget everyone)
    op.execute(f"""
        CREATE FUNCTION gateway_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_LEVEL = 'ROW' THEN
                PERFORM pg_notify('{CHANNEL}', to_jsonb(OLD) ->> TG_ARGV[0]);
            ELSE
                PERFORM pg_notify('{CHANNEL}', '*');
            END IF;
            RETURN NULL;
        END
        $$
    """)  # fmt: skip
    for table, column in (("users", "id"), ("user_sessions", "user_id")):
        op.execute(f"""
            CREATE TRIGGER {table}_changed AFTER UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION gateway_user_changed('{column}')
        """)  # fmt: skip
        op.execute(f"""
            CREATE TRIGGER {table}_truncated AFTER TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION gateway_user_changed()
        """)  # fmt: skip


def downgrade() -> None:
    for table in ("users", "user_sessions"):
        op.execute(f"DROP TRIGGER {table}_truncated ON {table}")
        op.execute(f"DROP TRIGGER {table}_changed ON {table}")
    op.execute("DROP FUNCTION gateway_user_changed()")

"""Every table of the contacts service on one metadata (what migrations compare against).

A feature module that defines tables on ``tables.metadata`` is imported here.
"""

from services.contacts.store import (  # noqa: F401 - each registers its tables
    duplicates,
    group_tables,
    groups,
    households,
    invitations,
    record_tables,
)
from services.contacts.store.tables import metadata

__all__ = ["metadata"]

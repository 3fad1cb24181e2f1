"""What one request may hold and one answer lists, shared by every service and the gateway:
the largest body of a command, the numbers and instants the columns store, and how many
problems a refusal lists.

The services' runtime and the gateway enforce the body size for every route at once
(``services/runtime/request_guards.py``); the types below bound path, query and body fields
where they are declared, so PostgreSQL is never handed a value it cannot hold.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Final

from pydantic import AfterValidator, AwareDatetime, Field
from pydantic_core import PydanticCustomError

INT4_MAX: Final = 2**31 - 1
"""The largest value of PostgreSQL's ``integer`` (the type of every version and counter column)."""

RecordVersion = Annotated[int, Field(ge=1, le=INT4_MAX)]
"""A version of a record, as stored (``integer``): from 1 up."""

EARLIEST_INSTANT: Final = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_INSTANT: Final = datetime(3000, 1, 1, tzinfo=UTC)
"""Due dates, events and the ranges that find them lie between these (the latter excluded):
far beyond any agenda, and far inside what PostgreSQL and Python's arithmetic on them hold
(year 1 at +23:59 is no instant in UTC at all)."""


def _within_the_agenda(instant: datetime) -> datetime:
    if not EARLIEST_INSTANT <= instant < LATEST_INSTANT:
        raise PydanticCustomError(
            "instant_out_of_range",
            "must be from {earliest} up to the end of {latest}",
            {"earliest": EARLIEST_INSTANT.year, "latest": LATEST_INSTANT.year - 1},
        )
    return instant


Instant = Annotated[AwareDatetime, AfterValidator(_within_the_agenda)]
"""A moment with its offset (a naive time is refused: its zone would be a guess), within the
years of ``EARLIEST_INSTANT`` up to ``LATEST_INSTANT``."""

MAX_JSON_BODY_BYTES: Final = 1024 * 1024
"""The largest body of any request but an upload (JSON, a form): far above any command's."""

MAX_LISTED_PROBLEMS: Final = 100
"""A refusal lists at most this many problems, then one that counts the rest."""


def more_problems_message(unlisted: int) -> str:
    """The last problem of a list cut at ``MAX_LISTED_PROBLEMS``."""
    return f"and {unlisted:,} more problem{'s' if unlisted != 1 else ''} not listed"

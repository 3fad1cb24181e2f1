"""HTTP views of interoperability (issue 15): calendar feeds, .ics files, vCard exports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints

ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"
VCARD_MEDIA_TYPE = "text/vcard; charset=utf-8"
MAX_ICS_BYTES = 1024 * 1024
"""An imported .ics file: at most 1 MB (and 500 events)."""

ZoneName = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+\-/]+$")
]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")]


class VCardVersionParam(StrEnum):
    V4 = "4.0"
    V3 = "3.0"


class EventImportReport(BaseModel):
    """The 201 answer: every event of the file was added to the contact's calendar."""

    added: int
    event_ids: list[UUID]


class CalendarFeedOut(BaseModel):
    """A user's calendar subscription: off, or on since ``created_at``. The URL (with its secret)
    is only in the answer that turns the feed on or rotates it; it is not kept in clear."""

    enabled: bool
    created_at: datetime | None = None
    last_used_at: datetime | None = None
    url: str | None = Field(
        default=None, description="the subscription URL; only right after turning on or rotating"
    )

"""The calendar pages' pure parts: days in the master's zone, safe redirects, form errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from fastapi import HTTPException
from pydantic import ValidationError

from contracts.api.records import EventCreate, EventOut
from gateway.pages.deps import Clock
from gateway.pages.events import _day_hours, _events_by_day, _on_the_calendar
from gateway.pages.record_forms import local_target, problems

NEW_YORK = Clock(ZoneInfo("America/New_York"))


def an_event(starts_at: datetime, hours: float) -> EventOut:
    return EventOut(
        id=uuid4(), contact_id=uuid4(), contact_name="Ada", title="x", starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours), location=None, notes=None, created_by="u",
        created_at=starts_at, updated_at=starts_at,
    )  # fmt: skip


def test_events_fall_on_the_masters_local_days() -> None:
    # 02:30 UTC on the 15th is still the evening of the 14th in New York
    late = an_event(datetime(2031, 6, 15, 2, 30, tzinfo=UTC), 1)
    overnight = an_event(datetime(2031, 6, 16, 2, 0, tzinfo=UTC), 12)  # 22:00 -> 10:00 local
    to_midnight = an_event(datetime(2031, 6, 17, 0, 0, tzinfo=UTC), 4)  # 20:00 -> 00:00 local
    days = _events_by_day(
        [late, overnight, to_midnight], NEW_YORK, date(2031, 6, 1), date(2031, 6, 30)
    )
    assert days == {
        date(2031, 6, 14): [late],
        date(2031, 6, 15): [overnight],
        date(2031, 6, 16): [overnight, to_midnight],
    }


def test_days_outside_the_grid_are_left_out() -> None:
    long = an_event(datetime(2031, 5, 30, 12, tzinfo=UTC), 24 * 5)
    days = _events_by_day([long], NEW_YORK, date(2031, 6, 1), date(2031, 6, 2))
    assert sorted(days) == [date(2031, 6, 1), date(2031, 6, 2)]


def test_the_day_view_widens_its_hours_to_hold_every_event() -> None:
    early = an_event(datetime(2031, 6, 14, 10, 0, tzinfo=UTC), 1)  # 06:00 local
    begun_yesterday = an_event(datetime(2031, 6, 14, 2, 0, tzinfo=UTC), 12)
    hours = dict(_day_hours([early, begun_yesterday], NEW_YORK, date(2031, 6, 14)))
    assert min(hours) == 0 and max(hours) == 18
    assert hours[6] == [early]
    assert hours[0] == [begun_yesterday]


def test_only_paths_of_this_site_are_followed_after_a_form() -> None:
    assert local_target("/contacts/1/agenda", "/notes") == "/contacts/1/agenda"
    for hostile in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "", None]:
        assert local_target(hostile, "/notes") == "/notes"


def test_form_errors_are_keyed_by_the_forms_field_names() -> None:
    try:
        EventCreate.model_validate({"contact_id": str(uuid4()), "title": "",
                                    "starts_at": "2031-06-14T10:00:00Z", "ends_at": "2031-06-14T09:00:00Z"})  # fmt: skip
    except ValidationError as error:
        found = problems(error, {"ends_at": "end_time"})
    assert set(found) == {"title", "end_time"}
    assert found["end_time"] == "the end must be after the start"
    service = HTTPException(422, [{"loc": ["body", "assignee_user_id"], "msg": "not a user"}])
    assert problems(service, {}) == {"assignee_user_id": "not a user"}
    assert problems(HTTPException(404, "no such contact"), {}) == {"_": "no such contact"}


def test_the_calendar_shows_only_the_agendas_years() -> None:
    """Far months would ask the service for instants no column holds (or none at all)."""
    _on_the_calendar(date(1901, 1, 1))
    _on_the_calendar(date(2998, 12, 31))
    for far in (date(1, 1, 1), date(1900, 1, 1), date(2999, 12, 1), date(9999, 12, 31)):
        with pytest.raises(HTTPException) as refused:
            _on_the_calendar(far)
        assert refused.value.status_code == 400

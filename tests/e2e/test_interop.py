"""Calendars and address books in and out through the whole stack (issue 15), as a client of
/api/v1: a calendar feed turned on, read as a subscribed client would (parsed by vobject, an
independent iCalendar parser), rotated and revoked; an Outlook .ics imported onto a contact's
calendar (and a broken one refused whole); contacts exported as vCards and imported again; an
Apple Contacts export with national phone numbers imported after choosing the country."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import icalendar
import pytest
import vobject

from deploy.demo import demo_user
from deploy.stack import Stack
from tests.e2e.test_portal_api import login

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).parents[1] / "fixtures" / "interop"


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json() if response.content else None


def _contact(client: httpx.Client, last_name: str) -> str:
    body = {"first_name": "Hanna", "last_name": last_name}
    return str(_ok(client.post("/api/v1/contacts", json=body), 201)["id"])


def test_calendar_feed_ics_import_and_day_file(stack: Stack) -> None:
    client = login(stack, demo_user())
    anonymous = httpx.Client(base_url=stack.portal_url, timeout=15)
    contact_id = _contact(client, f"Schmidt{uuid.uuid4().hex[:6]}")
    outlook = (FIXTURES / "outlook.ics").read_bytes()
    files = {"file": ("meeting.ics", outlook, "text/calendar")}
    report = _ok(client.post(f"/api/v1/contacts/{contact_id}/events/import", files=files), 201)
    assert report["added"] == 1
    event = _ok(client.get(f"/api/v1/events/{report['event_ids'][0]}"))
    assert datetime.fromisoformat(event["starts_at"]) == datetime(2026, 3, 16, 14, tzinfo=UTC)
    assert event["contact_id"] == contact_id

    broken = outlook.replace(b"DTSTART;", b"X-DTSTART;") + (FIXTURES / "google.ics").read_bytes()
    refused = client.post(
        f"/api/v1/contacts/{contact_id}/events/import",
        files={"file": ("two.ics", broken, "text/calendar")},
    )
    assert refused.status_code == 422, refused.text
    assert [(p["row"], p["column"]) for p in refused.json()["detail"]] == [(1, "DTSTART")]
    events = _ok(client.get("/api/v1/events", params={"contact_id": contact_id}))
    assert events["total"] == 1  # nothing of the refused file was added

    assert _ok(client.get("/api/v1/calendar-feed")) == {
        "enabled": False, "created_at": None, "last_used_at": None, "url": None
    }  # fmt: skip
    feed = _ok(client.post("/api/v1/calendar-feed"))
    assert feed["enabled"] and feed["url"]
    path = urlsplit(feed["url"]).path
    assert _ok(client.get("/api/v1/calendar-feed"))["url"] is None  # shown once only

    # the feed reads a window around today: an event created now, to be in it
    now = datetime.now(UTC).replace(microsecond=0)
    body = {"contact_id": contact_id, "title": "Rebalancing call",
            "starts_at": now.isoformat(), "ends_at": now.replace(year=now.year + 1).isoformat()}  # fmt: skip
    created = _ok(client.post("/api/v1/events", json=body), 201)
    subscribed = anonymous.get(path)  # no login: the secret in the URL is the key
    assert subscribed.status_code == 200, subscribed.text
    assert subscribed.headers["content-type"].startswith("text/calendar")
    calendar = vobject.readOne(subscribed.text)
    by_uid = {vevent.uid.value: vevent for vevent in calendar.vevent_list}
    mine = by_uid[f"event-{created['id']}@advisor-portal"]
    assert mine.summary.value == "Rebalancing call"
    assert mine.dtstart.value.astimezone(UTC) == now
    assert "Hanna" in mine.description.value

    day = client.get("/api/v1/calendar/day.ics", params={"day": "2026-03-16"})
    assert day.status_code == 200, day.text
    summaries = [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(day.text).walk("VEVENT")]
    assert "Annual review – Hanna Schmidt" in summaries
    one = client.get(f"/api/v1/events/{created['id']}/event.ics")
    assert one.status_code == 200 and "Rebalancing call" in one.text

    rotated = _ok(client.post("/api/v1/calendar-feed"))["url"]
    assert anonymous.get(path).status_code == 404  # the former URL stops working at once
    assert anonymous.get(urlsplit(rotated).path).status_code == 200
    _ok(client.delete("/api/v1/calendar-feed"), 204)
    assert anonymous.get(urlsplit(rotated).path).status_code == 404
    assert anonymous.get("/api/v1/calendar-feed/not-a-token.ics").status_code == 404
    assert anonymous.get("/api/v1/calendar-feed").status_code == 401


def test_vcards_out_and_in_with_the_chosen_country(stack: Stack) -> None:
    client = login(stack, demo_user())
    apple = (
        (FIXTURES / "apple.vcf")
        .read_bytes()
        .replace(b"Appleseed", b"Seed" + uuid.uuid4().hex[:6].encode())
    )
    files = {"file": ("Contacts.vcf", apple, "text/vcard")}
    refused = client.post("/api/v1/contacts/import", files=files)
    assert refused.status_code == 422
    assert {(p["row"], p["column"]) for p in refused.json()["detail"]} == {(2, "TEL")}
    imported = _ok(
        client.post("/api/v1/contacts/import", files=files, params={"default_country": "US"}), 201
    )
    assert imported["added"] == 2

    params = [("contact_id", contact_id) for contact_id in imported["contact_ids"]]
    for version in ("4.0", "3.0"):
        exported = client.get(
            "/api/v1/contacts/export/contacts.vcf", params=[*params, ("version", version)]
        )
        assert exported.status_code == 200, exported.text
        assert exported.headers["content-type"].startswith("text/vcard")
        cards = list(vobject.readComponents(exported.text))
        assert [card.version.value for card in cards] == [version, version]
        phones = sorted(tel.value.removeprefix("tel:") for card in cards for tel in card.tel_list)
        assert phones == ["+14155552671", "+14155552672", "+16502530000"]
    again = client.post(
        "/api/v1/contacts/import",
        files={
            "file": ("again.vcf", exported.content.replace(b"N:Seed", b"N:Again"), "text/vcard")
        },
    )
    assert again.status_code == 201, again.text
    unknown = client.get(
        "/api/v1/contacts/export/contacts.vcf", params={"contact_id": str(uuid.uuid4())}
    )
    assert unknown.status_code == 404

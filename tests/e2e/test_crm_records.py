"""CRM records (C7) through the gateway: notes, workflows, events and documents of a contact, for
the right master only, and the pages that show them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from deploy.demo import demo_user
from deploy.stack import Stack
from tests.conftest import OTHER_USER
from tests.e2e.test_portal_api import login

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def a_contact(client: httpx.Client) -> dict[str, str]:
    last = f"Records{uuid.uuid4().hex[:8]}"
    response = client.post("/api/v1/contacts", json={"first_name": "Rita", "last_name": last})
    assert response.status_code == 201, response.text
    contact: dict[str, str] = response.json()
    return contact


def test_records_of_a_contact_through_the_api_and_its_agenda(stack: Stack) -> None:
    client = login(stack, demo_user())
    contact = a_contact(client)
    contact_id = contact["id"]
    me = client.get("/api/v1/auth/me").json()

    note = client.post(f"/api/v1/contacts/{contact_id}/notes", json={"body": "Wants a Roth IRA"})
    assert note.status_code == 201, note.text
    edited = client.patch(
        f"/api/v1/notes/{note.json()['id']}", json={"body": "Wants a Roth IRA and a 529"}
    )
    assert edited.json()["body"] == "Wants a Roth IRA and a 529"

    due = datetime.now(UTC) + timedelta(days=2)
    task = client.post("/api/v1/tasks", json={
        "contact_id": contact_id, "title": "Send the 529 brochure", "priority": "high",
        "due_at": due.isoformat(), "assignee_user_id": me["id"],
    })  # fmt: skip
    assert task.status_code == 201, task.text
    for stranger in ["not-a-user", str(uuid.uuid4())]:
        refused = client.post(
            "/api/v1/tasks",
            json={"contact_id": contact_id, "title": "x", "assignee_user_id": stranger},
        )
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"] == ["body", "assignee_user_id"]
    listed = client.get(
        "/api/v1/tasks", params={"contact_id": contact_id, "status": ["open"]}
    ).json()
    assert [item["title"] for item in listed["items"]] == ["Send the 529 brochure"]
    done = client.post(f"/api/v1/tasks/{task.json()['id']}/complete")
    assert done.json()["status"] == "done"

    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    event = client.post("/api/v1/events", json={
        "contact_id": contact_id, "title": "Planning meeting", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(), "location": "Zoom",
    })  # fmt: skip
    assert event.status_code == 201, event.text
    backwards = client.post("/api/v1/events", json={
        "contact_id": contact_id, "title": "Backwards", "starts_at": start.isoformat(),
        "ends_at": (start - timedelta(hours=1)).isoformat(),
    })  # fmt: skip
    assert backwards.status_code == 422
    assert backwards.json()["detail"][0]["loc"] == ["body", "ends_at"]
    window = {
        "start": (start - timedelta(hours=1)).isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
    }
    assert "Planning meeting" in [
        item["title"] for item in client.get("/api/v1/events", params=window).json()["items"]
    ]

    uploaded = client.post(
        f"/api/v1/contacts/{contact_id}/documents",
        files={"file": ("plan.pdf", PDF, "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.text
    document_id = uploaded.json()["id"]
    content = client.get(f"/api/v1/documents/{document_id}/content")
    assert content.content == PDF
    assert content.headers["x-content-type-options"] == "nosniff"
    assert content.headers["content-disposition"].startswith('attachment; filename="plan.pdf"')
    program = client.post(
        f"/api/v1/contacts/{contact_id}/documents",
        files={"file": ("plan.pdf", b"MZ\x90\x00rest", "application/pdf")},
    )
    assert program.status_code == 415
    assert "allowed" in program.json()["detail"]
    huge = client.post(
        f"/api/v1/contacts/{contact_id}/documents",
        files={"file": ("huge.pdf", PDF + b"0" * (11 * 1024 * 1024), "application/pdf")},
    )
    assert huge.status_code == 413
    missing = client.post(
        f"/api/v1/contacts/{contact_id}/documents",
        files={"other": ("x.pdf", PDF, "application/pdf")},
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "file"]

    agenda = client.get(f"/contacts/{contact_id}/agenda")
    assert agenda.status_code == 200
    for shown in [
        "Wants a Roth IRA and a 529",
        "Send the 529 brochure",
        "Planning meeting",
        "plan.pdf",
    ]:
        assert shown in agenda.text
    assert "America/New_York" in agenda.text

    other = login(stack, OTHER_USER)
    for path in [f"/api/v1/notes/{note.json()['id']}", f"/api/v1/tasks/{task.json()['id']}",
                 f"/api/v1/events/{event.json()['id']}", f"/api/v1/documents/{document_id}/content",
                 f"/api/v1/contacts/{contact_id}/notes"]:  # fmt: skip
        assert other.get(path).status_code == 404, path
    assert other.delete(f"/api/v1/documents/{document_id}").status_code == 404
    assert other.get(f"/contacts/{contact_id}/agenda").status_code == 404

    assert client.delete(f"/api/v1/documents/{document_id}").status_code == 204
    assert client.get(f"/api/v1/documents/{document_id}").status_code == 404


def test_the_calendar_pages_render_in_the_masters_time_zone(stack: Stack) -> None:
    client = login(stack, demo_user())
    contact = a_contact(client)
    # 23:30 UTC on 14 June is 19:30 in New York, the demo master's zone
    start = datetime(2031, 6, 14, 23, 30, tzinfo=UTC)
    created = client.post("/api/v1/events", json={
        "contact_id": contact["id"], "title": "Evening review", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(minutes=45)).isoformat(),
    })  # fmt: skip
    assert created.status_code == 201, created.text
    day = client.get("/calendar/day", params={"date": "2031-06-14"})
    assert day.status_code == 200
    assert "Evening review" in day.text and "19:30" in day.text
    assert "Evening review" not in client.get("/calendar/day", params={"date": "2031-06-15"}).text
    month = client.get("/calendar/month", params={"month": "2031-06"})
    assert month.status_code == 200 and "Evening review" in month.text
    assert client.get("/calendar/month", params={"month": "June"}).status_code == 400

import json
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

from contracts import topics
from contracts.accounts import AccountOpened, AccountType, Deposit
from contracts.contacts import ContactCreated, ContactKind, ContactSnapshot
from contracts.crm import (
    CalendarEventChanged,
    DocumentChanged,
    NoteChanged,
    TaskChanged,
    TaskPriority,
    TaskStatus,
)
from contracts.envelope import Envelope


def test_an_envelope_round_trips_through_its_topic_model() -> None:
    event = AccountOpened(account_number="U1234567", account_type=AccountType.JOINT,
                          opened_on=date(2026, 1, 2))  # fmt: skip
    body = Envelope.wrap(event, master_account_id="F1000001").model_dump_json()
    parsed = topics.ACCOUNT_LIFECYCLE.envelope.model_validate_json(body)
    assert parsed.payload == event
    assert parsed.type == "account.opened"
    assert parsed.schema_version == 1


def test_the_payload_type_picks_the_model_on_a_shared_topic() -> None:
    deposit = Deposit(account_number="U1234567", transaction_id="T1", amount="10.50",
                      booked_on=date(2026, 1, 2))  # fmt: skip
    body = Envelope.wrap(deposit, master_account_id="F1").model_dump_json()
    parsed = topics.ACCOUNT_TRANSACTIONS.envelope.model_validate_json(body)
    assert isinstance(parsed.payload, Deposit)


def test_an_envelope_whose_type_differs_from_its_payload_is_rejected() -> None:
    snapshot = ContactSnapshot(contact_id="00000000-0000-0000-0000-000000000001", version=1,
                               kind=ContactKind.PROSPECT, first_name="A", last_name="B")  # fmt: skip
    body = Envelope.wrap(ContactCreated(contact=snapshot), master_account_id="F1").model_dump()
    body["type"] = "contact.changed"
    with pytest.raises(ValidationError, match="envelope type"):
        topics.CONTACTS.envelope.model_validate(body)


def test_malformed_account_numbers_are_rejected() -> None:
    with pytest.raises(ValidationError, match="account_number"):
        AccountOpened(account_number="not an account", account_type=AccountType.JOINT,
                      opened_on=date(2026, 1, 2))  # fmt: skip


def test_every_topic_name_is_unique_and_follows_the_naming_rule() -> None:
    names = [topic.name for topic in topics.ALL_TOPICS]
    assert len(names) == len(set(names))
    assert all(name.count(".") == 1 for name in names)


# CRM records (X1): notes, tasks, calendar events and documents


RecordEvent = NoteChanged | TaskChanged | CalendarEventChanged | DocumentChanged


def crm_record_events() -> list[RecordEvent]:
    contact_id, moment = uuid4(), datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    common = {"contact_id": contact_id, "changed_by": "u-ada", "version": 2}
    return [
        NoteChanged(note_id=uuid4(), author_user_id="u-ada", body="Met at the fair",
                    created_at=moment, updated_at=moment, **common),
        TaskChanged(task_id=uuid4(), title="Call back", assignee_user_id="u-bob",
                    created_by="u-ada", priority=TaskPriority.HIGH, status=TaskStatus.DONE,
                    due_at=moment, completed_at=moment, created_at=moment, updated_at=moment,
                    **common),
        CalendarEventChanged(event_id=uuid4(), title="Review", starts_at=moment,
                             ends_at=moment + timedelta(hours=1), location="Office",
                             created_by="u-ada", created_at=moment, updated_at=moment, **common),
        DocumentChanged(document_id=uuid4(), filename="statement.pdf",
                        content_type="application/pdf", size_bytes=1234, sha256="ab" * 32,
                        uploaded_by="u-ada", created_at=moment, deleted=True, **common),
    ]  # fmt: skip


@pytest.mark.parametrize("event", crm_record_events(), ids=lambda event: event.type)
def test_crm_record_events_round_trip_on_the_crm_topic_keyed_by_their_contact(
    event: RecordEvent,
) -> None:
    body = Envelope.wrap(event, master_account_id="F1000001").model_dump_json()
    parsed = topics.CRM_RECORDS.envelope.model_validate_json(body)
    assert type(parsed.payload) is type(event)
    assert parsed.payload == event
    assert parsed.type == event.type and parsed.type.startswith("crm.")
    assert event.partition_key() == str(event.contact_id)


def test_crm_record_events_bound_what_they_carry() -> None:
    note, task, calendar_event, document = crm_record_events()
    refused: list[tuple[RecordEvent, dict[str, object]]] = [
        (note, {"body": "x" * 10_001}),
        (task, {"title": "x" * 201}),
        (task, {"description": "x" * 10_001}),
        (calendar_event, {"location": "x" * 201}),
        (document, {"filename": "x" * 256}),
        (document, {"sha256": "not a digest"}),
        (document, {"size_bytes": -1}),
        (note, {"version": 0}),
        (note, {"changed_by": "u" * 65}),
    ]
    for event, change in refused:
        assert type(event).model_validate(event.model_dump()) == event
        with pytest.raises(ValidationError):
            type(event).model_validate(event.model_dump() | change)
    assert "content" not in DocumentChanged.model_fields


def test_crm_record_events_are_in_the_crm_topic_union() -> None:
    schema = json.dumps(topics.CRM_RECORDS.envelope.model_json_schema())
    for kind in ["crm.note_changed", "crm.task_changed", "crm.calendar_event_changed",
                 "crm.document_changed"]:  # fmt: skip
        assert kind in schema

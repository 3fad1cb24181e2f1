"""Numbers and instants in requests are bounded by what their columns hold (contracts/api/
limits.py): PostgreSQL is never handed an integer past int4 or a time it cannot store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from contracts.api.contacts import ContactPatch, ContactVersion
from contracts.api.limits import INT4_MAX
from contracts.api.records import EventCreate, EventListQuery, TaskCreate, TaskListQuery
from gateway import app as gateway_app
from gateway.settings import GatewaySettings
from services.contacts import app as contacts_app
from services.contacts.settings import ContactsSettings
from services.runtime import service as runtime_service

FAR_EAST = timezone(timedelta(hours=23, minutes=59))


@pytest.mark.parametrize("model", [ContactPatch, ContactVersion])
def test_a_version_past_int4_is_refused(model: type[ContactVersion]) -> None:
    assert model(version=INT4_MAX).version == INT4_MAX
    with pytest.raises(ValidationError, match="less than or equal to 2147483647"):
        model(version=INT4_MAX + 1)


@pytest.mark.parametrize(
    "instant",
    [
        datetime(1, 1, 1, tzinfo=FAR_EAST),  # before year 1 in UTC: no instant at all
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=23, minutes=59))),
        datetime(1899, 12, 31, 23, 59, tzinfo=UTC),
        datetime(3000, 1, 1, tzinfo=UTC),
    ],
)
def test_times_outside_the_agenda_are_refused_everywhere_they_come_in(instant: datetime) -> None:
    contact_id = uuid4()
    attempts = [
        lambda: TaskCreate(contact_id=contact_id, title="t", due_at=instant),
        lambda: TaskListQuery(due_from=instant),
        lambda: EventCreate(
            contact_id=contact_id,
            title="t",
            starts_at=instant,
            ends_at=datetime(2030, 1, 1, tzinfo=UTC),
        ),
        lambda: EventListQuery(start=instant, end=datetime(2030, 1, 1, tzinfo=UTC)),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="must be from 1900 up to the end of 2999"):
            attempt()


def test_times_within_the_agenda_are_taken_whatever_their_offset() -> None:
    first = datetime(1900, 1, 1, 23, 59, tzinfo=FAR_EAST)  # 1900-01-01T00:00Z
    assert TaskCreate(contact_id=uuid4(), title="t", due_at=first).due_at == first
    with pytest.raises(ValidationError):
        TaskCreate(contact_id=uuid4(), title="t", due_at=first - timedelta(microseconds=1))


def _quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (gateway_app, runtime_service):
        for name in ("configure_logging", "configure_telemetry", "instrument_http"):
            monkeypatch.setattr(module, name, lambda *_, **__: None)


def _integers(
    schema: Any, document: dict[str, Any], seen: frozenset[str] = frozenset()
) -> Iterator[dict[str, Any]]:
    """Every integer schema inside ``schema``, following references (each once per path)."""
    if isinstance(schema, dict):
        reference = schema.get("$ref")
        if isinstance(reference, str):
            if reference not in seen:
                name = reference.rsplit("/", 1)[-1]
                yield from _integers(document["components"]["schemas"][name], document,
                                     seen | {reference})  # fmt: skip
            return
        if schema.get("type") == "integer":
            yield schema
        for value in schema.values():
            yield from _integers(value, document, seen)
    elif isinstance(schema, list):
        for value in schema:
            yield from _integers(value, document, seen)


def _unbounded_request_integers(app: FastAPI) -> list[str]:
    document = app.openapi()
    found: list[str] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            inputs = [operation.get("parameters", []), operation.get("requestBody", {})]
            for schema in _integers(inputs, document):
                if schema.get("maximum", INT4_MAX + 1) > INT4_MAX:
                    found.append(f"{method.upper()} {path}: {schema}")
    return found


def test_every_integer_a_gateway_or_service_request_takes_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _quiet(monkeypatch)
    gateway = gateway_app.create_app(GatewaySettings(database_url="postgresql://127.0.0.1:1/x"))
    contacts = contacts_app.create_app(
        ContactsSettings(service_name="contacts", database_url="postgresql://127.0.0.1:1/x")
    )
    assert _unbounded_request_integers(gateway) == []
    assert _unbounded_request_integers(contacts) == []

"""Consumers: a redelivered event has one effect; a malformed one is parked with its reason and
the consumer keeps going; stale news does not overwrite newer state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from contracts import topics
from contracts.accounts import AccountType, Applicant, ApplicationStage, ApplicationStatusChanged
from contracts.envelope import Envelope
from tests.integration.conftest import RunningService, a_master, eventually, publish, read_topic


def application(account: str, stage: ApplicationStage) -> ApplicationStatusChanged:
    return ApplicationStatusChanged(
        account_number=account, stage=stage, account_type=AccountType.INDIVIDUAL,
        applicant=Applicant(first_name="Rosalind", last_name="Franklin", email=f"{account.lower()}@example.com"),
    )  # fmt: skip


async def contacts_of(service: RunningService, master: str) -> list[dict[str, Any]]:
    response = await service.http.get("/contacts", headers=service.as_master(master))
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_the_same_event_delivered_twice_has_one_effect(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    envelope = Envelope.wrap(
        application("U5550001", ApplicationStage.STARTED), master_account_id=master
    )
    for _ in range(2):
        await publish(
            kafka_bootstrap, topics.ACCOUNT_LIFECYCLE.name, envelope.payload, envelope=envelope
        )
    marker = Envelope.wrap(
        application("U5550002", ApplicationStage.INVITED), master_account_id=master
    )
    await publish(kafka_bootstrap, topics.ACCOUNT_LIFECYCLE.name, marker.payload, envelope=marker)

    found = await eventually(lambda: _when_count(contacts_service, master, 2))
    first = next(c for c in found if c["account_number"] == "U5550001")
    assert (first["status"], first["version"]) == ("started", 1)


async def _when_count(
    service: RunningService, master: str, count: int
) -> list[dict[str, Any]] | None:
    found = await contacts_of(service, master)
    return found if len(found) == count else None


async def test_stale_news_does_not_overwrite_newer_state(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    now = datetime.now(UTC)
    newer = Envelope.wrap(application("U5550003", ApplicationStage.PENDING), master_account_id=master,
                          occurred_at=now)  # fmt: skip
    older = Envelope.wrap(application("U5550003", ApplicationStage.STARTED), master_account_id=master,
                          occurred_at=now - timedelta(hours=1))  # fmt: skip
    for envelope in (newer, older):
        await publish(
            kafka_bootstrap, topics.ACCOUNT_LIFECYCLE.name, envelope.payload, envelope=envelope
        )
    marker = Envelope.wrap(
        application("U5550004", ApplicationStage.INVITED), master_account_id=master
    )
    await publish(kafka_bootstrap, topics.ACCOUNT_LIFECYCLE.name, marker.payload, envelope=marker)
    found = await eventually(lambda: _when_count(contacts_service, master, 2))
    assert next(c for c in found if c["account_number"] == "U5550003")["status"] == "pending"


async def test_a_malformed_event_is_dead_lettered_and_the_consumer_keeps_going(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    await publish(
        kafka_bootstrap, topics.ACCOUNT_LIFECYCLE.name, b"\x00not json at all", key=b"U5550005"
    )
    bad_stage = Envelope.wrap(
        application("U5550005", ApplicationStage.OPEN), master_account_id=master
    )
    body = bad_stage.model_dump(mode="json")
    body["payload"]["stage"] = "teleported"
    await publish(kafka_bootstrap, topics.ACCOUNT_LIFECYCLE.name,
                  Envelope.model_validate(body).model_dump_json().encode(), key=b"U5550005")  # fmt: skip
    good = Envelope.wrap(
        application("U5550006", ApplicationStage.SUBMITTED), master_account_id=master
    )
    await publish(kafka_bootstrap, topics.ACCOUNT_LIFECYCLE.name, good.payload, envelope=good)

    found = await eventually(lambda: _when_count(contacts_service, master, 1))
    assert found[0]["account_number"] == "U5550006"

    async def dead_letters() -> list[dict[str, Any]]:
        letters = await read_topic(kafka_bootstrap, topics.DEAD_LETTERS.name)
        # other services of the session read the same topic and park their own copy
        return [m["payload"] for m in letters
                if m["payload"]["key"] == "U5550005" and m["payload"]["consumer"] == "contacts"]  # fmt: skip

    letters = await eventually(lambda: _at_least(dead_letters, 2))
    reasons = " | ".join(letter["reason"] for letter in letters)
    assert ("payload.stage" in reasons and "teleported" not in reasons) or "stage" in reasons
    assert all(letter["consumer"] == "contacts" and letter["topic"] == topics.ACCOUNT_LIFECYCLE.name
               for letter in letters)  # fmt: skip
    assert any("not json" in letter["body"] for letter in letters)


async def _at_least(read: Any, count: int) -> list[dict[str, Any]] | None:
    found: list[dict[str, Any]] = await read()
    return found if len(found) >= count else None

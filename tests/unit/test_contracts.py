from datetime import date

import pytest
from pydantic import ValidationError

from contracts import topics
from contracts.accounts import AccountOpened, AccountType, Deposit
from contracts.contacts import ContactCreated, ContactKind, ContactSnapshot
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

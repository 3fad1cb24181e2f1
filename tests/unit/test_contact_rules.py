from datetime import UTC, datetime, timedelta

from contracts.accounts import AccountType, Applicant, ApplicationStage
from contracts.contacts import ContactKind
from services.contacts.domain.contact import (
    Contact,
    apply_stage,
    changes_between,
    contact_from_application,
    state_of,
)

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


def a_prospect() -> Contact:
    return Contact(master_account_id="F1000001", first_name="Ada", last_name="Lovelace")


def test_a_contact_needs_only_a_first_and_last_name() -> None:
    contact = a_prospect()
    assert contact.kind is ContactKind.PROSPECT
    assert contact.status is None
    assert contact.snapshot().version == 1


def test_stages_move_forward_and_opening_makes_a_client() -> None:
    contact = a_prospect()
    for offset, stage in enumerate(ApplicationStage):
        if stage is ApplicationStage.CLOSED:
            break
        assert apply_stage(contact, stage=stage, account_number="U1234567",
                           account_type=AccountType.INDIVIDUAL, occurred_at=NOW + timedelta(minutes=offset))  # fmt: skip
    assert contact.status is ApplicationStage.OPEN
    assert contact.kind is ContactKind.CLIENT
    assert contact.account_number == "U1234567"


def test_news_older_than_what_we_know_changes_nothing() -> None:
    contact = a_prospect()
    apply_stage(contact, stage=ApplicationStage.PENDING, account_number="U1",
                account_type=None, occurred_at=NOW)  # fmt: skip
    assert not apply_stage(contact, stage=ApplicationStage.STARTED, account_number="U1",
                           account_type=None, occurred_at=NOW - timedelta(seconds=1))  # fmt: skip
    assert contact.status is ApplicationStage.PENDING


def test_closing_marks_the_contact_closed_and_reopening_clears_it() -> None:
    contact = a_prospect()
    apply_stage(contact, stage=ApplicationStage.CLOSED, account_number="U1", account_type=None,
                occurred_at=NOW)  # fmt: skip
    assert contact.closed and contact.kind is ContactKind.CLIENT
    apply_stage(contact, stage=ApplicationStage.OPEN, account_number="U1", account_type=None,
                occurred_at=NOW + timedelta(days=1))  # fmt: skip
    assert not contact.closed


def test_changes_list_old_and_new_values_of_changed_fields_only() -> None:
    contact = a_prospect()
    before = state_of(contact)
    contact.email = "ada@example.com"
    assert changes_between(before, state_of(contact)) == {"email": [None, "ada@example.com"]}


def test_a_direct_application_creates_a_contact_from_the_applicant() -> None:
    applicant = Applicant(first_name="Grace", last_name="Hopper", email="grace@example.com")
    contact = contact_from_application("F1", "U7654321", AccountType.ROTH_IRA, applicant)
    assert (contact.first_name, contact.account_number, contact.account_type) == (
        "Grace", "U7654321", AccountType.ROTH_IRA,
    )  # fmt: skip

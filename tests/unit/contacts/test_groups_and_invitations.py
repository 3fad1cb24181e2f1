"""The pure rules of groups, households and invitations (C10, C8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from contracts.accounts import AccountType
from contracts.api.invitations import InvitationStatus
from contracts.contacts import ContactKind
from contracts.crm import GroupVisibility, InvitationMethod
from services.contacts.domain.contact import Contact
from services.contacts.domain.groups import (
    Group,
    GroupRuleError,
    change_visibility,
    group_name,
    members_after,
)
from services.contacts.domain.households import (
    Candidate,
    Household,
    HouseholdConflict,
    HouseholdRuleError,
    check_household,
    distinct_members,
    form_members,
)
from services.contacts.domain.invitations import (
    MAX_SEND_ATTEMPTS,
    InvitationRuleError,
    invitation_email,
    mark_attempt_failed,
    mark_sent,
    master_of_token,
    new_invitation,
    token_hash,
)
from services.contacts.domain.profile import Profile
from services.contacts.service_layer.invitations import application_sections

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

# --- groups -------------------------------------------------------------------------------


def a_group(visibility: GroupVisibility, owner: str = "ada") -> Group:
    return Group(master_account_id="F1", name="Golfers", visibility=visibility, owner_user_id=owner)


def test_public_groups_are_seen_by_every_user_private_ones_by_their_creator_only() -> None:
    public, private = a_group(GroupVisibility.PUBLIC), a_group(GroupVisibility.PRIVATE)
    assert public.visible_to("ada") and public.visible_to("bob")
    assert private.visible_to("ada") and not private.visible_to("bob")


def test_only_the_creator_changes_who_sees_a_group() -> None:
    group = a_group(GroupVisibility.PUBLIC)
    with pytest.raises(GroupRuleError) as refused:
        change_visibility(group, GroupVisibility.PRIVATE, by_user="bob")
    assert refused.value.field == "visibility"
    change_visibility(group, GroupVisibility.PUBLIC, by_user="bob")  # no change: allowed
    change_visibility(group, GroupVisibility.PRIVATE, by_user="ada")
    assert group.visibility is GroupVisibility.PRIVATE


def test_group_names_are_tidied_and_must_not_be_blank() -> None:
    assert group_name("  Spring \t seminar  ") == "Spring seminar"
    for bad in ("", "   ", "x" * 101):
        with pytest.raises(GroupRuleError) as refused:
            group_name(bad)
        assert refused.value.field == "name"


def test_bulk_member_changes_and_the_event_carry_the_whole_state() -> None:
    a, b, c = uuid4(), uuid4(), uuid4()
    assert members_after({a, b}, add=[c, a], remove=[b]) == {a, c}
    group = a_group(GroupVisibility.PRIVATE)
    event = group.changed_event({c, a}, deleted=True)
    assert set(event.member_contact_ids) == {a, c} and event.deleted and event.version == 1
    assert event.partition_key() == str(group.id)


# --- households ---------------------------------------------------------------------------


def candidate(name: str, *, client: bool = True, closed: bool = False,
              household: UUID | None = None) -> Candidate:  # fmt: skip
    return Candidate(contact_id=uuid4(), name=name, kind=ContactKind.CLIENT if client else
                     ContactKind.PROSPECT, closed=closed, account_number="U1234567" if client
                     else None, household_id=household)  # fmt: skip


def test_a_household_has_at_least_two_different_members() -> None:
    one = uuid4()
    with pytest.raises(HouseholdRuleError) as refused:
        distinct_members([one, one])
    assert refused.value.field == "member_contact_ids"
    with pytest.raises(HouseholdRuleError):
        distinct_members([uuid4() for _ in range(51)])
    two = uuid4()
    assert distinct_members([one, two, one]) == [one, two]


def test_the_head_is_a_client_among_the_members() -> None:
    head, spouse, child = candidate("Head"), candidate("Spouse", client=False), candidate("Child")
    members = [head.contact_id, spouse.contact_id]
    everyone = [head, spouse, child]
    check_household(uuid4(), members, head.contact_id, everyone)
    with pytest.raises(HouseholdRuleError) as prospect:
        check_household(uuid4(), members, spouse.contact_id, everyone)
    assert prospect.value.field == "head_contact_id" and "client" in prospect.value.message
    with pytest.raises(HouseholdRuleError) as outsider:
        check_household(uuid4(), members, child.contact_id, everyone)
    assert outsider.value.field == "head_contact_id"


def test_closed_unknown_and_already_housed_contacts_cannot_join() -> None:
    head, household = candidate("Head"), uuid4()
    closed, housed = candidate("Gone", closed=True), candidate("Taken", household=uuid4())
    mine = candidate("Mine", household=household)
    for other, error in ((closed, HouseholdRuleError), (housed, HouseholdConflict)):
        with pytest.raises(error) as refused:
            check_household(household, [head.contact_id, other.contact_id], head.contact_id,
                            [head, other])  # fmt: skip
        assert refused.value.field == "member_contact_ids" and other.name in refused.value.message
    stranger = uuid4()
    with pytest.raises(HouseholdRuleError) as unknown:
        check_household(household, [head.contact_id, stranger], head.contact_id, [head])
    assert str(stranger) in unknown.value.message
    # members of this very household may stay in it
    check_household(household, [head.contact_id, mine.contact_id], head.contact_id, [head, mine])


def test_the_form_lists_the_head_first_then_the_members_by_name() -> None:
    head, zoe, amy = candidate("Head"), candidate("Zoe", client=False), candidate("Amy")
    name, members = form_members([zoe.contact_id, amy.contact_id, head.contact_id],
                                 head.contact_id, [head, zoe, amy])  # fmt: skip
    assert name == "Head"
    assert members == [("Head", "U1234567"), ("Amy", "U1234567"), ("Zoe", None)]
    household = Household("F1", "Doe", head.contact_id, [zoe.contact_id, head.contact_id])
    event = household.changed_event()
    assert event.head_contact_id == head.contact_id and not event.dissolved


# --- invitations --------------------------------------------------------------------------


def an_invitation(method: InvitationMethod = InvitationMethod.FULLY_ELECTRONIC,
                  email: str | None = "pat@example.com"):  # type: ignore[no-untyped-def]  # fmt: skip
    return new_invitation(
        master_account_id="F1000001", contact_id=uuid4(), recipient_name="Pat Doe", email=email,
        method=method, account_type=AccountType.ROTH_IRA, created_by="ada",
        advisor_name="Harbor Wealth Advisors", now=NOW, valid_for=timedelta(days=30),
    )  # fmt: skip


def test_an_email_invitation_needs_an_email_and_gets_an_unguessable_expiring_token() -> None:
    with pytest.raises(InvitationRuleError) as refused:
        an_invitation(email=None)
    assert refused.value.field == "email"
    first, second = an_invitation(), an_invitation()
    assert first.status is InvitationStatus.PENDING_SEND and first.next_attempt_at == NOW
    assert first.token and second.token and first.token != second.token
    assert master_of_token(first.token) == "F1000001"
    assert len(first.token.split(".", 1)[1]) >= 40  # 32 random bytes
    assert first.token_hash == token_hash(first.token) != token_hash(second.token)
    assert not first.is_expired(NOW + timedelta(days=29, hours=23))
    assert first.is_expired(NOW + timedelta(days=30))


def test_malformed_tokens_name_no_master() -> None:
    for token in ("", "F1000001", "F1000001.short", "../etc.passwd-xxxxxxxxxxxxxxxxxxxxx",
                  "F1 0001.abcdefghijklmnopqrstuvwxyz"):  # fmt: skip
        assert master_of_token(token) is None


def test_a_printed_invitation_has_no_link() -> None:
    printed = an_invitation(InvitationMethod.SEMI_ELECTRONIC, email=None)
    assert printed.status is InvitationStatus.PREPARED and printed.token is None
    assert printed.sent_event().method is InvitationMethod.SEMI_ELECTRONIC


def test_sending_is_retried_with_a_growing_delay_then_given_up() -> None:
    invitation = an_invitation()
    delays = []
    for _ in range(MAX_SEND_ATTEMPTS - 1):
        mark_attempt_failed(invitation, NOW, "server replied 451", permanent=False)
        assert invitation.status is InvitationStatus.PENDING_SEND
        delays.append(invitation.next_attempt_at - NOW)  # type: ignore[operator]
    assert delays == sorted(delays) and delays[0] == timedelta(minutes=1)
    mark_attempt_failed(invitation, NOW, "server replied 451", permanent=False)
    assert invitation.status is InvitationStatus.FAILED and invitation.token is None
    refused = an_invitation()
    mark_attempt_failed(refused, NOW, "recipient refused (550)", permanent=True)
    assert refused.status is InvitationStatus.FAILED and refused.attempts == 1
    sent = an_invitation()
    mark_sent(sent, NOW)
    assert sent.status is InvitationStatus.SENT and sent.token is None and sent.sent_at == NOW


def test_the_email_links_to_the_application_and_its_id_makes_it_idempotent() -> None:
    invitation = an_invitation()
    message = invitation_email(invitation, sender="Advisors <crm@harbor.example>",
                               link=f"https://portal.example/apply/{invitation.token}", now=NOW)  # fmt: skip
    assert message["Message-ID"] == f"<invitation-{invitation.id}@harbor.example>"
    assert message["To"] == "Pat Doe <pat@example.com>"
    assert f"https://portal.example/apply/{invitation.token}" in message.get_content()
    assert "2026-04-01" in message.get_content()  # the link's last day
    again = invitation_email(invitation, sender="crm@harbor.example", link="x", now=NOW)
    assert again["Message-ID"] == message["Message-ID"]


def test_the_application_summary_shows_what_is_filled_in_and_masks_the_tax_id() -> None:
    contact = Contact(master_account_id="F1", first_name="Pat", last_name="Doe", profile=Profile.model_validate({
        "tax": {"tax_residence_country": "US", "tax_id_type": "ssn", "tax_id": "536-90-4399"},
        "address": {"country": "US", "city": "Hoboken"}}))  # fmt: skip
    sections = {section.title: section.fields for section in application_sections(contact)}
    assert sections["Employment"] == []
    address = {field.label: field.value for field in sections["Residential address"]}
    assert address == {"City": "Hoboken", "Country": "United States (US)"}
    tax = {field.label: field.value for field in sections["Tax information"]}
    assert tax["Tax id"].endswith("4399") and "536" not in tax["Tax id"]

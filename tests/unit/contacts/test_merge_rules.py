"""Merging prospects (C6): the union of fields, conflicts and choices, refusals; and the
likely-duplicate clusters (X2)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from contracts.accounts import ApplicationStage
from contracts.contacts import ContactKind
from services.contacts.domain.contact import Contact, replace_profile
from services.contacts.domain.duplicates import CandidatePair, clusters_of
from services.contacts.domain.merge import (
    FIELD_BY_PATH,
    FIELDS,
    MAX_RECORDS,
    MergeRefused,
    MergeRejected,
    compare,
    merge,
)
from services.contacts.domain.profile_fields import LEAF_TYPES

MASTER = "M0000001"


def prospect(first: str = "Jane", last: str = "Doe", **profile: Any) -> Contact:
    """A prospect whose profile holds ``profile`` ({"contact": {...}, "financial": {...}})."""
    contact = Contact(master_account_id=MASTER, first_name=first, last_name=last)
    sections = {section: dict(values) for section, values in profile.items()}
    sections.setdefault("contact", {}).update(first_name=first, last_name=last)
    replace_profile(contact, sections)
    contact.title = f"{first} {last}"
    return contact


def problems(error: pytest.ExceptionInfo[MergeRejected]) -> dict[tuple[str, ...], str]:
    return {problem.loc: problem.kind for problem in error.value.problems}


def test_every_profile_leaf_and_the_title_can_be_merged() -> None:
    assert {field.path for field in FIELDS} == {"title"} | {f"profile.{p}" for p in LEAF_TYPES}


def test_the_union_fills_the_kept_records_empty_fields_from_the_others() -> None:
    kept = prospect(contact={"email": "jane@example.com"})
    second = prospect(
        contact={"mobile_phone": "+1 201 555 0123"}, address={"country": "US", "city": "Hoboken"}
    )
    third = prospect(
        address={"city": "Hoboken", "postal_code": "07030", "country": "US"},
        financial={"net_worth": "900000"},
        prospect={"priority": "high"},
    )

    merged = merge(kept, [second, third], {})

    assert merged.id == kept.id
    assert merged.email == "jane@example.com"
    assert merged.phone == "+12015550123"  # the table's phone follows the profile
    profile = merged.profile
    assert profile.contact is not None and profile.contact.mobile_phone == "+12015550123"
    assert profile.address is not None
    assert (profile.address.city, profile.address.postal_code) == ("Hoboken", "07030")
    assert profile.financial is not None and str(profile.financial.net_worth) == "900000.00"
    assert profile.prospect is not None and profile.prospect.priority == "high"
    assert kept.email == "jane@example.com" and kept.phone is None  # the input is left alone


def test_the_same_value_written_differently_is_no_conflict_and_the_kept_form_stays() -> None:
    kept = prospect(contact={"email": "Jane.Doe@Example.com"}, address={"city": "new  york"})
    other = prospect(contact={"email": "jane.doe@example.com"}, address={"city": "New York"})

    merged = merge(kept, [other], {})

    assert merged.email == "Jane.Doe@example.com"  # (the domain is lower-cased on entry)
    assert merged.profile.address is not None and merged.profile.address.city == "new  york"


def test_a_conflict_without_a_choice_lists_every_field_with_its_candidates() -> None:
    kept = prospect(contact={"email": "jane@example.com"}, employment={"occupation": "Nurse"})
    other = prospect(contact={"email": "jdoe@example.org"}, employment={"occupation": "Doctor"})

    with pytest.raises(MergeRejected) as rejected:
        merge(kept, [other], {})

    assert problems(rejected) == {
        ("choices", "profile.contact.email"): "merge_conflict",
        ("choices", "profile.employment.occupation"): "merge_conflict",
    }
    email = next(p for p in rejected.value.problems if p.loc[-1] == "profile.contact.email")
    assert [(c.contact_id, c.value) for c in email.candidates] == [
        (kept.id, "jane@example.com"),
        (other.id, "jdoe@example.org"),
    ]


def test_choices_resolve_conflicts_and_may_pick_any_record_for_any_field() -> None:
    kept = prospect(contact={"email": "jane@example.com"}, employment={"occupation": "Nurse"})
    other = prospect(
        "Janet",
        "Doe",
        contact={"email": "jdoe@example.org"},
        employment={"occupation": "Doctor"},
        prospect={"priority": "low"},
    )

    merged = merge(
        kept,
        [other],
        {
            "profile.contact.email": other.id,
            "profile.employment.occupation": kept.id,
            "profile.contact.first_name": other.id,
            "title": other.id,
            "profile.prospect.priority": kept.id,  # the kept one has none: left empty
        },
    )

    assert merged.email == "jdoe@example.org"
    assert merged.first_name == "Janet" and merged.title == "Janet Doe"
    assert merged.profile.employment is not None
    assert merged.profile.employment.occupation == "Nurse"
    assert merged.profile.prospect is None


def test_bad_choices_are_named() -> None:
    kept, other = prospect(), prospect()

    with pytest.raises(MergeRejected) as rejected:
        merge(kept, [other], {"profile.contact.shoe_size": kept.id, "title": uuid4()})

    assert problems(rejected) == {
        ("choices", "profile.contact.shoe_size"): "unknown_field",
        ("choices", "title"): "not_selected",
    }


def test_a_combination_that_breaks_a_profile_rule_is_reported_at_its_field() -> None:
    kept = prospect(financial={"net_worth": "100000"})
    other = prospect(financial={"liquid_net_worth": "500000"})

    with pytest.raises(MergeRejected) as rejected:
        merge(kept, [other], {})

    assert problems(rejected) == {
        ("choices", "profile.financial.liquid_net_worth"): "invalid_value"
    }
    # leaving the liquid net worth empty (the kept record's value) makes it valid
    merged = merge(kept, [other], {"profile.financial.liquid_net_worth": kept.id})
    assert (
        merged.profile.financial is not None and merged.profile.financial.liquid_net_worth is None
    )


def test_the_application_moves_with_the_record_that_has_one() -> None:
    kept = prospect()
    applied = prospect()
    applied.account_number, applied.username = "U1234567", "jdoe123"
    applied.status, applied.status_changed_at = ApplicationStage.PENDING, datetime.now(UTC)
    applied.pending_tasks = ["Sign the agreement"]

    merged = merge(kept, [applied], {})

    assert (merged.account_number, merged.username) == ("U1234567", "jdoe123")
    assert merged.status is ApplicationStage.PENDING
    assert merged.pending_tasks == ["Sign the agreement"]


def _with_account(contact: Contact, number: str) -> None:
    contact.account_number = number


@pytest.mark.parametrize(
    ("change_kept", "change_other", "message"),
    [
        (None, lambda c: setattr(c, "kind", ContactKind.CLIENT), "is a client"),
        (None, lambda c: setattr(c, "closed", True), "is closed"),
        (
            lambda c: _with_account(c, "U1234567"),
            lambda c: _with_account(c, "U7654321"),
            "each have an application in progress",
        ),
    ],
)
def test_clients_closed_records_and_two_applications_are_refused(
    change_kept: Any, change_other: Any, message: str
) -> None:
    kept, other = prospect(), prospect("Janet")
    if change_kept:
        change_kept(kept)
    change_other(other)

    with pytest.raises(MergeRefused, match=message):
        merge(kept, [other], {})
    with pytest.raises(MergeRefused, match=message):
        compare(kept, [other])


def test_a_merge_needs_another_record_and_at_most_the_maximum() -> None:
    kept = prospect()
    with pytest.raises(MergeRejected) as alone:
        merge(kept, [kept], {})
    assert problems(alone) == {("merge_ids",): "too_few"}
    with pytest.raises(MergeRejected) as crowd:
        merge(kept, [prospect() for _ in range(MAX_RECORDS)], {})
    assert problems(crowd) == {("merge_ids",): "too_many"}


def test_the_review_shows_every_held_field_side_by_side() -> None:
    kept = prospect(contact={"email": "jane@example.com"})
    other = prospect(contact={"email": "jdoe@example.org"}, address={"city": "Hoboken"})

    fields = {item.field.path: item for item in compare(kept, [other])}

    assert "profile.tax.tax_id" not in fields  # nobody holds it
    email = fields["profile.contact.email"]
    assert email.values == ("jane@example.com", "jdoe@example.org")
    assert email.conflict and email.source_id is None
    city = fields["profile.address.city"]
    assert city.values == (None, "Hoboken") and not city.conflict and city.differs
    assert city.source_id == other.id
    name = fields["profile.contact.last_name"]
    assert not name.differs and name.source_id == kept.id
    assert FIELD_BY_PATH["profile.address.city"].section == "Residential address"


def test_pairs_group_into_clusters_scored_by_their_strongest_evidence() -> None:
    a, b, c, d, e, f = (uuid4() for _ in range(6))
    pairs = [
        CandidatePair(a, b, emails=frozenset({"jane@example.com"})),
        CandidatePair(b, c, name_similarity=0.8),
        CandidatePair(a, c, name_similarity=0.6),
        CandidatePair(d, e, same_phone=True, name_similarity=0.9),
        CandidatePair(e, f, name_similarity=0.3),  # not similar enough: no link
    ]

    clusters = clusters_of(pairs)

    assert [cluster.contact_ids for cluster in clusters] == [{d, e}, {a, b, c}]
    phone_and_name, email_and_name = clusters
    assert phone_and_name.score == pytest.approx(1 - 0.2 * (1 - 0.7 * 0.9))
    assert phone_and_name.same_phone and phone_and_name.name_similarity == 0.9
    assert email_and_name.score == pytest.approx(0.9)
    assert email_and_name.emails == {"jane@example.com"}
    assert email_and_name.name_similarity == 0.8


def test_a_chain_of_similar_names_does_not_make_one_cluster() -> None:
    tiel, tiley, voley = uuid4(), uuid4(), uuid4()
    pairs = [
        CandidatePair(tiel, tiley, name_similarity=0.7),
        CandidatePair(tiley, voley, name_similarity=0.6),
    ]

    assert [cluster.contact_ids for cluster in clusters_of(pairs)] == [{tiel, tiley}]

"""The gateway's side of the contact record and table (pure): saved column layouts, form values
to profile sections, errors placed at their fields, history in words."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.datastructures import FormData

from contracts.api.contacts import TABLE_COLUMNS, ContactChangeOut
from gateway.pages import profile_view
from gateway.store.preferences import contacts_table_layout
from services.contacts.api.profile_form import profile_form


def section(name: str):  # type: ignore[no-untyped-def]
    return next(item for item in profile_form().sections if item.name == name)


def test_a_saved_layout_survives_columns_that_no_longer_exist() -> None:
    saved = {"contacts_table": {"columns": ["email", "shoe_size", "email", "contact"]}}
    assert contacts_table_layout(saved).columns == ["email", "contact"]
    assert contacts_table_layout({}).columns == list(TABLE_COLUMNS)
    assert contacts_table_layout({"contacts_table": {"columns": ["gone"]}}).columns == list(
        TABLE_COLUMNS
    )
    assert contacts_table_layout({"contacts_table": "junk"}).columns == list(TABLE_COLUMNS)


def test_form_values_become_a_nested_section_without_blanks() -> None:
    form = FormData(
        [("stocks.years_experience", "5"), ("stocks.knowledge", "good"), ("bonds.knowledge", ""),
         ("permissions", "stocks"), ("permissions", "funds")]
    )  # fmt: skip
    values = profile_view.submitted_values(section("trading"), form)
    assert values["bonds.knowledge"] is None
    assert profile_view.nested(values) == {
        "stocks": {"years_experience": "5", "knowledge": "good"},
        "permissions": ["stocks", "funds"],
    }


def test_errors_land_on_their_fields_or_stand_alone() -> None:
    detail = [
        {"loc": ["body", "values", "stocks", "knowledge"], "msg": "Value error, needs knowledge"},
        {"loc": ["body", "values", "source_of_funds", 1], "msg": "unknown code"},
        {"loc": ["body", "profile", "contact", "email"], "msg": "bad email"},
    ]
    errors = profile_view.field_errors(detail, prefix=("body", "values"))
    assert errors == {
        "stocks.knowledge": "needs knowledge",
        "source_of_funds": "unknown code",
        "profile.contact.email": "bad email",
    }
    view = profile_view.section_view(
        section("financial"), {}, editing=True, submitted={"source_of_funds": ["x"]},
        errors={"source_of_funds": "unknown code", "elsewhere": "problem"},
    )  # fmt: skip
    by_name = {field.field.name: field for field in view.fields}
    assert by_name["source_of_funds"].error == "unknown code"
    assert view.errors == ["elsewhere: problem"]


def test_values_read_as_people_read_them() -> None:
    profile = {
        "financial": {"net_worth": "1250000.00", "source_of_funds": ["savings", "gift"]},
        "tax": {"tax_id": "536-90-4399", "tax_id_type": "ssn"},
    }
    financial = {f.field.name: f for f in profile_view.section_view(section("financial"),
                                                                   profile).fields}  # fmt: skip
    assert financial["net_worth"].text == "1,250,000.00"
    assert financial["source_of_funds"].text == "Savings, Gift"
    assert financial["currency"].text == profile_view.EMPTY
    tax = {f.field.name: f for f in profile_view.section_view(section("tax"), profile).fields}
    assert tax["tax_id"].text.endswith("4399") and "536" not in tax["tax_id"].text
    assert tax["tax_id"].value == "536-90-4399"  # the edit form shows it whole


def test_history_names_people_and_fields_and_masks_tax_ids() -> None:
    when = datetime(2026, 11, 1, tzinfo=UTC)
    items = [
        ContactChangeOut(changed_at=when, changed_by="u-1", action="changed",
                         changes={"profile.tax.tax_id": [None, "536-90-4399"],
                                  "status_changed_at": ["a", "b"]}),
        ContactChangeOut(changed_at=when, changed_by="back-office", action="changed",
                         changes={"status_changed_at": ["a", "b"]}),
        ContactChangeOut(changed_at=when, changed_by="u-2", action="created",
                         changes={"first_name": "Ann"}),
    ]  # fmt: skip
    entries = profile_view.history_entries(items, profile_form(), {"u-1": "Alice Advisor"})
    assert [(entry.who, entry.action) for entry in entries] == [
        ("Alice Advisor", "changed"), ("u-2", "created"),
    ]  # fmt: skip
    (line,) = entries[0].lines
    assert line.what == "Tax information › Tax id"
    assert (line.old, line.new[-4:]) == (profile_view.EMPTY, "4399") and "536" not in line.new
    assert entries[1].lines == []

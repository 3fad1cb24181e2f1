"""Merging duplicate prospects into one record (C6): the union of their information.

For the title and every leaf of the profile the kept record's value stays unless it is empty;
an empty one is filled from the first other record that has a value. Where two records hold
different values the user chooses (``choices``: field path -> the record whose value to keep;
a choice may pick any selected record for any field, even an empty value). The application
(account number, status, username, pending tasks) moves as one piece from the record that has
one; two records with accounts cannot be merged, nor clients (they have accounts), nor closed
records.

Field paths are those of the audit trail: ``title`` and ``profile.<section>.<field>``. The
profile compared is ``profile_of(record)`` (the table's name, email and phone included), and
the merged profile is validated as a whole, so a combination that breaks a rule (a liquid net
worth above the net worth, say) is reported at the field it is about.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from contracts.contacts import ContactKind
from services.contacts.domain.contact import Contact, ProfileRejected, profile_of, replace_profile
from services.contacts.domain.profile import Profile
from services.contacts.domain.profile_fields import PROFILE_FIELDS, SECTION_TITLES, plain, value_at
from services.runtime.errors import Conflict, Invalid

MAX_RECORDS = 10
"""How many records one merge takes (the kept one included)."""

PROFILE_PREFIX = "profile."


@dataclass(frozen=True)
class MergeField:
    path: str
    label: str
    section: str


FIELDS: tuple[MergeField, ...] = (
    MergeField("title", "Title", "Record"),
    *(
        MergeField(
            PROFILE_PREFIX + column.path, column.label, SECTION_TITLES[column.path.split(".")[0]]
        )
        for column in PROFILE_FIELDS
    ),
)
FIELD_BY_PATH = {field.path: field for field in FIELDS}
PHONE_PATHS = frozenset(
    PROFILE_PREFIX + f"contact.{name}" for name in ("mobile_phone", "home_phone", "work_phone")
)


@dataclass(frozen=True)
class Candidate:
    contact_id: UUID
    value: Any


@dataclass(frozen=True)
class Problem:
    """Something the user must fix: ``("choices", <field path>)`` or ``("merge_ids",)``."""

    loc: tuple[str, ...]
    kind: str  # merge_conflict, unknown_field, not_selected, invalid_value, too_few, ...
    message: str
    candidates: tuple[Candidate, ...] = ()


class MergeRefused(Conflict):
    """These records cannot be merged at all (a client, a closed record, two accounts)."""


class MergeRejected(Invalid):
    """The request cannot be carried out as asked: every problem, by field path."""

    # richer than Invalid's (location, message) pairs: detail() below answers with them
    problems: list[Problem]  # type: ignore[assignment]

    def __init__(self, problems: Sequence[Problem], *, within: str = "body") -> None:
        super().__init__(
            "; ".join(f"{problem.loc[-1]}: {problem.message}" for problem in problems),
            within=within,
        )
        self.problems = list(problems)

    def located_in(self, within: str) -> MergeRejected:
        """The same problems, found in another part of the request (``query`` for a review)."""
        return MergeRejected(self.problems, within=within)

    def detail(self) -> list[dict[str, Any]]:
        """One error per problem, typed by its kind; a conflict lists its candidates."""
        return [_error(problem, self.within) for problem in self.problems]


def _error(problem: Problem, within: str) -> dict[str, Any]:
    error: dict[str, Any] = {
        "type": problem.kind,
        "loc": [within, *problem.loc],
        "msg": problem.message,
        "input": None,
    }
    if problem.candidates:
        error["candidates"] = [
            {"contact_id": str(candidate.contact_id), "value": candidate.value}
            for candidate in problem.candidates
        ]
    return error


@dataclass(frozen=True)
class FieldComparison:
    """One field across the records (in the order kept first, then the others)."""

    field: MergeField
    values: tuple[Any, ...]
    conflict: bool
    """two or more different values: the user must choose"""
    source_id: UUID | None
    """the record whose value the merge takes unless told otherwise (None: a conflict, or
    every record is empty)"""

    @property
    def differs(self) -> bool:
        return len({_comparable(self.field.path, value) for value in self.values}) > 1


def refuse_unmergeable(records: Sequence[Contact]) -> None:
    """Raise ``MergeRefused`` unless every record is an open prospect and at most one has an
    account (an application in progress)."""
    for record in records:
        if record.kind is not ContactKind.PROSPECT:
            raise MergeRefused(
                f"{record.display_name} is a client: clients have accounts and cannot be "
                "merged; only prospects can"
            )
        if record.closed:
            raise MergeRefused(f"{record.display_name} is closed; reopen it before merging it")
    with_accounts = [record for record in records if record.account_number]
    if len(with_accounts) > 1:
        listed = ", ".join(f"{r.display_name} ({r.account_number})" for r in with_accounts)
        raise MergeRefused(
            f"{listed} each have an application in progress; a merged record can keep only one"
        )


def compare(kept: Contact, others: Sequence[Contact]) -> list[FieldComparison]:
    """Every field that any of the records holds, side by side (for the user's review)."""
    records = _checked_records(kept, others)
    profiles = {record.id: profile_of(record) for record in records}
    comparisons = []
    for field in FIELDS:
        values = [
            (record.id, _value(record, profiles[record.id], field.path)) for record in records
        ]
        if all(_is_empty(value) for _, value in values):
            continue
        pick = _default_pick(field.path, values)
        comparisons.append(
            FieldComparison(
                field=field,
                values=tuple(value for _, value in values),
                conflict=isinstance(pick, Problem),
                source_id=None if isinstance(pick, Problem) else pick.contact_id,
            )
        )
    return comparisons


def merge(kept: Contact, others: Sequence[Contact], choices: Mapping[str, UUID]) -> Contact:
    """The kept record holding the union of every record's information (a new object; ``kept``
    is left as it was). Raises ``MergeRefused`` or ``MergeRejected`` (listing every problem)."""
    records = _checked_records(kept, others)
    by_id = {record.id: record for record in records}
    problems = _bad_choices(choices, by_id)
    profiles = {record.id: profile_of(record) for record in records}
    picked: dict[str, Any] = {}
    for field in FIELDS:
        values = [
            (record.id, _value(record, profiles[record.id], field.path)) for record in records
        ]
        chosen = choices.get(field.path)
        if chosen in by_id:
            picked[field.path] = dict(values)[chosen]
            continue
        pick = _default_pick(field.path, values)
        if isinstance(pick, Problem):
            problems.append(pick)
        else:
            picked[field.path] = pick.value
    if problems:
        raise MergeRejected(problems)
    return _merged_record(kept, records, picked)


def _checked_records(kept: Contact, others: Sequence[Contact]) -> list[Contact]:
    records = [kept, *(other for other in others if other.id != kept.id)]
    if len({record.id for record in records}) != len(records):
        raise MergeRejected([Problem(("merge_ids",), "duplicate", "a record is listed twice")])
    if len(records) < 2:
        raise MergeRejected(
            [Problem(("merge_ids",), "too_few", "select another record besides the kept one")]
        )
    if len(records) > MAX_RECORDS:
        raise MergeRejected(
            [Problem(("merge_ids",), "too_many", f"merge at most {MAX_RECORDS} records at once")]
        )
    refuse_unmergeable(records)
    return records


def _bad_choices(choices: Mapping[str, UUID], by_id: Mapping[UUID, Contact]) -> list[Problem]:
    problems = []
    for path, contact_id in choices.items():
        if path not in FIELD_BY_PATH:
            problems.append(Problem(("choices", path), "unknown_field", "no such field"))
        elif contact_id not in by_id:
            problems.append(
                Problem(("choices", path), "not_selected", f"{contact_id} is not a merged record")
            )
    return problems


def _default_pick(path: str, values: Sequence[tuple[UUID, Any]]) -> Candidate | Problem:
    """The kept record's value unless empty, else the first other value; a Problem when the
    records hold different values."""
    filled = [(contact_id, value) for contact_id, value in values if not _is_empty(value)]
    if len({_comparable(path, value) for _, value in filled}) > 1:
        return Problem(
            ("choices", path),
            "merge_conflict",
            "the records hold different values; choose the record whose value to keep",
            tuple(Candidate(contact_id, value) for contact_id, value in filled),
        )
    if not filled:
        return Candidate(values[0][0], None)
    return Candidate(*filled[0])


def _merged_record(kept: Contact, records: Sequence[Contact], picked: Mapping[str, Any]) -> Contact:
    application = _application_of(records)
    merged = dataclasses.replace(
        kept,
        profile=kept.profile.model_copy(deep=True),
        account_number=application.account_number,
        account_type=application.account_type if application.account_number else kept.account_type,
        status=application.status,
        status_changed_at=application.status_changed_at,
        username=application.username or next((r.username for r in records if r.username), None),
        pending_tasks=list(application.pending_tasks),
    )
    try:
        replace_profile(merged, _nested(picked))
    except ProfileRejected as rejected:
        raise MergeRejected(
            [
                Problem(
                    ("choices", PROFILE_PREFIX + ".".join(map(str, loc))), "invalid_value", message
                )
                for loc, message in rejected.errors
            ]
        ) from None
    merged.title = picked["title"]
    return merged


def _application_of(records: Sequence[Contact]) -> Contact:
    """The record whose application the merged one continues: the one with an account, else
    the first with a status (the kept record first)."""
    for has_application in (lambda r: r.account_number, lambda r: r.status):
        for record in records:
            if has_application(record):
                return record
    return records[0]


def _nested(picked: Mapping[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for path, value in picked.items():
        if not path.startswith(PROFILE_PREFIX) or _is_empty(value):
            continue
        *parents, leaf = path.removeprefix(PROFILE_PREFIX).split(".")
        target = nested
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return nested


def _value(record: Contact, profile: Profile, path: str) -> Any:
    """The JSON-ready value of a field of the record (None when empty)."""
    if path.startswith(PROFILE_PREFIX):
        value = plain(value_at(profile, path.removeprefix(PROFILE_PREFIX)))
    else:
        value = plain(getattr(record, path))
    return None if _is_empty(value) else value


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


_NOT_DIGITS = re.compile(r"\D")


def _comparable(path: str, value: Any) -> Any:
    """What two values must share to be the same: case and spacing of text do not count, nor the
    order of a list of codes, nor how a phone number is written (its last nine digits)."""
    if value is None:
        return None
    if path in PHONE_PATHS:
        return _NOT_DIGITS.sub("", str(value))[-9:]
    if isinstance(value, list):
        return frozenset(_comparable(path, item) for item in value)
    if isinstance(value, str):
        return " ".join(value.casefold().split())
    return value

"""What the contact record pages show of a profile: each section's fields with their values as
text (for reading) and as form values (for editing), errors placed at their fields, and the
history of changes in words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData

from contracts.api.contacts import (
    ContactChangeOut,
    ProfileField,
    ProfileForm,
    ProfileSectionForm,
)

EMPTY = "—"
SENSITIVE = frozenset({"tax.tax_id"})
UNSHOWN_CHANGES = frozenset({"status_changed_at"})
"""Changes the history does not list (a status change already says it)."""
SECTION_TAB = {"financial": "financial", "trading": "trading"}
"""The record tab each profile section is shown on (the others are on the profile tab)."""
TAB_PATHS = {
    "profile": "",
    "financial": "/financial",
    "trading": "/trading",
    "configuration": "/configuration",
    "sub-accounts": "/sub-accounts",
}
SUMMARY_LABELS = {
    "title": "Title",
    "first_name": "First name",
    "last_name": "Last name",
    "kind": "Type",
    "email": "Email",
    "phone": "Phone",
    "username": "Username",
    "account_number": "Account number",
    "account_type": "Account type",
    "status": "Status",
    "status_changed_at": "Status changed",
    "net_asset_value": "Net asset value",
    "closed": "Closed",
    "pending_tasks": "Pending registration tasks",
}


@dataclass
class FieldView:
    field: ProfileField
    text: str
    """the value as read (codes by their meaning, sensitive values masked)"""
    value: Any
    """the value in the form: text, or a list of codes for a multiselect"""
    error: str | None = None

    @property
    def id(self) -> str:
        return "f-" + self.field.name.replace(".", "-")


@dataclass
class SectionView:
    name: str
    title: str
    fields: list[FieldView]
    editing: bool = False
    errors: list[str] = field(default_factory=list)
    """problems not at one of this section's fields"""

    @property
    def groups(self) -> list[tuple[str | None, list[FieldView]]]:
        """Consecutive fields of the same group (a product of the trading section) together."""
        grouped: list[tuple[str | None, list[FieldView]]] = []
        for view in self.fields:
            if grouped and grouped[-1][0] == view.field.group:
                grouped[-1][1].append(view)
            else:
                grouped.append((view.field.group, [view]))
        return grouped

    @property
    def is_empty(self) -> bool:
        return all(view.text == EMPTY for view in self.fields)


def value_at(values: Mapping[str, Any] | None, dotted: str) -> Any:
    current: Any = values
    for part in dotted.split("."):
        current = current.get(part) if isinstance(current, Mapping) else None
    return current


def section_view(
    form: ProfileSectionForm,
    profile: Mapping[str, Any],
    *,
    editing: bool = False,
    submitted: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> SectionView:
    """A section as saved, or (after a refused save) as the user submitted it."""
    saved = profile.get(form.name) or {}
    errors = dict(errors or {})
    fields = []
    for item in form.fields:
        raw = value_at(saved, item.name) if submitted is None else submitted.get(item.name)
        fields.append(
            FieldView(
                field=item,
                text=_text(item, raw, sensitive=f"{form.name}.{item.name}" in SENSITIVE),
                value=_form_value(item, raw),
                error=errors.pop(item.name, None),
            )
        )
    return SectionView(
        name=form.name,
        title=form.title,
        fields=fields,
        editing=editing,
        errors=[f"{where}: {message}" if where else message for where, message in errors.items()],
    )


def sections_of(
    form: ProfileForm, names: Iterable[str], profile: Mapping[str, Any], editing: str | None
) -> list[SectionView]:
    by_name = {section.name: section for section in form.sections}
    return [
        section_view(by_name[name], profile, editing=name == editing)
        for name in names
        if name in by_name
    ]


def _form_value(item: ProfileField, raw: Any) -> Any:
    if item.kind == "multiselect":
        return [str(value) for value in raw] if isinstance(raw, list) else []
    return "" if raw is None else str(raw)


def _text(item: ProfileField, raw: Any, *, sensitive: bool = False) -> str:
    if raw is None or raw == "" or raw == []:
        return EMPTY
    labels = {choice.value: choice.label for choice in item.choices}
    if isinstance(raw, list):
        return ", ".join(labels.get(str(value), str(value)) for value in raw)
    text = labels.get(str(raw), str(raw))
    if item.kind == "amount":
        text = _amount(text)
    if sensitive:
        return "•" * max(len(text) - 4, 3) + text[-4:]
    return text


def _amount(text: str) -> str:
    try:
        return f"{Decimal(text):,.2f}"
    except InvalidOperation:
        return text


def submitted_values(form: ProfileSectionForm, data: FormData) -> dict[str, Any]:
    """Field name -> what the user entered (blank text becomes None, checkboxes a list)."""
    values: dict[str, Any] = {}
    for item in form.fields:
        if item.kind == "multiselect":
            values[item.name] = [str(v) for v in data.getlist(item.name) if str(v).strip()]
        else:
            text = str(data.get(item.name) or "").strip()
            values[item.name] = text or None
    return values


def nested(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{"stocks.knowledge": "good"}`` -> ``{"stocks": {"knowledge": "good"}}``; empty left out."""
    result: dict[str, Any] = {}
    for name, value in values.items():
        if value is None or value == []:
            continue
        target = result
        *parents, leaf = name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return result


def field_errors(detail: Any, *, prefix: tuple[str, ...]) -> dict[str, str]:
    """A 422's errors under ``prefix`` (e.g. ``("body", "values")``) keyed by dotted field name;
    other errors keyed by their whole location."""
    errors: dict[str, str] = {}
    for error in detail if isinstance(detail, list) else [{"loc": [], "msg": str(detail)}]:
        loc = tuple(error.get("loc") or ())
        message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
        if loc[: len(prefix)] == prefix:
            key = ".".join(str(part) for part in loc[len(prefix) :] if isinstance(part, str))
        else:
            key = ".".join(str(part) for part in loc[1:])
        errors.setdefault(key, message)
    return errors


# --- history ------------------------------------------------------------------------------


@dataclass
class ChangeLine:
    what: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: Any
    who: str
    action: str
    lines: list[ChangeLine]


def history_entries(
    items: Iterable[ContactChangeOut], form: ProfileForm, names: Mapping[str, str]
) -> list[HistoryEntry]:
    """The changes in words: labels for fields, names for users, sensitive values masked."""
    labels = _path_labels(form)
    entries = []
    for item in items:
        who = names.get(item.changed_by) or (
            "Back office" if item.changed_by == "back-office" else item.changed_by
        )
        lines = []
        if item.action != "created":
            shown = {path: change for path, change in item.changes.items()
                     if path not in UNSHOWN_CHANGES}  # fmt: skip
            if not shown and item.action == "changed":
                continue
            for path, change in shown.items():
                old, new = (
                    change if isinstance(change, list) and len(change) == 2 else (None, change)
                )
                masked = path.removeprefix("profile.") in SENSITIVE
                lines.append(
                    ChangeLine(labels.get(path, path), _plain(old, masked), _plain(new, masked))
                )
        entries.append(HistoryEntry(item.changed_at, who, item.action, lines))
    return entries


def _path_labels(form: ProfileForm) -> dict[str, str]:
    labels = dict(SUMMARY_LABELS)
    for section in form.sections:
        for item in section.fields:
            label = f"{item.group} {item.label.lower()}" if item.group else item.label
            labels[f"profile.{section.name}.{item.name}"] = f"{section.title} › {label}"
    return labels


def _plain(value: Any, masked: bool) -> str:
    if value is None or value == []:
        return EMPTY
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return "•" * max(len(text) - 4, 3) + text[-4:] if masked else text

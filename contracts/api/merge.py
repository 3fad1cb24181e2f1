"""Merging duplicate prospects (C6) and likely-duplicate suggestions (X2): commands and views.

Field paths are those of a contact's history: ``title`` and ``profile.<section>.<field>``.
A merge that cannot be done as asked answers 422 with one error per problem, located at
``["body", "choices", <field path>]`` (or ``["body", "merge_ids"]``); an unresolved conflict's
error has ``type`` "merge_conflict" and lists the ``candidates`` (contact id and value).
Merging clients (they have accounts), closed records or two records with accounts answers 409.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from contracts.api.contacts import ContactOut

MAX_MERGED_RECORDS = 10

FieldPath = Annotated[str, StringConstraints(max_length=100, pattern=r"^[a-z_]+(\.[a-z0-9_]+)*$")]


class MergeRequest(BaseModel):
    """Merge prospects into the one kept: the union of their information, notes, tasks,
    events, documents and group memberships; the others are removed."""

    model_config = ConfigDict(extra="forbid")

    keep_id: UUID = Field(description="the record that stays")
    merge_ids: list[UUID] = Field(
        min_length=1,
        max_length=MAX_MERGED_RECORDS,
        description="the records merged into the kept one (listing the kept one too is allowed)",
    )
    choices: dict[FieldPath, UUID] = Field(
        default_factory=dict,
        description="field path -> the record whose value to keep; required for every field "
        "where the records hold different values, allowed for any field",
    )

    @field_validator("merge_ids")
    @classmethod
    def _another_record(cls, merge_ids: list[UUID], info: ValidationInfo) -> list[UUID]:
        others = set(merge_ids) - {info.data.get("keep_id")}
        if not others:
            raise ValueError("name at least one record besides keep_id")
        if len(others) + 1 > MAX_MERGED_RECORDS:
            raise ValueError(f"merge at most {MAX_MERGED_RECORDS} records at once")
        return merge_ids

    def others(self) -> list[UUID]:
        """The merged-away records, each once, in the order given."""
        return list(dict.fromkeys(i for i in self.merge_ids if i != self.keep_id))


class MergedContact(ContactOut):
    """The kept contact after the merge."""

    merged_ids: list[UUID] = Field(description="the records merged into it (now removed)")
    changed_fields: list[str] = Field(description="the field paths the merge changed")


class ReviewField(BaseModel):
    path: str
    label: str
    section: str
    values: list[JsonValue] = Field(description="each record's value, in the order of records")
    conflict: bool = Field(description="different values: a choice is required")
    differs: bool = Field(description="not every record holds the same value (or none)")
    source_id: UUID | None = Field(
        description="the record whose value the merge takes unless a choice says otherwise "
        "(null for a conflict, or when no record holds a value)"
    )


class MergeReview(BaseModel):
    """The records side by side: every field any of them holds."""

    keep_id: UUID
    records: list[ContactOut] = Field(description="the kept record first")
    fields: list[ReviewField]


class DuplicatesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=20, ge=1, le=200, description="clusters to return")


class DuplicateReason(BaseModel):
    kind: Literal["email", "phone", "name"]
    detail: str = Field(description="the shared email, or how similar the names are")


class DuplicateCluster(BaseModel):
    score: float = Field(ge=0, le=1, description="how likely these are one person")
    reasons: list[DuplicateReason]
    contacts: list[ContactOut]


class DuplicateSuggestions(BaseModel):
    """Likely duplicates among the master's open prospects, the likeliest first."""

    clusters: list[DuplicateCluster]
    total_clusters: int

"""Pages: likely duplicates and merging prospects (C6, X2).

/contacts/merge lists the suggested clusters and finds prospects to select ("select several,
keep one"); /contacts/merge/review shows the chosen records side by side with a radio button
per value where they differ and which record to keep; posting it merges, and
/contacts/merge/done shows the result.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.access import Right
from contracts.api.contacts import ContactListQuery
from contracts.api.merge import MAX_MERGED_RECORDS, DuplicatesQuery, MergeRequest
from contracts.contacts import ContactKind
from gateway.auth.rights import needs
from gateway.clients import contacts, merge
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep
from gateway.pages.deps import CheckedForm, PageUser
from gateway.pages.rendering import render
from gateway.store.users import User

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.CRM)])

CHOICE_PREFIX = "choice:"
"""Form fields ``choice:<field path>`` carry the id of the record whose value to keep."""


@router.get("/contacts/merge")
async def merge_page(
    request: Request,
    user: PageUser,
    clients: ClientsDep,
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    suggestions = await merge.likely_duplicates(clients, user, DuplicatesQuery(limit=20))
    found = None
    if q.strip():
        prospects = ContactListQuery(
            q=q.strip(), kind=ContactKind.PROSPECT, include_closed=False, page_size=50
        )
        found = await contacts.list_contacts(clients, user, prospects)
    return render(
        request, "merge.html", user=user, active="contacts", suggestions=suggestions,
        q=q, found=found, max_records=MAX_MERGED_RECORDS,
    )  # fmt: skip


@router.get("/contacts/merge/review")
async def review_page(
    request: Request,
    user: PageUser,
    clients: ClientsDep,
    ids: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    keep_id: str = "",
) -> Response:
    if not 2 <= len(set(ids)) <= MAX_MERGED_RECORDS:
        message = f"Select from two to {MAX_MERGED_RECORDS} prospects to merge."
        return render(
            request, "merge_review.html", user=user, active="contacts", review=None,
            messages=[message], status_code=422,
        )  # fmt: skip
    return await _review(request, user, clients, ids, keep_id)


@router.post("/contacts/merge")
async def merge_submit(
    request: Request, user: PageUser, form: CheckedForm, clients: ClientsDep
) -> Response:
    ids = [str(value) for value in form.getlist("ids")]
    keep_id = str(form.get("keep_id") or "")
    choices = {
        str(name).removeprefix(CHOICE_PREFIX): str(value)
        for name, value in form.multi_items()
        if str(name).startswith(CHOICE_PREFIX) and value
    }
    try:
        body = MergeRequest.model_validate(
            {"keep_id": keep_id, "merge_ids": ids, "choices": choices}
        )
    except ValidationError as error:
        messages = [f"{_where(item['loc'])}{item['msg']}" for item in error.errors()]
        return await _review(request, user, clients, ids, keep_id, choices, messages=messages)
    try:
        merged = await merge.merge_contacts(clients, user, body)
    except HTTPException as refused:
        if refused.status_code >= 500:
            raise
        problems = _problems(refused.detail)
        return await _review(request, user, clients, ids, keep_id, choices, **problems)
    return RedirectResponse(
        f"/contacts/merge/done?id={merged.id}&merged={len(merged.merged_ids)}",
        status_code=303,
    )


@router.get("/contacts/merge/done")
async def merge_done(
    request: Request, user: PageUser, clients: ClientsDep, id: UUID, merged: int = 0
) -> Response:
    contact = await contacts.get_contact(clients, user, id)
    return render(
        request, "merge_done.html", user=user, active="contacts", contact=contact, merged=merged
    )


async def _review(
    request: Request,
    user: User,
    clients: ServiceClients,
    ids: list[str],
    keep_id: str,
    choices: dict[str, str] | None = None,
    *,
    messages: list[str] | None = None,
    field_errors: dict[str, str] | None = None,
) -> Response:
    """The review step; with ``messages``/``field_errors`` after a merge that did not go."""
    try:
        review = await merge.review_merge(clients, user, list(dict.fromkeys(ids)), keep_id)
    except HTTPException as refused:
        if refused.status_code >= 500:
            raise
        return render(
            request, "merge_review.html", user=user, active="contacts", review=None,
            messages=_problems(refused.detail)["messages"], status_code=refused.status_code,
        )  # fmt: skip
    failed = bool(messages or field_errors)
    return render(
        request, "merge_review.html", user=user, active="contacts", review=review,
        choices=choices or {}, messages=messages or [], field_errors=field_errors or {},
        choice_prefix=CHOICE_PREFIX, status_code=422 if failed else 200,
    )  # fmt: skip


def _problems(detail: Any) -> dict[str, Any]:
    """The service's refusal as page messages: field path -> message for located problems."""
    if not isinstance(detail, list):
        return {"messages": [str(detail)], "field_errors": {}}
    field_errors: dict[str, str] = {}
    messages: list[str] = []
    for item in detail:
        loc = [str(part) for part in item.get("loc", [])]
        if len(loc) == 3 and loc[1] == "choices":
            field_errors[loc[2]] = item.get("msg", "")
        else:
            messages.append(f"{_where(loc)}{item.get('msg', '')}")
    if field_errors:
        messages.insert(0, "Choose a value for every highlighted field, then merge again.")
    return {"messages": messages, "field_errors": field_errors}


def _where(loc: Any) -> str:
    names = [str(part) for part in loc if str(part) not in ("body", "query")]
    return f"{'.'.join(names)}: " if names else ""

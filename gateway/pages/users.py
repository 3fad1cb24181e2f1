"""Pages: the users of the master, their access rights and client scope (the primary user only);
and the public page of a one-time set-password link. Every form works without JavaScript."""

from __future__ import annotations

import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.access import RIGHT_DESCRIPTIONS, RIGHT_LABELS, Right
from contracts.api.groups import GroupOut
from contracts.api.users import PasswordSet, UserAccess, UserCreate, UserUpdate
from gateway.auth.login import client_ip
from gateway.auth.rights import needs_primary, public
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep, DatabaseDep
from gateway.pages.deps import PageUser, SubmittedForm, checked_form
from gateway.pages.forms import refusal_errors
from gateway.pages.rendering import render
from gateway.people import master_name
from gateway.store.user_admin import ManagedUser
from gateway.store.users import User
from gateway.users import use_cases
from gateway.users.groups import known_group_ids, scope_groups
from gateway.users.mailer import MailerDep
from gateway.users.use_cases import Actor, LinkNotValid, transaction
from gateway.users.views import ordered_rights, scope_summary
from services.runtime.db import Database

router = APIRouter(include_in_schema=False)
PRIMARY = [needs_primary()]  # every page but the set-password link's

NOTICES = {
    "added": "User added. An email with a link to set their password is on its way.",
    "added-unsent": "User added, but the email with the link to set a password could not be "
    "sent. Send it again below.",
    "saved": "Details saved.",
    "access": "Access rights and scope saved: they apply from the user's next request.",
    "deactivated": "User deactivated: they are logged out and cannot log in.",
    "reactivated": "User reactivated: they can log in again.",
    "two-factor": "Two-factor authentication reset: the user sets it up again.",
    "sessions": "Every session of the user has ended.",
    "link": "A new link to set a password was emailed; earlier links no longer work.",
    "link-unsent": "The email with the new link could not be sent. Try again later.",
    "primary": "The user is now a primary user.",
    "not-primary": "The user is no longer a primary user.",
}
RIGHTS = [(right, RIGHT_LABELS[right], RIGHT_DESCRIPTIONS[right]) for right in Right]
_LIST_SEPARATORS = re.compile(r"[\s,;]+")
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _rights_text(user: ManagedUser) -> str:
    return ", ".join(RIGHT_LABELS[right] for right in ordered_rights(user))


def _actor(request: Request, user: User) -> Actor:
    return Actor(user, client_ip(request))


def _listed(form: dict[str, Any], key: str) -> list[str]:
    value = form.get(key, [])
    return [str(item) for item in (value if isinstance(value, list) else [value]) if item]


def _access_values(form: dict[str, Any]) -> dict[str, Any]:
    """The rights ticked and the scope chosen, as the API's body would carry them."""
    if form.get("scope", "chosen") == "all":
        scope: dict[str, Any] = {"all_clients": True}
    else:
        accounts = [item for item in _LIST_SEPARATORS.split(str(form.get("account_numbers", "")))]
        scope = {
            "all_clients": False,
            "account_numbers": [item for item in accounts if item],
            "group_ids": _listed(form, "group_ids"),
        }
    return {"rights": _listed(form, "rights"), "scope": scope}


def _field_errors(errors: dict[str, str]) -> dict[str, str]:
    """Each problem under the form field that shows it (the first per field)."""
    shown: dict[str, str] = {}
    for key, message in errors.items():
        parts = key.split(".")
        field = parts[1] if parts[0] == "scope" and len(parts) > 1 else parts[0]
        shown.setdefault(field, message)
    return shown


async def _groups(clients: ServiceClients, user: User) -> list[GroupOut] | None:
    """The master's groups to choose from; None when the contacts service does not answer."""
    try:
        return await scope_groups(clients, user)
    except HTTPException:
        return None


# --- the users and a user --------------------------------------------------------------------


@router.get("/users", dependencies=PRIMARY)
async def users_page(request: Request, user: PageUser, database: DatabaseDep) -> Response:
    async with transaction(database) as work:
        found = await use_cases.list_users(work, _actor(request, user))
    return render(
        request, "users.html", user=user, active="settings", users=found,
        summary=scope_summary, rights_text=_rights_text,
        notice=NOTICES.get(request.query_params.get("done", "")),
    )  # fmt: skip


@router.get("/users/new", dependencies=PRIMARY)
async def new_user_page(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    return await _form_view(request, user, clients, None, form={"scope": "chosen"})


@router.post("/users", dependencies=PRIMARY)
async def add_user(
    request: Request,
    user: PageUser,
    form: SubmittedForm,
    database: DatabaseDep,
    clients: ClientsDep,
    mailer: MailerDep,
) -> Response:
    try:
        body = UserCreate.model_validate(
            {key: form.get(key, "") for key in ("username", "display_name", "email")}
            | _access_values(form)
        )
        groups = await known_group_ids(clients, user, body.scope)
        async with transaction(database) as work:
            link = await use_cases.add_user(work, _actor(request, user), body,
                                            known_group_ids=groups)  # fmt: skip
    except (ValidationError, HTTPException) as error:
        return await _form_view(request, user, clients, None, form=form,
                                errors=refusal_errors(error))  # fmt: skip
    warning = await mailer.send(link, master_name=await master_name(database, user))
    done = "added" if warning is None else "added-unsent"
    return RedirectResponse(f"/users/{link.user.id}?done={done}", status_code=303)


@router.get("/users/{user_id:uuid}", dependencies=PRIMARY)
async def user_page(
    request: Request, user_id: UUID, user: PageUser, database: DatabaseDep, clients: ClientsDep
) -> Response:
    async with transaction(database) as work:
        shown = await use_cases.get_user(work, _actor(request, user), user_id)
    return await _form_view(request, user, clients, shown)


async def _form_view(
    request: Request,
    user: User,
    clients: ServiceClients,
    shown: ManagedUser | None,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int | None = None,
) -> Response:
    """The form of a new user (``shown`` None) or of a user; ``form`` what was submitted."""
    if form is None and shown is not None:
        form = {
            "display_name": shown.display_name, "email": shown.email or "",
            "rights": [right.value for right in shown.rights],
            "scope": "all" if shown.scope.all_clients else "chosen",
            "account_numbers": "\n".join(sorted(shown.scope.account_numbers)),
            "group_ids": [str(group) for group in shown.scope.group_ids],
        }  # fmt: skip
    form = form or {}
    if errors and status_code is None:
        status_code = 409 if set(errors) == {""} else 422
    return render(
        request, "user_form.html", user=user, active="settings", status_code=status_code or 200,
        shown=shown, form=form, errors=_field_errors(errors or {}), rights=RIGHTS,
        ticked=set(_listed(form, "rights")), chosen_groups=set(_listed(form, "group_ids")),
        groups=await _groups(clients, user), summary=scope_summary,
        notice=NOTICES.get(request.query_params.get("done", "")),
    )  # fmt: skip


async def _refused(
    request: Request,
    user: User,
    database: Database,
    clients: ServiceClients,
    user_id: UUID,
    error: ValidationError | HTTPException,
    form: dict[str, Any] | None = None,
) -> Response:
    errors = refusal_errors(error)  # a 404 is raised again
    async with transaction(database) as work:
        shown = await use_cases.get_user(work, _actor(request, user), user_id)
    return await _form_view(request, user, clients, shown, form=form, errors=errors)


@router.post("/users/{user_id:uuid}", dependencies=PRIMARY)
async def change_details(
    request: Request,
    user_id: UUID,
    user: PageUser,
    form: SubmittedForm,
    database: DatabaseDep,
    clients: ClientsDep,
) -> Response:
    try:
        body = UserUpdate.model_validate(
            {key: str(form.get(key, "")).strip() for key in ("display_name", "email")}
        )
        async with transaction(database) as work:
            await use_cases.change_details(work, _actor(request, user), user_id, body)
    except (ValidationError, HTTPException) as error:
        return await _refused(request, user, database, clients, user_id, error, form)
    return RedirectResponse(f"/users/{user_id}?done=saved", status_code=303)


@router.post("/users/{user_id:uuid}/access", dependencies=PRIMARY)
async def change_access(
    request: Request,
    user_id: UUID,
    user: PageUser,
    form: SubmittedForm,
    database: DatabaseDep,
    clients: ClientsDep,
) -> Response:
    try:
        body = UserAccess.model_validate(_access_values(form))
        groups = await known_group_ids(clients, user, body.scope)
        async with transaction(database) as work:
            await use_cases.change_access(work, _actor(request, user), user_id, body,
                                          known_group_ids=groups)  # fmt: skip
    except (ValidationError, HTTPException) as error:
        return await _refused(request, user, database, clients, user_id, error, form)
    return RedirectResponse(f"/users/{user_id}?done=access", status_code=303)


@router.post("/users/{user_id:uuid}/{action}", dependencies=[*PRIMARY, Depends(checked_form)])
async def act_on_user(
    request: Request,
    user_id: UUID,
    action: str,
    user: PageUser,
    database: DatabaseDep,
    clients: ClientsDep,
    mailer: MailerDep,
) -> Response:
    """One of the buttons: deactivate, reactivate, reset-two-factor, end-sessions,
    password-link, make-primary, remove-primacy."""
    actor = _actor(request, user)
    done, link = action, None
    try:
        async with transaction(database) as work:
            if action == "deactivate":
                await use_cases.deactivate(work, actor, user_id)
                done = "deactivated"
            elif action == "reactivate":
                await use_cases.reactivate(work, actor, user_id)
                done = "reactivated"
            elif action == "reset-two-factor":
                await use_cases.reset_two_factor(work, actor, user_id)
                done = "two-factor"
            elif action == "end-sessions":
                await use_cases.end_sessions(work, actor, user_id)
                done = "sessions"
            elif action in ("make-primary", "remove-primacy"):
                primary = action == "make-primary"
                await use_cases.change_primacy(work, actor, user_id, is_primary=primary)
                done = "primary" if primary else "not-primary"
            elif action == "password-link":
                link = await use_cases.send_password_link_again(work, actor, user_id)
            else:
                raise HTTPException(404, "no such action")
    except HTTPException as error:
        return await _refused(request, user, database, clients, user_id, error)
    if link is not None:
        warning = await mailer.send(link, master_name=await master_name(database, user))
        done = "link" if warning is None else "link-unsent"
    return RedirectResponse(f"/users/{user_id}?done={done}", status_code=303)


# --- the link a new user sets their password with -----------------------------------------


def _set_password_view(
    request: Request, token: str, *, username: str | None, status_code: int = 200, **context: Any
) -> Response:
    response = render(request, "set_password.html", user=None, token=token, username=username,
                      status_code=status_code, **context)  # fmt: skip
    response.headers.update(NO_STORE)  # the address holds the link's token
    return response


@router.get("/set-password/{token}", dependencies=[public()])
async def set_password_page(request: Request, token: str, database: DatabaseDep) -> Response:
    try:
        async with transaction(database) as work:
            username = await use_cases.link_holder(work, token[:200])
    except LinkNotValid:
        return _set_password_view(request, token, username=None, status_code=404)
    return _set_password_view(request, token, username=username)


@router.post("/set-password/{token}", dependencies=[public()])
async def set_password_submit(
    request: Request,
    token: str,
    database: DatabaseDep,
    password: Annotated[str, Form(max_length=256)] = "",
    confirm: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    try:
        async with transaction(database) as work:
            username = await use_cases.link_holder(work, token[:200])
    except LinkNotValid:
        return _set_password_view(request, token, username=None, status_code=404)
    if password != confirm:
        return _set_password_view(request, token, username=username, status_code=422,
                                  error="The two passwords differ. Type the same one twice.")  # fmt: skip
    try:
        body = PasswordSet(token=token, password=password)
        async with transaction(database) as work:
            await use_cases.set_password(work, body, client_ip=client_ip(request))
    except LinkNotValid:
        return _set_password_view(request, token, username=None, status_code=404)
    except (ValidationError, HTTPException) as error:
        message = next(iter(refusal_errors(error).values()), "This password cannot be used.")
        return _set_password_view(request, token, username=username, status_code=422,
                                  error=message[:1].upper() + message[1:] + ".")  # fmt: skip
    return _set_password_view(request, token, username=username, done=True)

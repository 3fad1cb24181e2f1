"""/api/v1/users: the users of the caller's master, for its primary user only (G2); and
/api/v1/auth/set-password, where a one-time link's token sets a password (no login)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, status

from contracts.api.users import (
    PasswordLinkSent,
    PasswordSet,
    PasswordSetDone,
    PrimacyChange,
    SessionsEnded,
    UserAccess,
    UserAdded,
    UserCreate,
    UserList,
    UserOut,
    UserUpdate,
)
from gateway.api.responses import CONFLICT, NOT_FOUND, RECORD_CHANGE, SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.login import client_ip
from gateway.auth.rights import needs_primary, public
from gateway.deps import ClientsDep, DatabaseDep
from gateway.people import master_name
from gateway.store.users import User
from gateway.users import use_cases
from gateway.users.groups import known_group_ids
from gateway.users.mailer import MailerDep
from gateway.users.use_cases import Actor, transaction
from gateway.users.views import user_out

router = APIRouter(tags=["users"])
PRIMARY = [needs_primary()]  # every route but the set-password link's


def _actor(request: Request, user: User) -> Actor:
    return Actor(user, client_ip(request))


@router.get("/users", dependencies=PRIMARY)
async def list_users(request: Request, user: CurrentUser, database: DatabaseDep) -> UserList:
    """Every user of the master: active ones first."""
    async with transaction(database) as work:
        found = await use_cases.list_users(work, _actor(request, user))
    return UserList(items=[user_out(each) for each in found])


@router.post(
    "/users",
    dependencies=PRIMARY,
    status_code=status.HTTP_201_CREATED,
    responses={**CONFLICT, **SERVICE_CALL},
)
async def add_user(
    body: UserCreate,
    request: Request,
    user: CurrentUser,
    database: DatabaseDep,
    clients: ClientsDep,
    mailer: MailerDep,
) -> UserAdded:
    """Add a user (409: the username is taken, by this or another master). They get no
    password: an email with a one-time link to set one (valid 72 hours) goes out once the user
    is created; if it cannot be sent, ``warning`` says so and the link can be sent again."""
    groups = await known_group_ids(clients, user, body.scope)
    async with transaction(database) as work:
        link = await use_cases.add_user(work, _actor(request, user), body, known_group_ids=groups)
    warning = await mailer.send(link, master_name=await master_name(database, user))
    return UserAdded(user=user_out(link.user), email_sent=warning is None,
                     expires_at=link.expires_at, warning=warning)  # fmt: skip


@router.get("/users/{user_id}", dependencies=PRIMARY, responses=NOT_FOUND)
async def get_user(
    user_id: UUID, request: Request, user: CurrentUser, database: DatabaseDep
) -> UserOut:
    async with transaction(database) as work:
        return user_out(await use_cases.get_user(work, _actor(request, user), user_id))


@router.patch("/users/{user_id}", dependencies=PRIMARY, responses=NOT_FOUND)
async def change_details(
    user_id: UUID, body: UserUpdate, request: Request, user: CurrentUser, database: DatabaseDep
) -> UserOut:
    """Change the display name or the email address."""
    async with transaction(database) as work:
        changed = await use_cases.change_details(work, _actor(request, user), user_id, body)
    return user_out(changed)


@router.put(
    "/users/{user_id}/access", dependencies=PRIMARY, responses={**NOT_FOUND, **SERVICE_CALL}
)
async def change_access(
    user_id: UUID,
    body: UserAccess,
    request: Request,
    user: CurrentUser,
    database: DatabaseDep,
    clients: ClientsDep,
) -> UserOut:
    """Replace the user's access rights and client scope (effective on their next request)."""
    groups = await known_group_ids(clients, user, body.scope)
    async with transaction(database) as work:
        changed = await use_cases.change_access(
            work, _actor(request, user), user_id, body, known_group_ids=groups
        )
    return user_out(changed)


@router.post("/users/{user_id}/deactivate", dependencies=PRIMARY, responses=RECORD_CHANGE)
async def deactivate(
    user_id: UUID, request: Request, user: CurrentUser, database: DatabaseDep
) -> UserOut:
    """The user can no longer log in and their sessions end now (409: the last active primary
    user)."""
    async with transaction(database) as work:
        return user_out(await use_cases.deactivate(work, _actor(request, user), user_id))


@router.post("/users/{user_id}/reactivate", dependencies=PRIMARY, responses=NOT_FOUND)
async def reactivate(
    user_id: UUID, request: Request, user: CurrentUser, database: DatabaseDep
) -> UserOut:
    async with transaction(database) as work:
        return user_out(await use_cases.reactivate(work, _actor(request, user), user_id))


@router.post("/users/{user_id}/two-factor/reset", dependencies=PRIMARY, responses=NOT_FOUND)
async def reset_two_factor(
    user_id: UUID, request: Request, user: CurrentUser, database: DatabaseDep
) -> UserOut:
    """Turn the user's two-factor authentication off and delete its secret and recovery codes:
    they set it up again."""
    async with transaction(database) as work:
        return user_out(await use_cases.reset_two_factor(work, _actor(request, user), user_id))


@router.post("/users/{user_id}/sessions/end", dependencies=PRIMARY, responses=NOT_FOUND)
async def end_sessions(
    user_id: UUID, request: Request, user: CurrentUser, database: DatabaseDep
) -> SessionsEnded:
    """Log the user out everywhere."""
    async with transaction(database) as work:
        ended = await use_cases.end_sessions(work, _actor(request, user), user_id)
    return SessionsEnded(ended=ended)


@router.post("/users/{user_id}/password-link", dependencies=PRIMARY, responses=RECORD_CHANGE)
async def send_password_link(
    user_id: UUID, request: Request, user: CurrentUser, database: DatabaseDep, mailer: MailerDep
) -> PasswordLinkSent:
    """Send a new set-password link (earlier ones stop working); 409 for a deactivated user."""
    async with transaction(database) as work:
        link = await use_cases.send_password_link_again(work, _actor(request, user), user_id)
    warning = await mailer.send(link, master_name=await master_name(database, user))
    return PasswordLinkSent(email_sent=warning is None, expires_at=link.expires_at,
                            warning=warning)  # fmt: skip


@router.put("/users/{user_id}/primacy", dependencies=PRIMARY, responses=RECORD_CHANGE)
async def change_primacy(
    user_id: UUID, body: PrimacyChange, request: Request, user: CurrentUser, database: DatabaseDep
) -> UserOut:
    """Make the user primary, or not: 409 when that would leave no active primary user."""
    async with transaction(database) as work:
        changed = await use_cases.change_primacy(
            work, _actor(request, user), user_id, is_primary=body.is_primary
        )
    return user_out(changed)


@router.post("/auth/set-password", tags=["auth"], responses=NOT_FOUND, dependencies=[public()])
async def set_password(
    body: PasswordSet, request: Request, database: DatabaseDep
) -> PasswordSetDone:
    """Set a password with the token of a one-time link (404: used, expired or unknown; 422: the
    password does not meet the policy, and the link still works). Every session of the user
    ends."""
    async with transaction(database) as work:
        username = await use_cases.set_password(work, body, client_ip=client_ip(request))
    return PasswordSetDone(username=username)

"""The users of a master as the API and the pages show them."""

from __future__ import annotations

from contracts.access import Right
from contracts.api.users import UserOut
from gateway.store.user_admin import ManagedUser


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def scope_summary(user: ManagedUser) -> str:
    """What client accounts the user sees, in a few words."""
    if user.is_primary or user.scope.all_clients:
        return "All client accounts"
    parts = [
        _counted(len(chosen), noun)
        for chosen, noun in (
            (user.scope.account_numbers, "account"),
            (user.scope.group_ids, "group"),
        )
        if chosen
    ]
    return " and ".join(parts) if parts else "No client accounts (prospects only)"


def ordered_rights(user: ManagedUser) -> list[Right]:
    """The rights granted, in the order the rights are listed everywhere."""
    return [right for right in Right if right in user.rights]


def user_out(user: ManagedUser) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        is_primary=user.is_primary,
        active=user.active,
        rights=ordered_rights(user),
        scope=user.scope,
        scope_summary=scope_summary(user),
        totp_enabled=user.totp_enabled,
        last_login_at=user.last_login_at,
        created_at=user.created_at,
        deactivated_at=user.deactivated_at,
        password_link_expires_at=user.password_link_expires_at,
    )

"""Operator commands on the gateway's database: create a master account and its users, and
help a user who lost a password, a phone or a laptop.

    python -m gateway.admin create-user --master F1000001 --master-name "Harbor Wealth" \
        --username alice --display-name "Alice Advisor" [--primary] [--password-env VAR]
    python -m gateway.admin set-password --username alice [--password-env VAR]
    python -m gateway.admin reset-two-factor --username alice
    python -m gateway.admin end-sessions --username alice

Without --password-env a password is asked for on the terminal (never on the command line).
Each of the last three also ends every session of the user: each device has to log in again.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.access import ClientScope, Right
from gateway.auth.passwords import check_password_policy, hash_password
from gateway.settings import GatewaySettings
from gateway.store import preferences, sessions, two_factor, users
from gateway.users.events import announce, announce_master
from services.runtime import migrations
from services.runtime.db import Database, UnitOfWork, ensure_database


async def create_user(
    database_url: str,
    *,
    master_account_id: str,
    master_name: str,
    username: str,
    display_name: str,
    password: str,
    is_primary: bool = True,
    time_zone: str | None = None,
    email: str | None = None,
    rights: frozenset[Right] = frozenset(),
    scope: ClientScope | None = None,
) -> bool:
    """Create the master (or update its name) and the user; False if the username exists.
    A user who is not primary holds ``rights`` over ``scope`` (none unless given: the primary
    user grants them in the portal). The user is announced to the services (``UserChanged``
    through the outbox, relayed by the running gateway), an existing one again as it is now."""
    await ensure_database(database_url)
    await migrations.upgrade("gateway", database_url)
    database: Database[UnitOfWork] = Database(database_url, pool_size=1)
    try:
        async with database.unit_of_work() as uow:
            await users.ensure_master(
                uow.session,
                master_account_id=master_account_id,
                name=master_name,
                time_zone=time_zone,
            )
            master = await users.master_by_id(uow.session, master_account_id)
            if master is not None:
                await announce_master(uow, master)
            existing = await users.by_username(uow.session, username)
            if existing is not None:
                await announce(uow, existing, email_reminders=preferences.email_reminders(
                    existing.preferences))  # fmt: skip
                await uow.commit()
                return False
            user_id = await users.add_user(
                uow.session,
                master_account_id=master_account_id,
                username=username,
                display_name=display_name,
                password_hash=hash_password(password),
                email=email,
                is_primary=is_primary,
                rights=rights,
                scope=scope,
            )
            added = await users.by_id(uow.session, user_id)
            assert added is not None
            await announce(uow, added, email_reminders=False)
            await uow.commit()
        return True
    finally:
        await database.dispose()


UserChange = Callable[[AsyncSession, UUID], Awaitable[object]]


class UnknownUser(LookupError):
    def __init__(self, username: str) -> None:
        super().__init__(f"no user {username!r}")


async def _change_user(database_url: str, username: str, change: UserChange | None) -> int:
    """Apply ``change`` to the user and end all the user's sessions; how many were ended."""
    database: Database[UnitOfWork] = Database(database_url, pool_size=1)
    try:
        async with database.unit_of_work() as uow:
            user = await users.by_username(uow.session, username)
            if user is None:
                raise UnknownUser(username)
            if change is not None:
                await change(uow.session, user.id)
            ended = await sessions.end_all(uow.session, user.id)
            await uow.commit()
        return ended
    finally:
        await database.dispose()


async def set_password(database_url: str, username: str, password: str) -> int:
    async def new_hash(session: AsyncSession, user_id: UUID) -> None:
        await users.update_user(session, user_id, password_hash=hash_password(password))

    return await _change_user(database_url, username, new_hash)


async def reset_two_factor(database_url: str, username: str) -> int:
    """Two-factor off and its secret forgotten: the user sets it up again after logging in."""
    return await _change_user(database_url, username, two_factor.switch_off)


async def end_sessions(database_url: str, username: str) -> int:
    return await _change_user(database_url, username, None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create a master account's user")
    create.add_argument("--master", required=True)
    create.add_argument("--master-name", required=True)
    create.add_argument(
        "--time-zone", help="the master's zone (UTC for a new master; kept if omitted)"
    )
    create.add_argument("--username", required=True)
    create.add_argument("--display-name")
    create.add_argument("--email")
    create.add_argument("--primary", action="store_true")
    create.add_argument("--password-env", help="read the password from this environment variable")
    for name, help_text in (
        ("set-password", "give a user a new password"),
        ("reset-two-factor", "turn a user's two-factor authentication off (a lost phone)"),
        ("end-sessions", "log a user out everywhere (a lost laptop)"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--username", required=True)
        if name == "set-password":
            command.add_argument("--password-env", help="read it from this environment variable")
    args = parser.parse_args(argv)
    settings = GatewaySettings()  # type: ignore[call-arg]
    if args.command != "create-user":
        return _help_a_user(args, settings.database_url)

    password = _password(args.password_env, args.username)
    created = asyncio.run(
        create_user(
            settings.database_url,
            master_account_id=args.master,
            master_name=args.master_name,
            username=args.username,
            display_name=args.display_name or args.username,
            password=password,
            is_primary=args.primary,
            time_zone=args.time_zone,
            email=args.email,
        )
    )
    print("created" if created else "exists", args.username)
    return 0


def _password(variable: str | None, username: str) -> str:
    """The password an operator gives; exits with the reasons when the policy refuses it."""
    password = os.environ[variable] if variable else getpass.getpass()
    refused = check_password_policy(password, username=username)
    if refused:
        sys.exit("the password is refused: " + "; ".join(refused))
    return password


def _help_a_user(args: argparse.Namespace, database_url: str) -> int:
    try:
        if args.command == "set-password":
            ended = asyncio.run(
                set_password(
                    database_url, args.username, _password(args.password_env, args.username)
                )
            )
        elif args.command == "reset-two-factor":
            ended = asyncio.run(reset_two_factor(database_url, args.username))
        else:
            ended = asyncio.run(end_sessions(database_url, args.username))
    except UnknownUser as unknown:
        print(unknown, file=sys.stderr)
        return 1
    print(f"{args.command}: done for {args.username}; {ended} session(s) ended")
    return 0


if __name__ == "__main__":
    sys.exit(main())

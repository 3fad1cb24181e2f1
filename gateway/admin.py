"""Operator commands on the gateway's database: create a master account and its users.

    python -m gateway.admin create-user --master F1000001 --master-name "Harbor Wealth" \
        --username alice --display-name "Alice Advisor" [--primary] [--password-env VAR]

Without --password-env the password is asked for on the terminal (never on the command line).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from gateway.auth.passwords import hash_password
from gateway.settings import GatewaySettings
from gateway.store import users
from services.runtime import migrations
from services.runtime.db import Database, ensure_database


async def create_user(
    database_url: str,
    *,
    master_account_id: str,
    master_name: str,
    username: str,
    display_name: str,
    password: str,
    is_primary: bool = True,
    time_zone: str = "UTC",
    email: str | None = None,
) -> bool:
    """Create the master (or update its name) and the user; False if the username exists."""
    await ensure_database(database_url)
    await migrations.upgrade("gateway", database_url)
    database = Database(database_url, pool_size=1)
    try:
        async with database.unit_of_work() as uow:
            await users.ensure_master(
                uow.session,
                master_account_id=master_account_id,
                name=master_name,
                time_zone=time_zone,
            )
            if await users.by_username(uow.session, username) is not None:
                await uow.commit()
                return False
            await users.add_user(
                uow.session,
                master_account_id=master_account_id,
                username=username,
                display_name=display_name,
                password_hash=hash_password(password),
                email=email,
                is_primary=is_primary,
            )
            await uow.commit()
        return True
    finally:
        await database.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create a master account's user")
    create.add_argument("--master", required=True)
    create.add_argument("--master-name", required=True)
    create.add_argument("--time-zone", default="UTC")
    create.add_argument("--username", required=True)
    create.add_argument("--display-name")
    create.add_argument("--email")
    create.add_argument("--primary", action="store_true")
    create.add_argument("--password-env", help="read the password from this environment variable")
    args = parser.parse_args(argv)

    password = os.environ[args.password_env] if args.password_env else getpass.getpass()
    settings = GatewaySettings()  # type: ignore[call-arg]
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


if __name__ == "__main__":
    sys.exit(main())

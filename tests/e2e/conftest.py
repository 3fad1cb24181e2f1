"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from deploy.stack import Stack
from gateway.admin import create_user
from tests.conftest import DEMO_PASSWORD


def new_user(stack: Stack) -> str:
    """A user of a new master, so its book and its two-factor setting are its own."""
    username = f"tfa-{uuid.uuid4().hex[:8]}"
    master = "E" + str(uuid.uuid4().int)[:7]
    asyncio.run(
        create_user(
            stack.database_url("gateway"), master_account_id=master, master_name="Twofold Advisors",
            username=username, display_name="Tess Factor", password=DEMO_PASSWORD,
        )
    )  # fmt: skip
    return username


@pytest.fixture
def newcomer(stack: Stack) -> Iterator[str]:
    yield new_user(stack)

"""The demo book the embedded stack starts with: master accounts and their primary users."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoMaster:
    master_account_id: str
    name: str
    username: str
    time_zone: str


DEMO_MASTERS: tuple[DemoMaster, ...] = (
    DemoMaster("F1000001", "Harbor Wealth Advisors", "demo", "America/New_York"),
    DemoMaster("F1000002", "Alpine Capital Partners", "alpine", "Europe/Zurich"),
    DemoMaster("I2000001", "Sakura Introducing Brokers", "sakura", "Asia/Tokyo"),
)


def demo_password() -> str:
    """The demo users' password: PORTAL_DEMO_PASSWORD, or the documented local default."""
    return os.environ.get("PORTAL_DEMO_PASSWORD", "advisor-demo-2026")


def demo_user() -> str:
    return os.environ.get("PORTAL_DEMO_USER", DEMO_MASTERS[0].username)


def username_of(master: DemoMaster) -> str:
    """The demo master's primary user (the first master's may be renamed by PORTAL_DEMO_USER)."""
    return demo_user() if master == DEMO_MASTERS[0] else master.username

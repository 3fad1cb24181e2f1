"""X3 reminders against an in-memory unit of work: a task coming due is one notice for its
assignee however often it is delivered; an email when the user (or the task) asks for one, sent
after the commit by the mailer and tried again when it fails; the user's own notices only."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from contracts.crm import TaskDue, TaskPriority
from services.messaging.domain.recipients import MasterUser
from services.messaging.service_layer.notices import (
    ReminderMailer,
    apply_tasks_due,
    my_notices,
    read_notice,
)
from services.runtime.caller import Caller
from services.runtime.clock import FrozenClock
from services.runtime.errors import NotFound
from services.runtime.mail import CapturingTransport, MailError
from tests.unit.messaging.fakes_directory import MASTER, FakeDirectoryUnitOfWork, delivered

DUE = datetime(2026, 1, 5, 9, tzinfo=UTC)


def due(
    assignee: str = "u-1", *, email: bool = False, at: datetime = DUE, task: Any = None
) -> TaskDue:
    return TaskDue(task_id=task or uuid4(), contact_id=None, assignee_user_id=assignee,
                   title="Call Ada", priority=TaskPriority.HIGH, due_at=at, email_reminder=email)  # fmt: skip


async def known_user(uow: Any, user_id: str = "u-1", *, reminders: bool, email: str | None = "a@x.test",
                     master: str = MASTER, active: bool = True) -> None:  # fmt: skip
    await uow.master_users.upsert(
        [MasterUser(user_id, master, "Alice", email, active, reminders, DUE)]
    )


class Database:
    """The mailer's ``transaction()`` over the fake unit of work."""

    def __init__(self, uow: Any) -> None:
        self.uow = uow

    @asynccontextmanager
    async def transaction(self) -> Any:
        yield self.uow
        await self.uow.commit()


class FailingOnce(CapturingTransport):
    def __init__(self, *, transient: bool) -> None:
        super().__init__()
        self.failures = 1
        self.transient = transient

    async def send(self, message: Any) -> None:
        if self.failures:
            self.failures -= 1
            raise MailError("try later", transient=self.transient)
        await super().send(message)


async def test_a_task_due_is_one_notice_however_often_it_is_delivered() -> None:
    uow: Any = FakeDirectoryUnitOfWork()
    event = due()
    await apply_tasks_due([delivered(event), delivered(event)], uow)
    await apply_tasks_due([delivered(event)], uow)
    rescheduled = due(task=event.task_id, at=DUE.replace(hour=15))
    await apply_tasks_due([delivered(rescheduled)], uow)
    notices = await my_notices(uow, Caller(MASTER, "u-1"))
    assert notices.unread == 2, "a new due time is a new reminder"
    assert [n.subject for n in notices.items] == ["Task due: Call Ada"] * 2
    assert all(n.email_to is None for n in uow.user_notices.rows.values()), "user unknown: no email"


@pytest.mark.parametrize(
    ("reminders", "asked", "emailed"),
    [(True, False, True), (False, True, True), (False, False, False)],
)
async def test_the_email_follows_the_users_choice_or_the_tasks_flag(
    reminders: bool, asked: bool, emailed: bool
) -> None:
    uow: Any = FakeDirectoryUnitOfWork()
    await known_user(uow, reminders=reminders)
    await apply_tasks_due([delivered(due(email=asked))], uow)
    transport = CapturingTransport()
    mailer = ReminderMailer(transport, sender="portal@x.test", poll_seconds=1)
    await mailer.send_due(Database(uow), FrozenClock(DUE))
    assert len(transport.messages) == int(emailed)
    await mailer.send_due(Database(uow), FrozenClock(DUE))
    assert len(transport.messages) == int(emailed), "an email sent is not sent again"
    if emailed:
        message = transport.messages[0]
        assert (message["To"], message["Subject"]) == ("a@x.test", "Task due: Call Ada")
        assert (await my_notices(uow, Caller(MASTER, "u-1"))).items[0].emailed


@pytest.mark.parametrize("user", [{"email": None}, {"active": False}, {"master": "F9999999"}])
async def test_no_email_without_an_address_an_active_user_or_the_same_master(
    user: dict[str, Any],
) -> None:
    uow: Any = FakeDirectoryUnitOfWork()
    await known_user(uow, reminders=True, **user)
    await apply_tasks_due([delivered(due())], uow)
    assert [n.email_to for n in uow.user_notices.rows.values()] == [None]


async def test_a_failed_email_is_tried_again_at_the_next_pass_and_a_refused_one_not() -> None:
    uow: Any = FakeDirectoryUnitOfWork()
    await known_user(uow, reminders=True)
    await apply_tasks_due([delivered(due())], uow)
    transient = FailingOnce(transient=True)
    mailer = ReminderMailer(transient, sender="portal@x.test", poll_seconds=1)
    assert await mailer.send_due(Database(uow), FrozenClock(DUE)) == 1
    assert len(transient.messages) == 0
    await mailer.send_due(Database(uow), FrozenClock(DUE))
    assert len(transient.messages) == 1

    other: Any = FakeDirectoryUnitOfWork()
    await known_user(other, reminders=True)
    await apply_tasks_due([delivered(due())], other)
    refused = FailingOnce(transient=False)
    mailer = ReminderMailer(refused, sender="portal@x.test", poll_seconds=1)
    await mailer.send_due(Database(other), FrozenClock(DUE))
    await mailer.send_due(Database(other), FrozenClock(DUE))
    assert len(refused.messages) == 0, "a permanent refusal is not tried again"


async def test_a_user_reads_only_their_own_notices() -> None:
    uow: Any = FakeDirectoryUnitOfWork()
    await apply_tasks_due([delivered(due("u-1")), delivered(due("u-2"))], uow)
    mine = await my_notices(uow, Caller(MASTER, "u-1"))
    theirs = await my_notices(uow, Caller(MASTER, "u-2"))
    read = await read_notice(uow, Caller(MASTER, "u-1"), mine.items[0].id, now=DUE)
    assert read.read_at == DUE
    assert (await my_notices(uow, Caller(MASTER, "u-1"))).unread == 0
    with pytest.raises(NotFound):
        await read_notice(uow, Caller(MASTER, "u-1"), theirs.items[0].id, now=DUE)
    with pytest.raises(NotFound):
        await read_notice(uow, Caller("F9999999", "u-2"), theirs.items[0].id, now=DUE)

"""User administration (G2): the use cases against an in-memory store, the email with the
set-password link, and the navigation by rights."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi import HTTPException

from contracts.access import ClientScope, Right
from contracts.api.users import PasswordSet, UserAccess, UserCreate, UserUpdate
from gateway.pages.navigation import AREAS, BY_SLUG
from gateway.pages.rendering import templates
from gateway.pages.users import RIGHTS, _rights_text
from gateway.store.audit import AuditAction
from gateway.store.user_admin import ManagedUser
from gateway.store.users import User
from gateway.users import use_cases
from gateway.users.mailer import PasswordLinkMailer
from gateway.users.use_cases import Actor, LinkNotValid, UsersWork, token_hash
from gateway.users.views import scope_summary, user_out
from services.runtime.mail import CapturingTransport, MailError

MASTER, OTHER_MASTER = "F1000001", "F2000002"
GOOD_PASSWORD = "violet-harbour-tractor-47"


@dataclasses.dataclass
class Link:
    user_id: UUID
    token_hash: str
    purpose: str
    expires_at: datetime
    used: bool = False


class FakeUserStore:
    def __init__(self) -> None:
        self.users: dict[UUID, ManagedUser] = {}
        self.hashes: dict[UUID, str] = {}
        self.links: list[Link] = []
        self.sessions: dict[UUID, int] = {}
        self.audited: list[dict[str, Any]] = []
        self.now = datetime.now(UTC)

    def seed(self, master: str, username: str, *, primary: bool = False, **values: Any) -> UUID:
        user_id = uuid4()
        self.users[user_id] = ManagedUser(
            id=user_id, master_account_id=master, username=username, display_name=username,
            email=f"{username}@example.com", is_primary=primary, active=True,
            rights=frozenset(), scope=ClientScope.nothing(), totp_enabled=False,
            last_login_at=None, created_at=self.now, deactivated_at=None,
            password_link_expires_at=None,
        )  # fmt: skip
        self.users[user_id] = dataclasses.replace(self.users[user_id], **values)
        return user_id

    async def list_users(self, master_account_id: str) -> list[ManagedUser]:
        return [u for u in self.users.values() if u.master_account_id == master_account_id]

    async def get(self, master_account_id: str, user_id: UUID) -> ManagedUser | None:
        found = self.users.get(user_id)
        if found is None or found.master_account_id != master_account_id:
            return None
        pending = [
            link.expires_at for link in self.links
            if link.user_id == user_id and not link.used and link.expires_at > self.now
        ]  # fmt: skip
        return dataclasses.replace(found, password_link_expires_at=max(pending, default=None))

    async def add(self, *, master_account_id: str, username: str, display_name: str, email: str,
                  password_hash: str, rights: frozenset[Right], scope: ClientScope) -> UUID | None:  # fmt: skip
        if any(user.username == username for user in self.users.values()):
            return None
        user_id = self.seed(master_account_id, username, display_name=display_name, email=email,
                            rights=rights, scope=scope)  # fmt: skip
        self.hashes[user_id] = password_hash
        return user_id

    async def change(self, user_id: UUID, **values: Any) -> None:
        self.users[user_id] = dataclasses.replace(self.users[user_id], **values)

    async def active_primaries(self, master_account_id: str) -> list[UUID]:
        return [u.id for u in await self.list_users(master_account_id) if u.is_primary and u.active]

    async def end_sessions(self, user_id: UUID) -> int:
        return self.sessions.pop(user_id, 0)

    async def reset_two_factor(self, user_id: UUID) -> None:
        await self.change(user_id, totp_enabled=False)

    async def add_password_link(
        self, user_id: UUID, *, token_hash: str, purpose: str, expires_at: datetime
    ) -> None:
        await self.expire_password_links(user_id)
        self.links.append(Link(user_id, token_hash, purpose, expires_at))

    async def expire_password_links(self, user_id: UUID) -> None:
        for link in self.links:
            if link.user_id == user_id and link.expires_at > self.now:
                link.expires_at = self.now

    async def link_holder(self, token_hash: str, *, use: bool) -> tuple[UUID, str, str] | None:
        for link in self.links:
            if link.token_hash == token_hash and not link.used and link.expires_at > self.now:
                user = self.users[link.user_id]
                if not user.active:
                    return None
                link.used = link.used or use
                return user.id, user.master_account_id, user.username
        return None

    async def set_password(self, user_id: UUID, password_hash: str) -> None:
        self.hashes[user_id] = password_hash

    async def audit(self, **entry: Any) -> None:
        self.audited.append(entry)


@pytest.fixture
def store() -> FakeUserStore:
    return FakeUserStore()


@pytest.fixture
def work(store: FakeUserStore) -> UsersWork:
    return UsersWork(store)


def actor_of(store: FakeUserStore, user_id: UUID) -> Actor:
    shown = store.users[user_id]
    user = User(id=user_id, master_account_id=shown.master_account_id, username=shown.username,
                display_name=shown.display_name, password_hash="x", is_primary=shown.is_primary)  # fmt: skip
    return Actor(user, "203.0.113.9")


@pytest.fixture
def primary(store: FakeUserStore) -> Actor:
    return actor_of(store, store.seed(MASTER, "pat-primary", primary=True))


def located(error: HTTPException) -> Any:
    """Where the first problem of a 422 is."""
    problems: Any = error.detail
    return problems[0]["loc"]


def new_user(**values: Any) -> UserCreate:
    return UserCreate.model_validate({"username": "Nina.New", "display_name": "Nina New",
                                      "email": "nina@example.com", **values})  # fmt: skip


async def test_a_user_is_added_without_a_password_and_with_a_one_time_link(
    store: FakeUserStore, work: UsersWork, primary: Actor
) -> None:
    group = uuid4()
    scope = ClientScope(all_clients=False, account_numbers=frozenset({"U1234"}),
                        group_ids=frozenset({group}))  # fmt: skip
    link = await use_cases.add_user(
        work, primary, new_user(rights=["crm"], scope=scope.model_dump(mode="json")),
        known_group_ids={group},
    )  # fmt: skip
    assert link.user.username == "nina.new" and link.user.rights == {Right.CRM}
    assert link.user.scope == scope and link.purpose == "invitation"
    assert timedelta(hours=71) < link.expires_at - store.now <= timedelta(hours=72, seconds=5)
    assert store.links[0].token_hash == token_hash(link.token) != link.token
    assert link.token not in repr(link)
    entry = store.audited[-1]
    assert entry["action"] is AuditAction.USER_ADDED and entry["actor_user_id"] == primary.user.id
    assert entry["details"]["rights"] == ["crm"] and link.token not in str(store.audited)
    assert user_out(link.user).scope_summary == "1 account and 1 group"


async def test_a_taken_username_an_unknown_group_and_another_masters_user_are_refused(
    store: FakeUserStore, work: UsersWork, primary: Actor
) -> None:
    store.seed(OTHER_MASTER, "nina.new")
    with pytest.raises(HTTPException) as taken:
        await use_cases.add_user(work, primary, new_user())
    assert taken.value.status_code == 409
    scope = {"all_clients": False, "group_ids": [str(uuid4())]}
    with pytest.raises(HTTPException) as unknown:
        await use_cases.add_user(work, primary, new_user(username="x1", scope=scope),
                                 known_group_ids=set())  # fmt: skip
    assert unknown.value.status_code == 422
    assert located(unknown.value) == ["body", "scope", "group_ids"]
    foreign = store.seed(OTHER_MASTER, "foreigner")
    for change in (use_cases.get_user, use_cases.deactivate, use_cases.reset_two_factor):
        with pytest.raises(HTTPException) as missing:
            await change(work, primary, foreign)
        assert missing.value.status_code == 404


async def test_rights_and_scope_changes_are_audited_with_old_and_new(
    store: FakeUserStore, work: UsersWork, primary: Actor
) -> None:
    user_id = store.seed(MASTER, "ann", rights=frozenset({Right.CRM}))
    access = UserAccess(rights=frozenset({Right.CRM, Right.TOOLS}), scope=ClientScope())
    changed = await use_cases.change_access(work, primary, user_id, access)
    assert changed.rights == {Right.CRM, Right.TOOLS} and changed.scope.all_clients
    details = store.audited[-1]["details"]
    assert store.audited[-1]["action"] is AuditAction.RIGHTS_CHANGED
    assert details["old_rights"] == ["crm"] and details["new_rights"] == ["crm", "tools"]
    assert details["old_scope"]["all_clients"] is False and details["new_scope"]["all_clients"]
    count = len(store.audited)
    await use_cases.change_access(work, primary, user_id, access)  # no change: nothing audited
    await use_cases.change_details(work, primary, user_id, UserUpdate(display_name="ann"))
    assert len(store.audited) == count
    await use_cases.change_details(work, primary, user_id, UserUpdate(email="ann@new.example"))
    assert store.audited[-1]["details"]["new"] == {"email": "ann@new.example"}


async def test_the_only_primary_user_cannot_leave_the_master_without_one(
    store: FakeUserStore, work: UsersWork, primary: Actor
) -> None:
    with pytest.raises(HTTPException) as refused:
        await use_cases.deactivate(work, primary, primary.user.id)
    assert refused.value.status_code == 409 and "yourself" in refused.value.detail
    with pytest.raises(HTTPException) as refused:
        await use_cases.change_primacy(work, primary, primary.user.id, is_primary=False)
    assert refused.value.status_code == 409 and "yourself" in refused.value.detail
    colleague = store.seed(MASTER, "colleague")
    await use_cases.change_primacy(work, primary, colleague, is_primary=True)
    assert store.audited[-1]["action"] is AuditAction.PRIMACY_CHANGED
    now_primary = actor_of(store, colleague)
    await use_cases.change_primacy(work, now_primary, primary.user.id, is_primary=False)
    with pytest.raises(HTTPException):  # the colleague is now the only one
        await use_cases.deactivate(work, now_primary, colleague)
    store.sessions[primary.user.id] = 2
    gone = await use_cases.deactivate(work, now_primary, primary.user.id)
    assert not gone.active and store.audited[-1]["details"]["sessions_ended"] == 2
    with pytest.raises(HTTPException) as inactive:
        await use_cases.change_primacy(work, now_primary, primary.user.id, is_primary=True)
    assert inactive.value.status_code == 409
    back = await use_cases.reactivate(work, now_primary, primary.user.id)
    assert back.active and store.audited[-1]["action"] is AuditAction.USER_REACTIVATED


async def test_a_link_sets_a_password_once_that_meets_the_policy(
    store: FakeUserStore, work: UsersWork, primary: Actor
) -> None:
    link = await use_cases.add_user(work, primary, new_user())
    assert await use_cases.link_holder(work, link.token) == "nina.new"
    with pytest.raises(HTTPException) as weak:
        await use_cases.set_password(work, PasswordSet(token=link.token, password="password1234"),
                                     client_ip=None)  # fmt: skip
    assert weak.value.status_code == 422 and located(weak.value) == ["body", "password"]
    assert await use_cases.link_holder(work, link.token) == "nina.new"  # still works
    store.sessions[link.user.id] = 1
    done = await use_cases.set_password(
        work, PasswordSet(token=link.token, password=GOOD_PASSWORD), client_ip="198.51.100.7"
    )
    assert done == "nina.new" and store.hashes[link.user.id].startswith("$argon2")
    assert store.audited[-1]["action"] is AuditAction.PASSWORD_SET
    assert store.audited[-1]["details"]["sessions_ended"] == 1
    assert GOOD_PASSWORD not in str(store.audited)
    with pytest.raises(LinkNotValid):
        await use_cases.set_password(work, PasswordSet(token=link.token, password=GOOD_PASSWORD),
                                     client_ip=None)  # fmt: skip


async def test_a_link_expires_and_a_new_one_replaces_it(
    store: FakeUserStore, work: UsersWork, primary: Actor
) -> None:
    first = await use_cases.add_user(work, primary, new_user())
    again = await use_cases.send_password_link_again(work, primary, first.user.id)
    assert again.purpose == "invitation" and again.token != first.token
    with pytest.raises(LinkNotValid):
        await use_cases.link_holder(work, first.token)  # replaced
    store.now += timedelta(hours=73)
    with pytest.raises(LinkNotValid):
        await use_cases.link_holder(work, again.token)  # expired
    await use_cases.deactivate(work, primary, first.user.id)
    with pytest.raises(HTTPException) as inactive:
        await use_cases.send_password_link_again(work, primary, first.user.id)
    assert inactive.value.status_code == 409


async def test_two_factor_reset_and_sessions_ended_are_audited(
    store: FakeUserStore, work: UsersWork, primary: Actor
) -> None:
    user_id = store.seed(MASTER, "tfa", totp_enabled=True)
    store.sessions[user_id] = 3
    assert not (await use_cases.reset_two_factor(work, primary, user_id)).totp_enabled
    assert store.audited[-1]["action"] is AuditAction.TWO_FACTOR_RESET
    assert await use_cases.end_sessions(work, primary, user_id) == 3
    assert store.audited[-1]["action"] is AuditAction.SESSION_ENDED


def test_the_scope_summary() -> None:
    store = FakeUserStore()
    user = store.users[store.seed(MASTER, "s")]
    assert scope_summary(user) == "No client accounts (prospects only)"
    many = ClientScope(all_clients=False, account_numbers=frozenset({"U1", "U2"}))
    assert scope_summary(dataclasses.replace(user, scope=many)) == "2 accounts"
    assert scope_summary(dataclasses.replace(user, is_primary=True)) == "All client accounts"


async def test_the_email_holds_the_link_and_a_failure_is_a_warning(
    store: FakeUserStore, work: UsersWork, primary: Actor
) -> None:
    link = await use_cases.add_user(work, primary, new_user())
    transport = CapturingTransport()
    mailer = PasswordLinkMailer(transport, sender="Portal <no-reply@harbor.example>",
                                portal_base_url="http://portal.example/")  # fmt: skip
    assert await mailer.send(link, master_name="Harbor Wealth") is None
    message = transport.messages[0]
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"http://portal.example/set-password/{link.token}" in body and "nina.new" in body
    assert message["To"] == "Nina New <nina@example.com>" and "Harbor Wealth" in message["Subject"]
    assert link.token not in message["Message-ID"]

    class Refusing:
        async def send(self, message: object) -> None:
            raise MailError("server replied 550", transient=False)

    failing = PasswordLinkMailer(Refusing(), sender="p@x.example", portal_base_url="http://p")
    warning = await failing.send(link, master_name="Harbor Wealth")
    assert warning is not None and "550" in warning and link.token not in warning


def test_the_navigation_shows_the_areas_a_user_holds_rights_for() -> None:
    crm_only = User(id=uuid4(), master_account_id=MASTER, username="c", display_name="C",
                    password_hash="x", rights=frozenset({Right.CRM}))  # fmt: skip
    primary = dataclasses.replace(crm_only, is_primary=True)
    assert BY_SLUG["contacts"].open_to(crm_only) and BY_SLUG["settings"].open_to(crm_only)
    assert not BY_SLUG["fees"].open_to(crm_only) and not BY_SLUG["messages"].open_to(crm_only)
    assert all(area.open_to(primary) for area in BY_SLUG.values())
    authorizer = dataclasses.replace(crm_only, rights=frozenset({Right.FUNDING_AUTHORIZER}))
    assert BY_SLUG["transactions"].open_to(authorizer) and not BY_SLUG["contacts"].open_to(
        authorizer
    )
    assert not BY_SLUG["dashboard"].open_to(None)


def test_the_pages_render_a_user_and_the_forms() -> None:
    store = FakeUserStore()
    shown = store.users[store.seed(MASTER, "shown", rights=frozenset({Right.CRM, Right.TOOLS}))]
    viewer = User(id=uuid4(), master_account_id=MASTER, username="p", display_name="P",
                  password_hash="x", is_primary=True)  # fmt: skip
    shell = {"user": viewer, "areas": AREAS, "active": "settings", "csrf_token": "t"}
    listed = templates.env.get_template("users.html").render(
        **shell, users=[shown], summary=scope_summary, rights_text=_rights_text, notice=None
    )
    assert "CRM, Tools" in listed and "Fee administration" in listed  # a primary sees every area
    for subject in (None, shown):
        page = templates.env.get_template("user_form.html").render(
            **shell, shown=subject, form={"rights": ["crm"], "scope": "chosen"},
            errors={"": "the username 'x' is taken"}, rights=RIGHTS, ticked={"crm"},
            chosen_groups=set(), groups=None, summary=scope_summary, notice=None,
        )  # fmt: skip
        assert 'value="crm" checked' in page and "is taken" in page
    public = templates.env.get_template("set_password.html").render(
        user=None, token="abc", username="nina", areas=AREAS
    )
    assert 'action="/set-password/abc"' in public and "nina" in public
    crm_only = dataclasses.replace(viewer, is_primary=False, rights=frozenset({Right.CRM}))
    shell_of_crm_user = templates.env.get_template("area.html").render(
        user=crm_only, areas=AREAS, area=BY_SLUG["contacts"], active=""
    )
    assert ">Contacts<" in shell_of_crm_user and "Fee administration" not in shell_of_crm_user

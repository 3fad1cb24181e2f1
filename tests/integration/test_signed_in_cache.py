"""Each gateway process keeps its signed-in users between requests and forgets them the moment
they change. Two gateways on one database: a logout, sessions ended by the primary user, a
deactivation, a password set with the operator's tool (outside any gateway) and new rights are
in effect on the very next request: at once in the gateway that made the change, and in the
other one as soon as it has caught up with the commit (PostgreSQL's notice of it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from contracts.access import ClientScope, Right
from deploy.infrastructure import database_url_for
from gateway import admin
from gateway.app import create_app
from gateway.auth.session_cache import APPLICATION_NAME, SignedInCache, UserChanges
from gateway.settings import GatewaySettings
from services.runtime.settings import async_database_url
from tests.conftest import DEMO_PASSWORD
from tests.integration.conftest import eventually

MASTER = ("K1000001", "Keepsake Advisors")
SIGNING_KEY = "s" * 40  # one key for both gateways, as a deployment shares it
NEW_PASSWORD = "a-new-and-long-password-9"


@dataclass
class Gateway:
    app: FastAPI
    http: httpx.AsyncClient

    @property
    def cache(self) -> SignedInCache:
        cache: SignedInCache = self.app.state.signed_in_cache
        return cache

    async def caught_up(self) -> None:
        changes: UserChanges = self.app.state.user_changes
        await changes.caught_up()

    async def login(self, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        answer = await self.http.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    async def status(self, path: str, token: dict[str, str]) -> int:
        return (await self.http.get(path, headers=token)).status_code


@asynccontextmanager
async def a_gateway(database_url: str, kafka: str) -> AsyncIterator[Gateway]:
    settings = GatewaySettings(
        database_url=database_url, kafka_bootstrap_servers=kafka, portal_secret_key=SIGNING_KEY,
        login_address_failures_allowed=1000,
    )  # fmt: skip
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as http:
            gateway = Gateway(app, http)

            async def receiving() -> bool:
                return gateway.cache.receiving

            await eventually(receiving)
            yield gateway


@dataclass
class Book:
    url: str
    a: Gateway
    b: Gateway
    uma: str
    """the id of a user who is not primary and holds CRM"""


@pytest.fixture
async def book(postgres_server: str, kafka_bootstrap: str) -> AsyncIterator[Book]:
    url = database_url_for(postgres_server, f"it_signed_in_{uuid.uuid4().hex[:8]}")
    for username, primary in (("pia", True), ("uma", False)):
        await admin.create_user(
            url, master_account_id=MASTER[0], master_name=MASTER[1], username=username,
            display_name=username.title(), password=DEMO_PASSWORD, is_primary=primary,
            rights=frozenset({Right.CRM}), scope=ClientScope.everything(),
        )  # fmt: skip
    async with a_gateway(url, kafka_bootstrap) as a, a_gateway(url, kafka_bootstrap) as b:
        pia = await a.login("pia")
        found = await a.http.get("/api/v1/users", headers=pia)
        uma = next(user["id"] for user in found.json()["items"] if user["username"] == "uma")
        yield Book(url, a, b, uma)


ME = "/api/v1/auth/me"
FEED = "/api/v1/calendar-feed"  # needs CRM, answered by the gateway alone


async def signed_in_on_both(book: Book, username: str) -> dict[str, str]:
    token = await book.a.login(username)
    assert await book.a.status(ME, token) == 200 and await book.b.status(ME, token) == 200
    bearer = token["Authorization"][7:]
    assert book.a.cache.get(bearer) and book.b.cache.get(bearer), "kept by both"
    return token


async def test_a_logout_and_ended_sessions_refuse_the_token_at_once(book: Book) -> None:
    laptop = await signed_in_on_both(book, "uma")
    phone = await signed_in_on_both(book, "uma")
    answer = await book.a.http.post("/api/v1/auth/logout", headers=laptop)
    assert answer.status_code == 204
    assert await book.a.status(ME, laptop) == 401, "in the gateway that logged out: at once"
    await book.b.caught_up()
    assert await book.b.status(ME, laptop) == 401, "in the other one: once it has the notice"
    assert await book.a.status(ME, phone) == 200 and await book.b.status(ME, phone) == 200

    pia = await book.b.login("pia")
    ended = await book.b.http.post(f"/api/v1/users/{book.uma}/sessions/end", headers=pia)
    assert ended.status_code == 200, ended.text
    assert await book.b.status(ME, phone) == 401
    await book.a.caught_up()
    assert await book.a.status(ME, phone) == 401


async def test_new_rights_apply_to_the_next_request(book: Book) -> None:
    uma = await signed_in_on_both(book, "uma")
    assert await book.a.status(FEED, uma) == 200 and await book.b.status(FEED, uma) == 200
    pia = await book.a.login("pia")

    async def grant(gateway: Gateway, rights: list[Right]) -> None:
        body = {"rights": rights, "scope": {"all_clients": True}}
        answer = await gateway.http.put(f"/api/v1/users/{book.uma}/access", json=body, headers=pia)
        assert answer.status_code == 200, answer.text

    await grant(book.a, [Right.TOOLS])
    assert await book.a.status(FEED, uma) == 403
    await book.b.caught_up()
    assert await book.b.status(FEED, uma) == 403
    await grant(book.b, [Right.TOOLS, Right.CRM])
    assert await book.b.status(FEED, uma) == 200
    await book.a.caught_up()
    assert await book.a.status(FEED, uma) == 200


async def test_a_deactivation_and_a_password_set_outside_the_gateways_end_the_sessions(
    book: Book,
) -> None:
    uma = await signed_in_on_both(book, "uma")
    pia = await book.b.login("pia")
    off = await book.b.http.post(f"/api/v1/users/{book.uma}/deactivate", headers=pia)
    assert off.status_code == 200, off.text
    assert await book.b.status(ME, uma) == 401
    await book.a.caught_up()
    assert await book.a.status(ME, uma) == 401
    on = await book.b.http.post(f"/api/v1/users/{book.uma}/reactivate", headers=pia)
    assert on.status_code == 200, on.text

    uma = await signed_in_on_both(book, "uma")
    assert await admin.set_password(book.url, "uma", NEW_PASSWORD) == 1  # the operator's tool
    await book.a.caught_up()
    await book.b.caught_up()
    assert await book.a.status(ME, uma) == 401 and await book.b.status(ME, uma) == 401
    assert await book.a.status(ME, await book.a.login("uma", NEW_PASSWORD)) == 200


async def test_nothing_is_kept_while_the_notices_cannot_arrive(book: Book) -> None:
    uma = await signed_in_on_both(book, "uma")
    bearer = uma["Authorization"][7:]
    engine = create_async_engine(async_database_url(book.url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            ended = await connection.scalar(
                text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     "WHERE application_name = :name AND datname = current_database()"),
                {"name": APPLICATION_NAME},
            )  # fmt: skip
    finally:
        await engine.dispose()
    assert ended == 2, "each gateway listens on a connection of its own"

    async def forgotten() -> bool:
        return book.a.cache.get(bearer) is None and book.b.cache.get(bearer) is None

    await eventually(forgotten)
    assert await book.a.status(ME, uma) == 200, "asked the database instead"

    async def listening_again() -> bool:
        return book.a.cache.receiving and book.b.cache.receiving

    await eventually(listening_again)
    await book.a.http.post("/api/v1/auth/logout", headers=uma)
    await book.b.caught_up()
    assert await book.b.status(ME, uma) == 401

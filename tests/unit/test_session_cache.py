"""The gateway's cache of signed-in users: what it answers, and everything that makes it forget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from gateway.auth.session_cache import SignedInCache
from gateway.store.sessions import SignedIn
from gateway.store.users import User


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def a_user(user_id: UUID | None = None) -> User:
    return User(id=user_id or uuid4(), master_account_id="F1000001", username="ada",
                display_name="Ada", password_hash="x")  # fmt: skip


def a_session(minutes: float = 30) -> SignedIn:
    return SignedIn(uuid4(), False, datetime.now(UTC) + timedelta(minutes=minutes))


def receiving(cache: SignedInCache | None = None) -> SignedInCache:
    cache = cache or SignedInCache()
    cache.start_receiving()
    return cache


def kept(cache: SignedInCache, token: str, user: User, session: SignedIn) -> None:
    cache.keep(cache.generation, token, user, session, token_expires_at=session.expires_at)  # type: ignore[arg-type]


def test_a_kept_token_is_answered_until_its_user_changes() -> None:
    cache = receiving()
    ada, bob = a_user(), a_user()
    kept(cache, "ada-laptop", ada, ada_laptop := a_session())
    kept(cache, "ada-phone", ada, a_session())
    kept(cache, "bob", bob, bob_session := a_session())
    assert cache.get("ada-laptop") == (ada, ada_laptop)
    cache.noticed(str(ada.id))
    assert cache.get("ada-laptop") is None and cache.get("ada-phone") is None
    assert cache.get("bob") == (bob, bob_session), "another user's entries stay"


def test_nothing_is_kept_unless_notices_are_received() -> None:
    cache = SignedInCache()
    kept(cache, "token", a_user(), a_session())
    assert cache.get("token") is None, "before listening"
    receiving(cache)
    kept(cache, "token", a_user(), a_session())
    cache.stop_receiving()
    assert cache.get("token") is None, "lost the connection: forgotten"
    kept(cache, "token", a_user(), a_session())
    assert cache.get("token") is None, "and not kept meanwhile"


def test_a_lookup_that_started_before_a_notice_is_not_kept() -> None:
    cache = receiving()
    ada = a_user()
    before = cache.generation
    cache.noticed(str(uuid4()))  # any change committed while the lookup was under way
    cache.keep(before, "token", ada, session := a_session(), token_expires_at=session.expires_at)  # type: ignore[arg-type]
    assert cache.get("token") is None


def test_an_expired_session_or_token_and_an_old_entry_are_read_again() -> None:
    ticks = Ticks()
    cache = receiving(SignedInCache(max_age_seconds=60, monotonic=ticks))
    ada = a_user()
    kept(cache, "ended", ada, a_session(minutes=-1))
    session = a_session()
    cache.keep(cache.generation, "token ended", ada, session,
               token_expires_at=datetime.now(UTC) - timedelta(seconds=1))  # fmt: skip
    kept(cache, "old", ada, a_session())
    assert cache.get("ended") is None and cache.get("token ended") is None
    assert cache.get("old") is not None
    ticks.now += 60
    assert cache.get("old") is None


def test_a_notice_naming_nobody_forgets_everyone() -> None:
    cache = receiving()
    kept(cache, "a", a_user(), a_session())
    kept(cache, "b", a_user(), a_session())
    cache.noticed("*")
    assert cache.get("a") is None and cache.get("b") is None


def test_the_oldest_entry_makes_room() -> None:
    cache = receiving(SignedInCache(max_entries=2))
    for token in ("first", "second", "third"):
        kept(cache, token, a_user(), a_session())
    assert cache.get("first") is None
    assert cache.get("second") is not None and cache.get("third") is not None

"""The back-office simulator: valid, realistic, ordered and deterministic event streams."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from contracts import topics
from contracts.accounts import (
    AccountClosed,
    AccountOpened,
    AccountReopened,
    AccountType,
    ApplicationStage,
    ApplicationStatusChanged,
    BrokerMessageIssued,
    CorporateActionAnnounced,
    CorporateActionKind,
    Deposit,
    NetAssetValueReported,
)
from contracts.tools import InvestorProfileReported
from deploy.simulator import STAGE_ORDER, BackOffice, SimulatedEvent, send_all

MASTERS = ("F1000001", "F1000002", "I2000001")
START = date(2026, 3, 16)
ACCOUNT_NUMBER = re.compile(r"^[A-Z]{1,2}\d{5,9}$")


@pytest.fixture(scope="module")
def office() -> BackOffice:
    return BackOffice(MASTERS, 60, seed=11, start=START)


@pytest.fixture(scope="module")
def book(office: BackOffice) -> list[SimulatedEvent]:
    return office.opening_book()


@pytest.fixture(scope="module")
def days(office: BackOffice, book: list[SimulatedEvent]) -> list[list[SimulatedEvent]]:
    return [office.next_day() for _ in range(15)]


@pytest.fixture(scope="module")
def stream(book: list[SimulatedEvent], days: list[list[SimulatedEvent]]) -> list[SimulatedEvent]:
    return [*book, *(event for day in days for event in day)]


def payloads(events: list[SimulatedEvent], kind: type[Any]) -> list[Any]:
    return [e.envelope.payload for e in events if isinstance(e.envelope.payload, kind)]


def stage_of(payload: Any) -> ApplicationStage | None:
    if isinstance(payload, ApplicationStatusChanged):
        return payload.stage
    if isinstance(payload, AccountOpened | AccountReopened):
        return ApplicationStage.OPEN
    if isinstance(payload, AccountClosed):
        return ApplicationStage.CLOSED
    return None


def final_stages(events: list[SimulatedEvent]) -> dict[str, ApplicationStage]:
    stages: dict[str, ApplicationStage] = {}
    for event in events:
        stage = stage_of(event.envelope.payload)
        if stage is not None:
            stages[event.envelope.payload.account_number] = stage
    return stages


def test_every_message_round_trips_through_its_topic_envelope(
    stream: list[SimulatedEvent],
) -> None:
    account_topics = {topics.ACCOUNT_LIFECYCLE, topics.ACCOUNT_TRANSACTIONS}
    account_topics |= {topics.ACCOUNT_VALUATIONS, topics.SECURITY_DEVICES}
    account_topics |= {topics.ACCOUNT_PROFILES}  # holders, usernames, devices (linkage)
    account_topics |= {topics.INVESTOR_PROFILES}  # what the application collected (tools)
    account_topics |= {topics.ACCOUNT_MARGIN}  # margin accounts' requirements (A11)
    for event in stream:
        parsed = event.topic.envelope.model_validate_json(event.value)
        assert parsed.event_id == event.envelope.event_id
        assert parsed.type == event.envelope.type == parsed.payload.type
        assert parsed.payload == event.envelope.payload
        assert parsed.occurred_at == event.envelope.occurred_at
        if event.topic in account_topics:
            assert event.key == parsed.payload.account_number.encode()
    assert {e.topic for e in stream} == account_topics | {
        topics.CORPORATE_ACTIONS,
        topics.BROKER_MESSAGES,
        topics.BENCHMARKS,  # one level per master and business day (A10)
    }


def test_kafka_record_fields(book: list[SimulatedEvent]) -> None:
    event = book[0]
    assert event.headers == [
        ("event-type", event.envelope.type.encode()),
        ("content-type", b"application/json"),
    ]
    assert event.value == event.envelope.model_dump_json().encode()


def test_event_ids_and_transaction_ids_are_unique(stream: list[SimulatedEvent]) -> None:
    assert len({e.envelope.event_id for e in stream}) == len(stream)
    ids = [
        getattr(e.envelope.payload, name)
        for e in stream
        for name in ("transaction_id", "trade_id", "action_id", "message_id", "request_id")
        if hasattr(e.envelope.payload, name)
    ]
    assert len(ids) > 100
    assert len(set(ids)) == len(ids)


def test_account_numbers_are_unique_and_well_formed(stream: list[SimulatedEvent]) -> None:
    invited = [
        p.account_number
        for p in payloads(stream, ApplicationStatusChanged)
        if p.stage is ApplicationStage.INVITED
    ]
    assert len(invited) > len(MASTERS) * 60  # the book plus newcomers
    assert len(set(invited)) == len(invited)
    assert all(ACCOUNT_NUMBER.match(number) for number in invited)


def test_occurred_at_increases_per_account(stream: list[SimulatedEvent]) -> None:
    last: dict[bytes, Any] = {}
    for event in stream:
        if event.topic in (topics.CORPORATE_ACTIONS, topics.BROKER_MESSAGES, topics.BENCHMARKS):
            continue
        assert event.key is not None
        if event.key in last:
            assert event.envelope.occurred_at > last[event.key]
        last[event.key] = event.envelope.occurred_at


def test_stages_never_go_backwards_except_close_and_reopen(
    stream: list[SimulatedEvent],
) -> None:
    current: dict[str, ApplicationStage] = {}
    reopened = 0
    for event in stream:
        stage = stage_of(event.envelope.payload)
        if stage is None:
            continue
        number = event.envelope.payload.account_number
        before = current.get(number)
        if before is None:
            assert stage is ApplicationStage.INVITED
        elif before is ApplicationStage.CLOSED and stage is ApplicationStage.OPEN:
            reopened += 1
        else:
            assert STAGE_ORDER.index(stage) >= STAGE_ORDER.index(before), number
        current[number] = stage
    assert reopened > 0


def test_every_application_walks_the_stages_in_order(stream: list[SimulatedEvent]) -> None:
    walked: dict[str, list[ApplicationStage]] = {}
    for status in payloads(stream, ApplicationStatusChanged):
        stages = walked.setdefault(status.account_number, [])
        if not stages or stages[-1] is not status.stage:
            stages.append(status.stage)
    for stages in walked.values():
        opened = ApplicationStage.OPEN in stages
        head = stages[: stages.index(ApplicationStage.OPEN) + 1] if opened else stages
        assert head == list(STAGE_ORDER[: len(head)])


def test_a_realistic_share_of_the_book_is_in_each_stage(book: list[SimulatedEvent]) -> None:
    for master in MASTERS:
        mine = [e for e in book if e.envelope.master_account_id == master]
        counts = Counter(final_stages(mine).values())
        assert set(counts) == set(ApplicationStage), master
        assert sum(counts.values()) == 60
        assert 0.35 <= counts[ApplicationStage.OPEN] / 60 <= 0.7
        assert counts[ApplicationStage.CLOSED] < counts[ApplicationStage.OPEN] / 4


def test_pending_applications_carry_tasks(stream: list[SimulatedEvent]) -> None:
    for status in payloads(stream, ApplicationStatusChanged):
        if status.stage is ApplicationStage.PENDING:
            assert 1 <= len(status.pending_tasks) <= 5
        else:
            assert status.pending_tasks == []


def test_opened_accounts_are_funded_and_valued(
    book: list[SimulatedEvent], days: list[list[SimulatedEvent]]
) -> None:
    funded = {d.account_number for d in payloads(book, Deposit) if d.status == "completed"}
    open_now = {n for n, s in final_stages(book).items() if s is ApplicationStage.OPEN}
    reports = payloads(days[0], NetAssetValueReported)
    assert len(open_now & funded) > 50
    assert open_now & funded <= {r.account_number for r in reports}
    assert {r.as_of for r in reports} == {START}
    assert all(r.net_asset_value >= 0 for r in reports)
    assert sum(r.net_asset_value > 0 for r in reports) > 50


def test_each_opened_account_reports_one_investor_profile(
    stream: list[SimulatedEvent],
) -> None:
    opened = {e.account_number: e for e in payloads(stream, AccountOpened)}
    profiles = payloads(stream, InvestorProfileReported)
    assert sorted(p.account_number for p in profiles) == sorted(opened)
    for report in profiles:
        opening = opened[report.account_number]
        assert report.as_of >= opening.opened_on
        if opening.account_type in (AccountType.TRADITIONAL_IRA, AccountType.ROTH_IRA):
            assert (report.profile.application_type, report.profile.margin_type) == ("ira", "cash")
        married = report.profile.marital_status == "married"
        assert married or not report.profile.spouse_sole_beneficiary
    married = [p.profile for p in profiles if p.profile.spouse_date_of_birth]
    assert len(married) > 20 and len({p.profile.risk_tolerance for p in profiles}) == 3


def test_amounts_have_two_decimal_places(stream: list[SimulatedEvent]) -> None:
    cent = Decimal("0.01")
    for event in stream:
        for name in ("amount", "market_value", "net_asset_value"):
            value = getattr(event.envelope.payload, name, None)
            if value is not None:
                assert value == value.quantize(cent) and value.as_tuple().exponent == -2


def test_book_spans_the_month_before_start(
    book: list[SimulatedEvent], days: list[list[SimulatedEvent]]
) -> None:
    times = [e.envelope.occurred_at for e in book]
    assert times == sorted(times)
    assert min(times).date() >= START - timedelta(days=30)
    assert max(times).date() <= START
    assert days[0][0].envelope.occurred_at.date() == START  # a Monday
    assert all(day[0].envelope.occurred_at.weekday() < 5 for day in days)


def test_corporate_actions_and_broker_messages(book: list[SimulatedEvent]) -> None:
    actions = payloads(book, CorporateActionAnnounced)
    assert {a.kind for a in actions} == set(CorporateActionKind)
    for action in actions:
        assert action.affected_accounts
        if action.kind is CorporateActionKind.VOLUNTARY:
            assert action.election_deadline is not None
            assert START <= action.election_deadline < action.ex_date
        else:
            assert action.election_deadline is None
    messages = payloads(book, BrokerMessageIssued)
    assert len(messages) == 2 * len(MASTERS)
    assert any(m.review_required for m in messages)
    for message in messages:
        assert "{client_name}" in message.template or "{account_number}" in message.template
        assert set(message.variables) == set(message.recipient_accounts)


def test_all_masters_appear(stream: list[SimulatedEvent]) -> None:
    assert {e.envelope.master_account_id for e in stream} == set(MASTERS)


def test_same_seed_same_stream_other_seed_other_stream() -> None:
    def values(seed: int) -> list[bytes]:
        return [e.value for e in BackOffice(MASTERS, 20, seed=seed, start=START).take(3000)]

    assert values(3) == values(3)
    assert values(3) != values(4)


def test_take_returns_exactly_n_and_continues() -> None:
    office = BackOffice(MASTERS[:1], 10, seed=5, start=START)
    book_size = len(office.opening_book())
    first = office.take(book_size + 500)
    assert len(first) == book_size + 500
    assert len(office.take(7)) == 7
    assert office.take(0) == []
    assert office.today > START


def test_no_masters_is_an_error() -> None:
    with pytest.raises(ValueError, match="master"):
        BackOffice([], 10)


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes | None, list[tuple[str, bytes]]]] = []
        self.flushed = False

    async def send(
        self, topic: str, *, value: bytes, key: bytes | None, headers: list[tuple[str, bytes]]
    ) -> asyncio.Future[None]:
        self.sent.append((topic, value, key, headers))
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future

    async def flush(self) -> None:
        self.flushed = True


async def test_send_all_sends_in_order(book: list[SimulatedEvent]) -> None:
    producer = FakeProducer()
    events = book[:250]
    assert await send_all(producer, events, chunk=100) == 250  # type: ignore[arg-type]
    assert producer.flushed
    assert [s[1] for s in producer.sent] == [e.value for e in events]
    assert [s[0] for s in producer.sent] == [e.topic.name for e in events]
    assert [s[2] for s in producer.sent] == [e.key for e in events]

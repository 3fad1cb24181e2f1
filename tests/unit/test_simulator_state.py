"""The simulator continues its book after a restart (deploy/simulator_state.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from deploy.simulator import BackOffice, LiveRun, SimulatedEvent
from deploy.simulator_state import SimulatorState
from tests.unit.test_simulator import FakeProducer

MASTERS = ("F1000001", "I2000001")
START = date(2026, 3, 16)


def ids(events: list[SimulatedEvent]) -> list[str]:
    return [str(event.envelope.event_id) for event in events]


async def test_a_resumed_office_goes_on_as_if_it_had_never_stopped(tmp_path: Path) -> None:
    state = SimulatorState(tmp_path)
    office = BackOffice(MASTERS, 20, seed=3, start=START)
    run = LiveRun(FakeProducer(), state, "cluster-a")  # type: ignore[arg-type]
    await run.publish(office, office.opening_book())
    for _ in range(3):
        await run.publish(office, office.next_day())
    uninterrupted = [office.next_day() for _ in range(2)]

    resumed = state.load()
    assert resumed is not None
    assert (resumed.cluster_id, resumed.next_batch) == ("cluster-a", 4)
    again = [resumed.office.next_day() for _ in range(2)]
    assert [ids(day) for day in again] == [ids(day) for day in uninterrupted]
    assert [e.value for e in again[1]] == [e.value for e in uninterrupted[1]]
    assert resumed.office.opening_book() == [], "the opening book is not published again"


async def test_the_kept_batches_go_again_only_to_a_new_broker(tmp_path: Path) -> None:
    state = SimulatorState(tmp_path, keep_batches=2)
    office = BackOffice(MASTERS, 20, seed=3, start=START)
    first = FakeProducer()
    run = LiveRun(first, state, "cluster-a")  # type: ignore[arg-type]
    await run.publish(office, office.opening_book())
    days = [office.next_day() for _ in range(2)]
    for day in days:
        await run.publish(office, day)
    assert len(list((tmp_path / "batches").glob("*.jsonl"))) == 2, "the last two are kept"

    same = FakeProducer()
    await LiveRun(same, state, "cluster-a").resend_if_new_broker("cluster-a")  # type: ignore[arg-type]
    await LiveRun(same, state, None).resend_if_new_broker("cluster-a")  # type: ignore[arg-type]
    assert same.sent == [], "a broker that kept its log, or one that cannot tell, gets nothing"

    fresh = FakeProducer()
    await LiveRun(fresh, state, "cluster-b").resend_if_new_broker("cluster-a")  # type: ignore[arg-type]
    kept = [event for day in days for event in day]
    assert fresh.sent == [(e.topic.name, e.value, e.key, e.headers) for e in kept]


def test_a_state_of_another_version_or_a_broken_one_starts_a_new_book(tmp_path: Path) -> None:
    state = SimulatorState(tmp_path)
    assert state.load() is None
    (tmp_path / "office.pickle").write_bytes(b"not a pickle")
    assert state.load() is None

"""The fault campaign's counting and verdict (``bench/fault_report.py``, ``bench/faults.py``):
what is lost, duplicated, stuck or lagging, and who should have applied what. No campaign runs
here."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from uuid import uuid4

from bench.fault_report import (
    Campaign,
    ConsumerCount,
    EffectCount,
    PartitionLag,
    Poison,
    counted,
    failures,
    table,
)
from bench.faults import PROCESSES, expected_by_consumer, open_accounts, plan_faults
from contracts import topics
from contracts.accounts import (
    AccountClosed,
    AccountOpened,
    AccountType,
    Applicant,
    ApplicationStage,
    ApplicationStatusChanged,
)
from contracts.envelope import Envelope, Event
from deploy.simulator import SimulatedEvent


def a_clean_campaign() -> Campaign:
    return Campaign(
        events=10, seed=7, master="F1000001", applicants=4, recipients=2, kills=6, quiet=True,
        consumers=[ConsumerCount("contacts <- accounts.lifecycle", 10, 10)],
        effects=[counted("emails captured, per recipient address", 2, ["a@x.test", "b@x.test"])],
        unpublished={"contacts": 0, "messaging": 0},
        poisons=[Poison("malformed JSON", "accounts.lifecycle", ("contacts",),
                        {"contacts": "malformed message: …"})],
        lags=[PartitionLag("p.contacts.accounts.lifecycle", "accounts.lifecycle", 0, 7, 7, 1)],
    )  # fmt: skip


def test_an_effect_found_twice_is_one_found_and_one_duplicated() -> None:
    effect = counted("deliveries", 3, [("c1", "W"), ("c1", "E"), ("c1", "E"), ("c2", "W")])
    assert (effect.found, effect.duplicated, effect.lost) == (3, 1, 0)
    short = counted("deliveries", 5, [("c1", "W")])
    assert (short.found, short.duplicated, short.lost) == (1, 0, 4)
    assert counted("contact versions", None, ["v1", "v1"]).lost == 0  # nothing expected


def test_lag_is_the_end_offset_less_what_the_group_committed() -> None:
    assert PartitionLag("g", "t", 0, committed=40, end=45).lag == 5
    assert PartitionLag("g", "t", 1, committed=None, end=3).lag == 3  # never committed
    assert PartitionLag("g", "t", 2, committed=None, end=0).lag == 0  # an empty partition
    # an offset committed for another log (an old broker's): no lag, but records to be skipped
    beyond = PartitionLag("g", "t", 3, committed=1535, end=1239)
    assert (beyond.lag, beyond.past_end) == (0, 296)
    assert ConsumerCount("x", expected=5, applied=3).lost == 2


def test_a_clean_campaign_passes_and_says_so() -> None:
    campaign = a_clean_campaign()
    assert failures(campaign) == []
    assert "Verdict: PASS" in table(campaign)
    assert "ListOffsets was wrong for 1 of them" in table(campaign)


def test_anything_lost_duplicated_stuck_lagging_or_not_dead_lettered_fails() -> None:
    campaign = a_clean_campaign()
    campaign.consumers.append(ConsumerCount("analytics <- contacts.contacts", 10, 9))
    campaign.effects.append(EffectCount("Message Center items", 2, 2, 1))
    campaign.unpublished["gateway"] = 3
    campaign.lags.append(
        PartitionLag("p.analytics.contacts.contacts", "contacts.contacts", 1, 4, 6)
    )
    campaign.lags.append(PartitionLag("p.staging.contacts.contacts", "contacts.contacts", 0, 9, 7))
    campaign.poisons.append(Poison("unknown type", "accounts.transactions", ("analytics",)))
    assert failures(campaign) == [
        "1 lost", "1 duplicated", "3 outbox rows stuck", "lag 2 (p.analytics.contacts.contacts)",
        "offsets committed past the end (p.staging.contacts.contacts)",
        "not dead-lettered: unknown type on accounts.transactions",
    ]  # fmt: skip
    assert "NOT dead-lettered" in table(campaign) and "Verdict: FAIL" in table(campaign)


def test_a_campaign_that_did_not_settle_or_counted_nothing_fails() -> None:
    campaign = a_clean_campaign()
    campaign.quiet = False
    assert failures(campaign) == ["the system did not settle before the timeout"]
    assert "nothing was counted" in failures(Campaign(0, 7, "F1", 0, 0, 0, quiet=True))


def test_each_consumer_expects_the_events_of_its_topic_it_has_handlers_for() -> None:
    subs = {
        "contacts": [("accounts.lifecycle", frozenset({"account.opened"}))],
        "analytics": [("accounts.lifecycle", frozenset({"account.opened", "account.closed"})),
                      ("contacts.contacts", frozenset({"contact.created"}))],
    }  # fmt: skip
    opened, closed, created, other = uuid4(), uuid4(), uuid4(), uuid4()
    expected = expected_by_consumer(subs, [
        ("accounts.lifecycle", opened, "account.opened"),
        ("accounts.lifecycle", closed, "account.closed"),
        ("contacts.contacts", created, "contact.created"),
        ("accounts.transactions", other, "account.deposit"),  # nobody here reads it
    ])  # fmt: skip
    assert expected == {
        "contacts.accounts.lifecycle": {opened},
        "analytics.accounts.lifecycle": {opened, closed},
        "analytics.contacts.contacts": {created},
    }


def event(payload: Event, master: str = "F1000001") -> SimulatedEvent:
    envelope = Envelope.wrap(payload, master_account_id=master, occurred_at=datetime.now(UTC))
    return SimulatedEvent(topics.ACCOUNT_LIFECYCLE, envelope)


def application(account: str, stage: ApplicationStage) -> SimulatedEvent:
    applicant = Applicant(first_name="Ada", last_name="Lovelace", email=f"{account}@example.com")
    return event(ApplicationStatusChanged(account_number=account, stage=stage,
                                          account_type=AccountType.INDIVIDUAL, applicant=applicant))  # fmt: skip


def test_the_fanout_goes_to_the_accounts_the_stream_leaves_open() -> None:
    day = date(2026, 1, 5)
    opened = AccountOpened(account_number="U1000001", account_type=AccountType.INDIVIDUAL,
                           opened_on=day)  # fmt: skip
    stream = [
        application("U1000003", ApplicationStage.SUBMITTED),  # never opened
        application("U1000001", ApplicationStage.OPEN),
        event(opened),
        application("U1000002", ApplicationStage.OPEN),
        event(AccountClosed(account_number="U1000002", closed_on=day)),  # closed again
        application("U1000000", ApplicationStage.OPEN),
    ]
    assert open_accounts(stream) == ["U1000000", "U1000001"]


def test_every_process_is_killed_once_and_the_faults_come_in_order() -> None:
    plan = plan_faults(random.Random(3), len(PROCESSES) + 2, postgres=True, broker=True)
    kills = [f.target for f in plan if f.kind == "kill"]
    assert set(kills) == set(PROCESSES) and len(kills) == len(PROCESSES) + 2
    assert {f.kind for f in plan} == {"kill", "postgres", "broker"}
    points = [f.progress for f in plan]
    assert points == sorted(points) and points[0] >= 0.03 and points[-1] <= 0.85
    assert plan == plan_faults(random.Random(3), len(PROCESSES) + 2, postgres=True, broker=True)
    assert not [f for f in plan_faults(random.Random(3), 2, postgres=False, broker=False)
                if f.kind != "kill"]  # fmt: skip

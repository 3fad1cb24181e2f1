"""Consumer lag on the real broker: a service's group and another group commit known offsets on
a topic holding known records, and ``group_lags`` reports each partition's lag exactly, its end
read by consuming (the embedded broker's ListOffsets may say otherwise)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import NewTopic

from deploy import lag as command
from services.runtime.lag import administered, group_lags

pytestmark = pytest.mark.integration

RECORDS = {0: 40, 1: 25, 2: 7}  # per partition


async def produce(bootstrap: str, topic: str) -> None:
    async with administered(bootstrap) as admin:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False,
                                linger_ms=5)  # fmt: skip
    await producer.start()
    try:
        sent = [await producer.send(topic, b"record %d" % n, partition=partition)
                for partition, count in RECORDS.items() for n in range(count)]  # fmt: skip
        for delivery in sent:
            await delivery
    finally:
        await producer.stop()


async def commit(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    """Commit as a consumer of the group that never joins it (partitions assigned by hand)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                                enable_auto_commit=False)  # fmt: skip
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(offsets)
    finally:
        await consumer.stop()


async def test_group_lags_reports_each_partitions_lag_from_the_end_read(
    kafka_bootstrap: str, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = f"lag-{uuid.uuid4().hex[:8]}."
    topic = f"lag-test.{uuid.uuid4().hex[:8]}"
    p0, p1, p2 = (TopicPartition(topic, n) for n in range(3))
    service_group = f"{prefix}reports.{topic}"  # <prefix><service>.<topic>
    other_group = f"{prefix}auditor"  # its topic is not in its name
    await produce(kafka_bootstrap, topic)
    await commit(kafka_bootstrap, service_group, {p0: 30, p1: 25})  # p2 never committed
    await commit(kafka_bootstrap, other_group, {p0: 5, p2: 7})

    lags = await group_lags(kafka_bootstrap, prefix)

    found = {(p.group, p.partition): (p.committed, p.end, p.lag, p.past_end) for p in lags}
    assert found == {
        (other_group, 0): (5, 40, 35, 0),
        (other_group, 2): (7, 7, 0, 0),
        (service_group, 0): (30, 40, 10, 0),
        (service_group, 1): (25, 25, 0, 0),
        (service_group, 2): (None, 7, 7, 0),
    }
    assert {p.topic for p in lags} == {topic}
    assert all(p.reported_end is not None for p in lags)  # ListOffsets asked, may disagree

    arguments = ["--bootstrap-servers", kafka_bootstrap, "--group-prefix", prefix]
    assert await asyncio.to_thread(command.main, arguments) == 0  # it runs its own event loop
    report = capsys.readouterr().out.splitlines()
    assert [line.split()[:6] for line in report[1:-1]] == [
        [other_group, topic, "0", "5", "40", "35"],
        [service_group, topic, "0", "30", "40", "10"],
        [service_group, topic, "2", "-", "7", "7"],
    ]
    assert report[-1].startswith("total lag 52 over 2 groups and 5 partitions")

"""Consumer lag per consumer group and partition: what a group committed against the partition's
end offset.

The end is found by consuming to it. The embedded broker (Tansu) under-reports end offsets in
ListOffsets (it answered 1, 1 and 358 for partitions holding 294, 353 and 358 records), while the
high watermark its fetches report is right; reading to the end is right on Apache Kafka too, so
ListOffsets' answer is only kept beside the end read.

A service's group is named ``<prefix><service>.<topic>`` (``consumers.subscribe``), so its topic
is known from its name, and a partition it never committed on lags by its whole length. Any other
group (the simulator's, a tool's) is asked for its committed offsets on every topic, and shows the
partitions it committed on. Offsets are fetched for named partitions only: the embedded broker
cannot answer an offset fetch for "all of the group's partitions".
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

READ_TIMEOUT_SECONDS = 120

Offsets = dict[TopicPartition, int | None]
"""committed offsets; None where the group never committed one"""


@dataclass(frozen=True)
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed: int | None
    """None: the group never committed an offset on this partition"""
    end: int
    """the end offset, read by consuming to the end"""
    reported_end: int | None = None
    """what the broker's ListOffsets said (the embedded broker under-reports it)"""

    @property
    def lag(self) -> int:
        return max(0, self.end - (self.committed or 0))

    @property
    def past_end(self) -> int:
        """How far the committed offset lies beyond the end: the group would skip as many
        records as arrive before the end reaches it (a commit meant for another log)."""
        return max(0, (self.committed or 0) - self.end)


@dataclass(frozen=True)
class TopicEnd:
    end: dict[int, int]  # read by consuming to the end
    reported: dict[int, int]  # ListOffsets


@asynccontextmanager
async def administered(bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


@asynccontextmanager
async def reader(bootstrap: str) -> AsyncIterator[AIOKafkaConsumer]:
    """A consumer in no group: it assigns itself partitions and commits nothing."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                max_partition_fetch_bytes=4 * 1024 * 1024)  # fmt: skip
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def consumer_groups(bootstrap: str, prefix: str = "") -> list[str]:
    async with administered(bootstrap) as admin:
        listed = await admin.list_consumer_groups()
    return sorted(str(group) for group, *_ in listed if str(group).startswith(prefix))


async def partitions_of(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    await consumer.topics()  # a metadata request: the topic's partitions are known after it
    return [TopicPartition(topic, n) for n in sorted(consumer.partitions_for_topic(topic) or ())]


async def read_to_end(
    bootstrap: str,
    topic: str,
    start: dict[int, int],
    *,
    on_record: Callable[[Any], None] | None = None,
) -> TopicEnd:
    """Each partition's end offset, found by reading from ``start`` (an offset per partition,
    the beginning when absent); ListOffsets' answer is kept beside it."""
    async with reader(bootstrap) as consumer:
        partitions = await partitions_of(consumer, topic)
        if not partitions:
            return TopicEnd({}, {})
        reported = await consumer.end_offsets(partitions)
        starts = {tp: start.get(tp.partition) for tp in partitions}
        end = await read_partitions_to_end(consumer, starts, on_record=on_record)
    return TopicEnd({tp.partition: offset for tp, offset in end.items()},
                    {tp.partition: offset for tp, offset in reported.items()})  # fmt: skip


async def read_partitions_to_end(
    consumer: AIOKafkaConsumer,
    starts: Mapping[TopicPartition, int | None],
    *,
    on_record: Callable[[Any], None] | None = None,
) -> dict[TopicPartition, int]:
    """Each partition's end, read from its start (the beginning for None): see ``reached``. A
    partition read to its end is paused, so records still arriving on others never keep the
    reading going."""
    consumer.assign(list(starts))
    for tp, offset in starts.items():
        if offset is None:
            await consumer.seek_to_beginning(tp)
        else:
            consumer.seek(tp, offset)
    end = dict.fromkeys(starts, 0)
    earlier: dict[TopicPartition, int] = {}  # the high watermark at the first poll that knew it
    reading = set(starts)
    deadline = asyncio.get_running_loop().time() + READ_TIMEOUT_SECONDS
    while reading:
        batches = await consumer.getmany(*reading, timeout_ms=1000, max_records=10_000)
        for tp, records in batches.items():
            end[tp] = max(end[tp], records[-1].offset + 1)
            if on_record is not None:
                for record in records:
                    on_record(record)
        for tp in list(reading):
            mark = consumer.highwater(tp)  # known once a fetch of the partition answered
            done = reached(await consumer.position(tp), mark, earlier.get(tp), tp in batches)
            if done is not None:
                end[tp] = max(end[tp], done)
                consumer.pause(tp)
                reading.discard(tp)
            elif mark is not None:
                earlier.setdefault(tp, mark)
        if reading and asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"could not read {sorted(map(str, reading))} to their end")
    return end


def reached(position: int, mark: int | None, earlier: int | None, fetched: bool) -> int | None:
    """The end a partition has been read to, if it has: the high watermark its fetches report,
    once a poll brought nothing for it (``fetched`` false) and its position reached the mark;
    or, while records keep arriving (the consumer has always fetched more by the next poll),
    the mark of an earlier poll once the position passed it: the end as of then."""
    if not fetched and mark is not None and position >= mark:
        return mark
    if earlier is not None and position >= earlier:
        return earlier
    return None


def topic_of(group: str, prefix: str) -> str:
    """The topic of a service's group (``<prefix><service>.<topic>``); "" when the name has none."""
    _, _, topic = group[len(prefix) :].partition(".")
    return topic


async def committed_offsets(
    admin: AIOKafkaAdminClient, group: str, partitions: list[TopicPartition]
) -> Offsets:
    if not partitions:
        return {}
    answer = await admin.list_consumer_group_offsets(group, partitions=partitions)
    offsets = {tp: answer[tp].offset if tp in answer else -1 for tp in partitions}
    return {tp: offset if offset >= 0 else None for tp, offset in offsets.items()}


async def group_offsets(
    admin: AIOKafkaAdminClient,
    group: str,
    prefix: str,
    layout: Mapping[str, list[TopicPartition]],
) -> Offsets:
    """The group's committed offsets: on every partition of its topic when its name says which,
    else on the partitions of any topic where it committed one."""
    topic = topic_of(group, prefix)
    if topic in layout:
        return await committed_offsets(admin, group, layout[topic])
    everywhere = [tp for partitions in layout.values() for tp in partitions]
    found = await committed_offsets(admin, group, everywhere)
    return {tp: offset for tp, offset in found.items() if offset is not None}


async def topic_layout(consumer: AIOKafkaConsumer) -> dict[str, list[TopicPartition]]:
    """Every topic's partitions, the broker's internal topics left out."""
    names = sorted(topic for topic in await consumer.topics() if not topic.startswith("__"))
    return {topic: await partitions_of(consumer, topic) for topic in names}


def lowest_starts(committed: Iterable[Offsets]) -> dict[TopicPartition, int | None]:
    """Where to start reading each partition: the lowest offset any group committed there, the
    beginning (None) where one of them never committed."""
    starts: dict[TopicPartition, int | None] = {}
    for offsets in committed:
        for tp, offset in offsets.items():
            if tp not in starts:
                starts[tp] = offset
            elif (lowest := starts[tp]) is not None:
                starts[tp] = None if offset is None else min(lowest, offset)
    return starts


async def group_lags(bootstrap: str, prefix: str = "") -> list[PartitionLag]:
    """Every consumer group whose id starts with ``prefix``: its committed offset against the end
    offset of each partition it reads, by group, topic and partition."""
    groups = await consumer_groups(bootstrap, prefix)
    async with reader(bootstrap) as consumer:
        layout = await topic_layout(consumer)
        async with administered(bootstrap) as admin:
            committed = {group: await group_offsets(admin, group, prefix, layout)
                         for group in groups}  # fmt: skip
        starts = lowest_starts(committed.values())
        if not starts:
            return []
        reported = await consumer.end_offsets(list(starts))
        end = await read_partitions_to_end(consumer, starts)
    return [
        PartitionLag(group, tp.topic, tp.partition, offset, end[tp], reported.get(tp))
        for group, offsets in committed.items()
        for tp, offset in sorted(offsets.items())
    ]

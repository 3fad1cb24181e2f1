"""Which Kafka cluster a process talks to: the cluster id the broker reports in its metadata.

A real Kafka cluster keeps its id for life (KRaft stores it with the log). The embedded broker
is memory-only and is given a new id at each start, so a new id means a broker that holds none
of what was published before: the outbox relays and the simulator then send it again
(docs/adr/0008-durable-embedded-stack.md).
"""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient


async def cluster_id(bootstrap_servers: str) -> str | None:
    """The cluster's id, or None when the broker reports none (metadata older than v2)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        reported = (await admin.describe_cluster()).get("cluster_id")
        return str(reported) if reported else None
    finally:
        await admin.close()

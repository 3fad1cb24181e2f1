"""The AsyncAPI document of every topic, generated from the contracts (FastStream's generator).

python -m contracts.asyncapi > docs/asyncapi.json      (what `make asyncapi` runs)
"""

from __future__ import annotations

import json

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from contracts.topics import ALL_TOPICS


def asyncapi_document() -> dict[str, object]:
    broker = KafkaBroker("kafka:9092", description="Apache Kafka (or any Kafka-protocol broker)")
    for topic in ALL_TOPICS:
        broker.publisher(
            topic.name,
            title=topic.name,
            description=f"{topic.description} Key: {topic.key}.",
            schema=topic.envelope,
        )
    specification = AsyncAPI(
        broker,
        title="Advisor Portal events",
        version="1.0.0",
        description=(
            "Every state change of Advisor Portal and every external account event it consumes, "
            "as versioned envelopes (event id, type, schema version, occurred-at, master account, "
            "correlation/trace ids, payload). Consumers must be idempotent on the event id."
        ),
        schema_version="3.0.0",
    ).to_specification()
    document: dict[str, object] = json.loads(specification.to_json())
    return document


if __name__ == "__main__":
    print(json.dumps(asyncapi_document(), indent=2, sort_keys=True))

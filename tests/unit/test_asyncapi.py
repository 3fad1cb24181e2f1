import json
from pathlib import Path

from contracts.asyncapi import asyncapi_document
from contracts.topics import ALL_TOPICS

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json"


def test_every_topic_is_documented() -> None:
    channels = asyncapi_document()["channels"]
    assert isinstance(channels, dict)
    assert {topic.name for topic in ALL_TOPICS} <= set(channels)


def test_the_committed_document_matches_the_contracts() -> None:
    assert json.loads(COMMITTED.read_text()) == asyncapi_document(), "run `make asyncapi`"

"""Consumer lag (``services/runtime/lag.py``) and its operator command (``deploy/lag.py``): the
arithmetic, where reading starts, the report's lines, and finding the running stack's broker.
No broker here (tests/integration/test_consumer_lag.py reads a real one)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import TopicPartition

from deploy import lag as command
from deploy.data_dir import DataDir
from services.runtime.lag import PartitionLag, lowest_starts, reached, topic_of

LAGS = [
    PartitionLag("contacts.accounts.lifecycle", "accounts.lifecycle", 0, 290, 294, 1),
    PartitionLag("contacts.accounts.lifecycle", "accounts.lifecycle", 1, 353, 353, 1),
    PartitionLag("contacts.accounts.lifecycle", "accounts.lifecycle", 2, None, 0, 0),
    PartitionLag("analytics.contacts.contacts", "contacts.contacts", 0, 1535, 1239, 1239),
]


def test_lag_is_the_end_less_the_committed_offset() -> None:
    assert PartitionLag("g", "t", 0, committed=40, end=45).lag == 5
    assert PartitionLag("g", "t", 0, committed=45, end=45).lag == 0


def test_a_partition_never_committed_lags_by_its_whole_length() -> None:
    never = PartitionLag("g", "t", 1, committed=None, end=3)
    assert (never.lag, never.past_end) == (3, 0)
    assert PartitionLag("g", "t", 2, committed=None, end=0).lag == 0  # an empty partition


def test_a_commit_past_the_end_is_no_lag_but_counted_apart() -> None:
    beyond = PartitionLag("g", "t", 3, committed=1535, end=1239)
    assert (beyond.lag, beyond.past_end) == (0, 296)


def test_a_service_group_names_its_topic_and_another_group_names_none() -> None:
    assert topic_of("it-1.contacts.accounts.lifecycle", "it-1.") == "accounts.lifecycle"
    assert topic_of("contacts.accounts.lifecycle", "") == "accounts.lifecycle"
    assert topic_of("reporting", "") == ""


def test_reading_starts_at_the_lowest_commit_or_the_beginning() -> None:
    a, b, c = (TopicPartition("t", n) for n in range(3))
    starts = lowest_starts([{a: 9, b: None, c: 4}, {a: 5, b: 7}, {c: None}])
    assert starts == {a: 5, b: None, c: None}


def test_a_partition_is_read_to_its_end_once_quiet_or_past_an_earlier_watermark() -> None:
    assert reached(40, mark=40, earlier=None, fetched=False) == 40  # nothing more came
    assert reached(40, mark=40, earlier=None, fetched=True) is None  # a poll still brought some
    assert reached(39, mark=40, earlier=None, fetched=False) is None  # behind the watermark
    assert reached(0, mark=None, earlier=None, fetched=False) is None  # no fetch answered yet
    # records keep arriving (the watermark moved on): the end as of an earlier poll
    assert reached(45, mark=52, earlier=44, fetched=True) == 44
    assert reached(1535, mark=1239, earlier=None, fetched=False) == 1239  # started past the end


def test_the_report_shows_lagging_and_past_end_partitions_and_the_total() -> None:
    lines = command.table(LAGS).splitlines()
    assert lines[0].split() == ["group", "topic", "partition", "committed", "end", "lag"]
    assert lines[1].split() == ["contacts.accounts.lifecycle", "accounts.lifecycle", "0", "290",
                                "294", "4", "ListOffsets", "says", "1"]  # fmt: skip
    assert lines[2].split()[:6] == ["analytics.contacts.contacts", "contacts.contacts", "0",
                                    "1535", "1239", "0"]  # fmt: skip
    assert lines[2].endswith("past the end by 296")  # ListOffsets agreed: not mentioned
    assert lines[3] == (
        "total lag 4 over 2 groups and 4 partitions (1 lagging, 1 committed past the end)"
    )
    assert len(lines) == 4


def test_all_shows_every_partition_in_aligned_columns() -> None:
    lines = command.table(LAGS, everything=True).splitlines()
    assert len(lines) == 1 + len(LAGS) + 1
    assert lines[3].split() == ["contacts.accounts.lifecycle", "accounts.lifecycle", "2", "-",
                                "0", "0"]  # fmt: skip
    width = len(lines[0])  # the header has no note: it ends where the lag column ends
    for line in lines[1:-1]:
        assert line[width - 1].isdigit() and line[width : width + 2] in ("", "  ")


def test_the_json_report_holds_the_same_partitions() -> None:
    report = json.loads(command.as_json(LAGS))
    assert (report["total_lag"], report["groups"]) == (4, 2)
    assert [(p["group"], p["partition"], p["lag"], p["past_end"], p["list_offsets_end"])
            for p in report["partitions"]] == [
        ("contacts.accounts.lifecycle", 0, 4, 0, 1),
        ("analytics.contacts.contacts", 0, 0, 296, 1239),
    ]  # fmt: skip
    assert len(json.loads(command.as_json(LAGS, everything=True))["partitions"]) == 4


@pytest.fixture
def recorded_process(tmp_path: Path) -> Iterator[tuple[DataDir, subprocess.Popen[bytes]]]:
    """A data directory recording a live process started with the stack's arguments and env."""
    process = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", "broker", "--listener-url",
         "tcp://127.0.0.1:19092", "--advertised-listener-url", "tcp://127.0.0.1:19092"],
        env={"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:29092"},
    )  # fmt: skip
    try:
        yield DataDir(tmp_path / "data"), process
    finally:
        process.kill()
        process.wait()


def test_the_running_stack_names_its_broker(
    recorded_process: tuple[DataDir, subprocess.Popen[bytes]],
) -> None:
    data, process = recorded_process
    data.record({"broker": process.pid})
    assert command.stack_bootstrap(data.path) == "127.0.0.1:19092"  # the embedded broker
    data.record({"gateway": process.pid})
    assert command.stack_bootstrap(data.path) == "127.0.0.1:29092"  # what a service was given


def test_without_a_broker_to_ask_the_command_says_so_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.setenv("STACK_DATA_DIR", str(tmp_path / "nothing"))
    DataDir(tmp_path / "nothing").record({"broker": 2**22 + 1})  # a process that is not there
    assert command.main([]) == 2
    assert "no stack runs on" in capsys.readouterr().err

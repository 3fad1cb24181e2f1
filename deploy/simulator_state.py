"""What the back-office simulator keeps between runs, so that a restart continues its book.

    <state dir>/office.pickle        the back office after the last batch it published: its
                                     accounts, market and random generator, so the next day
                                     follows on (and the same clients go on trading)
    <state dir>/batches/NNNNNNNN.jsonl   the last ``KEEP_BATCHES`` batches as they were sent

A batch (the opening book, then one simulated day) is written here before it is sent, and the
office is saved once it was; a run killed in between sends the same batch again, with the same
event ids, which the consumers' inboxes drop. When the simulator starts against a broker other
than the one it last published to (the embedded broker is memory-only: each start is a new,
empty one), it first sends the kept batches again, for what the consumers had not read yet.

The office is pickled: the state directory belongs to the user running the stack, and the
format belongs to this version of the code (``make reset`` starts afresh).
"""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import structlog

log = structlog.get_logger("deploy.simulator")

STATE_VERSION = 1
KEEP_BATCHES = 30
"""Batches kept for sending again: five minutes of publishing at the default six days a minute,
far more than the consumers lag behind (they apply about a thousand events a second)."""


class Record(NamedTuple):
    """One message as it goes to Kafka."""

    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


@dataclass(frozen=True)
class Resumed:
    office: Any  # the BackOffice
    cluster_id: str | None
    next_batch: int


class SimulatorState:
    def __init__(self, directory: Path, *, keep_batches: int = KEEP_BATCHES) -> None:
        self.directory = directory
        self._office = directory / "office.pickle"
        self._batches = directory / "batches"
        self._keep = keep_batches

    def load(self) -> Resumed | None:
        """The state of the last run, or None when there is none (or it is of another version)."""
        if not self._office.exists():
            return None
        try:
            with self._office.open("rb") as file:
                saved = pickle.load(file)  # noqa: S301 - written by this program, in the user's own directory
            if saved.get("version") != STATE_VERSION:
                raise ValueError(f"state version {saved.get('version')}")
            return Resumed(saved["office"], saved["cluster_id"], saved["next_batch"])
        except Exception as error:
            log.warning("simulator state unusable; starting a new book", error=repr(error))
            return None

    def write_batch(self, number: int, records: Sequence[Record]) -> None:
        """Keep a batch before it is sent."""
        self._batches.mkdir(parents=True, exist_ok=True)
        lines = (json.dumps(_as_json(record)) + "\n" for record in records)
        _write_atomically(self._batches / f"{number:08d}.jsonl", "".join(lines).encode())

    def save(self, office: Any, *, cluster_id: str | None, next_batch: int) -> None:
        """Record that every batch before ``next_batch`` was sent, to ``cluster_id``."""
        saved = {"version": STATE_VERSION, "office": office, "cluster_id": cluster_id,
                 "next_batch": next_batch}  # fmt: skip
        _write_atomically(self._office, pickle.dumps(saved, protocol=pickle.HIGHEST_PROTOCOL))
        for old in self._batch_files()[: -self._keep]:
            old.unlink(missing_ok=True)

    def kept_records(self) -> Iterator[Record]:
        """The kept batches' messages, oldest first, in the order they were sent."""
        for path in self._batch_files():
            with path.open() as file:
                for line in file:
                    yield _from_json(json.loads(line))

    def _batch_files(self) -> list[Path]:
        return sorted(self._batches.glob("*.jsonl")) if self._batches.exists() else []


def _as_json(record: Record) -> dict[str, Any]:
    return {
        "topic": record.topic,
        "key": record.key.decode() if record.key is not None else None,
        "value": record.value.decode(),
        "headers": [[name, value.decode()] for name, value in record.headers],
    }


def _from_json(line: dict[str, Any]) -> Record:
    key = line["key"]
    return Record(line["topic"], key.encode() if key is not None else None,
                  line["value"].encode(),
                  [(name, value.encode()) for name, value in line["headers"]])  # fmt: skip


def _write_atomically(path: Path, content: bytes) -> None:
    """Replace ``path`` with ``content``: a reader (or the next run, after a SIGKILL) sees the
    old file or the new one, never a part."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)

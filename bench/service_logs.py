"""What the services wrote to their logs while a benchmark ran: the transactions PostgreSQL broke
as deadlocks, and the batches a consumer fell back to applying one event at a time."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

DEADLOCK = "deadlock detected"
"""PostgreSQL's message for the transaction it aborts; a service logs it with the error"""
ONE_AT_A_TIME = "batch failed; applying its events one at a time"
"""the warning services/runtime/consumers.py writes before applying a batch event by event"""


class LogWindow:
    """The part of each process's log file written since the window was opened."""

    def __init__(self, logs: Mapping[str, Path]) -> None:
        self.starts = {process: (path, _size(path)) for process, path in logs.items()}

    def lines_with(self, marker: str) -> dict[str, int]:
        """How many lines written since then hold ``marker``, by process (those with any)."""
        needle = marker.encode()
        found = {
            process: sum(needle in line for line in _written_since(path, start).splitlines())
            for process, (path, start) in self.starts.items()
        }
        return {process: count for process, count in found.items() if count}


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _written_since(path: Path, start: int) -> bytes:
    try:
        with open(path, "rb") as log:
            log.seek(start)
            return log.read()
    except OSError:
        return b""

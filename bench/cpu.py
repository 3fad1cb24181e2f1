"""CPU time the processes of a benchmark used, from Linux's /proc: on a machine shared with
other work the CPU a figure cost is steadier than the time it took."""

from __future__ import annotations

import os
from pathlib import Path


def process_cpu(pid: int | None) -> float:
    """User + system CPU seconds of the process so far (0 when it is gone, or without /proc)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_backends(marker: str) -> list[int]:
    """The PostgreSQL backends whose title holds ``marker`` (a database name or prefix)."""
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else ():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres: ") and marker in title:
                found.append(int(entry.name))
    return found


def this_process() -> float:
    times = os.times()
    return times.user + times.system

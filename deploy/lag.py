"""Consumer lag per consumer group and partition, on the running system's broker.

    python -m deploy.lag [--bootstrap-servers HOST:PORT] [--group-prefix P] [--json] [--all]

One line per group and partition: the committed offset, the end offset (read by consuming to
the end: the embedded broker's ListOffsets under-reports it), the lag, and ListOffsets' end beside
it where the two differ; only partitions with lag or a commit past the end unless --all, then a
total. The broker is --bootstrap-servers, else KAFKA_BOOTSTRAP_SERVERS, else the one the running
`make up` stack uses (found from the processes it records in its data directory).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import psutil
from aiokafka.errors import KafkaError

from deploy.data_dir import ROOT, recorded_process
from services.runtime.lag import PartitionLag, group_lags

NO_BROKER = 2
COLUMNS = ("group", "topic", "partition", "committed", "end", "lag")


def stack_bootstrap(data_dir: Path) -> str | None:
    """The broker address of the stack running on ``data_dir``: what its services were given
    (KAFKA_BOOTSTRAP_SERVERS), or the listener of its embedded broker."""
    try:
        recorded = json.loads((data_dir / "stack.json").read_text()).get("processes", {})
    except (OSError, ValueError, AttributeError):
        return None
    for name, entry in recorded.items() if isinstance(recorded, dict) else ():
        process = recorded_process(entry)
        if process is None:
            continue
        with contextlib.suppress(psutil.Error):
            if name == "broker":
                return _listener(process.cmdline())
            if address := process.environ().get("KAFKA_BOOTSTRAP_SERVERS"):
                return address
    return None


def _listener(command: list[str]) -> str | None:
    """HOST:PORT of the embedded broker's ``--listener-url tcp://HOST:PORT``."""
    for flag, value in itertools.pairwise(command):
        if flag == "--listener-url":
            return value.removeprefix("tcp://")
    return None


def shown(lags: Sequence[PartitionLag], *, everything: bool) -> list[PartitionLag]:
    return [p for p in lags if everything or p.lag or p.past_end]


def row(p: PartitionLag) -> tuple[str, ...]:
    committed = "-" if p.committed is None else str(p.committed)
    return p.group, p.topic, str(p.partition), committed, str(p.end), str(p.lag)


def note(p: PartitionLag) -> str:
    notes = [f"past the end by {p.past_end}"] if p.past_end else []
    if p.reported_end is not None and p.reported_end != p.end:
        notes.append(f"ListOffsets says {p.reported_end}")
    return "; ".join(notes)


def total(lags: Sequence[PartitionLag]) -> str:
    groups = len({p.group for p in lags})
    lagging = sum(1 for p in lags if p.lag)
    past = sum(1 for p in lags if p.past_end)
    return (f"total lag {sum(p.lag for p in lags)} over {groups} groups and {len(lags)} "
            f"partitions ({lagging} lagging, {past} committed past the end)")  # fmt: skip


def table(lags: Sequence[PartitionLag], *, everything: bool = False) -> str:
    """The lines of the report: a header and one line per partition shown, then the total."""
    listed = shown(lags, everything=everything)
    if not listed:
        return total(lags)
    rows = [COLUMNS, *map(row, listed)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = [aligned(r, widths) + (f"  {n}" if n else "")
             for r, n in zip(rows, ["", *map(note, listed)], strict=True)]  # fmt: skip
    return "\n".join([*lines, total(lags)])


def aligned(cells: Sequence[str], widths: Sequence[int]) -> str:
    """Group and topic to the left, the numbers to the right."""
    return "  ".join(cell.ljust(width) if i < 2 else cell.rjust(width)
                     for i, (cell, width) in enumerate(zip(cells, widths, strict=True)))  # fmt: skip


def as_json(lags: Sequence[PartitionLag], *, everything: bool = False) -> str:
    return json.dumps({
        "total_lag": sum(p.lag for p in lags),
        "groups": len({p.group for p in lags}),
        "partitions": [
            {"group": p.group, "topic": p.topic, "partition": p.partition,
             "committed": p.committed, "end": p.end, "lag": p.lag, "past_end": p.past_end,
             "list_offsets_end": p.reported_end}
            for p in shown(lags, everything=everything)
        ],
    }, indent=2)  # fmt: skip


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m deploy.lag", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--bootstrap-servers", metavar="HOST:PORT",
                        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))  # fmt: skip
    parser.add_argument("--group-prefix", default=os.environ.get("KAFKA_GROUP_PREFIX", ""),
                        help="only groups whose id starts with it (default KAFKA_GROUP_PREFIX)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--all", action="store_true", help="every partition, lagging or not")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    data_dir = Path(os.environ.get("STACK_DATA_DIR", ROOT / ".data"))
    bootstrap = args.bootstrap_servers or stack_bootstrap(data_dir)
    if not bootstrap:
        print(f"No broker to ask: KAFKA_BOOTSTRAP_SERVERS is not set and no stack runs on "
              f"{data_dir} (start one with `make up`, or pass --bootstrap-servers HOST:PORT).",
              file=sys.stderr)  # fmt: skip
        return NO_BROKER
    try:
        lags = asyncio.run(group_lags(bootstrap, args.group_prefix))
    except (KafkaError, OSError, TimeoutError) as error:
        print(f"Could not read the consumer lag from {bootstrap}: {error!r}", file=sys.stderr)
        return 1
    print((as_json if args.json else table)(lags, everything=args.all))
    return 0


if __name__ == "__main__":
    sys.exit(main())

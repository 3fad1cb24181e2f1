"""Every benchmark in one command, and one table of their figures beside their targets.

    make bench-all            # = python -m bench.all
    python -m bench.all [--quick] [--only NAME ...] [--json] [--out DIR]

Runs each benchmark as a process of its own (each keeps its own set-up: its stack or its
in-process service, its broker and PostgreSQL, embedded unless KAFKA_BOOTSTRAP_SERVERS /
DATABASE_URL name real ones), one after the other, the lean references right after the
benchmark they are the reference of: the pipeline (P1) and the lean consumer, the fan-out
(P2), the contacts table (P3, offered the target's 400 requests/s) and the lean page service
behind the lean proxy, the TWR query (P4), the staging deadline and the likely duplicates.
Their progress goes to stderr; each one's own output is kept in ``--out`` (default
``.data/bench-all-<time>/``).

Then it prints one Markdown table (to paste into bench/README.md): each figure, its target,
whether it is met, its ratio to the raw limit measured in the same run (raw aiokafka produce on
the broker the benchmark used, for P1, P2 and the staging deadline) and its ratio to the lean
reference measured in the same run (P1, P3). ``--quick`` runs every benchmark at small sizes,
to check that they all still run; its figures are not comparable with the targets, which are
then not judged.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

P1_RAW_SHARE = 0.25
"""ingest end to end: at least this share of raw aiokafka produce on the same broker"""
P2_SECONDS = 2.0
"""fan-out of one message to 10,000 recipients x 3 channels: at most this long"""
P3_RATE = 400.0
P3_P99_MS = 50.0
"""contacts table at 100,000 contacts through the gateway: this rate, p99 within this"""
P4_SECONDS = 1.0
"""TWR query over 10,000 accounts x 1 year: at most this long (median)"""


@dataclass(frozen=True)
class Benchmark:
    name: str
    module: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    timeout: float
    """seconds, at full size"""
    json: bool = True
    """whether it takes ``--json`` (bench.twr prints text, bench.duplicates JSON always)"""


BENCHMARKS = (
    Benchmark("pipeline", "bench.pipeline", (), ("--events", "2000"), 1800),
    Benchmark("lean_consumer", "bench.lean_consumer", (), ("--events", "2000"), 900),
    Benchmark("fanout", "bench.fanout", (), ("--recipients", "1000"), 900),
    Benchmark("contacts_table", "bench.contacts_table", ("--rate", f"{P3_RATE:.0f}"),
              ("--contacts", "10000", "--rate", "50", "--seconds", "5", "--warmup", "1"), 1800),
    Benchmark("lean_proxy", "bench.lean_proxy", ("--rate", f"{P3_RATE:.0f}"),
              ("--contacts", "10000", "--rate", "50", "--seconds", "5", "--warmup", "1"), 1200),
    Benchmark("twr", "bench.twr", (), ("--accounts", "200", "--days", "20", "--runs", "2"),
              7200, json=False),
    Benchmark("staging", "bench.staging", (), ("--holds", "1000"), 900),
    Benchmark("duplicates", "bench.duplicates", (), ("--prospects", "5000", "--runs", "2"), 1800,
              json=False),
)  # fmt: skip
NAMES = tuple(b.name for b in BENCHMARKS)


# --------------------------------------------------------------------------- running


@dataclass
class Outcome:
    name: str
    seconds: float
    exit_status: int | None
    figures: dict[str, Any] | None
    """what it printed, parsed; None when it printed nothing readable"""
    error: str | None = None


def last_json_object(text: str) -> dict[str, Any] | None:
    """The last JSON object printed at the start of a line (what ``--json`` prints last)."""
    decoder = json.JSONDecoder()
    for match in reversed(list(re.finditer(r"(?m)^\{", text))):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    return None


def twr_figures(text: str) -> dict[str, Any] | None:
    """bench.twr's two lines: the ingest rate and the query's median, best and worst."""
    query = re.search(r"median ([\d.]+) s, best ([\d.]+) s, worst ([\d.]+) s", text)
    if query is None:
        return None
    ingest = re.search(r"= ([\d,]+) events/s", text)
    size = re.search(r"over ([\d,]+) accounts x ([\d,]+) days", text)
    return {
        "accounts": int(size[1].replace(",", "")) if size else None,
        "days": int(size[2].replace(",", "")) if size else None,
        "median_seconds": float(query[1]),
        "best_seconds": float(query[2]),
        "worst_seconds": float(query[3]),
        "ingest_per_second": float(ingest[1].replace(",", "")) if ingest else None,
    }


def run(benchmark: Benchmark, *, quick: bool, out: Path) -> Outcome:
    arguments = [*(benchmark.quick if quick else benchmark.full)]
    if benchmark.json:
        arguments.append("--json")
    command = [sys.executable, "-m", benchmark.module, *arguments]
    print(f"\n=== {benchmark.name}: {' '.join(command[1:])}", file=sys.stderr, flush=True)
    began = time.perf_counter()
    error: str | None = None
    # stderr (progress) goes through; stdout (the figures) is kept
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        stdout, _ = child.communicate(timeout=benchmark.timeout / (5 if quick else 1))
    except KeyboardInterrupt:  # Ctrl-C reached the benchmark too: let it stop what it started
        child.wait(120)
        raise
    except subprocess.TimeoutExpired:
        child.terminate()  # each benchmark stops what it started on SIGTERM
        try:
            stdout, _ = child.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            child.kill()
            stdout, _ = child.communicate()
        error = "timed out"
    seconds = time.perf_counter() - began
    (out / f"{benchmark.name}.out").write_text(stdout)
    figures = twr_figures(stdout) if benchmark.name == "twr" else last_json_object(stdout)
    if figures is None and error is None:
        error = f"no figures (exit status {child.returncode})"
    return Outcome(benchmark.name, seconds, child.returncode, figures, error)


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Row:
    benchmark: str
    figure: str
    target: str
    met: bool | None
    """None: no target, or not judged (quick sizes, or the benchmark failed to report)"""
    raw_ratio: float | None
    """the figure's rate over the raw limit measured in the same run"""
    lean_ratio: float | None
    """the figure's rate over the lean reference's, measured in the same run"""
    note: str = ""


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator and denominator else None


def _failed(benchmark: str, target: str, outcome: Outcome | None, quick: bool) -> Row:
    why = "not run" if outcome is None else (outcome.error or "failed")
    return Row(benchmark, why, target, None if quick or outcome is None else False, None, None)


def rows(outcomes: Mapping[str, Outcome], *, quick: bool) -> list[Row]:
    """The table's rows, with each verdict, from what the benchmarks reported."""

    def judged(met: bool) -> bool | None:
        return None if quick else met

    def figures(name: str) -> dict[str, Any] | None:
        outcome = outcomes.get(name)
        return outcome.figures if outcome else None

    table: list[Row] = []
    add: Callable[[Row], None] = table.append

    pipeline, lean = figures("pipeline"), figures("lean_consumer")
    lean_rate = lean["per_second"] if lean and lean.get("complete") else None
    target = f">= {P1_RAW_SHARE:g}x raw produce"
    if "pipeline" in outcomes and pipeline:
        rate = pipeline.get("end_to_end_per_second")
        raw = pipeline.get("raw_produce_per_second")
        share = _ratio(rate, raw)
        add(Row(f"P1 ingest, {pipeline.get('events', 0):,} events published -> applied by "
                "every consumer",
                f"{rate:,.0f} events/s" if rate else "incomplete", target,
                judged(share is not None and share >= P1_RAW_SHARE), share,
                _ratio(rate, lean_rate), f"raw produce {raw:,.0f}/s" if raw else ""))  # fmt: skip
    elif "pipeline" in outcomes:
        add(_failed("P1 ingest, published -> applied by every consumer", target,
                    outcomes["pipeline"], quick))  # fmt: skip
    if "lean_consumer" in outcomes and lean:
        raw = lean.get("raw_produce_per_second")
        add(Row("P1 lean consumer (reference)",
                f"{lean_rate:,.0f} events/s" if lean_rate else "incomplete", "-", None,
                _ratio(lean_rate, raw), None, f"raw produce {raw:,.0f}/s" if raw else ""))  # fmt: skip
    elif "lean_consumer" in outcomes:
        add(_failed("P1 lean consumer (reference)", "-", outcomes["lean_consumer"], True))

    fanout = figures("fanout")
    target = f"<= {P2_SECONDS:g} s"
    if "fanout" in outcomes and fanout:
        seconds = fanout["seconds"]
        complete = bool(fanout.get("complete"))
        add(Row(f"P2 fan-out, 1 message to {fanout['recipients']:,} recipients x 3 channels",
                f"{seconds:.2f} s" + ("" if complete else " (incomplete)"), target,
                judged(complete and seconds <= P2_SECONDS),
                _ratio(fanout.get("deliveries_per_second"), fanout.get("raw_produce_per_second")),
                None, f"{fanout.get('deliveries_per_second', 0):,.0f} deliveries/s"))  # fmt: skip
    elif "fanout" in outcomes:
        add(_failed("P2 fan-out", target, outcomes["fanout"], quick))

    table_, lean_proxy = figures("contacts_table"), figures("lean_proxy")
    lean_throughput = lean_proxy["overall"]["throughput"] if lean_proxy else None
    target = f"{P3_RATE:.0f} requests/s, p99 <= {P3_P99_MS:.0f} ms, no errors"
    if "contacts_table" in outcomes and table_ and table_.get("overall"):
        o = table_["overall"]
        met = (o["errors"] == 0 and o["p99_ms"] <= P3_P99_MS
               and o["throughput"] >= 0.97 * P3_RATE)  # fmt: skip
        add(Row(f"P3 contacts table, {table_['contacts']:,} contacts, through the gateway",
                f"{o['throughput']:.0f} requests/s, p99 {o['p99_ms']:,.0f} ms", target,
                judged(met), None, _ratio(o["throughput"], lean_throughput),
                f"{table_['rate']:.0f}/s offered, {o['errors']} errors"))  # fmt: skip
    elif "contacts_table" in outcomes:
        add(_failed("P3 contacts table", target, outcomes["contacts_table"], quick))
    if "lean_proxy" in outcomes and lean_proxy and lean_proxy.get("overall"):
        o = lean_proxy["overall"]
        add(Row("P3 lean page service behind a lean proxy (reference)",
                f"{o['throughput']:.0f} requests/s, p99 {o['p99_ms']:,.0f} ms", "-", None, None,
                None, f"{lean_proxy['rate']:.0f}/s offered, {o['errors']} errors"))  # fmt: skip
    elif "lean_proxy" in outcomes:
        add(_failed("P3 lean proxy (reference)", "-", outcomes["lean_proxy"], True))

    twr = figures("twr")
    target = f"<= {P4_SECONDS:g} s"
    if "twr" in outcomes and twr:
        ingest = twr.get("ingest_per_second")
        size = (f"{twr['accounts']:,} accounts x {twr['days']} days" if twr.get("accounts")
                else "a year of daily values")  # fmt: skip
        add(Row(f"P4 TWR query, {size}", f"{twr['median_seconds']:.2f} s median",
                target, judged(twr["median_seconds"] <= P4_SECONDS), None, None,
                f"best {twr['best_seconds']:.2f} s" + (f"; ingest {ingest:,.0f} events/s"
                                                       if ingest else "")))  # fmt: skip
    elif "twr" in outcomes:
        add(_failed("P4 TWR query", target, outcomes["twr"], quick))

    staging = figures("staging")
    if "staging" in outcomes and staging:
        add(Row(f"Staging deadline, {staging['holds']:,} holds released",
                f"{staging['released_per_second']:,.0f} holds/s", "-", None,
                _ratio(staging.get("published_per_second"), staging.get("raw_produce_per_second")),
                None, f"all on Kafka at {staging['published_per_second']:,.0f}/s"))  # fmt: skip
    elif "staging" in outcomes:
        add(_failed("Staging deadline", "-", outcomes["staging"], True))

    duplicates = figures("duplicates")
    if "duplicates" in outcomes and duplicates:
        add(Row(f"Likely duplicates over {duplicates['prospects']:,} prospects",
                f"{duplicates['suggest_ms_median']:,} ms median", "-", None, None, None,
                f"{duplicates['clusters']:,} clusters"))  # fmt: skip
    elif "duplicates" in outcomes:
        add(_failed("Likely duplicates", "-", outcomes["duplicates"], True))
    return table


def markdown(table: Sequence[Row]) -> str:
    def verdict(met: bool | None) -> str:
        return "-" if met is None else ("**yes**" if met else "**no**")

    def times(ratio: float | None) -> str:
        return "-" if ratio is None else (f"{ratio:.2f}x" if ratio >= 0.01 else f"{ratio:.4f}x")

    lines = [
        "| benchmark | figure | target | met? | x raw limit | x lean reference | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in table:
        lines.append(f"| {r.benchmark} | {r.figure} | {r.target} | {verdict(r.met)} | "
                     f"{times(r.raw_ratio)} | {times(r.lean_ratio)} | {r.note} |")  # fmt: skip
    return "\n".join(lines)


def header(*, quick: bool, load: tuple[float, float], seconds: float) -> str:
    sizes = "QUICK sizes: the figures only show that every benchmark runs; targets not judged"
    return (
        f"Benchmarks of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, broker "
        f"{os.environ.get('KAFKA_BOOTSTRAP_SERVERS') or 'embedded (Tansu)'}, PostgreSQL "
        f"{'external' if os.environ.get('DATABASE_URL') else 'embedded'}; 1-minute load "
        f"{load[0]:.1f} before, {load[1]:.1f} after ({seconds / 60:.0f} min)"
        + (f"\n{sizes}" if quick else "")
    )


# --------------------------------------------------------------------------- command line


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.all", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    parser.add_argument("--only", nargs="+", choices=NAMES, metavar="NAME",
                        help=f"run only these: {', '.join(NAMES)}")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print every figure as JSON too")
    parser.add_argument("--out", type=Path, help="where each benchmark's output is kept")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    root = Path(os.environ.get("STACK_DATA_DIR", Path(__file__).parent.parent / ".data"))
    out = args.out or root / f"bench-all-{datetime.now(UTC):%Y%m%d-%H%M%S}"
    out.mkdir(parents=True, exist_ok=True)
    chosen = [b for b in BENCHMARKS if not args.only or b.name in args.only]
    load_before, began = os.getloadavg()[0], time.perf_counter()
    outcomes: dict[str, Outcome] = {}
    try:
        for benchmark in chosen:
            outcomes[benchmark.name] = run(benchmark, quick=args.quick, out=out)
    except KeyboardInterrupt:
        print("Interrupted: the table of what ran so far follows.", file=sys.stderr)
    seconds = time.perf_counter() - began
    table = rows(outcomes, quick=args.quick)
    report = f"{header(quick=args.quick, load=(load_before, os.getloadavg()[0]), seconds=seconds)}"
    report += f"\n\n{markdown(table)}\n"
    (out / "table.md").write_text(report)
    print(f"\n{report}")
    if args.json:
        print(json.dumps({name: asdict(o) for name, o in outcomes.items()}, indent=2))
    print(f"(each benchmark's output: {out})", file=sys.stderr)
    return 0 if all(o.error is None for o in outcomes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

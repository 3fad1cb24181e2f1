"""``make bench-all``'s table: what the benchmarks report, judged against the targets and put
beside the raw limits and the lean references of the same run. No benchmark runs here."""

from __future__ import annotations

from typing import Any

from bench.all import Outcome, Row, last_json_object, markdown, rows, twr_figures


def outcome(name: str, figures: dict[str, Any] | None, error: str | None = None) -> Outcome:
    return Outcome(name, 1.0, 0 if figures else 1, figures, error)


def a_run(**changes: dict[str, Any]) -> dict[str, Outcome]:
    """Every benchmark's report, as they print it; ``changes`` replace some figures."""
    figures: dict[str, dict[str, Any]] = {
        "pipeline": {"events": 20_000, "end_to_end_per_second": 15_000.0,
                     "raw_produce_per_second": 50_000.0, "complete": True},
        "lean_consumer": {"per_second": 30_000.0, "raw_produce_per_second": 60_000.0,
                          "complete": True},
        "fanout": {"recipients": 10_000, "seconds": 2.5, "complete": True,
                   "deliveries_per_second": 12_000.0, "raw_produce_per_second": 48_000.0},
        "contacts_table": {"contacts": 100_000, "rate": 400.0, "overall": {
            "throughput": 396.0, "p99_ms": 41.0, "errors": 0}},
        "lean_proxy": {"contacts": 100_000, "rate": 400.0, "overall": {
            "throughput": 400.0, "p99_ms": 12.0, "errors": 0}},
        "twr": {"accounts": 10_000, "days": 252, "median_seconds": 0.8, "best_seconds": 0.7,
                "worst_seconds": 0.9, "ingest_per_second": 5000.0},
        "staging": {"holds": 10_000, "released_per_second": 900.0,
                    "published_per_second": 880.0, "raw_produce_per_second": 33_000.0},
        "duplicates": {"prospects": 100_000, "suggest_ms_median": 180, "clusters": 20},
    }  # fmt: skip
    for name, values in changes.items():
        figures[name] = {**figures[name], **values}
    return {name: outcome(name, values) for name, values in figures.items()}


def by_name(table: list[Row]) -> dict[str, Row]:
    return {row.benchmark.split(",")[0]: row for row in table}


def test_each_figure_is_judged_against_its_target_and_set_beside_its_references() -> None:
    table = by_name(rows(a_run(), quick=False))
    p1 = table["P1 ingest"]
    assert p1.figure == "15,000 events/s" and p1.met is True
    assert p1.raw_ratio == 0.3 and p1.lean_ratio == 0.5
    assert table["P1 lean consumer (reference)"].raw_ratio == 0.5
    p2 = table["P2 fan-out"]
    assert p2.figure == "2.50 s" and p2.met is False, "2.5 s is over 2 s"
    assert p2.raw_ratio == 0.25 and p2.lean_ratio is None
    p3 = table["P3 contacts table"]
    assert p3.met is True and p3.lean_ratio == 396 / 400, "396/s is within 97 % of 400/s"
    assert table["P4 TWR query"].met is True
    assert table["Staging deadline"].met is None, "no target"


def test_a_missed_target_is_no() -> None:
    table = by_name(rows(a_run(
        pipeline={"end_to_end_per_second": 12_000.0},  # 0.24x raw produce
        contacts_table={"overall": {"throughput": 400.0, "p99_ms": 51.0, "errors": 0}},
        twr={"median_seconds": 1.2},
    ), quick=False))  # fmt: skip
    assert table["P1 ingest"].met is False
    assert table["P3 contacts table"].met is False
    assert table["P4 TWR query"].met is False


def test_errors_or_an_incomplete_run_miss_the_target() -> None:
    table = by_name(rows(a_run(
        fanout={"seconds": 1.0, "complete": False},
        contacts_table={"overall": {"throughput": 400.0, "p99_ms": 10.0, "errors": 1}},
        pipeline={"end_to_end_per_second": None},
    ), quick=False))  # fmt: skip
    assert table["P2 fan-out"].met is False and "incomplete" in table["P2 fan-out"].figure
    assert table["P3 contacts table"].met is False
    assert table["P1 ingest"].met is False and table["P1 ingest"].figure == "incomplete"


def test_quick_sizes_are_not_judged_and_a_failed_benchmark_says_why() -> None:
    outcomes = a_run()
    outcomes["twr"] = outcome("twr", None, "timed out")
    quick = rows(outcomes, quick=True)
    assert {row.met for row in quick} == {None}
    full = by_name(rows(outcomes, quick=False))
    assert full["P4 TWR query"].figure == "timed out" and full["P4 TWR query"].met is False


def test_only_the_benchmarks_that_ran_have_rows_and_a_missing_reference_has_no_ratio() -> None:
    table = rows({"pipeline": a_run()["pipeline"]}, quick=False)
    assert [row.benchmark.split(",")[0] for row in table] == ["P1 ingest"]
    assert table[0].lean_ratio is None and table[0].raw_ratio == 0.3


def test_the_table_is_markdown_with_one_line_per_row() -> None:
    text = markdown(rows(a_run(), quick=False))
    lines = text.splitlines()
    assert lines[0].startswith("| benchmark | figure | target | met? |")
    assert set(lines[1]) <= {"|", "-"}
    assert len(lines) == 2 + 8 and all(line.count("|") == 8 for line in lines)
    assert "| **yes** | 0.30x | 0.50x |" in text and "| **no** | 0.25x | - |" in text


def test_the_figures_are_read_from_what_the_benchmarks_print() -> None:
    printed = 'Stopping...\n{"ignored": true}\nlog line\n{\n  "seconds": 2.5,\n  "x": {"y": 1}\n}\n'
    assert last_json_object(printed) == {"seconds": 2.5, "x": {"y": 1}}
    assert last_json_object("no figures") is None
    twr = ("ingest: 2,520,000 NAV + 50,776 cash-flow events in 1,752.4 s = 1,467 events/s (...)\n"
           "TWR query over 10,000 accounts x 252 days through GET /api/v1/queries/performance: "
           "median 4.100 s, best 3.400 s, worst 4.500 s (target <= 1.0 s: NOT met, ratio 4.10)\n")  # fmt: skip
    assert twr_figures(twr) == {"accounts": 10_000, "days": 252, "median_seconds": 4.1,
                                "best_seconds": 3.4, "worst_seconds": 4.5,
                                "ingest_per_second": 1467.0}  # fmt: skip

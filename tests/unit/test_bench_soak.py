"""The soak's report (``bench/soak.py``): latency percentiles, errors by action and status, memory
per process, and the verdict. No stack runs here."""

from __future__ import annotations

from bench.soak import ACCOUNT_CELL, CONTACT_LINK, Figures, percentile, report


def test_percentiles_of_the_latencies() -> None:
    values = [float(ms) for ms in range(101)]  # 0 to 100 ms
    assert percentile(values, 0.5) == 50.0 and percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0 and percentile([], 0.5) == 0.0


def test_a_soak_without_errors_passes_and_shows_memory_at_start_and_end() -> None:
    figures = Figures(minutes=1, users=2, think_seconds=3, seconds=60)
    figures.requests = {"dashboard": [20.0, 30.0, 40.0], "contacts table": [10.0]}
    figures.memory = {"contacts": [200.0, 230.0, 210.0]}
    shown = report(figures)
    assert "Verdict: PASS: 0 errors in 4 requests" in shown
    assert "contacts                   200     210     230    +5.0%" in shown


def test_any_error_or_exited_process_fails() -> None:
    figures = Figures(minutes=1, users=2, think_seconds=3, seconds=60)
    figures.requests = {"note added": [50.0]}
    figures.error("note added 500")
    figures.error("note added 500")
    figures.error("dashboard ReadTimeout")
    shown = report(figures)
    assert "errors: note added 500 x2, dashboard ReadTimeout x1" in shown
    assert "Verdict: FAIL: 3 errors in 1 requests" in shown
    figures.errors.clear()
    figures.exited = ["messaging"]
    assert "processes that exited: messaging" in report(figures)
    assert "Verdict: FAIL" in report(figures)


def test_a_stale_choice_refused_is_listed_apart_and_memory_that_moves_is_shown_in_full() -> None:
    figures = Figures(minutes=1, users=2, think_seconds=3, seconds=60)
    figures.requests = {"message sent": [40.0, 45.0]}
    figures.refused = {"message sent 422: not an open client account you can reach": 1}
    figures.memory = {"messaging": [100.0, 100.0, 130.0], "contacts": [200.0, 201.0]}
    shown = report(figures)
    assert "refused, as a person would be: message sent 422: not an open client" in shown
    assert "Verdict: PASS: 0 errors in 2 requests" in shown
    assert "messaging             100 100 130" in shown and "contacts              200" not in shown


def test_the_pages_links_and_account_cells_are_found() -> None:
    page = ('<td data-column="contact"><a href="/contacts/0b9d7d0c-0000-4000-8000-000000000001" '
            'title="Open the record">Ada</a></td><td data-column="account_number" >U1234567</td>')  # fmt: skip
    assert CONTACT_LINK.findall(page) == ["0b9d7d0c-0000-4000-8000-000000000001"]
    assert ACCOUNT_CELL.findall(page) == ["U1234567"]

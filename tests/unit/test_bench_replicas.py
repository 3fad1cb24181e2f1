"""Replicas in the pipeline benchmark: the option, the names the stack gives the extra
processes, and what is counted in the services' logs. No stack runs here."""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Sequence
from pathlib import Path

import pytest

import services.runtime.consumers
from bench.pipeline import Figures, replica_count, replica_lines
from bench.service_logs import DEADLOCK, ONE_AT_A_TIME, LogWindow
from deploy.stack import Child, Stack, StackConfig, service_of


def test_the_option_names_a_service_and_its_processes() -> None:
    assert replica_count("contacts=2") == ("contacts", 2)
    for wrong in ("contacts", "contacts=0", "contacts=two", "nobody=2"):
        with pytest.raises(argparse.ArgumentTypeError):
            replica_count(wrong)


def test_replicas_are_numbered_after_the_processes_already_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = Stack(StackConfig(portal_port=0, data_dir=tmp_path))
    stack.children = [Child(name, [], {}, tmp_path / f"{name}.log")
                      for name in ("contacts", "analytics")]  # fmt: skip
    started: list[str] = []

    def start(processes: Sequence[str], timeout: float) -> dict[str, int]:
        started.extend(processes)
        stack.children += [Child(p, [], {}, tmp_path / f"{p}.log") for p in processes]
        return {}

    monkeypatch.setattr(stack, "_start_and_wait", start)
    assert stack.add_replicas("contacts", 2) == ["contacts#2", "contacts#3"]
    assert stack.add_replicas("contacts", 1) == ["contacts#4"]
    assert started == ["contacts#2", "contacts#3", "contacts#4"]
    assert {service_of(p) for p in started} == {"contacts"}


def test_only_what_was_written_after_the_window_opened_is_counted(tmp_path: Path) -> None:
    first, second = tmp_path / "contacts.log", tmp_path / "contacts#2.log"
    first.write_text(f"an old {DEADLOCK}\n")
    window = LogWindow({"contacts": first, "contacts#2": second})
    with first.open("a") as log:
        log.write(f"warning {ONE_AT_A_TIME} error='DBAPIError: {DEADLOCK}\\n[SQL: ...]'\n")
    second.write_text(f"warning {ONE_AT_A_TIME} error=IntegrityError\n")
    assert window.lines_with(DEADLOCK) == {"contacts": 1}
    assert window.lines_with(ONE_AT_A_TIME) == {"contacts": 1, "contacts#2": 1}


def test_the_fallback_counted_is_the_one_the_consumers_log() -> None:
    assert ONE_AT_A_TIME in inspect.getsource(services.runtime.consumers)


def test_the_report_shows_every_replicas_cpu_and_the_log_counts() -> None:
    figures = Figures(events=10, seed=7, start="2026-01-05", clients_per_master=1, masters=1,
                      nproc=2, python="3.12", broker="embedded", database="embedded")  # fmt: skip
    figures.replicas = {"contacts": 2}
    figures.cpu_seconds = {"contacts": 40.0, "analytics": 9.0, "contacts#2": 38.5}
    figures.deadlocks, figures.one_at_a_time = 0, 3
    figures.one_at_a_time_by_process = {"contacts": 1, "analytics": 2}
    shown = "\n".join(replica_lines(figures))
    assert "contacts: 2 processes, CPU contacts 40.0 s, contacts#2 38.5 s" in shown
    assert "0 deadlocks, 3 batches applied one event at a time (contacts 1, analytics 2)" in shown

"""The embedded stack's data directory (``.data/`` unless STACK_DATA_DIR names another): what
it keeps between runs, which launcher runs on it, and starting afresh.

    postgres/      PostgreSQL's data directory: the gateway's and every service's database
    simulator/     the back-office simulator's state and its last batches (deploy/simulator_state.py)
    logs/          each process's log, appended to by every run
    mail/          outgoing email captured as .eml files (when SMTP_HOST is not set)
    runtime/       PostgreSQL's socket directory
    stack.json     the running launcher and its processes (removed by a clean stop)

    python -m deploy.data_dir reset      (what `make reset` runs)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

import psutil

from deploy.infrastructure import postgres_running_on

ROOT = Path(__file__).resolve().parent.parent


class StackAlreadyRunning(RuntimeError):
    pass


class DataDir:
    """The kept directory of ``make up``; ``Stack`` claims it, records in it what it starts,
    and releases it on a clean stop."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.postgres = path / "postgres"
        self.simulator = path / "simulator"
        self.logs = path / "logs"
        self.mail = path / "mail"
        self._record = path / "stack.json"

    # -- who runs on it ------------------------------------------------------------------------
    def claim(self) -> None:
        """Make this process the launcher running on the directory. Refuses when another live
        launcher has it; ends what a killed launcher left running (PostgreSQL excepted: the
        next start reuses a server still running on the directory)."""
        launcher, *processes = self._recorded().values()
        running = recorded_process(launcher)
        if running is not None and running.pid != os.getpid():
            raise StackAlreadyRunning(
                f"a stack already runs on {self.path} (launcher pid {running.pid}); stop it first"
            )
        leftovers = [process for process in map(recorded_process, processes) if process]
        for process in leftovers:
            with contextlib.suppress(psutil.Error):
                process.terminate()
        _, still = psutil.wait_procs(leftovers, timeout=10)
        for process in still:
            with contextlib.suppress(psutil.Error):
                process.kill()
        self.record({})

    def record(self, processes: Mapping[str, int]) -> None:
        """Note this launcher's processes (name -> pid), for the next start after a SIGKILL."""
        self.path.mkdir(parents=True, exist_ok=True)
        content = {
            "launcher": _identity(os.getpid()),
            "processes": {name: _identity(pid) for name, pid in processes.items()},
        }
        temporary = self._record.with_name(self._record.name + ".tmp")
        temporary.write_text(json.dumps(content, indent=2))
        os.replace(temporary, self._record)

    def release(self) -> None:
        self._record.unlink(missing_ok=True)

    def running(self) -> list[str]:
        """What still runs on the directory: the launcher, its processes, PostgreSQL."""
        found = [
            f"{name} (pid {process.pid})"
            for name, entry in self._recorded().items()
            if (process := recorded_process(entry)) is not None
        ]
        # the kept server, and a throwaway one of a benchmark running beside (run-<pid>/postgres)
        for postgres in [self.postgres, *self.path.glob("run-*/postgres")]:
            if (pid := postgres_running_on(postgres)) is not None:
                found.append(f"postgres (pid {pid})")
        return found

    # -- starting afresh -----------------------------------------------------------------------
    def reset(self) -> None:
        """Delete everything kept, unless something still runs on it."""
        if running := self.running():
            raise StackAlreadyRunning(
                f"still running on {self.path}: {', '.join(running)}. Stop the stack (Ctrl-C) "
                "first; after a crash, `make up` ends the leftovers (stop it again), or kill them."
            )
        shutil.rmtree(self.path, ignore_errors=True)

    def _recorded(self) -> dict[str, object]:
        """The recorded processes by name, the launcher first."""
        try:
            content = json.loads(self._record.read_text())
        except (OSError, ValueError):
            content = None
        if not isinstance(content, dict):
            return {"launcher": None}
        processes = content.get("processes")
        return {"launcher": content.get("launcher"),
                **(processes if isinstance(processes, dict) else {})}  # fmt: skip


def _identity(pid: int) -> dict[str, float]:
    """A pid and its process's start time: a pid reused by another process is not mistaken."""
    try:
        return {"pid": pid, "started": psutil.Process(pid).create_time()}
    except psutil.Error:
        return {"pid": pid, "started": 0.0}


def recorded_process(entry: object) -> psutil.Process | None:
    if not isinstance(entry, dict):
        return None
    try:
        process = psutil.Process(int(entry["pid"]))
        same = abs(process.create_time() - float(entry["started"])) < 0.01
        return process if same and process.status() != psutil.STATUS_ZOMBIE else None
    except (psutil.Error, KeyError, TypeError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.data_dir", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("command", choices=["reset"])
    parser.parse_args(argv)
    data = DataDir(Path(os.environ.get("STACK_DATA_DIR", ROOT / ".data")))
    try:
        data.reset()
    except StackAlreadyRunning as error:
        print(f"Nothing deleted: {error}", file=sys.stderr)
        return 1
    print(f"Deleted {data.path}: the next `make up` starts a new demo book.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

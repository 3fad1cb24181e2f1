"""Schemathesis against the gateway's own OpenAPI (/api/v1/openapi.json): every operation with
valid and invalid input, as a user of a master of its own. No answer may be a server error.

It runs Schemathesis's command line, its stable interface: the coverage phase (each boundary
and each enum value the schema names, alone and combined), then fuzzing and stateful runs of at
most ``MAX_EXAMPLES`` cases per operation; about a minute on 2 cores. A failure prints each
server error with a curl command that reproduces it and the seed that replays the whole run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from deploy.stack import Stack
from tests.e2e.conftest import new_user
from tests.e2e.test_portal_api import login

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = 20
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
LEFT_OUT = ("/api/v1/auth/logout",)
"""Logging out would end the session the run uses (the other routes of its own master's book
may be called freely: it creates, changes and deletes only its own records)."""


@pytest.mark.timeout(960)  # the run itself is bounded at 900 s below
def test_no_input_gets_a_server_error(stack: Stack, tmp_path: Path) -> None:
    client = login(stack, new_user(stack))
    command = [
        str(SCHEMATHESIS), "run", f"{stack.portal_url}/api/v1/openapi.json",
        "--checks", "not_a_server_error",
        "--max-examples", str(MAX_EXAMPLES),
        "--workers", "1",  # Hypothesis in two threads trips a CPython 3.11 AST bug
        "--header", f"Authorization: {client.headers['Authorization']}",
        *(option for path in LEFT_OUT for option in ("--exclude-path", path)),
        "--request-timeout", "30",
        "--generation-database", "none",
        "--no-color",
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-30_000:] + run.stderr[-5_000:]

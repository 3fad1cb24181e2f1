"""The stack starts each service on a port of its own and knows which service answers where."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import httpx
import pytest

from deploy import stack as stack_module
from deploy.infrastructure import free_port
from deploy.stack import Stack, StackConfig


def test_free_port_never_hands_out_the_same_port_twice() -> None:
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)


def test_a_service_whose_port_was_taken_is_started_again_on_another(
    kafka_bootstrap: str, postgres_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    taken = squatter.getsockname()[1]
    stack = Stack(
        StackConfig(
            portal_port=0, data_dir=tmp_path, kafka_bootstrap_servers=kafka_bootstrap,
            database_url=postgres_server, database_prefix=f"start_{uuid.uuid4().hex[:6]}_",
        )
    )  # fmt: skip
    stack.logs.mkdir(parents=True)
    offered = iter([taken])
    monkeypatch.setattr(stack_module, "free_port", lambda: next(offered, None) or free_port())
    try:
        urls = stack.start_services(["linkage"], timeout=90)
        url = urls["LINKAGE_URL"]
        assert not url.endswith(f":{taken}")
        health = httpx.get(f"{url}/healthz", trust_env=False).json()
        assert health["service"] == "linkage"
        assert "address already in use" in (stack.logs / "linkage.log").read_text().lower()
    finally:
        stack.stop()
        squatter.close()

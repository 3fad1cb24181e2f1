"""Every service in the registry has the same shape, and the compose file runs exactly them."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml

from contracts.services import SERVICE_NAMES, SERVICES, service_named
from services.runtime.service import ServiceDefinition
from services.runtime.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
SHAPE = ("domain", "service_layer", "store", "api", "handlers.py", "settings.py", "app.py")


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_every_service_folder_has_the_same_top_level_modules(name: str) -> None:
    folder = ROOT / "services" / name
    missing = [part for part in SHAPE if not (folder / part).exists()]
    assert missing == []


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_every_service_declares_itself_with_its_own_settings_class(name: str) -> None:
    definition = importlib.import_module(f"{service_named(name).module}.app").DEFINITION
    assert isinstance(definition, ServiceDefinition)
    assert definition.name == name
    assert issubclass(definition.settings, ServiceSettings)
    assert definition.settings is not ServiceSettings


def test_the_compose_file_runs_every_registered_service_and_the_gateway_finds_each() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for entry in SERVICES:
        assert entry.name in services, f"{entry.name} is missing from docker-compose.yml"
        assert services[entry.name]["command"] == ["python", "-m", entry.module]
        assert services[entry.name]["environment"]["SERVICE_NAME"] == entry.name
        assert entry.url_variable in services["gateway"]["environment"]
        assert entry.name in services["gateway"]["depends_on"]
    others = {"kafka", "postgres", "otel-collector", "gateway", "simulator", "kafka-init"}
    unregistered = set(services) - set(SERVICE_NAMES) - others
    assert unregistered == set(), "a service in the compose file that the registry lacks"


def test_a_name_outside_the_registry_is_refused() -> None:
    with pytest.raises(KeyError):
        service_named("billing")

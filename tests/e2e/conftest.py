from __future__ import annotations

import pytest

from chalicelib import bootstrap
from chalicelib.core.settings import get_settings
from tests.e2e.helpers import ApiClient


@pytest.fixture
def api(cloud) -> ApiClient:
    client = ApiClient(cloud.api_url)
    # Sign the operator in and deliver the sign-up's events before the test starts, so that what
    # a test counts (items, events, batches) is only what the test itself caused.
    client.token("operator")
    cloud.drain()
    return client


@pytest.fixture
def table(cloud) -> str:
    return get_settings().table_name


@pytest.fixture
def patience(monkeypatch):
    """Short waits for the workflows: ``patience(heartbeat=1, attempts=2)`` gives a command without
    a node heartbeat 1 s per attempt, two attempts in all."""

    def set_(heartbeat: int = 1, attempts: int = 2) -> None:
        monkeypatch.setenv("GPUAAS_COMMAND_HEARTBEAT_SECONDS", str(heartbeat))
        monkeypatch.setenv("GPUAAS_COMMAND_ATTEMPTS", str(attempts))
        get_settings.cache_clear()
        bootstrap.reset()

    yield set_
    monkeypatch.delenv("GPUAAS_COMMAND_HEARTBEAT_SECONDS", raising=False)
    monkeypatch.delenv("GPUAAS_COMMAND_ATTEMPTS", raising=False)
    get_settings.cache_clear()
    bootstrap.reset()

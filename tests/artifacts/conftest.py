"""Fixtures for artifacts: the live server of tests/server (and the real SDK runner), our client online."""

from __future__ import annotations

import pytest

from online.conftest import server_process  # noqa: F401  (a server that can be killed and started again)
from server.conftest import LiveServer, live_server, run_sdk  # noqa: F401  (fixtures shared with tests/server)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "wandb_sdk: runs the real W&B SDK (pip wandb) against the local server")


@pytest.fixture
def online(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> LiveServer:
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    monkeypatch.setenv("WANDB_API_KEY", live_server.admin_key)
    monkeypatch.setenv("WANDB_MODE", "online")
    return live_server

"""Fixtures for sweeps: the live server and the real SDK of tests/server, and the ``online`` environment."""

from __future__ import annotations

from online.conftest import online, recorder  # noqa: F401  (online: WANDB_* for a live server; recorder: its requests)
from server.conftest import LiveServer, basic, live_server, run_sdk  # noqa: F401  (fixtures shared with tests/server)


def pytest_configure(config) -> None:  # type: ignore[no-untyped-def]
    config.addinivalue_line("markers", "wandb_sdk: runs the real W&B SDK (pip wandb) against the local server")

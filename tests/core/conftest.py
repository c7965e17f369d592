"""Fixtures of tests/core: the same program run with this package and with the real W&B SDK (offline),
shared with tests/data_types (``run_both``, ``run_ours``)."""

from __future__ import annotations

import pytest

from data_types.conftest import run_both, run_ours  # noqa: F401  (fixtures shared with tests/data_types)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "wandb_sdk: runs the real W&B SDK (pip wandb) as the reference")

"""Fixtures of the reliability tests, and the figures they measured, shown at the end of the session.

``server_process`` -> ``wandb-jupyter server`` in a child process (``server.launch()``), that of
    tests/online: ``start()``, ``kill()``, ``url``, ``admin_key``, ``data_dir``.
``figures`` -> ``figures(test, text)`` records a line for the terminal summary (and prints it), so
    the counts and latencies are visible with and without ``-s``.
``seed`` -> this test's seed: ``RELIABILITY_SEED`` from the environment, else a random one (printed,
    and named in failures, so a failing draw can be replayed).
"""

from __future__ import annotations

import os
import random

import pytest

from online.conftest import server_process  # noqa: F401  (the fixture of tests/online)

_FIGURES: list[str] = []


@pytest.fixture
def figures(request: pytest.FixtureRequest):
    def record(text: str) -> None:
        line = f"{request.node.nodeid}: {text}"
        _FIGURES.append(line)
        print(line)

    return record


@pytest.fixture
def seed(figures) -> int:
    value = int(os.environ.get("RELIABILITY_SEED") or random.SystemRandom().randrange(1 << 32))
    figures(f"seed {value} (replay with RELIABILITY_SEED={value})")
    return value


def pytest_terminal_summary(terminalreporter) -> None:
    if _FIGURES:
        terminalreporter.section("reliability figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)

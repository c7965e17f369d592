"""Fixtures for sweeps: the live server and the real SDK of tests/server, and the ``online`` environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from online.conftest import online, recorder  # noqa: F401  (online: WANDB_* for a live server; recorder: its requests)
from server.conftest import LiveServer, basic, live_server, run_sdk  # noqa: F401  (fixtures shared with tests/server)


def pytest_configure(config) -> None:  # type: ignore[no-untyped-def]
    config.addinivalue_line("markers", "wandb_sdk: runs the real W&B SDK (pip wandb) against the local server")


def run_agents(
    program: str, sweep_id: str, env: dict[str, str], work: Path, *, marker: str, timeout: float
) -> list[str]:
    """Two agent processes of ``program`` on one sweep; both must succeed and start 6 runs between them.

    ``marker``: the line an agent prints for each run it starts (W&B and ours spell it differently).
    """
    agents = [
        subprocess.Popen(
            [sys.executable, "-c", program, sweep_id],
            cwd=work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [agent.communicate(timeout=timeout)[0] for agent in agents]
    assert all(agent.returncode == 0 for agent in agents), outputs
    started = [out.count(marker) for out in outputs]
    assert sum(started) == 6 and all(started), (started, outputs)  # both worked on the one sweep
    return outputs

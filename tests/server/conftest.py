"""Fixtures for the local server's tests: a live server on loopback, and the real W&B SDK as its client.

``live_server`` -> :class:`LiveServer`
    The server of ``wandb_jupyter.server`` in a thread of the test process, on a
    free port of 127.0.0.1, with its data dir under the test's tmp folder and an
    admin user whose key is ``admin_key``. Stopped (bounded wait) at teardown.
    ``gql(query, variables, key=...)``, ``stream(entity, project, run, body, key=...)``
    and ``upsert(run, project=..., key=...)`` send requests with ``requests``.
``run_sdk`` -> ``run_sdk(server, script, env=None, key=None) -> CompletedProcess``
    Runs ``script`` with the real ``wandb`` SDK in a fresh interpreter, online
    against ``server``, in isolated HOME/WANDB_* folders (bounded by a timeout).

Tests that start the real SDK are marked ``wandb_sdk`` (``-m "not wandb_sdk"`` leaves them out).
"""

from __future__ import annotations

import asyncio
import base64
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SDK_TIMEOUT = 120.0  # seconds one real-SDK script may take
STOP_TIMEOUT = 10.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "wandb_sdk: runs the real W&B SDK (pip wandb) against the local server "
        '(a few seconds each); deselect with -m "not wandb_sdk"',
    )


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"api:{key}".encode()).decode()}


class LiveServer:
    def __init__(self, data_dir: Path) -> None:
        from tornado.httpserver import HTTPServer
        from tornado.netutil import bind_sockets

        from wandb_jupyter.app import make_app
        from wandb_jupyter.server import ServerContext

        self.data_dir = data_dir
        self.ctx = ServerContext.open(data_dir)
        first = self.ctx.ensure_admin()
        assert first is not None
        self.admin, self.admin_key = first
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        errors: list[BaseException] = []

        async def start() -> None:
            self.http = HTTPServer(make_app(self.ctx))
            sockets = bind_sockets(0, "127.0.0.1")
            self.http.add_sockets(sockets)
            self.port = sockets[0].getsockname()[1]

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            try:
                self.loop.run_until_complete(start())
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)
                started.set()
                return
            started.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, name="live-server", daemon=True)
        self.thread.start()
        assert started.wait(10), "the server did not start within 10 s"
        if errors:
            raise errors[0]
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        async def shutdown() -> None:
            self.http.stop()
            await self.http.close_all_connections()

        future = asyncio.run_coroutine_threadsafe(shutdown(), self.loop)
        try:
            future.result(STOP_TIMEOUT)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(STOP_TIMEOUT)
            self.ctx.close()

    # -- requests ------------------------------------------------------------
    def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        key: str | None = "admin",
        operation: str | None = None,
    ) -> Any:
        import requests

        headers = basic(self.admin_key if key == "admin" else key) if key else {}
        body: dict[str, Any] = {"query": query, "variables": variables or {}}
        if operation:
            body["operationName"] = operation
        return requests.post(f"{self.url}/graphql", json=body, headers=headers, timeout=10)

    def upsert(
        self, run: str, *, project: str = "p", entity: str | None = None, key: str | None = "admin", **fields: Any
    ) -> Any:
        variables = {"name": run, "project": project, "entity": entity, **fields}
        return self.gql(
            """mutation UpsertBucket($name: String, $project: String, $entity: String,
                $displayName: String, $config: JSONString, $tags: [String!], $summaryMetrics: JSONString) {
              upsertBucket(input: {name: $name, modelName: $project, entityName: $entity, displayName: $displayName,
                                   config: $config, tags: $tags, summaryMetrics: $summaryMetrics}) {
                bucket { id name displayName config project { name entity { name } } historyLineCount }
                inserted } }""",
            variables,
            key=key,
        )

    def stream(
        self, entity: str, project: str, run: str, body: dict[str, Any], *, key: str | None = "admin", **kwargs: Any
    ) -> Any:
        import requests

        headers = basic(self.admin_key if key == "admin" else key) if key else {}
        return requests.post(
            f"{self.url}/files/{entity}/{project}/{run}/file_stream", json=body, headers=headers, timeout=10, **kwargs
        )

    def run_dir(self, entity: str, project: str, run: str) -> Path:
        found = sorted((self.data_dir / "runs" / entity / project).glob(f"run-*-{run}"))
        assert len(found) == 1, found
        return found[0]


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path / "server-data")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def run_sdk(tmp_path: Path, env_for_subprocess: dict[str, str]):
    """Run a script with the real wandb SDK against a server (see the module docstring)."""
    pytest.importorskip("wandb")
    work = tmp_path / "sdk"
    work.mkdir(exist_ok=True)

    def run(
        server: LiveServer, script: str, env: dict[str, str] | None = None, key: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        full = dict(env_for_subprocess)
        full.update(
            WANDB_BASE_URL=server.url,
            WANDB_API_KEY=key or server.admin_key,
            WANDB_DIR=str(work),
            TMPDIR=str(tmp_path),
            WANDB_X_STATS_SAMPLING_INTERVAL="1",
        )
        full.update(env or {})
        return subprocess.run(
            [sys.executable, "-c", script], cwd=work, env=full, capture_output=True, text=True, timeout=SDK_TIMEOUT
        )

    run.work = work  # type: ignore[attr-defined]
    return run


@pytest.fixture
def server_env(env_for_subprocess: dict[str, str]) -> dict[str, str]:
    """Environment for a ``wandb-jupyter server`` subprocess."""
    env = dict(env_for_subprocess)
    env.pop("WANDB_API_KEY", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env

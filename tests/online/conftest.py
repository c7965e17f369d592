"""Fixtures for online mode: our server on loopback (in a thread, or in a process that can be killed).

``online`` -> the ``live_server`` of tests/server (a :class:`LiveServer` in a thread),
    with WANDB_BASE_URL, WANDB_API_KEY and WANDB_MODE=online set for the test.
``recorder`` -> a list that receives every GraphQL, file_stream and upload request the
    live server gets: ``{"kind", "operation", "variables", "query", "body", "headers"}``.
``server_process`` -> ``start(port=0)`` runs ``wandb-jupyter server`` as a child process
    (so it can be SIGKILLed and restarted on the same port with the same data).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import free_port
from server.conftest import LiveServer, basic, live_server, run_sdk  # noqa: F401  (fixtures shared with tests/server)

START_TIMEOUT = 30.0


def pytest_configure(config: pytest.Config) -> None:
    # tests/server registers it too; this keeps `pytest tests/online` alone free of warnings
    config.addinivalue_line("markers", "wandb_sdk: runs the real W&B SDK (pip wandb) against the local server")


@pytest.fixture
def online(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> LiveServer:
    monkeypatch.setenv("WANDB_BASE_URL", live_server.url)
    monkeypatch.setenv("WANDB_API_KEY", live_server.admin_key)
    monkeypatch.setenv("WANDB_MODE", "online")
    return live_server


def server_rows(server: Any, run_id: str, *, entity: str = "admin", project: str = "p") -> list[dict[str, Any]]:
    path = server_run_dir(server.data_dir, entity, project, run_id) / "files" / "wandb-history.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def server_run_dir(data_dir: Path, entity: str, project: str, run_id: str) -> Path:
    found = sorted((Path(data_dir) / "runs" / entity / project).glob(f"run-*-{run_id}"))
    assert len(found) == 1, found
    return found[0]


def server_run(server: Any, run_id: str, *, entity: str = "admin", project: str = "p") -> Any:
    storage = server.ctx.storage
    found = storage.get_project(entity, project)
    return storage.get_run(found, run_id) if found else None


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    from wandb_jupyter.server import _handlers

    records: list[dict[str, Any]] = []

    def wrap(cls: type, method: str, kind: str) -> None:
        original = getattr(cls, method)

        def recorded(self: Any, *args: Any, **kwargs: Any) -> Any:
            entry: dict[str, Any] = {
                "kind": kind,
                "path": self.request.path,
                "headers": {k.lower(): v for k, v in self.request.headers.items()},
            }
            if kind != "upload":
                try:
                    body = json.loads(self.request.body or b"null")
                except ValueError:
                    body = None
                entry["body"] = body
                if kind == "graphql" and isinstance(body, dict):
                    entry.update(
                        operation=body.get("operationName"), variables=body.get("variables"), query=body.get("query")
                    )
            records.append(entry)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(cls, method, recorded)

    wrap(_handlers.GraphQLHandler, "post", "graphql")
    wrap(_handlers.FileStreamHandler, "post", "file_stream")
    wrap(_handlers.UploadHandler, "put", "upload")
    return records


class ServerProcess:
    """``wandb-jupyter server`` in a child process; SIGKILL it and start it again on the same port."""

    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        from wandb_jupyter.server import ServerContext

        self.data_dir = data_dir
        self.env = env
        self.proc: subprocess.Popen[str] | None = None
        context = ServerContext.open(data_dir)  # the admin and its key exist before the first start
        try:
            _, self.admin_key = context.ensure_admin()  # type: ignore[misc]
        finally:
            context.close()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, port: int | None = None) -> ServerProcess:
        port = self.port if port is None else port
        from wandb_jupyter.server import launch

        launched = launch(self.data_dir, port=port, env=self.env, timeout=START_TIMEOUT)
        self.proc = launched.process
        assert launched.url == self.url, (launched.url, self.url)
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def server_process(tmp_path: Path, env_for_subprocess: dict[str, str]):
    env = dict(env_for_subprocess)
    env["PYTHONUNBUFFERED"] = "1"
    server = ServerProcess(tmp_path / "server-process-data", env)
    try:
        yield server
    finally:
        server.stop()

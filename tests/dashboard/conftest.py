"""Fixtures for the dashboard: a real ``wandb-jupyter server`` process, a real ``jupyter server`` process.

``standalone`` -> :class:`Standalone`
    ``wandb-jupyter server`` started by ``server.launch()`` on a free loopback port, with its
    data under the test's tmp folder and ``--frame-ancestors`` :data:`FRAME_ORIGIN`.
    ``get(path, **params)`` asks with the admin's API key; ``stream(...)`` posts file_stream;
    ``run_dir(...)`` finds a run's folder in the data dir.
``start_jupyter`` -> ``start(root, env=..., args=...) -> JupyterServer``
    ``python -m jupyter_server`` with a token, in isolated HOME/JUPYTER_* folders whose config
    folder holds the repository's ``jupyter-config`` (so the shipped file is what enables the
    extension), ``--ServerApp.root_dir=root``. Stopped at teardown.
``offline_run`` -> ``make(cwd, project, rows, env=...) -> run id``
    Our client logging an offline run in a child process (as a notebook user would).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from conftest import READY_GUARD, free_port, wait_until_ready  # tests/conftest.py

REPO = Path(__file__).resolve().parents[2]
FRAME_ORIGIN = "http://127.0.0.1:9999"
START_TIMEOUT = READY_GUARD  # launch() waits for the server's address while it runs; this only guards
STOP_TIMEOUT = 15.0
CHILD_TIMEOUT = 120.0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "wandb_sdk: runs the real W&B SDK (pip wandb) against the local server")


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it is still there after STOP_TIMEOUT."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"api:{key}".encode()).decode()}


@dataclass
class Standalone:
    process: subprocess.Popen
    url: str
    key: str
    login_url: str
    data_dir: Path

    def get(self, path: str, *, key: str | None = "admin", **params: Any) -> requests.Response:
        headers = basic(self.key if key == "admin" else key) if key else {}
        return requests.get(f"{self.url}{path}", params=params, headers=headers, timeout=30, allow_redirects=False)

    def api(self, path: str, **params: Any) -> Any:
        answer = self.get(f"/_dashboard/api/{path}", **params)
        assert answer.status_code == 200, (answer.status_code, answer.text)
        return answer.json()

    def stream(
        self,
        project: str,
        run: str,
        files: dict[str, Any],
        *,
        key: str | None = None,
        entity: str = "admin",
        **extra: Any,
    ) -> None:
        answer = requests.post(
            f"{self.url}/files/{entity}/{project}/{run}/file_stream",
            json={"files": files, **extra},
            headers=basic(key or self.key),
            timeout=60,
        )
        assert answer.status_code == 200, answer.text

    def gql(self, query: str, variables: dict[str, Any] | None = None, *, key: str | None = "admin") -> Any:
        headers = basic(self.key if key == "admin" else key) if key else {}
        answer = requests.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, headers=headers, timeout=30
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]

    def upsert(self, project: str, run: str, *, key: str | None = "admin", **fields: Any) -> Any:
        return self.gql(
            """mutation U($name: String, $project: String, $displayName: String, $notes: String,
                $config: JSONString, $tags: [String!]) {
              upsertBucket(input: {name: $name, modelName: $project, displayName: $displayName, notes: $notes,
                                   config: $config, tags: $tags}) {
                bucket { name project { entity { name } } } } }""",
            {"name": run, "project": project, **fields},
            key=key,
        )["upsertBucket"]["bucket"]

    def run_dir(self, entity: str, project: str, run: str) -> Path:
        found = sorted((self.data_dir / "runs" / entity / project).glob(f"run-*-{run}"))
        assert len(found) == 1, found
        return found[0]

    def stop(self) -> None:
        stop_process(self.process)


@pytest.fixture
def server_env(env_for_subprocess: dict[str, str]) -> dict[str, str]:
    env = dict(env_for_subprocess)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture
def standalone(tmp_path: Path, server_env: dict[str, str]) -> Iterator[Standalone]:
    from wandb_jupyter.server import launch

    data_dir = tmp_path / "server-data"
    launched = launch(
        data_dir,
        env=server_env,
        frame_ancestors=(FRAME_ORIGIN,),
        timeout=START_TIMEOUT,
        extra_args=("--allow-anonymous",),  # the secret links of anonymous runs are tested here
    )
    server = Standalone(
        process=launched.process,
        url=launched.url,
        key=launched.admin_key or "",
        login_url=launched.login_url or "",
        data_dir=data_dir,
    )
    try:
        assert server.key and server.login_url, "".join(launched.output)
        yield server
    finally:
        server.stop()


# -- our client and the real SDK as run writers ------------------------------------------------------------


def run_child(script: str, *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


OFFLINE_RUN = """
import wandb_jupyter as wandb
run = wandb.init(project={project!r}, config={{"lr": 0.5}})
for i in range({rows}):
    run.log({{"v": i * i}})
print("offline output line")
run.finish()
print("RUN", run.id)
"""


@pytest.fixture
def offline_run(env_for_subprocess: dict[str, str]) -> Callable[..., str]:
    """Log an offline run with our client in a child process; returns its id."""

    def make(cwd: Path, project: str, rows: int, env: dict[str, str] | None = None) -> str:
        cwd.mkdir(parents=True, exist_ok=True)
        full = {**env_for_subprocess, "WANDB_MODE": "offline", **(env or {})}
        done = run_child(OFFLINE_RUN.format(project=project, rows=rows), cwd=cwd, env=full)
        return re.search(r"^RUN (\S+)$", done.stdout, re.M).group(1)  # type: ignore[union-attr]

    return make


# -- jupyter server ------------------------------------------------------------------------------------


@dataclass
class JupyterServer:
    process: subprocess.Popen
    url: str  # with the base_url, ending in "/"
    token: str
    log: Path

    def get(self, path: str, *, token: bool = True, token_param: str | None = None, **params: Any) -> requests.Response:
        """GET with the token in the Authorization header (``token``) and/or as ``?token=``."""
        headers = {"Authorization": f"token {self.token}"} if token else {}
        if token_param is not None:
            params["token"] = token_param
        return requests.get(f"{self.url}{path}", params=params, headers=headers, timeout=30, allow_redirects=False)

    def api(self, path: str, **params: Any) -> Any:
        answer = self.get(f"wandb/_dashboard/api/{path}", **params)
        assert answer.status_code == 200, (answer.status_code, answer.text, self.log_tail())
        return answer.json()

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        stop_process(self.process)


@pytest.fixture
def start_jupyter(tmp_path: Path, env_for_subprocess: dict[str, str]) -> Iterator[Callable[..., JupyterServer]]:
    pytest.importorskip("jupyter_server")
    servers: list[JupyterServer] = []

    def start(
        root: Path, *, env: dict[str, str] | None = None, args: tuple[str, ...] = (), base_url: str = "/"
    ) -> JupyterServer:
        home = tmp_path / f"jupyter{len(servers)}"
        config = home / "config"
        shutil.copytree(REPO / "jupyter-config", config)  # the file the wheel installs into etc/jupyter
        full = {
            **env_for_subprocess,
            "JUPYTER_CONFIG_DIR": str(config),
            "JUPYTER_DATA_DIR": str(home / "data"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTER_PLATFORM_DIRS": "1",
            **(env or {}),
        }
        port = free_port()
        token = os.urandom(16).hex()
        log = home / "jupyter.log"
        command = [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--port-retries=0",
            f"--ServerApp.token={token}",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={root}",
            f"--ServerApp.base_url={base_url}",
            *args,
        ]
        with log.open("wb") as handle:
            process = subprocess.Popen(
                command, cwd=root, env=full, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        server = JupyterServer(process=process, url=f"http://127.0.0.1:{port}{base_url}", token=token, log=log)
        servers.append(server)
        wait_until_ready(
            process,
            lambda: server.get("api/status").status_code == 200,
            what=f"jupyter server on port {port}",
            log_tail=server.log_tail,
        )
        return server

    yield start
    for server in servers:
        server.stop()


def json_of(answer: requests.Response) -> Any:
    assert answer.headers["Content-Type"].startswith("application/json"), answer.headers
    return json.loads(answer.text)

"""Fixtures of the security tests: our server as a child process on loopback, with two users.

``launched`` -> :class:`Launched`: ``wandb-jupyter server -vv`` started with :func:`wandb_jupyter.server.launch`
    on a free port of 127.0.0.1, its log in ``log_file``; ``admin_key`` and ``bob_key`` were issued before the
    start (users ``admin`` and ``bob``, each with an entity of that name). ``post``/``gql``/``stream`` send
    requests; ``signer`` signs upload URLs with the server's own secret (read from its index).
A test marked ``@pytest.mark.server_args(*ANONYMOUS)`` gets a server that allows anonymous accounts (3 runs
and 1 MiB each); ``server_args`` passes any options of ``wandb-jupyter server``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import requests

TIMEOUT = 30
#: Server options of the tests that need anonymous accounts (``@pytest.mark.server_args(*ANONYMOUS)``).
ANONYMOUS = ("--allow-anonymous", "--anonymous-max-runs", "3", "--anonymous-max-mib", "1")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "server_args(*args): options of the launched wandb-jupyter server")


def basic(key: str | None) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"api:{key}".encode()).decode()} if key else {}


class Launched:
    def __init__(self, data_dir: Path, log_file: Path, env: dict[str, str], extra_args: tuple[str, ...] = ()) -> None:
        from wandb_jupyter.server import ServerContext, launch
        from wandb_jupyter.server._signing import UrlSigner

        self.data_dir = data_dir
        self.log_file = log_file
        context = ServerContext.open(data_dir)
        try:
            _, self.admin_key = context.ensure_admin()  # type: ignore[misc]
            self.bob_key = context.issue_key(context.storage.create_user("bob"))
            self.signer = UrlSigner(context.storage.secret())
        finally:
            context.close()
        started = launch(data_dir, env=env, log_file=log_file, verbose=2, timeout=TIMEOUT, extra_args=extra_args)
        self.process, self.url = started.process, started.url

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except Exception:
                self.process.kill()
                self.process.wait(10)

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    # -- requests ------------------------------------------------------------
    def post(self, path: str, data: bytes, *, key: str | None = None, headers: dict[str, str] | None = None) -> Any:
        return requests.post(f"{self.url}{path}", data=data, headers={**basic(key), **(headers or {})}, timeout=TIMEOUT)

    def gql(self, query: str, variables: dict[str, Any] | None = None, *, key: str | None = None) -> Any:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        return self.post("/graphql", body, key=key, headers={"Content-Type": "application/json"})

    def stream(self, entity: str, project: str, run: str, body: dict[str, Any], *, key: str | None = None) -> Any:
        return self.post(f"/files/{entity}/{project}/{run}/file_stream", json.dumps(body).encode(), key=key)

    def upsert(self, run: str, *, key: str | None, project: str = "p", entity: str | None = None, **fields: Any) -> Any:
        return self.gql(
            """mutation U($name: String, $project: String, $entity: String, $config: JSONString,
                                     $summaryMetrics: JSONString) {
              upsertBucket(input: {name: $name, modelName: $project, entityName: $entity, config: $config,
                                   summaryMetrics: $summaryMetrics}) { bucket { id name } } }""",
            {"name": run, "project": project, "entity": entity, **fields},
            key=key,
        )

    def upload_urls(self, entity: str, project: str, run: str, names: list[str], *, key: str | None) -> Any:
        return self.gql(
            """mutation C($e: String!, $p: String!, $r: String!, $f: [String!]!) {
              createRunFiles(input: {entityName: $e, projectName: $p, runName: $r, files: $f}) {
                files { name uploadUrl } } }""",
            {"e": entity, "p": project, "r": run, "f": names},
            key=key,
        )

    def run_dir(self, entity: str, project: str, run: str) -> Path:
        found = sorted((self.data_dir / "runs" / entity / project).glob(f"run-*-{run}"))
        assert len(found) == 1, found
        return found[0]


@pytest.fixture
def launched(tmp_path: Path, env_for_subprocess: dict[str, str], request: pytest.FixtureRequest):
    env = dict(env_for_subprocess)
    env["PYTHONUNBUFFERED"] = "1"
    marker = request.node.get_closest_marker("server_args")
    server = Launched(tmp_path / "server-data", tmp_path / "server.log", env, tuple(marker.args) if marker else ())
    try:
        yield server
    finally:
        server.stop()

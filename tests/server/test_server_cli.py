"""``wandb-jupyter server`` as a process: first start, ``user add``, and a restart that keeps everything."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import requests

from wandb_jupyter.server._accounts import key_shape_ok

KEY = re.compile(r"local-[0-9a-f]{40}")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wandb_jupyter", *args], env=env, capture_output=True, text=True, timeout=60
    )


class ServerProcess:
    """``wandb-jupyter server --port 0``; reads its URL from stdout with a bounded wait."""

    def __init__(self, data_dir: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wandb_jupyter", "server", "--port", "0", "--data-dir", str(data_dir)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=open(data_dir.parent / "server.err", "a"),
            text=True,
        )
        self.err = data_dir.parent / "server.err"
        self.lines: list[str] = []
        found = threading.Event()

        def read() -> None:
            for line in self.proc.stdout:  # type: ignore[union-attr]
                self.lines.append(line)
                if line.startswith("wandb-jupyter server: http"):
                    found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        assert found.wait(START_TIMEOUT), "the server printed no URL in time"
        match = re.search(r"^wandb-jupyter server: (http://\S+)", self.output, re.M)
        assert match, self.output + self.err.read_text()
        self.url = match.group(1)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)
        return self.proc.returncode


def _auth(key: str) -> dict[str, str]:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"api:{key}".encode()).decode()}


def _gql(url: str, key: str, query: str, variables: dict | None = None) -> dict:
    answer = requests.post(
        f"{url}/graphql", json={"query": query, "variables": variables or {}}, headers=_auth(key), timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


UPSERT = """mutation U($name: String, $project: String, $config: JSONString) {
  upsertBucket(input: {name: $name, modelName: $project, config: $config}) { bucket { displayName } } }"""
RUN = """query R($name: String!) { project(name: "p") { run(name: $name) {
  displayName config historyLineCount summaryMetrics user { name } } } }"""


def test_help_texts(server_env) -> None:
    for args in (["server", "--help"], ["server", "user", "add", "--help"], ["--help"]):
        done = _cli(*args, env=server_env)
        assert done.returncode == 0, done.stderr
        assert "server" in done.stdout
    assert "--data-dir" in _cli("server", "--help", env=server_env).stdout


def test_user_add_prints_a_key_of_the_right_shape(tmp_path, server_env) -> None:
    data = str(tmp_path / "data")
    done = _cli("server", "user", "add", "carol", "--email", "c@example.com", "--data-dir", data, env=server_env)
    assert done.returncode == 0, done.stderr
    keys = set(KEY.findall(done.stdout))
    assert len(keys) == 1 and key_shape_ok(keys.pop())
    assert "WANDB_API_KEY=" in done.stdout and "wandb login" in done.stdout
    again = _cli("server", "--data-dir", data, "user", "add", "carol", env=server_env)
    assert again.returncode == 2 and "--new-key" in again.stderr
    more = _cli("server", "--data-dir", data, "user", "add", "carol", "--new-key", env=server_env)
    assert more.returncode == 0 and KEY.search(more.stdout)
    assert KEY.search(more.stdout).group(0) not in done.stdout
    assert _cli("server", "user", "add", "bad name", "--data-dir", data, env=server_env).returncode == 2


def test_first_start_prints_the_admin_key_once_and_a_restart_keeps_everything(tmp_path, server_env) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data, server_env)
    try:
        keys = KEY.findall(server.output)
        assert keys and len(set(keys)) == 1, server.output
        admin_key = keys[0]
        assert f"WANDB_BASE_URL={server.url}" in server.output and "wandb login" in server.output
        assert requests.get(f"{server.url}/health", timeout=10).json()["status"] == "ok"
        config = json.dumps({"lr": {"value": 0.1}})
        name = _gql(server.url, admin_key, UPSERT, {"name": "kept", "project": "p", "config": config})
        name = name["upsertBucket"]["bucket"]["displayName"]
        rows = [json.dumps({"_step": i}) for i in range(5)]
        answer = requests.post(
            f"{server.url}/files/admin/p/kept/file_stream",
            headers=_auth(admin_key),
            timeout=10,
            json={
                "files": {
                    "wandb-history.jsonl": {"offset": 0, "content": rows},
                    "wandb-summary.json": {"offset": 0, "content": ['{"_step": 4}']},
                }
            },
        )
        assert answer.status_code == 200
        # a user added while the server runs can log in at once
        added = _cli("server", "user", "add", "dave", "--data-dir", str(data), env=server_env)
        dave_key = KEY.search(added.stdout).group(0)
        assert _gql(server.url, dave_key, "{ viewer { name } }")["viewer"]["name"] == "dave"
    finally:
        assert server.stop() == 0, server.err.read_text()

    restarted = ServerProcess(data, server_env)
    try:
        assert not KEY.search(restarted.output), "a restart must not print or create another admin key"
        run = _gql(restarted.url, admin_key, RUN, {"name": "kept"})["project"]["run"]
        assert run["displayName"] == name and json.loads(run["config"]) == {"lr": {"value": 0.1}}
        assert run["historyLineCount"] == 5 and json.loads(run["summaryMetrics"]) == {"_step": 4}
        assert run["user"] == {"name": "admin"}
        assert _gql(restarted.url, dave_key, "{ viewer { name } }")["viewer"]["name"] == "dave"
        # offsets continue where the stored file ends: a retried old request adds nothing
        more = [json.dumps({"_step": i}) for i in range(3, 8)]
        answer = requests.post(
            f"{restarted.url}/files/admin/p/kept/file_stream",
            headers=_auth(admin_key),
            json={"files": {"wandb-history.jsonl": {"offset": 3, "content": more}}},
            timeout=10,
        )
        assert answer.status_code == 200
        history = next((data / "runs" / "admin" / "p").glob("run-*-kept")) / "files" / "wandb-history.jsonl"
        assert [json.loads(line)["_step"] for line in history.read_text().splitlines()] == list(range(8))
    finally:
        restarted.stop()
    assert (data / "index.sqlite3").exists()

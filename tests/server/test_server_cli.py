"""``wandb-jupyter server`` as a process: first start, ``user add``, and a restart that keeps everything."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
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

    def __init__(self, data_dir: Path, env: dict[str, str], *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wandb_jupyter", "server", "--port", "0", "--data-dir", str(data_dir), *extra],
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
    assert "WANDB_API_KEY=" in done.stdout and "wandb-jupyter login" in done.stdout
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
        assert not KEY.search(server.output), "piped output is no place for the admin's key"
        key_file = data / "admin-key.txt"  # where it is instead, readable by its owner only
        assert str(key_file) in server.output and key_file.stat().st_mode & 0o777 == 0o600
        keys = KEY.findall(key_file.read_text())
        assert keys and len(set(keys)) == 1
        admin_key = keys[0]
        assert f"WANDB_BASE_URL={server.url}" in key_file.read_text() and "wandb-jupyter login" in key_file.read_text()
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


def _dashboard_token(data: Path) -> str:
    return json.loads((data / "dashboard-secrets.json").read_text())["token"]


def test_a_host_beyond_loopback_warns_and_no_secret_reaches_piped_output(tmp_path, server_env) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data, server_env, "--host", "0.0.0.0")
    try:
        assert "WARNING" in server.output and "plain HTTP" in server.output and "TLS" in server.output
        assert not KEY.search(server.output) and _dashboard_token(data) not in server.output
        key = KEY.search((data / "admin-key.txt").read_text()).group(0)
        port = server.url.rsplit(":", 1)[1]
        assert _gql(f"http://127.0.0.1:{port}", key, "{ viewer { name } }")["viewer"]["name"] == "admin"
    finally:
        server.stop()
    quiet = ServerProcess(tmp_path / "quiet", server_env)  # on 127.0.0.1: no warning
    try:
        assert "WARNING" not in quiet.output
    finally:
        quiet.stop()


def test_secrets_are_printed_only_to_a_file_of_its_owner(tmp_path, server_env) -> None:
    for mode, printed in ((0o600, True), (0o644, False)):
        data = tmp_path / f"data-{mode:o}"
        log = tmp_path / f"server-{mode:o}.log"
        log.touch(mode)
        log.chmod(mode)
        command = [sys.executable, "-m", "wandb_jupyter", "server", "--port", "0", "--data-dir", str(data)]
        with open(log, "a") as out:
            process = subprocess.Popen(command, env=server_env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while "dashboard: " not in log.read_text() and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.05)
            text = log.read_text()
            assert "dashboard: " in text, text
            assert bool(KEY.search(text)) is printed, (oct(mode), text)
            assert (_dashboard_token(data) in text) is printed
        finally:
            process.terminate()
            process.wait(STOP_TIMEOUT)


def test_the_login_hint_names_only_commands_that_exist() -> None:
    """The hint once said ``wandb login``: the W&B SDK's command, which need not be installed."""
    import shlex

    from wandb_jupyter.cli import _parser
    from wandb_jupyter.server import login_hint

    commands = [
        line[len("or: ") :]
        for line in login_hint("http://127.0.0.1:8080", "local-" + "0" * 40).splitlines()
        if line.startswith("or: ")
    ]
    assert commands
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "wandb-jupyter", command
        assert _parser().parse_args(argv[1:]).command == "login"

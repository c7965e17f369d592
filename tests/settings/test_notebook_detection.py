"""Notebook detection in real kernels: nbclient kernels, and kernels started by a real jupyter_server.

Each source of the chain is proven where it really comes from: jupyter_server
and ipykernel set JPY_SESSION_NAME / ``__session__``, the sessions API is a
live server on 127.0.0.1 found through its runtime-dir info file, and a
password-protected server really answers 403.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from conftest import stream_text
from wandb_jupyter.settings import _jupyter_sessions as _sessions
from wandb_jupyter.settings import _notebook as _detect

SERVER_START_S = 30
KERNEL_READY_S = 30


def _json_lines(nb) -> list:
    """Every cell prints one JSON line; parse them in order (errors would show as missing lines)."""
    return [json.loads(line) for cell in nb.cells for line in stream_text(cell).splitlines() if line.strip()]


# -- outside a kernel ---------------------------------------------------------------------------------


def test_no_detection_outside_a_kernel_and_no_heavy_imports(env_for_subprocess, tmp_path) -> None:
    env = {**env_for_subprocess, "JPY_SESSION_NAME": str(tmp_path / "nb.ipynb")}
    script = (
        "import sys, json\n"
        "import wandb_jupyter.settings as s\n"
        "r = s.resolve()\n"
        "from wandb_jupyter.settings._notebook import detect_notebook\n"
        "print(json.dumps([r.notebook_name, str(r.origin('notebook_name')), detect_notebook(),\n"
        "  [m for m in ('IPython', 'requests', 'jupyter_core', 'jupyter_server', 'ipykernel') if m in sys.modules]]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert json.loads(out) == [None, "default", None, []]


def test_a_shell_without_a_kernel_is_not_a_notebook(monkeypatch) -> None:
    class TerminalShell:  # an IPython terminal: a shell, no kernel
        user_ns = {"__vsc_ipynb_file__": "/x/nb.ipynb"}

    monkeypatch.setenv("JPY_SESSION_NAME", "/x/nb.ipynb")
    assert _detect.detect_notebook() is None  # pytest itself: no shell at all
    assert _detect.detect_notebook(TerminalShell()) is None


# -- nbclient kernels ---------------------------------------------------------------------------------

SETUP = (
    "import os, json\n"
    "import wandb_jupyter, wandb_jupyter.settings as s\n"
    "from wandb_jupyter.settings import _notebook as _detect\n"
    "def show():\n"
    "    r = s.resolve()\n"
    "    print(json.dumps([_detect.detect_notebook(), r.notebook_name, str(r.origin('notebook_name'))]))"
)


def test_jpy_session_name_from_the_kernel_env_names_notebook_and_run(execute_notebook, isolated, monkeypatch) -> None:
    notebook = isolated / "analysis.ipynb"
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))
    nb = execute_notebook(
        [
            SETUP + "\nshow()",
            "line = [l for l in s.Settings().explain().splitlines() if l.startswith('notebook_name')][0]\n"
            "print(json.dumps(line))",
            "run = wandb_jupyter.init(mode='offline')\nprint(json.dumps([run.name]))\nrun.finish(quiet=True)",
        ],
        name="analysis.ipynb",
    )
    found, explained, name = _json_lines(nb)
    assert found == [[str(notebook), "JPY_SESSION_NAME"], str(notebook), "detected (JPY_SESSION_NAME)"]
    assert explained.endswith("detected (JPY_SESSION_NAME)") and str(notebook) in explained
    assert name == ["analysis-1"]


def test_the_chain_in_order_each_source_beating_the_next(execute_notebook, isolated, monkeypatch) -> None:
    """Front end > JPY_SESSION_NAME > __session__ > __vsc_ipynb_file__; answers stay cached until invalidated."""
    monkeypatch.setenv("JPY_SESSION_NAME", str(isolated / "from-env.ipynb"))
    (isolated / "folder").mkdir()
    (isolated / "folder" / "relative.ipynb").write_text("{}")
    nb = execute_notebook(
        [
            SETUP + "\n__vsc_ipynb_file__ = '/vscode/nb.ipynb'\n"
            "_detect.set_frontend_path('/lab/from-extension.ipynb')\nshow()",
            # ipykernel copied JPY_SESSION_NAME into __session__; the front end's path is gone
            "print(json.dumps(__session__))\n_detect.set_frontend_path(None)\nshow()",
            # without clear_cache the answer stays: detection runs once per process
            "del os.environ['JPY_SESSION_NAME']\nshow()",
            "_detect.clear_cache()\nshow()",
            "__session__ = 'folder/relative.ipynb'\n_detect.clear_cache()\nshow()",
            "del __session__\n_detect.clear_cache()\nshow()",
            # the front end beats everything again, and setting it invalidates the cache
            "_detect.set_frontend_path('/lab/renamed.ipynb')\nshow()",
            "del __vsc_ipynb_file__\n_detect.set_frontend_path(None)\nshow()",
        ]
    )
    lines = _json_lines(nb)
    env_path = str(isolated / "from-env.ipynb")
    assert lines == [
        [["/lab/from-extension.ipynb", "extension"], "/lab/from-extension.ipynb", "detected (extension)"],
        env_path,
        [[env_path, "JPY_SESSION_NAME"], env_path, "detected (JPY_SESSION_NAME)"],
        [[env_path, "JPY_SESSION_NAME"], env_path, "detected (JPY_SESSION_NAME)"],
        [[env_path, "__session__"], env_path, "detected (__session__)"],
        [
            [str(isolated / "folder" / "relative.ipynb"), "__session__"],
            str(isolated / "folder" / "relative.ipynb"),
            "detected (__session__)",
        ],
        [["/vscode/nb.ipynb", "__vsc_ipynb_file__"], "/vscode/nb.ipynb", "detected (__vsc_ipynb_file__)"],
        [["/lab/renamed.ipynb", "extension"], "/lab/renamed.ipynb", "detected (extension)"],
        [None, None, "default"],  # nbclient's kernel has no server and no kernel-<id>.json: nothing answers
    ]


def test_wandb_notebook_name_beats_jpy_session_name(execute_notebook, isolated, monkeypatch) -> None:
    monkeypatch.setenv("JPY_SESSION_NAME", str(isolated / "detected.ipynb"))
    monkeypatch.setenv("WANDB_NOTEBOOK_NAME", str(isolated / "chosen.ipynb"))
    nb = execute_notebook(
        [
            SETUP + "\nshow()",
            "run = wandb_jupyter.init(mode='offline')\nprint(json.dumps([run.name]))\nrun.finish(quiet=True)",
        ]
    )
    found, name = _json_lines(nb)
    assert found == [
        [str(isolated / "detected.ipynb"), "JPY_SESSION_NAME"],
        str(isolated / "chosen.ipynb"),
        "env (WANDB_NOTEBOOK_NAME)",
    ]
    assert name == ["chosen-1"]


# -- real jupyter_server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Servers:
    """Starts jupyter_server processes on 127.0.0.1 and stops every one of them (and their kernels)."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.log_dir, self.started = env, log_dir, []

    def start(self, root: Path, *args: str) -> tuple[str, subprocess.Popen]:
        port = _free_port()
        log = open(self.log_dir / f"server-{port}.log", "wb")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter_server",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={port}",
                f"--ServerApp.root_dir={root}",
                "--ServerApp.allow_root=True",
                *args,
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        url = f"http://127.0.0.1:{port}/"
        self.started.append((url, proc, args))
        return url, proc

    @staticmethod
    def wait_until_up(url: str, proc: subprocess.Popen) -> None:
        import requests

        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            assert proc.poll() is None, "jupyter_server exited at start"
            try:
                requests.get(url + "api", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise AssertionError(f"jupyter_server at {url} did not start in {SERVER_START_S} s")

    def stop_all(self) -> None:
        import requests

        for url, proc, args in self.started:
            token = next((a.split("=", 1)[1] for a in args if a.startswith("--ServerApp.token=")), "")
            if token:  # a clean shutdown also shuts its kernels down
                try:
                    requests.post(url + "api/shutdown", headers={"Authorization": f"token {token}"}, timeout=2)
                except requests.RequestException:
                    pass
            else:
                proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


@pytest.fixture
def servers(env_for_subprocess, tmp_path) -> Iterator[_Servers]:
    started = _Servers(env_for_subprocess, tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


def _kernel_client(connection_file: Path):
    from jupyter_client import BlockingKernelClient

    deadline = time.monotonic() + KERNEL_READY_S
    while not connection_file.exists():
        assert time.monotonic() < deadline, f"{connection_file} never appeared"
        time.sleep(0.05)
    client = BlockingKernelClient()
    client.load_connection_file(str(connection_file))
    client.start_channels()
    client.wait_for_ready(timeout=KERNEL_READY_S)
    return client


def _run(client, code: str) -> list:
    """Execute ``code`` in the kernel; its stdout, one JSON value a line. A kernel error fails the test."""
    out: list[str] = []

    def hook(msg) -> None:
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append(json.dumps({"error": "\n".join(msg["content"]["traceback"])}) + "\n")

    reply = client.execute_interactive(code, timeout=KERNEL_READY_S, output_hook=hook)
    assert reply["content"]["status"] == "ok", "".join(out)
    return [json.loads(line) for line in "".join(out).splitlines() if line.strip()]


KERNEL_CODE = """
import json, logging, os, time
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append(record.getMessage())
logging.getLogger("wandb").addHandler(Keep()); logging.getLogger("wandb").setLevel(logging.DEBUG)
import wandb_jupyter, wandb_jupyter.settings as s
from wandb_jupyter.settings import _notebook as _detect
print(json.dumps([os.environ.get("JPY_SESSION_NAME"), __session__, _detect.detect_notebook(), os.getcwd()]))

del os.environ["JPY_SESSION_NAME"], __session__
_detect.clear_cache()
import requests
real_get, calls = requests.Session.get, []
def counting_get(self, url, **kw):
    calls.append(url)
    return real_get(self, url, **kw)
requests.Session.get = counting_get
started = time.monotonic()
found = _detect.detect_notebook()
took = time.monotonic() - started
again = _detect.detect_notebook()
r = s.resolve()
line = [l for l in s.Settings().explain().splitlines() if l.startswith("notebook_name")][0]
print(json.dumps([found, again, len(calls), took, r.notebook_name, str(r.origin("notebook_name")), line]))
print(json.dumps([m for m in records if "answered" in m]))

run = wandb_jupyter.init(mode="offline")
print(json.dumps([run.name, str(run.paths.root)]))
run.finish(quiet=True)
"""


class _Records(logging.Handler):
    """Keeps the "wandb" logger's records (it does not propagate to pytest's caplog)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_sessions_api_finds_the_notebook_past_a_password_protected_server(servers, isolated) -> None:
    """A real server with a token runs the kernel; a newer password-protected server answers 403 first."""
    import requests
    from jupyter_core.paths import jupyter_runtime_dir
    from jupyter_server.auth import passwd

    root = isolated.parent / "root"
    (root / "sub").mkdir(parents=True)
    notebook = root / "sub" / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), notebook)
    token = secrets.token_hex(16)
    tok_url, tok_proc = servers.start(root, f"--ServerApp.token={token}")
    pw_url, pw_proc = servers.start(
        root, "--ServerApp.token=", f"--PasswordIdentityProvider.hashed_password={passwd('pw')}"
    )
    servers.wait_until_up(tok_url, tok_proc)
    servers.wait_until_up(pw_url, pw_proc)
    runtime = Path(jupyter_runtime_dir())
    pw_info = runtime / f"jpserver-{pw_proc.pid}.json"
    now = time.time()
    os.utime(pw_info, (now + 5, now + 5))  # newest first: the 403 server is asked before ours

    auth = {"Authorization": f"token {token}"}
    session = requests.post(
        tok_url + "api/sessions",
        headers=auth,
        timeout=10,
        json={"path": "sub/nb.ipynb", "type": "notebook", "kernel": {"name": "python3"}},
    ).json()
    kernel_id = session["kernel"]["id"]
    client = _kernel_client(runtime / f"kernel-{kernel_id}.json")
    try:
        first, detected, refused, named = _run(client, KERNEL_CODE)
    finally:
        client.stop_channels()
        requests.delete(tok_url + f"api/sessions/{session['id']}", headers=auth, timeout=10)

    # jupyter_server gave a relative JPY_SESSION_NAME (no "name" in the request) and started the
    # kernel in the notebook's folder: the path is still resolved against the root
    assert first == ["sub/nb.ipynb", "sub/nb.ipynb", [str(notebook), "JPY_SESSION_NAME"], str(root / "sub")]

    found, again, calls, took, value, origin, line = detected
    assert found == again == [str(notebook), "sessions API"]
    assert calls == 2, "one request per server, and none for the cached second call or resolve()"
    assert took < 2.5
    assert (value, origin) == (str(notebook), "detected (sessions API)")
    assert line.endswith("detected (sessions API)")
    assert refused == [f"notebook detection: {pw_url}api/sessions answered 403"]

    assert named[0] == "nb-1"
    assert Path(named[1]).is_relative_to(root / "sub" / "wandb")  # the kernel's cwd, not the server root

    # the password-protected server alone: None, quickly, with only a DEBUG record
    alone = isolated.parent / "only-password"
    alone.mkdir()
    (alone / pw_info.name).write_text(pw_info.read_text())
    wandb_logger, kept = logging.getLogger("wandb"), _Records()
    level = wandb_logger.level
    wandb_logger.setLevel(logging.DEBUG)
    wandb_logger.addHandler(kept)
    try:
        started = time.monotonic()
        assert _sessions.notebook_from_servers(runtime_dir=str(alone), kernel=kernel_id) is None
        took = time.monotonic() - started
    finally:
        wandb_logger.removeHandler(kept)
        wandb_logger.setLevel(level)
    assert took < 1.5
    assert [(r.levelno, r.getMessage()) for r in kept.records] == [
        (logging.DEBUG, f"notebook detection: {pw_url}api/sessions answered 403")
    ]


def test_stale_and_unreadable_server_files_are_skipped(tmp_path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / f"jpserver-{dead.pid}.json").write_text(
        json.dumps({"url": "http://127.0.0.1:9/", "token": "t", "root_dir": "/r", "pid": dead.pid})
    )
    (tmp_path / "jpserver-2.json").write_text("{not json")
    (tmp_path / "nbserver-3.json").write_text(
        json.dumps({"url": "http://127.0.0.1:9/x/", "token": "", "notebook_dir": "/legacy", "pid": os.getpid()})
    )
    (tmp_path / "jpserver-4.json").write_text(json.dumps({"url": "http+unix://%2Ftmp%2Fs/", "pid": os.getpid()}))
    assert _sessions.running_servers(str(tmp_path)) == [
        _sessions.Server(url="http://127.0.0.1:9/x/", token="", root_dir="/legacy", pid=os.getpid())
    ]


def test_a_console_session_is_not_taken_for_a_notebook(execute_notebook, monkeypatch, isolated) -> None:
    """JupyterLab consoles have sessions too; their names are no notebook paths."""
    monkeypatch.setenv("JPY_SESSION_NAME", str(isolated / "Console 1"))
    nb = execute_notebook(["from wandb_jupyter.settings._notebook import detect_notebook\nprint(detect_notebook())"])
    assert stream_text(nb.cells[0]).strip() == "None"

"""wandb_jupyter.server.list() / stop() and the records behind %wandb_server, in plain Python.

Real servers start on loopback; what is checked is what a user relies on:
a live server is reused, a dead or impostor one never is (and an impostor's
pid is never signalled), records stay private, the admin key stays out of the log.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest

import wandb_jupyter.server as server
from wandb_jupyter.common._package_version import __version__
from wandb_jupyter.server import _registry
from wandb_jupyter.server._registry import ServerConflict, ServerInfo, start_or_reuse


@pytest.fixture(autouse=True)
def stop_our_servers():
    """Servers outlive their starter by design: stop what a test left running."""
    yield
    server.stop()


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_live_server_is_reused_and_listed(tmp_path: Path) -> None:
    first = start_or_reuse(data_dir=tmp_path / "data")
    assert first.reused is False and first.created_admin is True
    again = start_or_reuse(data_dir=str(tmp_path / "data" / ".." / "data"))
    assert again.reused is True and again.server == first.server
    assert server.list() == [first.server]
    info = first.server
    assert info.data_dir == str((tmp_path / "data").resolve()) and info.version == __version__
    assert info.url == f"http://127.0.0.1:{info.port}"
    assert info.login_url.startswith(info.url + "/login?token=")
    token = info.login_url.split("token=", 1)[1]
    assert len(token) >= 16 and token not in repr(info) and token not in repr(server.list())
    # the server lives in its own session: a kernel interrupt to the starter's process group misses it
    assert os.getsid(info.pid) != os.getsid(0)

    folder = _registry.runtime_dir()
    assert folder == Path(os.environ["XDG_RUNTIME_DIR"]) / "wandb-jupyter"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    record = folder / f"server-{info.pid}.json"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert json.loads(record.read_text())["port"] == info.port
    log = Path(info.log_file).read_text()
    assert stat.S_IMODE(Path(info.log_file).stat().st_mode) == 0o600
    assert "Created the admin user" in log and "****" in log
    assert not re.search(r"local-[0-9a-f]{40}", log), "the admin's API key stays out of the log"
    assert token not in log and "dashboard: " in log


def test_stop_by_port_or_data_dir(tmp_path: Path) -> None:
    one = start_or_reuse(data_dir=tmp_path / "one").server
    two = start_or_reuse(data_dir=tmp_path / "two").server
    assert server.list() == [one, two]
    with pytest.raises(ServerConflict, match=f"already runs on port {one.port}"):
        start_or_reuse(data_dir=tmp_path / "one", port=two.port)
    with pytest.raises(ServerConflict, match=f"port {two.port} is taken"):
        start_or_reuse(data_dir=tmp_path / "three", port=two.port)

    assert server.stop(port=one.port) == [one]
    assert _gone(one.pid) and server.list() == [two]
    assert server.stop(port=one.port) == []
    assert server.stop(data_dir=tmp_path / "two") == [two]
    assert _gone(two.pid) and server.list() == []
    assert not list(_registry.runtime_dir().glob("server-*")), "records and logs go with their servers"


def test_a_killed_server_is_never_reused(tmp_path: Path) -> None:
    first = start_or_reuse(data_dir=tmp_path / "data").server
    os.kill(first.pid, signal.SIGKILL)
    _registry._children[first.pid].wait(10)  # what a kernel's next Popen would do; a zombie counts as dead too
    assert server.list() == []
    assert not (_registry.runtime_dir() / f"server-{first.pid}.json").exists()
    second = start_or_reuse(data_dir=tmp_path / "data")
    assert second.reused is False and second.created_admin is False
    assert second.server.pid != first.pid


class _Impostor(BaseHTTPRequestHandler):
    """Another program now on the recorded port: its /health is not ours."""

    def do_GET(self) -> None:
        body = json.dumps({"status": "ok", "version": "0.0.0-other"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_a_record_whose_port_another_program_holds_is_dropped_and_its_pid_left_alone(tmp_path: Path) -> None:
    impostor = ThreadingHTTPServer(("127.0.0.1", 0), _Impostor)
    threading.Thread(target=impostor.serve_forever, daemon=True).start()
    try:
        port = impostor.server_address[1]
        folder = _registry.runtime_dir()
        # the recorded pid runs (it is this test's own process): only /health can tell the server is gone
        stale = ServerInfo(
            pid=os.getpid(),
            port=port,
            url=f"http://127.0.0.1:{port}",
            data_dir=str(tmp_path),
            login_url=None,
            started=0.0,
            version=__version__,
            frame_ancestors=(),
            process_started=psutil.Process().create_time(),
            log_file=str(tmp_path / "x.log"),
        )
        _registry._save(folder, stale)
        assert server.stop() == []  # no SIGTERM to this process
        assert server.list() == []
        assert not (folder / f"server-{os.getpid()}.json").exists()
        # an unreadable record goes too
        (folder / "server-99999999.json").write_text("{not json")
        assert server.list() == [] and not (folder / "server-99999999.json").exists()
    finally:
        impostor.shutdown()
        impostor.server_close()


def test_the_runtime_dir_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "xdg"
    (base / "wandb-jupyter").mkdir(parents=True, mode=0o755)
    os.chmod(base / "wandb-jupyter", 0o755)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(base))
    assert stat.S_IMODE(_registry.runtime_dir().stat().st_mode) == 0o700

    other = tmp_path / "other"
    (other / "target").mkdir(parents=True)
    (other / "wandb-jupyter").symlink_to(other / "target")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(other))
    with pytest.raises(RuntimeError, match="not a folder of this user"):
        _registry.runtime_dir()

    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setattr(_registry.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    assert _registry.runtime_dir() == tmp_path / "tmp" / f"wandb-jupyter-{os.getuid()}"

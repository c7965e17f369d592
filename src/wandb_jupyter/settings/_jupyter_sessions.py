"""The notebook path from a Jupyter server's sessions API, matched on this kernel's id.

The last resort before Colab: it costs a directory listing plus one HTTP
request per running server, so it runs only when nothing in the kernel
itself (environment, user namespace, front end) named the notebook.

Servers are found from their info files in the Jupyter runtime dir, not
through ``jupyter_server.serverapp.list_running_servers``: the kernel's
environment often lacks jupyter_server (the server may run in another
environment), while jupyter_core always comes with ipykernel.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

from ..common._logging import logger

__all__ = ["Server", "running_servers", "kernel_id", "notebook_from_servers", "colab_notebook"]

#: Seconds one server may take to answer; a live local server answers in milliseconds.
TIMEOUT = 1.0

_KERNEL_FILE = re.compile(r"^kernel-(.+)\.json$")


class Server(NamedTuple):
    """What a server's ``jpserver-<pid>.json`` (or legacy ``nbserver-<pid>.json``) says about it."""

    url: str
    token: str
    root_dir: str
    pid: int | None


def _read_server(info_file: Path) -> Server | None:
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
        url = info["url"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.debug("notebook detection: unreadable server file %s: %r", info_file, error)
        return None
    root = info.get("root_dir") or info.get("notebook_dir") or os.getcwd()
    pid = info.get("pid")
    return Server(
        url=str(url),
        token=str(info.get("token") or ""),
        root_dir=os.path.expanduser(str(root)),
        pid=pid if isinstance(pid, int) else None,
    )


def _alive(pid: int | None) -> bool:
    """False only when ``pid`` surely is gone: a stale info file is left by a killed server."""
    if pid is None or pid <= 0:
        return True
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process there
        import psutil

        return psutil.pid_exists(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, owned by someone else
        return True
    return True


def running_servers(runtime_dir: str | None = None) -> list[Server]:
    """Live HTTP servers in the runtime dir, newest info file first (most likely ours)."""
    if runtime_dir is None:
        from jupyter_core.paths import jupyter_runtime_dir

        runtime_dir = jupyter_runtime_dir()
    folder = Path(runtime_dir)
    files = [*folder.glob("jpserver-*.json"), *folder.glob("nbserver-*.json")]
    files.sort(key=_mtime, reverse=True)
    servers = [server for server in map(_read_server, files) if server is not None]
    # http+unix:// (ServerApp.sock) servers need a transport requests lacks
    return [s for s in servers if s.url.startswith(("http://", "https://")) and _alive(s.pid)]


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def kernel_id() -> str | None:
    """This kernel's id, from its connection file ``kernel-<id>.json`` (servers name it so)."""
    from ipykernel.connect import get_connection_file

    try:
        name = os.path.basename(get_connection_file())
    except RuntimeError:  # not an ipykernel app
        return None
    match = _KERNEL_FILE.match(name)
    return match.group(1) if match else None


def _get_sessions(http: Any, server: Server, timeout: float) -> list[Any] | None:
    """The server's sessions, or None when it refuses us (password, bad token) or fails."""
    url = server.url.rstrip("/") + "/api/sessions"
    headers = {"Authorization": f"token {server.token}"} if server.token else {}
    try:
        response = http.get(url, headers=headers, timeout=timeout, allow_redirects=False)
    except Exception as error:  # requests.RequestException and anything odd below it
        logger.debug("notebook detection: %s did not answer: %r", url, error)
        return None
    if response.status_code != 200:  # 403 or a redirect to /login: password protected
        logger.debug("notebook detection: %s answered %s", url, response.status_code)
        return None
    try:
        sessions = response.json()
    except ValueError:
        logger.debug("notebook detection: %s did not answer JSON", url)
        return None
    return sessions if isinstance(sessions, list) else None


def _session_path(session: Any) -> str | None:
    if not isinstance(session, dict):
        return None
    if session.get("type") not in (None, "notebook"):  # consoles and files have sessions too
        return None
    path = session.get("path") or (session.get("notebook") or {}).get("path")
    return path if isinstance(path, str) and path else None


def _os_path(root_dir: str, api_path: str) -> str:
    """API paths use '/' and are relative to the server's root_dir."""
    return os.path.normpath(os.path.join(root_dir, *api_path.strip("/").split("/")))


def _http() -> Any:
    import requests

    http = requests.Session()
    http.trust_env = False  # no proxy (from HTTP_PROXY) between us and a local server, no .netrc
    return http


def notebook_from_servers(
    *, runtime_dir: str | None = None, kernel: str | None = None, timeout: float = TIMEOUT
) -> str | None:
    """The OS path of the notebook whose session runs ``kernel`` (default: this kernel)."""
    servers = running_servers(runtime_dir)
    if not servers:
        return None
    kernel = kernel or kernel_id()
    if not kernel:
        logger.debug("notebook detection: the connection file names no kernel id")
        return None
    with _http() as http:
        for server in servers:
            path = _path_of_kernel(_get_sessions(http, server, timeout) or (), kernel)
            if path is not None:
                return _os_path(server.root_dir, path)
    return None


def _path_of_kernel(sessions: Any, kernel: str) -> str | None:
    for session in sessions:
        if isinstance(session, dict) and (session.get("kernel") or {}).get("id") == kernel:
            path = _session_path(session)
            if path is not None:
                return path
    return None


def colab_notebook(timeout: float = TIMEOUT) -> str | None:
    """The notebook's title from Colab's own server (best effort, untested outside Colab).

    Colab runs a server on the VM (``<VM address>:9000``, no token) whose
    sessions carry ``path="fileId=<drive id>"`` and the title as ``name``;
    there is no file on disk, so the title is the best name we get.
    """
    import socket

    host = os.environ.get("COLAB_JUPYTER_IP") or socket.gethostbyname(socket.gethostname())
    port = os.environ.get("KMP_TARGET_PORT") or "9000"
    server = Server(url=f"http://{host}:{port}/", token="", root_dir="/content", pid=None)
    with _http() as http:
        sessions = [s for s in _get_sessions(http, server, timeout) or () if isinstance(s, dict)]
    kernel = kernel_id()
    # Colab's connection file may not name the kernel: one session can only be ours
    mine = [s for s in sessions if (s.get("kernel") or {}).get("id") == kernel] or (
        sessions if len(sessions) == 1 else []
    )
    if not mine:
        return None
    session = mine[0]
    name = session.get("name") or (session.get("notebook") or {}).get("name")
    return name if isinstance(name, str) and name else None

"""Servers started by ``%wandb_server``: their records, liveness, reuse and stopping.

Each server we start gets a small JSON record (``server-<pid>.json``) in a
private runtime dir: ``$XDG_RUNTIME_DIR/wandb-jupyter``, else
``<temp dir>/wandb-jupyter-<uid>``; the dir is 0700 and the records 0600
because they hold the dashboard's login link (its token logs in as admin).
The server's output goes to a ``server-<start time>.log`` beside it (keys and tokens masked).

A record is trusted only while its server is live: the pid still runs the
process we started (same creation time, not a zombie) and ``GET /health`` on
its URL answers with our version within :data:`HEALTH_TIMEOUT`. Anything else
(a killed server, a reused pid, a port now held by another program) is
stale: the record is removed and never reused, and a stale pid is never
signalled. This module is the process logic; ``%wandb_server`` in
``notebook/_magics.py`` is the IPython glue around :func:`start_or_reuse`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..common._filelock import exclusive_lock
from ..common._logging import logger

__all__ = ["ServerInfo", "Started", "runtime_dir", "list_servers", "stop_server", "start_or_reuse", "ServerConflict"]

#: Seconds a live local server may take to answer /health.
HEALTH_TIMEOUT = 2.0
#: Seconds between SIGTERM and SIGKILL in :func:`stop_server`.
STOP_GRACE = 5.0
#: Seconds a server may take to start listening.
START_TIMEOUT = 60.0

_RECORD = re.compile(r"^server-(\d+)\.json$")
_ADMIN_KEY = re.compile(r"\blocal-[0-9a-f]{40}\b")
_TOKEN = re.compile(r"(token=)[^\s&#]+")


class ServerInfo(NamedTuple):
    """One server we started (what its record holds); build it with keywords."""

    pid: int
    port: int
    url: str
    data_dir: str
    login_url: str | None  # ``<url>/login?token=...``: logs a browser into the dashboard
    started: float  # epoch seconds
    version: str
    frame_ancestors: tuple[str, ...]  # origins allowed to frame its pages
    process_started: float  # the pid's creation time: a reused pid is not our server
    log_file: str

    def __repr__(self) -> str:  # shown in notebooks: no token
        return (
            f"ServerInfo(pid={self.pid}, port={self.port}, url={self.url!r}, data_dir={self.data_dir!r}, "
            f"version={self.version!r})"
        )


class Started(NamedTuple):
    """What :func:`start_or_reuse` did: the server, whether it was already running, whether it made an admin."""

    server: ServerInfo
    reused: bool
    created_admin: bool


class ServerConflict(Exception):
    """The data dir or port asked for is taken by another of our servers (the message says which)."""


# -- the runtime dir ---------------------------------------------------------------------------------------


def runtime_dir() -> Path:
    """The private folder of the records (created 0700; one owned by someone else is refused)."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and os.path.isdir(base):
        folder = Path(base) / "wandb-jupyter"
    else:
        user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
        folder = Path(tempfile.gettempdir()) / f"wandb-jupyter-{user}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        info = os.lstat(folder)
        if not os.path.isdir(folder) or os.path.islink(folder) or info.st_uid != os.getuid():
            raise RuntimeError(f"{folder} is not a folder of this user; remove it or set XDG_RUNTIME_DIR")
        if info.st_mode & 0o077:
            os.chmod(folder, 0o700)
    return folder


def _write_private(path: Path, text: str) -> None:
    """Replace ``path`` atomically with a 0600 file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
    os.replace(tmp, path)


# -- records -----------------------------------------------------------------------------------------------


def _record_path(folder: Path, pid: int) -> Path:
    return folder / f"server-{pid}.json"


def _save(folder: Path, info: ServerInfo) -> None:
    data = info._asdict()
    data["frame_ancestors"] = list(info.frame_ancestors)
    _write_private(_record_path(folder, info.pid), json.dumps(data, indent=1))


def _load(path: Path) -> ServerInfo | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["frame_ancestors"] = tuple(data.get("frame_ancestors") or ())
        return ServerInfo(**{name: data[name] for name in ServerInfo._fields})
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.debug("wandb-jupyter server record %s is unreadable: %r", path, error)
        return None


def _forget(path: Path, info: ServerInfo | None) -> None:
    """Remove a record and the log of its server."""
    path.unlink(missing_ok=True)
    if info is not None and Path(info.log_file).parent == path.parent:
        Path(info.log_file).unlink(missing_ok=True)


def _records(folder: Path) -> Iterator[tuple[Path, ServerInfo | None]]:
    for path in sorted(folder.iterdir()):
        if _RECORD.match(path.name):
            yield path, _load(path)


# -- liveness ----------------------------------------------------------------------------------------------


def _process_started(pid: int) -> float | None:
    """The creation time of ``pid`` while it runs (a zombie has exited); None when it is gone."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None
        return process.create_time()
    except (psutil.Error, OSError):
        return None


def _same_process(info: ServerInfo) -> bool:
    started = _process_started(info.pid)
    return started is not None and abs(started - info.process_started) < 1.0


def _health(url: str, timeout: float) -> dict[str, Any] | None:
    """``GET <url>/health`` straight to the server (no proxy from the environment); None on any failure."""
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url.rstrip("/") + "/health", timeout=timeout) as response:
            answer = json.loads(response.read(65536))
    except Exception as error:  # refused, timed out, not HTTP, not JSON
        logger.debug("wandb-jupyter server %s/health did not answer: %r", url, error)
        return None
    return answer if isinstance(answer, dict) else None


def is_live(info: ServerInfo, timeout: float = HEALTH_TIMEOUT) -> bool:
    """Our process still runs under that pid and its URL answers /health with our version."""
    from ..common._package_version import __version__

    if not _same_process(info):
        return False
    answer = _health(info.url, timeout)
    return answer is not None and answer.get("status") == "ok" and answer.get("version") == __version__


def _live(folder: Path) -> list[ServerInfo]:
    """Live servers, oldest first; stale and unreadable records are removed."""
    live = []
    for path, info in _records(folder):
        if info is not None and is_live(info):
            live.append(info)
        else:
            logger.debug("wandb-jupyter server record %s is stale: removed", path.name)
            _forget(path, info)
    return sorted(live, key=lambda info: info.started)


def list_servers() -> list[ServerInfo]:
    """The servers we started that are live now (stale records are removed on the way)."""
    return _live(runtime_dir())


# -- stopping ----------------------------------------------------------------------------------------------


def _normal_dir(data_dir: str | os.PathLike[str]) -> str:
    return str(Path(data_dir).expanduser().resolve())


def _matches(info: ServerInfo, port: int | None, data_dir: str | None) -> bool:
    return (port is None or info.port == port) and (data_dir is None or info.data_dir == data_dir)


def stop_server(
    port: int | None = None, *, data_dir: str | os.PathLike[str] | None = None, grace: float = STOP_GRACE
) -> list[ServerInfo]:
    """Stop our live servers on ``port`` and/or for ``data_dir`` (all of them when neither is given).

    SIGTERM first (the server closes its connections and its index), SIGKILL
    after ``grace`` seconds; returns the servers stopped.
    """
    folder = runtime_dir()
    wanted = None if data_dir is None else _normal_dir(data_dir)
    stopped = []
    for info in _live(folder):
        if _matches(info, port, wanted):
            _terminate(info.pid, grace)
            _forget(_record_path(folder, info.pid), info)
            stopped.append(info)
    return stopped


def _terminate(pid: int, grace: float) -> None:
    import psutil

    try:
        process = psutil.Process(pid)
        process.terminate()
    except psutil.Error:
        return
    child = _children.pop(pid, None)
    if child is not None:  # ours: wait() also reaps it
        try:
            child.wait(grace)
            return
        except Exception:
            child.kill()
            child.wait(10)
            return
    deadline = time.monotonic() + grace
    while _process_started(pid) is not None:  # exited (or a zombie of its parent): done
        if time.monotonic() >= deadline:
            with contextlib.suppress(psutil.Error):
                process.kill()
            break
        time.sleep(0.05)


# -- starting or reusing -----------------------------------------------------------------------------------

#: Servers this process started, by pid (so stopping one also reaps it).
_children: dict[int, Any] = {}


def _choose(live: list[ServerInfo], data_dir: str, port: int | None) -> ServerInfo | None:
    """The live server to reuse, None to start one; a conflict raises :class:`ServerConflict`."""
    for info in live:
        if info.data_dir == data_dir:
            if port is None or info.port == port:
                return info
            raise ServerConflict(
                f"a wandb-jupyter server for {data_dir} already runs on port {info.port}; "
                f"use --port {info.port}, or stop it first: "
                f"wandb_jupyter.server.stop(port={info.port})"
            )
        if port is not None and info.port == port:
            raise ServerConflict(
                f"port {port} is taken by the wandb-jupyter server for {info.data_dir}; choose another port or data dir"
            )
    return None


def _masked(text: str) -> str:
    """``text`` with the admin API key and the login token masked."""
    from ..common._secrets import mask

    text = _TOKEN.sub(lambda m: m.group(1) + (mask(m.group(0)[len(m.group(1)) :]) or ""), text)
    return _ADMIN_KEY.sub(lambda m: mask(m.group(0)) or "", text)


def _scrub_log(log_file: Path) -> None:
    """The first start prints the admin's API key once, and every start the login token: mask both in the log."""
    text = log_file.read_text(encoding="utf-8", errors="replace")
    clean = _masked(text)
    if clean != text:  # the server appends (O_APPEND), so rewriting in place keeps its later lines whole
        with open(log_file, "r+", encoding="utf-8") as handle:
            handle.write(clean)
            handle.truncate()


def start_or_reuse(
    *,
    data_dir: str | os.PathLike[str],
    port: int | None = None,
    frame_ancestors: Sequence[str] = (),
    timeout: float = START_TIMEOUT,
) -> Started:
    """The live server for ``data_dir`` (on ``port`` when given), started now if none is."""
    from ..common._package_version import __version__
    from ._process import launch

    folder = runtime_dir()
    wanted = _normal_dir(data_dir)
    with exclusive_lock(folder / "start.lock"):  # two kernels asking at once get one server
        reused = _choose(_live(folder), wanted, port)
        if reused is not None:
            return Started(server=reused, reused=True, created_admin=False)
        Path(wanted).mkdir(parents=True, exist_ok=True)
        log_file = folder / f"server-{int(time.time() * 1000)}.log"
        try:
            launched = launch(
                Path(wanted), port=port or 0, frame_ancestors=frame_ancestors, log_file=log_file, timeout=timeout
            )
        except RuntimeError as error:  # its output is in the message: no key in a notebook
            _scrub_log(log_file)
            raise RuntimeError(_masked(str(error))) from None
        pid = launched.process.pid
        _children[pid] = launched.process
        _scrub_log(log_file)
        info = ServerInfo(
            pid=pid,
            port=_port_of(launched.url),
            url=launched.url,
            data_dir=wanted,
            login_url=launched.login_url,
            started=time.time(),
            version=__version__,
            frame_ancestors=tuple(frame_ancestors),
            process_started=_process_started(pid) or 0.0,
            log_file=str(log_file),
        )
        _save(folder, info)
        created = any(line.startswith("Created the admin user") for line in launched.output)
        return Started(server=info, reused=False, created_admin=created)


def _port_of(url: str) -> int:
    from urllib.parse import urlsplit

    port = urlsplit(url).port
    if port is None:
        raise RuntimeError(f"the server printed a URL without a port: {url}")
    return port

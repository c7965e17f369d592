"""``sync-state.json``: what the server has acknowledged of one run directory.

The run directory is the source of truth; this file only says how far the
server got, so that live sending, a retry after an outage and a later
``wandb-jupyter sync`` all continue from the same place and never send a row
twice to a new offset (the server also ignores lines it holds already, so a
row resent after a lost answer is not duplicated either).

Per streamed file (history, events, output.log):

* ``base``: the server's line number of the local file's first line (0 for a
  new run; the server's line count when a run is resumed from another
  machine, whose local file starts empty),
* ``lines`` / ``bytes``: how much of the local file the server acknowledged.

Plus the summary and config signatures last sent, the uploaded files with
their ``[size, mtime_ns]``, whether the run exists on the server, and whether
its end (``complete``) was acknowledged. Never the API key.

Only one sender works on a run directory at a time: :class:`RunLock` (an
``flock`` on ``.sync.lock``, released when its process dies).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..rundir._rundir import write_atomic

__all__ = ["SyncState", "StreamOffset", "RunLock", "Signature", "signature"]

VERSION = 1
LOCK_FILE = ".sync.lock"

Signature = list  # [size, mtime_ns]


def signature(path: Path) -> Signature | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


@dataclass
class StreamOffset:
    base: int = 0
    lines: int = 0
    bytes: int = 0

    @property
    def server_offset(self) -> int:
        """The server's line number of the next local line to send."""
        return self.base + self.lines


@dataclass
class SyncState:
    path: Path
    base_url: str | None = None
    entity: str | None = None
    project: str | None = None
    run_id: str | None = None
    created: bool = False  # the run exists on the server (UpsertBucket answered)
    streams: dict[str, StreamOffset] = field(default_factory=dict)
    summary: Signature | None = None
    config: Signature | None = None
    uploaded: dict[str, Signature] = field(default_factory=dict)
    complete: bool = False
    exitcode: int | None = None

    @classmethod
    def load(cls, path: Path) -> SyncState:
        """The state in ``path``; a missing or unreadable file is a fresh state (everything unsent)."""
        state = cls(path=Path(path))
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return state
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return state
        for name in ("base_url", "entity", "project", "run_id", "exitcode"):
            setattr(state, name, data.get(name))
        state.created = bool(data.get("created"))
        state.complete = bool(data.get("complete"))
        for name, offset in (data.get("streams") or {}).items():
            if isinstance(offset, dict):
                state.streams[name] = StreamOffset(**{k: int(offset.get(k, 0)) for k in ("base", "lines", "bytes")})
        state.summary = data.get("summary")
        state.config = data.get("config")
        state.uploaded = {k: v for k, v in (data.get("uploaded") or {}).items() if isinstance(v, list)}
        return state

    def stream(self, name: str) -> StreamOffset:
        offset = self.streams.get(name)
        if offset is None:
            offset = self.streams[name] = StreamOffset()
        return offset

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("path")
        return {"version": VERSION, **data}

    def save(self) -> None:
        write_atomic(self.path, json.dumps(self.as_dict(), indent=1))

    def forget_server(self) -> None:
        """Everything unsent again (the run is to go to another server or entity)."""
        fresh = SyncState(path=self.path)
        self.__dict__.update(fresh.__dict__)


class RunLock:
    """An exclusive, non-blocking lock on one run directory's sending."""

    def __init__(self, root: Path) -> None:
        self.path = Path(root) / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> bool:
        try:
            import fcntl
        except ImportError:  # Windows: no lock, one sender is the user's responsibility
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)

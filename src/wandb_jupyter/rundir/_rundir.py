"""The run directory: layout, crash-safe appends, atomic rewrites, discovery.

Layout (see DESIGN.md)::

    <dir>/wandb/run-YYYYMMDD_HHMMSS-<id>/      ("offline-run-" prefix offline)
        files/wandb-history.jsonl  wandb-summary.json  config.yaml
              output.log  wandb-events.jsonl  wandb-metadata.json
              requirements.txt  code/
        logs/debug.log
        sync-state.json

Durability: each committed row is one ``write(2)`` on an ``O_APPEND``
descriptor, so once ``log()`` returns the row is in the kernel and survives a
SIGKILL of the process. A crash inside a very large write can leave a partial
last line; :meth:`JsonlAppender.open` trims it before appending again. A write
that fails half-way (disk full, file size limit) takes its partial line back.

Limits: a history row is at most :data:`MAX_ROW_BYTES` of JSON (W&B's own limit
for a line of a streamed file), a file kept with ``run.save()`` at most
:data:`MAX_FILE_BYTES` (what the local server accepts as one upload).
"""

from __future__ import annotations

import errno
import json
import os
import re
import string
import time
from pathlib import Path
from typing import Any, NamedTuple

from ..common._errors import RunDirError

__all__ = [
    "RunPaths",
    "new_run_id",
    "JsonlAppender",
    "write_atomic",
    "fsync_path",
    "read_json_object",
    "read_jsonl",
    "count_lines",
    "tail_lines",
    "find_run",
    "iter_runs",
    "update_latest_link",
    "storage_error",
    "MAX_ROW_BYTES",
    "MAX_FILE_BYTES",
    "HISTORY",
    "SUMMARY",
    "CONFIG",
    "EVENTS",
    "OUTPUT",
    "METADATA",
    "REQUIREMENTS",
]

HISTORY = "wandb-history.jsonl"
SUMMARY = "wandb-summary.json"
CONFIG = "config.yaml"
EVENTS = "wandb-events.jsonl"
OUTPUT = "output.log"
METADATA = "wandb-metadata.json"
REQUIREMENTS = "requirements.txt"

#: W&B's limit for one line of a streamed file (10 MiB less 100 KiB); a longer row would never be sent.
MAX_ROW_BYTES = (10 << 20) - (100 << 10)
#: The largest upload the local server accepts; a bigger run.save() file could never be sent.
MAX_FILE_BYTES = 16 << 30
#: Errors that say the run's files cannot grow: disk full, quota, file size limit, read-only file system.
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}

_RUN_DIR = re.compile(r"^(offline-)?run-(\d{8}_\d{6})-([A-Za-z0-9_-]+)$")


class RunPaths(NamedTuple):
    """Every path of one run directory."""

    root: Path

    @classmethod
    def new(cls, wandb_dir: Path, run_id: str, *, offline: bool, started: float) -> RunPaths:
        stamp = time.strftime("%Y%m%d_%H%M%S", time.localtime(started))
        prefix = "offline-run" if offline else "run"
        return cls(root=Path(wandb_dir) / f"{prefix}-{stamp}-{run_id}")

    @property
    def files(self) -> Path:
        return self.root / "files"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def code(self) -> Path:
        return self.files / "code"

    @property
    def sync_state(self) -> Path:
        return self.root / "sync-state.json"

    @property
    def run_id(self) -> str:
        match = _RUN_DIR.match(self.root.name)
        return match.group(3) if match else self.root.name

    @property
    def offline(self) -> bool:
        return self.root.name.startswith("offline-")

    def file(self, name: str) -> Path:
        return self.files / name

    def create(self) -> None:
        try:
            self.files.mkdir(parents=True, exist_ok=True)
            self.logs.mkdir(exist_ok=True)
        except OSError as error:
            raise RunDirError(f"cannot create run directory {self.root}: {error.strerror or error}") from None


def storage_error(error: BaseException) -> bool:
    """True when ``error`` means the file system takes no more data (not a bug, not a bad name)."""
    return isinstance(error, OSError) and error.errno in _STORAGE_ERRNOS


def fsync_dir(path: Path) -> None:
    """Make a folder's entries durable (a new or renamed file in it survives a power loss)."""
    fsync_path(path)


def fsync_path(path: Path | str, *, follow_links: bool = True) -> None:
    """fsync a file or folder by path; one that is gone, unreadable (or a link, without
    ``follow_links``) is passed over: callers fsync what they can."""
    try:
        fd = os.open(path, os.O_RDONLY | (0 if follow_links else os.O_NOFOLLOW))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, text: str, *, durable: bool = False) -> None:
    """Replace ``path`` with ``text`` so readers see the old or the new file, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:  # disk full: no half-written temporary file left behind
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if durable:
        fsync_dir(path.parent)


class JsonlAppender:
    """Appends whole lines with one ``write(2)`` each; counts lines."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self.lines = 0

    def open(self) -> JsonlAppender:
        self.lines = _trim_partial_line(self.path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        return self

    def append(self, line: str) -> None:
        self.append_encoded((line + "\n").encode("utf-8"))

    def append_encoded(self, data: bytes) -> None:
        """Append one line already encoded as UTF-8 and ending in a newline (the history's hot path)."""
        fd = self._fd
        assert fd is not None, "append() before open()"
        written = os.write(fd, data)
        while written < len(data):  # only very large rows or a full disk get here
            try:
                written += os.write(fd, data[written:])
            except OSError:
                self._take_back(written)
                raise
        self.lines += 1

    def _take_back(self, count: int) -> None:
        """Cut the ``count`` bytes of a line that could not be written whole (the file ends with a whole line)."""
        if self._fd is None:
            return
        try:
            end = os.lseek(self._fd, 0, os.SEEK_END)
            os.ftruncate(self._fd, end - count)
        except OSError:
            pass  # left for open() to trim

    def sync(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    @property
    def closed(self) -> bool:
        return self._fd is None


def _trim_partial_line(path: Path) -> int:
    """Cut a torn last line left by a crash; return the number of whole lines."""
    try:
        with open(path, "rb+") as handle:
            data = handle.read()
            end = data.rfind(b"\n") + 1
            if end < len(data):
                handle.truncate(end)
            return data.count(b"\n")
    except FileNotFoundError:
        return 0


def read_json_object(path: Path) -> dict[str, Any]:
    """A JSON file holding an object; {} when it is missing, unreadable, broken or not an object."""
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every whole, valid line of a JSONL file (a torn last line is skipped)."""
    rows = []
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.endswith("\n"):
                    try:
                        rows.append(json.loads(line))
                    except ValueError:
                        continue
    except FileNotFoundError:
        pass
    return rows


def count_lines(path: Path) -> int:
    """Newlines in a file, read in 1 MiB chunks (0 when it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    except OSError:
        return 0


def tail_lines(path: Path, count: int) -> list[bytes]:
    """The last ``count`` whole lines of a file (a torn last piece is not a line), reading only its end."""
    if count <= 0:
        return []
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            chunk = 4096
            while True:
                start = max(0, size - chunk)
                handle.seek(start)
                lines = handle.read(size - start).split(b"\n")[:-1]
                if start > 0:
                    lines = lines[1:]  # the first piece may begin mid-line
                if len(lines) >= count or start == 0:
                    return lines[-count:]
                chunk *= 4
    except FileNotFoundError:
        return []


def last_jsonl_row(path: Path) -> dict[str, Any] | None:
    """The last whole, valid row of a JSONL file, reading only its tail."""
    count = 8
    while True:
        lines = tail_lines(path, count)
        for line in reversed(lines):
            try:
                return json.loads(line)
            except ValueError:
                continue
        if len(lines) < count:
            return None
        count *= 8


def iter_runs(wandb_dir: Path) -> list[RunPaths]:
    """Run directories under ``wandb_dir``, oldest first."""
    try:
        entries = [e for e in os.scandir(wandb_dir) if e.is_dir(follow_symlinks=False) and _RUN_DIR.match(e.name)]
    except FileNotFoundError:
        return []
    entries.sort(key=lambda e: e.name.split("run-", 1)[1])  # the start stamp: YYYYMMDD_HHMMSS-id
    return [RunPaths(root=Path(e.path)) for e in entries]


def find_run(wandb_dir: Path, run_id: str) -> RunPaths | None:
    """The newest run directory of ``run_id`` (online or offline), or None."""
    suffix = f"-{run_id}"
    try:
        names = [
            e.name
            for e in os.scandir(wandb_dir)
            if e.name.endswith(suffix) and e.is_dir(follow_symlinks=False) and _run_id_of(e.name) == run_id
        ]
    except FileNotFoundError:
        return None
    if not names:
        return None
    newest = max(names, key=lambda name: name.split("run-", 1)[1])
    return RunPaths(root=Path(wandb_dir) / newest)


def _run_id_of(folder: str) -> str | None:
    match = _RUN_DIR.match(folder)
    return match.group(3) if match else None


def update_latest_link(wandb_dir: Path, run_root: Path) -> None:
    """Point ``latest-run`` at ``run_root`` (relative link, swapped atomically)."""
    link = Path(wandb_dir) / "latest-run"
    tmp = Path(wandb_dir) / f".latest-run.{os.getpid()}"
    try:
        if tmp.is_symlink():
            tmp.unlink()
        os.symlink(run_root.name, tmp)
        os.replace(tmp, link)
    except OSError:  # file systems without symlinks: the link is a convenience only
        pass


_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_run_id() -> str:
    """8 random lowercase letters and digits, like W&B's run ids."""
    # os.urandom, not the secrets module: same entropy source, without importing hashlib at startup
    return "".join(_ID_ALPHABET[byte % len(_ID_ALPHABET)] for byte in os.urandom(8))

"""Run directories on the server: what file_stream, UpsertBucket and uploads write.

Layout: ``<data dir>/runs/<entity>/<project>/run-YYYYMMDD_HHMMSS-<id>/files/...``,
the run-directory format of DESIGN.md, so ``iter_runs(<data dir>/runs/E/P)`` and
the dashboard read server runs like local ones.

file_stream semantics (offsets are line numbers):

* ``wandb-history.jsonl``, ``wandb-events.jsonl`` and any other stream: lines
  the server already holds are skipped, so a repeated request is idempotent.
* ``output.log``: the lines from ``offset`` on are replaced (the client rewrites
  lines that a carriage return or cursor movement changed), in place, within the
  last ``REWRITABLE_BYTES`` of the file; lines before those are final and kept (a
  rewrite at offset 0 of a 50 MB log no longer rewrites 50 MB: ~1 s each).
* ``wandb-summary.json``: the last content line is the whole summary; it
  replaces the file atomically.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import OrderedDict
from pathlib import Path, PurePosixPath
from typing import Any

from ..common._yaml import dump_config
from ..rundir._rundir import CONFIG, EVENTS, HISTORY, OUTPUT, SUMMARY, JsonlAppender, RunPaths, tail_lines, write_atomic

__all__ = ["RunFiles", "RunFileStore", "safe_file_name", "check_lines", "NAME_MAX"]

log = logging.getLogger("wandb_jupyter.server")

_REPLACED_STREAMS = {OUTPUT}
#: The longest file or folder name most file systems take, in bytes.
NAME_MAX = 255
#: How far back from its end output.log may still be rewritten (progress bars change the last lines only).
REWRITABLE_BYTES = 1 << 20
# Files that file_stream writes. The SDK also uploads its local copies of them at the
# end (W&B keeps uploads apart from streams); those copies go to <run>/uploaded/ so they
# never overwrite the streamed data (W&B's local output.log, for one, has no timestamps).
STREAMED = {HISTORY, EVENTS, OUTPUT, SUMMARY}
UPLOADED_DIR = "uploaded"


def safe_file_name(name: str) -> str | None:
    """``name`` as a run-relative POSIX path if it stays inside ``files/``, else None."""
    if not name or len(name) > 1024 or "\\" in name or "\x00" in name or name.startswith("/"):
        return None
    if any(ord(c) < 32 for c in name):
        return None
    parts = PurePosixPath(name).parts
    if not parts or any(part in ("", ".", "..") for part in parts) or name.endswith("/"):
        return None
    if any(len(part.encode("utf-8", "surrogatepass")) > NAME_MAX for part in parts):
        return None
    return "/".join(parts)


def check_lines(content: Any) -> list[str] | None:
    """The content lines of one file_stream entry, or None if they are not a list of one-line strings."""
    if not isinstance(content, list):
        return None
    for line in content:
        if not isinstance(line, str) or "\n" in line:
            return None
    return content


class _LineFile(JsonlAppender):
    """An append-only line file that also appends many lines in one ``write(2)``."""

    def extend(self, lines: list[str]) -> None:
        if not lines:
            return
        data = ("\n".join(lines) + "\n").encode("utf-8")
        written = os.write(self._fd, data)  # type: ignore[arg-type]
        while written < len(data):
            try:
                written += os.write(self._fd, data[written:])  # type: ignore[arg-type]
            except OSError:  # disk full: the file keeps whole lines, the client sends them again
                self._take_back(written)
                raise
        self.lines += len(lines)


class RunFiles:
    """The files of one run directory; keeps line files open between requests."""

    def __init__(self, root: Path) -> None:
        self.paths = RunPaths(root=root)
        self.paths.create()
        self._files_root = self.paths.files.resolve()
        self._streams: dict[str, _LineFile] = {}

    # -- streams ------------------------------------------------------------
    def _stream(self, name: str) -> _LineFile:
        stream = self._streams.get(name)
        if stream is None:
            path = self.path_of(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            stream = self._streams[name] = _LineFile(path)
            stream.open()
        return stream

    def line_count(self, name: str) -> int:
        if name in self._streams:
            return self._streams[name].lines
        if not self.paths.file(name).exists():
            return 0
        return self._stream(name).lines

    def apply(self, name: str, offset: int, lines: list[str]) -> None:
        """One file_stream entry: ``lines`` are the file's lines ``offset``, ``offset + 1``, ..."""
        if name == SUMMARY:
            if lines:
                write_atomic(self.path_of(name), lines[-1])
            return
        stream = self._stream(name)
        held = stream.lines
        if offset > held:
            log.warning(
                "file_stream: %s of %s starts at line %d but the server holds %d lines; appending",
                name,
                self.paths.root.name,
                offset,
                held,
            )
            offset = held
        if offset == held:
            stream.extend(lines)
        elif name in _REPLACED_STREAMS:
            self._replace(name, offset, lines)
        else:
            stream.extend(lines[held - offset :])

    def _replace(self, name: str, offset: int, lines: list[str]) -> None:
        """Lines ``offset``... replace those held, in place in the file's last REWRITABLE_BYTES; lines before
        those stay as they are. Costs at most ~2 * REWRITABLE_BYTES of I/O whatever the file's size."""
        stream = self._stream(name)
        with open(self.path_of(name), "r+b") as handle:
            start = max(0, handle.seek(0, os.SEEK_END) - REWRITABLE_BYTES)
            handle.seek(start)
            tail = handle.read()
            if start > 0:  # the region starts after the line that straddles its border
                cut = tail.find(b"\n") + 1
                start, tail = start + cut, tail[cut:]
            old = tail.split(b"\n")[:-1]
            first = stream.lines - len(old)  # the first line that may still change
            if offset < first:
                lines, offset = lines[first - offset :], first
            index = offset - first
            new = old[:index] + [line.encode("utf-8") for line in lines] + old[index + len(lines) :]
            handle.seek(start)
            handle.write(b"".join(line + b"\n" for line in new))
            handle.truncate()
        stream.lines = first + len(new)

    def _forget(self, name: str) -> None:
        stream = self._streams.pop(name, None)
        if stream is not None:
            stream.close()

    def tail(self, name: str, count: int) -> list[str]:
        """The last ``count`` whole lines of a line file."""
        return [line.decode("utf-8", "replace") for line in tail_lines(self.paths.file(name), count)]

    # -- whole files ------------------------------------------------------------
    def path_of(self, name: str) -> Path:
        safe = safe_file_name(name)
        if safe is None:
            raise ValueError(f"invalid file name {name!r}")
        path = self.paths.files / safe
        resolved = path.resolve()
        if resolved != self._files_root and self._files_root not in resolved.parents:
            raise ValueError(f"invalid file name {name!r}")
        return path

    def read_text(self, name: str) -> str | None:
        try:
            return self.path_of(name).read_text(encoding="utf-8")
        except (OSError, ValueError):
            return None

    def write_summary(self, summary_json: str) -> None:
        write_atomic(self.path_of(SUMMARY), summary_json)

    def write_config(self, config_json: str) -> None:
        """config.yaml in W&B's format from UpsertBucket's ``{"key": {"value": ...}}`` JSON."""
        try:
            data = json.loads(config_json)
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        plain = {k: (v.get("value") if isinstance(v, dict) else v) for k, v in data.items() if k != "_wandb"}
        wandb_block = data.get("_wandb", {})
        wandb_block = wandb_block.get("value", {}) if isinstance(wandb_block, dict) else {}
        write_atomic(self.path_of(CONFIG), dump_config(plain, wandb_block))

    def upload_path(self, name: str) -> Path:
        """Where an uploaded ``name`` is stored: under ``files/``, or ``uploaded/`` for streamed files."""
        path = self.path_of(name)
        if name in STREAMED:
            path = self.paths.root / UPLOADED_DIR / name
            if self.paths.root.resolve() not in path.resolve().parents:  # a symbolic link planted there
                raise ValueError(f"invalid file name {name!r}")
        return path

    def upload_target(self, name: str) -> tuple[Path, Path]:
        """(final path, temporary path beside it) for a streamed upload of ``name``."""
        path = self.upload_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path, path.with_name(f".{path.name}.{os.getpid()}.{id(path)}.upload")

    def commit_upload(self, name: str, tmp: Path) -> None:
        os.replace(tmp, self.upload_path(name))

    def put(self, name: str, body: bytes) -> int:
        """Store an uploaded file (atomically); returns its size."""
        _, tmp = self.upload_target(name)
        with open(tmp, "wb") as handle:
            handle.write(body)
        self.commit_upload(name, tmp)
        return len(body)

    def list_files(self) -> list[tuple[str, int, float]]:
        """(name, size, mtime) of every file under ``files/``."""
        out = []
        for dirpath, _dirs, names in os.walk(self.paths.files):
            for file_name in names:
                if file_name.startswith("."):
                    continue
                path = Path(dirpath) / file_name
                stat = path.stat()
                out.append((path.relative_to(self.paths.files).as_posix(), stat.st_size, stat.st_mtime))
        return sorted(out)

    def sync(self) -> None:
        for stream in self._streams.values():
            stream.sync()

    def close(self) -> None:
        for name in list(self._streams):
            self._forget(name)


class RunFileStore:
    """Run directories under the data dir, with a bounded cache of open ones."""

    def __init__(self, data_dir: Path, max_open: int = 128) -> None:
        self.data_dir = Path(data_dir)
        self.max_open = max_open
        self._open: OrderedDict[int, RunFiles] = OrderedDict()

    def new_dir(self, entity: str, project: str, run_id: str, *, started: float | None = None) -> str:
        """The relative directory for a new run."""
        stamp = time.strftime("%Y%m%d_%H%M%S", time.localtime(started or time.time()))
        return f"runs/{entity}/{project}/run-{stamp}-{run_id}"

    def make_dir(self, rel_dir: str) -> None:
        """Make a new run's folders; OSError (with its errno) when the file system refuses them."""
        paths = RunPaths(root=self.data_dir / rel_dir)
        paths.files.mkdir(parents=True, exist_ok=True)
        paths.logs.mkdir(exist_ok=True)

    def get(self, pk: int, rel_dir: str) -> RunFiles:
        files = self._open.get(pk)
        if files is None:
            files = self._open[pk] = RunFiles(self.data_dir / rel_dir)
            while len(self._open) > self.max_open:
                _, oldest = self._open.popitem(last=False)
                oldest.close()
        else:
            self._open.move_to_end(pk)
        return files

    def release(self, pk: int) -> None:
        files = self._open.pop(pk, None)
        if files is not None:
            files.close()

    def close(self) -> None:
        while self._open:
            _, files = self._open.popitem()
            files.close()

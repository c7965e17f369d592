"""The base of every data type, and the writer that puts media files into a run.

A data type is built from the user's data at once (checked, encoded to bytes
in memory or pointing at a file), so bad input fails in the constructor and
nothing is written. When a row is logged, :class:`MediaWriter` gives each
media value its place, ``files/media/<kind>/<key>_<step>_<sha256[:20]><ext>``
(W&B's names), writes it under a dotted temporary name (which the online
sender skips), fsyncs it and renames it, so a file named by a history row is
always whole on disk before that row is.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..common._errors import UsageError
from ..rundir._rundir import fsync_dir, storage_error

__all__ = ["WBValue", "Media", "BatchableMedia", "MediaWriter", "safe_key"]


class WBValue:
    """A value with a W&B JSON form (``{"_type": ...}``); media subclasses also carry a file."""

    _log_type: str = ""

    def bind(self, writer: MediaWriter, key: str, step: int | str) -> None:
        """Give the value its place in the run (media write their file here)."""

    def to_json(self, writer: MediaWriter | None = None) -> dict[str, Any]:
        raise NotImplementedError


def safe_key(key: str) -> str:
    """A logged key as a relative path, as W&B makes it: no leading ``/``, ``.``/``..`` parts become ``_``/``__``."""
    parts = str(key).lstrip("/").split("/")
    return "/".join(part.replace(".", "_") if part in (".", "..") else part for part in parts)


class Media(WBValue):
    """A value stored in a file under ``files/media/<subdir>/``.

    Subclasses call :meth:`_set_bytes` (content built in memory) or
    :meth:`_set_file` (an existing file, copied when logged).
    """

    _subdir = "media"

    def __init__(self, caption: str | None = None) -> None:
        if caption is not None and not isinstance(caption, str):
            caption = str(caption)
        self._caption = caption
        self._content: bytes | None = None
        self._source: Path | None = None
        self._extension = ""
        self._sha256 = ""
        self._size = 0
        self._path: str | None = None  # run-relative once bound
        self._bound_dir: Path | None = None  # the files/ folder of the run it is bound to

    def _set_bytes(self, content: bytes, extension: str) -> None:
        import hashlib  # with the first data type, not with the package (OpenSSL takes ~3 ms to load)

        self._content = content
        self._source = None
        self._extension = extension
        self._sha256 = hashlib.sha256(content).hexdigest()
        self._size = len(content)

    def _set_file(self, path: str | os.PathLike[str], extension: str | None = None) -> None:
        import hashlib

        source = Path(path)
        if not source.is_file():
            raise UsageError(f"{type(self).__name__}: no such file: {source}")
        digest = hashlib.sha256()
        with open(source, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        self._content = None
        self._source = source
        self._extension = extension if extension is not None else source.suffix
        self._sha256 = digest.hexdigest()
        self._size = source.stat().st_size

    def is_bound(self, writer: MediaWriter | None = None) -> bool:
        """Whether the value has its file in a run (in ``writer``'s run, when given)."""
        if writer is not None and self._bound_dir != writer.files_dir:
            return False  # logged to another run before: this run gets its own copy
        return self._path is not None

    def bind(self, writer: MediaWriter, key: str, step: int | str) -> None:
        name = f"{safe_key(key)}_{step}_{self._sha256[:20]}{self._extension}"
        self._path = writer.write(f"{self._subdir}/{name}", self._content, self._source)
        self._bound_dir = writer.files_dir
        writer.bound.append(self)

    def to_json(self, writer: MediaWriter | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self._caption is not None:
            data["caption"] = self._caption
        data.update({"_type": self._log_type, "sha256": self._sha256, "size": self._size})
        if self._path is not None:
            data["path"] = self._path
        return data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and self._sha256 == other._sha256 and self._caption == other._caption

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        where = self._path or (str(self._source) if self._source else f"{self._size} bytes")
        return f"<{type(self).__name__} {where}>"


class BatchableMedia(Media):
    """Media that W&B logs as one value when a list of them shares a key (``seq_to_json``)."""

    @classmethod
    def seq_to_json(cls, items: list[Any], writer: MediaWriter, key: str, step: int | str) -> dict[str, Any]:
        raise NotImplementedError


class MediaWriter:
    """Writes the media files of one row (or one summary value) into a run's ``files/`` folder.

    Files written so far are remembered: :meth:`discard` removes them when the
    row fails after all, :meth:`commit` fsyncs their folders. ``config`` collects
    what W&B keeps in the run config's ``_wandb`` block (chart specs, class labels).
    """

    def __init__(self, files_dir: Path) -> None:
        self.files_dir = Path(files_dir)
        self.written: list[Path] = []
        self.folders: set[Path] = set()
        self.config: dict[str, dict[str, Any]] = {}
        self.bound: list[Media] = []

    def write(self, relative: str, content: bytes | None, source: Path | None) -> str:
        """Put one file at ``files/<relative>`` (whole and fsynced); returns ``relative``.

        A full disk (or quota, file size limit, read-only folder) raises its OSError, which the run
        turns into "logging stopped"; any other failure (a name too long) is a UsageError.
        """
        target = self.files_dir / relative
        try:
            if target.exists():  # same name, same content hash: already there (a value logged twice)
                return relative
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_whole(target, content, source)
        except OSError as error:
            if storage_error(error):
                raise
            raise UsageError(f"cannot write media file {relative}: {error.strerror or error}") from None
        self.written.append(target)
        self.folders.add(target.parent)
        return relative

    def set_config(self, section: str, key: str, value: Any) -> None:
        self.config.setdefault(section, {})[key] = value

    def commit(self) -> None:
        """Make the new files' directory entries durable (before the row naming them is written)."""
        for folder in sorted(self.folders):
            fsync_dir(folder)

    def discard(self) -> None:
        """Remove the files of a row that was not written after all; its values can be logged again."""
        for path in self.written:
            path.unlink(missing_ok=True)
        self.written.clear()
        for media in self.bound:
            media._path = None
        self.bound.clear()


def _write_whole(target: Path, content: bytes | None, source: Path | None) -> None:
    """Write under a dotted temporary name (the sender skips those), fsync, rename into place."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            if content is not None:
                handle.write(content)
            else:
                assert source is not None
                with open(source, "rb") as original:
                    for block in iter(lambda: original.read(1 << 20), b""):
                        handle.write(block)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

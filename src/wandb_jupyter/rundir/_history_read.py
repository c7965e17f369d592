"""Reading a run's ``wandb-history.jsonl`` back without loading it: step ranges, samples, row counts.

A history file can hold millions of rows (hundreds of MiB), and the readers of
the public API ask for pages of it again and again (W&B's ``scan_history``
pages by step ranges, ``history()`` wants a few hundred rows spread evenly). A
:class:`HistoryIndex` makes one pass over the file and keeps a sparse index:
the byte offset and ``_step`` of every :data:`EVERY`-th row. A page is then one
seek and a short read; a sample is one seek per picked row. The index follows
an append-only file as it grows (a live run) and is rebuilt when the file is
replaced. Rows are handed out as their JSON text, so a server can pass them on
without parsing them twice.

Only whole lines count: a torn last line (a writer mid-``write``) is left for
the next read.
"""

from __future__ import annotations

import json
import os
import re
import threading
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["HistoryIndex", "history_index", "EVERY"]

#: One index entry per this many rows: 1M rows -> ~1000 entries, a page reads at most this many rows too many.
EVERY = 1024
_CHUNK = 1 << 20
_CACHE_SIZE = 64


_STEP = re.compile(rb'(?<!\\)"_step"\s*:\s*(-?\d+)\s*[,}]')


def _step_of(line: bytes) -> float | None:
    """The row's ``_step``. A line naming ``"_step"`` once, as an integer, is read without parsing the row
    (pages of a 1M-row run read a million of them); anything else is parsed."""
    if line.count(b'"_step"') == 1:
        match = _STEP.search(line)
        if match:
            return int(match.group(1))
    try:
        step = json.loads(line).get("_step")
    except (ValueError, AttributeError, RecursionError):
        return None
    return step if isinstance(step, (int, float)) and not isinstance(step, bool) else None


class HistoryIndex:
    """A sparse index of one history file (see the module docstring). Thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._identity: tuple[int, int] | None = None  # (device, inode) of the indexed file
        self._reset()

    def _reset(self) -> None:
        self.rows = 0  # whole lines indexed
        self._end = 0  # byte offset after the last whole line indexed
        self._offsets = array("q")  # byte offset of rows 0, EVERY, 2*EVERY, ...
        self._steps: list[float] = []  # their _step (or the previous entry's when unreadable)

    # -- building ------------------------------------------------------------
    def refresh(self) -> HistoryIndex:
        """Index what was appended since the last call (all of it when the file was replaced or shrank)."""
        with self._lock:
            try:
                stat = os.stat(self.path)
            except FileNotFoundError:
                self._identity = None
                self._reset()
                return self
            identity = (stat.st_dev, stat.st_ino)
            if identity != self._identity or stat.st_size < self._end:
                self._identity = identity
                self._reset()
            if stat.st_size > self._end:
                self._extend()
        return self

    def _extend(self) -> None:
        with open(self.path, "rb") as handle:
            handle.seek(self._end)
            offset = self._end
            pending = b""
            while chunk := handle.read(_CHUNK):
                data = pending + chunk
                start = 0
                while True:
                    newline = data.find(b"\n", start)
                    if newline < 0:
                        break
                    if self.rows % EVERY == 0:
                        step = _step_of(data[start:newline])
                        if step is None:
                            step = self._steps[-1] if self._steps else 0
                        self._offsets.append(offset + start)
                        self._steps.append(step)
                    self.rows += 1
                    start = newline + 1
                offset += start
                pending = data[start:]
            self._end = offset

    # -- reading ------------------------------------------------------------
    def _lines_from(self, entry: int) -> Iterator[bytes]:
        """Whole lines from index entry ``entry`` to the indexed end."""
        if entry >= len(self._offsets):
            return
        end = self._end
        with open(self.path, "rb") as handle:
            handle.seek(self._offsets[entry])
            position = self._offsets[entry]
            for line in handle:
                if position >= end or not line.endswith(b"\n"):
                    return
                position += len(line)
                yield line[:-1]

    def step_range(self, min_step: float, max_step: float | None, limit: int | None = None) -> list[str]:
        """The rows with ``min_step <= _step < max_step`` (at most ``limit``), as JSON text, in file order."""
        self.refresh()
        entry = max(0, bisect_left(self._steps, min_step) - 1)
        out: list[str] = []
        for line in self._lines_from(entry):
            step = _step_of(line)
            if step is None or step < min_step:
                continue
            if max_step is not None and step >= max_step:
                break
            out.append(line.decode("utf-8", "replace"))
            if limit is not None and len(out) >= limit:
                break
        return out

    def rows_at(self, numbers: list[int]) -> list[str]:
        """Rows by number (0-based, ascending), as JSON text: one seek per index block touched."""
        self.refresh()
        out: list[str] = []
        wanted = [n for n in numbers if 0 <= n < self.rows]
        i = 0
        while i < len(wanted):
            entry = wanted[i] // EVERY
            number = entry * EVERY
            for line in self._lines_from(entry):
                while i < len(wanted) and wanted[i] == number:
                    out.append(line.decode("utf-8", "replace"))
                    i += 1
                number += 1
                if i >= len(wanted) or wanted[i] // EVERY != entry:
                    break
        return out

    def sample(self, samples: int) -> list[str]:
        """``samples`` rows spread evenly over the file, first and last included (every row when fewer)."""
        self.refresh()
        return self.rows_at(spread(self.rows, samples))

    def sample_with_keys(
        self, keys: list[str], samples: int, min_step: float | None = None, max_step: float | None = None
    ) -> list[dict[str, Any]]:
        """Rows holding every one of ``keys`` (with ``min_step <= _step <= max_step`` when given), spread
        evenly (``samples`` at most), reduced to those keys.

        One pass finds the rows (a substring test before parsing skips most rows that lack a key; a step
        window starts at its index entry and stops past its end); only their offsets are kept, then the
        picked rows are read again."""
        self.refresh()
        needles = [json.dumps(key).encode() for key in keys]
        offsets = array("q")
        entry = max(0, bisect_left(self._steps, min_step) - 1) if min_step is not None else 0
        if entry >= len(self._offsets):
            return []
        position = self._offsets[entry]
        windowed = min_step is not None or max_step is not None
        with open(self.path, "rb") as handle:
            handle.seek(position)
            for line in handle:
                if position >= self._end or not line.endswith(b"\n"):
                    break
                start, position = position, position + len(line)
                if windowed:
                    step = _step_of(line)
                    if step is None or (min_step is not None and step < min_step):
                        continue
                    if max_step is not None and step > max_step:
                        break
                if all(needle in line for needle in needles):
                    row = _loads(line)
                    if row is not None and all(key in row for key in keys):
                        offsets.append(start)
            out = []
            for number in spread(len(offsets), samples):
                handle.seek(offsets[number])
                row = _loads(handle.readline())
                if row is not None:
                    out.append({key: row[key] for key in keys})
        return out

    def last_step(self) -> float | None:
        """The ``_step`` of the last whole row, or None without rows."""
        self.refresh()
        if not self.rows:
            return None
        last = self.rows_at([self.rows - 1])
        return _step_of(last[0].encode()) if last else None


def _loads(line: bytes) -> dict[str, Any] | None:
    try:
        row = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return row if isinstance(row, dict) else None


def spread(count: int, samples: int) -> list[int]:
    """``samples`` ascending numbers out of ``range(count)``, evenly spread, first and last included."""
    if samples <= 0 or count <= 0:
        return []
    if count <= samples:
        return list(range(count))
    if samples == 1:
        return [count - 1]
    return sorted({round(i * (count - 1) / (samples - 1)) for i in range(samples)})


_indexes: OrderedDict[str, HistoryIndex] = OrderedDict()
_indexes_lock = threading.Lock()


def history_index(path: Path) -> HistoryIndex:
    """The (cached, refreshed) index of the history file at ``path``."""
    key = os.fspath(path)
    with _indexes_lock:
        index = _indexes.get(key)
        if index is None:
            index = _indexes[key] = HistoryIndex(Path(path))
            while len(_indexes) > _CACHE_SIZE:
                _indexes.popitem(last=False)
        else:
            _indexes.move_to_end(key)
    return index.refresh()

"""``files/output.log``: what the program printed, as W&B's Logs tab expects it.

Each line is ``<UTC ISO timestamp> <text>``; stderr lines start with
``ERROR `` (W&B's file_stream marking), so the file reads naturally and the
stream of each line can be recovered. Carriage-return redraws (tqdm, keras)
are collapsed to their final state and ANSI escape codes removed.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import threading
from pathlib import Path

__all__ = ["OutputLog", "clean_line", "parse_line"]

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_UTC = _dt.timezone.utc


def clean_line(line: str) -> str:
    """The visible final state of one terminal line."""
    if line.endswith("\r"):
        line = line[:-1]
    if "\r" in line:
        line = line.rsplit("\r", 1)[1]
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    return line


_STORED = re.compile(r"^(ERROR )?(\d{4}-\d\d-\d\dT\S+) (.*)$", re.DOTALL)


def parse_line(stored: str) -> tuple[str | None, bool, str]:
    """(timestamp, from stderr, text) of one stored line; a line without the prefix (the W&B SDK's own
    local output.log) is its text, with no time, from stdout."""
    match = _STORED.match(stored)
    if match is None:
        return None, False, stored
    error, when, text = match.groups()
    return when, error is not None, text


def _collapse_partial(text: str) -> str:
    """Drop what a later carriage return has overwritten; a trailing \\r may still start \\r\\n."""
    cut = text.rfind("\r", 0, len(text) - 1)
    return text[cut:] if cut > 0 else text


class _Stamps:
    """UTC ISO timestamps with microseconds; the date part is formatted once per second."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def __call__(self, when: float) -> str:
        second = int(when)
        if second != self._second:
            self._second = second
            self._prefix = _dt.datetime.fromtimestamp(second, _UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return f"{self._prefix}.{int((when - second) * 1_000_000):06d}"


_stamp = _Stamps()


class OutputLog:
    """Assembles chunks of stdout/stderr text into lines and appends them to ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._partial = {"stdout": "", "stderr": ""}
        self._partial_time = {"stdout": 0.0, "stderr": 0.0}
        self._lock = threading.Lock()
        self._fd: int | None = None

    def add(self, chunks: list[tuple[str, float, str]]) -> None:
        """Process ``(stream, time, text)`` chunks in order and append the finished lines."""
        out: list[str] = []
        with self._lock:
            for stream, when, text in chunks:
                if not isinstance(text, str):
                    continue
                pending = self._partial[stream] + text
                *complete, rest = pending.split("\n")
                if complete:
                    head = ("ERROR " if stream == "stderr" else "") + _stamp(when) + " "
                    out.extend(f"{head}{clean_line(line)}\n" for line in complete)
                self._partial[stream] = _collapse_partial(rest) if "\r" in rest else rest
                if rest:
                    self._partial_time[stream] = when
            self._append(out)

    def close(self) -> None:
        """Write unfinished lines (a progress bar's last state) and close the file."""
        with self._lock:
            out = []
            for stream, rest in self._partial.items():
                line = clean_line(rest)
                if line:
                    prefix = "ERROR " if stream == "stderr" else ""
                    out.append(f"{prefix}{_stamp(self._partial_time[stream])} {line}\n")
                self._partial[stream] = ""
            self._append(out)
            if self._fd is not None:
                os.fsync(self._fd)
                os.close(self._fd)
                self._fd = None

    def _append(self, lines: list[str]) -> None:
        if not lines:
            return
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        data = "".join(lines).encode("utf-8", errors="replace")
        while data:
            data = data[os.write(self._fd, data) :]

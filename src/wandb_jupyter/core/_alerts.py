"""``run.alert()`` and ``run.mark_preempting()``: notices a run gives its server.

Both are kept in the run directory first (``alerts.jsonl``, one alert a line, and a
``preempting`` marker, next to ``sync-state.json``, outside ``files/`` so they are never
uploaded as run files); the online sender, live or at ``wandb-jupyter sync``, sends what
the server has not taken yet: an alert as W&B's ``NotifyScriptableRunAlert`` mutation
(``waitDuration`` in milliseconds), the marker as ``"preempting": true`` in file_stream.
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
import time
from pathlib import Path
from typing import Any

from ..common._errors import UsageError

__all__ = ["AlertLevel", "ALERTS_FILE", "PREEMPTING_FILE", "alert_record", "read_alerts"]

ALERTS_FILE = "alerts.jsonl"
PREEMPTING_FILE = "preempting"
#: W&B's default ``wait_duration``: one minute.
DEFAULT_WAIT = _dt.timedelta(minutes=1)


class AlertLevel(enum.Enum):
    """Severity of an alert (W&B's ``wandb.AlertLevel``)."""

    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


def _level(level: Any) -> str:
    name = level.value if isinstance(level, AlertLevel) else (level or "INFO")
    if name not in AlertLevel.__members__:
        raise UsageError(f"alert(level={level!r}): expected one of INFO, WARN, ERROR (or wandb.AlertLevel)")
    return name


def _wait_ms(wait_duration: Any) -> int:
    wait = wait_duration or DEFAULT_WAIT
    if isinstance(wait, bool):
        raise UsageError("alert(wait_duration=...) takes seconds (int or float) or a datetime.timedelta")
    if isinstance(wait, (int, float)):
        wait = _dt.timedelta(seconds=wait)
    if not callable(getattr(wait, "total_seconds", None)):
        raise UsageError("alert(wait_duration=...) takes seconds (int or float) or a datetime.timedelta")
    return int(wait.total_seconds() * 1000)


def alert_record(title: Any, text: Any, level: Any = None, wait_duration: Any = None) -> dict[str, Any]:
    """One alert as kept in ``alerts.jsonl`` (W&B's arguments checked as W&B checks them)."""
    for name, value in (("title", title), ("text", text)):
        if not isinstance(value, str):
            raise UsageError(f"alert({name}=...) must be a string, not {type(value).__name__}")
    return {
        "title": title,
        "text": text,
        "level": _level(level),
        "wait_duration": _wait_ms(wait_duration),
        "timestamp": time.time(),
    }


def append_alert(root: Path, record: dict[str, Any]) -> None:
    with open(Path(root) / ALERTS_FILE, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, separators=(",", ":")) + "\n")


def read_alerts(root: Path) -> tuple[list[dict[str, Any] | None], int]:
    """Every whole alert of a run directory, in order, and the bytes they take (a torn last line,
    or one appended while reading, is left for later). A broken line is None: it keeps the count."""
    try:
        data = (Path(root) / ALERTS_FILE).read_bytes()
    except OSError:
        return [], 0
    alerts: list[dict[str, Any] | None] = []
    consumed = 0
    for line in data.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break
        consumed += len(line)
        try:
            alerts.append(json.loads(line))
        except ValueError:
            alerts.append(None)
    return alerts, consumed


def mark_preempting(root: Path) -> None:
    (Path(root) / PREEMPTING_FILE).write_text(f"{time.time()}\n", encoding="utf-8")

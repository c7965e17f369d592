"""What a run did with artifacts, kept in its run directory for the upload (live or ``wandb-jupyter sync``).

``artifacts.jsonl`` (beside ``files/``): one JSON object a line, ``{"op": "log" | "use" | "link", ...}``,
appended when the run logs, uses or links an artifact (the files themselves are in the local store).
``artifacts-sent.jsonl``: what the server answered for each line, written by the online layer
(``{"line": N, "id": ..., "version": ..., "error": ...}``): ``Artifact.wait()`` reads it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ..common._errors import UsageError
from ..common._filelock import exclusive_lock

__all__ = ["ARTIFACTS_FILE", "SENT_FILE", "append_record", "read_records", "append_sent", "read_sent", "wait_sent"]

ARTIFACTS_FILE = "artifacts.jsonl"
SENT_FILE = "artifacts-sent.jsonl"


def _read_lines(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    out = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            out.append(value)
    return out


def append_record(run_root: Path, record: dict[str, Any]) -> int:
    """Append one record; returns its line number (0-based)."""
    path = Path(run_root) / ARTIFACTS_FILE
    with exclusive_lock(path.with_name(f".{ARTIFACTS_FILE}.lock")):
        line = len(_read_lines(path))
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, separators=(",", ":")) + "\n")
    return line


def read_records(run_root: Path) -> list[dict[str, Any]]:
    return _read_lines(Path(run_root) / ARTIFACTS_FILE)


def append_sent(run_root: Path, result: dict[str, Any]) -> None:
    with open(Path(run_root) / SENT_FILE, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(result, separators=(",", ":")) + "\n")


def read_sent(run_root: Path) -> dict[int, dict[str, Any]]:
    return {int(r["line"]): r for r in _read_lines(Path(run_root) / SENT_FILE) if isinstance(r.get("line"), int)}


def wait_sent(run_root: Path, line: int, timeout: float | None, poll: float = 0.05) -> dict[str, Any] | None:
    """The server's answer to record ``line`` once it came (None at the timeout); UsageError if it refused it."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        result = read_sent(run_root).get(line)
        if result is not None:
            if result.get("error"):
                raise UsageError(f"the server refused the artifact: {result['error']}")
            return result
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(poll)

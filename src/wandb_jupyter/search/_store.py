"""Sweeps kept as one JSON file each in a folder, changed under a file lock.

The server keeps them under its data folder, the offline controller under the wandb folder:
agents in several processes (or server processes sharing one folder) read, decide and write one
sweep at a time, and a reader never sees half a file (written aside, then renamed).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..common._filelock import exclusive_lock

__all__ = ["SweepStore", "SWEEP_ID"]

#: W&B's sweep ids (and ours): letters, digits, '_' and '-'
SWEEP_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class SweepStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _file(self, sweep_id: str) -> Path:
        if not SWEEP_ID.match(sweep_id):
            raise ValueError(f"invalid sweep id {sweep_id!r}: 1 to 64 letters, digits, '_' or '-'")
        return self.root / f"{sweep_id}.json"

    def read(self, sweep_id: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self._file(sweep_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        files = sorted(self.root.glob("*.json"), key=lambda p: p.stat().st_mtime)
        return [p.stem for p in files if SWEEP_ID.match(p.stem)]

    def _write(self, sweep_id: str, state: dict[str, Any]) -> None:
        path = self._file(sweep_id)
        aside = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        aside.write_text(json.dumps(state, separators=(",", ":"), default=str), encoding="utf-8")
        os.replace(aside, path)

    def create(self, sweep_id: str, state: dict[str, Any]) -> bool:
        """Write a new sweep; False when that id exists already."""
        self.root.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(self._file(sweep_id).with_suffix(".lock")):
            if self._file(sweep_id).exists():
                return False
            self._write(sweep_id, state)
            return True

    @contextmanager
    def update(self, sweep_id: str) -> Iterator[dict[str, Any] | None]:
        """The sweep to change in place (None when missing), written back when the block ends without error."""
        self.root.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(self._file(sweep_id).with_suffix(".lock")):
            state = self.read(sweep_id)
            yield state
            if state is not None:
                self._write(sweep_id, state)

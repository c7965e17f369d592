"""Anonymous accounts: off unless the admin turns them on, and bounded when on.

``createAnonymousEntity`` needs no key, so anyone who reaches the server could make
accounts (93 in 5 s were seen) and fill its disk through them. The server refuses it
unless started with ``--allow-anonymous``; then each client address may make
``per_address_hour`` accounts an hour (all addresses together ``per_hour``), and each
account holds at most ``max_runs`` runs and ``max_bytes`` of stored files (streams and
uploads, counted on disk when it writes).
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from ._errors import Forbidden, QuotaExceeded, TooManyRequests

__all__ = ["AnonymousPolicy"]

HOUR = 3600.0


@dataclass
class AnonymousPolicy:
    enabled: bool = False
    per_address_hour: int = 10
    per_hour: int = 100
    max_runs: int = 20
    max_bytes: int = 1 << 30
    _made: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, address: str, now: float | None = None) -> None:
        """May ``address`` make an anonymous account now? Forbidden when they are off, TooManyRequests over the rate."""
        if not self.enabled:
            raise Forbidden("anonymous accounts are off on this server (its admin can start it with --allow-anonymous)")
        now = time.monotonic() if now is None else now
        with self._lock:
            for times in self._made.values():
                while times and now - times[0] > HOUR:
                    times.popleft()
            self._made = {key: times for key, times in self._made.items() if times}
            mine = self._made.setdefault(address, deque())
            if len(mine) >= self.per_address_hour or sum(map(len, self._made.values())) >= self.per_hour:
                raise TooManyRequests("too many anonymous accounts made from here in the last hour; try again later")
            mine.append(now)

    def check_runs(self, run_count: int) -> None:
        if run_count >= self.max_runs:
            raise Forbidden(f"an anonymous account holds at most {self.max_runs} runs")

    def check_bytes(self, run_dirs: list[Path], adding: int) -> None:
        """QuotaExceeded if the account's run folders and ``adding`` more bytes are over ``max_bytes``."""
        used = sum(_folder_bytes(folder) for folder in run_dirs)
        if used + adding > self.max_bytes:
            limit = self.max_bytes >> 20
            raise QuotaExceeded(f"an anonymous account stores at most {limit} MiB ({used} bytes used, {adding} more)")


def _folder_bytes(folder: Path) -> int:
    total = 0
    for directory, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.lstat(os.path.join(directory, name)).st_size
            except OSError:
                pass
    return total

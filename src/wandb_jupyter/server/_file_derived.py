"""Values derived from files (a parsed summary, an MD5), kept while each file's size and time stay the same.

The read API looks at the same files again and again: a filter or an order on
``summary_metrics`` parses every run's ``wandb-summary.json`` for each query,
and a file listing reports each file's MD5. A :class:`FileDerived` keeps what
was derived, checks the file's (size, mtime) with one ``stat`` before reusing
it, and stays within a budget (each entry weighs what ``weight`` says: the
file's size for parsed text, 1 for a digest); the least recently used go first.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

__all__ = ["FileDerived"]

T = TypeVar("T")


class FileDerived(Generic[T]):
    def __init__(self, derive: Callable[[Path], T], budget: int, weight: Callable[[int], int] = lambda size: size):
        self._derive, self._budget, self._weight = derive, budget, weight
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, tuple[tuple[int, int], int, T]] = OrderedDict()
        self._used = 0

    def get(self, path: Path) -> T | None:
        """What ``derive`` makes of the file at ``path``, or None when it cannot be read."""
        key = os.fspath(path)
        try:
            stat = os.stat(path)
        except OSError:
            return None
        stamp = (stat.st_size, stat.st_mtime_ns)
        with self._lock:
            found = self._kept.get(key)
            if found is not None and found[0] == stamp:
                self._kept.move_to_end(key)
                return found[2]
        try:
            value = self._derive(path)
        except OSError:
            return None
        weight = self._weight(stat.st_size)
        with self._lock:
            old = self._kept.pop(key, None)
            self._used += weight - (old[1] if old else 0)
            self._kept[key] = (stamp, weight, value)
            while self._used > self._budget and len(self._kept) > 1:
                _, (_, dropped, _) = self._kept.popitem(last=False)
                self._used -= dropped
        return value

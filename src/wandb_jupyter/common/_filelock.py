"""An exclusive lock across processes on a lock file (flock), for short critical sections."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["exclusive_lock"]


@contextmanager
def exclusive_lock(path: Path, mode: int = 0o600) -> Iterator[None]:
    """Hold an flock on ``path`` (created with ``mode``); a no-op where fcntl is missing (Windows),
    where the rare race it guards against costs little (a second name or server)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, mode)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)

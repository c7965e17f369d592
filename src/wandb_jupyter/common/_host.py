"""This machine's name, as metadata records it and as local run listings compare it."""

from __future__ import annotations

import os

__all__ = ["hostname"]


def hostname() -> str:
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()

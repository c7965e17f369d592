"""What the standalone server says when it starts, and where its secrets go.

The first start makes the admin's API key, and every start has a dashboard link that
logs a browser in as the admin. Both are secrets, and a server's output often lands
in shared places (a CI log, journald, a pipe into a log collector). So they are
printed only to a terminal, or to a regular file only its owner can read (mode 0600,
as ``%wandb_server`` writes); anywhere else they go to 0600 files in the data dir,
and the output says where.

A server that listens beyond the loopback interface serves keys and sessions in
clear text (it speaks plain HTTP): it says so, loudly.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from pathlib import Path
from typing import TextIO

__all__ = ["private_output", "is_loopback", "write_private", "plain_http_warning"]


def private_output(out: TextIO) -> bool:
    """True if ``out`` is a terminal, or a regular file that only its owner may read."""
    try:
        if out.isatty():
            return True
        info = os.fstat(out.fileno())
    except (AttributeError, OSError, ValueError):  # a StringIO, a closed stream
        return False
    return stat.S_ISREG(info.st_mode) and not info.st_mode & 0o077


def is_loopback(host: str) -> bool:
    """True for addresses only this machine reaches (127.0.0.0/8, ::1, ``localhost``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def write_private(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` readable and writable by its owner only (0600, also when it existed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)
    return path


def plain_http_warning(host: str) -> str:
    return (
        f"WARNING: listening on {host}, beyond this machine, over plain HTTP (no TLS): API keys, dashboard "
        "sessions and run data cross the network unencrypted, readable by anyone on the way. Put a "
        "TLS-terminating reverse proxy (nginx, Caddy) in front of it, or listen on 127.0.0.1 and reach it "
        "through an SSH tunnel."
    )

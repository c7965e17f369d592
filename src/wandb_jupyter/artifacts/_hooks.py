"""What the artifacts package needs from the layers above it, registered by the package root.

Its own module, with nothing heavy to import, so that the root can register at ``import
wandb_jupyter`` without importing the artifacts code itself (that waits for the first use).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["RemoteResolver", "set_remote_resolver", "set_run_lookup", "remote_resolver", "current_run"]

#: (run, entity, project, name, alias) -> the server's record of that version, or None.
RemoteResolver = Callable[[Any, "str | None", str, str, str], "dict[str, Any] | None"]

_remote_resolver: RemoteResolver | None = None
_run_lookup: Callable[[], Any] | None = None


def set_remote_resolver(resolve: RemoteResolver | None) -> None:
    """The online layer's lookup of artifacts on the server."""
    global _remote_resolver
    _remote_resolver = resolve


def set_run_lookup(lookup: Callable[[], Any] | None) -> None:
    """How ``Artifact.save()`` finds the current run."""
    global _run_lookup
    _run_lookup = lookup


def remote_resolver() -> RemoteResolver | None:
    return _remote_resolver


def current_run() -> Any:
    return _run_lookup() if _run_lookup is not None else None

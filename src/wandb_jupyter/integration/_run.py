"""The current run, as the integrations' module-level ``wandb.log`` calls find it."""

from __future__ import annotations

from typing import Any

from ..common._errors import UsageError
from ..core._state import current_run

__all__ = ["active_run"]


def active_run(what: str) -> Any:
    """The current run; before ``init()`` the UsageError W&B raises (its ``wandb.Error``)."""
    run = current_run()
    if run is None:
        raise UsageError(f"call wandb_jupyter.init() before {what}")
    return run

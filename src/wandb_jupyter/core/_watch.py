"""``watch()`` / ``unwatch()``: W&B's PyTorch gradient hooks, accepted and doing nothing here.

wandb-jupyter logs no gradients or parameters by itself (log them with ``run.log()``);
code that calls ``watch()`` keeps running, with one warning that says so. Whether torch
is installed is asked without importing it (importing torch takes seconds).
"""

from __future__ import annotations

import importlib.util
from typing import Any

from ..common._errors import UsageError
from ..common._logging import warn_once

__all__ = ["watch"]

_LOG_CHOICES = ("gradients", "parameters", "all", None)


def watch(
    models: Any,
    *,
    criterion: Any = None,
    log: str | None = "gradients",
    log_freq: int = 1000,
    idx: int | None = None,
    log_graph: bool = False,
) -> None:
    if log not in _LOG_CHOICES:
        raise UsageError(f"watch(log={log!r}): expected 'gradients', 'parameters', 'all' or None")
    if importlib.util.find_spec("torch") is None:
        warn_once(
            "watch-no-torch",
            "watch() does nothing: PyTorch (torch) is not installed, so there is no model "
            "to hook; your program goes on",
        )
    else:
        warn_once(
            "watch",
            "watch() does nothing in wandb-jupyter: gradients and parameters are not logged "
            "automatically; log what you need with run.log()",
        )

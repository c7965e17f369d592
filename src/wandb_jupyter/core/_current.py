"""Module-level forms of the run's methods (``wandb_jupyter.define_metric(...)``...): they act on
the current run, and before ``init()`` raise the UsageError W&B raises (its ``wandb.Error``)."""

from __future__ import annotations

from typing import Any

from ..common._errors import UsageError
from ._state import current_run

__all__ = ["define_metric", "alert", "mark_preempting", "log_code", "watch", "unwatch"]


def _run(what: str) -> Any:
    active = current_run()
    if active is None:
        raise UsageError(f"call wandb_jupyter.init() before wandb_jupyter.{what}()")
    return active


def define_metric(
    name: str,
    step_metric: Any = None,
    step_sync: bool | None = None,
    hidden: bool | None = None,
    summary: str | None = None,
    overwrite: bool | None = None,
    goal: str | None = None,
) -> Any:
    """See :meth:`Run.define_metric`."""
    return _run("define_metric").define_metric(
        name,
        step_metric=step_metric,
        step_sync=step_sync,
        hidden=hidden,
        summary=summary,
        goal=goal,
        overwrite=overwrite,
    )


def alert(title: str, text: str, level: Any = None, wait_duration: Any = None) -> None:
    """See :meth:`Run.alert`."""
    _run("alert").alert(title, text, level=level, wait_duration=wait_duration)


def mark_preempting() -> None:
    """See :meth:`Run.mark_preempting`."""
    _run("mark_preempting").mark_preempting()


def log_code(root: Any = ".", name: str | None = None, include_fn: Any = None, exclude_fn: Any = None) -> None:
    """See :meth:`Run.log_code`."""
    return _run("log_code").log_code(root, name=name, include_fn=include_fn, exclude_fn=exclude_fn)


def watch(
    models: Any,
    criterion: Any = None,
    log: str | None = "gradients",
    log_freq: int = 1000,
    idx: int | None = None,
    log_graph: bool = False,
) -> None:
    """See :meth:`Run.watch`."""
    _run("watch").watch(models, criterion=criterion, log=log, log_freq=log_freq, idx=idx, log_graph=log_graph)


def unwatch(models: Any = None) -> None:
    """See :meth:`Run.unwatch`."""
    _run("unwatch").unwatch(models)

"""Cell hooks: record failing cells for the active run. Each costs microseconds and never raises."""

from __future__ import annotations

import time
import traceback
from typing import Any

from ..common._logging import logger

__all__ = ["CellHooks"]


class CellHooks:
    """post_run_cell: a failing cell is recorded (debug log, output.log), the run keeps going."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.last_cell_failed = False

    def register(self) -> None:
        if self.post_run_cell not in self.shell.events.callbacks["post_run_cell"]:
            self.shell.events.register("post_run_cell", self.post_run_cell)

    def unregister(self) -> None:
        try:
            self.shell.events.unregister("post_run_cell", self.post_run_cell)
        except ValueError:
            pass

    def post_run_cell(self, result: Any) -> None:
        try:
            error = getattr(result, "error_in_exec", None)
            self.last_cell_failed = error is not None
            if error is not None:
                self._record(error, getattr(result, "execution_count", None))
        except Exception as problem:  # a hook must never leave the kernel unusable
            logger.debug("post_run_cell hook failed: %r", problem)

    @staticmethod
    def _record(error: BaseException, count: int | None) -> None:
        from ..core._init import current_run

        run = current_run()
        if run is None or getattr(run, "disabled", False):
            return
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        logger.debug("cell [%s] raised; the run goes on:\n%s", count, text)
        capture = getattr(run, "_capture", None)
        if capture is not None and capture.active:
            capture.queue.append(("stderr", time.time(), text))

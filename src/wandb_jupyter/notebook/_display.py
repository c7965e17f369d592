"""The run's block in the notebook: shown once at init, updated in place at finish."""

from __future__ import annotations

from typing import Any

from ._render import run_block, view_of

__all__ = ["RunDisplay"]


class RunDisplay:
    """One display handle per run."""

    def __init__(self, run: Any) -> None:
        self.run = run
        self.handle: Any = None

    def show(self) -> None:
        from IPython.display import HTML, display

        self.handle = display(HTML(run_block(view_of(self.run))), display_id=True)

    def update(self, *, finished: bool = False) -> None:
        if self.handle is None:
            return
        from IPython.display import HTML

        self.handle.update(HTML(run_block(view_of(self.run, finished=finished))))

"""The run's block in the notebook: shown once at init, updated in place at finish."""

from __future__ import annotations

from typing import Any

from ..core._html import run_block, view_of

__all__ = ["RunDisplay"]


class RunDisplay:
    """One display handle per run."""

    def __init__(self, run: Any) -> None:
        self.run = run
        self.handle: Any = None

    def _bundle(self, finished: bool) -> dict[str, str]:
        view = view_of(self.run, finished=finished)
        text = (
            f"wandb-jupyter run {view.name} ({view.id}), project {view.project}, {view.mode}, {view.state}: {view.root}"
        )
        return {"text/plain": text, "text/html": run_block(view)}

    def show(self) -> None:
        from IPython.display import display

        self.handle = display(self._bundle(False), raw=True, display_id=True)

    def update(self, *, finished: bool = False) -> None:
        if self.handle is not None:
            self.handle.update(self._bundle(finished), raw=True)

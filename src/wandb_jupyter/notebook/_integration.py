"""What a run does differently inside IPython: display, hooks, code snapshot, show-run.

The notebook layer follows the core's runs (:func:`on_run_event`, a run listener
registered when the extension loads), so scripts never import any of this.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..common._ipython import current_shell
from ..common._logging import internal_error, logger
from ._display import RunDisplay
from ._hooks import CellHooks

__all__ = ["attach", "cell_hooks", "on_run_event", "last_cell_failed"]

_hooks: CellHooks | None = None


def cell_hooks(shell: Any) -> CellHooks:
    """The process's cell hooks, registered once."""
    global _hooks
    if _hooks is None or _hooks.shell is not shell:
        _hooks = CellHooks(shell)
        _hooks.register()
    return _hooks


def last_cell_failed() -> bool:
    return _hooks is not None and _hooks.last_cell_failed


def on_run_event(event: str, run: Any) -> None:
    """A run started in this process: attach it to the shell, if there is one."""
    if event != "started" or run.disabled:
        return
    shell = current_shell()
    if shell is None:
        return
    try:
        attach(run, shell)
    except Exception as error:  # the notebook extras must never cost the user the run
        internal_error("setting up the notebook display", error, reporting=run.settings.error_reporting)


def attach(run: Any, shell: Any) -> None:
    """Show the run's block, watch cells, and arrange the work to do at finish."""
    cell_hooks(shell)
    display = None
    if not run.settings.silent and getattr(shell, "kernel", None) is not None:
        display = RunDisplay(run)
        display.show()
    run._finish_file_writers.append(lambda: _save_code_at_finish(run, shell))
    if display is not None:
        run._finish_callbacks.append(lambda: display.update(finished=True))


def _save_code_at_finish(run: Any, shell: Any) -> None:
    """The session history and the notebook as saved now, written before the run's last upload
    (an online run's page finds its first failed cell in the history on the server)."""
    try:
        if not run.settings.disable_code:
            from ._history import write_session_history

            write_session_history(shell, Path(run.dir) / "code" / "_session_history.ipynb")
            _snapshot_notebook(run)
    except Exception as error:
        internal_error("saving the notebook and session history", error, reporting=run.settings.error_reporting)


def _snapshot_notebook(run: Any) -> None:
    """Copy the notebook file as saved now (the copy at init may predate later saves)."""
    from ..core._metadata import copy_program

    notebook = run.settings.notebook_name
    if notebook and Path(notebook).is_file():
        copy_program(str(Path(notebook).resolve()), Path(run.dir) / "code")
    elif notebook:
        logger.debug("notebook %s not found; no snapshot stored", notebook)

"""The notebook layer: magics, display, cell hooks, the settings panel, the front end's comm.

IPython glue over the core: the core never imports it; loading the extension attaches it to
the core's runs (a run listener, the page opener, the exit failure probe)."""

from __future__ import annotations

from typing import Any

__all__ = ["load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext wandb_jupyter``: register the magics and the cell hooks."""
    _follow_runs()
    from ._integration import cell_hooks
    from ._magics import WandbMagics

    shell.register_magics(WandbMagics)
    cell_hooks(shell)
    from ._comm import register

    register(shell)  # the JupyterLab extension's comm target (a no-op outside a kernel)


def unload_ipython_extension(shell: Any) -> None:
    from . import _integration

    if _integration._hooks is not None:
        _integration._hooks.unregister()
        _integration._hooks = None


_following = False


def _follow_runs() -> None:
    """Once per process: each run started in this shell gets its display, hooks and snapshots;
    WANDB_SHOW_RUN opens pages through the front end; a failed last cell fails the runs at exit."""
    global _following
    if _following:
        return
    _following = True
    from ..core._exit import add_failure_probe
    from ..core._init import set_page_opener
    from ..core._state import add_run_listener
    from ._integration import last_cell_failed, on_run_event
    from ._show import open_in_notebook

    add_run_listener(on_run_event)
    set_page_opener(open_in_notebook)
    add_failure_probe(last_cell_failed)

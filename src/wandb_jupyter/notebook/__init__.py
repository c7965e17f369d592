"""The notebook layer: detection, magics, display, cell hooks (IPython glue over the core)."""

from __future__ import annotations

from typing import Any

__all__ = ["load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext wandb_jupyter``: register the magics and the cell hooks."""
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

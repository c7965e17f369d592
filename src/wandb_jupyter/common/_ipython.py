"""The running IPython shell, found without importing IPython.

Scripts must not pay for IPython; inside a kernel or an IPython terminal it
is already imported, so looking it up in ``sys.modules`` is free.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["current_shell", "in_kernel"]


def current_shell() -> Any:
    """The active InteractiveShell, or None outside IPython."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    try:
        return get() if get is not None else None
    except Exception:  # a half-initialised IPython must not break us
        return None


def in_kernel() -> bool:
    """True inside a Jupyter kernel (JupyterLab, Notebook, nbclient, papermill, VS Code).

    Decided from the shell's ``kernel`` attribute, not from the connection
    file's name, which nbclient and papermill name differently.
    """
    return getattr(current_shell(), "kernel", None) is not None

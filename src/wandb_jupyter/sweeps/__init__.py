"""Sweeps: ``sweep()`` and ``agent()`` with W&B's configuration format, on a server or offline.

The search itself (methods, hyperband, the controller) is :mod:`wandb_jupyter.search`, shared with the server.
"""

from ..search import SweepConfigError
from ._agent import agent
from ._sweep import set_sweep_state, sweep, sweep_progress

__all__ = ["sweep", "agent", "sweep_progress", "set_sweep_state", "SweepConfigError"]

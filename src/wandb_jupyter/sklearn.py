"""``wandb_jupyter.sklearn``: W&B's ``wandb.sklearn`` plots (see :mod:`wandb_jupyter.integration.sklearn`).

A module of its own so that ``import wandb_jupyter.sklearn`` and
``from wandb_jupyter.sklearn import plot_roc`` work as they do with ``wandb``;
importing it imports scikit-learn, ``import wandb_jupyter`` does not.
"""

from __future__ import annotations

from .integration.sklearn import *  # noqa: F403
from .integration.sklearn import __all__  # noqa: F401

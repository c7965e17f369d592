"""Keeping a trained model with the run, where W&B would log it as a model artifact.

This package has no artifacts yet: the model file stays in the run's ``files/``
folder (uploaded with the run by ``sync`` and online runs), and one warning says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..common._term import termwarn

__all__ = ["model_path", "kept_instead_of_artifact"]


def model_path(run: Any, name: str) -> Path:
    """Where a model file named ``name`` goes: the run's files folder, as W&B's ``run.dir``."""
    return Path(run.dir) / name


def kept_instead_of_artifact(path: Path) -> None:
    termwarn(
        f"model artifacts are not supported by wandb_jupyter yet; the model is kept with the run as {path.name}",
        repeat=False,
    )

"""A trained model saved by an integration, logged as a ``model`` artifact as W&B's integrations log it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..artifacts import Artifact

__all__ = ["model_path", "log_model_artifact"]


def model_path(run: Any, name: str) -> Path:
    """Where a model file named ``name`` is saved first: the run's files folder (W&B's ``run.dir``)."""
    return Path(run.dir) / name


def log_model_artifact(run: Any, path: Path, name: str, aliases: list[str] | None = None) -> None:
    """``path`` as the one file of the ``model`` artifact ``name``, logged with ``run``."""
    artifact = Artifact(name=name, type="model")
    artifact.add_file(str(path))
    run.log_artifact(artifact, aliases=aliases)

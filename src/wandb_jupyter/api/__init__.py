"""Reading runs back: ``Api()`` with the shapes of ``wandb.Api()``, over a W&B-compatible server or run folders."""

from ._api import Api
from ._objects import File, HistoryScan, Project, Run, RunNotFoundError, Runs

__all__ = ["Api", "Run", "Runs", "Project", "File", "HistoryScan", "RunNotFoundError"]

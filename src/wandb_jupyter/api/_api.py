"""``wandb_jupyter.Api()``: W&B's public API shapes, over a W&B-compatible server or over run folders.

    api = wandb_jupyter.Api()                      # the server of WANDB_BASE_URL, the key of the login
    api = wandb_jupyter.Api(dir="experiments/")    # run folders, no server (offline runs too)
    runs = api.runs("me/proj", filters={"config.lr": {"$lt": 0.01}}, order="-summary_metrics.acc")
    best = runs[0]; best.history(keys=["loss"]); best.scan_history(); best.config; best.summary

Online, the server, key and defaults come from the same settings as ``init()``
(environment, settings files, ``wandb-jupyter login``); ``overrides`` may set
``base_url``, ``entity`` and ``project`` as ``wandb.Api(overrides=...)`` does.
A filter is checked here before anything is sent, so a malformed one is one
clear :class:`UsageError` in both modes.
"""

from __future__ import annotations

import os
from typing import Any

from ..common._browser import app_url
from ..common._errors import UsageError
from ..rundir._run_filter import FilterError, compile_filter, compile_order
from ._objects import Backend, Project, Run, Runs

__all__ = ["Api"]

_OVERRIDES = {"base_url", "entity", "project"}


class Api:
    """Read (and edit) runs; see the module docstring."""

    def __init__(
        self,
        overrides: dict[str, Any] | None = None,
        timeout: float | None = None,
        api_key: str | None = None,
        *,
        dir: str | os.PathLike[str] | None = None,
    ) -> None:
        overrides = dict(overrides or {})
        unknown = set(overrides) - _OVERRIDES
        if unknown:
            raise UsageError(f"unknown Api overrides {sorted(unknown)}: use {sorted(_OVERRIDES)}")
        self._entity: str | None = overrides.get("entity")
        self._project: str | None = overrides.get("project")
        self._viewer: dict[str, Any] | None = None
        self._backend: Backend
        self.base_url: str | None = None
        if dir is not None:
            from ._local import LocalBackend

            self._backend = LocalBackend(dir)
            self.base_url = None
        else:
            self._backend = self._online(overrides.get("base_url"), api_key, timeout)

    def _online(self, base_url: str | None, api_key: str | None, timeout: float | None) -> Backend:
        from ..online._api import TIMEOUT
        from ..online._api import Api as Transport
        from ..online._auth import missing_key_message, resolve_key
        from ..settings import resolve
        from ._online import OnlineBackend

        settings = resolve(settings={"base_url": base_url} if base_url else None)
        self.base_url = settings.base_url
        if api_key is None:
            found = resolve_key(settings)
            if found is None:
                raise UsageError(missing_key_message(settings.base_url, settings.config_dir))
            api_key = found.key
        if settings.entity and settings.origin("entity").kind not in ("default", "detected"):
            self._entity = self._entity or settings.entity  # else the viewer's entity, as W&B's Api
        if settings.project and settings.origin("project").kind not in ("default", "detected"):
            self._project = self._project or settings.project
        transport = Transport(
            settings.base_url,
            api_key,
            username=settings.username,
            user_email=settings.user_email,
            timeout=(TIMEOUT[0], float(timeout)) if timeout else TIMEOUT,
        )
        return OnlineBackend(transport, app_url(settings.base_url))

    def __repr__(self) -> str:
        return f"<Api {self._backend.where}>"

    # -- who ------------------------------------------------------------
    @property
    def viewer(self) -> dict[str, Any] | None:
        """The user of the key (None over run folders)."""
        if self._viewer is None:
            self._viewer = self._backend.viewer()
        return self._viewer

    @property
    def default_entity(self) -> str | None:
        """The entity of the settings, else the viewer's own (None over run folders without one)."""
        if self._entity:
            return self._entity
        viewer = self.viewer
        return viewer.get("entity") if viewer else None

    def flush(self) -> None:
        """Nothing is cached between calls except the viewer; kept for W&B's API."""
        self._viewer = None

    # -- paths ------------------------------------------------------------
    def _project_path(self, path: str | None) -> tuple[str | None, str]:
        if path is None:
            return self.default_entity, self._project or "uncategorized"
        parts = _split(path, "project path", "entity/project or project")
        if len(parts) == 1:
            return self.default_entity, parts[0]
        if len(parts) == 2:
            return parts[0], parts[1]
        raise UsageError(f"invalid project path {path!r}: use entity/project or project")

    def _run_path(self, path: str) -> tuple[str | None, str | None, str]:
        parts = _split(path, "run path", "entity/project/run_id, project/run_id or run_id")
        if len(parts) == 4 and parts[2] == "runs":
            parts = [parts[0], parts[1], parts[3]]
        if ":" in parts[-1] and len(parts) <= 2:  # entity/project:id or project:id (W&B's docker form)
            head, _, run_id = parts[-1].partition(":")
            parts = [*parts[:-1], head, run_id]
        if len(parts) == 3:
            return parts[0], parts[1], parts[2]
        if len(parts) == 2:
            return self.default_entity, parts[0], parts[1]
        if len(parts) == 1:
            return self.default_entity, self._project, parts[0]
        raise UsageError(f"invalid run path {path!r}: use entity/project/run_id, project/run_id or run_id")

    # -- reading ------------------------------------------------------------
    def projects(self, entity: str | None = None, per_page: int = 200) -> list[Project]:
        rows = self._backend.projects(entity or self.default_entity)
        return [Project(row.get("entityName"), row["name"], row.get("createdAt")) for row in rows]

    def project(self, name: str, entity: str | None = None) -> Project:
        entity = entity or self.default_entity
        for project in self.projects(entity):
            if project.name == name:
                return project
        raise UsageError(f"no project {entity or ''}/{name} in {self._backend.where} (or you may not read it)")

    def runs(
        self,
        path: str | None = None,
        filters: dict[str, Any] | None = None,
        order: str = "+created_at",
        per_page: int = 50,
        include_sweeps: bool = False,
        lazy: bool = True,
    ) -> Runs:
        """The runs of ``path`` (entity/project) that match ``filters`` (W&B's MongoDB-like language), in
        ``order`` (``[+|-]created_at``, ``summary_metrics.<key>``, ``config.<key>``...)."""
        if filters is not None and not isinstance(filters, dict):
            raise UsageError(f"filters must be a dict, not {type(filters).__name__}")
        try:
            compile_filter(filters)
            compile_order(order)
        except FilterError as error:
            raise UsageError(f"invalid filters or order: {error}") from None
        if not isinstance(per_page, int) or isinstance(per_page, bool) or per_page <= 0:
            raise UsageError(f"per_page must be a positive integer, not {per_page!r}")
        entity, project = self._project_path(path)
        return Runs(self._backend, entity, project, filters, order or "+created_at", per_page)

    def run(self, path: str = "") -> Run:
        """One run by path: ``entity/project/run_id`` (also ``entity/project/runs/run_id``, ``project/run_id``
        and ``run_id`` with the defaults)."""
        entity, project, run_id = self._run_path(path)
        return Run(self._backend, self._backend.run(entity, project, run_id))


def _split(path: Any, what: str, shapes: str) -> list[str]:
    if not isinstance(path, str) or not path.strip("/ "):
        raise UsageError(f"invalid {what} {path!r}: use {shapes}")
    parts = path.strip("/ ").split("/")
    if any(not part for part in parts):
        raise UsageError(f"invalid {what} {path!r}: use {shapes}")
    return parts

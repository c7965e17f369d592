"""The standalone server's runs (its SQLite index, run directories under its data dir), per viewer.

Visibility follows the server's own rule (:meth:`ServerContext.can_read`): a
user reads the entities the server lets them read. Anonymous entities are
special: only their members, or whoever holds their secret ``?apiKey=`` link,
see them (not even the admin).
"""

from __future__ import annotations

import time
from typing import Any

from ..server._context import ServerContext
from ..server._read_api import remove_run
from ..server._resolvers import run_state
from ..server._storage import Entity, Run
from ._catalog import Catalog, EditRefused, ProjectInfo, RunInfo, Viewer

__all__ = ["ServerCatalog"]


_EDITABLE = {"name": "display_name", "notes": "notes", "tags": "tags"}  # change -> run field


class ServerCatalog(Catalog):
    source = "server"

    def __init__(self, server: ServerContext) -> None:
        self.server = server

    # -- visibility ------------------------------------------------------------------------------------
    def _may_read(self, viewer: Viewer, entity: Entity) -> bool:
        if viewer.user is not None and self.server.can_read(viewer.user, entity):
            return True
        secret = viewer.secret
        return secret is not None and entity.anonymous and self.server.storage.is_member(entity, secret)

    def _entities(self, viewer: Viewer) -> list[Entity]:
        if viewer.anonymous:
            return []
        return [entity for entity in self.server.storage.list_entities() if self._may_read(viewer, entity)]

    def _entity(self, viewer: Viewer, name: str) -> Entity | None:
        entity = self.server.storage.get_entity(name)
        return entity if entity is not None and self._may_read(viewer, entity) else None

    # -- catalog ------------------------------------------------------------------------------------
    def projects(self, viewer: Viewer) -> list[ProjectInfo]:
        storage = self.server.storage
        out = []
        for entity in self._entities(viewer):
            for project in storage.list_projects(entity):
                runs = storage.list_runs(project)
                out.append(
                    ProjectInfo(
                        entity=entity.name,
                        project=project.name,
                        runs=len(runs),
                        last_run_at=max((run.created_at for run in runs), default=project.created_at),
                    )
                )
        return sorted(out, key=lambda info: -(info.last_run_at or 0.0))

    def runs(self, viewer: Viewer, entity: str, project: str) -> list[RunInfo] | None:
        if self._entity(viewer, entity) is None:
            return None
        found = self.server.storage.get_project(entity, project)
        if found is None:
            return None
        runs = [self._info(run) for run in self.server.storage.list_runs(found)]
        return sorted(runs, key=lambda info: -(info.created_at or 0.0))

    def run(self, viewer: Viewer, entity: str, project: str, run_id: str) -> RunInfo | None:
        if self._entity(viewer, entity) is None:
            return None
        found = self.server.storage.get_project(entity, project)
        run = self.server.storage.get_run(found, run_id) if found else None
        return self._info(run) if run is not None else None

    # -- editing: the rule of the server's GraphQL (members of the run's entity write) ----------------
    def _writable(self, viewer: Viewer, entity: str, project: str, run_id: str) -> Run:
        found = self._entity(viewer, entity)
        proj = self.server.storage.get_project(entity, project) if found is not None else None
        run = self.server.storage.get_run(proj, run_id) if proj is not None else None
        if found is None or run is None:
            raise EditRefused(404, "not found")
        if viewer.user is None or not self.server.can_write(viewer.user, found):
            raise EditRefused(403, f"only members of {entity!r} may change its runs")
        return run

    def edit_run(self, viewer: Viewer, entity: str, project: str, run_id: str, changes: dict[str, Any]) -> None:
        run = self._writable(viewer, entity, project, run_id)
        fields: dict[str, Any] = {column: changes[key] for key, column in _EDITABLE.items() if key in changes}
        fields["updated_at"] = time.time()
        self.server.storage.update_run(run, fields)

    def delete_run(self, viewer: Viewer, entity: str, project: str, run_id: str) -> None:
        remove_run(self.server, self._writable(viewer, entity, project, run_id))

    def _info(self, run: Run) -> RunInfo:
        return RunInfo(
            entity=run.project.entity.name,
            project=run.project.name,
            id=run.name,
            root=self.server.data_dir / run.dir,
            name=run.display_name,
            state=run_state(run),
            created_at=run.created_at,
            heartbeat_at=run.heartbeat_at,
            group=run.group_name,
            job_type=run.job_type,
            tags=tuple(run.tags),
            user=run.username or run.creator,
            notes=run.notes,
            config_json=run.config,
            summary_json=run.summary,
            exit_code=run.exit_code,
        )

"""The dashboard's sweeps: ``/_dashboard/api/sweeps/{entity}/{project}`` and ``.../sweep/{entity}/{project}/{id}``.

A sweep's state is where its controller keeps it: under the server's data folder (standalone
dashboard) or in the wandb folders the Jupyter dashboard reads (offline sweeps). Its trials' states
and metric come from the project's runs as the viewer may see them, through the same catalog as every
other page, and the search package's controller sums them up (best run, counts), as the server does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..search import RunObservation, SweepController, SweepStore
from ._catalog import Catalog, RunInfo, Viewer, run_config, run_summary_raw, run_url

__all__ = ["SweepsLogic", "SweepLogic", "sweep_stores"]


def sweep_stores(catalog: Catalog, viewer: Viewer, entity: str, project: str) -> list[SweepStore]:
    """Where this project's sweeps are kept, for a catalog the viewer may read (empty: none)."""
    from ._local_catalog import LocalCatalog, wandb_dirs
    from ._server_catalog import ServerCatalog

    if isinstance(catalog, ServerCatalog):
        if catalog.runs(viewer, entity, project) is None:  # the viewer's rights, as for the runs table
            return []
        found = catalog.server.storage.get_project(entity, project)
        return [SweepStore(Path(catalog.server.data_dir) / "sweeps" / str(found.pk))] if found else []
    if isinstance(catalog, LocalCatalog):
        return [SweepStore(folder / "sweeps") for root in catalog.roots for folder in wandb_dirs(root)]
    return []


def _states(catalog: Catalog, viewer: Viewer, entity: str, project: str) -> list[dict[str, Any]]:
    states = []
    for store in sweep_stores(catalog, viewer, entity, project):
        for sweep_id in store.ids():
            state = store.read(sweep_id)
            if state and state.get("project") in (project, None) and state.get("entity") in (entity, None):
                states.append(state)
    return states


def _progress(state: dict[str, Any], runs: dict[str, RunInfo], base: str) -> dict[str, Any]:
    controller = SweepController(state)
    controller.observe(
        {
            run_id: RunObservation(info.state, run_summary_raw(info))
            for run_id in controller.run_ids()
            if (info := runs.get(run_id)) is not None
        }
    )
    progress = controller.progress()
    for trial in progress["trials"]:
        info = runs.get(trial["run_id"])
        trial["url"] = run_url(base, info) if info else None
        trial["name"] = info.name if info else None
        if info and not trial["params"]:
            trial["params"] = run_config(info)
    progress["created_at"] = state.get("created_at")
    progress["config"] = state.get("config")
    return progress


class SweepsLogic:
    async def get(self: Any, entity: str, project: str) -> None:
        def produce() -> Any:
            catalog = self.dashboard.catalog
            runs = {info.id: info for info in catalog.runs(self._viewer, entity, project) or []}
            sweeps = [_progress(s, runs, self.dashboard.base) for s in _states(catalog, self._viewer, entity, project)]
            for sweep in sweeps:
                sweep["trial_count"] = len(sweep.pop("trials"))
                sweep.pop("config")
            return {"sweeps": sorted(sweeps, key=lambda s: -(s["created_at"] or 0))}

        await self.answer(produce)


class SweepLogic:
    async def get(self: Any, entity: str, project: str, sweep_id: str) -> None:
        def produce() -> Any:
            catalog = self.dashboard.catalog
            for state in _states(catalog, self._viewer, entity, project):
                if state["id"] == sweep_id:
                    runs = {info.id: info for info in catalog.runs(self._viewer, entity, project) or []}
                    return _progress(state, runs, self.dashboard.base)
            return None

        await self.answer(produce)

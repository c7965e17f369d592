"""``wandb_jupyter.sweep()`` and the sweep's state and progress, online or offline.

Online (``WANDB_MODE=online``, the default) the sweep lives on the server the runs go to, through the
operations W&B's SDK sends; offline it lives in the wandb folder, run by the local controller. The
configuration is checked here first either way, so a mistake is one :class:`SweepConfigError` naming
the field and what it accepts, before anything is created.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..common._errors import UsageError
from ..common._term import termlog
from ..search import SWEEP_ID, parse_sweep_config
from ..settings import ResolvedSettings, resolve
from ._backends import LocalSweeps, OnlineSweeps, SweepBackend

__all__ = ["sweep", "backend_for", "split_sweep_path", "sweep_progress", "set_sweep_state"]


#: sweep id -> (project, entity) of the sweeps this process created: agent(sweep_id) finds them, as with W&B
_created: dict[str, tuple[str | None, str | None]] = {}


def split_sweep_path(path: str, project: str | None, entity: str | None) -> tuple[str, str | None, str | None]:
    """``id``, ``project/id`` or ``entity/project/id`` (what ``wandb agent`` accepts) -> (id, project, entity)."""
    if not isinstance(path, str):
        raise UsageError(f"a sweep id is a string such as 'abc123xy' or 'entity/project/abc123xy', not {path!r}")
    parts = path.strip("/").split("/")
    if len(parts) > 3 or not SWEEP_ID.match(parts[-1]):
        raise UsageError(f"invalid sweep id {path!r}: 'id', 'project/id' or 'entity/project/id'")
    if len(parts) == 3:
        entity, project = parts[0], parts[1]
    elif len(parts) == 2:
        project = parts[0]
    elif project is None and entity is None and parts[0] in _created:
        project, entity = _created[parts[0]]
    return parts[-1], project, entity


def _settings(project: str | None, entity: str | None) -> ResolvedSettings:
    init = {key: value for key, value in (("project", project), ("entity", entity)) if value}
    return resolve(init=init)


def backend_for(project: str | None = None, entity: str | None = None) -> SweepBackend:
    """The server of the settings when online, else the wandb folder."""
    settings = _settings(project, entity)
    if settings.mode != "online":
        return LocalSweeps(settings.wandb_dir, settings.project, settings.entity)
    from ..online._api import Api
    from ..online._auth import missing_key_message, resolve_key

    found = resolve_key(settings)
    if found is None:
        raise UsageError(missing_key_message(settings.base_url, settings.config_dir))
    explicit_entity = entity or (
        settings.entity if settings.origin("entity").kind not in ("default", "detected") else None
    )
    transport = Api(settings.base_url, found.key, username=settings.username, user_email=settings.user_email)
    return OnlineSweeps(transport, settings.project, explicit_entity)


def sweep(
    sweep: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
    entity: str | None = None,
    project: str | None = None,
    prior_runs: list[str] | None = None,
) -> str:
    """Create a sweep from W&B's sweep configuration; returns its id for :func:`agent`.

    ``sweep`` is the configuration (``method``, ``metric``, ``parameters``, ``early_terminate``,
    ``run_cap``...) or a function returning it. Online it is created on the server; offline in the
    wandb folder (``WANDB_MODE=offline``), where the local controller runs the same methods."""
    config = sweep() if callable(sweep) else sweep
    if not isinstance(config, Mapping):
        raise UsageError(f"sweep() takes a sweep configuration (a dict), not {type(config).__name__}")
    config = dict(config)
    parse_sweep_config(config)
    if prior_runs:
        raise UsageError("prior_runs is not supported by wandb_jupyter sweeps")
    backend = backend_for(project or config.get("project"), entity or config.get("entity"))
    sweep_id = backend.create(config)
    _created[sweep_id] = (getattr(backend, "project", None), getattr(backend, "entity", None))
    termlog(f"Created sweep with ID: {sweep_id} ({backend.where})")
    url = backend.url(sweep_id) if isinstance(backend, OnlineSweeps) else None
    if url:
        termlog(f"Sweep URL: {url}")
    return sweep_id


def _resolved(path: str, project: str | None, entity: str | None) -> tuple[str, SweepBackend]:
    sweep_id, project, entity = split_sweep_path(path, project, entity)
    return sweep_id, backend_for(project, entity)


def sweep_progress(path: str, project: str | None = None, entity: str | None = None) -> dict[str, Any]:
    """The sweep's state, trials (state, metric, parameters) and best trial."""
    sweep_id, backend = _resolved(path, project, entity)
    return backend.progress(sweep_id)


def set_sweep_state(path: str, state: str, project: str | None = None, entity: str | None = None) -> None:
    """pause (PAUSED), resume (RUNNING), stop (FINISHED) or cancel (CANCELED) a sweep, as ``wandb sweep --pause``."""
    sweep_id, backend = _resolved(path, project, entity)
    backend.set_state(sweep_id, state.upper())

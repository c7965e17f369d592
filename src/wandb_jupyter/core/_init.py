"""``init()``: from settings to a running Run, plus the process-wide run state.

The active runs are finished at interpreter exit (exit code 1 after an
uncaught exception, else the code given to ``sys.exit()``, else 0); in a plain
script SIGTERM and SIGHUP finish them too (``_exit``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..common import _logging
from ..common._errors import RunDirError, UsageError
from ..common._ipython import in_kernel
from ..common._logging import attach_file, logger
from ..common._secrets import mask_url
from ..common._yaml import load_config_file
from ..rundir._rundir import RunPaths, update_latest_link, write_atomic
from ..settings import ResolvedSettings, Settings, resolve
from ._config import config_from
from ._run import DisabledRun, Run
from ._state import active_runs, add_run, add_run_listener, current_run, forget_run, notify

__all__ = [
    "init",
    "current_run",
    "forget_run",
    "active_runs",
    "add_run_listener",
    "set_online_connector",
    "set_page_opener",
]

_REINIT = {
    None: "finish_previous",
    True: "finish_previous",
    False: "return_previous",
    "default": "finish_previous",
    "finish_previous": "finish_previous",
    "return_previous": "return_previous",
    "create_new": "create_new",
}

OnlineConnector = Callable[[Any, Path], Any]
PageOpener = Callable[[str], None]

_online_connector: OnlineConnector | None = None
_page_opener: PageOpener | None = None


def set_online_connector(connect: OnlineConnector) -> None:
    """The online layer's ``connect(settings, wandb_dir)``: key, viewer and resume status of an
    online run, asked before anything is written. The package root registers it, so that the core
    never imports the network code."""
    global _online_connector
    _online_connector = connect


def set_page_opener(open_page: PageOpener | None) -> None:
    """How a kernel opens a run page (the notebook layer's Lab tab or link); None: a web browser."""
    global _page_opener
    _page_opener = open_page


def _remember(run: Any) -> None:
    from ._exit import install_exit_hooks, watch  # imported with the first run, not with the package

    add_run(run)
    install_exit_hooks()
    if not run.disabled:
        watch()
    notify("started", run)


def _initial_config(
    settings: ResolvedSettings, resumed: Any, config: Any, include: Any, exclude: Any
) -> dict[str, Any]:
    merged = dict(resumed.config or {})
    for path in settings.config_paths:
        merged.update(load_config_file(path, f"WANDB_CONFIG_PATHS ({path})"))
    given = config_from(config)
    if include:
        given = {k: v for k, v in given.items() if k in set(include)}
    if exclude:
        given = {k: v for k, v in given.items() if k not in set(exclude)}
    merged.update(given)
    if settings.sweep_param_path:  # a sweep trial's parameters win over the program's own, as with W&B's agents
        merged.update(load_config_file(settings.sweep_param_path, "WANDB_SWEEP_PARAM_PATH"))
    return merged


def _prepare_wandb_dir(settings: ResolvedSettings) -> Path:
    wandb_dir = settings.wandb_dir
    try:
        wandb_dir.mkdir(parents=True, exist_ok=True)
        probe = wandb_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        origin = settings.origin("dir")
        source = origin.detail or "the working directory"
        raise RunDirError(
            f"cannot write to {wandb_dir} ({error.strerror or error}); the run directory comes from "
            f"{source}: choose a writable folder with WANDB_DIR or init(dir=...)"
        ) from None
    return wandb_dir


def _wandb_block(settings: ResolvedSettings, started: float) -> dict[str, Any]:
    from ..common._package_version import __version__

    return {
        "cli_version": __version__,
        "client": "wandb-jupyter",
        "python_version": sys.version.split()[0],
        "is_jupyter_run": in_kernel(),
        "start_time": started,
    }


def _ignore_in_sweep(init_args: dict[str, Any]) -> bool:
    """A sweep's agent chose the trial's run id, project and entity: init()'s own are ignored, as W&B does."""
    ignored = False
    for key in ("project", "entity", "id"):
        if init_args.get(key) is not None:
            logger.warning("Ignoring %s %r when running a sweep.", "run_id" if key == "id" else key, init_args[key])
            init_args[key] = None
            ignored = True
    return ignored


def init(
    project: str | None = None,
    entity: str | None = None,
    name: str | None = None,
    notes: str | None = None,
    tags: Any = None,
    group: str | None = None,
    job_type: str | None = None,
    config: Any = None,
    dir: str | os.PathLike[str] | None = None,
    mode: str | None = None,
    resume: bool | str | None = None,
    id: str | None = None,
    settings: Settings | Mapping[str, Any] | None = None,
    save_code: bool | None = None,
    anonymous: str | None = None,
    reinit: bool | str | None = None,
    config_include_keys: Any = None,
    config_exclude_keys: Any = None,
    allow_val_change: bool | None = None,
) -> Run | DisabledRun:
    """Start a run and return it; it also becomes ``wandb_jupyter.run``.

    Explicit arguments beat ``settings``, which beat WANDB_* variables, which
    beat the workspace and global settings files. A second ``init()``
    finishes the active run first, unless ``reinit`` is ``"return_previous"``
    (or False: return it) or ``"create_new"`` (keep both running).
    """
    from ._setup import as_settings, setup_settings

    settings = (setup_settings() or Settings()).merged(as_settings(settings, "init(settings=...)"))
    if reinit is None:
        reinit = settings.get_extra("reinit")  # W&B's Settings(reinit=...)
    if reinit not in _REINIT:
        raise UsageError(f"init(reinit={reinit!r}): expected one of finish_previous, return_previous, create_new")
    policy = _REINIT[reinit]
    previous = current_run()
    if previous is not None and policy == "return_previous":
        return previous
    _logging.hold_records()  # until WANDB_SILENT is known and debug.log open (released in _start)
    try:
        init_args = {
            "project": project,
            "entity": entity,
            "name": name,
            "notes": notes,
            "tags": tags,
            "group": group,
            "job_type": job_type,
            "dir": dir,
            "mode": mode,
            "resume": resume,
            "id": id,
            "save_code": save_code,
            "anonymous": anonymous,
        }
        resolved = resolve(settings=settings, init=init_args)
        if resolved.sweep_id and _ignore_in_sweep(init_args):
            resolved = resolve(settings=settings, init=init_args)
        if previous is not None and policy == "finish_previous":
            previous.finish()  # only once the new settings are known to be valid
        _logging.set_silent(resolved.silent)
        if resolved.mode == "disabled":
            run: Any = DisabledRun(settings=resolved, config=config_from(config))
            _remember(run)
            return run
        run = _start(resolved, config, config_include_keys, config_exclude_keys)
        _remember(run)
        code_dir = settings.get_extra("code_dir")
        if code_dir is not None and not resolved.disable_code:
            run.log_code(code_dir)  # W&B's Settings(code_dir=...): that folder's code is kept with the run
        return run
    finally:
        _logging.release_records()


def _start(settings: ResolvedSettings, config: Any, include: Any, exclude: Any) -> Run:
    # Imported here so that `import wandb_jupyter` stays light; the first run pays once.
    from ._metadata import program_path, write_metadata
    from ._naming import name_stem, reserve_name
    from ._resume import RESUME_FILE, ResumedState, load_state, plan_resume

    wandb_dir = _prepare_wandb_dir(settings)
    attach_file(wandb_dir / "debug.log")
    _logging.release_records()  # WANDB_SILENT applied, debug.log open: what the settings warned goes out
    online = None
    if settings.mode == "online":
        if _online_connector is None:
            raise UsageError("online mode needs wandb_jupyter.online, which is not registered")
        online = _online_connector(settings, wandb_dir)
        settings = online.settings  # the entity may come from the server
        if online.offline:  # the user chose to stay offline at the key prompt
            online = None
    if online is not None:
        plan, resumed = online.plan, online.resumed
    else:
        plan = plan_resume(wandb_dir, settings.resume, settings.run_id)
        resumed = load_state(plan.existing) if plan.existing else ResumedState()
    initial_config = _initial_config(settings, resumed, config, include, exclude)
    started = time.time()
    paths = plan.existing or RunPaths.new(wandb_dir, plan.run_id, offline=settings.mode == "offline", started=started)
    paths.create()
    attach_file(paths.logs / "debug.log")
    logger.debug("settings:\n%s", settings.explain())

    run = Run(
        settings=settings,
        paths=paths,
        run_id=plan.run_id,
        name=settings.name or resumed.name or "",
        started=started,
        step=resumed.step,
        runtime_offset=resumed.runtime,
        config=initial_config,
        summary=resumed.summary,
        resumed=plan.existing is not None or (online is not None and online.bases is not None),
        wandb_block=_wandb_block(settings, started),
        url=online.url if online is not None else _local_page(settings, paths, plan.run_id),
    )
    if resumed.metrics:
        run._continue_metrics(resumed.metrics)
    try:  # a full disk (or a folder turned read-only) is a clear error at init, not an OSError
        if run.name:
            write_metadata(run)
        else:

            def record(name: str) -> None:
                run._name = name
                write_metadata(run)

            reserve_name(wandb_dir, settings.project, name_stem(program_path(settings)), record)
        run._write_config()
        run._write_summary()
        update_latest_link(wandb_dir, paths.root)
        if settings.resume == "auto":
            write_atomic(wandb_dir / RESUME_FILE, json.dumps({"run_id": run.id}))
    except OSError as error:
        _close_quietly(run)
        raise RunDirError(
            f"cannot write the run directory {paths.root} ({error.strerror or error}); free some "
            "space, or choose another folder with WANDB_DIR or init(dir=...)"
        ) from None
    if online is not None:
        try:
            online.start(run)  # UpsertBucket, then the sender thread
        except BaseException:
            run._history.close()
            raise
    _announce(run)
    try:
        run._start_error_reports()
        run._start_capture()  # before the background thread, which is busy importing at first
        run._start_background()
    except BaseException:
        _abandon(run)
        raise
    return run


def _abandon(run: Run) -> None:
    """init() failed after the run began (no thread to be had, Ctrl-C): finish it as failed.

    The run is not remembered yet, so nothing else would ever stop its console capture: the
    error being raised, and all later output, would go into a pipe nobody reads.
    """
    try:
        run.finish(exit_code=1, quiet=True)
    except Exception as error:
        _logging.internal_error("finishing a run whose init() failed", error, reporting=run.settings.error_reporting)


def _close_quietly(run: Run) -> None:
    try:
        run._history.close()
    except OSError:
        pass


def _local_page(settings: ResolvedSettings, paths: RunPaths, run_id: str) -> str | None:
    """An offline run's page in the dashboard inside Jupyter, when the JupyterLab extension reported one."""
    from ._local_pages import local_run_url

    return local_run_url(entity=settings.entity, project=settings.project, run_id=run_id, run_dir=paths.root)


def _open_run_page(url: str) -> None:
    if in_kernel() and _page_opener is not None:
        _page_opener(url)
    else:
        from ..common._browser import open_in_browser

        open_in_browser(url)


def _announce(run: Run) -> None:
    verb = "Resuming" if run.resumed else "Tracking"
    level = logging.DEBUG if in_kernel() else logging.INFO  # a kernel shows the run's block
    logger.log(level, "%s run %s (%s), %s, in %s", verb, run.name, run.id, run.mode, run.paths.root)
    if run.mode == "online" and run.url:
        logger.log(level, "run page: %s", mask_url(run.url))
    if run.settings.show_run:
        if run.url:
            _open_run_page(run.url)
        else:
            logger.info("WANDB_SHOW_RUN: this run has no page yet (it is stored in %s)", run.paths.root)

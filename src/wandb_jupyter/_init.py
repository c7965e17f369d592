"""``init()``: from settings to a running Run, plus the process-wide run state.

The active runs are finished at interpreter exit (exit code 1 after an
uncaught exception, else the code given to ``sys.exit()``, else 0); in a plain
script SIGTERM and SIGHUP finish them too (``_exit``).
"""

from __future__ import annotations

import atexit
import logging
import json
import os
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import _logging
from ._errors import RunDirError, UsageError
from ._logging import attach_file, logger
from ._rundir import METADATA, RunPaths, update_latest_link, write_atomic
from ._run import DisabledRun, Run
from ._yaml import load_config_file
from .settings import Settings, resolve

__all__ = ["init", "current_run", "forget_run", "write_metadata", "active_runs", "add_run_listener"]

_REINIT = {
    None: "finish_previous",
    True: "finish_previous",
    False: "return_previous",
    "default": "finish_previous",
    "finish_previous": "finish_previous",
    "return_previous": "return_previous",
    "create_new": "create_new",
}

_lock = threading.RLock()
_active: list[Any] = []
_current: Any = None
_crashed = False
_hooks_installed = False
_hooks_pid = 0  # the process that installed the atexit finisher


_listeners: list[Any] = []


def current_run() -> Any:
    return _current


def add_run_listener(callback: Any) -> None:
    """Call ``callback(event, run)`` with "started" and "finished"; held weakly for bound methods."""
    import weakref

    _listeners.append(weakref.WeakMethod(callback) if hasattr(callback, "__self__") else lambda: callback)


def _notify(event: str, run: Any) -> None:
    for reference in list(_listeners):
        callback = reference()
        if callback is None:
            _listeners.remove(reference)
            continue
        try:
            callback(event, run)
        except Exception as error:  # a listener (a widget) must never break a run
            logger.debug("run listener failed: %r", error)


def active_runs() -> list[Any]:
    return list(_active)


def forget_run(run: Any) -> None:
    """Called by a run's finish(): it is no longer active (nor current)."""
    global _current
    with _lock:
        if run in _active:
            _active.remove(run)
        if _current is run:
            _current = _active[-1] if _active else None
    _notify("finished", run)


def _remember(run: Any) -> None:
    global _current
    with _lock:
        _active.append(run)
        _current = run
    _install_hooks()
    if not run.disabled:
        from ._exit import watch

        watch()
    _notify("started", run)


def _install_hooks() -> None:
    global _hooks_installed, _hooks_pid
    if _hooks_installed:
        return
    _hooks_installed = True
    _hooks_pid = os.getpid()
    previous = sys.excepthook

    def excepthook(exc_type: Any, exc: Any, tb: Any) -> None:
        global _crashed
        _crashed = True
        previous(exc_type, exc, tb)

    sys.excepthook = excepthook
    atexit.register(_finish_at_exit)


def _notebook_ended_in_error() -> bool:
    """In a kernel, exit code 1 when the last executed cell raised (kernels bypass sys.excepthook)."""
    integration = sys.modules.get("wandb_jupyter.notebook._integration")
    return bool(integration is not None and integration.last_cell_failed())


def _exit_code_at_exit() -> int:
    from ._exit import requested_exit_code

    if _crashed or _notebook_ended_in_error():
        return 1
    requested = requested_exit_code()
    return 0 if requested is None else requested


def _finish_at_exit() -> None:
    if os.getpid() != _hooks_pid:  # a forked child exiting: the runs are its parent's to finish
        return
    exit_code = _exit_code_at_exit()
    for run in reversed(active_runs()):
        try:
            run.finish(exit_code=exit_code)
        except Exception as error:  # exiting must not fail because of us
            logger.debug("finishing %s at exit failed: %r", run, error)


def _config_from(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, (str, os.PathLike)):
        return load_config_file(Path(value), "init(config=...)")
    if isinstance(value, Mapping):
        return dict(value)
    if hasattr(value, "__dict__"):  # argparse.Namespace and similar option objects
        return {k: v for k, v in vars(value).items() if not k.startswith("_")}
    raise UsageError(f"init(config=...) takes a dict, an argparse.Namespace or a YAML path, not {type(value).__name__}")


def _initial_config(settings: Any, resumed: Any, config: Any,
                    include: Any, exclude: Any) -> dict[str, Any]:
    merged = dict(resumed.config or {})
    for path in settings.config_paths:
        merged.update(load_config_file(path, f"WANDB_CONFIG_PATHS ({path})"))
    given = _config_from(config)
    if include:
        given = {k: v for k, v in given.items() if k in set(include)}
    if exclude:
        given = {k: v for k, v in given.items() if k not in set(exclude)}
    merged.update(given)
    return merged


def _prepare_wandb_dir(settings: Any) -> Path:
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


def write_metadata(run: Run) -> None:
    from ._metadata import build_metadata

    metadata = build_metadata(run.settings, run_id=run.id, name=run.name, started=run.start_time)
    write_atomic(run.paths.file(METADATA), json.dumps(metadata, indent=2))


def _in_kernel() -> bool:
    from ._ipython import in_kernel

    return in_kernel()


def _wandb_block(settings: Any, started: float) -> dict[str, Any]:
    from . import __version__

    return {
        "cli_version": __version__,
        "client": "wandb-jupyter",
        "python_version": sys.version.split()[0],
        "is_jupyter_run": _in_kernel(),
        "start_time": started,
    }


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
    if reinit not in _REINIT:
        raise UsageError(f"init(reinit={reinit!r}): expected one of finish_previous, return_previous, create_new")
    policy = _REINIT[reinit]
    previous = _current
    if previous is not None and policy == "return_previous":
        return previous
    resolved = resolve(
        settings=settings,
        init={"project": project, "entity": entity, "name": name, "notes": notes, "tags": tags,
              "group": group, "job_type": job_type, "dir": dir, "mode": mode, "resume": resume,
              "id": id, "save_code": save_code, "anonymous": anonymous},
    )
    if previous is not None and policy == "finish_previous":
        previous.finish()  # only once the new settings are known to be valid
    _logging.set_silent(resolved.silent)
    if resolved.mode == "disabled":
        run: Any = DisabledRun(settings=resolved, config=_config_from(config))
        _remember(run)
        return run
    run = _start(resolved, config, config_include_keys, config_exclude_keys)
    _remember(run)
    _attach_to_notebook(run)
    return run


def _attach_to_notebook(run: Run) -> None:
    from ._ipython import current_shell

    shell = current_shell()
    if shell is None:
        return
    try:
        from .notebook._integration import attach

        attach(run, shell)
    except Exception as error:  # the notebook extras must never cost the user the run
        _logging.internal_error("setting up the notebook display", error, reporting=run.settings.error_reporting)


def _start(settings: Any, config: Any, include: Any, exclude: Any) -> Run:
    # Imported here so that `import wandb_jupyter` stays light; the first run pays once.
    from ._metadata import program_path
    from ._naming import name_stem, reserve_name
    from ._resume import RESUME_FILE, ResumedState, load_state, plan_resume

    wandb_dir = _prepare_wandb_dir(settings)
    attach_file(wandb_dir / "debug.log")
    online = None
    if settings.mode == "online":
        from .online import connect  # key, viewer, resume status: before anything is written

        online = connect(settings, wandb_dir)
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
        raise RunDirError(f"cannot write the run directory {paths.root} ({error.strerror or error}); free some "
                          "space, or choose another folder with WANDB_DIR or init(dir=...)") from None
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
        _logging.internal_error("finishing a run whose init() failed", error,
                                reporting=run.settings.error_reporting)


def _close_quietly(run: Run) -> None:
    try:
        run._history.close()
    except OSError:
        pass


def _local_page(settings: Any, paths: RunPaths, run_id: str) -> str | None:
    """An offline run's page in the dashboard inside Jupyter, when the JupyterLab extension reported one."""
    from .notebook._local_pages import local_run_url

    return local_run_url(entity=settings.entity, project=settings.project, run_id=run_id, run_dir=paths.root)


def _kernel_shows_block() -> bool:
    """In a kernel the run's HTML block says it all; console lines would repeat it."""
    from ._ipython import in_kernel

    return in_kernel()


def _open_run_page(url: str) -> None:
    from ._ipython import in_kernel

    if in_kernel():
        from .notebook._show import open_in_notebook

        open_in_notebook(url)
    else:
        from ._browser import open_in_browser

        open_in_browser(url)


def _announce(run: Run) -> None:
    verb = "Resuming" if run.resumed else "Tracking"
    level = logging.DEBUG if _kernel_shows_block() else logging.INFO
    logger.log(level, "%s run %s (%s), %s, in %s", verb, run.name, run.id, run.mode, run.paths.root)
    if run.mode == "online" and run.url:
        from .online._session import masked_url

        logger.log(level, "run page: %s", masked_url(run.url))
    if run.settings.show_run:
        if run.url:
            _open_run_page(run.url)
        else:
            logger.info("WANDB_SHOW_RUN: this run has no page yet (it is stored in %s)", run.paths.root)

"""wandb-jupyter: a light, notebook-first experiment tracker speaking W&B.

``import wandb_jupyter as wandb`` then ``wandb.init()``, ``wandb.log({...})``,
``wandb.finish()``. Importing it costs little: IPython, ipywidgets and
requests are only imported by the features that need them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import data_types as _data_types  # names only: each type imports its modules on first use
from .artifacts._hooks import set_remote_resolver as _set_remote_resolver
from .artifacts._hooks import set_run_lookup as _set_run_lookup
from .common._errors import RunDirError, SettingsError, UsageError, WandbJupyterError
from .common._package_version import __version__
from .common._term import termerror, termlog, termwarn
from .core._alerts import AlertLevel
from .core._current import alert, define_metric, log_code, mark_preempting, unwatch, watch
from .core._init import current_run, init, set_online_connector
from .core._run import DisabledRun, Run
from .core._setup import require, setup, teardown
from .settings import ResolvedSettings, Settings

if TYPE_CHECKING:  # the class itself is imported on first use (see __getattr__)
    from .artifacts._artifact import Artifact

__all__ = [
    "init",
    "Api",
    "log",
    "finish",
    "save",
    "settings_panel",
    "run",
    "config",
    "summary",
    "Run",
    "DisabledRun",
    "Settings",
    "ResolvedSettings",
    "WandbJupyterError",
    "SettingsError",
    "UsageError",
    "RunDirError",
    "__version__",
    "define_metric",
    "alert",
    "AlertLevel",
    "mark_preempting",
    "log_code",
    "watch",
    "unwatch",
    "login",
    "sweep",
    "agent",
    "setup",
    "teardown",
    "require",
    "termlog",
    "termwarn",
    "termerror",
    "Error",
    "Image",
    "Histogram",
    "Table",
    "Audio",
    "Html",
    "Video",
    "Object3D",
    "Plotly",
    "Molecule",
    "Classes",
    "ImageMask",
    "BoundingBoxes2D",
    "plot",
    "plot_table",
    "install_as_wandb",
    "Artifact",
    "log_artifact",
    "use_artifact",
    "link_artifact",
    "log_model",
    "use_model",
]


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext wandb_jupyter``: magics and cell hooks."""
    from .notebook import load_ipython_extension as load

    load(shell)


def unload_ipython_extension(shell: Any) -> None:
    from .notebook import unload_ipython_extension as unload

    unload(shell)


def settings_panel() -> Any:
    """The settings panel (ipywidgets): every setting, its source, Start/Finish/Save/Reset."""
    from .notebook._panel import settings_panel as panel

    return panel()


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt extension (``jupyter labextension develop``, tools)."""
    return [{"src": "labextension", "dest": "wandb-jupyter"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """jupyter_server's entry: the dashboard at ``{base_url}wandb/`` (imported only when the server loads it)."""
    return [{"module": "wandb_jupyter.dashboard._jupyter"}]


def _connect_online(settings: ResolvedSettings, wandb_dir: Path) -> Any:
    """The online layer, imported only by the first online run."""
    from .online import connect

    return connect(settings, wandb_dir)


def _register_in_ipython() -> None:
    """Importing inside IPython registers the magics, as ``%load_ext`` would."""
    from .common._ipython import current_shell

    shell = current_shell()
    if shell is None:
        return
    try:
        load_ipython_extension(shell)
    except Exception as error:  # never let the extension break the import
        from .common._logging import logger

        logger.debug("registering the IPython extension failed: %r", error)


def _require_run(what: str) -> Run:
    active = current_run()
    if active is None:
        raise UsageError(f"call wandb_jupyter.init() before wandb_jupyter.{what}()")
    return active


def log(data: Any, step: int | None = None, commit: bool | None = None) -> None:
    """Log ``data`` to the current run (see :meth:`Run.log`)."""
    _require_run("log").log(data, step=step, commit=commit)


def finish(exit_code: int | None = None, quiet: bool | None = None) -> None:
    """Finish the current run, if there is one."""
    active = current_run()
    if active is not None:
        active.finish(exit_code=exit_code, quiet=quiet)


def log_artifact(
    artifact_or_path: Any,
    name: str | None = None,
    type: str | None = None,
    aliases: list[str] | None = None,
    tags: list[str] | None = None,
) -> Artifact:
    """Log an artifact with the current run (see :meth:`Run.log_artifact`)."""
    return _require_run("log_artifact").log_artifact(artifact_or_path, name=name, type=type, aliases=aliases, tags=tags)


def use_artifact(
    artifact_or_name: Any, type: str | None = None, aliases: list[str] | None = None, use_as: str | None = None
) -> Artifact:
    """Use an artifact as an input of the current run (see :meth:`Run.use_artifact`)."""
    return _require_run("use_artifact").use_artifact(artifact_or_name, type=type, aliases=aliases, use_as=use_as)


def link_artifact(artifact: Artifact, target_path: str, aliases: list[str] | None = None) -> None:
    _require_run("link_artifact").link_artifact(artifact, target_path, aliases)


def log_model(path: Any, name: str | None = None, aliases: list[str] | None = None) -> Artifact:
    return _require_run("log_model").log_model(path, name=name, aliases=aliases)


def use_model(name: str) -> str:
    return _require_run("use_model").use_model(name)


def _resolve_remote_artifact(run: Any, entity: str | None, project: str, name: str, alias: str) -> Any:
    """The online layer's artifact lookup, imported only when an online run uses an artifact."""
    from .online._artifacts import resolve_remote

    return resolve_remote(run, entity, project, name, alias)


_set_remote_resolver(_resolve_remote_artifact)
_set_run_lookup(current_run)


#: W&B's ``wandb.Error``: every error this package raises on purpose is one.
Error = WandbJupyterError


def save(glob_str: Any, base_path: Any = None, policy: str = "live", glob: bool = True) -> list[str]:
    """Keep files with the current run (see :meth:`Run.save`)."""
    return _require_run("save").save(glob_str, base_path=base_path, policy=policy, glob=glob)


def login(
    key: str | None = None,
    relogin: bool | None = None,
    host: str | None = None,
    force: bool | None = None,
    timeout: float | None = None,
    verify: bool = True,
    referrer: str | None = None,
    prompt: bool = True,
    anonymous: str | None = None,
) -> bool:
    """Store an API key for later online runs, like ``wandb.login()`` (see :func:`online._login.login`)."""
    from .online._login import login as _login

    return _login(
        key=key,
        relogin=relogin,
        host=host,
        force=force,
        timeout=timeout,
        verify=verify,
        referrer=referrer,
        prompt=prompt,
        anonymous=anonymous,
    )


def sweep(
    sweep: Any, entity: str | None = None, project: str | None = None, prior_runs: list[str] | None = None
) -> str:
    """Create a sweep from W&B's sweep configuration; its id goes to :func:`agent` (see :mod:`.sweeps`)."""
    from .sweeps import sweep as _sweep

    return _sweep(sweep, entity=entity, project=project, prior_runs=prior_runs)


def agent(
    sweep_id: str,
    function: Any = None,
    entity: str | None = None,
    project: str | None = None,
    count: int | None = None,
) -> None:
    """Run a sweep's trials: ``function`` once per trial, its run's config holding the trial's parameters."""
    from .sweeps import agent as _agent

    _agent(sweep_id, function=function, entity=entity, project=project, count=count)


class _NoRun:
    """Stands in for ``config``/``summary`` before ``init()``: any use says what to do."""

    def __init__(self, what: str) -> None:
        self._what = what

    def __getattr__(self, name: str) -> Any:
        raise UsageError(f"wandb_jupyter.{self._what} is available after wandb_jupyter.init()")

    def __getitem__(self, key: Any) -> Any:
        raise UsageError(f"wandb_jupyter.{self._what} is available after wandb_jupyter.init()")

    __setitem__ = __getitem__

    def __repr__(self) -> str:
        return f"<wandb_jupyter.{self._what}: no active run>"


def __getattr__(name: str) -> Any:
    """``run``, ``config`` and ``summary`` always refer to the current run."""
    if name == "run":
        return current_run()
    if name in ("config", "summary"):
        active = current_run()
        return getattr(active, name) if active is not None else _NoRun(name)
    if name == "Artifact":  # the artifacts code with its first use
        from .artifacts._artifact import Artifact

        return Artifact
    if name == "Api":  # the read API, loaded on first use
        from .api import Api

        return Api
    if name in _DATA_TYPES:  # loaded on first use: ``import wandb_jupyter`` stays light
        return getattr(_data_types, name)
    if name in _INTEGRATIONS:  # wandb_jupyter.sklearn: imports scikit-learn on first use
        import importlib

        return importlib.import_module(f".{name}", __name__)
    if "wandb" in sys.modules and sys.modules["wandb"] is sys.modules[__name__]:  # the alias: wandb.sdk, wandb.util...
        from .integration._alias import submodule

        found = submodule(name)
        if found is not None:
            return found
    raise AttributeError(f"module 'wandb_jupyter' has no attribute {name!r}")


#: W&B's data types, resolved lazily by ``__getattr__`` (wandb_jupyter.Image, wandb_jupyter.plot.line, ...).
_DATA_TYPES = frozenset(_data_types.__all__)


def install_as_wandb() -> None:
    """Make ``import wandb`` in third-party code (Lightning, transformers, XGBoost...) use this package.

    Call it (or set ``WANDB_JUPYTER_AS_WANDB=1`` before ``import wandb_jupyter``)
    before those libraries import ``wandb``; see :mod:`.integration._alias`.
    """
    from .integration._alias import install

    install(sys.modules[__name__])


def _alias_from_environment() -> None:
    """``WANDB_JUPYTER_AS_WANDB=1``: install the alias now (read without importing the alias module otherwise)."""
    if os.environ.get("WANDB_JUPYTER_AS_WANDB"):
        from .integration._alias import from_environment

        from_environment(sys.modules[__name__])


#: Integrations reached as attributes like W&B's (``wandb_jupyter.sklearn.plot_roc``), imported on first use.
_INTEGRATIONS = frozenset(("sklearn", "integration"))


set_online_connector(_connect_online)
_register_in_ipython()
_alias_from_environment()

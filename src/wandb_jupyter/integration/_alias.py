"""The opt-in ``import wandb`` alias: third-party code that imports ``wandb`` gets this package.

:func:`install` puts this package in ``sys.modules["wandb"]`` and a finder at
the front of ``sys.meta_path`` that answers for the ``wandb.*`` submodules
popular integrations import: Lightning's ``WandbLogger`` (``wandb.sdk.lib.RunDisabled``,
``wandb.wandb_run.Run``), transformers' ``WandbCallback``
(``wandb.sdk.lib.config_util.ConfigError``, ``wandb.env``), XGBoost, LightGBM and
scikit-learn code (``wandb.integration.xgboost``, ``wandb.integration.lightgbm``,
``wandb.sklearn``), and ``wandb.plot``, ``wandb.data_types``, ``wandb.util``,
``wandb.errors``, ``wandb.sdk.wandb_settings``. A submodule outside that list is a
ModuleNotFoundError naming the alias, never a second copy of one of our modules.

Nothing happens at interpreter start (no ``.pth`` file): the alias takes effect
when ``wandb_jupyter`` is imported with ``WANDB_JUPYTER_AS_WANDB=1`` or when
``install_as_wandb()`` is called, before the third-party code imports ``wandb``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from types import ModuleType
from typing import Any

from ..common._errors import UsageError, WandbJupyterError

__all__ = ["install", "installed", "submodule", "ENVIRONMENT_VARIABLE"]

#: Set to 1/true/yes to install the alias when ``wandb_jupyter`` is imported.
ENVIRONMENT_VARIABLE = "WANDB_JUPYTER_AS_WANDB"

#: ``wandb.<name>`` that is one of our modules, imported when first asked for.
_OUR_MODULES = {
    "wandb.sklearn": "wandb_jupyter.sklearn",
    "wandb.integration": "wandb_jupyter.integration",
    "wandb.integration.sklearn": "wandb_jupyter.integration.sklearn",
    "wandb.integration.xgboost": "wandb_jupyter.integration.xgboost",
    "wandb.integration.lightgbm": "wandb_jupyter.integration.lightgbm",
    "wandb.plot": "wandb_jupyter.data_types.plot",
    "wandb.data_types": "wandb_jupyter.data_types",
}


class ConfigError(WandbJupyterError):
    """W&B's ``wandb.sdk.lib.config_util.ConfigError``: never raised here, as config values may change."""


def set_entity(value: str, env: Any = None) -> None:
    """W&B's ``wandb.env.set_entity``: the entity of later runs (``WANDB_ENTITY``)."""
    (os.environ if env is None else env)["WANDB_ENTITY"] = value


def set_project(value: str, env: Any = None) -> None:
    """W&B's ``wandb.env.set_project``: the project of later runs (``WANDB_PROJECT``)."""
    (os.environ if env is None else env)["WANDB_PROJECT"] = value or "uncategorized"


#: ``wandb.<name>`` made up of some of our names: attribute -> "module:name".
_SHIMS: dict[str, dict[str, str]] = {
    "wandb.sdk": {
        "Settings": "wandb_jupyter.settings:Settings",
        "init": "wandb_jupyter.core._init:init",
        "Run": "wandb_jupyter.core._run:Run",
    },
    "wandb.sdk.lib": {"RunDisabled": "wandb_jupyter.core._run:DisabledRun"},
    "wandb.sdk.lib.config_util": {"ConfigError": f"{__name__}:ConfigError"},
    "wandb.sdk.wandb_run": {"Run": "wandb_jupyter.core._run:Run"},
    "wandb.sdk.wandb_settings": {"Settings": "wandb_jupyter.settings:Settings"},
    "wandb.wandb_run": {"Run": "wandb_jupyter.core._run:Run"},
    "wandb.util": {"generate_id": "wandb_jupyter.rundir._rundir:new_run_id"},
    "wandb.errors": {
        "Error": "wandb_jupyter.common._errors:WandbJupyterError",
        "UsageError": "wandb_jupyter.common._errors:UsageError",
    },
    "wandb.env": {"set_entity": f"{__name__}:set_entity", "set_project": f"{__name__}:set_project"},
}

#: Submodules with submodules of their own.
_PACKAGES = frozenset({"wandb.sdk", "wandb.sdk.lib", "wandb.integration"})

_finder: _AliasFinder | None = None


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers every ``wandb`` and ``wandb.*`` import while the alias is installed."""

    def __init__(self, package: ModuleType) -> None:
        self.package = package

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != "wandb" and not fullname.startswith("wandb."):
            return None
        if fullname != "wandb" and fullname not in _OUR_MODULES and fullname not in _SHIMS:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: `import wandb` is wandb_jupyter here "
                f"({ENVIRONMENT_VARIABLE} / install_as_wandb()), which has no such submodule",
                name=fullname,
            )
        return importlib.util.spec_from_loader(fullname, self, is_package=fullname in _PACKAGES)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        if spec.name == "wandb":
            return self.package
        if spec.name in _OUR_MODULES:
            return importlib.import_module(_OUR_MODULES[spec.name])
        return _shim(spec.name)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module was complete when created."""


def _shim(name: str) -> ModuleType:
    """A module holding the names W&B's ``name`` has and this package can stand in for."""
    module = ModuleType(name, f"wandb_jupyter's stand-in for W&B's {name}")
    for attribute, target in _SHIMS[name].items():
        home, _, value = target.partition(":")
        setattr(module, attribute, getattr(importlib.import_module(home), value))
    return module


def installed() -> bool:
    return _finder is not None


def install(package: ModuleType) -> None:
    """Make ``import wandb`` (and the submodules above) resolve to ``package``; calling it again does nothing.

    UsageError when the real ``wandb`` was imported already: modules holding it
    would keep using it, so the alias must come first.
    """
    global _finder
    if _finder is not None:
        return
    present = sys.modules.get("wandb")
    if present is not None and present is not package:
        raise UsageError(
            "install_as_wandb(): the wandb package was imported before the alias was installed; "
            f"import wandb_jupyter (with {ENVIRONMENT_VARIABLE}=1) or call install_as_wandb() before any "
            "library that imports wandb"
        )
    _finder = _AliasFinder(package)
    sys.meta_path.insert(0, _finder)
    sys.modules["wandb"] = package


def submodule(name: str) -> ModuleType | None:
    """``wandb.<name>`` for attribute access (``wandb.sdk.lib.RunDisabled`` after ``import wandb``), or None."""
    full = f"wandb.{name}"
    if _finder is None or (full not in _OUR_MODULES and full not in _SHIMS):
        return None
    return importlib.import_module(full)


def from_environment(package: ModuleType) -> None:
    """``WANDB_JUPYTER_AS_WANDB=1`` at ``import wandb_jupyter``: install, or warn why not (never fail the import)."""
    if os.environ.get(ENVIRONMENT_VARIABLE, "").strip().lower() not in ("1", "true", "yes", "on"):
        return
    try:
        install(package)
    except UsageError as error:
        from ..common._term import termwarn

        termwarn(str(error))

"""``setup()`` and ``teardown()``: process-wide settings that every later ``init()`` starts from.

W&B's ``wandb.setup(settings=...)`` prepares its service process and keeps the settings
for the process; here there is no service, so ``setup()`` only keeps the settings:
``init(settings=...)`` and ``init()`` arguments still win over them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..common._errors import UsageError
from ..settings import Settings

__all__ = ["setup", "teardown", "setup_settings", "Setup", "require"]

_settings: Settings | None = None


class Setup:
    """What ``setup()`` returns (W&B's ``_WandbSetup``): the settings it keeps."""

    def __init__(self, settings: Settings | None) -> None:
        self.settings = settings

    def __repr__(self) -> str:
        return f"<wandb_jupyter setup {self.settings!r}>"


def as_settings(value: Any, where: str) -> Settings | None:
    if value is None or isinstance(value, Settings):
        return value
    if isinstance(value, Mapping):
        return Settings(**value)
    raise UsageError(f"{where} takes a wandb_jupyter.Settings or a dict, not {type(value).__name__}")


def setup(settings: Settings | Mapping[str, Any] | None = None) -> Setup:
    """Keep ``settings`` for every later ``init()`` of this process (added to earlier ``setup()`` calls)."""
    global _settings
    given = as_settings(settings, "setup(settings=...)")
    if given is not None:
        _settings = given if _settings is None else _settings.merged(given)
    return Setup(_settings)


def teardown(exit_code: int | None = None) -> None:
    """Finish every active run and forget what ``setup()`` kept."""
    global _settings
    from ._state import active_runs

    for run in reversed(active_runs()):
        run.finish(exit_code=exit_code)
    _settings = None


def setup_settings() -> Settings | None:
    return _settings


#: W&B's feature names that its 0.31 keeps as no-ops (``wandb.require("core")`` in many programs).
_NO_OP_FEATURES = {"core", "service", "require"}


def require(requirement: str | Any = None, experiment: str | Any = None) -> None:
    """W&B's feature flags: ``core`` and ``service`` are accepted (W&B 0.31 says they are the default,
    and so is everything here); an unknown feature is a UsageError, as W&B raises UnsupportedError."""
    from ..common._term import termwarn

    features = requirement or experiment
    if not features:
        return
    unknown = []
    for item in [features] if isinstance(features, str) else list(features):
        feature = str(item).split("@", 1)[0].split(":", 1)[0]
        if feature in _NO_OP_FEATURES:
            if feature != "require":
                termwarn(f"`require({feature!r})` is a no-op: it is the default behaviour", repeat=False)
        else:
            unknown.append(feature)
    if unknown:
        raise UsageError(f"require(): unsupported requirement(s) {', '.join(unknown)}")

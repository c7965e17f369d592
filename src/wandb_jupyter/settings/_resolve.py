"""Resolution of all sources into one immutable ResolvedSettings.

Precedence, lowest first: defaults < global settings file < workspace settings
file < environment < detected (fills only what is still unset) <
``init(settings=...)`` < explicit ``init()`` keyword arguments.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..common._errors import UsageError
from ..common._secrets import mask
from ._detected import detect
from ._env import read_env
from ._files import global_file, read_file, workspace_file
from ._origin import DEFAULT, GLOBAL_FILE, INIT, WORKSPACE_FILE, Origin, Value, parse
from ._table import BY_NAME, SETTINGS, Setting
from ._values import SettingValues

__all__ = ["Settings", "ResolvedSettings", "resolve"]

_INIT_ARGS = {s.init_arg: s for s in SETTINGS if s.init_arg}


class Settings:
    """Settings chosen in code, like ``wandb.Settings``: ``Settings(mode="offline")``.

    Values are validated at once. Pass it as ``init(settings=...)``; its values
    beat the environment and files but lose to explicit ``init()`` arguments.
    """

    def __init__(self, **values: Any) -> None:
        unknown = sorted(set(values) - set(BY_NAME))
        if unknown:
            raise UsageError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
        self._values = {
            name: parse(BY_NAME[name], raw, Origin(kind=INIT, detail=f"Settings({name}=...)"))
            for name, raw in values.items()
            if raw is not None
        }

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={mask(v.value) if BY_NAME[n].secret else v.value!r}" for n, v in self._values.items())
        return f"Settings({shown})"

    def resolve(self, **kwargs: Any) -> ResolvedSettings:
        """Resolve every source with these values on top (see :func:`resolve`)."""
        return resolve(settings=self, **kwargs)

    def explain(self) -> str:
        """Every resolved value with its source, as a text table (API key masked)."""
        return self.resolve().explain()


class ResolvedSettings(SettingValues):
    """Every setting's final value and where it came from. Immutable; typed by :class:`SettingValues`."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Value]) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name].value
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("resolved settings are immutable; pass new values to init()")

    def __dir__(self) -> list[str]:
        return [*BY_NAME, "origin", "items", "explain", "as_dict", "wandb_dir", "replace"]

    def origin(self, name: str) -> Origin:
        return self._values[name].origin

    def replace(self, name: str, value: Any, origin: Origin) -> ResolvedSettings:
        """A copy with one value changed, e.g. the entity an online run learns from the server."""
        if name not in BY_NAME:
            raise KeyError(name)
        return ResolvedSettings({**self._values, name: Value(value=value, origin=origin)})

    def items(self) -> Iterator[tuple[Setting, Value]]:
        for setting in SETTINGS:
            yield setting, self._values[setting.name]

    @property
    def wandb_dir(self) -> Path:
        return Path(self.dir) / "wandb"

    def as_dict(self, *, masked: bool = True) -> dict[str, Any]:
        return {s.name: (mask(v.value) if s.secret and masked else v.value) for s, v in self.items()}

    def explain(self) -> str:
        rows = [("setting", "variable", "value", "source")]
        for setting, value in self.items():
            shown = mask(value.value) if setting.secret else value.value
            rows.append((setting.name, setting.env_var, _one_line(shown), str(value.origin)))
        widths = [min(max(len(row[i]) for row in rows), 48) for i in range(3)]
        return "\n".join(
            "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3] for row in rows
        )

    def __repr__(self) -> str:
        return f"ResolvedSettings({self.as_dict()!r})"


def _one_line(value: Any) -> str:
    """A value as one table cell: lists comma-joined, newlines shown as \\n."""
    if value is None:
        return ""
    text = ",".join(str(item) for item in value) if isinstance(value, tuple) else str(value)
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _init_values(init: Mapping[str, Any]) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for arg, raw in init.items():
        if raw is None:
            continue
        if arg == "save_code":
            setting, raw = BY_NAME["disable_code"], _not(raw)
        elif arg in _INIT_ARGS:
            setting = _INIT_ARGS[arg]
        else:
            raise UsageError(f"init() got an unknown argument {arg!r}")
        values[setting.name] = parse(setting, raw, Origin(kind=INIT, detail=f"init({arg}=...)"))
    return values


def _not(value: Any) -> Any:
    return (not value) if isinstance(value, bool) else value


def _defaults() -> dict[str, Value]:
    origin = Origin(kind=DEFAULT)
    return {s.name: Value(value=s.default, origin=origin) for s in SETTINGS}


def resolve(
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    settings: Settings | Mapping[str, Any] | None = None,
    init: Mapping[str, Any] | None = None,
) -> ResolvedSettings:
    """Resolve every source; a bad value anywhere raises SettingsError naming it."""
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else Path(cwd)
    if settings is not None and not isinstance(settings, Settings):
        if not isinstance(settings, Mapping):
            raise UsageError(f"settings must be a wandb_jupyter.Settings or a dict, not {type(settings).__name__}")
        settings = Settings(**settings)
    in_code = {**(settings._values if settings else {}), **_init_values(init or {})}
    env = read_env(environ)

    def pick(name: str) -> Any:
        chosen = in_code.get(name) or env.get(name)
        return chosen.value if chosen else BY_NAME[name].default

    config_dir = cwd / Path(pick("config_dir")).expanduser()
    global_values = read_file(global_file(config_dir), GLOBAL_FILE)
    base_dir = cwd / (pick("dir") or cwd)
    workspace_values = read_file(workspace_file(base_dir), WORKSPACE_FILE)

    merged = {**_defaults(), **global_values, **workspace_values, **env}
    unset = {name for name, value in merged.items() if value.origin.kind == DEFAULT and name not in in_code}
    merged.update(detect(unset, cwd))
    merged.update(in_code)
    merged["dir"] = Value(value=base_dir, origin=merged["dir"].origin)
    merged["config_dir"] = Value(value=config_dir, origin=merged["config_dir"].origin)
    return ResolvedSettings(merged)

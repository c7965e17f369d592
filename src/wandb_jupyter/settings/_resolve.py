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
from ..common._logging import warn_once
from ..common._secrets import mask
from ._detected import detect
from ._env import read_env
from ._files import global_file, read_file, workspace_file
from ._origin import DEFAULT, GLOBAL_FILE, INIT, WORKSPACE_FILE, Origin, Value, parse
from ._table import BY_NAME, SETTINGS, Setting
from ._values import SettingValues
from ._wandb_fields import APPLIES, INIT_FIELDS, wandb_name

__all__ = ["Settings", "ResolvedSettings", "resolve"]

_INIT_ARGS = {s.init_arg: s for s in SETTINGS if s.init_arg}


class Settings:
    """Settings chosen in code, like ``wandb.Settings``: ``Settings(mode="offline")``.

    Values are validated at once. Pass it as ``init(settings=...)``; its values
    beat the environment and files but lose to explicit ``init()`` arguments.
    """

    def __init__(self, **values: Any) -> None:
        ours, self._extras = _from_wandb_names(values)
        self._values = {
            name: parse(BY_NAME[name], raw, Origin(kind=INIT, detail=f"Settings({given}=...)"))
            for name, (given, raw) in ours.items()
        }

    def get_extra(self, name: str) -> Any:
        """A W&B field that ``init()`` reads itself (``reinit``, ``code_dir``), or None."""
        return self._extras.get(name)

    def merged(self, other: Settings | None) -> Settings:
        """These settings with ``other``'s values on top (``setup(settings=...)`` under ``init(settings=...)``)."""
        if other is None:
            return self
        combined = Settings()
        combined._values = {**self._values, **other._values}
        combined._extras = {**self._extras, **other._extras}
        return combined

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


def _from_wandb_names(values: dict[str, Any]) -> tuple[dict[str, tuple[str, Any]], dict[str, Any]]:
    """Our settings (name -> (the name given, raw value)) and init's W&B fields, from names of our
    table or of W&B's ``Settings``; W&B fields that do not apply get one warning naming them."""
    ours: dict[str, tuple[str, Any]] = {}
    extras: dict[str, Any] = {}
    ignored, unknown = [], []
    for given, raw in values.items():
        if raw is None:
            continue
        if given in BY_NAME:
            ours[given] = (given, raw)
            continue
        field = wandb_name(given)
        if field is None:
            unknown.append(given)
        elif field in APPLIES:
            target, convert = APPLIES[field]
            ours.setdefault(target, (given, convert(raw) if convert else raw))
        elif field in INIT_FIELDS:
            extras[field] = raw
        else:
            ignored.append(given)
    if unknown:
        raise UsageError(
            f"unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(BY_NAME)} and the fields of W&B's "
            "wandb.Settings"
        )
    if ignored:
        names = ", ".join(sorted(ignored))
        warn_once(
            f"settings-ignored:{names}",
            f"Settings({names}): W&B settings that do not apply to wandb-jupyter; accepted and ignored",
        )
    return ours, extras


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

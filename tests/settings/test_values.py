"""The typed view of the settings is generated from the one table and stays in step with it."""

from __future__ import annotations

import typing
from pathlib import Path

from wandb_jupyter.settings import SETTINGS, ResolvedSettings, _codegen, resolve
from wandb_jupyter.settings._values import SettingValues


def test_the_generated_module_is_current() -> None:
    assert _codegen.TARGET.read_text(encoding="utf-8") == _codegen.render(), (
        "settings/_values.py is stale: run python -m wandb_jupyter.settings._codegen"
    )


def test_every_setting_is_typed_and_resolved_settings_carry_the_types() -> None:
    hints = typing.get_type_hints(SettingValues, globalns={"Path": Path})
    assert list(hints) == [setting.name for setting in SETTINGS]
    assert issubclass(ResolvedSettings, SettingValues)


def test_resolved_values_have_their_declared_types(isolated: Path) -> None:
    hints = typing.get_type_hints(SettingValues, globalns={"Path": Path})
    resolved = resolve(environ={"WANDB_TAGS": "a,b", "WANDB_X_STATS_SAMPLING_INTERVAL": "3"})
    for name, hint in hints.items():
        value = getattr(resolved, name)
        allowed = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, type(int | None)) else (hint,)
        kinds = tuple(typing.get_origin(kind) or kind for kind in allowed)
        assert isinstance(value, kinds), f"{name}={value!r} is not {hint}"

"""Settings source: environment variables (WANDB_*)."""

from __future__ import annotations

from collections.abc import Mapping

from ..common._logging import warn_once
from ._origin import ENV, Origin, Value, parse
from ._table import SETTINGS

__all__ = ["read_env", "untranslated_singularity_vars"]


def read_env(environ: Mapping[str, str]) -> dict[str, Value]:
    """Parse every WANDB_* variable the table knows; empty values count as unset.

    When a setting has aliases (WANDB_USERNAME / WANDB_USER_NAME) the first
    listed variable wins.
    """
    values: dict[str, Value] = {}
    for setting in SETTINGS:
        for var in setting.env:
            raw = environ.get(var)
            if raw is not None and raw.strip() != "":
                values[setting.name] = parse(setting, raw, Origin(kind=ENV, detail=var))
                break
    return values


def untranslated_singularity_vars(environ: Mapping[str, str]) -> list[str]:
    """SINGULARITYENV_WANDB_* variables that reached the process without being translated.

    Singularity/Apptainer turns SINGULARITYENV_WANDB_X into WANDB_X inside the
    container; seeing the prefixed name means the variable was set for a
    container but the program is not running in one.
    """
    found = sorted(var for var in environ if var.startswith("SINGULARITYENV_WANDB_"))
    if found:
        warn_once(
            "singularity",
            "untranslated variables "
            + ", ".join(found)
            + ": Singularity/Apptainer sets WANDB_* from them only inside a container",
        )
    return found

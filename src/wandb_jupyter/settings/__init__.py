"""Settings: one declarative table, every source, each value knowing its origin."""

from ._detected import register_detector
from ._docs import settings_markdown
from ._env import untranslated_singularity_vars
from ._files import global_file, workspace_file, write_file
from ._origin import PRECEDENCE, Origin
from ._resolve import ResolvedSettings, Settings, resolve
from ._table import BY_ENV, BY_NAME, GROUPS, SETTINGS, Setting

__all__ = [
    "Settings",
    "ResolvedSettings",
    "resolve",
    "Setting",
    "SETTINGS",
    "BY_NAME",
    "BY_ENV",
    "GROUPS",
    "Origin",
    "PRECEDENCE",
    "register_detector",
    "global_file",
    "workspace_file",
    "write_file",
    "untranslated_singularity_vars",
    "settings_markdown",
]

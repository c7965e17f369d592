"""A small YAML emitter for config.yaml, and the loader for config files.

Writing config.yaml happens at every ``init()``; emitting it by hand keeps
PyYAML's import off that path. The output is block-style YAML with JSON-style
scalars, which PyYAML and W&B read back unchanged. Reading YAML (config
files, resume) imports PyYAML on demand.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ._errors import SettingsError

__all__ = ["dump_config", "load_config_file", "unwrap_wandb_config"]


def _scalar(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
    return json.dumps(value, ensure_ascii=False)


def _emit(value: Any, indent: int, lines: list[str], prefix: str) -> None:
    pad = "  " * indent
    if isinstance(value, dict) and value:
        lines.append(prefix)
        for key, item in value.items():
            _emit(item, indent + 1, lines, f"{pad}  {_scalar(str(key))}:")
    elif isinstance(value, list) and value:
        lines.append(prefix)
        for item in value:
            _emit(item, indent + 1, lines, f"{pad}  -")
    else:
        empty = "{}" if isinstance(value, dict) else "[]" if isinstance(value, list) else _scalar(value)
        lines.append(f"{prefix} {empty}")


def dump_config(config: dict[str, Any], wandb_block: dict[str, Any]) -> str:
    """config.yaml in W&B's format: ``key: {value: ...}`` plus the ``_wandb`` block."""
    lines = ["wandb_version: 1"]
    for key, value in {"_wandb": wandb_block, **config}.items():
        lines.append(f"{_scalar(str(key))}:")
        _emit(value, 1, lines, "  value:")
    return "\n".join(lines) + "\n"


def unwrap_wandb_config(data: dict[str, Any]) -> dict[str, Any]:
    """Plain ``key: value`` from either a plain file or W&B's ``key: {value: ...}`` format."""
    body = {k: v for k, v in data.items() if k not in ("wandb_version", "_wandb")}
    wrapped = body and all(isinstance(v, dict) and "value" in v and set(v) <= {"value", "desc"} for v in body.values())
    return {k: v["value"] for k, v in body.items()} if wrapped else body


def load_config_file(path: Path, source: str) -> dict[str, Any]:
    """Load one YAML config file; missing or broken files raise a clear SettingsError."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(source=source, value=str(path), accepted="an existing YAML file") from None
    except (OSError, ValueError) as error:  # ValueError: not UTF-8, or a NUL in the path
        raise SettingsError(source=source, value=str(path), accepted=f"a readable UTF-8 YAML file ({error})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path} line {mark.line + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise SettingsError(source=f"{source} ({where})", value=problem, accepted="valid YAML") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SettingsError(source=source, value=str(path), accepted="a YAML mapping of config keys")
    return unwrap_wandb_config(data)

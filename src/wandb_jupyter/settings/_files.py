"""Settings source: the global and workspace settings files.

Both are configparser files with a ``[default]`` section, the format W&B's
``wandb init`` / ``wandb offline`` write, so existing files keep working.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..common._errors import SettingsError
from ..common._logging import logger
from ._origin import Origin, Value, parse
from ._table import BY_NAME

if TYPE_CHECKING:  # configparser itself is imported where files are read
    import configparser

__all__ = ["read_file", "write_file", "global_file", "workspace_file", "SECTION"]

SECTION = "default"
#: Keys W&B writes under other names.
_ALIASES = {"group": "run_group", "disabled": None}


def global_file(config_dir: Path) -> Path:
    return Path(config_dir) / "settings"


def workspace_file(base_dir: Path) -> Path:
    return Path(base_dir) / "wandb" / "settings"


def _key_lines(path: Path) -> dict[str, int]:
    """Line number of each key in the [default] section, for error messages."""
    lines: dict[str, int] = {}
    section = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip()
        elif section == SECTION and stripped and stripped[0] not in "#;":
            key = stripped.replace(":", "=").split("=", 1)[0].strip().lower()
            lines.setdefault(key, number)
    return lines


def _load(path: Path) -> configparser.ConfigParser:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        text = path.read_text(encoding="utf-8")
        parser.read_string(text, source=str(path))
    except configparser.Error as error:
        line, message = _error_location(error, text.splitlines())
        where = f"{path} line {line}" if line else str(path)
        raise SettingsError(source=where, value=message, accepted="an INI file with a [default] section") from None
    except UnicodeDecodeError:
        raise SettingsError(source=str(path), value="<binary data>", accepted="a UTF-8 text file") from None
    return parser


def _error_location(error: configparser.Error, lines: list[str]) -> tuple[int | None, str]:
    """The line number and a short description of a configparser error."""
    import configparser

    line = getattr(error, "lineno", None)
    if isinstance(error, configparser.MissingSectionHeaderError):
        return line, f"{error.line.strip()} (before any [section] header)"
    if isinstance(error, configparser.ParsingError) and getattr(error, "errors", None):
        line = error.errors[0][0]
        return line, lines[line - 1].strip() if 0 < line <= len(lines) else "unparsable line"
    return line, str(error).splitlines()[0]


def _decode(raw: str) -> str:
    """Values written by :func:`write_file` with newlines are JSON string literals."""
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        try:
            decoded = json.loads(raw)
        except ValueError:
            return raw
        if isinstance(decoded, str):
            return decoded
    return raw


def read_file(path: Path, kind: str) -> dict[str, Value]:
    """Settings from one file; a missing file is empty, a broken one raises naming file and line."""
    path = Path(path)
    if not path.is_file():
        return {}
    parser = _load(path)
    if not parser.has_section(SECTION):
        return {}
    lines = _key_lines(path)
    values: dict[str, Value] = {}
    for key, raw in parser.items(SECTION):
        name = _ALIASES.get(key, key)
        setting = BY_NAME.get(name) if name else None
        if setting is None or not setting.in_files:
            logger.debug("ignoring key %r in %s", key, path)
            continue
        if raw.strip() == "":
            continue
        detail = f"{key} in {path} line {lines.get(key, '?')}"
        values[setting.name] = parse(setting, _decode(raw), Origin(kind=kind, detail=detail))
    # W&B's `wandb disabled` wrote `disabled = true` before `mode` existed.
    if (
        parser.has_option(SECTION, "disabled")
        and "mode" not in values
        and parser.get(SECTION, "disabled").strip().lower() == "true"
    ):
        detail = f"disabled in {path} line {lines.get('disabled', '?')}"
        values["mode"] = Value(value="disabled", origin=Origin(kind=kind, detail=detail))
    return values


def write_file(path: Path, updates: Mapping[str, object | None]) -> None:
    """Set (or, with None, remove) keys in the [default] section, keeping the others.

    The file is replaced atomically. Values are written as the table would read
    them back: lists comma-separated, booleans as true/false.
    """
    import configparser

    path = Path(path)
    parser = _load(path) if path.is_file() else configparser.ConfigParser(interpolation=None)
    if not parser.has_section(SECTION):
        parser.add_section(SECTION)
    for key, value in updates.items():
        if key not in BY_NAME or not BY_NAME[key].in_files:
            raise KeyError(f"{key!r} cannot be stored in a settings file")
        if value is None:
            parser.remove_option(SECTION, key)
        else:
            parser.set(SECTION, key, _to_text(value))
        if key == "mode":
            parser.remove_option(SECTION, "disabled")  # W&B's legacy spelling of mode = disabled
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        parser.write(handle)
    if parser.has_option(SECTION, "api_key"):
        os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _to_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    text = str(value)
    if "\n" in text or "\r" in text or text != text.strip() or text.startswith('"'):
        # configparser would read '# ...' continuation lines as comments and strip spaces
        return json.dumps(text, ensure_ascii=False)
    return text

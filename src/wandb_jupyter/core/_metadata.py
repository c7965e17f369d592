"""What a run records about where it ran: metadata, requirements, code.

Metadata keys follow W&B's ``wandb-metadata.json``; ``id``, ``name``,
``project``, ``entity`` and ``pid`` are added so local tools (auto-naming,
``wandb-jupyter runs``) need no server. Secrets are masked before writing.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from ..common._git import find_repo
from ..common._logging import logger
from ..common._secrets import mask, scrub
from ..settings import ResolvedSettings

__all__ = ["program_path", "build_metadata", "requirements_text", "copy_program"]

NO_MAIN_FILE = "<python with no main file>"
_SECRET_FLAG = re.compile(r"(key|token|secret|passw)", re.IGNORECASE)


def program_path(settings: ResolvedSettings) -> str | None:
    """The notebook (when known) or the script being run; None in a bare interpreter."""
    if settings.notebook_name:
        return str(settings.notebook_name)
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path:
        return None
    return str(Path(path).resolve())


def _masked_args(argv: list[str], secrets: list[str | None]) -> list[str]:
    masked: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            masked.append(mask(arg) or "")
            hide_next = False
            continue
        if arg.startswith("-") and _SECRET_FLAG.search(arg):
            if "=" in arg:
                flag, value = arg.split("=", 1)
                arg = f"{flag}={mask(value)}"
            else:
                hide_next = True
        masked.append(scrub(arg, secrets))
    return masked


def _os_name() -> str:
    """Like platform.platform() ("Linux-6.1-x86_64"), without its `uname -p` subprocess."""
    if hasattr(os, "uname"):
        info = os.uname()
        return f"{info.sysname}-{info.release}-{info.machine}"
    import platform

    return platform.platform()


def build_metadata(settings: ResolvedSettings, *, run_id: str, name: str, started: float) -> dict[str, Any]:
    import datetime as _dt

    program = program_path(settings)
    code_saved = not settings.disable_code
    metadata: dict[str, Any] = {
        "id": run_id,
        "name": name,
        "project": settings.project,
        "entity": settings.entity,
        "mode": settings.mode,
        "os": _os_name(),
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "startedAt": _dt.datetime.fromtimestamp(started, _dt.timezone.utc).isoformat(),
        "args": _masked_args(sys.argv[1:], [settings.api_key]),
        "host": settings.host,
        "pid": os.getpid(),
        "root": str(settings.dir),
        "cpu_count": os.cpu_count(),
        "tags": list(settings.tags),
    }
    origin = getattr(settings, "origin", None)
    if settings.entity and callable(origin) and origin("entity").kind in ("default", "detected"):
        metadata["entityDetected"] = True  # `wandb-jupyter sync` then lets the server choose the entity
    for key, value in (
        ("username", settings.username),
        ("email", settings.user_email),
        ("docker", settings.docker),
        ("group", settings.run_group),
        ("jobType", settings.job_type),
        ("notes", settings.notes),
        ("sweep", settings.sweep_id),
    ):
        if value:
            metadata[key] = value
    if code_saved:
        metadata["program"] = program or NO_MAIN_FILE
        if settings.notebook_name:
            metadata["notebook"] = str(settings.notebook_name)
        repo = find_repo(Path(program).parent if program and Path(program).is_absolute() else Path.cwd())
        if repo is not None:
            metadata["git"] = {"remote": repo.remote, "commit": repo.commit}
            if program and Path(program).is_absolute():
                try:
                    metadata["codePath"] = str(Path(program).relative_to(repo.root))
                except ValueError:
                    pass
    return metadata


def requirements_text() -> str:
    """``name==version`` of every installed distribution, sorted, one per line.

    Read from the ``*.dist-info`` / ``*.egg-info`` folder names on ``sys.path``
    (``name-version.dist-info``): parsing every package's METADATA through
    importlib.metadata takes ~50 ms with a hundred packages, this ~1 ms.
    """
    pins: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            if folder.endswith((".dist-info", ".egg-info")):
                name, _, version = folder.rsplit(".", 1)[0].partition("-")
                if name and version:
                    pins.setdefault(name.lower(), f"{name.replace('_', '-')}=={version.split('-')[0]}")
    return "".join(pin + "\n" for pin in sorted(pins.values(), key=str.lower))


def copy_program(program: str | None, code_dir: Path) -> Path | None:
    """Copy the script under ``code_dir`` (keeping its repo-relative path); None if there is none."""
    if not program:
        return None
    source = Path(program)
    if not source.is_file():
        logger.warning("code saving: %s was not found, so no copy of it is stored", program)
        return None
    repo = find_repo(source.parent)
    relative = Path(source.name)
    if repo is not None:
        try:
            relative = source.resolve().relative_to(repo.root)
        except ValueError:
            pass
    target = code_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    import shutil

    shutil.copy2(source, target)
    return target


def write_metadata(run: Any) -> None:
    """``wandb-metadata.json`` of ``run``, rewritten atomically (at init, and when the run is renamed)."""
    import json

    from ..rundir._rundir import METADATA, write_atomic

    metadata = build_metadata(run.settings, run_id=run.id, name=run.name, started=run.start_time)
    write_atomic(run.paths.file(METADATA), json.dumps(metadata, indent=2))

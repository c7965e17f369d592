"""Settings source: values detected at run time.

Detected values only fill settings that no file, variable or init argument
set. Detectors are cheap, never raise, and other layers (the notebook layer)
can add their own with :func:`register_detector`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..common._git import find_repo
from ..common._host import hostname
from ..common._ipython import in_kernel
from ..common._logging import logger
from ._origin import DETECTED, Origin, Value

__all__ = ["detect", "register_detector"]

#: name -> function(cwd) returning (value, how it was found) or None.
Detector = Callable[[Path], "tuple[object, str] | None"]
_DETECTORS: dict[str, list[Detector]] = {}


_NAME_UNSAFE = str.maketrans(dict.fromkeys("/\\#?%:", "-"))


def register_detector(name: str, detector: Detector, *, first: bool = False) -> None:
    """Add a detector for setting ``name``; earlier detectors win."""
    chain = _DETECTORS.setdefault(name, [])
    if detector not in chain:
        chain.insert(0, detector) if first else chain.append(detector)


def _host(cwd: Path) -> tuple[object, str] | None:
    return hostname(), "hostname"


def _project(cwd: Path) -> tuple[object, str] | None:
    repo = find_repo(cwd)
    if repo is None:
        return None
    name = repo.name.translate(_NAME_UNSAFE)[:128]
    return (name, "git repository") if name else None


def _entity(cwd: Path) -> tuple[object, str] | None:
    import getpass

    try:
        return getpass.getuser(), "local user"
    except (KeyError, OSError):
        return None


def _notebook(cwd: Path) -> tuple[object, str] | None:
    """The notebook's path and which source named it; free outside a kernel (no imports)."""
    if not in_kernel():
        return None
    from ._notebook import detect_notebook

    found = detect_notebook()
    return (found.path, found.source) if found is not None else None


register_detector("host", _host)
register_detector("project", _project)
register_detector("entity", _entity)
register_detector("notebook_name", _notebook)


def detect(names: set[str], cwd: Path) -> dict[str, Value]:
    """Run the detectors of ``names``; a failing detector is logged and skipped."""
    found: dict[str, Value] = {}
    for name in names:
        for detector in _DETECTORS.get(name, ()):
            try:
                result = detector(cwd)
            except Exception as error:  # detection must never break init
                logger.debug("detector for %s failed: %r", name, error)
                continue
            if result is not None:
                value, how = result
                found[name] = Value(value=value, origin=Origin(kind=DETECTED, detail=how))
                break
    return found

"""``__version__``: written by the build from labextension/package.json, the single version source."""

from __future__ import annotations

__all__ = ["__version__"]


def _source_version() -> str:
    """A source checkout that was never installed: read the version from the source itself."""
    import json
    from pathlib import Path

    try:
        package = Path(__file__).resolve().parents[3] / "labextension" / "package.json"
        return str(json.loads(package.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return "0+unknown"


try:
    from ._version import __version__
except ImportError:
    __version__ = _source_version()

"""Optional libraries, imported when a data type needs them and never before.

A missing one is one :class:`UsageError` that names the package to install,
not an ImportError from deep inside.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..common._errors import UsageError

__all__ = ["require", "type_name"]


def require(module: str, package: str, feature: str) -> Any:
    """``import module`` for ``feature``; UsageError naming ``pip install package`` when it is absent."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise UsageError(f"{feature} needs the {package} package: pip install {package}") from None


def type_name(value: Any) -> str:
    """``module.QualName`` of a value's type, to recognise a library's object without importing the library."""
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"

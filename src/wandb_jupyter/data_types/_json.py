"""JSON text of media files (tables, point clouds, plotly figures) as W&B writes it.

W&B writes these files compactly (no spaces) with NaN/Infinity kept, and
formats floats like Rust's shortest representation: ``1e-7`` where Python
writes ``1e-07``, ``0.000025`` where Python writes ``2.5e-05``. The same
text gives the same sha256, so the same file name as the real SDK.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["dumps", "float_text"]

_SCIENTIFIC = re.compile(r"\d[eE][+-]")


def _default(value: Any) -> Any:
    """numpy scalars and arrays, dates: what W&B's encoder also turns into JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    raise TypeError(f"values of type {type(value).__name__} cannot be stored as JSON")


_FAST = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=True, default=_default)


def float_text(value: float) -> str:
    """``value`` as W&B's JSON writer prints it."""
    text = float.__repr__(value)
    if "e" not in text or text in ("inf", "-inf", "nan"):
        return {"inf": "Infinity", "-inf": "-Infinity", "nan": "NaN"}.get(text, text)
    mantissa, exponent_text = text.split("e")
    exponent = int(exponent_text)
    if -5 <= exponent < 0:  # small numbers in plain notation: 0.000025
        sign = "-" if mantissa.startswith("-") else ""
        digits = mantissa.lstrip("-").replace(".", "")
        return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
    return f"{mantissa}e{'+' if exponent > 0 else '-'}{abs(exponent)}"


def dumps(value: Any) -> str:
    """Compact JSON; the exact-float path only when the fast text holds an exponent."""
    text = _FAST.encode(value)
    if not _SCIENTIFIC.search(text):
        return text
    iterencode = json.encoder._make_iterencode(  # type: ignore[attr-defined]
        {}, _default, json.encoder.py_encode_basestring, None, float_text, ":", ",", False, False, True
    )
    return "".join(iterencode(value, 0))

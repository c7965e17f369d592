"""Turning logged values into JSON the way W&B does, or a clear error.

Plain JSON types pass through the C encoder untouched; only unusual values
reach :func:`_convert`, so ``log()`` pays nothing for the common case.
NaN and infinities are kept (W&B's history files carry them as NaN/Infinity).

History rows are encoded with orjson when it is installed (the ``fast`` extra;
measured in bench/bench_targets.py: ~10x the stdlib C encoder on a 5-scalar row,
ahead of msgspec), imported at the first ``log()``. Its bytes are used only
where they are the stdlib's bytes. orjson writes NaN and infinities as null
and floats under 1e-4 otherwise than ``repr`` ("1e-7", "0.00005"): such floats
at the top of a row are handed to orjson as the stdlib's text (fragments) and
the row encoded again; deeper in the row, or with None values, the row goes to
the stdlib. So a history file is the same with or without orjson
(tests/core/test_encoder.py compares them on many rows).
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
import re
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from ..common._errors import UsageError

if TYPE_CHECKING:
    from ..data_types._values import MediaWriter

__all__ = ["encode_row", "encode_logged_row", "summary_media", "to_jsonable"]


class _MediaInRow(TypeError):
    """Raised by the encoder's hook at the first data type of a row: the row takes the media path.

    Rows of plain values never meet it, so finding media costs them nothing. Where media cannot
    go (config), it is the TypeError that becomes the usual clear error naming the key.
    """

    def __init__(self, value: Any) -> None:
        super().__init__(f"{type(value).__name__} values are logged with log() or set in the summary, not stored here")


def _convert(value: Any) -> Any:
    """``default=`` hook of the encoder: called only for types JSON does not know.

    Whatever a strange object raises while being looked at (a property, ``tolist()``)
    becomes the TypeError that :func:`encode_row` reports as "cannot be logged".
    """
    from ..data_types._values import is_media  # the data types load at the first unusual value, not at import

    if is_media(value):
        raise _MediaInRow(value)
    try:
        return _convert_known(value)
    except (TypeError, ValueError, RecursionError):
        raise
    except Exception as error:
        raise TypeError(f"values of type {_type_name(value)} cannot be logged ({type(error).__name__})") from None


def _type_name(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def _convert_known(value: Any) -> Any:
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # numpy/torch scalars
        return value.item()
    if hasattr(value, "tolist") and hasattr(value, "shape"):  # numpy arrays, tensors
        if hasattr(value, "detach") and hasattr(value, "numpy"):  # torch: to numpy first
            value = value.detach().cpu().numpy()
        if not hasattr(value, "size") or not hasattr(value, "dtype") or callable(value.size):
            return value.tolist()
        from ..data_types._histogram import array_to_json

        return array_to_json(value)  # counted with numpy: a 10^6-value array takes milliseconds
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, Mapping):
        return dict(value)
    if type(value).__module__ == "uuid" and type(value).__name__ == "UUID":  # as orjson writes it
        return str(value)
    raise TypeError(f"values of type {_type_name(value)} cannot be logged")


_ENCODER = json.JSONEncoder(default=_convert, separators=(",", ":"), ensure_ascii=False)


def _make_fast_encoder() -> Any:
    """The C encoder built once; ``json.dumps`` rebuilds it on every call.

    Without cycle markers a self-containing value ends in RecursionError,
    which :func:`encode_row` reports as a cycle.
    """
    from json import encoder as _json_encoder

    make = getattr(_json_encoder, "c_make_encoder", None)  # not in typeshed
    if make is None:  # interpreters without the C accelerator
        return lambda row, _level: (_ENCODER.encode(row),)
    return make(None, _convert, _json_encoder.encode_basestring, None, ":", ",", False, False, True)


_encode_fast = _make_fast_encoder()


def encode_row(row: Mapping[str, Any], what: str = "log()") -> str:
    """One JSON line (no newline) for ``row``; raises UsageError naming the bad key.

    The line is always valid UTF-8: text with a lone surrogate (which UTF-8 cannot
    store) is refused here, before anything is written. Checking costs nothing for
    ASCII rows, the common case.
    """
    try:
        line = "".join(_encode_fast(row, 0))
    except (TypeError, ValueError, RecursionError) as error:
        raise UsageError(f"{what}: {_describe(row, error)}") from None
    return _utf8_checked(line, row, what)


def _utf8_checked(line: str, row: Mapping[str, Any], what: str) -> str:
    if not line.isascii():
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(f"{what}: {_describe_surrogate(row)}") from None
    return line


def encode_logged_row(
    row: dict[str, Any], files_dir: Path, step: int, what: str = "log()"
) -> tuple[bytes, dict[str, Any], MediaWriter | None]:
    """The UTF-8 JSON line of a logged row (ending in a newline), its JSON values (for the summary), and the
    media writer, if any.

    Rows of plain values are encoded once, by orjson where it is installed (see the module's note),
    else as by :func:`encode_row`. A row with data types (``Image``, ``Table``, figures, ...) first
    writes their files under ``files/media/`` (each whole and fsynced before this returns, so before
    the row that names them); when anything in the row fails, the files it wrote are removed again
    and nothing is left behind.
    """
    if _fast_encoder is not _NO_FAST_ENCODER:
        data = _fast_line(row)
        if data is not None:
            return data, row, None
    try:
        line = "".join(_encode_fast(row, 0))  # the common case: plain values, no media
    except _MediaInRow:
        pass  # the encoder met a data type: the media path below
    except (TypeError, ValueError, RecursionError):
        return _line_bytes(encode_row(row, what)), row, None  # raises the clear error naming the key
    else:
        return _line_bytes(_utf8_checked(line, row, what)), row, None
    from ..data_types._values import MediaWriter, convert_row

    writer = MediaWriter(files_dir)
    try:
        converted = convert_row(row, writer, step, what)
        line = encode_row(converted, what)
        writer.commit()
    except BaseException:
        writer.discard()
        raise
    return _line_bytes(line), converted, writer


def _line_bytes(line: str) -> bytes:
    return (line + "\n").encode("utf-8")


def _fast_line(row: dict[str, Any]) -> bytes | None:
    """orjson's line for ``row`` where it is the stdlib's line, else None (the stdlib path decides)."""
    dumps = _orjson_dumps or _load_fast_encoder()
    if dumps is _NO_FAST_ENCODER:
        return None
    try:
        data = dumps(row, _convert, _orjson_options)
        if _same_as_stdlib(data):
            return data
        data = dumps(_floats_as_stdlib_writes_them(row), _convert, _orjson_options)
    except Exception:  # media, a big int, a surrogate, a cycle: the stdlib path decides
        return None
    return data if _same_as_stdlib(data) else None


def _same_as_stdlib(data: bytes) -> bool:
    """No ``null`` value (orjson's NaN and infinities) and no float written otherwise than by ``repr``."""
    return (
        (b"null" not in data or not _NULL_VALUE(data))
        and b"0.0000" not in data
        and (b"e-" not in data or not _SHORT_EXPONENT(data))
    )


def _floats_as_stdlib_writes_them(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with its small and non-finite floats as the stdlib's text (orjson fragments); nested values as is."""
    fragment, top = _orjson_fragment, _MAX_FLOAT
    return {  # the float test is inline: this runs for every row logging a learning rate under 1e-4
        key: fragment(_stdlib_float(value))
        if type(value) is float and value != 0.0 and not 1e-4 <= abs(value) <= top  # NaN is caught too
        else value
        for key, value in row.items()
    }


def _stdlib_float(value: float) -> bytes:
    if value != value:
        return b"NaN"
    return _INFINITE_TEXT.get(value) or repr(value).encode()


_MAX_FLOAT = 1.7976931348623157e308
_INFINITE_TEXT = {float("inf"): b"Infinity", float("-inf"): b"-Infinity"}
#: A null value (not a key or text holding "null"): orjson writes NaN and infinities so.
_NULL_VALUE = re.compile(rb"null[,}\]]").search  # patterns start with a literal: searched ~5x faster
#: orjson's float text differs from ``repr`` for one-digit negative exponents ("1e-7", not "1e-07");
#: from 1e-5 to 1e-4 it writes "0.0000..." where ``repr`` writes "1.5e-05".
_SHORT_EXPONENT = re.compile(rb"e-[1-9][,}\]]").search
_NO_FAST_ENCODER: Any = object()
_fast_encoder: Any = None  # _NO_FAST_ENCODER once orjson was found missing
_orjson_dumps: Any = None
_orjson_fragment: Any = None
_orjson_options = 0


def _load_fast_encoder() -> Any:
    """orjson's ``dumps``, or the marker when orjson is not installed.

    Imported at the first ``log()`` so that ``import wandb_jupyter`` stays light. Datetimes and
    dataclasses go through :func:`_convert` as with the stdlib (orjson would write them itself).
    """
    global _fast_encoder, _orjson_dumps, _orjson_fragment, _orjson_options
    try:
        import orjson
    except ImportError:
        _fast_encoder = _NO_FAST_ENCODER
        return _fast_encoder
    _orjson_options = orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    _orjson_fragment = orjson.Fragment
    _orjson_dumps = _fast_encoder = orjson.dumps
    return _orjson_dumps


def summary_media(key: str, value: Any, files_dir: Path) -> tuple[Any, MediaWriter]:
    """A data type set in the summary: its files written (W&B names them ``<key>_summary_<hash>``), its JSON value."""
    from ..data_types._values import MediaWriter, convert_value

    writer = MediaWriter(files_dir)
    try:
        converted = convert_value(value, writer, key, "summary")
        writer.commit()
    except BaseException:
        writer.discard()
        raise
    return converted, writer


def _shown(key: Any) -> str:
    """``repr(key)`` for a message, even when the key's own ``__repr__`` fails."""
    try:
        return repr(key)
    except Exception:
        return f"<{type(key).__name__} object>"


def _describe(row: Mapping[str, Any], error: Exception) -> str:
    for key, value in row.items():
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            return f"key {_shown(key)} is a {type(key).__name__}; keys must be strings"
        try:
            _ENCODER.encode({key: value})
        except (TypeError, ValueError, RecursionError) as inner:
            if isinstance(inner, RecursionError):
                return f"key {_shown(key)}: {_too_deep(value)}"
            return f"key {_shown(key)}: {inner}"
    return _too_deep(row) if isinstance(error, RecursionError) else str(error)


def _too_deep(value: Any) -> str:
    """Why encoding ``value`` ran out of recursion: a reference cycle, or nesting deeper than Python's stack.

    Walks the dicts, lists and tuples without recursing, keeping the containers on the current path:
    meeting one of them again is a cycle (a value shared by two branches is not).
    """
    deepest = 0
    on_path: set[int] = set()
    stack: list[tuple[int, Any]] = [(0, iter((value,)))]
    while stack:
        container_id, children = stack[-1]
        child = next(children, _END)
        if child is _END:
            stack.pop()
            on_path.discard(container_id)
            continue
        if not isinstance(child, (dict, list, tuple)):
            continue
        if id(child) in on_path:
            return "the data contains a reference cycle"
        on_path.add(id(child))
        stack.append((id(child), iter(child.values() if isinstance(child, dict) else child)))
        deepest = max(deepest, len(stack) - 1)
    return f"the value is nested {deepest} levels deep, more than can be logged (keep it under about 500 levels)"


_END = object()


def _describe_surrogate(row: Mapping[str, Any]) -> str:
    for key, value in row.items():
        try:
            _ENCODER.encode({key: value}).encode("utf-8")
        except UnicodeEncodeError:
            return f"key {_shown(key)}: text with a lone surrogate (such as '\\ud800') cannot be stored as UTF-8"
    return "text with a lone surrogate cannot be stored as UTF-8"


def to_jsonable(value: Any, what: str = "value") -> Any:
    """A plain JSON-compatible copy of ``value`` (used for config and summary)."""
    return json.loads(encode_row({"v": value}, what))["v"]

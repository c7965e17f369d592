"""From logged values to W&B's JSON: the one entry the run calls for each row and summary value.

Plain values (numbers, strings, None) are not looked at; the run asks
:func:`has_media` first, so rows of numbers pay one type check per value.
Rich values follow W&B's ``val_to_json``: a data type writes its file and
becomes its ``{"_type": ...}`` value; a list of images (or audio, html, video,
3-D objects) of one kind becomes one value (``images/separated`` ...); a
pandas DataFrame becomes a Table; a matplotlib or plotly figure is converted;
a chart from ``plot`` becomes its table under ``<key>_table`` plus its spec in
the config. A nested dict is walked, its media named by their own key.
"""

from __future__ import annotations

from typing import Any

from ..common._errors import UsageError
from ._media import BatchableMedia, Media, MediaWriter, WBValue
from ._optional import type_name

__all__ = ["has_media", "is_media", "convert_row", "convert_value", "MediaWriter"]

_PLAIN = (int, float, str, bool, type(None))


def has_media(row: dict[str, Any]) -> bool:
    """True when some value of ``row`` needs more than the JSON encoder (cheap for rows of numbers)."""
    for value in row.values():
        if type(value) in _PLAIN:
            continue
        if _rich(value):
            return True
    return False


#: Nesting deeper than this is not looked into (a dict that contains itself is the encoder's error to report).
_MAX_DEPTH = 32


def is_media(value: Any) -> bool:
    """A value that only :func:`convert_row` can store (the row encoder asks this of unusual values)."""
    if isinstance(value, (WBValue, list, tuple, dict)):
        return _rich(value)
    name = type_name(value)
    if name.startswith(("matplotlib.", "plotly.")) or getattr(value, "__name__", "") == "matplotlib.pyplot":
        return True
    return (name.startswith("pandas.") and name.endswith("DataFrame")) or _is_chart(value)


def _rich(value: Any, depth: int = 0) -> bool:
    if isinstance(value, WBValue) or _is_chart(value):
        return True
    if isinstance(value, dict):
        return depth < _MAX_DEPTH and any(type(v) not in _PLAIN and _rich(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return bool(value) and isinstance(value[0], WBValue)
    name = type_name(value)
    if name.startswith(("matplotlib.", "plotly.")) or getattr(value, "__name__", "") == "matplotlib.pyplot":
        return True
    return name.startswith("pandas.") and name.endswith("DataFrame")


def _is_chart(value: Any) -> bool:
    """A chart from ``plot`` or ``visualize``: its table is logged and its spec goes to the config."""
    from ._visualize import Visualize
    from .plot import CustomChart

    return isinstance(value, (CustomChart, Visualize))


def convert_row(row: dict[str, Any], writer: MediaWriter, step: int | str, what: str = "log()") -> dict[str, Any]:
    """A copy of ``row`` with every rich value replaced by its JSON (files written through ``writer``).

    Charts are taken out first: each adds its table under ``<key>_table`` and
    its spec to ``writer.config["visualize"]`` (a preset from ``visualize()``:
    its table under ``<key>``, its entry under ``writer.config["viz"]``), as W&B does.
    """
    row = dict(row)
    for key, chart in _pop_charts(row).items():
        writer.set_config(chart.config_section, key, chart.config_value(key))
        row[chart.table_key(key)] = chart.table
    return {key: _convert(writer, key, value, step, what) for key, value in row.items()}


def convert_value(value: Any, writer: MediaWriter, key: str, namespace: int | str, what: str = "summary") -> Any:
    """One value (a summary entry): its JSON, files written through ``writer``."""
    if _is_chart(value):
        writer.set_config(value.config_section, key, value.config_value(key))
        value = value.table
    return _convert(writer, key, value, namespace, what)


def _pop_charts(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Charts anywhere in ``row`` (nested dicts too), by dotted key, removed from where they were."""
    charts = {}
    for key in list(row):
        value = row[key]
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if _is_chart(value):
            charts[dotted] = row.pop(key)
        elif isinstance(value, dict) and _rich(value):
            row[key] = dict(value)
            charts.update(_pop_charts(row[key], dotted))
    return charts


def _convert(writer: MediaWriter, key: str, value: Any, namespace: int | str, what: str) -> Any:
    if type(value) in _PLAIN:
        return value
    try:
        return _convert_rich(writer, key, value, namespace, what)
    except UsageError as error:
        if f"key {key!r}" in str(error):
            raise
        raise UsageError(f"{what}: key {key!r}: {error}") from None


def _convert_rich(writer: MediaWriter, key: str, value: Any, namespace: int | str, what: str) -> Any:
    if isinstance(value, dict):
        return {k: _convert(writer, k, v, namespace, what) for k, v in value.items()}
    name = type_name(value)
    if name.startswith("pandas.") and name.endswith("DataFrame"):
        from ._table import Table

        value = Table(dataframe=value)
    elif name.startswith(("matplotlib.", "plotly.")) or getattr(value, "__name__", "") == "matplotlib.pyplot":
        from ._plotly import figure_media

        value = figure_media(value)
    elif isinstance(value, (list, tuple)) and value and all(isinstance(v, WBValue) for v in value):
        return _convert_list(writer, key, list(value), namespace, what)
    if isinstance(value, Media):
        if not value.is_bound(writer):
            value.bind(writer, key, namespace)
        return value.to_json(writer)
    if isinstance(value, WBValue):
        return value.to_json(writer)
    return value  # left to the row encoder (numpy arrays, dates, ...)


def _convert_list(writer: MediaWriter, key: str, items: list[Any], namespace: int | str, what: str) -> Any:
    first = items[0]
    if isinstance(first, BatchableMedia) and all(type(item) is type(first) for item in items):
        limit = getattr(first, "MAX_ITEMS", None)
        if limit is not None and len(items) > limit:
            from ..common._logging import logger

            logger.warning("Only %d %s will be uploaded.", limit, type(first).__name__)
            items = items[:limit]
        for item in items:
            item.bind(writer, key, namespace)
        return type(first).seq_to_json(items, writer, key, namespace)
    return [_convert(writer, key, item, namespace, what) for item in items]

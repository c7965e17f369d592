"""``Table``: columns and rows, written to ``media/table/<key>_<step>_<hash>.table.json``.

The file holds ``{"columns": [...], "data": [[...], ...]}`` as W&B writes it
(compact JSON, arrays as lists). A cell that holds media (an Image, Audio, ...)
is written to its own file and the cell holds that file's ``{"_type": ...}``
value; W&B 0.31 writes only the class name there (``"Image"``) and keeps the
media in a run-table artifact, which this package does not create. For the
same reason the row's value has no ``artifact_path``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..common._errors import UsageError
from ..common._logging import logger
from ._json import dumps
from ._media import Media, MediaWriter, WBValue
from ._optional import require, type_name

__all__ = ["Table"]

_LOG_MODES = ("IMMUTABLE", "MUTABLE", "INCREMENTAL")
#: Cells of these types go into the file as they are (rows of them skip the per-cell conversion).
_PLAIN = frozenset((int, float, str, bool, type(None)))


class Table(Media):
    """Rows of values under named columns: ``Table(columns=[...], data=[[...], ...])`` or ``Table(dataframe=df)``."""

    _log_type = "table-file"
    _subdir = "media/table"
    MAX_ROWS = 10000
    MAX_ARTIFACT_ROWS = 200000

    def __init__(
        self,
        columns: list[Any] | None = None,
        data: Any = None,
        rows: list[Any] | None = None,
        dataframe: Any = None,
        dtype: Any = None,
        optional: bool | list[bool] = True,
        allow_mixed_types: bool = False,
        log_mode: str | None = "IMMUTABLE",
    ) -> None:
        super().__init__()
        if log_mode not in _LOG_MODES:
            raise UsageError(f"Table: log_mode={log_mode!r}; accepted: {', '.join(_LOG_MODES)}")
        self.log_mode = log_mode
        self.data: list[list[Any]] = []
        if dataframe is not None or _is_dataframe(data):
            frame = dataframe if dataframe is not None else data
            self.columns = _check_columns(list(frame.columns))
            for values in zip(*(frame[column].values for column in self.columns)):
                self.add_data(*values)
            return
        self.columns = _check_columns(["Input", "Output", "Expected"] if columns is None else columns)
        source = data if data is not None else rows
        if source is None:
            return
        if not hasattr(source, "__iter__") or isinstance(source, (str, bytes, dict)):
            raise UsageError("Table: data must be a list of rows, a 2-D numpy array or a pandas DataFrame")
        for row in source:
            self.add_data(*row)

    # building ------------------------------------------------------------
    def add_data(self, *data: Any) -> None:
        """Append one row; it must have one value per column."""
        if len(data) != len(self.columns):
            raise UsageError(
                f"Table.add_data: this table has {len(self.columns)} columns {self.columns}, "
                f"the row has {len(data)} values"
            )
        self.data.append(list(data))
        self._path = None  # changed since it was logged: logged again in a new file (as W&B does)

    def add_column(self, name: str, data: Sequence[Any], optional: bool = False) -> None:
        """Append a column; it must have one value per row."""
        if not isinstance(name, str) or name in self.columns:
            raise UsageError(f"Table.add_column: the name must be a new string, not {name!r}")
        values = list(data)
        if self.columns and len(values) != len(self.data):
            raise UsageError(f"Table.add_column: {name!r} has {len(values)} values, the table {len(self.data)} rows")
        if not self.columns:
            self.data = [[] for _ in values]
        for row, value in zip(self.data, values):
            row.append(value)
        self.columns.append(name)
        self._path = None

    def get_column(self, name: Any, convert_to: str | None = None) -> Any:
        """The values of column ``name``; ``convert_to="numpy"`` for an array."""
        if name not in self.columns:
            raise UsageError(f"Table.get_column: no column {name!r}; the columns are {self.columns}")
        if convert_to not in (None, "numpy"):
            raise UsageError(f"Table.get_column: convert_to={convert_to!r}; accepted: None or 'numpy'")
        index = self.columns.index(name)
        values = [row[index] for row in self.data]
        if convert_to == "numpy":
            return require("numpy", "numpy", "Table.get_column(convert_to='numpy')").array(values)
        return values

    def get_dataframe(self) -> Any:
        """The table as a pandas DataFrame."""
        pandas = require("pandas", "pandas", "Table.get_dataframe()")
        return pandas.DataFrame.from_records(self.data, columns=self.columns)

    def get_index(self) -> list[int]:
        return list(range(len(self.data)))

    def iterrows(self) -> Any:
        return iter(enumerate(self.data))

    # logging -------------------------------------------------------------
    def bind(self, writer: MediaWriter, key: str, step: int | str) -> None:
        rows = self.data
        if len(rows) > self.MAX_ROWS:
            logger.warning("Truncating wandb.Table object to %d rows.", self.MAX_ROWS)
            rows = rows[: self.MAX_ROWS]
        cells = [
            row if _PLAIN.issuperset(map(type, row)) else [_cell(writer, key, step, v) for v in row] for row in rows
        ]
        try:
            text = dumps({"columns": self.columns, "data": cells})
        except (TypeError, ValueError) as error:
            raise UsageError(f"Table: a cell cannot be stored ({error})") from None
        self._set_bytes(text.encode("utf-8"), ".table.json")
        super().bind(writer, key, step)

    def to_json(self, writer: Any = None) -> dict[str, Any]:
        data = super().to_json(writer)
        data.update({"ncols": len(self.columns), "nrows": len(self.data), "log_mode": self.log_mode})
        return data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Table) and self.columns == other.columns and self.data == other.data

    def __repr__(self) -> str:
        return f"<Table {len(self.data)} rows x {len(self.columns)} columns {self.columns}>"


def _is_dataframe(value: Any) -> bool:
    return type_name(value).startswith("pandas.") and hasattr(value, "columns") and hasattr(value, "iloc")


def _check_columns(columns: Any) -> list[Any]:
    if not isinstance(columns, list) or not all(type(c) in (str, int) for c in columns):
        raise UsageError(f"Table: columns must be a list of strings or integers, not {columns!r}")
    return list(columns)


def _cell(writer: MediaWriter, key: str, step: int | str, value: Any) -> Any:
    """One cell as JSON: media written to their own files, arrays as lists, numpy scalars as numbers."""
    if isinstance(value, Media):
        if not value.is_bound(writer):
            value.bind(writer, key, step)
        return value.to_json(writer)
    if isinstance(value, WBValue):
        return value.to_json(writer)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_cell(writer, key, step, item) for item in value]
    if isinstance(value, dict):
        return {k: _cell(writer, key, step, item) for k, item in value.items()}
    if hasattr(value, "tolist"):  # numpy arrays and scalars, tensors
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value

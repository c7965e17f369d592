"""Reading the real W&B SDK's offline run log (``run-<id>.wandb``) to compare against.

The file is W&B's record log: a 7-byte header (``:W&B``, magic, version), then
32 KiB blocks of chunks, each with a 7-byte header (CRC, little-endian length,
type: full, first, middle, last); a record split across blocks is joined here.
Each record is a protobuf ``Record`` of the installed SDK.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

_BLOCK = 32768
_HEADER = 7
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4


def read_records(path: Path) -> list[Any]:
    """Every ``Record`` in a ``.wandb`` file, in order."""
    from wandb.proto import wandb_internal_pb2

    data = Path(path).read_bytes()
    assert data[:4] == b":W&B", f"{path} is not a W&B record log"
    records, parts = [], []
    offset = _HEADER
    while offset + _HEADER <= len(data):
        left_in_block = _BLOCK - offset % _BLOCK
        if left_in_block < _HEADER:
            offset += left_in_block
            continue
        _crc, length, kind = struct.unpack("<IHB", data[offset : offset + _HEADER])
        offset += _HEADER
        chunk = data[offset : offset + length]
        offset += length
        if kind == 0 and length == 0:
            continue
        parts.append(chunk)
        if kind in (_FULL, _LAST):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(b"".join(parts))
            records.append(record)
            parts = []
    return records


def history_rows(run_dir: Path) -> list[dict[str, Any]]:
    """The history rows of a real-SDK offline run, values decoded from JSON."""
    rows = []
    for record in read_records(next(Path(run_dir).glob("run-*.wandb"))):
        if record.WhichOneof("record_type") == "history":
            row: dict[str, Any] = {}
            for item in record.history.item:
                _put(row, item, json.loads(item.value_json))
            rows.append(row)
    return rows


def summary(run_dir: Path) -> dict[str, Any]:
    """The last summary values the real SDK recorded (summary records, key by key)."""
    values: dict[str, Any] = {}
    for record in read_records(next(Path(run_dir).glob("run-*.wandb"))):
        if record.WhichOneof("record_type") == "summary":
            for item in record.summary.update:
                _put(values, item, json.loads(item.value_json))
    return values


def config(run_dir: Path) -> dict[str, Any]:
    """The run's config as the real SDK last recorded it (``_wandb`` included)."""
    values: dict[str, Any] = {}
    for record in read_records(next(Path(run_dir).glob("run-*.wandb"))):
        if record.WhichOneof("record_type") == "config":
            for item in record.config.update:
                _put(values, item, json.loads(item.value_json))
    return values


def _put(target: dict[str, Any], item: Any, value: Any) -> None:
    """A record item under its key, or under its nested key path (``a`` -> ``b`` -> value)."""
    keys = [item.key] if item.key else list(item.nested_key)
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value

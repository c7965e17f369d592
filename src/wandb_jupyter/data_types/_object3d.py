"""``Object3D``: point clouds from numpy (``.pts.json``) and 3-D files (.obj, .gltf, .glb, .babylon, .stl)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from ..common._errors import UsageError
from ._json import dumps
from ._media import BatchableMedia, MediaWriter
from ._optional import require

__all__ = ["Object3D"]


class Object3D(BatchableMedia):
    """A 3-D scene: an (N, 3|4|6) array of points (x, y, z[, category | r, g, b]), a file, or a lidar/beta dict."""

    _log_type = "object3D-file"
    _subdir = "media/object3D"
    SUPPORTED_TYPES = ("obj", "gltf", "glb", "babylon", "stl", "pts.json")
    SUPPORTED_POINT_CLOUD_TYPES = ("lidar/beta",)

    def __init__(self, data_or_path: Any, caption: str | None = None, **kwargs: Any) -> None:
        super().__init__(caption=caption)
        if hasattr(data_or_path, "read") and isinstance(getattr(data_or_path, "name", None), str):
            data_or_path = data_or_path.name  # an open file: its path, as W&B reads it
        if hasattr(data_or_path, "read"):
            extension = kwargs.pop("file_type", None)
            if extension not in self.SUPPORTED_TYPES:
                raise UsageError(f"Object3D: an open file needs file_type=, one of {', '.join(self.SUPPORTED_TYPES)}")
            if hasattr(data_or_path, "seek"):
                data_or_path.seek(0)
            content = data_or_path.read()
            self._set_bytes(content.encode("utf-8") if isinstance(content, str) else content, f".{extension}")
        elif isinstance(data_or_path, (str, os.PathLike)):
            path = os.fspath(data_or_path)
            extension = next((t for t in self.SUPPORTED_TYPES if path.endswith(t)), None)
            if extension is None:
                raise UsageError(f"Object3D: {path} is not a 3-D file; accepted: {', '.join(self.SUPPORTED_TYPES)}")
            self._set_file(path, f".{extension}")
        elif isinstance(data_or_path, dict) and "type" in data_or_path:
            if data_or_path["type"] not in self.SUPPORTED_POINT_CLOUD_TYPES:
                raise UsageError(f"Object3D: point cloud type {data_or_path['type']!r}; accepted: lidar/beta")
            scene: dict[str, Any] = {"type": data_or_path["type"]}
            for name in ("vectors", "points", "boxes"):
                value: Any = data_or_path.get(name)
                scene[name] = value.tolist() if hasattr(value, "tolist") else list(value or [])
            self._set_bytes(dumps(scene).encode("utf-8"), ".pts.json")
        else:
            points = _points(data_or_path)
            self._set_bytes(dumps(points.tolist()).encode("utf-8"), ".pts.json")

    @classmethod
    def from_file(cls, data_or_path: Any, file_type: str | None = None) -> Object3D:
        return cls(data_or_path, file_type=file_type)

    @classmethod
    def from_numpy(cls, data: Any) -> Object3D:
        return cls(_points(data))

    @classmethod
    def from_point_cloud(
        cls,
        points: Sequence[Any],
        boxes: Sequence[Any],
        vectors: Sequence[Any] | None = None,
        point_cloud_type: str = "lidar/beta",
    ) -> Object3D:
        np = require("numpy", "numpy", "Object3D.from_point_cloud")
        return cls(
            {
                "type": point_cloud_type,
                "points": np.array(points),
                "boxes": np.array(boxes),
                "vectors": np.array(vectors) if vectors is not None else np.array([]),
            }
        )

    @classmethod
    def seq_to_json(cls, items: list[Any], writer: MediaWriter, key: str, step: int | str) -> dict[str, Any]:
        jsons = [item.to_json(writer) for item in items]
        return {
            "_type": "object3D",
            "filenames": [os.path.relpath(j["path"], cls._subdir) for j in jsons],
            "count": len(jsons),
            "objects": jsons,
        }


def _points(data: Any) -> Any:
    np = require("numpy", "numpy", "wandb_jupyter.Object3D of points")
    if not isinstance(data, np.ndarray):
        raise UsageError(
            f"Object3D: pass a numpy array of points, a 3-D file path, an open file or a lidar/beta "
            f"dict, not {type(data).__name__}"
        )
    if data.ndim != 2 or data.shape[1] not in (3, 4, 6):
        raise UsageError(
            f"Object3D: points of shape {list(data.shape)}; accepted: (N, 3) x y z, (N, 4) with a "
            "category, (N, 6) with r g b"
        )
    if data.dtype.kind in "f" and not np.isfinite(data).all():
        raise UsageError("Object3D: the points hold NaN or infinite values")
    return data

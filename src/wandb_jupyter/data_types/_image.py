"""``Image`` with its masks, boxes and classes, written as W&B writes them.

The pixels go through the same Pillow calls as W&B 0.31 (``fromarray``,
``convert(mode)``, ``save(..., transparency=None)``), so a uint8 array gives
the same PNG bytes, hash and file name as the real SDK. Two deliberate
differences, both where 0.31 silently writes a wrong picture: float arrays in
[0, 1] are scaled to 0..255 (0.31 casts them to 0 and 1, a black image), and
values outside what an image can hold (NaN, negative, over 255) are refused.
A channels-first array (``CHW``) is turned to ``HWC`` (0.31 does that for
torch tensors only).
"""

from __future__ import annotations

import io
import numbers
import os
from collections.abc import Mapping, Sequence
from typing import Any

from ..common._errors import UsageError
from ..common._logging import logger
from ._json import dumps
from ._media import BatchableMedia, Media, MediaWriter
from ._optional import require, type_name

__all__ = ["Image", "ImageMask", "BoundingBoxes2D", "Classes"]

_FILE_TYPES = ("png", "jpg", "jpeg", "bmp")
_PIL_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "bmp": "BMP"}


def _pil() -> Any:
    return require("PIL.Image", "pillow", "wandb_jupyter.Image")


def _numpy(feature: str) -> Any:
    return require("numpy", "numpy", feature)


class Classes:
    """The class ids and names of an image's masks and boxes: ``[{"id": 1, "name": "cat"}, ...]``."""

    _log_type = "classes"

    def __init__(self, class_set: Sequence[Mapping[str, Any]]) -> None:
        for item in class_set:
            if not isinstance(item, Mapping) or "id" not in item or "name" not in item:
                raise UsageError('Classes: each class is a dict with "id" and "name", such as {"id": 1, "name": "cat"}')
        self._class_set = [dict(item) for item in class_set]

    def to_json(self, writer: Any = None) -> dict[str, Any]:
        return {"_type": self._log_type, "class_set": self._class_set}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Classes) and self._class_set == other._class_set


def _check_class_labels(owner: str, labels: Any) -> dict[Any, str]:
    if not isinstance(labels, Mapping) or not all(
        isinstance(k, numbers.Number) and isinstance(v, str) for k, v in labels.items()
    ):
        raise UsageError(f"{owner}: class_labels must be a dict of numbers to strings, such as {{0: 'cat'}}")
    return dict(labels)


class ImageMask(Media):
    """A segmentation mask over an image: ``{"mask_data": 2-D array of 0..255, "class_labels": {...}}``."""

    _log_type = "mask"
    _subdir = "media/images/mask"

    def __init__(self, val: Mapping[str, Any], key: str) -> None:
        super().__init__()
        self._key = key
        self._class_labels: dict[Any, str] | None = None
        if "path" in val:
            self._set_file(val["path"], ".mask.png")
            return
        if "mask_data" not in val:
            raise UsageError(f'mask {key!r}: needs "mask_data", a 2-D array of class ids (0..255), or "path"')
        np = _numpy("an image mask")
        data = val["mask_data"]
        if hasattr(data, "cpu") and hasattr(data, "numpy"):  # torch tensors
            data = data.cpu().numpy()
        data = np.asarray(data)
        if data.ndim != 2:
            raise UsageError(f"mask {key!r}: mask_data must be a 2-D array, not shape {list(data.shape)}")
        if data.dtype.kind not in "biuf" or not ((data >= 0).all() and (data <= 255).all()):
            raise UsageError(f"mask {key!r}: mask_data must hold integers between 0 and 255")
        if "class_labels" in val:
            self._class_labels = _check_class_labels(f"mask {key!r}", val["class_labels"])
        else:
            self._class_labels = {c: f"class_{c}" for c in np.unique(data).astype(np.int32).tolist()}
        buffer = io.BytesIO()
        _pil().fromarray(data.astype(np.int8)).convert("L").save(buffer, format="PNG", transparency=None)
        self._set_bytes(buffer.getvalue(), ".mask.png")

    def bind(self, writer: MediaWriter, key: str, step: int | str) -> None:
        super().bind(writer, key, step)
        if self._class_labels is not None:
            name = f"{key}_wandb_delimeter_{self._key}"  # W&B's spelling
            writer.set_config(
                "mask/class_labels", name, {"type": "mask/class_labels", "key": name, "value": self._class_labels}
            )

    def to_json(self, writer: Any = None) -> dict[str, Any]:
        return super().to_json(writer)


def _has_number(position: Mapping[str, Any], name: str) -> bool:
    return isinstance(position.get(name), numbers.Number)


class BoundingBoxes2D(Media):
    """Boxes drawn over an image: ``{"box_data": [{"position": {...}, "class_id": 1, ...}], "class_labels": {...}}``."""

    _log_type = "boxes2D"
    _subdir = "media/metadata/boxes2D"

    def __init__(self, val: Mapping[str, Any], key: str) -> None:
        super().__init__()
        self._key = key
        boxes = val.get("box_data") if isinstance(val, Mapping) else None
        if not isinstance(boxes, list):
            raise UsageError(f'boxes {key!r}: needs "box_data", a list of boxes')
        for box in boxes:
            _check_box(key, box)
        if "class_labels" in val:
            self._class_labels = _check_class_labels(f"boxes {key!r}", val["class_labels"])
        else:
            ids = sorted({int(box["class_id"]) for box in boxes if "class_id" in box})
            self._class_labels = {c: f"class_{c}" for c in ids}
        self._val = [dict(box) for box in boxes]
        self._set_bytes(dumps(_plain(dict(val))).encode("utf-8"), ".boxes2D.json")

    def bind(self, writer: MediaWriter, key: str, step: int | str) -> None:
        super().bind(writer, key, step)
        name = f"{key}_wandb_delimeter_{self._key}"
        writer.set_config(
            "bounding_box/class_labels",
            name,
            {"type": "bounding_box/class_labels", "key": name, "value": self._class_labels},
        )


def _plain(value: Any) -> Any:
    """Lists for arrays (box coordinates given as numpy or torch)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def _check_box(key: str, box: Any) -> None:
    accepted = (
        'each box needs "position" with "middle" [x, y], "width" and "height", or "minX", "maxX", "minY" and "maxY"'
    )
    position = box.get("position") if isinstance(box, Mapping) else None
    if not isinstance(position, Mapping):
        raise UsageError(f"boxes {key!r}: {accepted}")
    middle = position.get("middle")
    centred = (
        middle is not None and len(middle) == 2 and _has_number(position, "width") and _has_number(position, "height")
    )
    cornered = all(_has_number(position, name) for name in ("minX", "maxX", "minY", "maxY"))
    if not (centred or cornered):
        raise UsageError(f"boxes {key!r}: {accepted}")
    if "scores" in box and not (
        isinstance(box["scores"], Mapping)
        and all(isinstance(k, str) and isinstance(v, numbers.Number) for k, v in box["scores"].items())
    ):
        raise UsageError(f"boxes {key!r}: a box's scores must be a dict of names to numbers")
    if "class_id" in box and not isinstance(box["class_id"], int):
        raise UsageError(f"boxes {key!r}: a box's class_id must be an integer")
    if "box_caption" in box and not isinstance(box["box_caption"], str):
        raise UsageError(f"boxes {key!r}: a box's box_caption must be a string")


class Image(BatchableMedia):
    """An image: a numpy array (HW, HWC, CHW), a PIL image, a matplotlib figure or a file path.

    Arrays: uint8 as is; floats in [0, 1] are scaled to 0..255, floats in (1, 255] kept;
    1, 3 or 4 channels (L, RGB, RGBA). ``file_type``: png (default), jpg, jpeg, bmp.
    """

    _log_type = "image-file"
    _subdir = "media/images"
    MAX_ITEMS = 108
    MAX_DIMENSION = 65500

    def __init__(
        self,
        data_or_path: Any,
        mode: str | None = None,
        caption: str | None = None,
        grouping: int | None = None,
        classes: Classes | Sequence[Mapping[str, Any]] | None = None,
        boxes: Mapping[str, Any] | None = None,
        masks: Mapping[str, Any] | None = None,
        file_type: str | None = None,
    ) -> None:
        super().__init__(caption=caption)
        self._grouping = grouping
        self._width: int | None = None
        self._height: int | None = None
        self._classes: Classes | None = None
        self._boxes: dict[str, BoundingBoxes2D] | None = None
        self._masks: dict[str, ImageMask] | None = None
        self.format = "png"
        if isinstance(data_or_path, Image):
            self._copy_from(data_or_path)
        elif isinstance(data_or_path, (str, os.PathLike)):
            self._from_path(os.fspath(data_or_path))
        else:
            self._from_data(data_or_path, mode, file_type)
        self._set_annotations(classes, boxes, masks)

    # sources -------------------------------------------------------------
    def _copy_from(self, other: Image) -> None:
        self._content, self._source, self._extension = other._content, other._source, other._extension
        self._sha256, self._size = other._sha256, other._size
        self._width, self._height, self.format = other._width, other._height, other.format
        self._grouping = self._grouping if self._grouping is not None else other._grouping
        self._caption = self._caption if self._caption is not None else other._caption
        self._classes = other._classes

    def _from_path(self, path: str) -> None:
        pil = _pil()
        if path.startswith(("http://", "https://", "s3://", "gs://")):
            raise UsageError(f"Image: references to remote files ({path}) are not supported; pass a local path")
        self._set_file(path)
        try:
            with pil.open(path) as picture:
                picture.load()
                self._width, self._height = picture.size
        except (OSError, SyntaxError, ValueError) as error:
            raise UsageError(f"Image: {path} is not an image Pillow can read ({error})") from None
        self.format = os.path.splitext(path)[1][1:]

    def _from_data(self, data: Any, mode: str | None, file_type: str | None) -> None:
        pil = _pil()
        self.format = file_type or "png"
        if self.format not in _FILE_TYPES:
            raise UsageError(f"Image: file_type={file_type!r}; accepted: {', '.join(_FILE_TYPES)}")
        if type_name(data).startswith("matplotlib.") or getattr(data, "__name__", "") == "matplotlib.pyplot":
            buffer = io.BytesIO()
            figure_of(data).savefig(buffer, format=self.format)
            picture = pil.open(buffer)
        elif isinstance(data, pil.Image):
            picture = data
        else:
            array = _pixels(data)
            chosen = mode or _guess_mode(array, file_type)
            try:
                picture = pil.fromarray(array).convert(chosen)
            except ValueError as error:
                raise UsageError(
                    f"Image: mode={chosen!r} does not fit this array ({error}); accepted: Pillow's modes "
                    "such as L, RGB, RGBA"
                ) from None
        buffer = io.BytesIO()
        picture.save(buffer, format=_PIL_FORMATS[self.format], transparency=None)
        self._width, self._height = picture.size
        self._set_bytes(buffer.getvalue(), f".{self.format}")

    def _set_annotations(self, classes: Any, boxes: Any, masks: Any) -> None:
        if boxes:
            if not isinstance(boxes, Mapping):
                raise UsageError('Image: boxes must be a dict, such as {"predictions": {"box_data": [...]}}')
            self._boxes = {k: b if isinstance(b, BoundingBoxes2D) else BoundingBoxes2D(b, k) for k, b in boxes.items()}
        if masks:
            if not isinstance(masks, Mapping):
                raise UsageError('Image: masks must be a dict, such as {"predictions": {"mask_data": array}}')
            self._masks = {k: m if isinstance(m, ImageMask) else ImageMask(m, k) for k, m in masks.items()}
        if classes is not None:
            self._classes = classes if isinstance(classes, Classes) else Classes(classes)

    # logging -------------------------------------------------------------
    @property
    def image(self) -> Any:
        """The picture as a PIL image (opened from the encoded bytes)."""
        pil = _pil()
        source = io.BytesIO(self._content) if self._content is not None else self._source
        picture = pil.open(source)
        picture.load()
        return picture

    def bind(self, writer: MediaWriter, key: str, step: int | str) -> None:
        super().bind(writer, key, step)
        for item in list((self._boxes or {}).values()) + list((self._masks or {}).values()):
            item.bind(writer, key, step)

    def to_json(self, writer: Any = None) -> dict[str, Any]:
        data = super().to_json(writer)
        data["format"] = self.format
        if self._width is not None:
            data["width"] = self._width
        if self._height is not None:
            data["height"] = self._height
        if self._grouping:
            data["grouping"] = self._grouping
        if self._boxes:
            data["boxes"] = {k: box.to_json(writer) for k, box in self._boxes.items()}
        if self._masks:
            data["masks"] = {k: mask.to_json(writer) for k, mask in self._masks.items()}
        return data

    @classmethod
    def seq_to_json(cls, items: list[Any], writer: MediaWriter, key: str, step: int | str) -> dict[str, Any]:
        """W&B's ``images/separated`` value: one file per image, sizes and captions side by side."""
        jsons = [item.to_json(writer) for item in items]
        width, height = items[0]._width, items[0]._height
        if any((item._width, item._height) != (width, height) for item in items):
            logger.warning("log(): the images under %r differ in size; W&B shows them scaled to the first", key)
        value: dict[str, Any] = {
            "_type": "images/separated",
            "width": width,
            "height": height,
            "format": jsons[0]["format"],
            "count": len(items),
            "filenames": [j.get("path") for j in jsons],
        }
        if items[0]._caption is not None:
            value["captions"] = [item._caption for item in items]
        masks = [{k: m.to_json(writer) for k, m in item._masks.items()} if item._masks else None for item in items]
        if any(m is not None for m in masks):
            value["all_masks"] = masks
        boxes = [{k: b.to_json(writer) for k, b in item._boxes.items()} if item._boxes else None for item in items]
        if any(b is not None for b in boxes):
            value["all_boxes"] = boxes
        return value


def figure_of(value: Any) -> Any:
    """The matplotlib Figure behind ``value`` (a Figure, an Axes or other artist, or ``pyplot`` itself)."""
    if getattr(value, "__name__", "") == "matplotlib.pyplot":
        return value.gcf()
    if hasattr(value, "savefig"):
        return value
    figure = getattr(value, "figure", None) or (value.get_figure() if hasattr(value, "get_figure") else None)
    if figure is None:
        raise UsageError(f"a matplotlib {type(value).__name__} that belongs to no figure cannot be logged")
    return figure


def _pixels(data: Any) -> Any:
    """``data`` as a uint8 array of shape HW or HWC, or UsageError saying what is accepted."""
    np = _numpy("wandb_jupyter.Image of an array")
    if hasattr(data, "detach") and hasattr(data, "cpu"):  # torch tensors: channels first
        data = data.detach().cpu().numpy()
        if data.ndim == 3:
            data = data.transpose(1, 2, 0)
    elif hasattr(data, "numpy") and not isinstance(data, np.ndarray):  # TF eager tensors
        data = data.numpy()
    try:
        array = np.asarray(data)
    except Exception:
        raise UsageError(
            f"Image: cannot read pixels from a {type(data).__name__}; pass a numpy array, a PIL "
            "image, a matplotlib figure or a file path"
        ) from None
    if array.ndim > 2:
        array = array.squeeze()
    if array.ndim == 3 and array.shape[-1] not in (1, 3, 4) and array.shape[0] in (1, 3, 4):
        array = array.transpose(1, 2, 0)  # CHW -> HWC
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)) or 0 in array.shape:
        raise UsageError(
            f"Image: an array of shape {list(array.shape)} is not an image; accepted: HW, HWC or CHW "
            "with 1, 3 or 4 channels"
        )
    return _to_uint8(np, array)


def _to_uint8(np: Any, array: Any) -> Any:
    kind = array.dtype.kind
    if kind == "b":
        return array.astype(np.uint8) * 255
    if array.dtype == np.uint8:
        return array
    if kind not in "iuf":
        raise UsageError(
            f"Image: arrays of dtype {array.dtype} are not images; accepted: uint8, integers in "
            "0..255, floats in [0, 1] or [0, 255]"
        )
    if kind == "f" and not np.isfinite(array).all():
        raise UsageError("Image: the array holds NaN or infinite values; accepted: floats in [0, 1] or [0, 255]")
    low, high = array.min(), array.max()
    if low < 0 or high > 255:
        raise UsageError(
            f"Image: values from {low} to {high}; accepted: uint8, integers in 0..255, floats in [0, 1] or [0, 255]"
        )
    if kind == "f" and high <= 1.0:
        array = array * 255
    return array.astype(np.uint8)


def _guess_mode(array: Any, file_type: str | None) -> str:
    if array.ndim == 2:
        return "L"
    if array.shape[-1] == 3:
        return "RGB"
    if file_type in ("jpg", "jpeg"):
        logger.warning("JPEG does not store transparency: the alpha channel is left out")
        return "RGB"
    return "RGBA"

"""``Video``: a video file (gif, mp4, webm, ogg), or numpy frames encoded as GIF with Pillow.

W&B encodes frames with moviepy and imageio; here GIF needs only Pillow (a
light encoder). mp4/webm/ogg from frames need imageio with its ffmpeg plugin
(``pip install imageio[ffmpeg]``), else one clear error.
"""

from __future__ import annotations

import io
import os
from typing import Any

from ..common._errors import UsageError
from ._media import BatchableMedia, MediaWriter
from ._optional import require

__all__ = ["Video"]


class Video(BatchableMedia):
    """``Video("clip.mp4")`` or ``Video(frames, fps=4, format="gif")``, frames shaped (time, channel, height, width)."""

    _log_type = "video-file"
    _subdir = "media/videos"
    EXTS = ("gif", "mp4", "webm", "ogg")

    def __init__(
        self, data_or_path: Any, caption: str | None = None, fps: int | None = None, format: str | None = None
    ) -> None:
        super().__init__(caption=caption)
        self._width: int | None = None
        self._height: int | None = None
        self._channels: int | None = None
        if isinstance(data_or_path, (str, os.PathLike)):
            path = os.fspath(data_or_path)
            extension = os.path.splitext(path)[1][1:].lower()
            if extension not in self.EXTS:
                raise UsageError(f"Video: {path} is not a video file; accepted: {', '.join(self.EXTS)}")
            self._format = extension
            self._set_file(path)
            return
        if hasattr(data_or_path, "read"):
            self._format = _require_format(format)
            self._set_bytes(data_or_path.read(), f".{self._format}")
            return
        self._format = _require_format(format)
        frames = _frames(data_or_path)
        _, self._height, self._width, self._channels = frames.shape
        self._set_bytes(_encode(frames, self._format, fps or 4), f".{self._format}")

    def to_json(self, writer: Any = None) -> dict[str, Any]:
        data = super().to_json(writer)
        if self._width is not None:
            data["width"] = self._width
        if self._height is not None:
            data["height"] = self._height
        return data

    @classmethod
    def seq_to_json(cls, items: list[Any], writer: MediaWriter, key: str, step: int | str) -> dict[str, Any]:
        captions = [v._caption for v in items]
        return {
            "_type": "videos",
            "count": len(items),
            "videos": [v.to_json(writer) for v in items],
            "captions": False if all(c is None for c in captions) else captions,
        }


def _require_format(format: str | None) -> str:
    if format not in Video.EXTS:
        raise UsageError(f"Video: frames or bytes need format=, one of {', '.join(Video.EXTS)} (not {format!r})")
    return format


def _frames(data: Any) -> Any:
    """(time, height, width, channels) uint8 from (time, channels, height, width) or a batch of those, as W&B tiles."""
    np = require("numpy", "numpy", "wandb_jupyter.Video of frames")
    video = np.asarray(data.numpy() if hasattr(data, "numpy") and not isinstance(data, np.ndarray) else data)
    if video.ndim not in (4, 5):
        raise UsageError(
            f"Video: frames of shape {list(video.shape)}; accepted: (time, channel, height, width) or "
            "(batch, time, channel, height, width)"
        )
    if video.ndim == 4:
        video = video.reshape(1, *video.shape)
    if video.dtype != np.uint8:
        video = video.astype(np.uint8)
    batch, time, channels, height, width = video.shape
    if channels not in (1, 3, 4):
        raise UsageError(f"Video: {channels} channels; accepted: 1, 3 or 4")
    if batch & (batch - 1):  # pad the batch to a power of two, then tile it in a grid
        padding = 2 ** batch.bit_length() - batch
        video = np.concatenate((video, np.zeros((padding, time, channels, height, width), dtype=np.uint8)), axis=0)
    rows = 2 ** ((video.shape[0].bit_length() - 1) // 2)
    cols = video.shape[0] // rows
    video = video.reshape(rows, cols, time, channels, height, width).transpose(2, 0, 4, 1, 5, 3)
    return video.reshape(time, rows * height, cols * width, channels)


def _encode(frames: Any, format: str, fps: int) -> bytes:
    if format == "gif":
        pil = require("PIL.Image", "pillow", "wandb_jupyter.Video as GIF")
        pictures = [pil.fromarray(f[:, :, 0] if f.shape[-1] == 1 else f) for f in frames]
        buffer = io.BytesIO()
        pictures[0].save(
            buffer, format="GIF", save_all=True, append_images=pictures[1:], loop=0, duration=int(1000 / fps)
        )
        return buffer.getvalue()
    imageio = require("imageio.v2", "imageio[ffmpeg]", f"wandb_jupyter.Video as {format}")
    buffer = io.BytesIO()
    try:
        imageio.mimwrite(buffer, list(frames), format=format, fps=fps)
    except Exception as error:
        raise UsageError(
            f"Video: encoding {format} needs imageio's ffmpeg plugin: pip install imageio[ffmpeg] ({error})"
        ) from None
    return buffer.getvalue()

"""``Audio``: a numpy array with its sample rate (written as 16-bit PCM WAV with the stdlib ``wave``) or a file.

Floats in [-1, 1] become 16-bit samples the way libsndfile (W&B's writer,
through soundfile) makes them: scaled by 32768, rounded down, clipped to the
int16 range; so the WAV bytes, the hash and the file name are the real SDK's.
"""

from __future__ import annotations

import io
import os
import wave
from typing import Any

from ..common._errors import UsageError
from ._media import BatchableMedia, MediaWriter
from ._optional import require

__all__ = ["Audio"]


class Audio(BatchableMedia):
    """Sound: ``Audio(array, sample_rate=16000, caption=...)`` or ``Audio("clip.wav")``."""

    _log_type = "audio-file"
    _subdir = "media/audio"

    def __init__(self, data_or_path: Any, sample_rate: int | None = None, caption: str | None = None) -> None:
        super().__init__(caption=caption)
        self._duration: float | None = None
        self._sample_rate = sample_rate
        if isinstance(data_or_path, (str, os.PathLike)):
            path = os.fspath(data_or_path)
            if path.startswith(("http://", "https://", "s3://", "gs://")):
                raise UsageError(f"Audio: references to remote files ({path}) are not supported; pass a local path")
            self._set_file(path)
            return
        if sample_rate is None or isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate <= 0:
            raise UsageError("Audio: an array needs sample_rate=, a positive integer (samples per second)")
        samples = _pcm16(data_or_path)
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1 if samples.ndim == 1 else samples.shape[1])
            out.setsampwidth(2)
            out.setframerate(sample_rate)
            out.writeframes(samples.astype("<i2").tobytes())
        self._duration = len(samples) / float(sample_rate)
        self._set_bytes(buffer.getvalue(), ".wav")

    @classmethod
    def seq_to_json(cls, items: list[Any], writer: MediaWriter, key: str, step: int | str) -> dict[str, Any]:
        value: dict[str, Any] = {"_type": "audio", "count": len(items), "audio": [a.to_json(writer) for a in items]}
        rates = [a._sample_rate for a in items]
        if rates:
            value["sampleRates"] = rates
        durations = [a._duration for a in items]
        if durations:
            value["durations"] = durations
        captions = [a._caption for a in items]
        if not all(c is None for c in captions):
            value["captions"] = ["" if c is None else c for c in captions]
        return value


def _pcm16(data: Any) -> Any:
    np = require("numpy", "numpy", "wandb_jupyter.Audio of an array")
    try:
        array = np.asarray(data)
    except Exception:
        raise UsageError(f"Audio: cannot read samples from a {type(data).__name__}; pass a numpy array") from None
    if array.ndim not in (1, 2) or array.size == 0:
        raise UsageError(
            f"Audio: an array of shape {list(array.shape)} is not sound; accepted: (samples,) or (samples, channels)"
        )
    if array.dtype == np.int16:
        return array
    if array.dtype.kind != "f":
        raise UsageError(f"Audio: samples of dtype {array.dtype}; accepted: floats in [-1, 1] or int16")
    if not np.isfinite(array).all():
        raise UsageError("Audio: the samples hold NaN or infinite values; accepted: floats in [-1, 1]")
    return np.clip(np.floor(array.astype(np.float64) * 32768.0), -32768, 32767).astype(np.int16)

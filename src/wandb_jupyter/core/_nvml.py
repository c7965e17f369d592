"""GPU readings through NVIDIA's NVML library, loaded with ctypes.

No Python binding is needed: when ``libnvidia-ml.so.1`` (or ``nvml.dll``) is
absent, :func:`open_nvml` returns None and no GPU metrics are recorded.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

__all__ = ["Nvml", "open_nvml"]


class _Utilization(ctypes.Structure):
    _fields_ = [("gpu", ctypes.c_uint), ("memory", ctypes.c_uint)]


class _Memory(ctypes.Structure):
    _fields_ = [("total", ctypes.c_ulonglong), ("free", ctypes.c_ulonglong), ("used", ctypes.c_ulonglong)]


_TEMPERATURE_GPU = 0


class Nvml:
    """An initialised NVML; :meth:`sample` returns W&B-style ``system.gpu.*`` keys."""

    def __init__(self, lib: Any) -> None:
        self._lib = lib
        count = ctypes.c_uint()
        self._check(lib.nvmlDeviceGetCount_v2(ctypes.byref(count)))
        self._handles = []
        for index in range(count.value):
            handle = ctypes.c_void_p()
            self._check(lib.nvmlDeviceGetHandleByIndex_v2(index, ctypes.byref(handle)))
            self._handles.append(handle)

    @staticmethod
    def _check(code: int) -> None:
        if code != 0:
            raise OSError(f"NVML error {code}")

    @property
    def device_count(self) -> int:
        return len(self._handles)

    def names(self) -> list[str]:
        names = []
        for handle in self._handles:
            buffer = ctypes.create_string_buffer(96)
            self._lib.nvmlDeviceGetName(handle, buffer, 96)
            names.append(buffer.value.decode(errors="replace"))
        return names

    def sample(self) -> dict[str, float]:
        metrics: dict[str, float] = {}
        for index, handle in enumerate(self._handles):
            key = f"system.gpu.{index}."
            utilization, memory = _Utilization(), _Memory()
            if self._lib.nvmlDeviceGetUtilizationRates(handle, ctypes.byref(utilization)) == 0:
                metrics[key + "gpu"] = float(utilization.gpu)
                metrics[key + "memory"] = float(utilization.memory)
            if self._lib.nvmlDeviceGetMemoryInfo(handle, ctypes.byref(memory)) == 0 and memory.total:
                metrics[key + "memoryAllocated"] = 100.0 * memory.used / memory.total
                metrics[key + "memoryAllocatedBytes"] = float(memory.used)
            temperature = ctypes.c_uint()
            if self._lib.nvmlDeviceGetTemperature(handle, _TEMPERATURE_GPU, ctypes.byref(temperature)) == 0:
                metrics[key + "temp"] = float(temperature.value)
            milliwatts = ctypes.c_uint()
            if self._lib.nvmlDeviceGetPowerUsage(handle, ctypes.byref(milliwatts)) == 0:
                metrics[key + "powerWatts"] = milliwatts.value / 1000.0
        return metrics

    def close(self) -> None:
        self._lib.nvmlShutdown()


def open_nvml() -> Nvml | None:
    """An initialised NVML with at least one device, or None. Never raises."""
    name = "nvml.dll" if sys.platform == "win32" else "libnvidia-ml.so.1"
    try:
        lib = ctypes.CDLL(name)
        if lib.nvmlInit_v2() != 0:
            return None
        nvml = Nvml(lib)
    except (OSError, AttributeError):
        return None
    if nvml.device_count == 0:
        nvml.close()
        return None
    return nvml

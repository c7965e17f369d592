"""System metrics: a light sampler thread writing ``wandb-events.jsonl``.

Each row holds W&B's ``system.*`` keys (cpu %, memory %, process RSS, disk %,
and per-GPU utilisation, memory, temperature and power when NVML finds a GPU),
plus ``_timestamp`` and ``_runtime``. The thread wakes every ``interval``
seconds and stops promptly at ``finish()``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..common._logging import internal_error, logger
from ..rundir._rundir import JsonlAppender
from ._serialize import encode_row

__all__ = ["SystemMonitor", "sample_once"]


class _Sampler:
    def __init__(self, disk_path: Path) -> None:
        import psutil  # deferred: only runs that sample pay for it

        from ._nvml import open_nvml

        self._psutil = psutil
        self._process = psutil.Process()
        self._disk_path = str(disk_path)
        self._nvml = open_nvml()
        psutil.cpu_percent(None)  # primes the counters so the first sample is meaningful
        self._process.cpu_percent(None)

    def sample(self) -> dict[str, float]:
        psutil = self._psutil
        memory = psutil.virtual_memory()
        with self._process.oneshot():
            rss = self._process.memory_info().rss
            metrics = {
                "system.cpu": psutil.cpu_percent(None),
                "system.memory": memory.percent,
                "system.proc.memory.availableMB": memory.available / 2**20,
                "system.proc.memory.rssMB": rss / 2**20,
                "system.proc.memory.percent": 100.0 * rss / memory.total,
                "system.proc.cpu.threads": float(self._process.num_threads()),
                "system.proc.cpu.percent": self._process.cpu_percent(None),
            }
        try:
            metrics["system.disk"] = psutil.disk_usage(self._disk_path).percent
        except OSError:
            pass
        if self._nvml is not None:
            try:
                metrics.update(self._nvml.sample())
            except OSError as error:
                logger.debug("GPU sampling failed: %s", error)
        return metrics

    def close(self) -> None:
        if self._nvml is not None:
            self._nvml.close()


def sample_once(disk_path: Path) -> dict[str, float]:
    """One sample, for ``wandb-jupyter`` diagnostics and tests."""
    sampler = _Sampler(disk_path)
    try:
        time.sleep(0.05)
        return sampler.sample()
    finally:
        sampler.close()


class SystemMonitor:
    """Samples every ``interval`` seconds into ``events_path`` until :meth:`stop`."""

    def __init__(
        self,
        events_path: Path,
        *,
        interval: float,
        disk_path: Path,
        runtime: Callable[[], float],
        reporting: bool = True,
        first: Callable[[], None] | None = None,
        on_write_error: Callable[[Path, OSError], None] | None = None,
        sample: bool = True,
    ) -> None:
        self._sample = sample  # False: only the one-off work (W&B's x_disable_stats)
        self._reporting = reporting
        self._first = first
        self._on_write_error = on_write_error
        self._events = JsonlAppender(events_path)
        self._interval = interval
        self._disk_path = disk_path
        self._runtime = runtime
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="wandb-system-metrics", daemon=True)

    def start(self) -> None:
        self._events.open()  # the file exists from the start, samples or not
        self._thread.start()

    def _loop(self) -> None:
        try:
            if self._first is not None:
                self._first()  # one-off work of the run (it handles its own errors)
            if self._sample and not self._stop.is_set():  # a run finished this early needs no sampler (nor psutil)
                self._sample_until_stopped()
        finally:
            try:
                self._events.close()
            except OSError as error:  # fsync on a full disk: nothing to print from a thread
                logger.debug("closing %s: %s", self._events.path, error)

    def _sample_until_stopped(self) -> None:
        try:
            sampler = _Sampler(self._disk_path)
        except Exception as error:  # never let metrics break the run
            internal_error("starting system metrics", error, reporting=self._reporting)
            return
        try:
            while not self._stop.wait(self._interval):
                row = sampler.sample()
                row["_timestamp"] = time.time()
                row["_runtime"] = self._runtime()
                row["_wandb"] = True
                self._events.append(encode_row(row, "system metrics"))
        except OSError as error:
            if self._on_write_error is None:
                raise
            self._on_write_error(self._events.path, error)  # the run says so once; sampling ends here
        except Exception as error:
            internal_error("sampling system metrics", error, reporting=self._reporting)
        finally:
            sampler.close()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

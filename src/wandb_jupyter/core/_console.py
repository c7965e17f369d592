"""Console capture per WANDB_CONSOLE: a copy of what the program prints goes to output.log.

``wrap`` copies Python-level writes to ``sys.stdout``/``sys.stderr``;
``redirect`` duplicates file descriptors 1 and 2 through pipes, so output of
subprocesses and C extensions is caught too; a forked forwarder process
(:mod:`._console_tee`) moves the bytes on to the terminal and output.log, so a
crash's last words still arrive; ``auto`` picks wrap inside a kernel and
redirect elsewhere (falling back to wrap where descriptors cannot be
redirected). What the user sees never changes.

IPython >= 9.1 saves ``stream.write`` before every cell and restores it after
(its output history tee). A write patched once during a cell is therefore
gone after that cell; here the patch is re-applied at ``pre_run_cell``, so
every cell's output is captured for as long as the run is active.
"""

from __future__ import annotations

import collections
import io
import os
import sys
import threading
import time
from typing import Any

from ..common import _logging
from ..common._ipython import current_shell, in_kernel
from ..common._logging import internal_error, library_output, logger, warn_once
from ..rundir._output_log import OutputLog
from ..rundir._rundir import storage_error
from ._console_tee import STOP_LOGGING, Stream, fork_forwarder, read_reports

__all__ = ["ConsoleCapture", "choose_mode"]

_STREAMS = (("stdout", 1), ("stderr", 2))
#: Seconds between two appends to output.log while output keeps coming (wrap).
FLUSH_INTERVAL = 0.5
#: Seconds finish() waits for the forwarder to drain the pipes before it leaves it forwarding only
#: (a child process of the program still holds a pipe), and then for it to close output.log.
FORWARDER_WAIT = 2.0

_owner_lock = threading.Lock()
_owner: ConsoleCapture | None = None


def choose_mode(setting: str) -> tuple[str, str]:
    """The mode to use for a WANDB_CONSOLE value, and why."""
    if setting in ("off", "wrap"):
        return setting, f"WANDB_CONSOLE={setting}"
    if setting == "auto" and in_kernel():
        return "wrap", "inside a kernel"
    problem = _redirect_problem()
    if problem:
        return "wrap", f"cannot redirect file descriptors: {problem}"
    return "redirect", "terminal or script" if setting == "auto" else "WANDB_CONSOLE=redirect"


def _redirect_problem() -> str | None:
    if sys.platform == "win32":
        return "pipes cannot be polled with select() on Windows"
    for name, fd in _STREAMS:
        stream = getattr(sys, name)
        try:
            if stream is None or stream.fileno() != fd:
                return f"sys.{name} is not file descriptor {fd}"
        except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
            return f"sys.{name} has no file descriptor"
    return None


class _InWrite(threading.local):
    """Per thread: a copy of ours is already recording this write (layers can nest around IPython's)."""

    active = False


_in_write = _InWrite()


class _WriteTap:
    """Copies Python-level writes of ``sys.<name>`` into the capture's queue.

    In a kernel, IPython >= 9.1 wraps ``write`` for each cell and puts back
    what it saved afterwards, so layers of ours can end up above and below its
    wrapper: the outermost layer records, inner ones pass through.
    """

    def __init__(self, capture: ConsoleCapture, name: str) -> None:
        self.capture = capture
        self.name = name
        self._stream: Any = None
        self._proxy: Any = None

    def install(self) -> None:
        stream = getattr(sys, self.name)
        if getattr(stream.write, "_wandb_tap", None) is self or stream is self._proxy:
            return
        original = stream.write
        capture, append, name, now = self.capture, self.capture.queue.append, self.name, time.time

        def write(data: Any, *args: Any, **kwargs: Any) -> Any:
            # Runs for every print: keep it to attribute reads and one append.
            if _in_write.active:
                return original(data, *args, **kwargs)
            _in_write.active = True
            try:
                result = original(data, *args, **kwargs)
            finally:
                _in_write.active = False
            if data and capture.active and not library_output.active:
                try:
                    append((name, now(), data))
                except Exception as error:  # capture must never break the program
                    capture.fail(error)
            return result

        write._wandb_tap = self  # type: ignore[attr-defined]
        write._wandb_original = original  # type: ignore[attr-defined]
        try:
            stream.write = write
            self._stream = stream
        except (AttributeError, TypeError):  # built-in streams: wrap the object instead
            self._proxy = _TeeStream(stream, write)
            setattr(sys, self.name, self._proxy)

    def still_on(self, stream: Any) -> bool:
        """True while ``stream`` is the one this tap copies from."""
        return stream is self._stream or stream is self._proxy

    def uninstall(self) -> None:
        """Remove every layer of ours that is on top; IPython may put back an older one later."""
        if self._proxy is not None:
            if getattr(sys, self.name) is self._proxy:
                setattr(sys, self.name, self._proxy.wrapped)
            self._proxy = None
        elif self._stream is not None:
            while getattr(self._stream.write, "_wandb_tap", None) is self:
                self._stream.write = self._stream.write._wandb_original


def _after_this_cell(callback: Any) -> bool:
    """Run ``callback`` once the kernel has finished the current cell (IPython restores streams then)."""
    import asyncio

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    loop.call_soon(callback)
    return True


class _TeeStream(io.TextIOBase):
    """Stands in for a stream whose ``write`` cannot be replaced; everything else is delegated."""

    def __init__(self, wrapped: Any, write: Any) -> None:
        self.wrapped = wrapped
        self._write = write

    def write(self, data: str) -> int:
        return self._write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    def flush(self) -> None:
        self.wrapped.flush()

    def fileno(self) -> int:
        return self.wrapped.fileno()

    def isatty(self) -> bool:
        return self.wrapped.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.wrapped.encoding


class _FdTap:
    """Redirects file descriptor ``fd`` into a pipe; the forwarder process moves and copies the bytes."""

    def __init__(self, name: str, fd: int) -> None:
        self.name = name
        self.fd = fd
        self.read_end = -1  # descriptors once installed (-1: none)
        self.saved = -1
        self._redirected = False

    def install(self) -> None:
        getattr(sys, self.name).flush()
        self.saved = os.dup(self.fd)
        self.read_end, write_end = os.pipe()
        os.dup2(write_end, self.fd)
        os.close(write_end)
        self._redirected = True

    def original_stream(self) -> Any:
        """A text stream on the real descriptor, for the library's own messages."""
        return open(os.dup(self.saved), "w", buffering=1, encoding="utf-8", errors="replace")

    def stream(self) -> Stream:
        return Stream(name=self.name, read_end=self.read_end, terminal=self.saved)

    def hand_over(self) -> None:
        """The forwarder owns the read end now: ours would keep a dead forwarder's pipe open."""
        if self.read_end >= 0:
            os.close(self.read_end)
            self.read_end = -1

    def uninstall(self) -> None:
        if not self._redirected:
            return
        try:
            getattr(sys, self.name).flush()
        except (OSError, ValueError, RuntimeError):  # RuntimeError: a signal handler interrupted a write
            pass
        os.dup2(self.saved, self.fd)  # the pipe closes once no child process still holds it
        os.close(self.saved)
        self._redirected = False


class ConsoleCapture:
    """One run's capture. At most one is active per process: two runs never share capture."""

    def __init__(self, log: OutputLog, *, mode: str, run_name: str, reporting: bool = True) -> None:
        self.log = log
        self.mode = mode
        self.run_name = run_name
        self.reporting = reporting
        self.queue: collections.deque = collections.deque()
        self.active = False
        self._taps: list[Any] = []
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self._flush_lock = threading.Lock()
        self._shell: Any = None
        self._layered_below = False
        self._forwarder_pid: int | None = None
        #: Called instead of the console warning when output.log cannot be written (the run warns once
        #: for all its files when the disk is full).
        self.on_write_error: Any = None

    def start(self) -> bool:
        """Begin capturing; False when another run already captures (this one then does not)."""
        global _owner
        with _owner_lock:
            if _owner is not None:
                warn_once(
                    f"console-{self.run_name}",
                    f"console output stays with run {_owner.run_name} "
                    f"until it finishes; run {self.run_name} records none",
                )
                return False
            _owner = self
        self.active = True
        try:
            self._install()
        except OSError as error:
            logger.debug("redirect failed (%s); capturing with wrap instead", error)
            self._uninstall()
            self.mode = "wrap"
            self._install()
        # One thread per capture: starting threads is slow while others hold the GIL.
        if self.mode == "redirect":
            pid, reports = fork_forwarder([tap.stream() for tap in self._taps], self.log)
            self._forwarder_pid = pid
            for tap in self._taps:
                tap.hand_over()
            self._worker = threading.Thread(
                target=self._watch_forwarder, args=(pid, reports), name="wandb-console", daemon=True
            )
        else:
            self._worker = threading.Thread(target=self._flush_loop, name="wandb-console", daemon=True)
        self._worker.start()
        return True

    def _install(self) -> None:
        if self.mode == "redirect":
            self._taps = [_FdTap(name, fd) for name, fd in _STREAMS]
            for tap in self._taps:
                tap.install()
            _logging.console_override = self._taps[1].original_stream()
        else:
            self._taps = [_WriteTap(self, name) for name, _ in _STREAMS]
            for tap in self._taps:
                tap.install()
            self._watch_cells()

    def _uninstall(self) -> None:
        taps = list(self._taps)
        if self._shell is not None and taps and isinstance(taps[0], _WriteTap):
            # IPython puts back the write it saved when the cell ends: remove ours again then.
            _after_this_cell(lambda: [tap.uninstall() for tap in taps])
        if self._shell is not None:
            for event, callback in (("pre_run_cell", self._before_cell), ("post_run_cell", self._after_cell)):
                try:
                    self._shell.events.unregister(event, callback)
                except ValueError:
                    pass
            self._shell = None
        for tap in self._taps:
            tap.uninstall()
        self._taps = []
        override, _logging.console_override = _logging.console_override, None
        if override is not None:
            override.close()

    def _watch_cells(self) -> None:
        shell = current_shell()
        if shell is not None and hasattr(shell, "events"):
            shell.events.register("pre_run_cell", self._before_cell)
            shell.events.register("post_run_cell", self._after_cell)
            self._shell = shell

    def _before_cell(self, *_: Any) -> None:
        """Make sure this cell's writes are copied.

        After the first cell the copy re-applied between cells sits under
        IPython's per-cell wrapper and already records everything; a second
        layer on top would only cost time. Without an event loop to run the
        between-cells step, or if a stream was replaced, the copy goes on top.
        """
        try:
            for tap in self._taps:
                if not (self._layered_below and tap.still_on(getattr(sys, tap.name))):
                    tap.install()
        except Exception as error:
            self.fail(error)

    def _after_cell(self, *_: Any) -> None:
        """Flush, and keep copying between cells (output of threads while the kernel is idle)."""
        self.flush()
        _after_this_cell(self._between_cells)

    def _between_cells(self) -> None:
        try:
            for tap in self._taps:
                if self.active:
                    tap.install()
                else:
                    tap.uninstall()
            self._layered_below = self.active
        except Exception as error:
            self.fail(error)

    def flush(self) -> None:
        """Append everything queued so far to output.log."""
        with self._flush_lock:
            chunks = []
            try:
                while True:
                    chunks.append(self.queue.popleft())
            except IndexError:
                pass
            if chunks:
                self.log.add(chunks)

    def _flush_loop(self) -> None:
        while not self._stop.wait(FLUSH_INTERVAL):
            try:
                self.flush()
            except Exception as error:
                self.fail(error)
                return

    def _watch_forwarder(self, pid: int, reports: int) -> None:
        """redirect: the forwarder's reports switch capture off; its end, while capturing, does too."""
        try:
            for error in read_reports(reports):
                self.fail(error)
        except Exception as error:
            self.fail(error)
        try:
            os.waitpid(pid, 0)  # reaps it
        except ChildProcessError:  # the program reaped it (os.wait())
            pass
        if self.active and not self._stop.is_set():
            self.fail(RuntimeError("the console forwarder ended"))

    def _wait_for_worker(self) -> None:
        """Let the forwarder drain the pipes and close output.log.

        A child process of the program that still holds a pipe keeps the forwarder forwarding (the
        terminal still gets that child's output); after FORWARDER_WAIT it is told to log what is in
        the pipes, close output.log and only forward from then on.
        """
        worker, pid = self._worker, self._forwarder_pid
        if worker is None or pid is None:
            return
        worker.join(FORWARDER_WAIT)
        if worker.is_alive():
            try:
                os.kill(pid, STOP_LOGGING)
            except ProcessLookupError:
                pass
            worker.join(FORWARDER_WAIT)

    def fail(self, error: BaseException) -> None:
        """Capture broke: switch it off for this run, say so once, keep the program running."""
        if not self.active:
            return
        self.active = False
        internal_error("console capture", error, reporting=self.reporting)
        if self.on_write_error is not None and storage_error(error):
            self.on_write_error(self.log.path, error)
        else:
            warn_once(
                f"console-failed-{self.run_name}",
                f"console capture stopped for run {self.run_name} ({error!r}); your program continues",
            )
        try:
            self._uninstall()
        except Exception as inner:
            internal_error("stopping console capture", inner, reporting=self.reporting)

    def stop(self) -> None:
        """Stop capturing, restore the streams exactly, and write everything to output.log."""
        global _owner
        self._stop.set()  # before the streams are restored: the forwarder's end is expected from here on
        try:
            self._uninstall()
        finally:
            if self._worker is not None:
                if self._forwarder_pid is not None:
                    self._wait_for_worker()
                else:
                    self._worker.join()
            self.active = False
            try:
                self.flush()
                self.log.close()
            except Exception as error:
                internal_error("closing output.log", error, reporting=self.reporting)
            with _owner_lock:
                if _owner is self:
                    _owner = None

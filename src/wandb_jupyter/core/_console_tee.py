"""redirect's forwarder: a forked process that moves the program's output from the pipes to the terminal
and ``output.log``.

It is a process, not a thread, so that what the program wrote before it died still arrives: a segfault
(and faulthandler's traceback, written to descriptor 2 as the process dies), ``os._exit`` right after a
print, SIGKILL or the OOM killer end the program's threads with it, and bytes still in a pipe would be
lost with them. The forwarder holds the pipes' read ends; when the program is gone (or restores its
descriptors at ``finish()``) the pipes reach end of file, and the forwarder writes out what was left,
fsyncs ``output.log`` and exits.

The forwarder is forked, not started afresh: it costs about a millisecond, needs no interpreter start
and no import, and runs only ``os`` calls and the :class:`OutputLog` it builds itself, so nothing that
another thread of the program held at the fork is touched. It ignores the signals that stop a program
from the terminal (its program's end is what ends it), never runs ``atexit`` handlers (``os._exit``),
and closes every descriptor it does not need, so it holds no file, lock or socket of the program.
Failures to write ``output.log`` are sent to the program through a report pipe (the capture then
switches off with one warning); forwarding to the terminal goes on regardless.
"""

from __future__ import annotations

import codecs
import os
import select
import signal
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..rundir._output_log import OutputLog

__all__ = ["Stream", "fork_forwarder", "read_reports", "STOP_LOGGING"]

#: Seconds between two appends to output.log while output keeps coming.
FLUSH_INTERVAL = 0.5
#: Sent by the program when it stops waiting for the forwarder (a child process of the program still
#: holds a pipe): the forwarder closes output.log and goes on forwarding only.
STOP_LOGGING = signal.SIGUSR1
#: Reads of 64 KiB per pipe at most when told to stop logging: more than the pipe holds (64 KiB).
_DRAIN_READS = 16
_IGNORED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGPIPE)


@dataclass
class Stream:
    """One redirected descriptor: its name (stdout/stderr), the pipe's read end, the real descriptor."""

    name: str
    read_end: int
    terminal: int


def fork_forwarder(streams: list[Stream], log: OutputLog) -> tuple[int, int]:
    """Fork the forwarder; returns its pid and the read end of its report pipe (the caller closes the
    pipes' read ends, which the forwarder now owns)."""
    report_read, report_write = os.pipe()
    with warnings.catch_warnings():  # Python 3.12 warns of fork() beside threads; the child runs no locks
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked process, which never returns
        status = 1
        try:
            os.close(report_read)
            _serve(streams, log.path, report_write)
            status = 0
        finally:
            os._exit(status)
    os.close(report_write)
    return pid, report_read


def read_reports(fd: int) -> Iterator[BaseException]:
    """The forwarder's reports as they come (blocking), each a failure to write output.log; ends (and
    closes ``fd``) when the forwarder has exited."""
    pending = b""
    try:
        while chunk := os.read(fd, 4096):
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                kind, _, rest = line.decode("utf-8", errors="replace").partition("\t")
                number, _, text = rest.partition("\t")
                yield OSError(int(number), text) if number.isdigit() else RuntimeError(text or kind)
    finally:
        os.close(fd)


def _serve(streams: list[Stream], log_path: Path, report: int) -> None:
    for signum in _IGNORED:
        signal.signal(signum, signal.SIG_IGN)
    for fd, stream in zip((1, 2), streams):  # our own fd 1/2: the terminal, never the program's pipes
        os.dup2(stream.terminal, fd)
    _close_all_but({0, 1, 2, report, *(s.read_end for s in streams), *(s.terminal for s in streams)})
    forwarder = _Forwarder(streams, OutputLog(log_path), report)
    signal.signal(STOP_LOGGING, forwarder.request_stop)
    forwarder.run()


def _close_all_but(keep: set[int]) -> None:
    """Close the program's files, sockets and locks that the fork copied (lock files stay the program's)."""
    try:
        open_fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        open_fds = list(range(3, 1024))
    for fd in open_fds:
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


class _Forwarder:
    def __init__(self, streams: list[Stream], log: OutputLog, report: int) -> None:
        self.open = {s.read_end: s for s in streams}
        self.decoders = {s.read_end: codecs.getincrementaldecoder("utf-8")(errors="replace") for s in streams}
        self.log: OutputLog | None = log
        self.report = report
        self.queue: list[tuple[str, float, str]] = []
        self.to_terminal = {s.read_end: True for s in streams}
        self.stop_requested = False

    def request_stop(self, *_: object) -> None:
        """STOP_LOGGING's handler: only a flag, acted on between two reads (at most FLUSH_INTERVAL later)."""
        self.stop_requested = True

    def run(self) -> None:
        next_flush = time.monotonic() + FLUSH_INTERVAL
        while self.open:
            ready, _, _ = select.select(list(self.open), [], [], max(0.0, next_flush - time.monotonic()))
            for fd in ready:
                self._pump(fd)
            if time.monotonic() >= next_flush:
                self._flush()
                next_flush = time.monotonic() + FLUSH_INTERVAL
            if self.stop_requested and self.log is not None:
                self.stop_logging()
        self._close_log()

    def _pump(self, fd: int) -> None:
        stream = self.open[fd]
        chunk = os.read(fd, 65536)
        if not chunk:
            del self.open[fd]
            text = self.decoders[fd].decode(b"", final=True)
        else:
            self._to_terminal(fd, stream, chunk)
            text = self.decoders[fd].decode(chunk)
        if text and self.log is not None:
            self.queue.append((stream.name, time.time(), text))

    def _to_terminal(self, fd: int, stream: Stream, chunk: bytes) -> None:
        if not self.to_terminal[fd]:
            return
        view = memoryview(chunk)
        try:
            while view:
                view = view[os.write(stream.terminal, view) :]
        except OSError:  # the terminal or reader is gone: output.log still gets everything
            self.to_terminal[fd] = False

    def _flush(self) -> None:
        if self.log is None or not self.queue:
            return
        chunks, self.queue = self.queue, []
        try:
            self.log.add(chunks)
        except Exception as error:
            self._failed(error)

    def _close_log(self) -> None:
        self._flush()
        if self.log is not None:
            try:
                self.log.close()  # fsyncs output.log
            except Exception as error:
                self._failed(error)
            self.log = None

    def stop_logging(self) -> None:
        """The program stopped waiting: log what is in the pipes now, close output.log, only forward."""
        for fd in list(self.open):
            for _ in range(_DRAIN_READS):  # bounded: a child process of the program may write without end
                if fd not in self.open or not select.select([fd], [], [], 0)[0]:
                    break
                self._pump(fd)
        self._close_log()

    def _failed(self, error: BaseException) -> None:
        self.log = None
        self.queue = []
        number = getattr(error, "errno", None) if isinstance(error, OSError) else None
        text = str(error).replace("\n", " ").replace("\t", " ")
        kind = "OSError" if number else type(error).__name__
        line = f"{kind}\t{number or ''}\t{text}\n".encode("utf-8", errors="replace")
        try:
            os.write(self.report, line)
        except OSError:
            pass

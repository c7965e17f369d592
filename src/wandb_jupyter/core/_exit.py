"""How a script ends, as its runs see it: SIGTERM, SIGHUP and ``sys.exit(n)``.

atexit alone cannot tell. A signal left to its default action ends the process
without running atexit: the run stays "running", the console pipes are not
drained, an online run never ends on the server. And ``sys.exit(3)`` looks like
a clean exit. So while a run is active in a plain script (no IPython shell: a
kernel has its own shutdown path and catches SystemExit itself):

- SIGTERM (``kill``, ``timeout``, batch schedulers, ``docker stop``) and SIGHUP
  (the terminal closed), when their handler is the default one (never one the
  program, a framework or ``nohup`` installed), finish every active run with
  exit code 128 + the signal (143, 129: failed), within the finish's own bounds
  (online: the bounded upload wait), then end the process by the same signal
  under its default action, so the parent sees the status it would have seen
  without us. A second signal while finishing ends the process at once.
  A handler installed later that calls ours on (as PyTorch Lightning's does)
  keeps control: ours then does nothing, the runs finish at exit as before.
- ``sys.exit`` is wrapped (same signature, same SystemExit) to record its code
  for the atexit finisher.

Both are put back when the last run finishes. At interpreter exit the runs still active
finish too (:func:`install_exit_hooks`): exit code 1 after an uncaught exception or when a
failure probe says so (the notebook layer's: the last cell failed), else the ``sys.exit``
code, else 0.

Limits: the handler runs when the main thread next executes Python code (a long
call into C delays it). ``raise SystemExit(n)`` and the ``exit()``/``quit()``
builtins bypass ``sys.exit``: their run finishes with 0. A SystemExit the
program catches keeps its code recorded until the next ``sys.exit`` or the end
of the last run.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from ..common._logging import logger
from ._state import active_runs

__all__ = ["watch", "finish_ended", "requested_exit_code", "install_exit_hooks", "add_failure_probe"]

#: Signals whose default action ends the process, handled while a run is active.
SIGNAL_NAMES = ("SIGTERM", "SIGHUP")

_pid: int | None = None  # the process that installed the handlers (a forked child inherits them, not the runs)
_handled: list[int] = []  # signals whose handler is ours
_original_exit: Any = None
_exit_wrapper: Any = None
_requested: int | None = None  # the code given to sys.exit() in the main thread
_terminating: int | None = None  # the signal being handled
_HANDLER = 0  # stands for the handler's own loop in _waiting
_waiting: set[int] = set()  # ids of the finishes the process waits for before it ends
_crashed = False  # an uncaught exception reached sys.excepthook
_hooks_pid = 0  # the process that installed the atexit finisher (0: not installed)
_failure_probes: list[Callable[[], bool]] = []


def add_failure_probe(probe: Callable[[], bool]) -> None:
    """``probe()`` true at exit means the program failed (kernels bypass sys.excepthook)."""
    _failure_probes.append(probe)


def install_exit_hooks() -> None:
    """Once per process: note uncaught exceptions and finish the active runs at interpreter exit."""
    global _hooks_pid
    if _hooks_pid:
        return
    _hooks_pid = os.getpid()
    previous = sys.excepthook

    def excepthook(exc_type: Any, exc: Any, tb: Any) -> None:
        global _crashed
        _crashed = True
        previous(exc_type, exc, tb)

    sys.excepthook = excepthook
    atexit.register(_finish_at_exit)


def _failed() -> bool:
    for probe in _failure_probes:
        try:
            if probe():
                return True
        except Exception as error:  # a probe must never stop the runs from finishing
            logger.debug("exit failure probe failed: %r", error)
    return False


def _exit_code_at_exit() -> int:
    if _crashed or _failed():
        return 1
    return 0 if _requested is None else _requested


def _finish_at_exit() -> None:
    if os.getpid() != _hooks_pid:  # a forked child exiting: the runs are its parent's to finish
        return
    exit_code = _exit_code_at_exit()
    for run in reversed(active_runs()):
        try:
            run.finish(exit_code=exit_code)
        except Exception as error:  # exiting must not fail because of us
            logger.debug("finishing %s at exit failed: %r", run, error)


def watch() -> None:
    """A run started: record ``sys.exit`` codes and finish runs on SIGTERM/SIGHUP (plain scripts only)."""
    from ..common._ipython import current_shell

    if current_shell() is not None:
        return
    _wrap_sys_exit()
    if threading.current_thread() is threading.main_thread():
        _install_handlers()


def requested_exit_code() -> int | None:
    """The exit code the program asked for with ``sys.exit()``, if it did."""
    return _requested


def finish_ended(run: Any) -> None:
    """End of a run's finish(): a signal that waited for it ends the process; the last run stops the watch."""
    _waiting.discard(id(run))
    if _terminating is not None:
        if not _waiting:
            _end_process(_terminating)
        return
    if not active_runs():
        _unwatch()


def _unwatch() -> None:
    """Put back what watch() changed, where it is still ours."""
    global _requested
    if _exit_wrapper is not None and sys.exit is _exit_wrapper:
        sys.exit = _original_exit
    _requested = None
    if _handled and threading.current_thread() is threading.main_thread():
        import signal

        for signum in list(_handled):
            if signal.getsignal(signum) is _on_signal:
                signal.signal(signum, signal.SIG_DFL)
            _handled.remove(signum)


# sys.exit ---------------------------------------------------------------------
def _exit_code_of(status: Any) -> int:
    """The code a run records for ``sys.exit(status)``: Python's meaning, within the 32 bits a server takes."""
    if status is None:
        return 0
    if isinstance(status, int):
        return int(status) if -(2**31) <= status < 2**31 else 1
    return 1  # a message: Python prints it and exits with 1


def _wrap_sys_exit() -> None:
    global _original_exit, _exit_wrapper
    if _exit_wrapper is not None and sys.exit is _exit_wrapper:
        return
    import functools

    original = sys.exit

    @functools.wraps(original)
    def exit(status: Any = None, /) -> Any:
        global _requested
        if threading.current_thread() is threading.main_thread():  # elsewhere it only ends a thread
            _requested = _exit_code_of(status)
        return original(status)

    _original_exit, _exit_wrapper = original, exit
    sys.exit = exit


# signals ----------------------------------------------------------------------
def _install_handlers() -> None:
    """Handle each signal whose handler is the default one; leave every other handler alone."""
    global _pid
    import signal

    _pid = os.getpid()
    for name in SIGNAL_NAMES:
        signum = getattr(signal, name, None)
        if signum is None or signum in _handled:
            continue
        try:
            if signal.getsignal(signum) == signal.SIG_DFL:
                signal.signal(signum, _on_signal)
                _handled.append(signum)
        except (ValueError, OSError) as error:  # not the main interpreter, or a platform without it
            logger.debug("cannot handle %s: %r", name, error)


def _on_signal(signum: int, frame: Any) -> None:
    """Finish the active runs with 128 + signum, then end the process by the same signal."""
    global _terminating
    import signal

    if signal.getsignal(signum) is not _on_signal:
        # A handler installed after ours calls it on (PyTorch Lightning does): it decides what the
        # signal does, and ours stood for the default action, which such a handler never calls.
        return
    if os.getpid() != _pid or _terminating is not None:
        _end_process(signum)
    _terminating = signum
    _restore_default_actions()  # a second signal while finishing ends the process at once
    runs = active_runs()
    # Runs already finishing (this handler interrupted their finish, or another thread runs it):
    # the process ends once those finishes end, within their own bounds.
    _waiting.update(id(run) for run in runs if run.finished and not run.disabled)
    _waiting.add(_HANDLER)
    logger.debug("signal %d: finishing %d run(s) with exit code %d", signum, len(runs), 128 + signum)
    for run in reversed(runs):
        if not run.finished:
            try:
                run.finish(exit_code=128 + signum)
            except Exception as error:  # the process must end all the same
                logger.debug("finishing %s on signal %d failed: %r", run, signum, error)
    _waiting.discard(_HANDLER)
    if not _waiting:
        _end_process(signum)


def _restore_default_actions() -> None:
    import signal

    for signum in _handled:
        try:
            signal.signal(signum, signal.SIG_DFL)
        except ValueError:  # not the main thread (a deferred end): the handler already did it
            pass


def _end_process(signum: int) -> None:
    """Die by ``signum`` under its default action, so the parent sees the status it would have seen."""
    import signal

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed stream, or one this signal interrupted mid-write
            pass
    try:
        signal.signal(signum, signal.SIG_DFL)
    except ValueError:
        pass
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)  # only if the signal could not end the process

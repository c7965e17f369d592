"""One measurement in a fresh interpreter; started by ``bench_core.py``, never by hand.

Usage: ``python _child.py TASK LIB STEPS RESULT_PATH``

TASK is ``import``, ``init``, ``log`` or ``floor``; LIB is ``wandb_jupyter``
or ``wandb`` (ignored by ``floor``). The figures go to RESULT_PATH as JSON,
not to stdout, because a library may print there.

Only ``sys`` and ``time`` (both built into the interpreter, so already loaded)
are imported before the measured import: anything else imported first would
pre-load standard modules the library needs (json, re, typing...) and make
its import look cheaper than it is in a user's plain script.
"""

import sys
import time


def _import(lib):
    """Import ``lib`` as a plain ``import`` statement would; return (module, seconds)."""
    start = time.perf_counter()
    module = __import__(lib)
    return module, time.perf_counter() - start


def _row(i, steps):
    """The small dict both clients log each step (built inside the timed loop for both)."""
    return {"loss": 1.0 / (i + 1), "acc": i / steps, "epoch": i // 1000}


def _init(module):
    start = time.perf_counter()
    run = module.init(mode="offline", project="bench-core")
    return run, time.perf_counter() - start


def _finish(run):
    start = time.perf_counter()
    run.finish()
    return time.perf_counter() - start


def task_import(lib, steps):
    _, seconds = _import(lib)
    return {"import_s": seconds}


def task_init(lib, steps):
    """Import, then time ``init()`` and ``finish()`` of an empty run."""
    module, import_s = _import(lib)
    run, init_s = _init(module)
    finish_s = _finish(run)
    return {"import_s": import_s, "init_s": init_s, "finish_s": finish_s}


def task_log(lib, steps):
    """Time ``steps`` calls of ``run.log(small dict)``, then the ``finish()`` that follows.

    W&B hands records to its service process, so its ``log()`` can return
    before the row is stored; the ``finish()`` time after the loop shows what
    was left to do.
    """
    module, import_s = _import(lib)
    run, init_s = _init(module)
    log = run.log
    start = time.perf_counter()
    for i in range(steps):
        log(_row(i, steps))
    log_s = time.perf_counter() - start
    finish_s = _finish(run)
    return {"import_s": import_s, "init_s": init_s, "log_s": log_s, "finish_s": finish_s}


def task_floor(lib, steps):
    """The least work that stores the same rows: json.dumps plus an append.

    Each row carries the three keys every W&B history row has (``_step``,
    ``_runtime``, ``_timestamp``), so the bytes match what a client writes.
    Variant (a) gives the same durability as our client (one ``os.write`` on
    an ``O_APPEND`` descriptor per row: in the kernel when the call returns);
    variant (b) buffers in the process, as a plain ``file.write`` does.
    """
    import json
    import os

    dumps, monotonic, now = json.dumps, time.monotonic, time.time

    def rows():
        t0 = monotonic()
        for i in range(steps):
            row = _row(i, steps)
            row["_step"] = i
            row["_runtime"] = monotonic() - t0
            row["_timestamp"] = now()
            yield row

    fd = os.open("floor-a.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    write = os.write
    start = time.perf_counter()
    for row in rows():
        write(fd, (dumps(row) + "\n").encode())
    os.close(fd)
    append_s = time.perf_counter() - start

    start = time.perf_counter()
    with open("floor-b.jsonl", "a", encoding="utf-8") as handle:
        put = handle.write
        for row in rows():
            put(dumps(row) + "\n")
    buffered_s = time.perf_counter() - start
    return {"append_s": append_s, "buffered_s": buffered_s}


TASKS = {"import": task_import, "init": task_init, "log": task_log, "floor": task_floor}


def main(argv):
    task, lib, steps, result_path = argv[1], argv[2], int(argv[3]), argv[4]
    figures = TASKS[task](lib, steps)
    import json
    import resource

    figures["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(figures, handle)


if __name__ == "__main__":
    main(sys.argv)

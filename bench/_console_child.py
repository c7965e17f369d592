"""One console-capture measurement in a fresh interpreter; started by ``bench_console.py``.

Usage: ``python _console_child.py LIB CONSOLE PRINTS RESULT_PATH``

LIB is ``none`` (plain Python, the baseline), ``wandb_jupyter`` or ``wandb``;
CONSOLE is the console setting the run gets (ours reads ``WANDB_CONSOLE``,
which the parent sets; W&B gets it as ``wandb.Settings(console=...)`` too,
the documented way). Only the print loop is timed: ``init()`` and
``finish()`` are timed apart, and the run's ``output.log`` is checked after
``finish()``, outside any timing. The figures go to RESULT_PATH as JSON,
since stdout is what is being measured.

The import helpers come from ``_child.py``, which loads only ``sys`` and
``time`` first, as the core benchmark's children do.
"""

import sys
import time

from _child import _finish, _import


def line(i):
    """The text of print number ``i``; the check after finish() rebuilds it the same way."""
    return f"step {i} loss {1.0 / (i + 1):.4f}"


def print_loop(prints):
    """The timed part: ``prints`` short prints, then the flush that hands the last buffer to the OS.

    The f-string is built inside the loop, as a training script would, so
    the baseline is an honest cost of printing and not of ``write`` alone.
    """
    start = time.perf_counter()
    for i in range(prints):
        print(f"step {i} loss {1.0 / (i + 1):.4f}")
    sys.stdout.flush()
    return time.perf_counter() - start


def _init(module, lib, console):
    start = time.perf_counter()
    if lib == "wandb":
        settings = module.Settings(console=console)
        run = module.init(mode="offline", project="bench-console", settings=settings)
    else:
        run = module.init(mode="offline", project="bench-console")
    return run, time.perf_counter() - start


def capture_mode(run, lib):
    """The mode our capture really uses (``auto`` resolves at init); None where not visible.

    Read from a private attribute, so a rename in the library shows up as
    ``?`` in the table instead of breaking the benchmark.
    """
    if lib != "wandb_jupyter":
        return None
    capture = getattr(run, "_capture", False)
    if capture is False:
        return "?"
    return "off" if capture is None else getattr(capture, "mode", "?")


def check_output_log(run_dir, prints):
    """Count the lines of ``<run dir>/output.log`` and whether the prints are all there, in order.

    Ours starts each line with a timestamp and W&B does not, so a line
    matches print ``i`` when it ends with that print's text. Other lines (a
    warning on stderr, say) are counted but do not break the order check.
    """
    from pathlib import Path

    path = Path(run_dir) / "output.log"
    if not path.exists():
        return {"output_log_lines": None, "captured": 0, "in_order": prints == 0}
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    steps = [text for text in lines if "step " in text]
    in_order = len(steps) == prints and all(
        text.endswith(" " + line(i)) or text == line(i) for i, text in enumerate(steps)
    )
    return {"output_log_lines": len(lines), "captured": len(steps), "in_order": in_order}


def wandb_file_has(run_dir, prints):
    """Whether W&B's ``.wandb`` transaction log holds the last print (its offline record of the run)."""
    from pathlib import Path

    if not prints:
        return None
    needle = line(prints - 1).encode()
    return any(needle in path.read_bytes() for path in Path(run_dir).parent.glob("*.wandb"))


def main(argv):
    lib, console, prints, result_path = argv[1], argv[2], int(argv[3]), argv[4]
    figures = {}
    if lib == "none":
        figures["loop_s"] = print_loop(prints)
    else:
        module, figures["import_s"] = _import(lib)
        run, figures["init_s"] = _init(module, lib, console)
        run_dir = run.dir
        figures["capture_mode"] = capture_mode(run, lib)
        figures["loop_s"] = print_loop(prints)
        figures["finish_s"] = _finish(run)
        figures.update(check_output_log(run_dir, prints))
        if lib == "wandb":
            figures["wandb_file_has_last_print"] = wandb_file_has(run_dir, prints)
    import json
    import resource

    figures["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(figures, handle)


if __name__ == "__main__":
    main(sys.argv)

"""Console capture inside a real kernel (nbclient) with the installed IPython.

IPython >= 9.1 restores ``stream.write`` after every cell; the proof test below
shows that a capture which patches ``write`` once (as W&B 0.31 does) loses
every later cell there, while ours keeps capturing.
"""

from __future__ import annotations

import re
from pathlib import Path

import IPython
import pytest

from conftest import stream_text

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}"

CELLS = [
    "import sys, time\nimport wandb_jupyter as wandb\nrun = wandb.init(mode='offline', project='nb')",
    "print('cell two')",
    "print('cell three on stderr', file=sys.stderr)",
    "from tqdm import tqdm\nfor _ in tqdm(range(20), ascii=True, mininterval=0, bar_format='{l_bar}{bar:10}|'):\n"
    "    time.sleep(0.005)",
    "for i in range(3):\n    print('loop', i)",
    "print(str(run.paths.root))\nrun.finish()",
    "print('after finish')\nprint(getattr(sys.stdout.write, '_wandb_tap', None) is None, "
    "getattr(sys.stderr.write, '_wandb_tap', None) is None)",
]


def _texts(lines: list[str]) -> list[str]:
    return [re.sub(f"^(ERROR )?{STAMP} ", "", line) for line in lines]


def _outputs(nb) -> list[list[tuple[str, str]]]:
    return [
        [(o.get("name"), o.get("text")) for o in cell.outputs if o.get("output_type") == "stream"] for cell in nb.cells
    ]


def test_every_cell_is_captured_while_the_run_is_active(execute_notebook, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_SILENT", "true")
    nb = execute_notebook(CELLS)
    root = Path(stream_text(nb.cells[5]).strip())
    lines = (root / "files" / "output.log").read_text().splitlines()
    assert _texts(lines) == [
        "cell two",
        "cell three on stderr",
        "100%|##########|",
        "loop 0",
        "loop 1",
        "loop 2",
        str(root),
    ]
    assert lines[1].startswith("ERROR ")
    assert stream_text(nb.cells[6]) == "after finish\nTrue True\n", "streams restored after finish"


def test_many_cells_in_a_row_are_all_captured(execute_notebook, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_SILENT", "true")
    cells = ["import wandb_jupyter as wandb\nrun = wandb.init(mode='offline')"]
    cells += [f"print('cell {n}')" for n in range(25)] + ["print(run.paths.root)\nrun.finish()"]
    nb = execute_notebook(cells)
    root = Path(stream_text(nb.cells[-1]).strip())
    texts = _texts((root / "files" / "output.log").read_text().splitlines())
    assert texts == [f"cell {n}" for n in range(25)] + [str(root)]


def test_notebook_outputs_are_unchanged_by_capture(execute_notebook, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_SILENT", "true")
    captured = _outputs(execute_notebook(CELLS, name="captured.ipynb"))
    monkeypatch.setenv("WANDB_CONSOLE", "off")
    plain = _outputs(execute_notebook(CELLS, name="plain.ipynb"))

    def without_run_path(outputs):
        return [cell for index, cell in enumerate(outputs) if index != 5]

    def bar_final_state(outputs):  # tqdm's rates and timings differ between runs
        return [[(name, re.sub(r"\[.*?\]", "[]", text or "")) for name, text in cell] for cell in outputs]

    assert bar_final_state(without_run_path(captured)) == bar_final_state(without_run_path(plain))


@pytest.mark.skipif(
    tuple(int(p) for p in IPython.__version__.split(".")[:2]) < (9, 1),
    reason="IPython < 9.1 keeps a patched write across cells",
)
def test_patching_write_once_loses_later_cells_on_this_ipython(execute_notebook) -> None:
    """The failure mode of W&B 0.31, reproduced: the case our capture is tested against is real here."""
    cells = [
        "import sys\nseen = []\noriginal = sys.stdout.write\n"
        "def write(data, *a, **k):\n    seen.append(data)\n    return original(data, *a, **k)\n"
        "sys.stdout.write = write",
        "print('second cell')",
        "print(repr([chunk for chunk in seen if 'second' in chunk]))",
    ]
    nb = execute_notebook(cells)
    assert stream_text(nb.cells[2]).strip() == "[]"


def test_a_second_run_in_the_same_kernel_captures_only_its_own_output(execute_notebook, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_SILENT", "true")
    cells = [
        "import wandb_jupyter as wandb\nfirst = wandb.init(mode='offline')",
        "print('for the first run')",
        "second = wandb.init(mode='offline')",  # finishes the first run
        "print('for the second run')",
        "second.finish()\nprint(first.paths.root)\nprint(second.paths.root)",
    ]
    nb = execute_notebook(cells)
    first, second = (Path(p) / "files" / "output.log" for p in stream_text(nb.cells[4]).split())
    assert _texts(first.read_text().splitlines()) == ["for the first run"]
    assert _texts(second.read_text().splitlines()) == ["for the second run"]


def test_output_of_threads_while_the_kernel_is_idle_is_captured(isolated, monkeypatch) -> None:
    """A background thread prints while no cell runs: IPython has put its saved write back by then."""
    import os
    import time

    from jupyter_client.manager import KernelManager

    monkeypatch.setenv("WANDB_SILENT", "true")
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(isolated), env=dict(os.environ))
    client = manager.client()
    client.start_channels()
    printed: list[str] = []

    def run(code: str) -> None:
        client.execute_interactive(
            code,
            timeout=60,
            output_hook=lambda m: printed.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None,
        )

    try:
        client.wait_for_ready(timeout=60)
        run("import threading\nimport wandb_jupyter as wandb\nrun = wandb.init(mode='offline')")
        run("threading.Timer(0.3, lambda: print('printed while idle')).start()")
        time.sleep(1.0)  # no cell runs while the timer fires
        run("print('in the next cell')\nprint(run.paths.root)\nrun.finish()")
        run("import sys\nprint('restored', getattr(sys.stdout.write, '_wandb_tap', None) is None)")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    text = "".join(printed)
    root = Path(text.split("in the next cell\n")[1].splitlines()[0])
    texts = _texts((root / "files" / "output.log").read_text().splitlines())
    assert texts.count("printed while idle") == 1 and texts.count("in the next cell") == 1
    assert "restored True" in text


def test_a_run_started_between_cells_by_a_thread_is_captured_once_per_write(execute_notebook, monkeypatch) -> None:
    """Layers of ours above and below IPython's per-cell wrapper must not record a write twice."""
    monkeypatch.setenv("WANDB_SILENT", "true")
    cells = ["import wandb_jupyter as wandb\nrun = wandb.init(mode='offline')"]
    cells += [f"print('line {n}')" for n in range(5)]
    cells += ["print(run.paths.root)\nrun.finish()"]
    nb = execute_notebook(cells)
    root = Path(stream_text(nb.cells[-1]).strip())
    texts = _texts((root / "files" / "output.log").read_text().splitlines())
    assert texts == [f"line {n}" for n in range(5)] + [str(root)]


LAYERS = """
def layers_of_ours(write, seen=None):
    seen = seen or set()
    if write is None or id(write) in seen:
        return 0
    seen.add(id(write))
    inner = [getattr(write, '_wandb_original', None)]
    cells = getattr(write, '__closure__', None) or ()
    inner += [cell.cell_contents for cell in cells if callable(cell.cell_contents)]
    return int(hasattr(write, '_wandb_tap')) + sum(layers_of_ours(w, seen) for w in inner)
"""


def test_one_layer_of_copying_per_cell(execute_notebook, monkeypatch) -> None:
    """After the first cell the copy sits under IPython's per-cell wrapper; no second layer is stacked."""
    monkeypatch.setenv("WANDB_SILENT", "true")
    nb = execute_notebook(
        [
            "import sys\nimport wandb_jupyter as wandb\nrun = wandb.init(mode='offline')\n" + LAYERS,
            "print(layers_of_ours(sys.stdout.write), layers_of_ours(sys.stderr.write))",
            "print(layers_of_ours(sys.stdout.write), layers_of_ours(sys.stderr.write))",
            "run.finish()",
        ]
    )
    assert stream_text(nb.cells[1]) == "1 1\n" and stream_text(nb.cells[2]) == "1 1\n"

"""Notebook code saving: a snapshot of the notebook and _session_history.ipynb under files/code/."""

from __future__ import annotations

from pathlib import Path

import nbformat

from conftest import stream_text

CELLS = [
    "import wandb_jupyter as w\nrun = w.init(mode='offline')\nroot = run.paths.root",
    "print('hello from cell 2')",
    "6 * 7",
    "run.finish()\nprint(root)",
]


def _code_dir(nb) -> Path:
    return Path(stream_text(nb.cells[3]).strip()) / "files" / "code"


def test_session_history_and_snapshot_are_stored(execute_notebook, monkeypatch, isolated) -> None:
    """The kernel runs in another folder than the notebook's, where W&B loses the files."""
    monkeypatch.setenv("WANDB_NOTEBOOK_NAME", str(isolated / "train_mnist.ipynb"))
    (isolated / "elsewhere").mkdir()
    nb = execute_notebook(CELLS, name="train_mnist.ipynb", cwd=isolated / "elsewhere")
    code = _code_dir(nb)
    snapshot = nbformat.read(code / "train_mnist.ipynb", as_version=4)
    assert [cell.source for cell in snapshot.cells] == CELLS
    history = nbformat.read(code / "_session_history.ipynb", as_version=4)
    nbformat.validate(history)
    sources = [cell.source for cell in history.cells]
    assert sources[:3] == CELLS[:3] and "run.finish()" in sources[3]
    assert history.cells[1].outputs[0]["text"] == "hello from cell 2\n"
    assert history.cells[2].outputs[0]["data"]["text/plain"] == "42"
    assert '"name": "train_mnist-1"' in (code.parent / "wandb-metadata.json").read_text()


def test_disable_code_stores_none_of_it(execute_notebook, monkeypatch, isolated) -> None:
    monkeypatch.setenv("WANDB_NOTEBOOK_NAME", str(isolated / "train_mnist.ipynb"))
    monkeypatch.setenv("WANDB_DISABLE_CODE", "true")
    nb = execute_notebook(CELLS, name="train_mnist.ipynb")
    code = _code_dir(nb)
    assert not code.exists()
    assert "train_mnist.ipynb" not in (code.parent / "wandb-metadata.json").read_text()


def test_a_missing_notebook_file_names_the_run_and_warns(execute_notebook, monkeypatch) -> None:
    """The warning comes from the background thread, so it is read from the run's debug log, not a cell."""
    monkeypatch.setenv("WANDB_NOTEBOOK_NAME", "not_saved_yet.ipynb")
    nb = execute_notebook(
        [
            "import wandb_jupyter as w\nrun = w.init(mode='offline')\nprint(run.name)",
            "run.finish()\nprint(run.paths.root)",
        ]
    )
    assert stream_text(nb.cells[0]).strip() == "not_saved_yet-1"
    debug_log = Path(stream_text(nb.cells[1]).strip()) / "logs" / "debug.log"
    assert "WARNING" in debug_log.read_text() and "not_saved_yet.ipynb was not found" in debug_log.read_text()

"""``_session_history.ipynb``: every cell executed in this kernel, with its outputs.

Built from IPython's history manager. IPython >= 9 keeps each cell's stream,
display and result outputs (``history_manager.outputs``); older versions
only the text of results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["session_history", "write_session_history"]

_STREAM_NAMES = {"out_stream": "stdout", "err_stream": "stderr"}


def _outputs(history: Any, number: int) -> list[Any]:
    import nbformat

    recorded = getattr(history, "outputs", {}).get(number, [])
    outputs = []
    for item in recorded:
        kind, bundle = item.output_type, item.bundle
        if kind in _STREAM_NAMES:
            outputs.append(nbformat.v4.new_output("stream", name=_STREAM_NAMES[kind], text="".join(bundle["stream"])))
        elif kind == "execute_result":
            outputs.append(nbformat.v4.new_output("execute_result", data=dict(bundle), execution_count=number))
        elif kind == "display_data":
            outputs.append(nbformat.v4.new_output("display_data", data=dict(bundle)))
    if not recorded and number in getattr(history, "output_hist_reprs", {}):
        text = history.output_hist_reprs[number]
        outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": text}, execution_count=number))
    return outputs


def session_history(shell: Any) -> Any:
    """An nbformat notebook of this session's cells, in execution order."""
    import nbformat

    history = shell.history_manager
    notebook = nbformat.v4.new_notebook()
    for _session, number, source in history.get_range(session=0, start=1, raw=True, output=False):
        cell = nbformat.v4.new_code_cell(source=source, execution_count=number)
        cell.outputs = _outputs(history, number)
        notebook.cells.append(cell)
    return notebook


def write_session_history(shell: Any, path: Path) -> None:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(session_history(shell), str(path))

"""``_session_history.ipynb``: every cell executed in this kernel, with its outputs.

Built from IPython's history manager. IPython >= 9 keeps each cell's stream,
display and result outputs (``history_manager.outputs``); older versions
only the text of results. The notebook is written as nbformat 4 JSON
directly: importing nbformat pulls in jsonschema and its format checkers,
about a second in a kernel with JupyterLab installed, which finish() would
pay. The tests validate the file with nbformat.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["session_history", "write_session_history"]

_STREAM_NAMES = {"out_stream": "stdout", "err_stream": "stderr"}


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _data(bundle: dict[str, Any]) -> dict[str, Any]:
    return {mime: value if isinstance(value, (dict, list)) else _lines(str(value)) for mime, value in bundle.items()}


def _outputs(history: Any, number: int) -> list[dict[str, Any]]:
    recorded = getattr(history, "outputs", {}).get(number, [])
    outputs: list[dict[str, Any]] = []
    for item in recorded:
        kind, bundle = item.output_type, item.bundle
        if kind in _STREAM_NAMES:
            outputs.append(
                {"output_type": "stream", "name": _STREAM_NAMES[kind], "text": _lines("".join(bundle["stream"]))}
            )
        elif kind == "execute_result":
            outputs.append(
                {"output_type": "execute_result", "execution_count": number, "data": _data(bundle), "metadata": {}}
            )
        elif kind == "display_data":
            outputs.append({"output_type": "display_data", "data": _data(bundle), "metadata": {}})
    error = getattr(history, "exceptions", {}).get(number)  # IPython >= 9: the cell raised
    if isinstance(error, dict) and "ename" in error:
        outputs.append(
            {
                "output_type": "error",
                "ename": str(error["ename"]),
                "evalue": str(error.get("evalue", "")),
                "traceback": [str(line) for line in error.get("traceback") or []],
            }
        )
    if not recorded and number in getattr(history, "output_hist_reprs", {}):
        outputs.append(
            {
                "output_type": "execute_result",
                "execution_count": number,
                "metadata": {},
                "data": {"text/plain": _lines(history.output_hist_reprs[number])},
            }
        )
    return outputs


def session_history(shell: Any) -> dict[str, Any]:
    """This session's cells, in execution order, as an nbformat 4 notebook dict."""
    cells = [
        {
            "cell_type": "code",
            "execution_count": number,
            "id": f"cell-{number}",
            "metadata": {},
            "outputs": _outputs(shell.history_manager, number),
            "source": _lines(source),
        }
        for _session, number, source in shell.history_manager.get_range(session=0, start=1, raw=True, output=False)
    ]
    language = {"name": "python", "version": __import__("platform").python_version()}
    return {"cells": cells, "metadata": {"language_info": language}, "nbformat": 4, "nbformat_minor": 5}


def write_session_history(shell: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(session_history(shell), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

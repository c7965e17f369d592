"""Auto-named notebook runs: <notebook stem>-<n>, counted per project, from the detected notebook."""

from __future__ import annotations

import json

from conftest import stream_text


def test_several_runs_from_one_notebook_count_up(execute_notebook, monkeypatch, isolated) -> None:
    monkeypatch.setenv("JPY_SESSION_NAME", str(isolated / "train_mnist.ipynb"))
    nb = execute_notebook(
        [
            "import json, wandb_jupyter as w\nnames = []",
            "for project in ['a', 'a', 'b', 'a']:\n    run = w.init(mode='offline', project=project)\n"
            "    names.append([project, run.name, run.settings.origin('notebook_name').detail])\n    run.finish()",
            "named = w.init(mode='offline', project='a', name='explicit')\nnames.append(['a', named.name, ''])\n"
            "named.finish()\nprint(json.dumps(names))",
        ],
        name="train_mnist.ipynb",
    )
    names = json.loads(stream_text(nb.cells[2]))
    assert [(p, n) for p, n, _ in names] == [
        ("a", "train_mnist-1"),
        ("a", "train_mnist-2"),
        ("b", "train_mnist-1"),
        ("a", "train_mnist-3"),
        ("a", "explicit"),
    ]
    assert names[0][2] == "JPY_SESSION_NAME"
    metadata = json.loads(next((isolated / "wandb").glob("*/files/wandb-metadata.json")).read_text())
    assert metadata["program"] == str(isolated / "train_mnist.ipynb")

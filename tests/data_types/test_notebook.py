"""A W&B-style notebook with images, tables and charts runs unchanged in a real kernel (nbclient)."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("PIL")
pytest.importorskip("pandas")
pytest.importorskip("matplotlib")

CELLS = [
    "%matplotlib inline\nimport numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
    "import wandb_jupyter as wandb",
    "run = wandb.init(project='nb', mode='offline', config={'lr': 0.01})",
    "xs = np.linspace(0, 6, 50)\nplt.plot(xs, np.sin(xs))\n"
    "run.log({'sine': wandb.Image(plt), 'samples': [wandb.Image(np.full((8, 8), i * 30, dtype=np.uint8), "
    "caption=str(i)) for i in range(4)]})\nplt.close('all')",
    "df = pd.DataFrame({'epoch': range(5), 'loss': [1.0, 0.6, 0.4, 0.3, 0.25]})\n"
    "table = wandb.Table(dataframe=df)\n"
    "run.log({'loss_table': table, 'loss_curve': wandb.plot.line(table, 'epoch', 'loss', title='Loss')})",
    "run.log({'weights': np.random.default_rng(0).normal(size=100_000), 'acc': 0.9})",
    "run.log({'broken': wandb.Image(np.full((4, 4), np.nan))})",
    "run.finish()\nprint(run.dir)",
]


def test_a_notebook_logs_images_tables_and_charts(execute_notebook, isolated) -> None:
    nb = execute_notebook(CELLS, allow_errors=True)
    errors = [out for cell in nb.cells for out in cell.outputs if out.get("output_type") == "error"]
    assert len(errors) == 1 and errors[0]["ename"] == "UsageError" and "NaN" in errors[0]["evalue"]
    assert nb.cells[5].outputs[-1]["output_type"] == "error"  # only the bad cell failed
    files = next(isolated.glob("wandb/offline-run-*/files"))
    rows = [json.loads(line) for line in (files / "wandb-history.jsonl").read_text().splitlines()]
    assert [sorted(k for k in row if not k.startswith("_")) for row in rows] == [
        ["samples", "sine"],
        ["loss_curve_table", "loss_table"],
        ["acc", "weights"],
    ]
    assert rows[0]["sine"]["_type"] == "image-file" and rows[0]["samples"]["_type"] == "images/separated"
    assert rows[2]["weights"]["_type"] == "histogram"
    for path in [rows[0]["sine"]["path"], *rows[0]["samples"]["filenames"], rows[1]["loss_table"]["path"]]:
        assert (files / path).is_file()
    import yaml

    visualize = yaml.safe_load((files / "config.yaml").read_text())["_wandb"]["value"]["visualize"]
    assert visualize["loss_curve"]["panel_config"]["fieldSettings"] == {"x": "epoch", "y": "loss", "stroke": None}

"""In a real kernel: offline runs logged in a notebook are read back with Api(dir=...) in the next cells."""

from __future__ import annotations


def test_a_notebook_reads_its_offline_runs_back_as_a_table_and_a_dataframe(execute_notebook) -> None:
    nb = execute_notebook(
        [
            "import os\nos.environ['WANDB_MODE'] = 'offline'\nimport wandb_jupyter as wandb",
            "for lr in (0.1, 0.01, 0.001):\n"
            "    run = wandb.init(project='nb', config={'lr': lr}, name=f'lr-{lr}')\n"
            "    for step in range(20):\n"
            "        run.log({'loss': lr * (20 - step)})\n"
            "    run.finish()",
            "api = wandb.Api(dir='.')\n"
            "runs = api.runs('nb', filters={'config.lr': {'$lt': 0.05}}, order='+config.lr')\n"
            "runs",
            "frame = runs[0].history(keys=['loss'], samples=5)\nprint(type(frame).__name__, list(frame['_step']))",
        ],
        timeout=180,
    )
    table = nb.cells[2].outputs[0]["data"]
    assert "text/html" in table
    html = table["text/html"]
    assert "2 of 2 runs" in html and html.index("lr-0.001") < html.index("lr-0.01")
    assert "<th>config.lr</th>" in html and "<td>0.001</td>" in html
    printed = "".join(out.get("text", "") for out in nb.cells[3].outputs if out.get("output_type") == "stream")
    assert printed.strip() == "DataFrame [0, 5, 10, 14, 19]"

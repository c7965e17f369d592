"""The run's block in notebooks: one handle updated in place, summary and sparklines, escaping, VS Code."""

from __future__ import annotations

import pytest

import wandb_jupyter as wandb
from conftest import stream_text
from wandb_jupyter.core._html import RunView, run_block, sample_history, sparkline


def _blocks(nb) -> list[str]:
    return [
        out["data"]["text/html"]
        for cell in nb.cells
        for out in cell.outputs
        if out.output_type in ("display_data", "execute_result")
        and "wandb-jupyter-run" in out.get("data", {}).get("text/html", "")
    ]


def test_init_shows_one_block_that_finish_updates_in_place(execute_notebook) -> None:
    nb = execute_notebook(
        [
            "import wandb_jupyter as w\nrun = w.init(mode='offline', name='shown', project='disp')",
            "for i in range(50):\n    run.log({'loss': 1 / (i + 1), 'acc': i / 50, 'note': 'text'})",
            "run.summary['best'] = 0.98\nrun.finish()",
        ]
    )
    blocks = _blocks(nb)
    assert len(blocks) == 1, "finish updates the block shown at init instead of adding one"
    init_outputs = [out for out in nb.cells[0].outputs if out.output_type == "display_data"]
    assert len(init_outputs) == 1
    block = blocks[0]
    assert "shown" in block and "disp" in block and "offline" in block and "finished" in block
    assert "50 steps" in block and "best" in block and "0.98" in block
    assert block.count("<svg") == 2, "a sparkline per numeric metric"
    assert stream_text(nb.cells[0], "stderr") == "", "the block replaces the console lines in a kernel"
    plain = init_outputs[0]["data"]["text/plain"]
    assert plain.startswith("wandb-jupyter run shown (") and "finished" in plain, "a useful text form too"


def test_silent_shows_nothing(execute_notebook, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_SILENT", "true")
    nb = execute_notebook(["import wandb_jupyter as w\nrun = w.init(mode='offline')", "run.finish()"])
    assert all(cell.outputs == [] for cell in nb.cells)


def test_run_repr_gives_text_and_html(isolated) -> None:
    run = wandb.init(mode="offline", name="<script>alert(1)</script>", project="p")
    bundle = run._repr_mimebundle_()
    assert bundle["text/plain"] == repr(run)
    assert "<script>alert(1)</script>" not in bundle["text/html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in bundle["text/html"]
    assert "<iframe" not in bundle["text/html"], "offline runs have no page to embed"


@pytest.mark.parametrize("vscode", [False, True])
def test_a_run_page_is_embedded_except_in_vscode(isolated, monkeypatch, vscode) -> None:
    from wandb_jupyter.core._run import Run

    monkeypatch.setattr(Run, "url", property(lambda self: "http://127.0.0.1:9/e/p/runs/x?a=1&b=2"))
    if vscode:
        monkeypatch.setenv("VSCODE_PID", "123")
    html = wandb.init(mode="offline")._repr_mimebundle_()["text/html"]
    assert 'href="http://127.0.0.1:9/e/p/runs/x?a=1&amp;b=2"' in html
    assert ("<iframe" in html) is not vscode


def test_sparkline_and_sampling(tmp_path) -> None:
    assert sparkline([1.0]) == "" and "polyline" in sparkline([1.0, float("nan"), 3.0])
    history = tmp_path / "wandb-history.jsonl"
    history.write_text("".join(f'{{"loss": {i}, "flag": true, "_step": {i}}}\n' for i in range(10_000)))
    series = sample_history(history, points=100)
    assert list(series) == ["loss"] and 90 <= len(series["loss"]) <= 100
    assert series["loss"] == sorted(series["loss"]) and series["loss"][0] == 0


def test_block_escapes_every_field() -> None:
    view = RunView(
        name="<b>n</b>",
        id="i<",
        project="p&<",
        mode="offline",
        root="/tmp/<x>",
        url=None,
        state="finished",
        steps=1,
        summary={"<k>": "<v>"},
        series={},
    )
    html = run_block(view)
    for raw in ("<b>n</b>", "i<", "p&<", "/tmp/<x>", "<k>", "<v>"):
        assert raw not in html

"""The example notebooks in notebooks/ run in a real kernel and show what their text says.

Each test executes the committed notebook file itself (a copy, in the isolated work
folder, which is also the kernel's working directory), then checks the runs it left
on disk and what its cells printed. Cells are found by a piece of their source, so
text and order may change; results may not.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from conftest import stream_text
from wandb_jupyter.common._yaml import unwrap_wandb_config
from wandb_jupyter.rundir._local_runs import list_local_runs

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
EXAMPLES = ["quickstart.ipynb", "settings_via_env.ipynb", "resume.ipynb", "console_capture.ipynb", "show_run.ipynb"]
STAMP = re.compile(r"^(ERROR )?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6} (.*)$")


@pytest.fixture
def run_example(isolated: Path, monkeypatch: pytest.MonkeyPatch):
    """Execute notebooks/<name> in a kernel started in the work folder; errors fail the test.

    Cells tagged ``raises-exception`` may fail (nbclient's rule). The kernel gets a user's
    environment: the venv's bin folder first on PATH, as when it is activated, so
    ``!wandb-jupyter`` resolves; and no PYTEST_CURRENT_TEST, which makes ipykernel stop
    forwarding subprocess output to the notebook (and so to output.log).
    """

    def run(name: str):
        monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
        monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
        shutil.copy(NOTEBOOKS / name, isolated / name)
        nb = nbformat.read(isolated / name, as_version=4)
        NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(isolated)}}).execute()
        return nb

    return run


def cell(nb, snippet: str):
    """The first code cell whose source contains ``snippet``."""
    for c in nb.cells:
        if c.cell_type == "code" and snippet in c.source:
            return c
    raise AssertionError(f"no code cell contains {snippet!r}")


def runs_by_id(work: Path) -> dict:
    return {r.id: r for r in list_local_runs(work / "wandb")}


def history(run) -> list[dict]:
    return [json.loads(line) for line in run.paths.file("wandb-history.jsonl").read_text().splitlines()]


def read_json(run, name: str) -> dict:
    return json.loads(run.paths.file(name).read_text())


def config(run) -> dict:
    return unwrap_wandb_config(yaml.safe_load(run.paths.file("config.yaml").read_text()))


def html_outputs(nb) -> str:
    return "".join(
        out.get("data", {}).get("text/html", "") for c in nb.cells if c.cell_type == "code" for out in c.outputs
    )


@pytest.mark.parametrize("name", EXAMPLES)
def test_stored_without_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert nb.cells[0].cell_type == "markdown"


def test_quickstart(run_example, isolated) -> None:
    nb = run_example("quickstart.ipynb")
    (run,) = runs_by_id(isolated).values()
    assert (run.project, run.mode, run.state, run.steps, run.exit_code) == ("quickstart", "offline", "finished", 20, 0)
    rows = history(run)
    assert [r["_step"] for r in rows] == list(range(20)) and [r["epoch"] for r in rows] == list(range(20))
    assert all({"loss", "accuracy", "_runtime", "_timestamp"} <= set(r) for r in rows)
    assert rows[-1]["loss"] < rows[0]["loss"] and rows[-1]["accuracy"] > rows[0]["accuracy"]
    summary = read_json(run, "wandb-summary.json")
    assert summary["best_accuracy"] == rows[-1]["accuracy"] == summary["accuracy"]
    assert config(run) == {"learning_rate": 0.02, "epochs": 20, "batch_size": 64}
    assert read_json(run, "wandb-metadata.json")["tags"] == ["demo"]
    assert "after 20 steps" in stream_text(cell(nb, "run.log("))
    listing = stream_text(cell(nb, "!wandb-jupyter runs"))
    assert re.search(rf"^{run.id}\s+\S+\s+quickstart\s+offline\s+finished\s+20\s", listing, re.M), listing
    assert "wandb-history.jsonl" in listing and "output.log" in listing


def test_settings_via_env(run_example, isolated) -> None:
    nb = run_example("settings_via_env.ipynb")
    (run,) = runs_by_id(isolated).values()
    metadata = read_json(run, "wandb-metadata.json")
    assert (run.project, run.mode, run.state) == ("env-demo", "offline", "finished")
    assert metadata["tags"] == ["baseline", "from-env"]
    assert metadata["notes"] == "Settings taken from *environment variables*."
    # base.yaml, then experiment.yaml (W&B format, overrides optimizer), then init(config=...)
    assert config(run) == {
        "optimizer": "adam",
        "learning_rate": 0.01,
        "layers": [64, 32],
        "dropout": 0.1,
        "batch_size": 32,
    }
    explained = {line.split()[0]: line for line in stream_text(cell(nb, "%wandb_settings --text")).splitlines()}
    for setting, variable in [
        ("project", "WANDB_PROJECT"),
        ("tags", "WANDB_TAGS"),
        ("notes", "WANDB_NOTES"),
        ("mode", "WANDB_MODE"),
        ("config_paths", "WANDB_CONFIG_PATHS"),
    ]:
        assert explained[setting].endswith(f"env ({variable})"), explained[setting]
    assert explained["resume"].endswith("default")
    shown = stream_text(cell(nb, "run.settings.origin"))
    assert re.search(r"^project\s+env-demo\s+<- env \(WANDB_PROJECT\)$", shown, re.M), shown
    assert re.search(r"^config_paths\s+base.yaml, experiment.yaml\s+<- env \(WANDB_CONFIG_PATHS\)$", shown, re.M)
    bad = cell(nb, "WANDB_MODE=sideways")
    assert "raises-exception" in bad.metadata.get("tags", [])
    error = stream_text(bad, "stderr").strip().splitlines()
    assert len(error) == 1 and error[0].startswith("UsageError: WANDB_MODE: invalid value 'sideways'"), error
    assert "offline" in error[0], "the error lists what is accepted"


def test_resume(run_example, isolated) -> None:
    nb = run_example("resume.ipynb")
    runs = runs_by_id(isolated)
    assert set(runs) == {"resume-demo", "fresh-run"}, "refused inits create no run folder"
    run = runs["resume-demo"]
    assert (run.state, run.steps, run.exit_code) == ("finished", 15, 0)
    rows = history(run)
    assert [r["_step"] for r in rows] == list(range(15)), "steps continue across both resumes"
    runtimes = [r["_runtime"] for r in rows]
    assert runtimes == sorted(runtimes)
    assert [r["loss"] for r in rows] == [1 / (step + 1) for step in range(15)]
    assert config(run) == {"learning_rate": 0.1, "batch_size": 64}, "config of both inits, merged"
    assert runs["fresh-run"].steps == 0 and not runs["fresh-run"].paths.root.samefile(run.paths.root)
    assert "crashed after 5 steps" in stream_text(cell(nb, "simulated crash"))
    assert '"resume-demo"' in stream_text(cell(nb, "simulated crash")), "auto keeps the id after a crash"
    failed = stream_text(cell(nb, "!wandb-jupyter runs"))
    assert re.search(r"^resume-demo\s+\S+\s+resume-demo\s+offline\s+failed\s+5\s", failed, re.M), failed
    assert "refused: run 'resume-demo' already exists" in stream_text(cell(nb, "except wandb.UsageError"))
    assert "resumed: True resume-demo at step 5" in stream_text(cell(nb, 'init(project="resume-demo", resume="auto"'))
    assert "at step 10 config: {'learning_rate': 0.1, 'batch_size': 64}" in stream_text(cell(nb, 'resume="must"'))
    allow = stream_text(cell(nb, 'resume="allow"'))
    assert "fresh-run resumed? False" in allow and "refused: resume='must' but no run 'no-such-run'" in allow
    final = stream_text(cell(nb, "wandb-history.jsonl"))
    assert f"steps: {list(range(15))}" in final
    assert re.search(r"^resume-demo\s+\S+\s+resume-demo\s+offline\s+finished\s+15\s", final, re.M), final


def test_console_capture(run_example, isolated) -> None:
    nb = run_example("console_capture.ipynb")
    runs = sorted(runs_by_id(isolated).values(), key=lambda r: r.started)
    assert len(runs) == 2 and all(r.project == "console-demo" and r.state == "finished" for r in runs)
    captured, quiet = runs
    log = captured.paths.file("output.log").read_text()
    lines = []
    for line in log.splitlines():
        match = STAMP.match(line)
        assert match, f"every line is stamped: {line!r}"
        lines.append(f"{match.group(1) or ''}{match.group(2)}")
    bars = [line for line in lines if line.startswith("ERROR training:")]
    assert len(bars) == 1 and re.match(r"ERROR training: 100%\|#+\| 40/40 ", bars[0]), "tqdm bar collapsed to its end"
    # in the order the cells printed; the subprocess's line comes through ipykernel's forwarding
    # thread (descriptor 1 -> sys.stdout, so wrap sees it) and may land after the `!echo` line
    assert lines[:4] == ["epoch 1: loss 0.52", "ERROR a warning on stderr", bars[0], "epoch 2: loss 0.31"]
    assert sorted(lines[4:]) == ["from a subprocess", "from the shell"]
    assert "epoch 1: loss 0.52" in stream_text(cell(nb, 'output.log").read_text()'))
    assert not quiet.paths.file("output.log").exists(), "WANDB_CONSOLE=off writes no output.log"
    off = stream_text(cell(nb, "WANDB_CONSOLE=off"))
    assert "this line is only in the notebook" in off and "output.log exists: False" in off


def test_show_run(run_example, isolated) -> None:
    nb = run_example("show_run.ipynb")
    runs = sorted(runs_by_id(isolated).values(), key=lambda r: r.started)
    assert len(runs) == 2 and all(r.project == "show-run-demo" and r.mode == "offline" for r in runs)
    shown = cell(nb, 'print("page:", run.url)')
    assert stream_text(shown, "stderr") == (
        f"wandb: WANDB_SHOW_RUN: this run has no page yet (it is stored in {runs[0].paths.root})\n"
    )
    assert "page: None" in stream_text(shown)
    assert stream_text(cell(nb, "WANDB_SHOW_RUN=false"), "stderr") == "", "off: nothing printed"
    assert "window.open(" not in html_outputs(nb), "no page to open for offline runs"

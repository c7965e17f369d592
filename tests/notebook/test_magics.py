"""The magics in a real kernel: every option, bad input as one line, %%wandb, %load_ext."""

from __future__ import annotations

import json

from conftest import stream_text

SHOW_RUN = (
    "import json, wandb_jupyter as w\nr = w.run\nprint(json.dumps({'name': r.name, 'project': r.project, "
    "'entity': r.entity, 'notes': r.notes, 'tags': list(r.tags), 'group': r.group, 'job_type': r.job_type, "
    "'mode': r.mode, 'id': r.id, 'dir': r.dir, 'config': dict(r.config), "
    "'disable_code': r.settings.disable_code, 'anonymous': r.settings.anonymous, "
    "'resume': r.settings.resume}))"
)


def _errors(nb) -> list:
    return [out for cell in nb.cells for out in cell.outputs if out.output_type == "error"]


def test_wandb_init_takes_every_option(execute_notebook, isolated) -> None:
    (isolated / "extra.yaml").write_text("batch: 32\nlr: 0.5\n")
    nb = execute_notebook(
        [
            "import wandb_jupyter",
            "%wandb_init --project vision --entity lab --name first --notes 'why **this**' --tags a,b --group sweep "
            "--job-type train --mode offline --resume allow --id run42 --dir sub --anonymous allow "
            "--config-file extra.yaml --config lr=1e-3 layers='[64, 32]' use_bn=true --no-save-code",
            SHOW_RUN,
        ]
    )
    shown = json.loads(stream_text(nb.cells[2]))
    assert shown == {
        "name": "first",
        "project": "vision",
        "entity": "lab",
        "notes": "why **this**",
        "tags": ["a", "b"],
        "group": "sweep",
        "job_type": "train",
        "mode": "offline",
        "id": "run42",
        "dir": shown["dir"],
        "config": {"batch": 32, "lr": 0.001, "layers": [64, 32], "use_bn": True},
        "disable_code": True,
        "anonymous": "allow",
        "resume": "allow",
    }
    assert shown["dir"].startswith(str(isolated / "sub" / "wandb" / "offline-run-"))
    assert _errors(nb) == []


def test_bad_options_and_values_are_one_line_errors(execute_notebook) -> None:
    nb = execute_notebook(
        [
            "import wandb_jupyter as w\n%wandb_init --mode offline --name keeper",
            "%wandb_init --bogus",
            "%wandb_init --mode sideways",
            "%wandb_init --mode offline --tags " + "x" * 65,
            "%wandb_init --config novalue",
            "%wandb_finish --exit-code abc",
            "print(w.run.name, w.run.finished)",
        ],
        allow_errors=True,
    )
    for index, needle in [
        (1, "unrecognized arguments: --bogus"),
        (2, "WANDB_MODE"),
        (3, "tags"),
        (4, "KEY=VALUE"),
        (5, "invalid int value"),
    ]:
        lines = stream_text(nb.cells[index], "stderr").strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("UsageError:"), (index, lines)
        if index != 2:
            assert needle in lines[0]
    assert "init(mode=...)" in stream_text(nb.cells[2], "stderr")
    assert _errors(nb) == []
    assert stream_text(nb.cells[6]) == "keeper False\n", "a rejected init leaves the active run alone"


def test_help_lists_every_option(execute_notebook) -> None:
    nb = execute_notebook(
        [
            "import wandb_jupyter\nprint(get_ipython().find_line_magic('wandb_init').__doc__)",
        ]
    )
    help_text = stream_text(nb.cells[0])
    for option in (
        "--project",
        "--entity",
        "--name",
        "--notes",
        "--tags",
        "--group",
        "--job-type",
        "--mode",
        "--resume",
        "--id",
        "--dir",
        "--config",
        "--config-file",
    ):
        assert option in help_text, option


def test_load_ext_registers_the_magics_and_a_new_init_finishes_the_previous_run(execute_notebook) -> None:
    nb = execute_notebook(
        [
            "%load_ext wandb_jupyter",
            "%wandb_init --mode offline --name one",
            "import wandb_jupyter as w\nfirst = w.run",
            "%wandb_init --mode offline --name two",
            "print(first.finished, w.run.name, w.run.finished)",
            "%wandb_finish",
            "print(w.run)\n%wandb_finish",
        ]
    )
    assert stream_text(nb.cells[4]) == "True two False\n"
    assert stream_text(nb.cells[6]) == "None\nwandb-jupyter: no active run\n"


def test_cell_magic_runs_the_cell_with_a_run_and_shows_it(execute_notebook) -> None:
    nb = execute_notebook(
        [
            "import wandb_jupyter as w",
            "%%wandb --mode offline --name cellrun\nfor i in range(3):\n    w.log({'x': i})\n"
            "print('inside', w.run.name)",
            "%%wandb\nw.log({'x': 10})",
            "print(w.run.name, w.run.step)",
        ]
    )
    assert "inside cellrun" in stream_text(nb.cells[1])
    assert any("cellrun" in out.get("data", {}).get("text/html", "") for out in nb.cells[1].outputs)
    assert any("cellrun" in out.get("data", {}).get("text/html", "") for out in nb.cells[2].outputs)
    assert stream_text(nb.cells[3]) == "cellrun 4\n"


def test_settings_magic_explains_the_settings(execute_notebook, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_PROJECT", "from-env")
    nb = execute_notebook(["import wandb_jupyter", "%wandb_settings --text"])
    text = stream_text(nb.cells[1])
    assert "from-env" in text and "env (WANDB_PROJECT)" in text


def test_a_second_wandb_init_says_it_finished_the_first_run(execute_notebook) -> None:
    """Issue 19: a second %wandb_init finished the first run without a word."""
    nb = execute_notebook(
        [
            "import wandb_jupyter as w\n%wandb_init --mode offline --name one",
            "%wandb_init --mode offline --name two",
            "%wandb_init --mode offline --name three --reinit create_new",
        ]
    )
    said = stream_text(nb.cells[1], "stderr") + stream_text(nb.cells[1])
    assert "finished the active run one" in said and "--reinit create_new" in said, said
    assert "finished the active run" not in stream_text(nb.cells[2], "stderr") + stream_text(nb.cells[2])


def test_a_config_value_left_empty_is_an_error(execute_notebook) -> None:
    """Issue 19: `--config lr=` was logged as an empty string without a word."""
    nb = execute_notebook(
        [
            "import wandb_jupyter as w\n%wandb_init --mode offline --config lr=",
            "print(w.run)",
            "%wandb_init --mode offline --config \"note=''\"\nprint(repr(w.run.config['note']))",
        ],
        allow_errors=True,
    )
    lines = stream_text(nb.cells[0], "stderr").strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("UsageError:") and "lr=" in lines[0] and "no value" in lines[0]
    assert stream_text(nb.cells[1]) == "None\n"
    assert stream_text(nb.cells[2]) == "''\n", "an empty string written as YAML is still possible"

"""The wandb-jupyter command line: workspace settings and local runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import wandb_jupyter as wandb
from wandb_jupyter.cli import main
from wandb_jupyter.settings import resolve


def _workspace_file(isolated):
    return isolated / "wandb" / "settings"


def test_offline_online_disabled_enabled_roundtrip(isolated, capsys) -> None:
    assert main(["offline"]) == 0
    assert resolve().mode == "offline" and resolve().origin("mode").kind == "workspace file"
    assert main(["on"]) == 0
    assert resolve().mode == "online" and resolve().origin("mode").kind == "default"
    assert main(["disabled"]) == 0
    assert wandb.init().disabled
    assert main(["enabled"]) == 0
    assert resolve().mode == "online"
    assert main(["off"]) == 0 and main(["enabled"]) == 0
    assert resolve().mode == "offline", "enabled only undoes disabled"


def test_init_writes_project_and_entity_and_validates_them(isolated, capsys) -> None:
    assert main(["init", "--project", "vision", "--entity", "lab"]) == 0
    resolved = resolve()
    assert (resolved.project, resolved.entity) == ("vision", "lab")
    assert main(["init", "--project", "bad/name"]) == 2
    assert "--project" in capsys.readouterr().err
    assert resolve().project == "vision"


def test_commands_respect_dir_and_wandb_dir(isolated, monkeypatch) -> None:
    other = isolated / "other"
    assert main(["offline", "--dir", str(other)]) == 0
    assert (other / "wandb" / "settings").is_file() and not _workspace_file(isolated).exists()
    monkeypatch.setenv("WANDB_DIR", str(other))
    assert resolve().mode == "offline"


def test_runs_lists_local_runs(isolated, capsys) -> None:
    for project in ("a", "b"):
        run = wandb.init(mode="offline", project=project, name=f"run-{project}")
        run.log({"x": 1})
        run.finish(quiet=True)
    assert main(["runs"]) == 0
    table = capsys.readouterr().out
    assert "run-a" in table and "run-b" in table and "finished" in table
    assert main(["runs", "--project", "b", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["name"], r["steps"], r["state"]) for r in listed] == [("run-b", 1, "finished")]


def test_runs_with_no_runs(isolated, capsys) -> None:
    assert main(["runs"]) == 0
    assert "no runs" in capsys.readouterr().out


def test_bad_environment_is_a_one_line_error_not_a_traceback(env_for_subprocess, tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wandb_jupyter", "settings"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**env_for_subprocess, "WANDB_RESUME": "perhaps"},
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "wandb-jupyter: error: WANDB_RESUME: invalid value 'perhaps'; expected one of allow, auto, must, never "
        "(also false, true)"
    ]


@pytest.mark.parametrize(
    "command", ["init", "offline", "off", "online", "on", "disabled", "enabled", "settings", "runs", "login", "sync"]
)
def test_every_command_has_help(command, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    assert "--dir" in capsys.readouterr().out


def test_version_and_no_command(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert wandb.__version__ in capsys.readouterr().out
    assert main([]) == 0
    assert "COMMAND" in capsys.readouterr().out

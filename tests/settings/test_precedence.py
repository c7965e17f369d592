"""The whole precedence chain, lowest first:
defaults < global file < workspace file < env < detected (fills unset only)
< init(settings=...) < init() keyword arguments."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from wandb_jupyter.settings import PRECEDENCE, Settings, resolve, write_file


def _layers(work: Path) -> dict[str, object]:
    """Set project in every layer; return what each layer would contribute."""
    global_dir = Path(os.environ["WANDB_CONFIG_DIR"])
    write_file(global_dir / "settings", {"project": "from-global"})
    write_file(work / "wandb" / "settings", {"project": "from-workspace"})
    return {
        "env": {"WANDB_PROJECT": "from-env"},
        "settings": Settings(project="from-settings"),
        "init": {"project": "from-init"},
    }


def test_each_layer_beats_the_ones_below(isolated: Path) -> None:
    layers = _layers(isolated)
    env = {**os.environ, **layers["env"]}

    def project(**kwargs: object) -> tuple[str, str]:
        resolved = resolve(cwd=isolated, **kwargs)
        return resolved.project, resolved.origin("project").kind

    assert project(environ=env, settings=layers["settings"], init=layers["init"]) == ("from-init", "init")
    assert project(environ=env, settings=layers["settings"]) == ("from-settings", "init")
    assert project(environ=env) == ("from-env", "env")
    assert project(environ=dict(os.environ)) == ("from-workspace", "workspace file")
    (isolated / "wandb" / "settings").unlink()
    assert project(environ=dict(os.environ)) == ("from-global", "global file")
    (Path(os.environ["WANDB_CONFIG_DIR"]) / "settings").unlink()
    assert project(environ=dict(os.environ)) == ("uncategorized", "default")


def test_init_arguments_beat_init_settings_for_every_init_argument(isolated: Path) -> None:
    resolved = resolve(
        environ=dict(os.environ),
        settings={"run_group": "s", "job_type": "s", "notes": "s", "run_id": "s", "mode": "offline"},
        init={"group": "i", "job_type": "i", "notes": "i", "id": "i", "mode": "disabled"},
    )
    assert (resolved.run_group, resolved.job_type, resolved.notes, resolved.run_id, resolved.mode) == (
        "i",
        "i",
        "i",
        "i",
        "disabled",
    )


def test_detected_values_fill_only_what_is_unset(isolated: Path) -> None:
    repo = isolated / "my-experiments"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    detected = resolve(environ=dict(os.environ), cwd=repo)
    assert (detected.project, detected.origin("project").kind) == ("my-experiments", "detected")
    assert detected.origin("host").kind == "detected"

    write_file(repo / "wandb" / "settings", {"project": "pinned"})
    from_file = resolve(environ=dict(os.environ), cwd=repo)
    assert (from_file.project, from_file.origin("project").kind) == ("pinned", "workspace file")

    by_env = resolve(environ={**os.environ, "WANDB_HOST": "gpu-box"}, cwd=repo)
    assert (by_env.host, by_env.origin("host").kind) == ("gpu-box", "env")


def test_workspace_file_is_read_from_the_run_folder(isolated: Path) -> None:
    elsewhere = isolated / "elsewhere"
    write_file(elsewhere / "wandb" / "settings", {"mode": "offline"})
    assert resolve(environ=dict(os.environ)).mode == "online"
    assert resolve(environ={**os.environ, "WANDB_DIR": str(elsewhere)}).mode == "offline"
    assert resolve(environ=dict(os.environ), init={"dir": str(elsewhere)}).mode == "offline"


def test_global_file_follows_wandb_config_dir(isolated: Path) -> None:
    custom = isolated / "custom-config"
    write_file(custom / "settings", {"entity": "team"})
    resolved = resolve(environ={**os.environ, "WANDB_CONFIG_DIR": str(custom)})
    assert (resolved.entity, resolved.origin("entity").kind) == ("team", "global file")


def test_precedence_order_is_documented() -> None:
    assert PRECEDENCE == ("default", "global file", "workspace file", "env", "detected", "init")


@pytest.mark.parametrize("layer", ["env", "workspace file", "global file"])
def test_a_bad_value_in_a_lower_layer_is_reported_even_when_overridden(isolated: Path, layer: str) -> None:
    """A broken source is an error, not silently shadowed: the user must learn about it."""
    from wandb_jupyter import SettingsError

    env = dict(os.environ)
    if layer == "env":
        env["WANDB_MODE"] = "sideways"
    elif layer == "workspace file":
        write_file(isolated / "wandb" / "settings", {"project": "ok"})
        (isolated / "wandb" / "settings").write_text("[default]\nmode = sideways\n")
    else:
        Path(os.environ["WANDB_CONFIG_DIR"]).mkdir(parents=True, exist_ok=True)
        (Path(os.environ["WANDB_CONFIG_DIR"]) / "settings").write_text("[default]\nmode = sideways\n")
    with pytest.raises(SettingsError, match="sideways"):
        resolve(environ=env, init={"mode": "offline"})

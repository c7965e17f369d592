"""Every init() argument: a valid value is used, an invalid one is a clear error naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import wandb_jupyter as wandb
from wandb_jupyter import SettingsError, UsageError

VALID = [
    pytest.param("project", "vision", "project", "vision", id="project"),
    pytest.param("entity", "team-a", "entity", "team-a", id="entity"),
    pytest.param("name", "baseline", "name", "baseline", id="name"),
    pytest.param("notes", "**bold** idea", "notes", "**bold** idea", id="notes"),
    pytest.param("tags", ["a", " b "], "tags", ("a", "b"), id="tags-list"),
    pytest.param("tags", "a,,b", "tags", ("a", "b"), id="tags-string"),
    pytest.param("group", "sweep-1", "run_group", "sweep-1", id="group"),
    pytest.param("job_type", "eval", "job_type", "eval", id="job_type"),
    pytest.param("mode", "DRYRUN", "mode", "offline", id="mode-alias"),
    pytest.param("resume", True, "resume", "auto", id="resume-bool"),
    pytest.param("id", "my run!", "run_id", "my-run-", id="id-sanitised"),
    pytest.param("save_code", False, "disable_code", True, id="save_code"),
    pytest.param("anonymous", "allow", "anonymous", "allow", id="anonymous"),
]

INVALID = [
    pytest.param("project", "a/b", "1 to 128 characters", id="project-slash"),
    pytest.param("entity", "x" * 129, "1 to 128 characters", id="entity-long"),
    pytest.param("name", 42, "a string", id="name-int"),
    pytest.param("tags", ["ok", "t" * 65], "1 to 64", id="tags-long"),
    pytest.param("tags", 3, "comma-separated", id="tags-int"),
    pytest.param("mode", "cloud", "online, offline, disabled".replace(", ", "|"), id="mode"),
    pytest.param("resume", "sometimes", "never", id="resume"),
    pytest.param("id", "x" * 65, "1 to 64", id="id-long"),
    pytest.param("save_code", "maybe", "boolean", id="save_code"),
    pytest.param("anonymous", "always", "allow", id="anonymous"),
    pytest.param("dir", "", "path", id="dir-empty"),
]


@pytest.mark.parametrize("arg, value, setting, expected", VALID)
def test_valid_init_arguments_reach_the_settings(isolated, arg, value, setting, expected) -> None:
    kwargs = {"mode": "offline", arg: value}
    run = wandb.init(**kwargs)
    assert getattr(run.settings, setting) == expected
    assert run.settings.origin(setting).detail == f"init({arg}=...)"


@pytest.mark.parametrize("arg, value, accepted", INVALID)
def test_invalid_init_arguments_name_the_argument(isolated, arg, value, accepted) -> None:
    with pytest.raises(SettingsError) as error:
        wandb.init(**{"mode": "offline", arg: value})
    message = str(error.value)
    assert f"init({arg}=...)" in message
    assert any(part in message for part in accepted.split("|"))
    assert not (Path.cwd() / "wandb").exists() or not any((Path.cwd() / "wandb").glob("*run-*"))


def test_notes_tags_group_and_job_type_are_recorded(isolated) -> None:
    run = wandb.init(mode="offline", notes="why", tags=["x"], group="g", job_type="train")
    meta = json.loads(Path(run.dir, "wandb-metadata.json").read_text())
    assert (meta["notes"], meta["tags"], meta["group"], meta["jobType"]) == ("why", ["x"], "g", "train")


def test_unknown_settings_and_bad_settings_types(isolated) -> None:
    with pytest.raises(UsageError, match="unknown setting"):
        wandb.init(settings={"colour": "blue"})
    with pytest.raises(UsageError, match="Settings or a dict"):
        wandb.init(settings=["mode", "offline"])
    with pytest.raises(UsageError, match="config"):
        wandb.init(mode="offline", config=42)
    run = wandb.init(settings=wandb.Settings(mode="offline", project="from-settings"))
    assert run.project == "from-settings" and run.mode == "offline"

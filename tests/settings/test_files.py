"""The global ($WANDB_CONFIG_DIR/settings) and workspace (<dir>/wandb/settings) settings files.

Both are W&B's configparser files with a ``[default]`` section, so files that
W&B's own ``wandb init`` / ``wandb offline`` wrote keep working.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from wandb_jupyter import SettingsError, cli
from wandb_jupyter.settings import BY_NAME, SETTINGS, resolve, write_file

KEY = "0123456789abcdef0123456789abcdef01234567"


def _config_dir() -> Path:
    return Path(os.environ["WANDB_CONFIG_DIR"])


def _file(kind: str, work: Path) -> Path:
    """The file of ``kind`` for a process working in ``work`` with the isolated environment."""
    return _config_dir() / "settings" if kind == "global file" else work / "wandb" / "settings"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _resolve(work: Path, **env: str):
    return resolve(environ={"WANDB_CONFIG_DIR": str(_config_dir()), **env}, cwd=work)


KINDS = [pytest.param("global file", id="global"), pytest.param("workspace file", id="workspace")]


# --- reading -------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_values_carry_file_path_and_line(isolated: Path, kind: str) -> None:
    path = _write(_file(kind, isolated), "# written by hand\n[default]\nentity = team\n\nproject = proj\n")
    resolved = _resolve(isolated)
    assert (resolved.entity, resolved.project) == ("team", "proj")
    assert resolved.origin("entity").kind == kind
    assert resolved.origin("entity").detail == f"entity in {path} line 3"
    assert resolved.origin("project").detail == f"project in {path} line 5"


def test_workspace_file_is_read_from_wandb_dir_not_cwd(isolated: Path) -> None:
    _write(isolated / "wandb" / "settings", "[default]\nproject = from-cwd\n")
    elsewhere = isolated.parent / "elsewhere"
    path = _write(elsewhere / "wandb" / "settings", "[default]\nproject = from-wandb-dir\n")
    resolved = _resolve(isolated, WANDB_DIR=str(elsewhere))
    assert resolved.project == "from-wandb-dir"
    assert str(path) in resolved.origin("project").detail


def test_relative_wandb_dir_is_relative_to_cwd(isolated: Path) -> None:
    _write(isolated / "out" / "wandb" / "settings", "[default]\nmode = offline\n")
    assert _resolve(isolated, WANDB_DIR="out").mode == "offline"


def test_global_file_follows_relative_config_dir(isolated: Path) -> None:
    _write(isolated / "cfg" / "settings", "[default]\nentity = team\n")
    resolved = _resolve(isolated, WANDB_CONFIG_DIR="cfg")
    assert (resolved.entity, resolved.origin("entity").kind) == ("team", "global file")


def test_file_written_by_wandb_works(isolated: Path) -> None:
    """What W&B's `wandb init` and `wandb offline` leave in wandb/settings."""
    _write(
        isolated / "wandb" / "settings",
        "[default]\nentity = my-team\nproject = my-project\nbase_url = https://wandb.example.com/\nmode = offline\n\n",
    )
    resolved = _resolve(isolated)
    assert (resolved.entity, resolved.project, resolved.base_url, resolved.mode) == (
        "my-team",
        "my-project",
        "https://wandb.example.com",
        "offline",
    )
    assert {resolved.origin(n).kind for n in ("entity", "project", "base_url", "mode")} == {"workspace file"}


@pytest.mark.parametrize(
    ("line", "mode"),
    [
        pytest.param("mode = dryrun", "offline", id="old-dryrun"),
        pytest.param("mode = run", "online", id="old-run"),
        pytest.param("disabled = true", "disabled", id="legacy-disabled"),
        pytest.param("Mode: Offline", "offline", id="colon-and-case"),
    ],
)
def test_modes_wandb_versions_wrote(isolated: Path, line: str, mode: str) -> None:
    _write(isolated / "wandb" / "settings", f"[default]\n{line}\n")
    resolved = _resolve(isolated)
    assert (resolved.mode, resolved.origin("mode").kind) == (mode, "workspace file")


def test_legacy_disabled_false_leaves_mode_alone(isolated: Path) -> None:
    _write(isolated / "wandb" / "settings", "[default]\ndisabled = false\n")
    assert _resolve(isolated).mode == "online"


def test_explicit_mode_beats_legacy_disabled(isolated: Path) -> None:
    _write(isolated / "wandb" / "settings", "[default]\ndisabled = true\nmode = offline\n")
    assert _resolve(isolated).mode == "offline"


def test_group_key_is_read_as_run_group(isolated: Path) -> None:
    _write(isolated / "wandb" / "settings", "[default]\ngroup = sweep-7\n")
    assert _resolve(isolated).run_group == "sweep-7"


def test_legacy_disabled_origin_has_line(isolated: Path) -> None:
    path = _write(isolated / "wandb" / "settings", "[default]\nproject = p\ndisabled = true\n")
    assert _resolve(isolated).origin("mode").detail == f"disabled in {path} line 3"


def test_enabled_undoes_legacy_disabled(isolated: Path) -> None:
    _write(isolated / "wandb" / "settings", "[default]\nproject = p\ndisabled = true\n")
    assert _resolve(isolated).mode == "disabled"
    assert cli.main(["enabled"]) == 0
    assert _resolve(isolated).mode == "online"


def test_unknown_keys_and_other_sections_are_ignored(isolated: Path) -> None:
    _write(
        isolated / "wandb" / "settings",
        "[default]\nproject = p\n__stage_dir__ = wandb\nfavourite_colour = blue\n[other]\nmode = not-a-mode\n",
    )
    resolved = _resolve(isolated)
    assert resolved.project == "p"
    assert resolved.mode == "online"
    assert not hasattr(resolved, "favourite_colour")


def test_file_without_default_section_contributes_nothing(isolated: Path) -> None:
    _write(_config_dir() / "settings", "[profile]\nentity = team\n")
    assert _resolve(isolated).origin("entity").kind != "global file"


def test_empty_value_counts_as_unset(isolated: Path) -> None:
    _write(isolated / "wandb" / "settings", "[default]\nmode =\nproject = \n")
    resolved = _resolve(isolated)
    assert (resolved.mode, resolved.origin("mode").kind) == ("online", "default")
    assert resolved.origin("project").kind != "workspace file"


@pytest.mark.parametrize("key", ["dir", "config_dir"])
def test_dir_and_config_dir_are_not_read_from_files(isolated: Path, key: str) -> None:
    _write(_config_dir() / "settings", f"[default]\n{key} = /somewhere/else\n")
    _write(isolated / "wandb" / "settings", f"[default]\n{key} = /somewhere/else\n")
    resolved = _resolve(isolated)
    assert resolved.dir == isolated
    assert resolved.config_dir == _config_dir()
    assert resolved.origin(key).kind not in ("global file", "workspace file")


# --- errors ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("text", "line", "value", "accepted"),
    [
        pytest.param("mode = sideways", 3, "sideways", "online (also", id="mode"),
        pytest.param("tags = ok," + "t" * 65, 3, "t" * 65, "1 to 64 characters", id="tags"),
        pytest.param("base_url = ftp://host", 3, "ftp://host", "http(s) URL", id="base_url"),
        pytest.param("project = a/b", 3, "a/b", "none of /", id="project"),
        pytest.param("silent = perhaps", 3, "perhaps", "true/false", id="silent"),
        pytest.param("\n\n# comment\nRESUME: sometimes", 6, "sometimes", "never", id="after-comments-upper-key"),
    ],
)
def test_bad_value_names_file_line_value_and_accepted(
    isolated: Path, kind: str, text: str, line: int, value: str, accepted: str
) -> None:
    path = _write(_file(kind, isolated), f"[default]\nentity = team\n{text}\n")
    with pytest.raises(SettingsError) as caught:
        _resolve(isolated)
    message = str(caught.value)
    assert f"{path} line {line}" in message
    assert value in message and accepted in message


def test_line_number_counts_in_the_default_section(isolated: Path) -> None:
    path = _write(isolated / "wandb" / "settings", "[other]\nmode = x\n\n[default]\nmode = sideways\n")
    with pytest.raises(SettingsError, match=f"{path} line 5"):
        _resolve(isolated)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "text",
    [
        pytest.param("mode = offline\n", id="no-section-header"),
        pytest.param("[default]\nmode = offline\nthis is not a setting\n", id="garbage-line"),
        pytest.param("[default\nmode = offline\n", id="unclosed-header"),
        pytest.param("[default]\nmode = offline\nmode = online\n", id="duplicate-key"),
        pytest.param("[default]\n[default]\n", id="duplicate-section"),
    ],
)
def test_broken_file_names_the_file(isolated: Path, kind: str, text: str) -> None:
    path = _write(_file(kind, isolated), text)
    with pytest.raises(SettingsError) as caught:
        _resolve(isolated)
    assert str(caught.value).startswith(str(path))
    assert "[default]" in str(caught.value)


def test_binary_file_names_the_file(isolated: Path) -> None:
    path = isolated / "wandb" / "settings"
    path.parent.mkdir()
    path.write_bytes(b"\x00\xff\xfe binary")
    with pytest.raises(SettingsError, match="UTF-8") as caught:
        _resolve(isolated)
    assert str(path) in str(caught.value)


# --- writing -----------------------------------------------------------------------

#: One non-default value for every setting a file can hold, as init() would pass it.
SAMPLES = {
    "entity": "my-team",
    "project": "my-project",
    "username": "alice",
    "user_email": "alice@example.com",
    "name": "run one",
    "notes": "smaller lr\nmore regularisation, 50% better",
    "tags": ("a", "b c"),
    "run_group": "exp-1",
    "job_type": "eval",
    "mode": "offline",
    "base_url": "http://localhost:8080/w",
    "api_key": KEY,
    "anonymous": "allow",
    "resume": "must",
    "run_id": "abc-123",
    "console": "wrap",
    "disable_code": True,
    "notebook_name": "nb/train.ipynb",
    "ignore_globs": ("*.ckpt", "media/**"),
    "config_paths": (Path("/cfg/a.yaml"), Path("/cfg/b.yaml")),
    "host": "gpu-1",
    "docker": "img@sha256:ab",
    "silent": True,
    "show_run": True,
    "error_reporting": False,
    "stats_interval": 2.5,
    "disable_stats": True,
    "init_timeout": 45.0,
}


def test_samples_cover_every_file_setting() -> None:
    assert set(SAMPLES) == {s.name for s in SETTINGS if s.in_files}
    assert all(SAMPLES[name] != BY_NAME[name].default for name in SAMPLES)


@pytest.mark.parametrize("kind", KINDS)
def test_write_file_round_trips_every_setting(isolated: Path, kind: str) -> None:
    path = _file(kind, isolated)
    write_file(path, SAMPLES)
    resolved = _resolve(isolated)
    assert {name: getattr(resolved, name) for name in SAMPLES} == SAMPLES
    assert {resolved.origin(name).kind for name in SAMPLES} == {kind}


def test_write_file_keeps_other_keys_and_none_removes(isolated: Path) -> None:
    path = _write(
        isolated / "wandb" / "settings",
        "[default]\nentity = team\nproject = old\n__stage_dir__ = wandb\n[other]\nx = 1\n",
    )
    write_file(path, {"project": "new", "mode": "offline"})
    write_file(path, {"entity": None, "run_group": None})
    text = path.read_text()
    assert "__stage_dir__ = wandb" in text and "[other]" in text and "x = 1" in text
    assert "entity" not in text
    resolved = _resolve(isolated)
    assert (resolved.project, resolved.mode) == ("new", "offline")
    assert resolved.origin("entity").kind != "workspace file"


def test_write_file_creates_missing_folders(isolated: Path) -> None:
    path = isolated / "a" / "b" / "wandb" / "settings"
    write_file(path, {"project": "p"})
    assert _resolve(isolated, WANDB_DIR=str(isolated / "a" / "b")).project == "p"


def test_file_with_api_key_is_private(isolated: Path) -> None:
    path = _write(_config_dir() / "settings", "[default]\nentity = team\n")
    path.chmod(0o644)
    write_file(path, {"api_key": KEY})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    write_file(path, {"project": "p"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _resolve(isolated).api_key == KEY


def test_write_file_leaves_no_temporary_files(isolated: Path) -> None:
    path = isolated / "wandb" / "settings"
    write_file(path, {"project": "p"})
    write_file(path, {"mode": "offline"})
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings"]


@pytest.mark.parametrize("key", ["dir", "config_dir", "favourite_colour"])
def test_write_file_refuses_keys_files_do_not_hold(isolated: Path, key: str) -> None:
    path = isolated / "wandb" / "settings"
    with pytest.raises(KeyError, match=key):
        write_file(path, {key: "x"})
    assert not path.exists()


def test_markdown_heading_in_notes_survives_a_round_trip(isolated: Path) -> None:
    notes = "Intro\n# Results\nloss went down\n; not a comment either"
    write_file(isolated / "wandb" / "settings", {"notes": notes})
    assert _resolve(isolated).notes == notes

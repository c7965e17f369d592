"""``Settings`` with W&B 0.31's field names: the list matches the installed SDK, the fields that apply
become our settings, the rest warn once, and a name neither knows is still an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from wandb_jupyter import Settings, UsageError
from wandb_jupyter.settings._wandb_fields import APPLIES, INIT_FIELDS, WANDB_FIELDS

#: A value for each W&B field that applies here, and what our setting must then hold.
SAMPLES = {
    "entity": ("team", "team"),
    "project": ("proj", "proj"),
    "username": ("alice", "alice"),
    "email": ("a@example.com", "a@example.com"),
    "run_name": ("named", "named"),
    "run_notes": ("notes", "notes"),
    "run_tags": (("a", "b"), ("a", "b")),
    "run_group": ("g", "g"),
    "run_job_type": ("train", "train"),
    "run_id": ("abc123", "abc123"),
    "mode": ("offline", "offline"),
    "base_url": ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
    "api_key": ("k" * 40, "k" * 40),
    "anonymous": ("allow", "allow"),
    "resume": ("allow", "allow"),
    "console": ("off", "off"),
    "disable_code": (True, True),
    "save_code": (False, True),  # inverted
    "notebook_name": ("nb.ipynb", "nb.ipynb"),
    "ignore_globs": (("*.ckpt",), ("*.ckpt",)),
    "config_paths": (("c.yaml",), (Path("c.yaml"),)),
    "root_dir": ("/tmp/somewhere", Path("/tmp/somewhere")),
    "silent": (True, True),
    "host": ("box", "box"),
    "docker": ("img:1", "img:1"),
    "x_stats_sampling_interval": (2, 2.0),
    "x_disable_stats": (True, True),
    "init_timeout": (90, 90.0),
    "sweep_id": ("sweep1", "sweep1"),
    "sweep_param_path": ("params.yaml", Path("params.yaml")),
}


def test_the_field_list_is_that_of_the_installed_wandb() -> None:
    wandb = pytest.importorskip("wandb")
    assert set(wandb.Settings.model_fields) == WANDB_FIELDS
    assert set(APPLIES) | INIT_FIELDS <= WANDB_FIELDS


@pytest.mark.parametrize("field", sorted(APPLIES))
def test_a_field_that_applies_becomes_our_setting(field: str) -> None:
    value, expected = SAMPLES[field]
    ours, _ = APPLIES[field]
    resolved = Settings(**{field: value}).resolve()
    assert getattr(resolved, ours) == expected
    assert resolved.origin(ours).kind == "init" and field in resolved.origin(ours).detail


def test_older_names_and_ignored_fields_warn_once_naming_them(wandb_warnings) -> None:
    settings = Settings(_disable_stats=True, start_method="thread", x_graphql_timeout_seconds=3, show_emoji=False)
    assert settings.resolve().disable_stats is True
    Settings(start_method="thread", x_graphql_timeout_seconds=3, show_emoji=False)
    (warning,) = [w.getMessage() for w in wandb_warnings]
    assert "show_emoji, start_method, x_graphql_timeout_seconds" in warning and "_disable_stats" not in warning


def test_our_name_wins_over_wandbs_for_the_same_setting() -> None:
    assert Settings(name="ours", run_name="theirs").resolve().name == "ours"


def test_an_unknown_name_is_still_an_error() -> None:
    with pytest.raises(UsageError, match="projcet"):
        Settings(projcet="typo")
    with pytest.raises(UsageError, match="_nonsense"):
        Settings(_nonsense=1)


@pytest.mark.parametrize("value", ["wrap_raw", "wrap_emu"])
def test_wandbs_console_modes_are_accepted(value: str) -> None:
    assert Settings(console=value).resolve().console == "wrap"

"""The settings panel, driven directly and through a real kernel (widget state stored by nbclient)."""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import ipywidgets as widgets
import pytest

import wandb_jupyter as wandb
from conftest import stream_text
from wandb_jupyter.notebook._panel import SettingsPanel
from wandb_jupyter.settings import GROUPS, SETTINGS, resolve, write_file

KEY = "local-" + "s3cr3t" * 8


@pytest.fixture
def panel(isolated, monkeypatch) -> SettingsPanel:
    monkeypatch.setenv("WANDB_MODE", "offline")
    return SettingsPanel()


def test_fields_are_the_settings_table(panel) -> None:
    assert list(panel.fields) == [setting.name for setting in SETTINGS]
    assert list(panel.sections.titles) == list(GROUPS)
    kinds = {name: type(field.input) for name, field in panel.fields.items()}
    assert kinds["api_key"] is widgets.Password and kinds["silent"] is widgets.Checkbox
    assert kinds["mode"] is widgets.Dropdown and set(panel.fields["mode"].input.options) == {
        "online",
        "offline",
        "disabled",
    }
    assert kinds["project"] is widgets.Text
    for setting in SETTINGS:
        assert html.unescape(panel.fields[setting.name].help.value).count(setting.help) == 1


def test_values_and_sources_come_from_env_files_and_defaults(isolated, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_TAGS", "a, b")
    write_file(Path(os.environ["WANDB_CONFIG_DIR"]) / "settings", {"entity": "global-team"})
    write_file(isolated / "wandb" / "settings", {"project": "from-workspace"})
    panel = SettingsPanel()
    shown = {name: (field.input.value, field.source.value) for name, field in panel.fields.items()}
    assert shown["mode"][0] == "offline" and "env (WANDB_MODE)" in shown["mode"][1]
    assert shown["tags"][0] == "a,b"
    assert shown["entity"][0] == "global-team" and "global file" in shown["entity"][1]
    assert shown["project"][0] == "from-workspace" and "workspace file" in shown["project"][1]
    assert shown["resume"][0] == "never" and "default" in shown["resume"][1]
    assert shown["host"][1].find("detected") >= 0


def test_invalid_input_shows_the_message_and_blocks_start(panel) -> None:
    panel.fields["project"].input.value = "bad/name"
    assert "1 to 128 characters" in panel.fields["project"].error.value and panel.start.disabled
    assert panel.start_run() is None and wandb.run is None
    panel.fields["project"].input.value = "fine"
    assert panel.fields["project"].error.value == "" and not panel.start.disabled


def test_start_uses_the_panel_values_and_the_status_follows_the_run(panel) -> None:
    panel.fields["project"].input.value = "from-panel"
    panel.fields["tags"].input.value = "x,y"
    panel.fields["notes"].input.value = "why"
    run = panel.start_run()
    assert (run.project, run.tags, run.notes) == ("from-panel", ("x", "y"), "why")
    assert run.settings.origin("project").kind == "init"
    assert f"<b>{run.name}</b> · running · 0 steps" in panel.status.value
    run.log({"a": 1})
    panel.refresh()
    assert "1 steps" in panel.status.value
    panel.finish_run()
    assert run.finished and "no active run" in panel.status.value


def test_runs_started_from_code_update_the_panel(panel) -> None:
    run = wandb.init(mode="offline", name="from-code")
    assert "from-code" in panel.status.value and not panel.finish.disabled
    run.finish(quiet=True)
    assert "no active run" in panel.status.value and panel.finish.disabled


def test_save_writes_the_workspace_file_without_the_key_unless_asked(panel, isolated) -> None:
    panel.fields["project"].input.value = "saved"
    panel.fields["api_key"].input.value = KEY
    path = Path(panel.save_defaults())
    text = path.read_text()
    assert path == isolated / "wandb" / "settings" and "saved" in text and KEY not in text
    again = resolve()
    assert again.project == "saved" and again.origin("project").kind == "workspace file"
    assert panel.fields["project"].input.value == "saved" and "workspace file" in panel.fields["project"].source.value

    panel.fields["api_key"].input.value = KEY
    panel.include_key.value = True
    panel.save_defaults()
    assert resolve(environ={k: v for k, v in os.environ.items() if k != "WANDB_API_KEY"}).api_key == KEY
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_saved_values_read_back_identically(panel) -> None:
    panel.fields["tags"].input.value = "one, two"
    panel.fields["notes"].input.value = "# Heading\nline two"
    panel.fields["show_run"].input.value = True
    panel.save_defaults()
    resolved = resolve()
    assert resolved.tags == ("one", "two") and resolved.notes == "# Heading\nline two" and resolved.show_run is True
    assert not any(field.edited for field in SettingsPanel().fields.values())


def test_reset_discards_edits(panel) -> None:
    panel.fields["project"].input.value = "bad/name"
    panel.reset_fields()
    assert panel.fields["project"].input.value == resolve().project and not panel.start.disabled


def test_text_fallback_lists_the_settings(panel) -> None:
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == panel.resolved.explain()


def test_panel_in_a_kernel_stores_its_widget_state(execute_notebook, monkeypatch, isolated) -> None:
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_PROJECT", "from-env")
    nb = execute_notebook(
        [
            "import wandb_jupyter\npanel = wandb_jupyter.settings_panel()\npanel",
            "panel.fields['project'].input.value = 'from-kernel'\npanel.start.click()\nrun = wandb_jupyter.run\n"
            "print(run.project, run.mode)",
            "run.log({'a': 1})",
            "print(panel.status.value)",
            "%wandb_settings",
        ],
        store_widget_state=True,
    )
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    values: dict[str, list] = {}
    for model in state.values():
        fields = model["state"]
        if model["model_name"] == "TextModel":
            values.setdefault(fields.get("description"), []).append(fields.get("value"))
        elif model["model_name"] == "DropdownModel":
            values.setdefault(fields.get("description"), []).append(fields["_options_labels"][fields["index"]])
    assert values["project"] == ["from-kernel", "from-env"], "the edited panel, then the one %wandb_settings showed"
    assert values["mode"] == ["offline", "offline"]
    assert stream_text(nb.cells[1]) == "from-kernel offline\n"
    assert "running · 1 steps" in stream_text(nb.cells[3])
    outputs = nb.cells[4].outputs
    assert outputs and "application/vnd.jupyter.widget-view+json" in outputs[0]["data"]
    assert "from-env" in outputs[0]["data"]["text/plain"], "text fallback where widgets are not rendered"
    json.dumps(state)


def test_the_api_key_never_enters_widget_state_or_outputs(execute_notebook, monkeypatch, isolated) -> None:
    """Issue 19, item 1: a notebook saved with its widget state holds neither the resolved key nor a typed one."""
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    typed = "local-" + "typ3d" * 9  # typed into the field: the cell reads it from the environment
    monkeypatch.setenv("TYPED_KEY", typed)
    nb = execute_notebook(
        [
            "import wandb_jupyter\npanel = wandb_jupyter.settings_panel()\npanel",
            "import os\nkey = panel.fields['api_key']\nkey.input.value = os.environ['TYPED_KEY']\n"
            "print(repr(key.input.value), key.input.placeholder)",
            "panel.include_key.value = True\nprint(panel.save_defaults() is not None)",
            "%wandb_settings",
        ],
        store_widget_state=True,
    )
    import nbformat

    saved = nbformat.writes(nb)
    assert nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    for secret in (KEY, typed):
        assert secret not in saved and secret[-12:] not in saved
    assert "****" + KEY[-4:] in saved, "the field shows the key masked"
    assert stream_text(nb.cells[1]) == f"'' ****{typed[-4:]} (new)\n", "a typed key leaves the widget at once"
    assert stream_text(nb.cells[2]) == "True\n"
    assert f"api_key = {typed}" in (isolated / "wandb" / "settings").read_text(), "the typed key still takes effect"

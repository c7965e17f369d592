"""Settings.explain(), Settings(...) validation and `wandb-jupyter settings`: every value with its source."""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

import pytest

from wandb_jupyter import SettingsError, UsageError, cli
from wandb_jupyter.settings import PRECEDENCE, SETTINGS, Settings, resolve, untranslated_singularity_vars, write_file

KEY = "0123456789abcdef0123456789abcdef0123wxyz"
_SOURCE = re.compile(r"  (?P<kind>" + "|".join(map(re.escape, PRECEDENCE)) + r")(?: \((?P<detail>.*)\))?$")


def _rows(text: str) -> dict[str, tuple[str, str, str]]:
    """explain() text -> {setting: (line, source kind, source detail)}; checks one line per setting."""
    lines = text.splitlines()
    assert lines[0].split() == ["setting", "variable", "value", "source"]
    rows = {}
    for line in lines[1:]:
        match = _SOURCE.search(line)
        assert match, f"no source at the end of {line!r}"
        rows[line.split()[0]] = (line, match["kind"], match["detail"] or "")
    assert list(rows) == [s.name for s in SETTINGS], "explain() must list every setting once, in table order"
    return rows


@pytest.fixture
def every_source(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """One setting from each source; returns setting -> the source kind explain() must show."""
    write_file(Path(os.environ["WANDB_CONFIG_DIR"]) / "settings", {"entity": "team-from-global", "api_key": KEY})
    write_file(isolated / "wandb" / "settings", {"project": "proj-from-workspace"})
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_TAGS", "a, b")
    return {
        "console": "default",
        "entity": "global file",
        "api_key": "global file",
        "project": "workspace file",
        "mode": "env",
        "tags": "env",
        "host": "detected",
        "notes": "init",
    }


def _check_every_source(text: str, expected: dict[str, str]) -> None:
    rows = _rows(text)
    assert {name: rows[name][1] for name in expected} == expected
    assert rows["mode"][2] == "WANDB_MODE"
    assert "proj-from-workspace" in rows["project"][0] and "settings line" in rows["project"][2]
    assert "a,b" in rows["tags"][0]
    assert "****wxyz" in rows["api_key"][0]
    assert KEY not in text and KEY[:16] not in text


def test_settings_explain_shows_every_source_kind(every_source: dict[str, str]) -> None:
    _check_every_source(Settings(notes="from code").explain(), every_source)


def test_resolved_explain_shows_every_source_kind(every_source: dict[str, str], isolated: Path) -> None:
    resolved = resolve(environ=dict(os.environ), cwd=isolated, init={"notes": "from init"})
    _check_every_source(resolved.explain(), every_source)


def test_explain_names_each_variable(isolated: Path) -> None:
    rows = _rows(Settings().explain())
    for setting in SETTINGS:
        assert rows[setting.name][0].split()[1] == setting.env_var


def test_explain_of_defaults(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WANDB_X_STATS_SAMPLING_INTERVAL")
    rows = _rows(Settings().explain())
    assert rows["mode"][0].split()[:3] == ["mode", "WANDB_MODE", "online"]
    assert rows["base_url"][0].split()[2] == "https://api.wandb.ai"
    assert rows["dir"][0].split()[2] == str(isolated)
    assert {rows[n][1] for n in ("mode", "base_url", "resume", "console", "stats_interval", "api_key")} == {"default"}


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        pytest.param(KEY, "****wxyz", id="long-key-shows-last-4"),
        pytest.param("short-key1", "****", id="short-key-fully-hidden"),
    ],
)
def test_api_key_is_masked_everywhere_it_is_shown(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], key: str, shown: str
) -> None:
    monkeypatch.setenv("WANDB_API_KEY", key)
    resolved = resolve()
    assert resolved.api_key == key  # the real value stays usable
    assert cli.main(["settings"]) == 0
    printed = capsys.readouterr()
    assert cli.main(["settings", "--json"]) == 0
    as_json = capsys.readouterr()
    assert json.loads(as_json.out)["api_key"] == {"value": shown, "source": "env (WANDB_API_KEY)"}
    for text in (
        resolved.explain(),
        Settings().explain(),
        repr(resolved),
        repr(Settings(api_key=key)),
        str(resolved.as_dict()),
        printed.out,
        printed.err,
        as_json.out,
        as_json.err,
    ):
        assert key not in text
    assert shown in resolved.explain() and shown in repr(Settings(api_key=key))


# --- Settings(...) validates at once ----------------------------------------------


def test_settings_validates_and_normalises_at_once(isolated: Path) -> None:
    settings = Settings(mode="DryRun", tags="x, y", resume=True)
    resolved = settings.resolve(environ={}, cwd=isolated)
    assert (resolved.mode, resolved.tags, resolved.resume) == ("offline", ("x", "y"), "auto")
    assert resolved.origin("mode").kind == "init"


@pytest.mark.parametrize(
    ("values", "shown", "accepted"),
    [
        pytest.param({"mode": "sideways"}, "'sideways'", "online (also", id="mode"),
        pytest.param({"tags": ["ok", "t" * 65]}, "t" * 65, "1 to 64 characters", id="tags"),
        pytest.param({"base_url": "ftp://x"}, "'ftp://x'", "http(s) URL", id="base_url"),
        pytest.param({"stats_interval": 0}, "0", "positive number", id="stats_interval"),
        pytest.param({"show_run": "perhaps"}, "'perhaps'", "true/false", id="show_run"),
    ],
)
def test_settings_rejects_bad_value_at_construction(values: dict, shown: str, accepted: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings(**values)
    name = next(iter(values))
    message = str(caught.value)
    assert message.startswith(f"Settings({name}=...): ")
    assert shown in message and accepted in message


def test_settings_hides_a_rejected_api_key() -> None:
    secret = 4242424242424242
    with pytest.raises(SettingsError) as caught:
        Settings(api_key=secret)
    assert "api_key" in str(caught.value) and "a string" in str(caught.value)
    assert str(secret) not in str(caught.value) and str(secret) not in repr(caught.value.args)


def test_settings_rejects_unknown_names() -> None:
    with pytest.raises(UsageError) as caught:
        Settings(mode="offline", projcet="typo")
    assert "projcet" in str(caught.value) and "project" in str(caught.value)
    assert not isinstance(caught.value, SettingsError)


# --- the command line ------------------------------------------------------------------


def test_cli_settings_prints_explain(every_source: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["settings"]) == 0
    out = capsys.readouterr().out
    assert out == resolve().explain() + "\n"
    _check_every_source(out, {k: v for k, v in every_source.items() if v != "init"})


def test_cli_settings_json(every_source: dict[str, str], capsys: pytest.CaptureFixture[str], isolated: Path) -> None:
    assert cli.main(["settings", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == [s.name for s in SETTINGS]
    kinds = {name: entry["source"].split(" (")[0] for name, entry in data.items()}
    assert {name: kinds[name] for name in every_source if name != "notes"} == {
        k: v for k, v in every_source.items() if k != "notes"
    }
    assert set(kinds.values()) <= set(PRECEDENCE)
    assert data["mode"] == {"value": "offline", "source": "env (WANDB_MODE)"}
    assert data["tags"]["value"] == ["a", "b"]
    assert data["api_key"]["value"] == "****wxyz"
    assert data["dir"]["value"] == str(isolated)
    assert data["disable_code"]["value"] is False


def test_cli_settings_dir_option_reads_that_workspace(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_file(isolated / "other" / "wandb" / "settings", {"project": "other-proj"})
    assert cli.main(["settings", "--json", "--dir", "other"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["project"]["value"] == "other-proj"
    assert data["project"]["source"].startswith("workspace file (project in ")


def test_cli_settings_bad_value_is_one_clear_line(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WANDB_MODE", "sideways")
    assert cli.main(["settings"]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.startswith("wandb-jupyter: error: WANDB_MODE: invalid value 'sideways'; expected ")
    assert "Traceback" not in out.err and len(out.err.strip().splitlines()) == 1


# --- Singularity / Apptainer -------------------------------------------------------------


def test_cli_warns_about_untranslated_singularity_variables(
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    wandb_warnings: list[logging.LogRecord],
) -> None:
    monkeypatch.setenv("SINGULARITYENV_WANDB_PROJECT", "from-container-env")
    monkeypatch.setenv("SINGULARITYENV_WANDB_API_KEY", KEY)
    assert cli.main(["settings", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["project"]["value"] != "from-container-env"  # only the container runtime translates them
    warnings = [r.getMessage() for r in wandb_warnings]
    assert len(warnings) == 1
    assert "SINGULARITYENV_WANDB_API_KEY" in warnings[0] and "SINGULARITYENV_WANDB_PROJECT" in warnings[0]
    assert "Singularity" in warnings[0]
    assert KEY not in warnings[0]


def test_untranslated_singularity_variables_are_listed(wandb_warnings: list[logging.LogRecord]) -> None:
    environ = {
        "SINGULARITYENV_WANDB_MODE": "offline",
        "SINGULARITYENV_WANDB_DIR": "/x",
        "SINGULARITYENV_OTHER": "1",
        "WANDB_MODE": "online",
    }
    assert untranslated_singularity_vars(environ) == ["SINGULARITYENV_WANDB_DIR", "SINGULARITYENV_WANDB_MODE"]
    assert len(wandb_warnings) == 1


def test_no_singularity_warning_without_such_variables(
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    wandb_warnings: list[logging.LogRecord],
) -> None:
    monkeypatch.setenv("WANDB_PROJECT", "translated")
    monkeypatch.setenv("SINGULARITY_NAME", "not-a-wandb-variable")
    monkeypatch.setenv("SINGULARITYENV_OTHER", "1")
    assert cli.main(["settings"]) == 0
    assert wandb_warnings == []


def test_multiline_notes_stay_on_one_row(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_NOTES", "# Results\n\n- loss went down")
    rows = _rows(Settings().explain())
    assert rows["notes"][1:] == ("env", "WANDB_NOTES")

"""The run directory's contents, exactly as DESIGN.md lays them out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

import wandb_jupyter as wandb
from wandb_jupyter import SettingsError

KEY = "local-" + "k3y" * 14  # W&B's key shape: a prefix and >= 40 word characters


def _wait_for(path: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_layout_of_an_offline_run(isolated) -> None:
    run = wandb.init(mode="offline", project="layout")
    run.log({"a": 1})
    run.finish(quiet=True)
    root = run.paths.root
    assert root.parent == isolated / "wandb"
    assert root.name.startswith("offline-run-") and root.name.endswith(f"-{run.id}")
    assert os.readlink(isolated / "wandb" / "latest-run") == root.name
    for name in (
        "wandb-history.jsonl",
        "wandb-summary.json",
        "config.yaml",
        "wandb-metadata.json",
        "requirements.txt",
        "wandb-events.jsonl",
    ):
        assert (root / "files" / name).is_file(), name
    assert (root / "logs" / "debug.log").is_file()
    assert (isolated / "wandb" / "debug.log").is_file()


def test_metadata_records_the_environment_with_secrets_masked(isolated, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    monkeypatch.setenv("WANDB_USERNAME", "alice")
    monkeypatch.setenv("WANDB_USER_EMAIL", "alice@example.com")
    monkeypatch.setenv("WANDB_DOCKER", "repo/image@sha256:abc")
    monkeypatch.setenv("WANDB_HOST", "trainer-7")
    monkeypatch.setattr(sys, "argv", ["train.py", "--api-key", KEY, f"--token={KEY}", "--lr", "0.1", KEY])
    run = wandb.init(mode="offline", project="meta", name="m")
    run.finish(quiet=True)
    text = Path(run.dir, "wandb-metadata.json").read_text()
    meta = json.loads(text)
    assert (meta["username"], meta["email"], meta["docker"], meta["host"]) == (
        "alice",
        "alice@example.com",
        "repo/image@sha256:abc",
        "trainer-7",
    )
    assert (meta["id"], meta["name"], meta["project"]) == (run.id, "m", "meta")
    assert meta["args"][2] == "--lr" or "0.1" in meta["args"]
    assert KEY not in text
    for path in run.paths.root.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_code_is_saved_unless_disabled(tmp_path, env_for_subprocess) -> None:
    script = tmp_path / "train.py"
    script.write_text("import wandb_jupyter as w\nr = w.init(mode='offline')\nprint(r.paths.root)\nr.finish()\n")
    out = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env_for_subprocess, capture_output=True, text=True, check=True
    ).stdout
    root = Path(out.strip().splitlines()[-1])
    assert (root / "files" / "code" / "train.py").read_text() == script.read_text()
    meta = json.loads((root / "files" / "wandb-metadata.json").read_text())
    assert meta["program"] == str(script) and meta["name"] == "train-1"

    out = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env={**env_for_subprocess, "WANDB_DISABLE_CODE": "true"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    root = Path(out.strip().splitlines()[-1])
    meta = json.loads((root / "files" / "wandb-metadata.json").read_text())
    assert not (root / "files" / "code").exists()
    assert "program" not in meta and "git" not in meta and "codePath" not in meta
    assert meta["name"] == "train-2"


def test_requirements_list_installed_distributions(isolated) -> None:
    run = wandb.init(mode="offline")
    run.finish(quiet=True)
    pins = Path(run.dir, "requirements.txt").read_text().splitlines()
    assert any(p.lower().startswith("pyyaml==") for p in pins)
    assert pins == sorted(pins, key=str.lower)


def test_config_yaml_reads_back_with_pyyaml(isolated) -> None:
    config = {
        "lr": 1e-3,
        "name": "a: b # c",
        "nan": float("nan"),
        "inf": float("-inf"),
        "empty": {},
        "none": None,
        "nested": {"list": [1, {"x": "y"}, []], "flag": True},
        "unicode": "héllo ✓",
        "quote": 'say "hi"\n',
    }
    run = wandb.init(mode="offline", config=config)
    run.finish(quiet=True)
    loaded = yaml.safe_load(Path(run.dir, "config.yaml").read_text())
    values = {k: v["value"] for k, v in loaded.items() if k not in ("wandb_version", "_wandb")}
    assert values["nan"] != values["nan"] and values["inf"] == float("-inf")
    del values["nan"], config["nan"]
    assert values == config


def test_config_paths_merge_plain_and_wandb_format_files_before_init_config(isolated, monkeypatch) -> None:
    plain = isolated / "plain.yaml"
    plain.write_text("lr: 0.1\nbatch: 16\n")
    wandb_style = isolated / "wandb_style.yaml"
    wandb_style.write_text("wandb_version: 1\n_wandb:\n  value: {t: 1}\nbatch:\n  desc: null\n  value: 32\n")
    monkeypatch.setenv("WANDB_CONFIG_PATHS", f"{plain}, {wandb_style}")
    run = wandb.init(mode="offline", config={"epochs": 3, "lr": 0.5})
    assert dict(run.config) == {"lr": 0.5, "batch": 32, "epochs": 3}


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "an existing YAML file"),
        ("a: [1, 2\n", "line"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_config_paths_errors_are_clear(isolated, monkeypatch, content, message) -> None:
    path = isolated / "cfg.yaml"
    if content is not None:
        path.write_text(content)
    monkeypatch.setenv("WANDB_CONFIG_PATHS", str(path))
    with pytest.raises(SettingsError, match=message) as error:
        wandb.init(mode="offline")
    assert "WANDB_CONFIG_PATHS" in str(error.value)


def test_config_files_interoperate_with_the_real_wandb_sdk(isolated, monkeypatch) -> None:
    """W&B 0.31 keeps config.yaml out of offline run folders, so use its own config-file code both ways."""
    pytest.importorskip("wandb")
    from wandb.sdk.lib import config_util

    values = {"lr": 0.25, "layers": [3, 4], "opt": {"name": "sgd", "nesterov": True}, "tag": "a: b"}
    theirs = isolated / "theirs.yaml"
    config_util.save_config_file_from_dict(str(theirs), {k: {"desc": None, "value": v} for k, v in values.items()})
    monkeypatch.setenv("WANDB_CONFIG_PATHS", str(theirs))
    run = wandb.init(mode="offline")
    assert dict(run.config) == values
    run.finish(quiet=True)
    read_by_wandb = config_util.dict_from_config_file(str(Path(run.dir, "config.yaml")), must_exist=True)
    read_by_wandb.pop("_wandb")
    assert read_by_wandb == values


def test_unwritable_dir_is_a_clear_error_at_init(isolated, monkeypatch) -> None:
    if os.geteuid() == 0:
        blocked = isolated / "a-file"
        blocked.write_text("not a folder")  # root ignores permissions, but not a file in the way
    else:
        blocked = isolated / "ro"
        blocked.mkdir(mode=0o500)
    monkeypatch.setenv("WANDB_DIR", str(blocked))
    with pytest.raises(wandb.RunDirError, match="WANDB_DIR"):
        wandb.init(mode="offline")


def test_wandb_dir_is_created_if_missing(isolated, monkeypatch) -> None:
    target = isolated / "deep" / "er"
    monkeypatch.setenv("WANDB_DIR", str(target))
    run = wandb.init(mode="offline")
    assert run.paths.root.parent == target / "wandb"


def test_system_metrics_are_sampled_and_stop_at_finish(isolated, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_X_STATS_SAMPLING_INTERVAL", "0.05")
    run = wandb.init(mode="offline")
    events = Path(run.dir, "wandb-events.jsonl")
    _wait_for(events)
    time.sleep(0.3)
    run.finish(quiet=True)
    rows = [json.loads(line) for line in events.read_text().splitlines()]
    assert len(rows) >= 2
    for key in ("system.cpu", "system.memory", "system.proc.memory.rssMB", "system.disk", "_timestamp", "_runtime"):
        assert key in rows[0], key
    assert 0 < rows[0]["system.proc.memory.rssMB"] < 100_000
    count = len(rows)
    time.sleep(0.2)
    assert len(events.read_text().splitlines()) == count, "the sampler stopped at finish"
    import threading

    assert not any(t.name == "wandb-system-metrics" and t.is_alive() for t in threading.enumerate())

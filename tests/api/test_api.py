"""wandb_jupyter.Api() on its own: online and over run folders alike, changes, pages, errors, display."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import wandb_jupyter
from wandb_jupyter import UsageError
from wandb_jupyter.api import RunNotFoundError

from .conftest import ROWS, SPECS, Logged


def _apis(project: Logged) -> list[tuple[str, wandb_jupyter.Api, str]]:
    return [("online", wandb_jupyter.Api(), "admin/cmp"), ("local", wandb_jupyter.Api(dir=project.work), "cmp")]


def test_pages_of_one_run_give_every_run_once_and_indexing_keeps_them(project: Logged) -> None:
    for mode, api, path in _apis(project):
        runs = api.runs(path, order="+config.lr", per_page=1)
        by_lr = [name for name, *_ in sorted(SPECS, key=lambda spec: spec[1])]
        assert [r.name for r in runs] == by_lr, mode
        assert len(runs) == 5
        assert runs[4].name == "epsilon" and [r.name for r in runs[1:3]] == by_lr[1:3]
        assert runs[-1].name == "epsilon"


def test_update_and_delete_online_and_in_the_run_folders(project: Logged) -> None:
    for mode, api, path in _apis(project):
        run = api.run(f"{path}/{project.ids['gamma']}")
        run.name = f"gamma {mode}"
        run.tags = ["edited"]
        run.notes = "edited notes"
        run.config["extra"] = [1, 2]
        run.summary["score"] = 0.75
        run.update()
        again = api.run(f"{path}/{project.ids['gamma']}")
        assert (again.name, again.tags, again.notes) == (f"gamma {mode}", ["edited"], "edited notes"), mode
        assert again.config == {"lr": 0.1, "optimizer": "sgd", "arch": {"depth": 8}, "extra": [1, 2]}
        assert again.summary["score"] == 0.75 and again.summary["best"] == 3.0
        assert [r.id for r in api.runs(path, filters={"tags": "edited"})] == [project.ids["gamma"]]
        assert len(again.history(samples=1000, pandas=False)) == ROWS  # the history is untouched

        api.run(f"{path}/{project.ids['alpha']}").delete()
        with pytest.raises(RunNotFoundError, match=project.ids["alpha"]):
            api.run(f"{path}/{project.ids['alpha']}")
        assert len(api.runs(path)) == 4
    # the local update rewrote the run's own files in W&B's formats
    local = next((project.work / "wandb").glob(f"run-*-{project.ids['gamma']}"))
    assert json.loads((local / "files" / "wandb-metadata.json").read_text())["name"] == "gamma local"
    import yaml

    stored = yaml.safe_load((local / "files" / "config.yaml").read_text())
    assert stored["extra"] == {"value": [1, 2]} and stored["_wandb"]["value"]["client"] == "wandb-jupyter"
    assert not list((project.work / "wandb").glob(f"run-*-{project.ids['alpha']}"))
    # and the server's copy of alpha is gone from its data folder too
    assert not list((project.server.data_dir / "runs" / "admin" / "cmp").glob(f"run-*-{project.ids['alpha']}"))


def test_files_list_and_download_alike(project: Logged, tmp_path: Path) -> None:
    for mode, api, path in _apis(project):
        run = api.run(f"{path}/{project.ids['beta']}")
        names = [f.name for f in run.files()]
        assert {"config.yaml", "wandb-summary.json", "wandb-history.jsonl"} <= set(names), mode
        assert [f.name for f in run.files(pattern="%.json")] == [n for n in names if n.endswith(".json")]
        assert [f.name for f in run.files(per_page=1)] == names  # paged one by one
        target = run.file("wandb-history.jsonl").download(tmp_path / mode)
        assert len(target.read_text().splitlines()) == ROWS
        with pytest.raises(UsageError, match="exists"):
            run.file("wandb-history.jsonl").download(tmp_path / mode)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"config.lr": {"$between": [1, 2]}}, "unknown filter operator '\\$between'"),
        ({"$or": {"config.lr": 1}}, "\\$or needs a list"),
        ({"color": "red"}, "unknown filter field 'color'"),
        ({"createdAt": {"$gt": "yesterday"}}, "not an ISO 8601 time"),
        ({"name": {"$regex": "("}}, "not a valid regular expression"),
    ],
)
def test_a_malformed_filter_is_one_clear_error_in_both_modes(project: Logged, filters, message) -> None:
    for _mode, api, path in _apis(project):
        with pytest.raises(UsageError, match=message):
            api.runs(path, filters=filters)


def test_the_server_refuses_a_malformed_filter_with_a_400_naming_it(project: Logged) -> None:
    answer = project.server.gql(
        'query Q { project(name: "cmp", entityName: "admin") { runs(filters: "{\\"a\\": 1}") { edges { cursor } } } }'
    )
    assert answer.status_code == 400
    assert "unknown filter field 'a'" in answer.json()["errors"][0]["message"]


def test_unknown_paths_and_unreadable_runs_look_missing(project: Logged) -> None:
    server = project.server
    bob = server.ctx.storage.create_user("bob")
    bob_key = server.ctx.issue_key(bob)
    api = wandb_jupyter.Api()
    with pytest.raises(RunNotFoundError, match="no run admin/cmp/nope"):
        api.run("admin/cmp/nope")
    with pytest.raises(UsageError, match="invalid run path"):
        api.run("a/b/c/d/e")
    with pytest.raises(RunNotFoundError, match="no project admin/none"):
        list(api.runs("admin/none"))
    # bob may not read admin's runs: each looks exactly like a run that does not exist
    as_bob = wandb_jupyter.Api(api_key=bob_key)
    with pytest.raises(RunNotFoundError) as hidden:
        as_bob.run(f"admin/cmp/{project.ids['beta']}")
    with pytest.raises(RunNotFoundError) as missing:
        as_bob.run("admin/cmp/nope")
    assert str(hidden.value).replace(project.ids["beta"], "X") == str(missing.value).replace("nope", "X")
    with pytest.raises(RunNotFoundError):
        list(as_bob.runs("admin/cmp"))
    # deleting another user's run: the same answer as a run that is not there, and the run stays
    storage_id = api.run(f"admin/cmp/{project.ids['beta']}").storage_id
    mutation = "mutation D($id: ID!) { deleteRun(input: {id: $id}) { clientMutationId } }"
    theirs = server.gql(mutation, {"id": storage_id}, key=bob_key)
    nothing = server.gql(mutation, {"id": "UnVuOnYxOjk5OTk="}, key=bob_key)
    assert theirs.status_code == nothing.status_code == 404
    assert theirs.json()["errors"][0]["message"].replace(storage_id, "X") == nothing.json()["errors"][0][
        "message"
    ].replace("UnVuOnYxOjk5OTk=", "X")
    assert api.run(f"admin/cmp/{project.ids['beta']}").name == "beta"


def test_an_unknown_operation_is_a_graphql_error_naming_it_and_an_empty_operation_name_is_none(project: Logged):
    server = project.server
    unknown = server.gql("query ArtifactOfType { project { artifactType(name: 1) { id } } }", operation="")
    assert unknown.status_code == 400
    assert "operation 'ArtifactOfType' is not supported by this server" in unknown.json()["errors"][0]["message"]
    viewer = server.gql("query GetDefaultEntity { viewer { id entity } }", operation="")
    assert viewer.status_code == 200 and viewer.json()["data"]["viewer"]["entity"] == "admin"


def test_history_as_a_dataframe_and_runs_as_a_table(project: Logged) -> None:
    pandas = pytest.importorskip("pandas")
    for _mode, api, path in _apis(project):
        frame = api.run(f"{path}/{project.ids['beta']}").history(samples=5, keys=["loss"])
        assert isinstance(frame, pandas.DataFrame) and list(frame.columns) == ["_step", "loss"]
        assert list(frame["_step"]) == [0, 12, 24, 37, 49]
        runs = api.runs(path, order="+created_at")
        html = runs._repr_html_()
        assert "5 of 5 runs" in html and "<th>config.lr</th>" in html and "<td>epsilon</td>" in html
        table = runs.to_pandas()
        assert list(table["name"]) == [spec[0] for spec in SPECS]


def test_run_names_in_the_table_are_escaped(project: Logged) -> None:
    api = wandb_jupyter.Api()
    run = api.run(f"admin/cmp/{project.ids['beta']}")
    run.name = "<script>alert(1)</script>"
    run.update()
    html = api.runs("admin/cmp")._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_api_is_exposed_lazily_from_the_package_root() -> None:
    import subprocess
    import sys

    code = (
        "import sys, wandb_jupyter\n"
        "assert 'wandb_jupyter.api' not in sys.modules\n"
        "from wandb_jupyter import Api\n"
        "assert 'wandb_jupyter.api' in sys.modules and Api.__module__ == 'wandb_jupyter.api._api'\n"
        "assert 'requests' not in sys.modules and 'pandas' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_cli_runs_filters_orders_and_formats_locally_and_on_the_server(project: Logged, capsys) -> None:
    import csv
    import io

    from wandb_jupyter.cli import main

    query = ["--filter", '{"config.lr": {"$gte": 0.01}}', "--order=-summary_metrics.best"]
    for where in ([], ["--path", "admin/cmp"]):
        assert main(["runs", *where, *query, "--format", "json"]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert [r["name"] for r in listed] == ["epsilon", "delta", "gamma", "beta"], where
        assert listed[0]["config"] == {"lr": 0.3, "optimizer": "rmsprop", "arch": {"depth": 16}}
        assert listed[0]["summary"]["best"] == 6.0 and listed[0]["steps"] == ROWS
        assert main(["runs", *where, *query, "--format", "csv"]) == 0
        rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
        assert [(r["name"], r["config.lr"], r["summary.best"]) for r in rows] == [
            ("epsilon", "0.3", "6.0"),
            ("delta", "0.03", "4.5"),
            ("gamma", "0.1", "3.0"),
            ("beta", "0.01", "1.5"),
        ]
        assert rows[0]["config.arch"] == '{"depth": 16}'
        assert main(["runs", *where, *query]) == 0
        table = capsys.readouterr().out.splitlines()
        assert table[0].split() == ["id", "name", "project", "mode", "state", "steps", "started"]
        assert [line.split()[1] for line in table[1:]] == ["epsilon", "delta", "gamma", "beta"]


def test_cli_runs_bad_filter_is_one_line(project: Logged, capsys) -> None:
    from wandb_jupyter.cli import main

    assert main(["runs", "--filter", "{not json"]) != 0
    assert main(["runs", "--filter", '{"config.lr": {"$almost": 1}}']) != 0
    err = capsys.readouterr().err
    assert "--filter is not valid JSON" in err and "unknown filter operator '$almost'" in err


def test_console_output_paged_and_by_its_tail_in_both_modes(project: Logged) -> None:
    for mode, api, path in _apis(project):
        run = api.run(f"{path}/{project.ids['delta']}")
        lines = list(run.console_logs(per_page=1))
        texts = [line.content for line in lines]
        assert texts[-2:] == ["delta: first line", "delta: second line"], (mode, texts)
        assert [line.number for line in lines] == list(range(len(lines)))
        assert all(line.level == "info" and line.timestamp for line in lines[-2:])
        assert [line.content for line in run.console_logs(last=1)] == ["delta: second line"]

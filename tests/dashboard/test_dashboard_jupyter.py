"""The dashboard inside a real ``jupyter server`` process: offline runs found on disk, Jupyter's auth.

The extension is enabled by the repository's ``jupyter-config`` file (what the
wheel installs), runs are logged offline by our client in child processes,
one under the Jupyter root, one in a WANDB_DIR outside it, one in a
``c.WandbDashboard.run_dirs`` folder, and one where the scan must not look.
"""

from __future__ import annotations

from .conftest import JupyterServer


def _ids(server: JupyterServer, entity: str, project: str) -> list[str]:
    return [row["id"] for row in server.api(f"runs/{entity}/{project}")["runs"]]


def test_local_runs_under_the_root_and_wandb_dir_get_pages(start_jupyter, offline_run, tmp_path) -> None:
    root = tmp_path / "root"
    wandb_dir = tmp_path / "elsewhere"  # WANDB_DIR of the Jupyter server, outside its root
    extra = tmp_path / "extra"
    under_root = offline_run(root / "a" / "b", "nb-project", 40)
    in_wandb_dir = offline_run(tmp_path / "cwd", "dir-project", 7, env={"WANDB_DIR": str(wandb_dir)})
    in_extra = offline_run(extra, "extra-project", 3)
    hidden = offline_run(root / "x" / "node_modules" / "pkg", "hidden-project", 2)
    too_deep = offline_run(root / "1" / "2" / "3" / "4" / "5" / "6" / "7", "deep-project", 2)
    server = start_jupyter(
        root, env={"WANDB_DIR": str(wandb_dir)}, base_url="/lab&x/", args=(f"--WandbDashboard.run_dirs={extra}",)
    )

    health = server.api("health")
    assert health["status"] == "ok" and health["source"] == "local"
    assert health["roots"] == [str(root.resolve()), str(wandb_dir.resolve()), str(extra.resolve())]
    projects = {(p["project"], p["runs"]) for p in server.api("projects")["projects"]}
    assert projects == {("nb-project", 1), ("dir-project", 1), ("extra-project", 1)}
    entity = server.api("projects")["projects"][0]["entity"]
    assert _ids(server, entity, "nb-project") == [under_root]
    assert _ids(server, entity, "dir-project") == [in_wandb_dir]
    assert _ids(server, entity, "extra-project") == [in_extra]
    assert hidden and too_deep  # logged, but where the scan never looks
    assert server.get(f"wandb/_dashboard/api/runs/{entity}/hidden-project").status_code == 404

    row = server.api(f"runs/{entity}/nb-project")["runs"][0]
    assert row["state"] == "finished" and row["config"] == {"lr": 0.5} and row["summary"]["v"] == 39 * 39
    assert row["url"] == f"/lab&x/wandb/{entity}/nb-project/runs/{under_root}"
    detail = server.api(f"run/{entity}/nb-project/{under_root}")
    assert detail["history_rows"] == 40 and detail["metrics"] == ["v"]
    history = server.api(f"run/{entity}/nb-project/{under_root}/history", samples=8)
    assert len(history["series"]["v"]["x"]) <= 8 and max(history["series"]["v"]["y"]) == 39 * 39
    assert "offline output line" in server.api(f"run/{entity}/nb-project/{under_root}/output")["text"]

    page = server.get(f"wandb/{entity}/nb-project/runs/{under_root}")
    assert page.status_code == 200, server.log_tail()
    assert '<meta name="wandb-dashboard-base" content="/lab&amp;x/wandb">' in page.text
    assert page.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    download = server.get(f"wandb/_dashboard/api/run/{entity}/nb-project/{under_root}/files/wandb-metadata.json")
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/octet-stream"
    assert (
        server.get(
            f"wandb/_dashboard/api/run/{entity}/nb-project/{under_root}/files/..%2F..%2F..%2F..%2F..%2Fsecret"
        ).status_code
        == 400
    )

    # a run that appears after the server started is found (a miss rescans)
    late = offline_run(root / "later", "late-project", 5)
    assert _ids(server, entity, "late-project") == [late]


def test_the_jupyter_mount_needs_jupyters_token(start_jupyter, offline_run, tmp_path) -> None:
    root = tmp_path / "root"
    run_id = offline_run(root, "p", 3)
    server = start_jupyter(root)
    entity = server.api("projects")["projects"][0]["entity"]
    api = "wandb/_dashboard/api"
    for path in (
        f"{api}/health",
        f"{api}/projects",
        f"{api}/runs/{entity}/p",
        f"{api}/run/{entity}/p/{run_id}/history",
        f"{api}/run/{entity}/p/{run_id}/files/config.yaml",
    ):
        refused = server.get(path, token=False)
        assert refused.status_code in (302, 403), (path, refused.status_code)
        assert run_id not in refused.text and "lr" not in refused.text
        assert server.get(path, token=False, token_param="nope").status_code in (302, 403)
    page = server.get(f"wandb/{entity}/p/runs/{run_id}", token=False)
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert server.get("wandb/_dashboard/static/dashboard.css", token=False).status_code in (302, 403)
    assert server.get(f"wandb/{entity}/p/runs/{run_id}", token=False, token_param=server.token).status_code == 200

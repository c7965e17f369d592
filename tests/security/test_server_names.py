"""Names the disk cannot hold (issue 19, item 5), against a launched server: a clear 400, no data path in
any message, and no run in the index without its folder (a "ghost run")."""

from __future__ import annotations

import sqlite3

PROJECT_RUNS = '{ project(name: "%s", entityName: "admin") { runs { edges { node { name } } } } }'


def _indexed_runs(launched) -> list[tuple[str, str]]:
    with sqlite3.connect(launched.data_dir / "index.sqlite3") as db:
        return db.execute("SELECT name, dir FROM runs").fetchall()


def _no_path_in(text: str, launched) -> None:
    for path in (str(launched.data_dir), "runs/admin", "index.sqlite3"):
        assert path not in text, text


def test_a_name_over_255_bytes_is_a_clear_400_and_leaves_no_ghost_run(launched) -> None:
    key = launched.admin_key
    emoji = "\N{GRINNING FACE}" * 128  # 128 characters (the limit), 512 bytes in UTF-8 (a folder takes 255)
    answer = launched.upsert("r", key=key, project=emoji)
    assert answer.status_code == 400, answer.text
    assert "255 bytes" in answer.json()["errors"][0]["message"]
    _no_path_in(answer.text, launched)
    assert _indexed_runs(launched) == []
    assert launched.gql(PROJECT_RUNS % emoji, key=key).json()["data"]["project"] is None
    # the longest name that fits works, and its run has its folder
    fits = "\N{LATIN SMALL LETTER E WITH ACUTE}" * 127  # 254 bytes
    assert launched.upsert("r", key=key, project=fits).status_code == 200
    [(name, folder)] = _indexed_runs(launched)
    assert name == "r" and (launched.data_dir / folder / "files").is_dir()
    assert " 500 " not in launched.log() and "Traceback" not in launched.log()


def test_a_folder_that_cannot_be_made_leaves_no_ghost_run_and_no_path_in_the_answer(launched) -> None:
    key = launched.admin_key
    assert launched.upsert("first", key=key).status_code == 200  # makes runs/admin/
    (launched.data_dir / "runs" / "admin" / "blocked").write_text("a file where the project's folder goes")
    answer = launched.upsert("r", key=key, project="blocked")
    assert answer.status_code >= 400, answer.text
    _no_path_in(answer.text, launched)
    assert [name for name, _ in _indexed_runs(launched)] == ["first"]
    retry = launched.upsert("r", key=key, project="blocked")  # still refused, still no row
    assert retry.status_code >= 400 and [name for name, _ in _indexed_runs(launched)] == ["first"]
    (launched.data_dir / "runs" / "admin" / "blocked").unlink()  # the operator fixes the disk: the run is made
    assert launched.upsert("r", key=key, project="blocked").status_code == 200
    assert sorted(name for name, _ in _indexed_runs(launched)) == ["first", "r"]

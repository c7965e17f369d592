"""Console output slices and the standalone dashboard's secrets, on real files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from wandb_jupyter.dashboard import RunInfo, dashboard_secrets
from wandb_jupyter.dashboard._catalog import MAX_OUTPUT_BYTES, read_output


def _run(tmp_path: Path, text: str) -> RunInfo:
    (tmp_path / "files").mkdir(exist_ok=True)
    (tmp_path / "files" / "output.log").write_bytes(text.encode("utf-8"))
    return RunInfo(entity="e", project="p", id="r", root=tmp_path)


def test_output_tail_and_offsets(tmp_path: Path) -> None:
    info = _run(tmp_path, "".join(f"line {i} ü\n" for i in range(10)) + "partial")
    last = read_output(info, tail=2)
    assert last.text == "line 9 ü\npartial" and last.next_offset == last.size
    everything = read_output(info, offset=0)
    assert everything.text.startswith("line 0 ü\n") and everything.text.endswith("partial")
    assert (everything.offset, everything.next_offset) == (0, everything.size)
    with open(info.files / "output.log", "a", encoding="utf-8") as handle:
        handle.write(" now whole\nnext\n")
    more = read_output(info, offset=everything.next_offset)
    assert more.text == " now whole\nnext\n" and more.offset == everything.next_offset
    assert read_output(info, tail=0).text == ""
    assert read_output(RunInfo(entity="e", project="p", id="x", root=tmp_path / "none"), tail=5).size == 0


def test_output_answers_stop_at_a_line_or_character_boundary(tmp_path: Path) -> None:
    line = "ü" * 999 + "\n"  # 1999 bytes a line: no answer may cut a character or, if it can, a line
    info = _run(tmp_path, line * 1200)  # ~2.3 MB
    first = read_output(info, offset=0)
    assert len(first.text.encode("utf-8")) <= MAX_OUTPUT_BYTES and first.text.endswith("\n")
    assert first.next_offset < first.size
    second = read_output(info, offset=first.next_offset)
    assert second.text.startswith("ü") and second.offset == first.next_offset
    tail = read_output(info, tail=100_000)
    assert len(tail.text.encode("utf-8")) <= MAX_OUTPUT_BYTES and tail.text.startswith("ü")
    assert tail.next_offset == tail.size
    one_line = _run(tmp_path, "ü" * 800_000)  # 1.6 MB without a newline
    cut = read_output(one_line, offset=1)  # starts inside a character: replaced, never an exception
    assert cut.text.endswith("ü") and len(cut.text.encode("utf-8")) <= MAX_OUTPUT_BYTES + 3


def test_dashboard_secrets_are_private_and_kept(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    cookie, token = dashboard_secrets(data_dir)
    path = data_dir / "dashboard-secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert dashboard_secrets(data_dir) == (cookie, token) and len(cookie) == 32 and len(token) >= 40
    os.chmod(path, 0o644)
    assert dashboard_secrets(data_dir) == (cookie, token)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # widened by hand: narrowed again
    assert json.loads(path.read_text())["token"] == token
    assert [p.name for p in data_dir.iterdir()] == ["dashboard-secrets.json"]  # no temporary file left

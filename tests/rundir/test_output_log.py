"""output.log lines: carriage returns collapsed, ANSI removed, timestamps, stderr marked."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from wandb_jupyter.rundir._output_log import OutputLog, clean_line

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}"


def _feed(tmp_path, *chunks, close=True):
    log = OutputLog(tmp_path / "output.log")
    log.add([(stream, 1_700_000_000.25, text) for stream, text in chunks])
    if close:
        log.close()
    path = tmp_path / "output.log"
    return path.read_text().splitlines() if path.exists() else []


def _texts(lines):
    return [re.sub(f"^(ERROR )?{STAMP} ", "", line) for line in lines]


@pytest.mark.parametrize(
    "raw, shown",
    [
        pytest.param("\r 10%|#  |\r 50%|## |\r100%|###|", "100%|###|", id="tqdm-redraws"),
        pytest.param("done\r", "done", id="crlf-after-splitting-on-newline"),
        pytest.param("\x1b[31mred\x1b[0m plain \x1b]0;title\x07", "red plain ", id="ansi-colour-and-osc"),
        pytest.param("a\x1b[2Kb", "ab", id="erase-line"),
        pytest.param("", "", id="empty"),
    ],
)
def test_clean_line(raw, shown) -> None:
    assert clean_line(raw) == shown


def test_lines_are_timestamped_and_stderr_is_marked(tmp_path) -> None:
    lines = _feed(tmp_path, ("stdout", "one\ntwo\n"), ("stderr", "oops\n"))
    assert re.fullmatch(f"{STAMP} one", lines[0]) and re.fullmatch(f"ERROR {STAMP} oops", lines[2])
    stamp = dt.datetime.strptime(lines[0].split()[0], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=dt.timezone.utc)
    assert stamp.timestamp() == pytest.approx(1_700_000_000.25)


def test_lines_split_across_chunks_and_streams_stay_apart(tmp_path) -> None:
    lines = _feed(tmp_path, ("stdout", "hel"), ("stderr", "warn"), ("stdout", "lo\n"), ("stderr", "ing\n"))
    assert lines[0].endswith(" hello") and lines[1].startswith("ERROR ") and lines[1].endswith(" warning")


def test_a_progress_bar_is_one_line_with_its_final_state(tmp_path) -> None:
    chunks = [("stderr", f"\r{pct:3d}%|{'#' * (pct // 10):10}|") for pct in range(0, 101, 5)] + [("stderr", "\n")]
    assert _texts(_feed(tmp_path, *chunks)) == ["100%|##########|"]


def test_an_unfinished_line_is_written_at_close(tmp_path) -> None:
    assert _texts(_feed(tmp_path, ("stdout", "epoch 3\r"), ("stdout", "epoch 4"))) == ["epoch 4"]


def test_nothing_printed_means_no_file(tmp_path) -> None:
    assert _feed(tmp_path) == [] and not (tmp_path / "output.log").exists()


def test_empty_lines_are_kept(tmp_path) -> None:
    assert _texts(_feed(tmp_path, ("stdout", "a\n\nb\n"))) == ["a", "", "b"]

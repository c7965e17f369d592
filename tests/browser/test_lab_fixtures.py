"""The browser fixtures themselves: a notebook written, opened, run cell by cell and all at once."""

from __future__ import annotations

import pytest

from .conftest import LabPage

pytestmark = pytest.mark.browser


def test_run_focused_cell_then_all_and_read_outputs(lab: LabPage) -> None:
    lab.write_notebook("cells.ipynb", ["print('one', 1 + 1)", "import os\nprint(os.getcwd())", "'last'"])
    lab.open_notebook("cells.ipynb")
    assert lab.cell_outputs() == [[], [], []]

    lab.select_cell(1)
    lab.run_focused_cell()
    outputs = lab.cell_outputs()
    assert outputs[0] == [] and outputs[2] == []
    assert [text.strip() for text in outputs[1]] == [str(lab.server.root)]  # the kernel starts in the root

    lab.run_all()
    assert [[text.strip() for text in cell] for cell in lab.cell_outputs()] == [
        ["one 2"],
        [str(lab.server.root)],
        ["'last'"],
    ]
    assert lab.kernel_status() == "idle"
    assert lab.page_errors == []

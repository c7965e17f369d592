"""README's Guarantees section stays backed: every line names a test, and every named test exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)")


def _guarantees() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("\n## Guarantees\n")
    end = readme.find("\n## ", start + 1)
    section = readme[start : end if end >= 0 else None]
    return [item for item in re.split(r"\n(?=- )", section) if item.startswith("- ")]


def test_every_guarantee_names_an_existing_test() -> None:
    items = _guarantees()
    assert items, "README has a Guarantees section with one line per promise"
    for item in items:
        references = REFERENCE.findall(item)
        assert references, f"a guarantee without its test: {item[:80]!r}"
        for path, name in references:
            source = ROOT / path
            assert source.is_file(), f"{path} does not exist"
            assert re.search(rf"^(async )?def {name}\(", source.read_text(), re.M), f"{path} has no test {name}"

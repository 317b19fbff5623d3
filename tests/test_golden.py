"""Each example's Markdown and JSON report, compared with its golden file.

Run `pytest tests/test_golden.py --update-golden` after an intended change, and review the diff.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from decide.cli import app
from tests.conftest import EXAMPLES, ROOT

GOLDEN = ROOT / "tests" / "golden"
FORMATS = {"markdown": ".md", "json": ".json"}
HTML_EXAMPLE = ROOT / "examples" / "inventory-replenishment.yaml"  # one page: they share their layout


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_report_matches_golden(runner: CliRunner, update_golden: bool, example, fmt: str) -> None:
    result = runner.invoke(app, ["evaluate", str(example.relative_to(ROOT)), "--format", fmt])
    assert result.exit_code == 0, result.stderr
    golden = GOLDEN / f"{example.stem}{FORMATS[fmt]}"
    if update_golden:
        golden.write_text(result.stdout, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}: run pytest --update-golden"
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_html_report_matches_golden(runner: CliRunner, update_golden: bool) -> None:
    result = runner.invoke(app, ["evaluate", str(HTML_EXAMPLE.relative_to(ROOT)), "--format", "html"])
    assert result.exit_code == 0, result.stderr
    golden = GOLDEN / f"{HTML_EXAMPLE.stem}.html"
    if update_golden:
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_every_golden_file_belongs_to_an_example() -> None:
    stems = {example.stem for example in EXAMPLES}
    assert {path.stem for path in GOLDEN.iterdir()} == stems

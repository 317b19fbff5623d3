"""Generated documentation stays in step with the rubrics it is generated from."""

from __future__ import annotations

from typer.testing import CliRunner

from decide.cli import app
from tests.conftest import ROOT


def test_task_format_doc_is_current(runner: CliRunner) -> None:
    result = runner.invoke(app, ["rubrics", "show", "--format", "markdown"])
    assert result.exit_code == 0, result.stderr
    current = (ROOT / "docs" / "task-format.md").read_text(encoding="utf-8")
    assert result.stdout == current, (
        "docs/task-format.md is stale: run `decide rubrics show --format markdown > docs/task-format.md`"
    )


def test_task_format_doc_covers_every_criterion(runner: CliRunner) -> None:
    from decide.loading.rubrics import load_rubrics

    text = (ROOT / "docs" / "task-format.md").read_text(encoding="utf-8")
    for criterion in load_rubrics().criteria():
        assert f"`{criterion.field}`" in text
        assert criterion.question in text

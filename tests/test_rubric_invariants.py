"""A rubric set cannot break the invariants the spec promises, whatever an organisation writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from decide.cli import app
from tests.conftest import ROOT


def _copy_with(tmp_path: Path, name: str, old: str, new: str) -> Path:
    folder = tmp_path / "rubrics"
    shutil.copytree(ROOT / "rubrics", folder)
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        # A floor on one exact middle value would drop the tier when the impact rises past it.
        ("decision.yaml", "when: {scope.impact: {at_least: major}}", "when: {scope.impact: major}",
         "scope.impact: a floor, ceiling or named risk must also hold for every riskier answer"),
        ("decision.yaml", "        data_access.untrusted_input: true\n        any:",
         "        data_access.untrusted_input: false\n        any:",
         "data_access.untrusted_input: a floor, ceiling or named risk must also hold"),
        # The kind and the requirements may not depend on the controls themselves.
        ("controls.yaml", "when: {scope.user_facing: {at_least: internal}}",
         "when: {governance.monitoring: none}", "condition: unknown field 'governance.monitoring'"),
        ("decision.yaml", "when: {scope.cross_system: true}", "when: {governance.kill_switch: true}",
         "condition: unknown field 'governance.kill_switch'"),
    ],
)
def test_rubrics_that_would_break_an_invariant_are_refused(
    runner: CliRunner, tmp_path: Path, name: str, old: str, new: str, message: str
) -> None:
    folder = _copy_with(tmp_path, name, old, new)
    result = runner.invoke(app, ["rubrics", "validate", str(folder)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{folder / name}:") and message in line for line in lines), lines


def test_points_falling_along_the_options_are_refused(runner: CliRunner, tmp_path: Path) -> None:
    folder = _copy_with(tmp_path, "scope.yaml", '{value: major, label: "Major", points: 70}',
                        '{value: major, label: "Major", points: 20}')
    result = runner.invoke(app, ["evaluate", "examples/ticket-triage-agent.yaml", "--rubrics", str(folder)])
    assert result.exit_code == 2
    assert "points must not fall from one option (or band) to the next" in result.stderr

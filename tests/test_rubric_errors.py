"""Broken rubric sets: every mistake is one ``FILE:LINE:COL: message`` line naming the file, exit 2.

Each case copies the bundled ``rubrics/`` folder and breaks one thing. The expected location is
where ``at`` (a piece of the broken file) first appears: its line, and its column.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from decide.cli import app
from tests.conftest import ROOT

EXAMPLE = "examples/inventory-replenishment.yaml"
LOCATED = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")


@dataclass(frozen=True)
class Break:
    id: str
    file: str
    old: str | None  # None: delete the file
    new: str
    message: str
    at: str | None = None  # where the problem is reported; defaults to ``new``; None for the whole file
    count: int = 1  # how many times ``old`` occurs


CASES = [
    Break("points-falling", "autonomy.yaml",
          '{value: event, label: "It reacts to events or alerts", points: 65}',
          '{value: event, label: "It reacts to events or alerts", points: 10}',
          "criterion 'initiation': points must not fall", at="id: initiation"),
    Break("unknown-when-field", "decision.yaml", "when: {scope.cross_system: true}",
          "when: {scope.cross_sytem: true}",
          "condition: unknown field 'scope.cross_sytem' (did you mean 'scope.cross_system'?)", at="scope.cross_sytem"),
    Break("unknown-when-field-in-controls", "controls.yaml",
          "when: {data_access.sensitivity: {at_least: confidential}}",
          "when: {data_access.sensitivty: {at_least: confidential}}",
          "condition: unknown field 'data_access.sensitivty' (did you mean 'data_access.sensitivity'?)",
          at="data_access.sensitivty"),
    Break("unknown-when-value", "decision.yaml", "when: {scope.cross_system: true}",
          "when: {scope.cross_system: yes-please}", "scope.cross_system: 'yes-please' is not one of: false, true",
          at="yes-please"),
    Break("unknown-template-variable", "pilot.yaml", "At least $time_saved hours", "At least $time_savd hours",
          "text: unknown variable $time_savd (known: ", at='"At least $time_savd'),
    Break("lone-dollar-in-template", "rollback.yaml", "over a day's runs (target $error_rate_target)",
          "over a day's runs (target $ error_rate_target)", "a lone $", at='"Error rate above'),
    Break("requirement-unknown-control", "controls.yaml", "require: {limits: policy}", "require: {limitz: policy}",
          "require: 'limitz' is not a governance control (did you mean 'limits'?)", at="limitz"),
    Break("requirement-unknown-option", "controls.yaml", "require: {limits: policy}", "require: {limits: polcy}",
          "require: limits: 'polcy' is not one of: none, policy, enforced", at="polcy"),
    Break("missing-file", "pilot.yaml", None, "", "no such file", at=None),
    Break("invalid-yaml", "pilot.yaml", "name: Measure a baseline", "name: Measure: a baseline",
          "invalid YAML: mapping values are not allowed", at=": a baseline"),
    # The parser notices the unclosed [ only on the next line, at the colon after max_weeks.
    Break("invalid-yaml-unclosed-list", "pilot.yaml", "working_days_per_week: 5\n", "working_days_per_week: [5\n",
          "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence that starts at line 11", at=": 26"),
    Break("duplicate-top-level-key", "pilot.yaml", "max_weeks: 26\n", "max_weeks: 26\nmax_weeks: 27\n",
          "duplicate key 'max_weeks' (first at line", at="max_weeks: 27"),
    Break("duplicate-nested-key", "pilot.yaml", "  high: {duration_factor: 2.0, sample: 200}\n",
          "  high: {duration_factor: 2.0, sample: 200}\n  high: {duration_factor: 2.5, sample: 300}\n",
          "duplicate key 'high' (first at line", at="high: {duration_factor: 2.5"),
    Break("weight-wrong-type", "autonomy.yaml", "    weight: 3\n    cautious: self", "    weight: heavy\n    cautious: self",
          "criteria[0].weight: expected a number", at="heavy"),
    Break("weight-negative", "autonomy.yaml", "    weight: 3\n    cautious: self", "    weight: -3\n    cautious: self",
          "criteria[0].weight: -3 is below the minimum, 0", at="-3"),
    Break("risk-weight-wrong-type", "decision.yaml", "weights: {scope: 0.6, data_access: 0.4}",
          "weights: {scope: 0.6, data_access: \"40%\"}", "risk.weights.data_access: expected a number", at='"40%"'),
    Break("unknown-key", "autonomy.yaml", "criteria:\n", "critera:\n",
          "unknown key 'critera' (did you mean 'criteria'?)", at="critera"),
    Break("cautious-not-an-option", "autonomy.yaml", "cautious: self", "cautious: selff",
          "criterion 'initiation': cautious 'selff' is not one of its options", at="selff"),
    Break("rubric-name-mismatch", "scope.yaml", "rubric: scope\n", "rubric: autonomy\n",
          "rubric: must be 'scope'", at="autonomy"),
    Break("criterion-defined-twice", "autonomy.yaml", "  - id: planning\n", "  - id: initiation\n",
          "criteria: 'initiation' is defined twice", at="id: initiation\n    question: How are the steps"),
    Break("empty-file", "rubric-set.yaml", "", "", "expected a mapping", at=None),
]


def break_rubrics(tmp_path: Path, case: Break) -> tuple[Path, Path]:
    folder = tmp_path / "my-rubrics"
    shutil.copytree(ROOT / "rubrics", folder)
    target = folder / case.file
    if case.old is None:
        target.unlink()
    elif case.id == "empty-file":
        target.write_text("")
    else:
        text = target.read_text("utf-8")
        assert text.count(case.old) == case.count, f"{case.id}: the bundled {case.file} changed; update the case"
        target.write_text(text.replace(case.old, case.new, 1), "utf-8")
    return folder, target


def expected_location(target: Path, case: Break) -> tuple[int, int] | None:
    at = case.new if case.at is None and case.old else case.at
    if at is None:
        return None
    text = target.read_text("utf-8")
    index = text.index(at)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


COMMANDS = {
    "evaluate": lambda folder: ["evaluate", EXAMPLE, "--rubrics", str(folder), "-f", "json"],
    "validate": lambda folder: ["validate", EXAMPLE, "--rubrics", str(folder)],
    "rubrics-validate": lambda folder: ["rubrics", "validate", str(folder)],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_broken_rubric_set(runner: CliRunner, tmp_path: Path, case: Break, command: str) -> None:
    folder, target = break_rubrics(tmp_path, case)
    result = runner.invoke(app, COMMANDS[command](folder))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines
    where = expected_location(target, case)
    for line in lines:
        assert line.startswith(f"{folder}/"), f"does not name a file in the rubric folder: {line!r}"
        if where is not None:
            match = LOCATED.match(line)
            assert match, f"not FILE:LINE:COL: message: {line!r}"
            assert int(match["line"]) >= 1 and int(match["col"]) >= 1
    if where is None:
        assert f"{target}: {case.message}" in lines or any(
            line.startswith(f"{target}:1:1: ") and case.message in line for line in lines
        ), result.stderr
    else:
        line, column = where
        expected = f"{target}:{line}:{column}: "
        assert any(item.startswith(expected) and case.message in item for item in lines), (
            f"expected {expected}...{case.message}... in:\n{result.stderr}"
        )


def test_bundled_rubrics_validate(runner: CliRunner) -> None:
    result = runner.invoke(app, ["rubrics", "validate", "rubrics"])
    assert result.exit_code == 0, result.stderr
    assert "is valid" in result.stdout


def test_an_unchanged_copy_validates(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(ROOT / "rubrics", folder)
    assert runner.invoke(app, ["rubrics", "validate", str(folder)]).exit_code == 0
    result = runner.invoke(app, ["evaluate", EXAMPLE, "--rubrics", str(folder), "-f", "json"])
    assert result.exit_code == 0, result.stderr


def test_several_mistakes_are_all_reported(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "my-rubrics"
    shutil.copytree(ROOT / "rubrics", folder)
    for name, old, new in [("autonomy.yaml", "criteria:\n", "critera:\n"),
                           ("pilot.yaml", "max_weeks: 26", "max_weeks: -1")]:
        path = folder / name
        path.write_text(path.read_text().replace(old, new, 1))
    result = runner.invoke(app, ["rubrics", "validate", str(folder)])
    assert result.exit_code == 2
    files = {Path(LOCATED.match(line)["file"]).name for line in result.stderr.splitlines()}  # type: ignore[index]
    assert files == {"autonomy.yaml", "pilot.yaml"}


@pytest.mark.parametrize("command", ["rubrics-validate", "evaluate"])
def test_rubrics_that_are_not_a_folder(runner: CliRunner, tmp_path: Path, command: str) -> None:
    for where in (tmp_path / "missing", ROOT / EXAMPLE):
        result = runner.invoke(app, COMMANDS[command](where))
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code == 2
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"{where}: "), result.stderr


def test_a_key_with_a_line_break_stays_on_one_line(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "my-rubrics"
    shutil.copytree(ROOT / "rubrics", folder)
    decision = folder / "decision.yaml"
    text = decision.read_text("utf-8")
    old = "when: {scope.cross_system: true}"
    assert text.count(old) == 1
    decision.write_text(text.replace(old, 'when: {"scope.cross_system\\n": [[true]]}'), "utf-8")
    result = runner.invoke(app, ["rubrics", "validate", str(folder)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and LOCATED.match(lines[0]), result.stderr

"""Broken rubric sets: every mistake is one ``FILE:LINE:COL: message`` line naming the file, exit 2.

``CASES`` copy the bundled ``rubrics/`` folder and break one thing, and are run through every
command that reads rubrics. ``INCOHERENT`` are the checks a schema cannot make, as an organisation
meets them: its own set, which extends the default set and changes one file. In both, the expected
location is where ``at`` (a piece of the broken file) first appears: its line, and its column.
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
    return line_and_column(target.read_text("utf-8"), at)


def line_and_column(text: str, at: str) -> tuple[int, int]:
    """Where ``at`` first appears in ``text``, both counted from 1."""
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


# --- coherence: what the schema cannot check ---------------------------------------------------


@dataclass(frozen=True)
class Incoherent:
    id: str
    file: str
    old: str  # occurs once in the default set's file
    new: str
    message: str
    at: str  # where the problem is reported: its first occurrence in the changed file


# A governance control counted in numbers, which the gap finder cannot compare with a requirement.
COUNTED_CONTROL = """  - id: incidents
    question: How many incidents has it had?
    help: Counted over the last quarter.
    type: integer
    weight: 1
    cautious: 0
    bands:
      - {min: 0, label: "none", points: 0}
"""

INCOHERENT = [
    # criteria
    Incoherent("options-for-bands", "scope.yaml", "type: integer\n    weight: 1\n    cautious: 10\n",
               "type: choice\n    weight: 1\n    cautious: 10\n",
               "criterion 'systems': a choice criterion needs options, and only options", at="id: systems"),
    Incoherent("boolean-options-out-of-order", "scope.yaml",
               '      - {value: false, label: "No", points: 0}\n      - {value: true, label: "Yes", points: 100}',
               '      - {value: true, label: "Yes", points: 0}\n      - {value: false, label: "No", points: 100}',
               "criterion 'cross_system': a boolean criterion's options are exactly false and true, in that order",
               at="id: cross_system"),
    Incoherent("text-options-renamed", "governance.yaml", "{value: absent, label:", "{value: missing, label:",
               "criterion 'owner': a text criterion's options are exactly absent and present, in that order",
               at="id: owner"),
    Incoherent("choice-value-not-a-string", "autonomy.yaml", "{value: user, label:", "{value: false, label:",
               "criterion 'initiation': choice values are strings", at="id: initiation"),
    Incoherent("option-listed-twice", "autonomy.yaml", "{value: schedule, label:", "{value: user, label:",
               "criterion 'initiation': an option value is listed twice", at="id: initiation"),
    Incoherent("bands-not-rising", "scope.yaml", '{min: 1, label: "one", points: 10}',
               '{min: 0, label: "one", points: 10}',
               "criterion 'systems': bands start at min 0 and their minimums rise", at="id: systems"),
    Incoherent("counted-governance-control", "governance.yaml", "  - id: owner\n", COUNTED_CONTROL + "  - id: owner\n",
               "criterion 'incidents': a governance control is a choice, a boolean or a text", at="id: incidents"),
    Incoherent("cautious-missing", "autonomy.yaml", "    weight: 3\n    cautious: self\n", "    weight: 3\n",
               "criterion 'initiation': needs 'cautious', the reading taken when the field is left out",
               at="id: initiation"),
    Incoherent("cautious-negative-count", "scope.yaml", "cautious: 10\n", "cautious: -5\n",
               "criterion 'systems': cautious must be a whole number, 0 or more", at="-5"),
    Incoherent("cautious-not-a-list", "data_access.yaml", "cautious: [unknown]", "cautious: all of them",
               "criterion 'regulations': cautious must be a list of strings", at="all of them"),
    # conditions
    Incoherent("floor-on-one-middle-value", "decision.yaml", "when: {scope.impact: {at_least: major}}",
               "when: {scope.impact: major}",
               "scope.impact: a floor, ceiling or named risk must also hold for every riskier answer: "
               "write {at_least: V}", at="major}"),
    Incoherent("count-compared-with-a-word", "rollback.yaml", "when: {target_level: {at_least: 2}}",
               "when: {target_level: {at_least: two}}",
               "target_level: expected a whole number, got 'two'", at="{at_least: two}"),
    Incoherent("bound-missing", "decision.yaml", "when: {scope.impact: {at_least: major}}",
               "when: {scope.impact: {}}", "scope.impact: give at_least or at_most", at="{}}"),
    Incoherent("bound-on-an-unordered-field", "controls.yaml", "    when: {kind: [agent, hybrid]}",
               "    when: {kind: {at_least: agent}}",
               "kind: has no order; list the values instead", at="{at_least: agent}"),
    # the decision, controls, pilot and rollback files
    Incoherent("levels-not-one-to-four", "decision.yaml", "{level: 4, name: delegate", "{level: 3, name: delegate",
               "levels: exactly levels 1, 2, 3 and 4, in order", at="- {level: 1"),
    Incoherent("tier-minimums-not-rising", "decision.yaml", "- {tier: medium, min: 25}", "- {tier: medium, min: 0}",
               "tiers: low, medium, high and critical in that order, the first at min 0, minimums rising",
               at="- {tier: low"),
    Incoherent("remedy-for-no-control", "controls.yaml", '  kill_switch:\n    "false": Add a switch',
               '  kill_swich:\n    "false": Add a switch',
               "remedies: 'kill_swich' is not a governance control (did you mean 'kill_switch'?)", at="kill_swich"),
    Incoherent("remedy-from-the-strongest-option", "controls.yaml", '    "false": Add a switch',
               '    "true": Nothing to add.\n    "false": Add a switch',
               "remedies: kill_switch: 'true' is not an option short of its strongest (one of: false)",
               at='"true": Nothing'),
    Incoherent("remedy-missing-for-an-option", "controls.yaml", "    manual: Rehearse the written procedure",
               "    # manual: Rehearse the written procedure", "remedies: rollback: no remedy from manual",
               at="rollback:\n    none: Write"),
    Incoherent("severity-for-no-control", "controls.yaml", "  kill_switch: 8.5", "  kill_swich: 8.5",
               "security_severity: 'kill_swich' is not a governance control", at="kill_swich"),
    Incoherent("effort-for-no-control", "controls.yaml", "  limits: 4", "  limit: 4",
               "effort: 'limit' is not a governance control", at="limit: 4"),
    Incoherent("milestones-out-of-order", "pilot.yaml", "name: Measure a baseline\n    level: 1",
               "name: Measure a baseline\n    level: 2", "milestones: list them by rising level", at="- id: baseline"),
    Incoherent("last-fallback-with-a-condition", "rollback.yaml", '  - when: {}\n    text: "the manual process',
               '  - when: {target_level: 1}\n    text: "the manual process',
               "fallback: the last fallback needs `when: {}`, so that one always applies",
               at="when: {target_level: 1}"),
    # the catalogue
    Incoherent("id-pattern-not-a-regex", "catalogue.yaml", 'id_pattern: "^Article [0-9]+$"',
               'id_pattern: "^Article [0-9+$"',
               "eu-ai-act: id_pattern: unterminated character set at position 9", at='"^Article [0-9+$"'),
    Incoherent("references-for-no-control", "catalogue.yaml", "controls:\n  owner:", "controls:\n  ownr:",
               "controls: 'ownr' is not a governance control (did you mean 'owner'?)", at="ownr:"),
    Incoherent("reference-to-no-framework", "catalogue.yaml", "limits:\n    - {framework: owasp-llm, id: LLM01,",
               "limits:\n    - {framework: owasp-lm, id: LLM01,",
               "framework 'owasp-lm' is not among the frameworks (did you mean 'owasp-llm'?)",
               at="{framework: owasp-lm"),
    Incoherent("reference-id-not-the-frameworks", "catalogue.yaml", "id: Article 12,", "id: Art. 12,",
               "'Art. 12' is not an id of EU AI Act (^Article [0-9]+$)", at="{framework: eu-ai-act, id: Art. 12"),
]  # fmt: skip


def own_set(folder: Path, extends: str = "default") -> Path:
    """An organisation's rubric folder: its identity, and every other file from the set it extends."""
    folder.mkdir()
    identity = f"name: ours\nversion: '1'\ndescription: Our own rubrics.\nextends: {extends}\n"
    (folder / "rubric-set.yaml").write_text(identity, "utf-8")
    return folder


@pytest.mark.parametrize("case", INCOHERENT, ids=lambda c: c.id)
def test_incoherent_rubric_set(runner: CliRunner, tmp_path: Path, case: Incoherent) -> None:
    text = (ROOT / "rubrics" / case.file).read_text("utf-8")
    assert text.count(case.old) == 1, f"{case.id}: the bundled {case.file} changed; update the case"
    changed = text.replace(case.old, case.new)
    folder = own_set(tmp_path / "ours")
    (folder / case.file).write_text(changed, "utf-8")
    result = runner.invoke(app, ["rubrics", "validate", str(folder)])
    line, column = line_and_column(changed, case.at)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"{folder / case.file}:{line}:{column}: {case.message}\n"


def test_extends_more_than_eight_sets_deep(runner: CliRunner, tmp_path: Path) -> None:
    folder = own_set(tmp_path / "ours", extends="base")
    for _ in range(8):
        folder = own_set(folder / "base", extends="base")
    result = runner.invoke(app, ["rubrics", "validate", str(tmp_path / "ours")])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"{folder / 'rubric-set.yaml'}:4:10: extends: more than 8 sets deep\n"


def test_extends_leading_back(runner: CliRunner, tmp_path: Path) -> None:
    own_set(tmp_path / "ours", extends="../theirs")
    own_set(tmp_path / "theirs", extends="../ours")
    result = runner.invoke(app, ["rubrics", "validate", str(tmp_path / "ours")])
    assert (result.exit_code, result.stdout) == (2, "")
    theirs = tmp_path / "ours" / ".." / "theirs" / "rubric-set.yaml"  # as ours names it
    assert result.stderr == f"{theirs}:4:10: extends: '../ours' leads back to this set\n"

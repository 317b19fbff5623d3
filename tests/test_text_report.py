"""The terminal report (`decide evaluate` without --format), read as a person reads it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from decide.cli import app
from tests.conftest import ROOT

TRIAGE = "examples/ticket-triage-agent.yaml"
INVENTORY = "examples/inventory-replenishment.yaml"
HEADLINES = ("Recommendation", "Risk tier", "Readiness", "Autonomy level")
LEGEND = "* rests on answers left out of the task file"


def _text(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, ["evaluate", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _headlines(report: str) -> dict[str, str]:
    """The panel's headline rows: name -> the rest of the row."""
    rows = {}
    for line in report.splitlines():
        match = re.match(r"│ (Recommendation|Risk tier|Readiness|Autonomy level)\s+(.*?)\s*│$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    assert set(rows) == set(HEADLINES), report
    return rows


def _marked(report: str) -> set[str]:
    return {name for name, row in _headlines(report).items() if re.match(r"\S+( \S+)*? \*(\s|$)", row)}


def _without(tmp_path: Path, *fields: str) -> str:
    """The triage example with some answers left out."""
    task = yaml.safe_load((ROOT / TRIAGE).read_text(encoding="utf-8"))
    for field in fields:
        section, _, name = field.partition(".")
        del task[section][name]
    path = tmp_path / "task.yaml"
    path.write_text(yaml.safe_dump(task, sort_keys=False), encoding="utf-8")
    return str(path)


def test_a_fully_answered_task_marks_no_headline(runner: CliRunner) -> None:
    report = _text(runner, TRIAGE)
    assert _marked(report) == set()
    assert LEGEND not in report


def test_a_left_out_control_marks_the_readiness_and_the_levels_not_the_kind(runner: CliRunner, tmp_path: Path) -> None:
    report = _text(runner, _without(tmp_path, "governance.escalation"))
    assert _marked(report) == {"Readiness", "Autonomy level"}
    assert LEGEND in report
    assert "governance.escalation = none" in report.split("\nAssumptions\n", 1)[1]


def test_left_out_autonomy_answers_mark_the_kind(runner: CliRunner, tmp_path: Path) -> None:
    report = _text(runner, _without(tmp_path, "autonomy.planning", "autonomy.unattended"))
    assert "Recommendation" in _marked(report)
    assert LEGEND in report


@pytest.mark.parametrize(
    "left_out",
    [("scope.impact", "scope.reach", "data_access.sensitivity", "data_access.write"), ("governance.review",)],
    ids=["risk answers", "a control"],
)
def test_the_tier_is_marked_exactly_when_answering_could_lower_it(
    runner: CliRunner, tmp_path: Path, left_out: tuple[str, ...]
) -> None:
    task = _without(tmp_path, *left_out)
    report = _text(runner, task)
    deciding = json.loads(_text(runner, task, "-f", "json"))["risk"]["tier_range"]["deciding"]
    assert ("Risk tier" in _marked(report)) == bool(deciding)
    if deciding:
        assert re.search(r"Risk tier +\w+ \*  \(score", report)
        assert deciding[0] in " ".join(report.split("\nGovernance gaps\n")[0].split())


def test_framework_references_follow_each_gap_only_for_that_framework(runner: CliRunner) -> None:
    report = _text(runner, TRIAGE, "--framework", "eu-ai-act")
    kill_switch = report.split(" kill_switch ", 1)[1].split("\n human_approval", 1)[0]
    assert "[Article 14]" in kill_switch
    rollback = report.split(" rollback ", 1)[1].split("\n kill_switch", 1)[0]
    assert "[no clause]" in " ".join(rollback.split())  # the EU AI Act has no clause for the rollback procedure
    assert "MANAGE" not in report and "LLM06" not in report  # other frameworks' clauses stay out
    assert re.search(r"References: the EU AI Act \(\S+\) clauses a gap answers to are in brackets", report)


def test_without_a_framework_the_report_counts_the_references_and_names_the_option(runner: CliRunner) -> None:
    report = " ".join(_text(runner, TRIAGE).split())
    match = re.search(r"References: (\d+) clauses of (\d+) frameworks answer to these gaps; --framework NAME", report)
    assert match and int(match.group(1)) > int(match.group(2)) > 1
    assert "eu-ai-act" in report and "[Article 14]" not in report
    other = _text(runner, TRIAGE, "--framework", "owasp-llm")
    assert "[LLM06]" in other and "Article 14" not in other


def test_the_path_to_ready_is_in_the_gap_table_and_a_lower_cleared_level_is_offered(runner: CliRunner) -> None:
    report = _text(runner, INVENTORY)
    assert "Then: the readiness for level 4" in report
    assert "Or aim lower: it is cleared today for level 3 (supervise)." in report
    triage = _text(runner, TRIAGE)
    assert "Or aim lower" not in triage  # cleared for no level: nothing lower to offer
    table = [line.split() for line in triage.splitlines() if re.match(r" \w+ +(blocking|advisory) ", line)]
    assert table[-1][-1] == "ready" and all(row[-1] != "ready" for row in table[:-1])


def test_scores_fit_in_the_overview(runner: CliRunner) -> None:
    report = _text(runner, TRIAGE)
    panel = report.split("╰", 1)[0]
    assert re.search(r"Scores\s+autonomy [\d.]+ · scope [\d.]+ · data access [\d.]+ · governance [\d.]+", panel)


@pytest.mark.parametrize("example", [TRIAGE, INVENTORY])
def test_the_terminal_report_stays_short(runner: CliRunner, example: str) -> None:
    # Issue 17: it says more than before (references, the marks, a lower level) in fewer lines; issue 19
    # added the evidence section (three or four lines).
    limits = {TRIAGE: 155, INVENTORY: 110}
    assert len(_text(runner, example).splitlines()) <= limits[example]

"""Evidence behind claimed controls, through the real CLI on real files in real folders.

The inventory example claims every control a high-risk agent needs, each backed by a file under
``examples/evidence``; the tests copy it into a repository of their own (a folder with ``.git``), then
take evidence away, age it, or point it somewhere it must not go. The suite judges evidence as of
2026-12-01 (``SOURCE_DATE_EPOCH``, set in conftest).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from decide.cli import app
from tests.conftest import ROOT, copy_example

INVENTORY = "inventory-replenishment"
KILL_SWITCH_ITEM = '    - {ref: evidence/inventory-replenishment/kill-switch-test.md, date: "2026-11-12"}\n'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    return tmp_path / "repo"


@pytest.fixture
def task(repo: Path) -> Path:
    return copy_example(INVENTORY, repo / "tasks")


def evaluate(path: Path, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["evaluate", "--format", "json", str(path), *extra])
    assert result.exit_code == 0, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def control(report: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in report["evidence"]["controls"] if e["control"] == name)
    return found


def with_kill_switch_items(task: Path, *items: str) -> Path:
    """The task with its kill switch evidence replaced by ``items`` (YAML flow mappings)."""
    text = task.read_text(encoding="utf-8")
    assert KILL_SWITCH_ITEM in text
    task.write_text(text.replace(KILL_SWITCH_ITEM, "".join(f"    - {item}\n" for item in items)), encoding="utf-8")
    return task


def test_the_example_is_evidenced_and_cleared_for_level_3(task: Path) -> None:
    report = evaluate(task)
    assert report["evidence"]["as_of"] == "2026-12-01"
    assert {e["status"] for e in report["evidence"]["controls"]} == {"evidenced"}
    assert report["recommendation"]["start_level"] == 3 and report["recommendation"]["cleared"]
    kill_switch = control(report, "kill_switch")
    assert kill_switch["items"][0]["sha256"] and kill_switch["detail"].startswith(
        "evidence/inventory-replenishment/kill-switch-test.md, verified 2026-11-12 (19 days before 2026-12-01)"
    )


def test_a_claim_without_evidence_blocks_at_high_risk(task: Path) -> None:
    text = task.read_text(encoding="utf-8")
    task.write_text(text.replace(KILL_SWITCH_ITEM, "").replace("  kill_switch:\n", ""), encoding="utf-8")
    report = evaluate(task)
    kill_switch = control(report, "kill_switch")
    assert (kill_switch["status"], kill_switch["severity"]) == ("missing", "blocking")
    assert report["recommendation"]["readiness"] == "not-ready"
    # A kill switch is required from level 1 for an agent: with no evidence of it, no level is cleared.
    assert not report["recommendation"]["cleared"]
    assert "1 claim without current evidence (kill_switch)" in report["recommendation"]["summary"]


def test_old_and_undated_evidence_is_stale(task: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_kill_switch_items(task, "{ref: evidence/inventory-replenishment/kill-switch-test.md}")
    assert control(evaluate(task), "kill_switch")["status"] == "stale"
    # Judged on 2027-03-01, the access review of 2026-09-30 is 152 days old: at high risk the limit is 90.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1803859200")
    access = control(evaluate(task), "access")
    assert (access["status"], access["severity"]) == ("stale", "blocking")
    assert "(152 days before 2027-03-01); at high risk, evidence may be 90 days old" in access["detail"]


def test_a_date_after_the_day_of_judgement_is_not_evidence(task: Path) -> None:
    with_kill_switch_items(task, '{ref: evidence/inventory-replenishment/kill-switch-test.md, date: "2027-01-01"}')
    kill_switch = control(evaluate(task), "kill_switch")
    assert kill_switch["status"] == "unusable" and "after 2026-12-01" in kill_switch["detail"]


def test_a_url_is_recorded_never_fetched(task: Path) -> None:
    # An address no machine answers: a fetch would fail or hang; recording it cannot.
    with_kill_switch_items(task, '{ref: "https://runbooks.invalid/kill-switch", date: "2026-11-30", note: drill}')
    kill_switch = control(evaluate(task), "kill_switch")
    assert kill_switch["status"] == "evidenced"
    assert kill_switch["items"] == [{"ref": "https://runbooks.invalid/kill-switch", "date": "2026-11-30",
                                     "note": "drill", "url": True, "problem": None, "sha256": None}]  # fmt: skip


def test_an_unquoted_yaml_date_reads_as_the_day_it_names(task: Path) -> None:
    with_kill_switch_items(task, "{ref: evidence/inventory-replenishment/kill-switch-test.md, date: 2026-11-12}")
    assert control(evaluate(task), "kill_switch")["items"][0]["date"] == "2026-11-12"


HOSTILE = {
    "a path out of the repository": ("../../../etc/passwd", "leads outside the repository"),
    "an absolute path": ("/etc/passwd", "an absolute path: give a path from the task file's folder"),
    "a file URL": ("file:///etc/passwd", "a file: URL: give a path from the task file's folder"),
    "a symlink out of the repository": ("evidence/out.md", "leads outside the repository"),
    "a missing file": ("evidence/none.md", "no such file"),
    "a folder": ("evidence", "not a file but a folder"),
    "a named pipe": ("evidence/pipe.md", "not a file but a named pipe"),
    "a huge file": ("evidence/huge.md", "larger than 64 MiB"),
    "a symlink loop": ("evidence/loop.md", "cannot be read"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_ref_is_refused_with_a_clear_reason(task: Path, tmp_path: Path, case: str) -> None:
    folder = task.parent / "evidence"
    os.symlink("/etc/hostname", folder / "out.md")
    os.mkfifo(folder / "pipe.md")  # reading it would block forever
    with open(folder / "huge.md", "wb") as huge:
        huge.truncate(65 * 1024 * 1024)  # sparse: no disk is used
    os.symlink("loop.md", folder / "loop.md")
    ref, reason = HOSTILE[case]
    with_kill_switch_items(task, f'{{ref: "{ref}", date: "2026-11-30"}}')
    kill_switch = control(evaluate(task), "kill_switch")
    assert kill_switch["status"] == "unusable" and kill_switch["severity"] == "blocking"
    assert reason in kill_switch["items"][0]["problem"] and kill_switch["items"][0]["sha256"] is None


def test_mistakes_in_the_evidence_section_are_located(task: Path) -> None:
    text = task.read_text(encoding="utf-8")
    line = text.splitlines().index("  kill_switch:", text.splitlines().index("evidence:")) + 1
    task.write_text(text.replace("  kill_switch:\n", "  kill_swtch:\n", 1).replace(
        "kill-switch-test.md, date: \"2026-11-12\"", "kill-switch-test.md, date: \"2026-02-30\""), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "decide", "validate", str(task)], capture_output=True, text=True, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert re.search(rf"{re.escape(str(task))}:{line}:3: .*'kill_swtch'.*did you mean 'kill_switch'", result.stderr)
    fixed = task.read_text(encoding="utf-8").replace("kill_swtch", "kill_switch")
    task.write_text(fixed, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "decide", "evaluate", str(task)], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert re.fullmatch(rf"{re.escape(str(task))}:{line + 1}:\d+: evidence: date '2026-02-30' is not a day of the "
                        r"calendar\n", result.stderr)  # fmt: skip


def test_markdown_shows_claimed_against_evidenced(task: Path) -> None:
    with_kill_switch_items(task, "{ref: evidence/inventory-replenishment/kill-switch-test.md}")
    result = CliRunner().invoke(app, ["evaluate", "--format", "markdown", str(task)])
    assert "## Evidence" in result.stdout and "Claimed against evidenced, as of 2026-12-01:" in result.stdout
    assert "| `kill_switch` | true | stale (blocking) | undated: say when it was last verified" in result.stdout
    assert "show current evidence for kill\\_switch (then conditional)" in result.stdout


def test_ci_reports_evidence_findings_on_their_line_in_every_format(task: Path, repo: Path) -> None:
    with_kill_switch_items(task, '{ref: "../../../etc/passwd", date: "2026-11-30"}')
    item_line = task.read_text(encoding="utf-8").splitlines().index('    - {ref: "../../../etc/passwd", date: '
                                                                     '"2026-11-30"}') + 1  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "decide", "ci", "tasks", "--sarif", "r.sarif", "--junit", "r.xml",
         "--gitlab", "r.json", "--markdown", "r.md"],
        cwd=repo, capture_output=True, text=True, check=False, env={**os.environ, "GITHUB_ACTIONS": "true"},
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "kill_switch: blocking, evidence unusable: ../../../etc/passwd: leads outside the repository" in result.stdout
    sarif = json.loads((repo / "r.sarif").read_text(encoding="utf-8"))
    [finding] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "decide/evidence"]
    assert finding["level"] == "error"
    assert finding["locations"][0]["physicalLocation"]["region"]["startLine"] == item_line
    assert any(rule["id"] == "decide/evidence" for rule in sarif["runs"][0]["tool"]["driver"]["rules"])
    gitlab = json.loads((repo / "r.json").read_text(encoding="utf-8"))
    assert any("without current evidence" in issue["description"] and issue["location"]["lines"]["begin"] == item_line
               for issue in gitlab)  # fmt: skip
    assert f"tasks/{INVENTORY}.yaml:{item_line}:" in (repo / "r.xml").read_text(encoding="utf-8")
    assert "kill\\_switch: blocking, evidence unusable" in (repo / "r.md").read_text(encoding="utf-8")
    assert f"::error file=tasks/{INVENTORY}.yaml,line={item_line}," in result.stdout


def test_a_rule_naming_no_control_is_a_located_rubric_error(tmp_path: Path) -> None:
    rubrics = tmp_path / "rubrics"
    shutil.copytree(ROOT / "rubrics", rubrics)
    controls = rubrics / "controls.yaml"
    text = controls.read_text(encoding="utf-8")
    controls.write_text(text.replace("controls: [monitoring, evaluation]", "controls: [monitoring, evalution]"), "utf-8")
    line = controls.read_text(encoding="utf-8").splitlines().index("      controls: [monitoring, evalution]") + 1
    result = CliRunner().invoke(app, ["rubrics", "validate", str(rubrics)])
    assert result.exit_code == 2
    assert (f"{rubrics / 'controls.yaml'}:{line}:30: evidence: 'evalution' is not a governance control "
            "(did you mean 'evaluation'?)") in result.stderr  # fmt: skip


def test_the_terminal_report_shows_claimed_against_evidenced(task: Path) -> None:
    with_kill_switch_items(task, "{ref: evidence/inventory-replenishment/kill-switch-test.md}")
    result = CliRunner().invoke(app, ["evaluate", str(task)])
    assert "Evidence, as of 2026-12-01: claimed against evidenced" in result.stdout
    assert "kill_switch: stale (blocking): undated: say when it was last verified" in result.stdout
    assert re.search(r"evidenced: human_approval, audit_log, monitoring, escalation, rollback,\s+access,", result.stdout)


def test_a_bad_source_date_epoch_is_one_line(task: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "decide", "evaluate", str(task)], capture_output=True, text=True,
                            check=False, env={**os.environ, "SOURCE_DATE_EPOCH": "next tuesday"})  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == "SOURCE_DATE_EPOCH: 'next tuesday' is not a number of seconds since 1970\n"


def test_an_unshown_claim_weighs_no_more_than_no_claim(repo: Path, tmp_path: Path) -> None:
    """The spec: strengthening a control never worsens readiness. A rubric that asks evidence of a
    rollback everywhere, blocking, meets a read-only assistant whose missing rollback is only advisory:
    claiming a rollback it cannot show leaves it conditional, as having none does, not worse."""
    rubrics = tmp_path / "rubrics"
    shutil.copytree(ROOT / "rubrics", rubrics)
    controls = rubrics / "controls.yaml"
    rule = "    - id: evidence-rollback-everywhere\n      why: Show the way back.\n      when: {}\n" \
           "      controls: [rollback]\n      missing: blocking\n"  # fmt: skip
    controls.write_text(controls.read_text(encoding="utf-8").replace("  rules:\n", "  rules:\n" + rule, 1), "utf-8")
    task = copy_example("status-lookup-assistant", repo / "tasks")
    without = task.read_text(encoding="utf-8").replace("  rollback: manual\n", "  rollback: none\n")
    task.write_text(without, encoding="utf-8")
    before = evaluate(task, "--rubrics", str(rubrics))
    assert [(g["control"], g["severity"]) for g in before["gaps"]] == [("rollback", "advisory")]
    assert before["recommendation"]["readiness"] == "conditional"

    task.write_text(without.replace("  rollback: none\n", "  rollback: manual\n"), encoding="utf-8")
    after = evaluate(task, "--rubrics", str(rubrics))
    rollback = control(after, "rollback")
    assert (rollback["status"], rollback["severity"]) == ("missing", "advisory")
    assert after["recommendation"]["readiness"] == "conditional"

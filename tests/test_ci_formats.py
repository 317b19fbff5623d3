"""The CI report formats against the schemas and the rules of the systems that read them.

SARIF against the OASIS schema and GitHub code scanning's extra requirements, JUnit against the
Jenkins xUnit schema and GitLab's unique names, GitLab Code Quality against GitLab's own item schema
and the stricter one from its docs. Where each schema comes from: tests/schemas/README.md.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
import xmlschema

from decide.ci import FailOn, gitlab, junit, sarif
from decide.ci.gate import GateResult, run_gate
from decide.loading.rubrics import load_rubrics
from decide.model import Gap, RubricSet
from tests.conftest import EXAMPLES, ROOT

SCHEMAS = ROOT / "tests" / "schemas"
FORMATS = [sarif, junit, gitlab]
TRIAGE = ROOT / "examples" / "ticket-triage-agent.yaml"


@pytest.fixture(scope="module")
def rubrics() -> RubricSet:
    return load_rubrics()


def schema(name: str) -> Any:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    """Every example, an invalid file, a task sharing an example's id, and one that leaves out its kill switch."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\ntitle: Broken\nbogus: true\n", encoding="utf-8")
    twin = tmp_path / "twin.yaml"
    twin.write_text(TRIAGE.read_text(encoding="utf-8"), encoding="utf-8")
    unstoppable = tmp_path / "unstoppable.yaml"
    text = TRIAGE.read_text(encoding="utf-8").replace("id: ticket-triage-agent", "id: unstoppable")
    unstoppable.write_text(text.replace("  kill_switch: false\n", ""), encoding="utf-8")
    return [example.relative_to(ROOT) for example in EXAMPLES] + [broken, twin, unstoppable]


@pytest.fixture
def result(files: list[Path], rubrics: RubricSet) -> GateResult:
    return run_gate(files, rubrics)


def by_source(result: GateResult, name: str) -> str:
    return next(outcome.source for outcome in result.tasks if outcome.source.endswith(name))


# --- every format -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_every_output_is_byte_identical_across_runs(fmt: ModuleType, files: list[Path], rubrics: RubricSet) -> None:
    first = fmt.render(run_gate(files, rubrics), rubrics)
    assert fmt.render(run_gate(files, rubrics), rubrics) == first
    assert first.endswith("\n") and not first.startswith("\ufeff")


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_an_empty_gate_gives_a_valid_empty_report(fmt: ModuleType, rubrics: RubricSet) -> None:
    text = fmt.render(run_gate([], rubrics), rubrics)
    if fmt is sarif:
        jsonschema.Draft4Validator(schema("sarif-schema-2.1.0.json")).validate(json.loads(text))
        assert json.loads(text)["runs"][0]["results"] == []
    elif fmt is junit:
        xmlschema.XMLSchema(SCHEMAS / "junit.xsd").validate(text)
        assert ET.fromstring(text).attrib == {"name": "decide", "tests": "0", "failures": "0", "errors": "0"}
    else:
        assert json.loads(text) == []


# --- SARIF ----------------------------------------------------------------------------------------


def test_sarif_validates_against_the_oasis_schema(result: GateResult, rubrics: RubricSet) -> None:
    validator = jsonschema.Draft4Validator(schema("sarif-schema-2.1.0.json"))
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(json.loads(sarif.render(result, rubrics)))
    ]
    assert errors == []


def test_sarif_meets_github_code_scanning_requirements(result: GateResult, rubrics: RubricSet) -> None:
    log = json.loads(sarif.render(result, rubrics))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "decide" and driver["semanticVersion"]
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == [
        *(f"decide/{c.id}" for c in rubrics.rubrics["governance"].criteria),
        "decide/evidence",
        "decide/invalid-task",
    ]
    for rule in rules:
        for text in (rule["shortDescription"]["text"], rule["fullDescription"]["text"]):
            assert text.strip() and len(text) <= 1024
        assert rule["help"]["text"].strip() and rule["help"]["markdown"].strip()
        assert 0 < len(rule["name"]) <= 255
        assert rule["defaultConfiguration"]["level"] in {"note", "warning", "error"}
        assert len(rule["properties"]["tags"]) <= 10
        if "security-severity" in rule["properties"]:
            score = rule["properties"]["security-severity"]
            assert isinstance(score, str) and 0 < float(score) <= 10
            assert "security" in rule["properties"]["tags"]
    assert rules[[r["id"] for r in rules].index("decide/kill_switch")]["properties"]["security-severity"] == "8.5"

    results = run["results"]
    assert results
    for item in results:
        assert item["message"]["text"].strip()
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        assert item["level"] in {"error", "warning"}
        assert len(item["locations"]) == 1
        location = item["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"]
        region = location["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert region["endLine"] == region["startLine"] and region["endColumn"] > region["startColumn"]
        assert item["partialFingerprints"] and all(
            isinstance(v, str) and v for v in item["partialFingerprints"].values()
        )
    fingerprints = [json.dumps(item["partialFingerprints"], sort_keys=True) for item in results]
    assert len(set(fingerprints)) == len(fingerprints)
    assert run["invocations"] == [{"executionSuccessful": False, "exitCode": 2}]


def test_sarif_has_one_result_per_gap_and_per_problem(result: GateResult, rubrics: RubricSet) -> None:
    results = json.loads(sarif.render(result, rubrics))["runs"][0]["results"]
    # A gap and a claim without the evidence a rule asks for are both findings with a severity.
    findings = [f for o in result.tasks if o.report
                for f in (*o.report.assessment.gaps, *(e for e in o.report.assessment.evidence if e.finding))]  # fmt: skip
    problems = [p for o in result.tasks for p in o.problems]
    assert len(results) == len(findings) + len(problems)
    assert Counter(r["level"] for r in results) == {
        "error": sum(f.severity == "blocking" for f in findings) + len(problems),
        "warning": sum(f.severity == "advisory" for f in findings),
    }
    assert sum(r["ruleId"] == "decide/invalid-task" for r in results) == len(problems)
    assert sum(r["ruleId"] == "decide/evidence" for r in results) == sum(not isinstance(f, Gap) for f in findings)


def test_a_sarif_result_points_at_the_control_and_says_what_is_missing(result: GateResult, rubrics: RubricSet) -> None:
    results = json.loads(sarif.render(result, rubrics))["runs"][0]["results"]
    uri = "examples/ticket-triage-agent.yaml"
    [kill] = [r for r in results if r["ruleId"] == "decide/kill_switch"
              and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri]  # fmt: skip
    assert kill["level"] == "error"
    assert kill["message"]["text"].startswith(
        "Task 'ticket-triage-agent' is missing kill_switch: required true, has false. "
    )
    line = TRIAGE.read_text(encoding="utf-8").splitlines().index("  kill_switch: false") + 1
    assert kill["locations"][0]["physicalLocation"]["region"] == {
        "startLine": line, "startColumn": 3, "endLine": line, "endColumn": 3 + len("kill_switch")
    }  # fmt: skip
    [weaker] = [r for r in results if r["ruleId"] == "decide/audit_log"
                and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri]  # fmt: skip
    assert weaker["level"] == "warning"
    assert weaker["message"]["text"].startswith(
        "Task 'ticket-triage-agent' falls short on audit_log: required complete, has partial. "
    )


def test_a_control_left_out_is_located_at_the_governance_section(result: GateResult, rubrics: RubricSet) -> None:
    source = by_source(result, "unstoppable.yaml")
    results = json.loads(sarif.render(result, rubrics))["runs"][0]["results"]
    [kill] = [
        r
        for r in results
        if r["ruleId"] == "decide/kill_switch" and r["message"]["text"].startswith("Task 'unstoppable'")
    ]
    assert kill["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == Path(source).as_uri()
    line = Path(source).read_text(encoding="utf-8").splitlines().index("governance:") + 1
    assert kill["locations"][0]["physicalLocation"]["region"] == {
        "startLine": line, "startColumn": 1, "endLine": line, "endColumn": 1 + len("governance")
    }  # fmt: skip


def test_an_invalid_file_is_a_result_at_each_problem(result: GateResult, rubrics: RubricSet) -> None:
    results = json.loads(sarif.render(result, rubrics))["runs"][0]["results"]
    invalid = [r for r in results if r["ruleId"] == "decide/invalid-task"]
    assert {r["level"] for r in invalid} == {"error"}
    [unknown] = [r for r in invalid if "bogus" in r["message"]["text"]]
    assert unknown["locations"][0]["physicalLocation"]["region"]["startLine"] == 3


def test_sarif_fingerprints_survive_a_line_move(tmp_path: Path, rubrics: RubricSet) -> None:
    task = tmp_path / "task.yaml"
    task.write_text(TRIAGE.read_text(encoding="utf-8"), encoding="utf-8")

    def located() -> list[tuple[str, int]]:
        results = json.loads(sarif.render(run_gate([task], rubrics), rubrics))["runs"][0]["results"]
        return [(r["partialFingerprints"]["decide/v1"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
                for r in results]  # fmt: skip

    before = located()
    task.write_text("# moved down\n\n" + TRIAGE.read_text(encoding="utf-8"), encoding="utf-8")
    after = located()
    assert [f for f, _ in after] == [f for f, _ in before]
    assert [line for _, line in after] == [line + 2 for _, line in before]


# --- JUnit ----------------------------------------------------------------------------------------


def test_junit_validates_against_the_jenkins_schema(result: GateResult, rubrics: RubricSet) -> None:
    text = junit.render(result, rubrics)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    xmlschema.XMLSchema(SCHEMAS / "junit.xsd").validate(text)


@pytest.mark.parametrize("fail_on", list(FailOn))
def test_junit_counts_match_the_gate(fail_on: FailOn, files: list[Path], rubrics: RubricSet) -> None:
    result = run_gate(files, rubrics, fail_on)
    root = ET.fromstring(junit.render(result, rubrics))
    counts = {"tests": str(len(result.tasks)), "failures": str(len(result.failed)), "errors": str(len(result.invalid))}
    assert root.tag == "testsuites" and root.attrib == {"name": "decide", **counts}
    [suite] = root
    assert suite.attrib == {"name": "decide", **counts, "skipped": "0"}
    cases = suite.findall("testcase")
    assert len(cases) == len(result.tasks)
    assert len(suite.findall("testcase/failure")) == len(result.failed)
    assert len(suite.findall("testcase/error")) == len(result.invalid)
    for case, outcome in zip(cases, result.tasks, strict=True):
        failure = case.find("failure")
        assert (failure is not None) == outcome.failed
        if failure is not None and outcome.report is not None:
            assert failure.get("type") == outcome.report.assessment.readiness
            assert failure.get("message") and failure.text
            assert case.get("classname") == f"decide.{outcome.report.assessment.kind}"


def test_junit_names_are_unique_and_failures_list_the_blocking_gaps(result: GateResult, rubrics: RubricSet) -> None:
    cases = ET.fromstring(junit.render(result, rubrics)).findall("testsuite/testcase")
    names = [case.get("name") for case in cases]
    assert len(set(names)) == len(names)
    twin = by_source(result, "twin.yaml")
    assert "ticket-triage-agent (examples/ticket-triage-agent.yaml)" in names
    assert f"ticket-triage-agent ({twin})" in names
    [triage] = [case for case in cases if case.get("name") == "ticket-triage-agent (examples/ticket-triage-agent.yaml)"]
    text = triage.findtext("failure") or ""
    assert (
        "examples/ticket-triage-agent.yaml:38:3: kill_switch: blocking, requires true, has false" in text.splitlines()
    )
    assert "audit_log: advisory" not in text  # advisory: it does not fail --fail-on not-ready
    assert "examples/ticket-triage-agent.yaml:34:3: audit_log: blocking, evidence missing: claimed, with no evidence" in text
    [broken] = [case for case in cases if case.find("error") is not None]
    assert broken.get("name") == by_source(result, "broken.yaml")
    error = broken.find("error")
    assert error is not None and error.get("type") == "invalid-task"
    assert "unknown key 'bogus'" in (error.text or "")


def test_junit_names_stay_unique_when_a_file_is_given_twice(rubrics: RubricSet) -> None:
    result = run_gate([TRIAGE.relative_to(ROOT)] * 2, rubrics)
    names = [case.get("name") for case in ET.fromstring(junit.render(result, rubrics)).iter("testcase")]
    assert len(set(names)) == 2


def test_junit_failures_name_the_regressions(tmp_path: Path, rubrics: RubricSet) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"tasks": [
        {"id": "ticket-triage-agent", "status": "evaluated", "readiness": "ready", "tier": "high", "blocking": []}
    ]}), encoding="utf-8")  # fmt: skip
    result = run_gate([TRIAGE.relative_to(ROOT)], rubrics, baseline_path=baseline)
    failure = ET.fromstring(junit.render(result, rubrics)).find("testsuite/testcase/failure")
    assert failure is not None
    assert (failure.get("message") or "").startswith("regressed since the baseline: readiness ready → not-ready")
    assert "examples/ticket-triage-agent.yaml: regressed: readiness ready → not-ready" in (failure.text or "")


# --- GitLab Code Quality ----------------------------------------------------------------------------


def test_gitlab_validates_item_by_item_and_as_a_whole(result: GateResult, rubrics: RubricSet) -> None:
    text = gitlab.render(result, rubrics)
    assert not text.startswith("\ufeff")
    issues = json.loads(text)
    assert isinstance(issues, list) and issues
    item = jsonschema.Draft7Validator(schema("gitlab-codequality-issue.schema.json"))
    for issue in issues:
        item.validate(issue)
    jsonschema.Draft7Validator(schema("gitlab-codequality-report.strict.schema.json")).validate(issues)


def test_gitlab_fingerprints_are_unique_and_paths_relative(result: GateResult, rubrics: RubricSet) -> None:
    issues = json.loads(gitlab.render(result, rubrics))
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints)
    for issue in issues:
        path = issue["location"]["path"]
        assert not Path(path).is_absolute() and "://" not in path
        assert (Path.cwd() / path).resolve().is_file()


def test_gitlab_severity_follows_the_gap_and_the_tier(result: GateResult, rubrics: RubricSet) -> None:
    issues = json.loads(gitlab.render(result, rubrics))
    severities = {(issue["location"]["path"], issue["check_name"]): issue["severity"] for issue in issues}
    assert severities["examples/order-support-hybrid.yaml", "decide/rollback"] == "critical"  # blocking, critical tier
    assert severities["examples/ticket-triage-agent.yaml", "decide/kill_switch"] == "major"  # blocking, high tier
    assert severities["examples/ticket-triage-agent.yaml", "decide/audit_log"] == "minor"  # advisory
    assert {s for (_, check), s in severities.items() if check == "decide/invalid-task"} == {"blocker"}
    assert len(issues) == len(json.loads(sarif.render(result, rubrics))["runs"][0]["results"])

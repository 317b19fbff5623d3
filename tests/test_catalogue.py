"""The controls catalogue: every control and named risk cites real clauses of the named frameworks, each with
its framework's edition, and reports show them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from decide.cli import app
from decide.loading.rubrics import load_rubrics
from tests.conftest import ROOT

# The frameworks the catalogue may cite, and what their ids look like, written here independently.
FRAMEWORKS = {
    "nist-ai-rmf": r"^(GOVERN|MAP|MEASURE|MANAGE) [1-6]\.[0-9]{1,2}$",
    "nist-ai-600-1": r"^(GV|MP|MS|MG)-[1-6]\.[0-9]{1,2}-[0-9]{3}$",  # the profile's suggested actions
    "eu-ai-act": r"^Article (9|10|12|13|14|15|26)$",
    "iso-42001": r"^A\.([2-9]|10)(\.[0-9]+){0,2}$",
    "owasp-llm": r"^LLM(0[1-9]|10)$",
    "owasp-agentic": r"^T([1-9]|1[0-5])$",
    "owasp-agentic-top10": r"^ASI(0[1-9]|10)$",
}

# The Top 10 for Agentic Applications, edition 2026 (published December 2025), as the publication titles its entries.
AGENTIC_TOP10 = {
    "ASI01": "Agent Goal Hijack",
    "ASI02": "Tool Misuse and Exploitation",
    "ASI03": "Identity and Privilege Abuse",
    "ASI05": "Unexpected Code Execution (RCE)",
    "ASI06": "Memory & Context Poisoning",
    "ASI08": "Cascading Failures",
    "ASI09": "Human-Agent Trust Exploitation",
    "ASI10": "Rogue Agents",
}


@pytest.mark.parametrize("preset", ["default", "strict", "relaxed"])
def test_every_control_has_references_to_named_frameworks(preset: str) -> None:
    rubrics = load_rubrics(preset)
    for criterion in rubrics.rubrics["governance"].criteria:
        references = rubrics.references_of(criterion.id)
        assert references, f"{criterion.id} has no reference"
        for reference in references:
            assert reference.framework in FRAMEWORKS
            assert re.match(FRAMEWORKS[reference.framework], reference.id), reference
            assert reference.version and reference.title


def test_known_anchors() -> None:
    rubrics = load_rubrics()
    cited = {control: {(r.framework, r.id) for r in rubrics.references_of(control)} for control in rubrics.references}
    assert ("eu-ai-act", "Article 14") in cited["human_approval"]  # human oversight
    assert ("eu-ai-act", "Article 12") in cited["audit_log"]  # record-keeping
    assert ("nist-ai-rmf", "MANAGE 2.4") in cited["kill_switch"]  # supersede, disengage or deactivate
    assert ("owasp-llm", "LLM06") in cited["access"]  # excessive agency
    assert ("owasp-agentic", "T8") in cited["audit_log"]  # repudiation and untraceability
    assert ("nist-ai-600-1", "GV-1.7-001") in cited["kill_switch"]  # GAI systems can be deactivated
    assert ("nist-ai-600-1", "GV-6.2-006") in cited["rollback"]  # rollover and fallback, incl. manual processing


def test_reports_show_references_and_filter_by_framework(runner: CliRunner) -> None:
    task = "examples/ticket-triage-agent.yaml"
    report = json.loads(runner.invoke(app, ["evaluate", task, "-f", "json"]).stdout)
    kill = next(g for g in report["gaps"] if g["control"] == "kill_switch")
    assert {"framework": "nist-ai-rmf", "version": "1.0", "id": "MANAGE 2.4"}.items() <= kill["references"][0].items()
    only_eu = json.loads(runner.invoke(app, ["evaluate", task, "-f", "json", "--framework", "eu-ai-act"]).stdout)
    assert all(r["framework"] == "eu-ai-act" for g in only_eu["gaps"] for r in g["references"])
    assert "EU AI Act (2024/1689) Article 14" in runner.invoke(app, ["evaluate", task, "-f", "markdown"]).stdout
    unknown = runner.invoke(app, ["evaluate", task, "--framework", "nist"])
    assert unknown.exit_code == 2 and "'nist' is not in the catalogue: eu-ai-act" in unknown.stderr


def test_rubrics_controls_prints_the_catalogue(runner: CliRunner) -> None:
    result = runner.invoke(app, ["rubrics", "controls"])
    assert result.exit_code == 0
    assert re.search(r"^kill_switch +NIST AI Risk Management Framework 1\.0 +MANAGE 2\.4 ", result.stdout, re.M)
    assert re.search(r"^kill_switch +NIST AI 600-1 July 2024 +GV-1\.7-001 ", result.stdout, re.M)
    # Columns are as wide as their longest entry: no framework's name or version is cut short.
    assert "OWASP Agentic AI, Threats and Mitigations 1.0 " in result.stdout


def test_a_catalogue_citing_an_unknown_framework_or_a_malformed_id_is_refused(
    runner: CliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "rubrics"
    shutil.copytree(ROOT / "rubrics", folder)
    catalogue = folder / "catalogue.yaml"
    text = catalogue.read_text(encoding="utf-8")
    catalogue.write_text(text.replace("{framework: owasp-llm, id: LLM06, title: \"Excessive Agency\"}",
                                      "{framework: owasp-lm, id: LLM06, title: \"Excessive Agency\"}", 1)
                         .replace("id: Article 12,", "id: Art. 12,"), encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["rubrics", "validate", str(folder)])
    assert result.exit_code == 2
    assert "framework 'owasp-lm' is not among the frameworks (did you mean 'owasp-llm'?)" in result.stderr
    assert "'Art. 12' is not an id of EU AI Act" in result.stderr


def test_levels_name_their_equivalents_in_public_scales(runner: CliRunner) -> None:
    report = json.loads(runner.invoke(app, ["evaluate", "examples/inventory-replenishment.yaml", "-f", "json"]).stdout)
    recommendation = report["recommendation"]
    assert recommendation["target_level"] == 4
    assert recommendation["target_level_equivalents"] == {
        "aws-scoping-matrix": "Scope 4: full agency",
        "feng-mcdonald-zhang": "L5: user as observer",
        "csa-atf": "Principal: autonomous",
    }
    atf = ["Intern: observe and report", "Junior: recommend and approve", "Senior: act and notify"]
    assert recommendation["start_level_equivalents"]["csa-atf"] == atf[recommendation["start_level"] - 1]
    markdown = runner.invoke(app, ["evaluate", "examples/inventory-replenishment.yaml", "-f", "markdown"]).stdout
    assert "| Target in public scales | Scope 4: full agency; L5: user as observer; Principal: autonomous |" in markdown
    for preset in ("default", "strict", "relaxed"):
        levels = load_rubrics(preset).levels
        assert [level.equivalents["aws-scoping-matrix"].split(":")[0] for level in levels] == [
            "Scope 1", "Scope 2", "Scope 3", "Scope 4"]  # fmt: skip
        # The Agentic Trust Framework's maturity levels, one to one, as ATF aligns them with the AWS scopes.
        assert [level.equivalents["csa-atf"].split(":")[0] for level in levels] == [
            "Intern", "Junior", "Senior", "Principal"]  # fmt: skip


@pytest.mark.parametrize("preset", ["default", "strict", "relaxed"])
def test_every_named_risk_cites_a_framework_and_only_named_risks_are_cited(preset: str) -> None:
    rubrics = load_rubrics(preset)
    named = {risk.id for risk in rubrics.named_risks}
    assert set(rubrics.risk_references) == named  # each named risk has its entry, and no entry names another
    for risk in named:
        references = rubrics.risk_references_of(risk)
        assert references, f"{risk} cites nothing"
        for reference in references:
            assert re.match(FRAMEWORKS[reference.framework], reference.id), reference
            assert reference.version


def test_the_agentic_top10_is_its_own_framework_beside_the_threat_list_and_the_llm_top10() -> None:
    rubrics = load_rubrics()
    cited = [r for refs in (*rubrics.references.values(), *rubrics.risk_references.values()) for r in refs]
    editions = {r.framework: (r.title_of_framework, r.version) for r in cited}
    assert editions["owasp-agentic-top10"] == ("OWASP Top 10 for Agentic Applications", "2026")
    assert editions["owasp-agentic"] == ("OWASP Agentic AI, Threats and Mitigations", "1.0")
    assert editions["owasp-llm"] == ("OWASP Top 10 for LLM Applications", "2025")
    # Each ASI id keeps the one title the publication gives it, wherever it is cited.
    for reference in cited:
        if reference.framework == "owasp-agentic-top10":
            assert reference.title == AGENTIC_TOP10[reference.id], reference
    controls = {control: {r.id for r in rubrics.references_of(control, "owasp-agentic-top10")}
                for control in rubrics.references}  # fmt: skip
    assert "ASI01" in controls["limits"]  # agent goal hijack: limits enforced outside the model
    assert "ASI03" in controls["access"]  # identity and privilege abuse
    assert "ASI10" in controls["kill_switch"]  # rogue agents
    assert "ASI09" in controls["human_approval"]  # human-agent trust exploitation
    risks = {risk: {r.id for r in rubrics.risk_references_of(risk, "owasp-agentic-top10")}
             for risk in rubrics.risk_references}  # fmt: skip
    assert "ASI01" in risks["prompt-injection"]
    assert "ASI09" in risks["automation-bias"]
    assert "ASI06" in risks["learning-drift"]


def test_reports_cite_each_reference_with_its_edition(runner: CliRunner) -> None:
    task = "examples/ticket-triage-agent.yaml"
    schema = json.loads(runner.invoke(app, ["schema", "report"]).stdout)
    versions = {"owasp-agentic-top10": "2026", "owasp-llm": "2025", "owasp-agentic": "1.0", "eu-ai-act": "2024/1689",
                "nist-ai-rmf": "1.0", "nist-ai-600-1": "July 2024", "iso-42001": "2023"}  # fmt: skip
    report = json.loads(runner.invoke(app, ["evaluate", task, "-f", "json"]).stdout)
    jsonschema.Draft202012Validator(schema).validate(report)
    everything = [r for g in report["gaps"] for r in g["references"]]
    everything += [r for risk in report["risk"]["named_risks"] for r in risk["references"]]
    assert everything and all(r["version"] == versions[r["framework"]] for r in everything)

    result = runner.invoke(app, ["evaluate", task, "-f", "json", "--framework", "owasp-agentic-top10"])
    assert result.exit_code == 0, result.stderr
    only = json.loads(result.stdout)
    jsonschema.Draft202012Validator(schema).validate(only)
    risks = {risk["id"]: risk["references"] for risk in only["risk"]["named_risks"]}
    assert risks["prompt-injection"] == [
        {"framework": "owasp-agentic-top10", "version": "2026", "id": "ASI01", "title": "Agent Goal Hijack"},
        {"framework": "owasp-agentic-top10", "version": "2026", "id": "ASI02", "title": "Tool Misuse and Exploitation"},
    ]
    assert risks["silent-failure"] == []  # no entry of the list names it
    cited = [r for g in only["gaps"] for r in g["references"]]
    assert cited and {(r["framework"], r["version"]) for r in cited} == {("owasp-agentic-top10", "2026")}

    markdown = runner.invoke(app, ["evaluate", task, "-f", "markdown", "--framework", "owasp-agentic-top10"]).stdout
    assert (
        "(OWASP Top 10 for Agentic Applications (2026) ASI01; OWASP Top 10 for Agentic Applications (2026) ASI02)"
        in (markdown)
    )  # the named risk, prompt injection
    assert (
        "| OWASP Top 10 for Agentic Applications (2026) ASI10; OWASP Top 10 for Agentic Applications (2026) ASI08 |"
        in (markdown)
    )  # the kill switch's gap
    assert "LLM01" not in markdown and "T10" not in markdown
    # Without a filter the earlier lists are cited too, each under its own edition.
    markdown = runner.invoke(app, ["evaluate", task, "-f", "markdown"]).stdout
    assert "OWASP Top 10 for LLM Applications (2025) LLM01" in markdown
    assert "OWASP Agentic AI, Threats and Mitigations (1.0) T10" in markdown


def test_rubrics_controls_prints_what_each_named_risk_cites(runner: CliRunner) -> None:
    result = runner.invoke(app, ["rubrics", "controls"])
    assert result.exit_code == 0
    assert re.search(
        r"^limits +OWASP Top 10 for Agentic Applications 2026 +ASI01 +Agent Goal Hijack$", result.stdout, re.M
    )
    assert re.search(r"^risk\.automation-bias +OWASP Top 10 for Agentic Applications 2026 +ASI09 ", result.stdout, re.M)


def test_a_catalogue_citing_an_unknown_risk_or_a_bad_source_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "rubrics"
    shutil.copytree(ROOT / "rubrics", folder)
    catalogue = folder / "catalogue.yaml"
    text = catalogue.read_text(encoding="utf-8")
    catalogue.write_text(text.replace("  learning-drift:\n", "  learning-drfit:\n")
                         .replace("id: ASI09, title", "id: ASI9, title", 1), encoding="utf-8")  # fmt: skip
    result = runner.invoke(app, ["rubrics", "validate", str(folder)])
    assert result.exit_code == 2
    assert "risks: 'learning-drfit' is not a named risk (did you mean 'learning-drift'?)" in result.stderr
    assert "'ASI9' is not an id of OWASP Top 10 for Agentic Applications" in result.stderr
    assert "Traceback" not in result.stderr

    catalogue.write_text(text.replace("source: https://genai.owasp.org", "source: genai.owasp.org"), encoding="utf-8")
    result = runner.invoke(app, ["rubrics", "validate", str(folder)])
    assert result.exit_code == 2
    line = text[: text.index("source: https://genai.owasp.org")].count("\n") + 1
    assert re.search(rf"catalogue\.yaml:{line}:\d+: .*https://", result.stderr), result.stderr


def test_the_frameworks_doc_states_what_the_catalogue_cites() -> None:
    """docs/frameworks.md: its tables of editions, ASI entries and level equivalents are the bundled data's."""
    text = (ROOT / "docs" / "frameworks.md").read_text(encoding="utf-8")
    rubrics = load_rubrics()
    cited = [r for refs in (*rubrics.references.values(), *rubrics.risk_references.values()) for r in refs]
    for reference in cited:
        assert f"| `{reference.framework}` | " in text and f" | {reference.version} |" in text, reference
    rows = {row[0]: row[1:] for row in _table_rows(text, "| id | title | controls | named risks |")}
    for asi, (title, controls, risks) in rows.items():
        assert title == AGENTIC_TOP10[asi]
        named = {
            c for c in rubrics.references if asi in {r.id for r in rubrics.references_of(c, "owasp-agentic-top10")}
        }
        assert set(filter(None, controls.split(", "))) == named, asi
        by_risk = {k for k in rubrics.risk_references if asi in {r.id for r in rubrics.risk_references_of(k)}}
        assert set(filter(None, risks.split(", "))) == by_risk, asi
    assert set(rows) == {r.id for r in cited if r.framework == "owasp-agentic-top10"}
    levels = _table_rows(
        text, "| level | AWS Agentic AI Security Scoping Matrix | Feng, McDonald and Zhang | CSA Agentic"
    )
    assert [row[1:] for row in levels] == [
        [lv.equivalents["aws-scoping-matrix"], lv.equivalents["feng-mcdonald-zhang"], lv.equivalents["csa-atf"]]
        for lv in rubrics.levels
    ]


def _table_rows(text: str, header: str) -> list[list[str]]:
    """The cells of a Markdown table's rows, found by the start of its header line."""
    lines = text[text.index(header) :].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows
